from decimal import Decimal

import pytest

from playground.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def notebook(sandbox):
    return Product.objects.get(sandbox=sandbox, name="Notebook")  # costs 6.50


def test_a_new_price_is_recorded_with_the_old_one(learner, notebook):
    notebook.price = Decimal("7.00")
    notebook.save()

    assert learner.price_changes == [("Notebook", Decimal("6.50"), Decimal("7.00"))]


def test_each_change_starts_from_the_price_stored_then(learner, notebook):
    for price in ("7.00", "5.90"):
        notebook.price = Decimal(price)
        notebook.save()

    assert learner.price_changes == [
        ("Notebook", Decimal("6.50"), Decimal("7.00")),
        ("Notebook", Decimal("7.00"), Decimal("5.90")),
    ]


def test_a_save_that_keeps_the_price_records_nothing(learner, notebook):
    notebook.stock = 12
    notebook.save()

    assert learner.price_changes == []


def test_a_new_product_is_not_a_change(learner, sandbox):
    Product.objects.create(sandbox=sandbox, name="Blue ink", price=Decimal("3.20"))

    assert learner.price_changes == []
