from decimal import Decimal

import pytest
from django.db.models.signals import pre_save

from playground.models import Product

pytestmark = pytest.mark.django_db

MAX_SAVES = 3


class EndlessSave(Exception):
    pass


def save_ending(action):
    """Run ``action``, stopping a save that keeps saving again long before
    Python's recursion limit, and return what it returns."""
    saves = 0

    def count_save(sender, **kwargs):
        nonlocal saves
        saves += 1
        if saves > MAX_SAVES:
            raise EndlessSave

    pre_save.connect(count_save, sender=Product, weak=False)
    endless = False
    try:
        return action()
    except EndlessSave:
        endless = True
    finally:
        pre_save.disconnect(count_save, sender=Product)
    if endless:
        pytest.fail(
            f"One save() of a product started more than {MAX_SAVES} saves, and would never "
            "stop: each save of the product leads to another save of the product.",
            pytrace=False,
        )


def create_ink(sandbox):
    return save_ending(
        lambda: Product.objects.create(sandbox=sandbox, name="Blue ink", price=Decimal("3.20"))
    )


def stored_slug(product):
    return Product.objects.filter(pk=product.pk).values_list("slug", flat=True).get()


def test_a_new_product_has_its_pk_in_the_slug_in_the_row(learner, sandbox):
    ink = create_ink(sandbox)

    assert stored_slug(ink) == f"blue-ink-{ink.pk}"


def test_the_product_you_saved_has_the_slug_too(learner, sandbox):
    ink = create_ink(sandbox)

    assert ink.slug == f"blue-ink-{ink.pk}"


def test_a_renamed_product_gets_a_new_slug(learner, sandbox):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    notebook.name = "Spiral notebook"
    save_ending(notebook.save)

    assert (notebook.slug, stored_slug(notebook)) == (
        f"spiral-notebook-{notebook.pk}",
        f"spiral-notebook-{notebook.pk}",
    )


def test_saving_one_product_leaves_the_others_alone(learner, sandbox):
    create_ink(sandbox)

    others = Product.objects.filter(sandbox=sandbox).exclude(name="Blue ink")
    assert list(others.values_list("name", "slug")) == [
        ("Fountain pen", "fountain-pen"),
        ("Notebook", "notebook"),
        ("Desk lamp", "desk-lamp"),
    ]
