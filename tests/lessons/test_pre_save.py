"""Proves the claims of lesson 6, Preparing data in pre_save (lessons/content/pre-save.md)."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_init, post_save, pre_init, pre_save
from django.test.utils import CaptureQueriesContext

from lessons.examples.pre_save import fill_slug_within_update_fields, normalise_product_name
from playground import receivers, services
from playground.models import Product
from tests.playground.logged import press

SCENARIO = "pre-save"


def stored(pk, field):
    return Product.objects.filter(pk=pk).values_list(field, flat=True).get()


def seeded(sandbox, name):
    return Product.objects.get(sandbox=sandbox, name=name)


# -- What pre_save tells you ------------------------------------------------------


def test_pre_save_arguments_have_no_created(sandbox, connect):
    received = []
    connect(pre_save, lambda **kwargs: received.append(kwargs), sender=Product)

    pen = Product(sandbox=sandbox, name="Pen", price=Decimal("1.00"))
    assert pen.pk is None
    pen.save()
    pen.save(update_fields=["stock"])

    common = {"signal": pre_save, "sender": Product, "instance": pen, "raw": False}
    assert received == [
        {**common, "update_fields": None, "using": "default"},
        {**common, "update_fields": frozenset({"stock"}), "using": "default"},
    ]


def test_pre_save_runs_before_the_sql_so_the_old_row_is_readable(sandbox, connect):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append((instance.stock, stored(instance.pk, "stock")))

    pen = seeded(sandbox, "Fountain pen")
    connect(pre_save, receiver, sender=Product)
    pen.stock = 11
    pen.save()

    assert seen == [(11, 12)]
    assert stored(pen.pk, "stock") == 11


@pytest.mark.django_db
def test_loaddata_sends_pre_save_with_raw_true(tmp_path, connect):
    fixture = tmp_path / "groups.json"
    fixture.write_text(json.dumps([{"model": "auth.group", "pk": 50, "fields": {"name": "a"}}]))
    received = []
    connect(pre_save, lambda **kw: received.append(kw["raw"]), sender=Group)

    call_command("loaddata", str(fixture), verbosity=0)

    assert received == [True]


# -- Comparing with the stored row ------------------------------------------------


def test_price_drop_reports_the_stored_and_the_new_price(sandbox):
    pen = seeded(sandbox, "Fountain pen")
    pen.price = Decimal("19.99")

    assert receivers.notice_price_drop(sender=Product, instance=pen) == "PRICE DROP: 24.00 → 19.99"

    pen.price = Decimal("25.00")
    assert receivers.notice_price_drop(sender=Product, instance=pen) == "no price drop"


def test_price_drop_skips_new_objects_without_a_query(sandbox, django_assert_num_queries):
    pen = Product(sandbox=sandbox, name="Pen", price=Decimal("1.00"))

    with django_assert_num_queries(0):
        result = receivers.notice_price_drop(sender=Product, instance=pen)

    assert result == "new product: nothing to compare"


def test_price_drop_reads_one_column_in_one_query_and_builds_no_instance(sandbox, connect):
    pen = seeded(sandbox, "Fountain pen")
    inits = []
    connect(pre_init, lambda **kw: inits.append("pre_init"), sender=Product)
    connect(post_init, lambda **kw: inits.append("post_init"), sender=Product)

    with CaptureQueriesContext(connection) as queries:
        receivers.notice_price_drop(sender=Product, instance=pen)

    assert len(queries) == 1
    assert queries[0]["sql"].startswith('SELECT "playground_product"."price" AS "price" FROM')
    assert inits == []


def test_price_drop_handles_a_hand_set_pk_with_no_row(sandbox):
    ghost = Product(pk=999_999, sandbox=sandbox, name="Ghost", price=Decimal("1.00"))

    assert receivers.notice_price_drop(sender=Product, instance=ghost) == "no price drop"


def test_loading_the_whole_object_sends_the_init_pair(sandbox, connect):
    pen = seeded(sandbox, "Fountain pen")
    inits = []
    connect(pre_init, lambda **kw: inits.append("pre_init"), sender=Product)
    connect(post_init, lambda **kw: inits.append("post_init"), sender=Product)

    Product.objects.get(pk=pen.pk)

    assert inits == ["pre_init", "post_init"]


# -- Filling in and normalising fields ---------------------------------------------


def test_fill_slug_is_part_of_the_single_insert(sandbox):
    with CaptureQueriesContext(connection) as queries:
        pen = Product.objects.create(sandbox=sandbox, name="Blue Ink Pot", price=Decimal("5"))

    # Other receivers (the new-product e-mail) write their own rows; look at this table.
    writes = [
        q["sql"]
        for q in queries
        if not q["sql"].startswith("SELECT") and '"playground_product"' in q["sql"].split("(")[0]
    ]
    assert len(writes) == 1
    assert writes[0].startswith('INSERT INTO "playground_product"')
    assert "'blue-ink-pot'" in writes[0]
    assert stored(pen.pk, "slug") == "blue-ink-pot"


def test_fill_slug_leaves_a_set_slug_and_reports_an_unsluggable_name(sandbox):
    notebook = seeded(sandbox, "Notebook")
    notebook.name = "Squared notebook"
    odd = Product(sandbox=sandbox, name="???", price=Decimal("1"))

    assert receivers.fill_slug(sender=Product, instance=notebook) == "slug already set"
    assert notebook.slug == "notebook"
    assert (
        receivers.fill_slug(sender=Product, instance=odd)
        == "the name has no letters or digits for a slug: left it empty"
    )


def test_a_name_normalised_in_pre_save_is_stored(sandbox, connect):
    connect(pre_save, normalise_product_name, sender=Product)

    pen = Product.objects.create(sandbox=sandbox, name="  Blue   ink  ", price=Decimal("1"))

    assert stored(pen.pk, "name") == "Blue ink"


def test_a_change_in_post_save_is_not_stored(sandbox, connect):
    def too_late(sender, instance, **kwargs):
        instance.name = "changed"

    connect(post_save, too_late, sender=Product)
    pen = Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("1"))

    assert (pen.name, stored(pen.pk, "name")) == ("changed", "Pen")


# -- update_fields and its trap -----------------------------------------------------


def test_update_fields_writes_only_the_listed_column(sandbox):
    pen = seeded(sandbox, "Fountain pen")
    pen.name, pen.stock = "Renamed", 7

    with CaptureQueriesContext(connection) as queries:
        pen.save(update_fields=["stock"])

    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert updates == [
        f'UPDATE "playground_product" SET "stock" = 7 WHERE "playground_product"."id" = {pen.pk}'
    ]
    assert (stored(pen.pk, "name"), stored(pen.pk, "stock")) == ("Fountain pen", 7)


def test_empty_update_fields_sends_nothing_and_runs_no_query(
    sandbox, connect, django_assert_num_queries
):
    events = []
    connect(pre_save, lambda **kw: events.append("pre_save"), sender=Product)
    connect(post_save, lambda **kw: events.append("post_save"), sender=Product)
    pen = seeded(sandbox, "Fountain pen")

    with django_assert_num_queries(0):
        pen.save(update_fields=[])

    assert events == []


def test_the_trap_a_slug_filled_in_pre_save_but_not_in_update_fields_is_lost(sandbox):
    notebook = seeded(sandbox, "Notebook")
    Product.objects.filter(pk=notebook.pk).update(slug="")
    notebook.refresh_from_db()

    notebook.stock = 39
    notebook.save(update_fields=["stock"])

    assert notebook.slug == "notebook"  # fill_slug ran
    assert stored(notebook.pk, "slug") == ""  # but the UPDATE did not write it
    assert stored(notebook.pk, "stock") == 39


def test_a_second_product_of_the_same_name_gets_the_next_free_slug(sandbox, run):
    names = ["Pen", "Pen", "pen!", "Pen 2"]

    logged = [
        run(
            lambda name=name: services.product_create(
                sandbox=sandbox, name=name, price=Decimal("1.00"), stock=1
            )
        )
        for name in names
    ]

    assert [entry.runs("fill_slug")[0][1] for entry in logged] == [
        "filled slug 'pen'",
        "filled slug 'pen-2'",
        "filled slug 'pen-3'",
        "filled slug 'pen-2-2'",
    ]
    assert list(
        Product.objects.filter(sandbox=sandbox, name__istartswith="pen").values_list(
            "slug", flat=True
        )
    ) == ["pen", "pen-2", "pen-3", "pen-2-2"]


def test_the_trap_in_the_playground_log(sandbox, run):
    notebook = seeded(sandbox, "Notebook")
    Product.objects.filter(pk=notebook.pk).update(slug="")
    notebook.refresh_from_db()

    logged = run(lambda: services.product_set_stock(product=notebook, stock=39))

    assert logged.runs("fill_slug") == [
        ("playground.receivers.fill_slug", "filled slug 'notebook'")
    ]
    assert stored(notebook.pk, "slug") == ""


def test_listing_the_field_in_update_fields_writes_it(sandbox):
    notebook = seeded(sandbox, "Notebook")
    Product.objects.filter(pk=notebook.pk).update(slug="")
    notebook.refresh_from_db()

    notebook.stock = 39
    notebook.save(update_fields=["stock", "slug"])

    assert stored(notebook.pk, "slug") == "notebook"


def test_the_receiver_sees_update_fields_as_a_frozenset_it_cannot_change(sandbox, connect):
    seen = []

    def try_to_add(sender, instance, update_fields, **kwargs):
        seen.append(type(update_fields))
        with pytest.raises(AttributeError):
            update_fields.add("slug")

    connect(pre_save, try_to_add, sender=Product)
    pen = seeded(sandbox, "Fountain pen")
    pen.save(update_fields=["stock"])

    assert seen == [frozenset]


def test_the_checking_receiver_skips_a_save_that_will_not_write_the_slug(sandbox):
    pen = Product(sandbox=sandbox, name="Blue Pen", price=Decimal("1"))

    fill_slug_within_update_fields(sender=Product, instance=pen, update_fields=frozenset({"stock"}))
    assert pen.slug == ""

    fill_slug_within_update_fields(
        sender=Product, instance=pen, update_fields=frozenset({"stock", "slug"})
    )
    assert pen.slug == "blue-pen"

    pen.slug = ""
    fill_slug_within_update_fields(sender=Product, instance=pen, update_fields=None)
    assert pen.slug == "blue-pen"


# -- Common mistakes -----------------------------------------------------------------


def test_queryset_update_and_bulk_create_run_no_pre_save(sandbox, connect):
    events = []
    connect(pre_save, lambda **kw: events.append("pre_save"), sender=Product)

    Product.objects.filter(sandbox=sandbox).update(stock=1)
    (made,) = Product.objects.bulk_create(
        [Product(sandbox=sandbox, name="Bulk  pen", price=Decimal("1"))]
    )

    assert events == []
    assert (stored(made.pk, "slug"), stored(made.pk, "name")) == ("", "Bulk  pen")


# -- Try it ---------------------------------------------------------------------------


def pre_save_runs(logged):
    return logged.runs("product_about_to_save", "fill_slug", "notice_price_drop")


def create(sandbox, name, price="5.00", stock=10):
    return lambda: services.product_create(
        sandbox=sandbox, name=name, price=Decimal(price), stock=stock
    )


def edit(product, *, name=None, price=None):
    return lambda: services.product_update(
        product=product,
        name=name or product.name,
        price=Decimal(price) if price else product.price,
        stock=product.stock,
    )


def test_try_it_step_1_create_blue_ink_pot(sandbox, run):
    logged = run(create(sandbox, "Blue Ink Pot"))

    assert logged.signals == [
        ("pre_init", "Product"),
        ("post_init", "Product"),
        ("pre_save", "Product"),
        ("post_save", "Product"),
    ]
    assert logged.receivers(3) == [
        ("product_about_to_save", "about to write all fields"),
        ("fill_slug", "filled slug 'blue-ink-pot'"),
        ("notice_price_drop", "new product: nothing to compare"),
    ]
    assert stored(logged.outcome.result.pk, "slug") == "blue-ink-pot"


def test_try_it_step_2_price_drop(sandbox, run):
    pen = seeded(sandbox, "Fountain pen")

    logged = run(edit(pen, price="19.99"))

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert pre_save_runs(logged) == [
        ("playground.receivers.product_about_to_save", "about to write all fields"),
        ("playground.receivers.fill_slug", "slug already set"),
        ("playground.receivers.notice_price_drop", "PRICE DROP: 24.00 → 19.99"),
    ]
    assert stored(pen.pk, "price") == Decimal("19.99")


def test_try_it_step_3_update_fields_stock(sandbox, run):
    pen = seeded(sandbox, "Fountain pen")

    logged = run(lambda: services.product_set_stock(product=pen, stock=7))

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert ["update_fields", "frozenset({'stock'})"] in logged.arguments(1)
    assert ["update_fields", "frozenset({'stock'})"] in logged.arguments(2)
    assert pre_save_runs(logged) == [
        ("playground.receivers.product_about_to_save", "about to write stock"),
        ("playground.receivers.fill_slug", "slug already set"),
        ("playground.receivers.notice_price_drop", "no price drop"),
    ]


def test_try_it_step_4_empty_slug_then_rename(sandbox, run):
    created = run(create(sandbox, "???", price="1.00", stock=1))
    odd = created.outcome.result
    renamed = run(edit(odd, name="Red pen"))

    assert created.runs("fill_slug") == [
        (
            "playground.receivers.fill_slug",
            "the name has no letters or digits for a slug: left it empty",
        )
    ]
    assert renamed.runs("fill_slug") == [
        ("playground.receivers.fill_slug", "filled slug 'red-pen'")
    ]
    assert stored(odd.pk, "slug") == "red-pen"


def test_try_it_step_3_tells_the_learner_to_reopen_edit():
    lesson = Path(__file__).resolve().parents[2] / "lessons" / "content" / "pre-save.md"
    text = " ".join(lesson.read_text(encoding="utf-8").split())

    assert "In the same **Edit** panel" not in text
    assert (
        "3. Saving closed the row's **Edit** panel: open **Edit** on *Fountain pen* again, "
        "set *New stock* to `7` and press **save(update_fields=['stock'])**."
    ) in text


@pytest.mark.django_db(transaction=True)  # autocommit, as on the site
def test_the_log_shows_the_update_of_one_column_between_the_save_signals(sandbox):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")

    logged = press(sandbox, "stock", {"stock": 7}, scenario=SCENARIO, record=notebook)

    assert logged.timeline == [
        "pre_save · Product",
        "  SQL SELECT playground_product",  # notice_price_drop reads the stored price
        "SQL UPDATE playground_product",
        "post_save · Product",
        # No transaction is open: on_commit() runs the callback on the spot.
        "  on_commit functools.partial(django.core.mail.send_mail, …) "
        "(ran at once: no transaction was open; it returned 1)",
        "  SQL SELECT playground_sandbox",  # fail_on_demand reads its switch
    ]
    [update] = [item for item in logged.entry.timeline() if item["kind"] == "sql"][1:2]
    assert update["text"] == (
        'UPDATE "playground_product" SET "stock" = 7 '
        f'WHERE "playground_product"."id" = {notebook.pk}'
    )
