from decimal import Decimal

import pytest
from django.db.models.signals import post_save

from playground.models import Product

pytestmark = pytest.mark.django_db


def welcome_emails(mailoutbox):
    """(subject, to, body) of every welcome e-mail sent, oldest first."""
    return [
        (email.subject, email.to, email.body)
        for email in mailoutbox
        if email.subject.startswith("Welcome to the shop")
    ]


def test_a_new_product_sends_one_welcome_email(learner, sandbox, mailoutbox):
    Product.objects.create(sandbox=sandbox, name="Blue ink", price=Decimal("3.20"))

    assert welcome_emails(mailoutbox) == [
        (
            "Welcome to the shop: Blue ink",
            ["newsletter@example.com"],
            "Blue ink has just arrived, at 3.20.",
        )
    ]


def test_each_new_product_gets_its_own_email(learner, sandbox, mailoutbox):
    Product.objects.create(sandbox=sandbox, name="Blue ink", price=Decimal("3.20"))
    Product.objects.create(sandbox=sandbox, name="Red ink", price=Decimal("3.40"))

    assert [subject for subject, _to, _body in welcome_emails(mailoutbox)] == [
        "Welcome to the shop: Blue ink",
        "Welcome to the shop: Red ink",
    ]


def test_saving_an_existing_product_sends_no_welcome_email(learner, sandbox, mailoutbox):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    notebook.price = Decimal("5.90")
    notebook.save()

    assert welcome_emails(mailoutbox) == []


def test_a_fixture_load_sends_no_welcome_email(learner, sandbox, mailoutbox):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    # What loaddata sends for a row it loads for the first time.
    post_save.send(
        sender=Product,
        instance=notebook,
        created=True,
        raw=True,
        using="default",
        update_fields=None,
    )

    assert welcome_emails(mailoutbox) == []
