"""Proves the claims of lesson 7, Delete signals (lessons/content/delete-signals.md)."""

import io
import logging
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, pre_delete
from django.test.utils import CaptureQueriesContext, isolate_apps

from playground import services
from playground.models import Article, Product, Review
from playground.sandboxes import create_sandbox
from tests.playground.logged import init_pair, press

SCENARIO = "delete-signals"
LESSON = Path(__file__).resolve().parents[2] / "lessons" / "content" / "delete-signals.md"


def png(name="pen.png") -> SimpleUploadedFile:
    from PIL import Image  # here: the browser runtime has no Pillow (not_in_browser)

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "navy").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def record_deletes(connect, events):
    def record(signal, sender, instance, origin, **kwargs):
        name = "pre_delete" if signal is pre_delete else "post_delete"
        events.append((name, sender.__name__, instance.pk, origin))

    connect(pre_delete, record)
    connect(post_delete, record)


# -- The two signals and their arguments ----------------------------------------------


def test_delete_signal_arguments(sandbox, connect):
    received = []
    connect(pre_delete, lambda **kw: received.append(kw), sender=Review)
    connect(post_delete, lambda **kw: received.append(kw), sender=Review)
    grace = Review.objects.get(sandbox=sandbox, author="Grace")

    grace.delete()

    common = {"sender": Review, "instance": grace, "using": "default", "origin": grace}
    assert received == [{"signal": pre_delete, **common}, {"signal": post_delete, **common}]


@pytest.mark.django_db(transaction=True)  # autocommit, as on the site
def test_a_raising_post_delete_rolls_the_delete_back_even_in_autocommit(connect):
    sandbox = create_sandbox()
    grace = Review.objects.get(sandbox=sandbox, author="Grace")
    atomic = []

    def fail(sender, **kwargs):
        atomic.append(connection.in_atomic_block)
        raise RuntimeError("no")

    connect(post_delete, fail, sender=Review)
    assert connection.get_autocommit()

    with pytest.raises(RuntimeError):
        grace.delete()

    assert atomic == [True]
    assert Review.objects.filter(pk=grace.pk).exists()


def test_in_post_delete_pk_is_set_but_the_row_is_gone(sandbox, connect):
    seen = []

    def check(sender, instance, **kwargs):
        seen.append((instance.pk, Review.objects.filter(pk=instance.pk).exists()))

    connect(post_delete, check, sender=Review)
    grace = Review.objects.get(sandbox=sandbox, author="Grace")
    pk = grace.pk

    grace.delete()

    assert seen == [(pk, False)]
    assert grace.pk is None


# -- Cascades ---------------------------------------------------------------------


def test_cascade_children_first_in_both_phases_with_one_origin(sandbox, connect):
    events = []
    record_deletes(connect, events)
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    ada, linus = Review.objects.filter(product=pen).order_by("pk")
    assert (ada.author, linus.author) == ("Ada", "Linus")
    pen_pk = pen.pk

    result = pen.delete()

    assert result == (3, {"playground.Review": 2, "playground.Product": 1})
    assert events == [
        ("pre_delete", "Review", ada.pk, pen),
        ("pre_delete", "Review", linus.pk, pen),
        ("pre_delete", "Product", pen_pk, pen),
        ("post_delete", "Review", linus.pk, pen),
        ("post_delete", "Review", ada.pk, pen),
        ("post_delete", "Product", pen_pk, pen),
    ]
    assert all(origin is pen for *_, origin in events)


DELETE_STATEMENT = re.compile(r'^DELETE FROM "(?P<table>\w+)"')


def test_each_models_post_delete_follows_its_own_delete_before_the_next_models(sandbox, connect):
    events = []
    record_deletes(connect, events)

    def note_deletes(execute, sql, params, many, context):
        statement = DELETE_STATEMENT.match(sql)
        if statement:
            events.append(("DELETE", statement["table"]))
        return execute(sql, params, many, context)

    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    ada, linus = Review.objects.filter(product=pen).order_by("pk")
    pen_pk = pen.pk

    with connection.execute_wrapper(note_deletes):
        pen.delete()

    assert [event[:3] for event in events] == [
        ("pre_delete", "Review", ada.pk),
        ("pre_delete", "Review", linus.pk),
        ("pre_delete", "Product", pen_pk),
        ("DELETE", "playground_review"),
        ("post_delete", "Review", linus.pk),
        ("post_delete", "Review", ada.pk),
        ("DELETE", "playground_product"),
        ("post_delete", "Product", pen_pk),
    ]


