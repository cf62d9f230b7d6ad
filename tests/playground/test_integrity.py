"""Data integrity: numbers that fit their columns, updates that never
create, stale edit forms, and records deleted while an action runs."""

import re
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models.signals import pre_save

from playground import services, views
from playground.models import (
    MAX_PRICE,
    MAX_STOCK,
    MAX_VIEWS,
    Article,
    LogEntry,
    OutboxEmail,
    Product,
    Review,
    Tag,
)
from tests.playground.logged import HTMX, poison, visitor

pytestmark = pytest.mark.django_db

RECORD_MODELS = {"product": Product, "review": Review, "article": Article, "tag": Tag}


def alert(response) -> str:
    """The panel's message, unescaped."""
    match = re.search(
        r'<div class="pg-alert pg-alert--error" role="alert">([^<]*)</div>', html(response)
    )
    return match[1].replace("&#x27;", "'") if match else ""


def html(response) -> str:
    return response.content.decode()


def rows(sandbox) -> dict:
    return {
        name: list(model.objects.filter(sandbox=sandbox).order_by("pk").values())
        for name, model in RECORD_MODELS.items()
    }


def newest_entry(sandbox) -> LogEntry:
    return LogEntry.objects.filter(sandbox=sandbox).latest("pk")


# --- 1. Numbers that fit their columns -----------------------------------------------


def test_a_bulk_update_that_would_overflow_a_price_is_refused_before_any_write():
    client, sandbox = visitor("gotchas")
    Product.objects.create(sandbox=sandbox, name="Dear", price=MAX_PRICE, stock=1)
    before = rows(sandbox)

    response = client.post(
        "/playground/gotchas/do/bulk-update/", {"bulk-update-percent": "50"}, **HTMX
    )

    assert response.status_code == 422
    assert alert(response) == (
        "A +50% change would price 'Dear' at 1499999.98, and a price holds at most "
        "999999.99. Nothing was changed."
    )
    # The form keeps what the learner typed, to correct it.
    assert 'name="bulk-update-percent" value="50"' in response.content.decode()
    assert rows(sandbox) == before
    entry = newest_entry(sandbox)
    assert (entry.label, entry.error) == (
        "bulk_update(): every price +50%",
        "DoesNotFit: " + alert(response),
    )
    # The sandbox stays readable: the panel and a reset still work.
    assert client.get("/playground/gotchas/panel/").status_code == 200
    assert client.post("/playground/gotchas/reset/", **HTMX).status_code == 200


def test_a_bulk_update_up_to_the_largest_price_is_done():
    client, sandbox = visitor("gotchas")
    Product.objects.filter(sandbox=sandbox).delete()
    Product.objects.create(sandbox=sandbox, name="Almost", price=Decimal("666666.66"), stock=1)

    response = client.post(
        "/playground/gotchas/do/bulk-update/", {"bulk-update-percent": "50"}, **HTMX
    )

    assert response.status_code == 200
    assert list(Product.objects.filter(sandbox=sandbox).values_list("price", flat=True)) == [
        MAX_PRICE
    ]


def test_a_restock_past_the_stock_limit_is_refused_before_any_write():
    client, sandbox = visitor("gotchas")
    Product.objects.filter(sandbox=sandbox, name="Notebook").update(stock=MAX_STOCK - 4)
    before = rows(sandbox)

    response = client.post(
        "/playground/gotchas/do/queryset-update/", {"queryset-update-amount": "5"}, **HTMX
    )

    assert response.status_code == 422
    assert alert(response) == (
        "Adding 5 would give 'Notebook' a stock of 1000001, and a product holds at most "
        "1000000. Nothing was changed."
    )
    assert rows(sandbox) == before
    assert newest_entry(sandbox).error.startswith("DoesNotFit: Adding 5 would give")


