from decimal import Decimal

import pytest
from django.db.models.signals import post_save

import playground
from playground.models import Product, Tag

pytestmark = pytest.mark.django_db

UID = "learner-log-saved-product"


def make_config(learner):
    """The learner's app config, built the way Django's app registry builds one."""
    return learner.ShopConfig("playground", playground)


def create_pen(sandbox):
    return Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("2.50"))


def test_nothing_is_connected_before_ready_runs(sandbox, learner):
    make_config(learner)
    create_pen(sandbox)

    assert learner.saved_names == []


def test_after_ready_every_product_save_is_logged(sandbox, learner):
    make_config(learner).ready()
    pen = create_pen(sandbox)
    pen.stock = 5
    pen.save()

    assert learner.saved_names == ["Pen", "Pen"]


def test_other_models_are_not_logged(sandbox, learner):
    make_config(learner).ready()
    Tag.objects.create(sandbox=sandbox, name="stationery")

    assert learner.saved_names == []


def test_ready_twice_still_logs_each_save_once(sandbox, learner):
    config = make_config(learner)
    config.ready()
    config.ready()
    create_pen(sandbox)

    assert learner.saved_names == ["Pen"]


def test_the_connection_carries_the_dispatch_uid(sandbox, learner):
    make_config(learner).ready()

    assert post_save.disconnect(sender=Product, dispatch_uid=UID) is True, (
        f"no post_save receiver for Product is registered with dispatch_uid={UID!r}"
    )
    create_pen(sandbox)
    assert learner.saved_names == []
