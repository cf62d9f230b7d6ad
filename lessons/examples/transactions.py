"""Examples for lesson 11, Signals and transactions: side effects after COMMIT.

A new user gets a welcome e-mail. Sending it is slow work for a task queue,
and it must only happen once the user's row is really committed. The
receivers here are not connected when the module is imported; the lesson's
tests connect them to ``User``'s ``post_save`` and disconnect them again.
"""

import logging
from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.tasks import task

logger = logging.getLogger(__name__)


@task
def send_welcome_email(user_id):
    """A ``django.tasks`` task: the backend in ``TASKS`` decides when it runs."""
    user = User.objects.get(pk=user_id)
    # A real project would call send_mail() here; the log line stands in for it.
    logger.info("Welcome e-mail sent to %s", user.email)
    return user.email


def queue_welcome_email(sender, instance, created, raw, **kwargs):
    """Enqueue the task only after the transaction that created the user commits."""
    if not created or raw:
        return
    transaction.on_commit(partial(send_welcome_email.enqueue, instance.pk))


def queue_welcome_email_too_early(sender, instance, created, raw, **kwargs):
    """The mistake: enqueue at once, before anyone knows whether the save commits."""
    if not created or raw:
        return
    send_welcome_email.enqueue(instance.pk)