# Each value bypasses every form and service; the database itself refuses it.
# PostgreSQL's own column types refuse some first (numeric(8,2), integer).
OUT_OF_RANGE = [
    (Product, "price", Decimal("-0.01"), IntegrityError),
    (Product, "price", Decimal("1000000.00"), {"sqlite": IntegrityError, "postgresql": DataError}),
    (Product, "price", Decimal("1499999.98"), {"sqlite": IntegrityError, "postgresql": DataError}),
    (Product, "stock", -1, IntegrityError),
    (Product, "stock", MAX_STOCK + 1, IntegrityError),
    (Product, "views", -1, IntegrityError),
    (Product, "views", MAX_VIEWS + 1, {"sqlite": IntegrityError, "postgresql": DataError}),
    (Review, "rating", 0, IntegrityError),
    (Review, "rating", 6, IntegrityError),
]


@pytest.mark.parametrize("write", ["QuerySet.update", "bulk_update"])
@pytest.mark.parametrize(("model", "field", "value", "error"), OUT_OF_RANGE)
def test_the_database_refuses_a_number_its_column_cannot_hold(
    sandbox, model, field, value, error, write
):
    if isinstance(error, dict):
        error = error[connection.vendor]
    records = list(model.objects.filter(sandbox=sandbox))
    before = list(model.objects.filter(sandbox=sandbox).values_list("pk", field))

    with pytest.raises(error), transaction.atomic():
        if write == "QuerySet.update":
            model.objects.filter(sandbox=sandbox).update(**{field: value})
        else:
            for record in records:
                setattr(record, field, value)
            model.objects.bulk_update(records, [field])

    assert list(model.objects.filter(sandbox=sandbox).values_list("pk", field)) == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite can hold such a price")
def test_the_migration_brings_a_poisoned_price_back_into_bounds(sandbox):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("playground.migrations.0004_bounded_numbers")
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    poison(pen, "1499999.98")

    migration.bring_into_bounds(apps, None)

    assert Product.objects.get(pk=pen.pk).price == MAX_PRICE


# --- 2. Updates never create ------------------------------------------------------------------

EDITS = [
    # (model, action, scenario, form data without the prefix)
    ("product", "edit", "signals-101", {"name": "Pen", "price": "3", "stock": "3"}),
    ("product", "edit-atomic", "transactions", {"name": "Pen", "price": "3", "stock": "3"}),
    ("product", "stock", "model-lifecycle", {"stock": "3"}),
    ("review", "edit", "delete-signals", {"author": "Ann", "rating": "2"}),
    ("article", "edit", "m2m-changed", {"title": "T", "body": ""}),
    ("tag", "edit", "m2m-changed", {"name": "t"}),
]


def edit_data(record, model: str, action: str, data: dict, version=None) -> dict:
    prefix = f"{model}-{record.pk}-{action}"
    data = data | {"version": version or services.version_of(record)}
    return {f"{prefix}-{key}": value for key, value in data.items()}


# Autocommit, as a view runs: inside a test's transaction, Django would mark
# it for rollback when the UPDATE finds no row.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("model", "action", "slug", "data"), EDITS)
def test_an_edit_racing_a_delete_answers_404_and_brings_nothing_back(model, action, slug, data):
    client, sandbox = visitor(slug)
    model_class = RECORD_MODELS[model]
    record = model_class.objects.filter(sandbox=sandbox).first()
    original = list(model_class.objects.filter(pk=record.pk).values())

    def delete_it_first(sender, instance, **kwargs):
        # Another tab's delete lands between loading the row and its UPDATE.
        model_class.objects.filter(pk=instance.pk).delete()

    pre_save.connect(delete_it_first, sender=model_class)
    try:
        response = client.post(
            f"/playground/{slug}/{model}/{record.pk}/{action}/",
            edit_data(record, model, action, data),
            **HTMX,
        )
    finally:
        assert pre_save.disconnect(delete_it_first, sender=model_class)

    kind = model_class._meta.verbose_name
    assert response.status_code == 404
    assert response["X-Playground-Panel"] == "true"
    assert alert(response) == f"This {kind} was deleted (in another tab?), so nothing was changed."
    # Not INSERTed again. Inside atomic() the test's delete, made in the
    # same transaction, rolls back with the failed update.
    left = list(model_class.objects.filter(pk=record.pk).values())
    assert left == (original if action == "edit-atomic" else [])
    logged = newest_entry(sandbox)
    signals = [(event["signal"], event["sender"]) for event in logged.events]
    assert ("post_save", model_class.__name__) not in signals
    assert logged.error == (
        "NotUpdated: Save with update_fields did not affect any rows."
        if action == "stock"
        else "NotUpdated: Forced update did not affect any rows."
    )
    assert not OutboxEmail.objects.filter(sandbox=sandbox).exists()  # no "New product" e-mail


