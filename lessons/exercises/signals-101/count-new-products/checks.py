from decimal import Decimal

import pytest

from playground.models import Product, Tag

pytestmark = pytest.mark.django_db


def test_a_new_product_is_collected(sandbox, learner):
    Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("2.50"), stock=30)

    assert learner.created_names == ["Pen"]


def test_new_products_are_collected_in_the_order_they_were_created(sandbox, learner):
    for name in ("Pen", "Ink", "Ruler"):
        Product.objects.create(sandbox=sandbox, name=name, price=Decimal("1.00"))

    assert learner.created_names == ["Pen", "Ink", "Ruler"]


def test_saving_an_existing_product_again_is_not_collected(sandbox, learner):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    notebook.stock = 41
    notebook.save()

    assert learner.created_names == []


def test_a_new_tag_is_not_collected(sandbox, learner):
    Tag.objects.create(sandbox=sandbox, name="stationery")

    assert learner.created_names == []
