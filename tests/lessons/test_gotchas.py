"""Proves the claims of lesson 13, When signals do not fire (lessons/content/gotchas.md)."""

import importlib
import json
import logging
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, models
from django.db.models.signals import (
    post_delete,
    post_init,
    post_save,
    pre_delete,
    pre_init,
    pre_save,
)
from django.test.utils import CaptureQueriesContext, isolate_apps

from lessons.examples.gotchas import (
    tidy_group_name_badly,
    tidy_group_name_once,
    tidy_group_name_with_update,
)
from playground import services
from playground.models import Product
from playground.performing import perform
from playground.sandboxes import create_sandbox
from tests.playground.logged import last_action, press

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "content" / "gotchas.md"
AUDITED = "audited (bulk_create, bulk_update and QuerySet.update() never get here)"


@pytest.fixture
def group_signals(connect):
    """Every model-instance signal Group sends, as (signal name, extra) in order."""
    calls = []
    for name, signal in {
        "pre_init": pre_init,
        "post_init": post_init,
        "pre_save": pre_save,
        "post_save": post_save,
        "pre_delete": pre_delete,
        "post_delete": post_delete,
    }.items():

        def record(name=name, **kwargs):
            extra = {key: kwargs[key] for key in ("raw", "created", "origin") if key in kwargs}
            calls.append((name, extra))

        connect(signal, record, sender=Group)
    return calls


def names(calls):
    return [name for name, _ in calls]


# -- Bulk operations -------------------------------------------------------------------


@pytest.mark.django_db
def test_queryset_update_sends_nothing(group_signals):
    Group.objects.bulk_create([Group(name="a"), Group(name="b")])
    group_signals.clear()

    assert Group.objects.update(name=models.functions.Upper("name")) == 2

    assert group_signals == []


@pytest.mark.django_db
def test_bulk_create_sends_no_save_signals_only_the_init_pairs_you_build(group_signals):
    groups = [Group(name="a"), Group(name="b")]
    assert names(group_signals) == ["pre_init", "post_init"] * 2
    group_signals.clear()

    Group.objects.bulk_create(groups)

    assert group_signals == []


@pytest.mark.django_db
def test_bulk_update_sends_no_save_signals(group_signals):
    groups = Group.objects.bulk_create([Group(name="a"), Group(name="b")])
    for group in groups:
        group.name += "!"
    group_signals.clear()

    assert Group.objects.bulk_update(groups, ["name"]) == 2

    assert group_signals == []


@pytest.mark.django_db
def test_queryset_delete_sends_per_object_signals_with_the_queryset_as_origin(group_signals):
    Group.objects.bulk_create([Group(name="a"), Group(name="b")])
    group_signals.clear()
    queryset = Group.objects.all()

    queryset.delete()

    assert (
        names(group_signals)
        == ["pre_init", "post_init"] * 2 + ["pre_delete"] * 2 + ["post_delete"] * 2
    )
    assert {extra["origin"] is queryset for _, extra in group_signals[4:]} == {True}


# -- loaddata ----------------------------------------------------------------------------


def write_fixture(tmp_path, records):
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_loaddata_sends_save_signals_with_raw_true(tmp_path, group_signals):
    fixture = write_fixture(
        tmp_path, [{"model": "auth.group", "pk": 4242, "fields": {"name": "editors"}}]
    )

    call_command("loaddata", fixture, verbosity=0)
    call_command("loaddata", fixture, verbosity=0)

    saves = [call for call in group_signals if call[0] in ("pre_save", "post_save")]
    assert saves == [
        ("pre_save", {"raw": True}),
        ("post_save", {"raw": True, "created": True}),
        ("pre_save", {"raw": True}),
        ("post_save", {"raw": True, "created": False}),
    ]


@pytest.mark.django_db
def test_a_receiver_that_checks_raw_does_nothing_for_fixture_data(tmp_path, mailoutbox):
    sandbox = create_sandbox()
    fixture = write_fixture(
        tmp_path,
        [
            {
                "model": "playground.product",
                "pk": 4242,
                "fields": {
                    "sandbox": sandbox.pk,
                    "name": "Ink",
                    "slug": "ink",
                    "price": "3.00",
                    "stock": 9,
                    "image": "",
                    "views": 0,
                },
            }
        ],
    )

    call_command("loaddata", fixture, verbosity=0)

    assert Product.objects.filter(pk=4242, name="Ink").exists()
    assert mailoutbox == []  # no "New product: Ink" e-mail