def test_in_a_reviews_post_delete_its_product_row_still_exists(sandbox, connect):
    seen = []

    def check(sender, instance, **kwargs):
        seen.append(
            (
                Review.objects.filter(pk=instance.pk).exists(),
                Product.objects.filter(pk=instance.product_id).exists(),
            )
        )

    connect(post_delete, check, sender=Review)

    Product.objects.get(sandbox=sandbox, name="Fountain pen").delete()

    assert seen == [(False, True), (False, True)]  # review gone, product still there


def test_children_are_readable_in_pre_delete_but_gone_in_post_delete(sandbox, connect):
    counts = []

    def count(signal, sender, instance, **kwargs):
        counts.append((signal, Review.objects.filter(product_id=instance.pk).count()))

    connect(pre_delete, count, sender=Product)
    connect(post_delete, count, sender=Product)

    Product.objects.get(sandbox=sandbox, name="Fountain pen").delete()

    assert counts == [(pre_delete, 2), (post_delete, 0)]


# -- QuerySet.delete() ---------------------------------------------------------------


def test_queryset_delete_signals_each_row_with_the_queryset_as_origin(sandbox, connect):
    events = []
    record_deletes(connect, events)
    reviews = Review.objects.filter(sandbox=sandbox).order_by("pk")
    ada, linus, grace = reviews

    result = reviews.delete()

    assert result == (3, {"playground.Review": 3})
    assert events == [
        ("pre_delete", "Review", ada.pk, reviews),
        ("pre_delete", "Review", linus.pk, reviews),
        ("pre_delete", "Review", grace.pk, reviews),
        ("post_delete", "Review", grace.pk, reviews),
        ("post_delete", "Review", linus.pk, reviews),
        ("post_delete", "Review", ada.pk, reviews),
    ]
    assert all(origin is reviews for *_, origin in events)


# -- Removing a deleted record's file ---------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def product_with_image(sandbox):
    return services.product_create(
        sandbox=sandbox, name="Lamp", price=Decimal("9.00"), stock=8, image=png()
    )


@pytest.mark.not_in_browser("uploads an image, and Pillow is not in the browser")
@pytest.mark.django_db(transaction=True)  # autocommit: delete()'s own atomic() commits
def test_in_autocommit_the_file_goes_when_delete_commits(media, connect):
    sandbox = create_sandbox()
    lamp = product_with_image(sandbox)
    file = media / lamp.image.name
    during = []
    # Connected after delete_product_image, so it runs after it.
    connect(post_delete, lambda **kw: during.append(file.is_file()), sender=Product)

    lamp.delete()

    assert during == [True]
    assert not file.exists()


@pytest.mark.not_in_browser("uploads an image, and Pillow is not in the browser")
@pytest.mark.django_db(transaction=True)
def test_inside_atomic_the_file_waits_for_the_block_and_survives_a_rollback(media):
    sandbox = create_sandbox()
    kept, removed = product_with_image(sandbox), product_with_image(sandbox)
    kept_file, removed_file = media / kept.image.name, media / removed.image.name
    assert kept_file != removed_file

    try:
        with transaction.atomic():
            kept.delete()
            assert kept_file.is_file()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with transaction.atomic():
        removed.delete()
        assert removed_file.is_file()

    assert kept_file.is_file()
    assert Product.objects.filter(name="Lamp").count() == 1
    assert not removed_file.exists()


# -- The fast-delete path and DB_CASCADE -----------------------------------------------


@pytest.fixture
def shop_tables():
    """Throwaway models with real tables, dropped afterwards (fresh ids each test)."""
    with isolate_apps("lessons"):

        class Shelf(models.Model):  # noqa: DJ008 (never displayed)
            class Meta:
                app_label = "lessons"

        class Book(models.Model):  # noqa: DJ008
            shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE)

            class Meta:
                app_label = "lessons"

        class Crate(models.Model):  # noqa: DJ008
            class Meta:
                app_label = "lessons"

        class Bottle(models.Model):  # noqa: DJ008
            crate = models.ForeignKey(Crate, on_delete=models.DB_CASCADE)

            class Meta:
                app_label = "lessons"

        made = [Shelf, Book, Crate, Bottle]
        with connection.schema_editor() as editor:
            for model in made:
                editor.create_model(model)
        try:
            yield {model.__name__: model for model in made}
        finally:
            with connection.schema_editor() as editor:
                for model in reversed(made):
                    editor.delete_model(model)


