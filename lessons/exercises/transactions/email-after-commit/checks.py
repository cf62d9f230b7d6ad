import pytest
from django.db import transaction

from playground.models import Product

pytestmark = pytest.mark.django_db

SOLD_OUT = ("Sold out: Desk lamp", "Desk lamp is out of stock.")


class Rollback(Exception):
    """Raised inside atomic() to roll the block back."""


@pytest.fixture
def lamp(sandbox):
    return Product.objects.get(sandbox=sandbox, name="Desk lamp")  # stock 3


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Runs the on_commit callbacks when a block ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def warehouse_mail(mailoutbox):
    """The warehouse's e-mails (the playground's receivers send others)."""
    return [
        (email.subject, email.body) for email in mailoutbox if "warehouse@example.com" in email.to
    ]


def test_a_committed_sell_out_emails_the_warehouse(learner, lamp, mailoutbox, committing):
    with committing(), transaction.atomic():
        lamp.stock = 0
        lamp.save()

    assert warehouse_mail(mailoutbox) == [SOLD_OUT]


def test_nothing_is_sent_before_the_commit(learner, lamp, mailoutbox, committing):
    with committing(), transaction.atomic():
        lamp.stock = 0
        lamp.save()
        sent_before_commit = warehouse_mail(mailoutbox)

    assert sent_before_commit == []
    assert warehouse_mail(mailoutbox) == [SOLD_OUT]


def test_a_rolled_back_sell_out_sends_nothing(learner, lamp, mailoutbox, committing):
    with committing(), pytest.raises(Rollback), transaction.atomic():
        lamp.stock = 0
        lamp.save()
        raise Rollback

    assert Product.objects.get(pk=lamp.pk).stock == 3
    assert warehouse_mail(mailoutbox) == []


def test_stock_left_sends_nothing(learner, lamp, mailoutbox, committing):
    with committing(), transaction.atomic():
        lamp.stock = 1
        lamp.save()

    assert warehouse_mail(mailoutbox) == []
