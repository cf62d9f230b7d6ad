"""The sandbox's outbox (playground/outbox.py): the site's e-mail backend.

Receivers call ``send_mail()``; the backend keeps each message in the
outbox of the sandbox whose action sent it. (These tests run with the
site's mailers: see ``sandbox_outbox`` in tests/conftest.py.)
"""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.test import Client

from playground import outbox
from playground.models import OutboxEmail, Product, Sandbox
from playground.performing import aperform, perform
from tests.playground.logged import visitor

pytestmark = pytest.mark.django_db


def stored(sandbox: Sandbox) -> list[tuple[str, str, str]]:
    return list(
        OutboxEmail.objects.filter(sandbox=sandbox)
        .order_by("pk")
        .values_list("to", "subject", "body")
    )


def hello(subject: str = "Hi") -> int:
    return send_mail(subject, "Hello.", None, ["a@example.com"])


def test_the_site_sends_mail_through_the_outbox_backend():
    assert isinstance(mail.mailers.default, outbox.EmailBackend)


def test_an_action_keeps_its_emails_until_it_is_stored(sandbox):
    def send():
        assert hello() == 1
        # Nothing is stored until the action ends.
        assert not OutboxEmail.objects.filter(sandbox=sandbox).exists()

    outcome = perform(sandbox, "sends", send)

    [email] = outcome.emails
    assert (email.to, email.subject, email.body) == ("a@example.com", "Hi", "Hello.")
    assert email.pk == OutboxEmail.objects.get(sandbox=sandbox).pk


def test_an_action_delivers_its_emails_with_its_log_even_after_a_rollback(sandbox):
    def send_then_roll_back():
        with transaction.atomic():
            hello("Sent anyway")
            transaction.set_rollback(True)

    outcome = perform(sandbox, "rolls back", send_then_roll_back)

    # Like real e-mail: the rollback cannot unsend it.
    assert [email.subject for email in outcome.emails] == ["Sent anyway"]
    assert outcome.emails[0].pk is not None
    assert stored(sandbox) == [("a@example.com", "Sent anyway", "Hello.")]


def test_an_action_that_raises_still_delivers_what_it_sent(sandbox):
    def send_then_fail():
        hello("Before the error")
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        perform(sandbox, "fails", send_then_fail)

    assert stored(sandbox) == [("a@example.com", "Before the error", "Hello.")]


def test_emails_go_to_the_sandbox_of_the_action_that_sent_them(sandbox):
    other = Sandbox.objects.create()

    perform(sandbox, "one", lambda: hello("Mine"))
    perform(other, "two", lambda: hello("Theirs"))

    assert [subject for _, subject, _ in stored(sandbox)] == ["Mine"]
    assert [subject for _, subject, _ in stored(other)] == ["Theirs"]


def test_an_async_action_collects_what_its_sync_code_sends(sandbox):
    async def send():
        await sync_to_async(hello)("From a thread")

    outcome = async_to_sync(aperform)(sandbox, "async", send)

    assert [email.subject for email in outcome.emails] == ["From a thread"]
    assert stored(sandbox) == [("a@example.com", "From a thread", "Hello.")]


def test_a_message_keeps_its_recipients_and_fits_the_columns(sandbox):
    message = EmailMessage("s" * 250, "Body.", None, ["a@example.com", "b@example.com"])

    outcome = perform(sandbox, "long", lambda: message.send())

    [email] = outcome.emails
    assert email.to == "a@example.com, b@example.com"
    assert email.subject == "s" * 200


def test_emails_of_a_purged_sandbox_are_dropped_with_its_log(sandbox):
    def send_and_purge():
        hello("Too late")
        Sandbox.objects.filter(pk=sandbox.pk).delete()

    outcome = perform(sandbox, "purged", send_and_purge)

    assert outcome.entry is None
    assert not OutboxEmail.objects.exists()


def test_an_email_sent_outside_the_playground_goes_nowhere(sandbox):
    assert hello() == 0
    assert not OutboxEmail.objects.exists()


def admin_client() -> Client:
    admin = Client()
    admin.force_login(User.objects.create_superuser("admin", "a@example.com", "pw"))
    return admin


def test_a_product_added_in_the_admin_emails_its_own_sandbox_at_once():
    _, sandbox = visitor()
    _, other = visitor()

    response = admin_client().post(
        "/admin/playground/product/add/",
        {
            "sandbox": sandbox.pk,
            "name": "Ink",
            "slug": "ink",
            "price": "3.00",
            "stock": "9",
            "views": "0",
        },
    )

    assert response.status_code == 302
    assert stored(sandbox) == [
        ("catalogue@example.com", "New product: Ink", "Ink is now on sale at 3.00.")
    ]
    assert stored(other) == []


@pytest.mark.django_db(transaction=True)  # the admin's own transaction commits
def test_an_admin_edit_emails_its_sandbox_when_the_admin_commits():
    _, sandbox = visitor()
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")

    response = admin_client().post(
        f"/admin/playground/product/{pen.pk}/change/",
        {
            "sandbox": sandbox.pk,
            "name": pen.name,
            "slug": pen.slug,
            "price": "30.00",
            "stock": "4",
            "views": "0",
        },
    )

    assert response.status_code == 302
    assert stored(sandbox) == [
        ("shop@example.com", "Updated: Fountain pen", "Fountain pen now costs 30.00, 4 in stock.")
    ]