# Transaction control differs per backend ("BEGIN IMMEDIATE" on this project's
# SQLite, "BEGIN" on PostgreSQL); the claims are about the statements between.
TRANSACTION_CONTROL = re.compile(r"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")


def sql_of(call) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        call()
    return [q["sql"] for q in queries if not TRANSACTION_CONTROL.match(q["sql"])]


def shelf_with_three_books(tables):
    shelf = tables["Shelf"].objects.create()
    tables["Book"].objects.bulk_create(tables["Book"](shelf=shelf) for _ in range(3))
    return shelf


@pytest.mark.django_db(transaction=True)  # SQLite cannot create tables inside atomic()
def test_without_receivers_the_books_go_in_one_delete_by_foreign_key(shop_tables):
    shelf = shelf_with_three_books(shop_tables)

    assert sql_of(shelf.delete) == [
        'DELETE FROM "lessons_book" WHERE "lessons_book"."shelf_id" IN (1)',
        'DELETE FROM "lessons_shelf" WHERE "lessons_shelf"."id" IN (1)',
    ]


@pytest.mark.django_db(transaction=True)
def test_one_post_delete_receiver_adds_a_select_and_deletes_by_pk(shop_tables, connect):
    shelf = shelf_with_three_books(shop_tables)
    connect(post_delete, lambda **kw: None, sender=shop_tables["Book"])

    assert sql_of(shelf.delete) == [
        'SELECT "lessons_book"."id", "lessons_book"."shelf_id" FROM "lessons_book" '
        'WHERE "lessons_book"."shelf_id" IN (1)',
        'DELETE FROM "lessons_book" WHERE "lessons_book"."id" IN (3, 2, 1)',
        'DELETE FROM "lessons_shelf" WHERE "lessons_shelf"."id" IN (1)',
    ]


@pytest.mark.django_db(transaction=True)
def test_a_catch_all_delete_receiver_switches_the_fast_path_off(shop_tables, connect):
    shelf = shelf_with_three_books(shop_tables)
    connect(pre_delete, lambda **kw: None)

    statements = sql_of(shelf.delete)

    assert statements[0].startswith('SELECT "lessons_book"."id"')
    assert statements[1] == 'DELETE FROM "lessons_book" WHERE "lessons_book"."id" IN (3, 2, 1)'


@pytest.mark.django_db(transaction=True)
def test_db_cascade_sends_no_signals_for_the_rows_the_database_deletes(shop_tables, connect):
    crate_model, bottle_model = shop_tables["Crate"], shop_tables["Bottle"]
    crate = crate_model.objects.create()
    bottle_model.objects.bulk_create(bottle_model(crate=crate) for _ in range(2))
    events = []
    connect(pre_delete, lambda sender, **kw: events.append(("pre_delete", sender)))
    connect(post_delete, lambda sender, **kw: events.append(("post_delete", sender)))
    result = []

    statements = sql_of(lambda: result.append(crate.delete()))

    assert statements == ['DELETE FROM "lessons_crate" WHERE "lessons_crate"."id" IN (1)']
    assert result == [(1, {"lessons.Crate": 1})]
    assert events == [("pre_delete", crate_model), ("post_delete", crate_model)]
    assert bottle_model.objects.count() == 0


# -- Try it ---------------------------------------------------------------------------


def test_try_it_step_1_delete_fountain_pen(sandbox, run):
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    pen_pk = pen.pk
    ada, linus = Review.objects.filter(product=pen).order_by("pk")

    logged = run(lambda: services.product_delete(product=pen))

    assert logged.signals == init_pair("Review") * 2 + [
        ("pre_delete", "Review"),
        ("pre_delete", "Review"),
        ("pre_delete", "Product"),
        ("post_delete", "Review"),
        ("post_delete", "Review"),
        ("post_delete", "Product"),
    ]
    assert all(["origin", "<Product: Fountain pen>"] in logged.arguments(n) for n in range(5, 11))
    assert [logged.receivers(n) for n in range(5, 11)] == [
        [("before_delete", f"about to delete Review {ada.pk}")],
        [("before_delete", f"about to delete Review {linus.pk}")],
        [("before_delete", f"about to delete Product {pen_pk}")],
        [("review_deleted", f"deleted review {linus.pk} (its row is already gone)")],
        [("review_deleted", f"deleted review {ada.pk} (its row is already gone)")],
        [("delete_product_image", "no image to remove")],
    ]


