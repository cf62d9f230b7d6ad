"""Example for lesson 13, When signals do not fire: a receivers module nothing imports.

No ``AppConfig.ready()`` imports this module, so while the site runs its
receiver is not connected and ``pre_delete.has_listeners(Group)`` is False.
Import it (in a shell, or a test) and the decorator connects the receiver.

The lesson shows this file as text rather than through ``::: include``: an
include imports the module, and would connect the very receiver it shows.
"""

import logging

from django.contrib.auth.models import Group
from django.db.models.signals import pre_delete
from django.dispatch import receiver

logger = logging.getLogger(__name__)


@receiver(pre_delete, sender=Group)
def note_group_deleted(sender, instance, **kwargs):
    logger.info("Group %r is about to be deleted", instance.name)