# --- 3. Lost updates between two tabs ---------------------------------------------------------


def rendered_version(client, slug: str, key: str) -> str:
    """The version an edit form carries, as its row renders it when opened."""
    model, pk = key.split("-")[:2]
    page = client.get(f"/playground/{slug}/{model}/{pk}/", **HTMX).content.decode()
    return re.search(rf'name="{key}-version" value="([0-9a-f]+)"', page)[1]


@pytest.mark.parametrize(("model", "action", "slug", "data"), EDITS)
def test_a_stale_edit_form_gets_409_with_the_current_values(model, action, slug, data):
    client, sandbox = visitor(slug)
    model_class = RECORD_MODELS[model]
    record = model_class.objects.filter(sandbox=sandbox).first()
    key = f"{model}-{record.pk}-{action}"
    url = f"/playground/{slug}/{model}/{record.pk}/{action}/"
    first_tab = rendered_version(client, slug, key)
    second_tab = rendered_version(client, slug, key)
    assert first_tab == second_tab == services.version_of(record)
    first_values = {
        name: "4" if name in ("stock", "rating", "price") else f"{value}1"
        for name, value in data.items()
    }

    first = client.post(url, edit_data(record, model, action, first_values, first_tab), **HTMX)
    saved = list(model_class.objects.filter(pk=record.pk).values())
    second = client.post(url, edit_data(record, model, action, data, second_tab), **HTMX)

    assert first.status_code == 200
    assert second.status_code == 409
    assert alert(second) == (
        f"This {model_class._meta.verbose_name} was changed (in another tab?) after your form "
        "was opened, so your edit was not saved. The form now shows the current values: make "
        "your change again."
    )
    assert list(model_class.objects.filter(pk=record.pk).values()) == saved
    current = model_class.objects.get(pk=record.pk)
    # The form reopens, holding the current values and their version.
    page = html(second)
    row = re.search(
        rf'id="{model}-{record.pk}">.*?<details class="pg-row__edit"( open)?>', page, re.S
    )
    assert row[1] == " open"
    for name in data:
        if name == "body":  # a textarea: its value is its content
            assert f'name="{key}-body"' in page
            assert f">\n{current.body}</textarea>" in page
        else:
            field = re.search(rf'<input[^>]*name="{key}-{name}"[^>]*>', page)[0]
            assert f'value="{getattr(current, name)}"' in field
    assert f'name="{key}-version" value="{services.version_of(current)}"' in page
    assert newest_entry(sandbox).error.startswith("EditedMeanwhile: ")


def test_an_edit_form_without_its_version_is_refused():
    client, sandbox = visitor()
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    before = rows(sandbox)
    data = edit_data(pen, "product", "edit", {"name": "Pen", "price": "3", "stock": "3"})
    del data[f"product-{pen.pk}-edit-version"]

    response = client.post(f"/playground/signals-101/product/{pen.pk}/edit/", data, **HTMX)

    assert response.status_code == 422
    assert '<p class="pg-error">This form is missing its version: reload the page.</p>' in html(
        response
    )
    assert rows(sandbox) == before
    assert not LogEntry.objects.filter(sandbox=sandbox).exists()


# --- 4. Actions on a record deleted meanwhile -------------------------------------------------

DELETED_MEANWHILE = [
    *[(model, action, slug, data) for model, action, slug, data in EDITS],
    ("product", "delete", "signals-101", {}),
    ("product", "refresh", "model-lifecycle", {}),
    ("product", "review", "delete-signals", {"author": "Ann", "rating": "2"}),
    ("review", "delete", "delete-signals", {}),
    ("article", "delete", "m2m-changed", {}),
    ("tag", "delete", "m2m-changed", {}),
    *[("article", f"link/{op}", "m2m-changed", {}) for op in ("add", "remove", "clear", "set")],
    *[("tag", f"link/{op}", "m2m-changed", {}) for op in ("add", "remove", "clear", "set")],
]


