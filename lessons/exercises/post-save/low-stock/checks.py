from decimal import Decimal

import pytest

from playground.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def notebook(sandbox):
    return Product.objects.get(sandbox=sandbox, name="Notebook")  # 40 in stock


def test_a_stock_of_4_warns(learner, notebook):
    notebook.stock = 4
    notebook.save()

    assert learner.warnings == [("Notebook", 4)]


def test_a_stock_of_5_does_not_warn(learner, notebook):
    notebook.stock = 5
    notebook.save()

    assert learner.warnings == []


def test_a_new_product_with_low_stock_warns(learner, sandbox):
    Product.objects.create(sandbox=sandbox, name="Blue ink", price=Decimal("3.20"), stock=2)
    Product.objects.create(sandbox=sandbox, name="Red ink", price=Decimal("3.40"), stock=30)

    assert learner.warnings == [("Blue ink", 2)]


def test_every_save_of_a_low_product_warns(learner, sandbox):
    lamp = Product.objects.get(sandbox=sandbox, name="Desk lamp")  # 3 in stock
    lamp.price = Decimal("35.00")
    lamp.save()
    lamp.save()

    assert learner.warnings == [("Desk lamp", 3), ("Desk lamp", 3)]
