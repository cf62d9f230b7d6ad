from decimal import Decimal

import pytest

from playground.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp(sandbox):
    return Product.objects.create(sandbox=sandbox, name="Lamp", price=Decimal("20.00"))


def test_a_lower_price_is_a_drop(learner, lamp):
    lamp.price = Decimal("15.00")
    lamp.save()

    assert learner.price_drops == [("Lamp", Decimal("20.00"), Decimal("15.00"))]


def test_a_new_product_is_not_a_drop(learner, sandbox):
    Product.objects.create(sandbox=sandbox, name="Desk", price=Decimal("99.00"))

    assert learner.price_drops == []


def test_a_higher_or_equal_price_is_not_a_drop(learner, lamp):
    lamp.price = Decimal("25.00")
    lamp.save()
    lamp.save()

    assert learner.price_drops == []


def test_each_drop_compares_with_the_price_stored_then(learner, lamp):
    for price in ("18.00", "12.50"):
        lamp.price = Decimal(price)
        lamp.save()

    assert learner.price_drops == [
        ("Lamp", Decimal("20.00"), Decimal("18.00")),
        ("Lamp", Decimal("18.00"), Decimal("12.50")),
    ]
