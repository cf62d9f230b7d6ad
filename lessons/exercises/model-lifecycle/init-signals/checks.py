from decimal import Decimal

import pytest

from playground.models import Product

pytestmark = pytest.mark.django_db

# The checks take `sandbox` before `learner`: creating the sandbox builds its
# example products, and those Product(...) calls must not reach your receivers.


def test_create_sends_the_init_pair_then_the_save_pair(sandbox, learner):
    Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("2.50"))

    assert learner.events == [
        ("pre_init", "code"),
        ("post_init", "Pen"),
        ("pre_save", None),
        ("post_save", True),
    ]


def test_each_loaded_row_sends_its_own_init_pair(sandbox, learner):
    list(Product.objects.filter(sandbox=sandbox))

    assert learner.events == [
        ("pre_init", "database"),
        ("post_init", "Fountain pen"),
        ("pre_init", "database"),
        ("post_init", "Notebook"),
        ("pre_init", "database"),
        ("post_init", "Desk lamp"),
    ]


def test_get_or_create_that_finds_the_row_sends_only_the_init_pair(sandbox, learner):
    Product.objects.get_or_create(sandbox=sandbox, name="Notebook")

    assert learner.events == [("pre_init", "database"), ("post_init", "Notebook")]


def test_saving_one_field_passes_it_as_update_fields(sandbox, learner):
    lamp = Product.objects.get(sandbox=sandbox, name="Desk lamp")
    learner.events.clear()  # forget the init pair of the fetch

    lamp.stock = 7
    lamp.save(update_fields=["stock"])

    assert learner.events == [("pre_save", frozenset({"stock"})), ("post_save", False)]