# -- on_delete=DB_CASCADE ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@isolate_apps("lessons")
def test_db_cascade_deletes_children_in_the_database_without_signals(connect):
    class Basket(models.Model):  # noqa: DJ008
        class Meta:
            app_label = "lessons"

    class BasketItem(models.Model):  # noqa: DJ008
        basket = models.ForeignKey(Basket, on_delete=models.DB_CASCADE)

        class Meta:
            app_label = "lessons"

    calls = []
    for signal in (pre_delete, post_delete):
        for model in (Basket, BasketItem):
            connect(
                signal,
                lambda sender, signal, **kwargs: calls.append((signal, sender.__name__)),
                sender=model,
            )

    with connection.schema_editor() as editor:
        editor.create_model(Basket)
        editor.create_model(BasketItem)
    try:
        basket = Basket.objects.create()
        BasketItem.objects.create(basket=basket)
        BasketItem.objects.create(basket=basket)

        with CaptureQueriesContext(connection) as queries:
            basket.delete()

        deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
        assert len(deletes) == 1
        assert "lessons_basket" in deletes[0]
        assert calls == [(pre_delete, "Basket"), (post_delete, "Basket")]
        assert BasketItem.objects.count() == 0
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(BasketItem)
            editor.delete_model(Basket)


# -- Recursion ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_the_instance_in_its_own_post_save_recurses(connect):
    connect(post_save, tidy_group_name_badly, sender=Group)

    with pytest.raises(RecursionError):
        Group.objects.create(name="  site   editors ")


@pytest.mark.django_db
def test_fix_one_update_writes_the_tidy_name_without_another_signal(connect, group_signals):
    connect(post_save, tidy_group_name_with_update, sender=Group)

    group = Group.objects.create(name="  site   editors ")

    assert names(group_signals) == ["pre_init", "post_init", "pre_save", "post_save"]
    assert group.name == "Site Editors"
    assert Group.objects.get(pk=group.pk).name == "Site Editors"


@pytest.mark.django_db
def test_fix_two_the_update_fields_guard_stops_after_one_more_save(connect):
    seen = []
    connect(post_save, lambda update_fields, **kwargs: seen.append(update_fields), sender=Group)
    connect(post_save, tidy_group_name_once, sender=Group)

    group = Group.objects.create(name="  site   editors ")

    assert seen == [None, frozenset({"name"})]
    assert Group.objects.get(pk=group.pk).name == "Site Editors"


# -- The receivers module that nothing imports --------------------------------------------


FORGOTTEN = "lessons.examples.forgotten_receivers"


@pytest.mark.django_db
def test_the_forgotten_receivers_module_connects_only_once_imported(caplog):
    assert FORGOTTEN not in sys.modules
    assert pre_delete.has_listeners(Group) is False

    module = importlib.import_module(FORGOTTEN)
    try:
        assert pre_delete.has_listeners(Group) is True
        caplog.set_level(logging.INFO, logger=FORGOTTEN)
        Group.objects.create(name="editors").delete()
    finally:
        assert pre_delete.disconnect(module.note_group_deleted, sender=Group) is True
        del sys.modules[FORGOTTEN]

    assert [r.getMessage() for r in caplog.records if r.name == FORGOTTEN] == [
        "Group 'editors' is about to be deleted"
    ]


def test_nothing_in_the_project_imports_the_forgotten_module():
    root = Path(__file__).resolve().parents[2]
    importers = [
        path.relative_to(root).as_posix()
        for folder in ("lessons", "playground", "tutorial")
        for path in (root / folder).rglob("*.py")
        if path.stem != "forgotten_receivers"
        and "forgotten_receivers" in path.read_text(encoding="utf-8")
    ]

    assert importers == []