def test_try_it_step_2_delete_graces_review(sandbox, run):
    grace = Review.objects.get(sandbox=sandbox, author="Grace")

    logged = run(lambda: services.review_delete(review=grace))

    assert logged.signals == [("pre_delete", "Review"), ("post_delete", "Review")]
    assert ["origin", "<Review: Grace>"] in logged.arguments(1)
    assert ["origin", "<Review: Grace>"] in logged.arguments(2)


@pytest.mark.not_in_browser("uploads an image, and Pillow is not in the browser")
def test_try_it_step_3_image_leaves_storage_on_commit(
    sandbox, run, media, django_capture_on_commit_callbacks
):
    lamp = product_with_image(sandbox)
    image_name = lamp.image.name
    file = media / image_name
    assert re.fullmatch(rf"playground/sandbox-{sandbox.pk}/[0-9a-f]{{32}}\.png", lamp.image.name)

    # A ``db`` test never commits: run the captured callbacks as a COMMIT would.
    with django_capture_on_commit_callbacks(execute=True):
        logged = run(lambda: services.product_delete(product=lamp))
        assert file.is_file()

    assert logged.signals == [("pre_delete", "Product"), ("post_delete", "Product")]
    assert logged.receivers(2) == [
        (
            "delete_product_image",
            f"will remove {image_name} after commit",
        )
    ]
    assert not file.exists()


def test_try_it_step_4_delete_an_article_logs_it(sandbox, run, caplog):
    why = Article.objects.get(sandbox=sandbox, title="Why signals?")
    why_pk = why.pk

    with caplog.at_level(logging.INFO, logger="playground.receivers"):
        logged = run(lambda: services.article_delete(article=why))

    assert logged.signals == [("pre_delete", "Article"), ("post_delete", "Article")]
    assert logged.outcome.result == (3, {"playground.Article_tags": 2, "playground.Article": 1})
    assert logged.receivers(2) == [
        ("log_article_deletion", f"logged: Article {why_pk} 'Why signals?' was deleted")
    ]
    assert [
        (r.name, r.getMessage()) for r in caplog.records if r.name.startswith("playground")
    ] == [("playground.receivers", f"Article {why_pk} 'Why signals?' was deleted")]


def test_the_deletion_log_reaches_the_console():
    logging_settings = django_settings.LOGGING

    assert logging_settings["loggers"]["playground"] == {"handlers": ["console"], "level": "INFO"}
    assert logging_settings["handlers"]["console"] == {"class": "logging.StreamHandler"}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_delete_keeps_its_log_line(caplog):
    sandbox = create_sandbox()
    why = Article.objects.get(sandbox=sandbox, title="Why signals?")
    why_pk = why.pk

    caplog.set_level(logging.INFO, logger="playground.receivers")

    with pytest.raises(RuntimeError), transaction.atomic():
        why.delete()
        raise RuntimeError("something later fails")

    assert Article.objects.filter(pk=why_pk).exists()
    assert [r.getMessage() for r in caplog.records if r.name == "playground.receivers"] == [
        f"Article {why_pk} 'Why signals?' was deleted"
    ]


def test_the_lesson_says_post_delete_follows_each_models_own_delete():
    text = " ".join(LESSON.read_text(encoding="utf-8").split())

    assert "then every `post_delete` after them" not in text
    assert "`post_delete` runs after the DELETE statements" not in text
    assert "sends each model's `post_delete` right after that model's own DELETE" in text
    assert "in a review's `post_delete` the review's row is gone, but its product's row" in text
    assert "::: include playground.receivers.log_article_deletion" in text
    assert "5. Press **Delete** on the article *Why signals?*." in text


@pytest.mark.django_db(transaction=True)  # autocommit: delete()'s own atomic() commits
def test_the_log_shows_each_delete_statement_before_its_models_post_delete():
    sandbox = create_sandbox(scenario="delete-signals")
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")

    logged = press(sandbox, "delete", {}, scenario="delete-signals", record=pen)

    assert logged.timeline == [
        "SQL SELECT playground_review",  # the collector loads the reviews
        "pre_init · Review",
        "post_init · Review",
        "pre_init · Review",
        "post_init · Review",
        "BEGIN",
        "pre_delete · Review",
        "pre_delete · Review",
        "pre_delete · Product",
        "SQL DELETE playground_review",
        "post_delete · Review",
        "post_delete · Review",
        "SQL DELETE playground_product",
        "post_delete · Product",
        "COMMIT",
    ]