@pytest.mark.parametrize(("model", "action", "slug", "data"), DELETED_MEANWHILE)
def test_an_action_on_a_record_deleted_meanwhile_answers_404(
    monkeypatch, model, action, slug, data
):
    client, sandbox = visitor(slug)
    model_class = RECORD_MODELS[model]
    record = model_class.objects.filter(sandbox=sandbox).first()
    found = views.get_object_or_404

    def found_then_deleted(*args, **kwargs):
        # The view finds the record; another tab deletes it a moment later.
        loaded = found(*args, **kwargs)
        type(loaded).objects.filter(pk=loaded.pk).delete()
        return loaded

    monkeypatch.setattr(views, "get_object_or_404", found_then_deleted)
    if action.startswith("link/"):
        other_side = Tag if model == "article" else Article
        target = other_side.objects.filter(sandbox=sandbox).last()
        post = {f"{model}-{record.pk}-link-targets": [str(target.pk)]}
    elif action in ("delete", "refresh"):
        post = {}
    elif action == "review":
        post = {f"product-{record.pk}-review-{key}": value for key, value in data.items()}
    else:
        post = edit_data(record, model, action, data)

    response = client.post(f"/playground/{slug}/{model}/{record.pk}/{action}/", post, **HTMX)

    kind = model_class._meta.verbose_name
    assert response.status_code == 404
    assert alert(response) == f"This {kind} was deleted (in another tab?), so nothing was changed."
    assert not model_class.objects.filter(pk=record.pk).exists()
    assert not Review.objects.filter(sandbox=sandbox, author="Ann").exists()
    assert newest_entry(sandbox).error


# Autocommit: the foreign key is checked when the INSERT commits, as in a view.
@pytest.mark.django_db(transaction=True)
def test_a_review_racing_its_products_delete_answers_404():
    client, sandbox = visitor("delete-signals")
    lamp = Product.objects.get(sandbox=sandbox, name="Desk lamp")

    def delete_the_product(sender, instance, **kwargs):
        # Another tab deletes the product after the review's checks passed.
        Product.objects.filter(pk=instance.product_id).delete()

    pre_save.connect(delete_the_product, sender=Review)
    try:
        response = client.post(
            f"/playground/delete-signals/product/{lamp.pk}/review/",
            {f"product-{lamp.pk}-review-author": "Ann", f"product-{lamp.pk}-review-rating": "2"},
            **HTMX,
        )
    finally:
        assert pre_save.disconnect(delete_the_product, sender=Review)

    assert response.status_code == 404
    assert alert(response) == "This product was deleted (in another tab?), so nothing was changed."
    assert not Review.objects.filter(sandbox=sandbox, author="Ann").exists()
    assert not OutboxEmail.objects.filter(sandbox=sandbox).exists()  # no thank-you e-mail
    assert newest_entry(sandbox).error == "DoesNotExist: Product 1 was deleted".replace(
        "1", str(lamp.pk)
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("deleted", ["article", "tag"])
def test_a_new_link_racing_a_delete_answers_404(monkeypatch, deleted):
    client, sandbox = visitor("m2m-changed")
    article = Article.objects.get(sandbox=sandbox, title="Why signals?")
    orm = Tag.objects.get(sandbox=sandbox, name="orm")
    gone = {"article": article, "tag": orm}[deleted]
    check = services._check_still_there
    checks = []

    def deleted_after_the_check(record, targets):
        check(record, targets)
        if not checks:  # another tab's delete commits between check and write
            checks.append(record)
            type(gone).objects.filter(pk=gone.pk).delete()

    monkeypatch.setattr(services, "_check_still_there", deleted_after_the_check)
    response = client.post(
        f"/playground/m2m-changed/article/{article.pk}/link/add/",
        {f"article-{article.pk}-link-targets": [str(orm.pk)]},
        **HTMX,
    )

    assert response.status_code == 404
    assert (
        alert(response) == f"This {deleted} was deleted (in another tab?), so nothing was changed."
    )
    assert not Article.tags.through.objects.filter(article_id=article.pk, tag_id=orm.pk).exists()
    assert len(checks) == 1