# -- Try it: the gotchas scenario's "Bulk operations" card ------------------------------


def run(sandbox, call):
    outcome = perform(sandbox, "test", call, scenario="gotchas")
    assert outcome.ok
    return outcome, last_action(sandbox)


@pytest.mark.django_db
def test_try_it_steps():
    sandbox = create_sandbox()
    init_pair = [("pre_init", "Product"), ("post_init", "Product")]

    # Step 1: "Save" on a product's Edit panel: the audit receiver runs.
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    _, logged = run(
        sandbox,
        lambda: services.product_update(
            product=pen, name=pen.name, price=pen.price, stock=pen.stock
        ),
    )
    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert logged.receivers(2)[-1] == ("audit_product_change", AUDITED)

    # Step 2: bulk_create() of 3.
    _, logged = run(sandbox, lambda: services.products_bulk_create(sandbox=sandbox, count=3))
    assert logged.signals == init_pair * 3
    assert logged.runs("audit_product_change") == []

    # Step 3: bulk_update() by -10%: the init pairs of the six rows it loads, nothing else.
    _, logged = run(sandbox, lambda: services.products_bulk_update(sandbox=sandbox, percent=-10))
    assert logged.signals == init_pair * 6
    assert logged.runs("audit_product_change") == []
    assert Product.objects.get(pk=pen.pk).price == Decimal("21.60")

    # Step 4: QuerySet.update(), every stock +5.
    outcome, logged = run(sandbox, lambda: services.products_restock(sandbox=sandbox, amount=5))
    assert outcome.result == 6
    assert logged.signals == []
    assert logged.entry.note == "No signals sent."

    # Step 5: QuerySet.delete() of the "Bulk item" products.
    items = list(Product.objects.filter(sandbox=sandbox, name__startswith="Bulk item"))
    outcome, logged = run(sandbox, lambda: services.products_delete_bulk_items(sandbox=sandbox))
    assert outcome.result == (3, {"playground.Product": 3})
    assert (
        logged.signals
        == init_pair * 3 + [("pre_delete", "Product")] * 3 + [("post_delete", "Product")] * 3
    )
    assert [dict(logged.arguments(n))["instance"] for n in range(7, 13)] == [
        f"<Product: {item.name}>" for item in items + items[::-1]
    ]
    assert {dict(logged.arguments(n))["origin"] for n in range(7, 13)} == {"<QuerySet of Product>"}


# -- The lesson's own text ------------------------------------------------------------------


def test_fenced_snippets_labelled_with_a_file_match_that_file():
    text = LESSON.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# (\S+\.py)\n(.*?)```", text, re.DOTALL)
    root = LESSON.parents[2]

    assert blocks
    for name, body in blocks:
        assert body in (root / name).read_text(encoding="utf-8")


def test_the_lesson_shows_the_real_forgotten_module():
    text = LESSON.read_text(encoding="utf-8")

    assert "until the module is imported" not in text
    assert "# lessons/examples/forgotten_receivers.py\n" in text
    assert ">>> import lessons.examples.forgotten_receivers\n" in text
    assert "::: include lessons.examples.forgotten_receivers" not in text  # would connect it


@pytest.mark.django_db(transaction=True)  # autocommit, as on the site
def test_the_log_shows_bulk_create_as_one_insert_and_update_as_one_update_with_no_signal():
    sandbox = create_sandbox(scenario="gotchas")

    created = press(sandbox, "bulk-create", {"count": 2}, scenario="gotchas")
    updated = press(sandbox, "queryset-update", {"amount": 1}, scenario="gotchas")

    assert created.timeline == [
        "SQL SELECT playground_product",  # the sandbox's room for two more
        "SQL SELECT playground_product",  # the next free "Bulk item" number
        "pre_init · Product",  # the service builds each Product(...)
        "post_init · Product",
        "pre_init · Product",
        "post_init · Product",
        "SQL INSERT playground_product",  # one INSERT for both rows, no save signal
    ]
    assert updated.timeline == [
        "BEGIN",
        "SQL SELECT playground_product",  # the service checks every new stock fits
        "SQL UPDATE playground_product",
        "COMMIT",
    ]
