"""The exact log each playground scenario's actions produce.

Every test performs an action the way the views do (``perform``), reads the
stored log back (the ``LogEntry`` row and its ``events``) and compares it with
the order in which Django 6.1 sends its signals.

Primary keys are never written as literals: transactional tests elsewhere in
the run flush tables without resetting sequences, so ids vary between runs.
"""

import io
import logging
import re
import weakref
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_save
from PIL import Image

from playground import receivers, recording, scenarios, services
from playground.models import Article, LogEntry, OutboxEmail, Product, Review, Sandbox, Tag
from playground.performing import aperform
from tests.playground.logged import init_pair, last_action, sandbox_of

SAVE = [("pre_save", "Product"), ("post_save", "Product")]
CREATE = init_pair("Product") + SAVE
THROUGH = "Article.tags.through"

# Every post_save receiver of Product, in the order receivers.py connects them.
PRODUCT_POST_SAVE = [
    "report_product_saved",
    "log_price",
    "log_stock",
    "only_products",
    "any_model_saved",
    "email_new_product",
    "warn_low_stock",
    "email_update_on_commit",
    "fail_on_demand",
    "audit_product_change",
]
AUDITED = "audited (bulk_create, bulk_update and QuerySet.update() never get here)"


def create_pen(sandbox, *, name="Pen", price="2.50", stock=30, image=None):
    """The call behind the "Create product" form."""
    return lambda: services.product_create(
        sandbox=sandbox, name=name, price=Decimal(price), stock=stock, image=image
    )


def update(product, *, name=None, price=None, stock=None):
    """The call behind the "Edit" form: unchanged fields keep their values."""
    return lambda: services.product_update(
        product=product,
        name=product.name if name is None else name,
        price=product.price if price is None else Decimal(price),
        stock=product.stock if stock is None else stock,
    )


def stored_product(pk) -> dict:
    """The row as stored, read without building a model instance."""
    return Product.objects.filter(pk=pk).values("name", "slug", "price", "stock", "views").get()


def png(name="pen.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "navy").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def emails(sandbox) -> list[tuple[str, str, str]]:
    return list(
        OutboxEmail.objects.filter(sandbox=sandbox)
        .order_by("pk")
        .values_list("to", "subject", "body")
    )


def m2m_events(logged) -> list[tuple[str, str]]:
    """``(action, pk_set)`` of the m2m_changed events only."""
    return [
        (dict(event.arguments)["action"], dict(event.arguments)["pk_set"])
        for event in logged.events
        if event.signal == "m2m_changed"
    ]


# -- The scenario list itself ---------------------------------------------------


def connected_functions() -> set:
    """Every function connected to a signal the recorder watches."""
    functions = set()
    for signal in recording.SIGNALS.values():
        for _key, receiver_ref, _sender_ref, _is_async in signal.receivers:
            is_weak = isinstance(receiver_ref, weakref.ReferenceType)
            functions.add(receiver_ref() if is_weak else receiver_ref)
    return functions


@pytest.mark.parametrize("scenario", scenarios.SCENARIOS, ids=lambda s: s.slug)
def test_every_scenario_receiver_is_connected(scenario):
    connected = connected_functions()
    missing = [name for name in scenario.receivers if getattr(receivers, name) not in connected]
    assert scenario.receivers
    assert missing == []


def test_there_are_fifteen_scenarios_in_lesson_order():
    assert [s.slug for s in scenarios.SCENARIOS] == [
        "signals-101",
        "receivers",
        "senders",
        "model-lifecycle",
        "post-save",
        "pre-save",
        "delete-signals",
        "m2m-changed",
        "custom-signals",
        "request-signals",
        "transactions",
        "async-signals",
        "gotchas",
        "testing-signals",
        "when-not-to-use",
    ]


# -- 1. signals-101 ---------------------------------------------------------------


def test_create_sends_init_pair_then_save_pair_with_created_true(sandbox, run):
    logged = run(create_pen(sandbox), scenario="signals-101")

    assert logged.signals == [
        ("pre_init", "Product"),
        ("post_init", "Product"),
        ("pre_save", "Product"),
        ("post_save", "Product"),
    ]
    assert logged.arguments(1) == [
        ["args", "()"],
        [
            "kwargs",
            f"{{'sandbox': <Sandbox: #{sandbox.pk}>, 'name': 'Pen', "
            "'price': Decimal('2.50'), 'stock': 30, 'image': ''}",
        ],
    ]
    assert logged.arguments(2) == [["instance", "<Product: Pen>"]]
    assert logged.arguments(3) == [
        ["instance", "<Product: Pen>"],
        ["raw", "False"],
        ["using", "'default'"],
        ["update_fields", "None"],
    ]
    assert logged.arguments(4) == [
        ["instance", "<Product: Pen>"],
        ["created", "True"],
        ["update_fields", "None"],
        ["raw", "False"],
        ["using", "'default'"],
    ]
    assert logged.runs("report_product_saved") == [
        ("playground.receivers.report_product_saved", "Product 'Pen' was created")
    ]
    assert logged.outcome.ok
    assert logged.entry.note == ""
    assert all(event.depth == 0 for event in logged.events)


def test_update_sends_only_the_save_pair_with_created_false(sandbox, run, product):
    logged = run(update(product("Notebook"), stock=41), scenario="signals-101")

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert ["created", "False"] in logged.arguments(2)
    assert logged.runs("report_product_saved") == [
        ("playground.receivers.report_product_saved", "Product 'Notebook' was updated")
    ]


# -- 2. receivers -------------------------------------------------------------------


def test_post_save_receivers_run_in_connection_order(sandbox, run):
    logged = run(create_pen(sandbox), scenario="receivers")

    # log_price (@receiver) is connected before log_stock (connect() below it).
    assert logged.runs("log_price", "log_stock") == [
        ("playground.receivers.log_price", "price is 2.50"),
        ("playground.receivers.log_stock", "stock is 30"),
    ]
    assert logged.receivers(4) == [
        ("report_product_saved", "Product 'Pen' was created"),
        ("log_price", "price is 2.50"),
        ("log_stock", "stock is 30"),
        ("only_products", "heard a save from Product (and only ever from Product)"),
        ("any_model_saved", "heard a save from Product"),
        ("email_new_product", "e-mailed the catalogue team"),
        ("warn_low_stock", "stock is fine"),
        ("email_update_on_commit", "created: the new-product e-mail covers it"),
        ("fail_on_demand", "switch is off: did nothing"),
        ("audit_product_change", AUDITED),
    ]


def test_every_receiver_run_is_timed_and_error_free(sandbox, run):
    logged = run(create_pen(sandbox), scenario="receivers")

    runs = logged.event(4).receivers
    assert [run["name"] for run in runs] == [f"playground.receivers.{n}" for n in PRODUCT_POST_SAVE]
    assert all(run["error"] == "" and run["ms"] >= 0 for run in runs)


# -- 3. senders ---------------------------------------------------------------------


def test_saving_an_article_skips_the_product_only_receiver(sandbox, run):
    logged = run(
        lambda: services.article_create(sandbox=sandbox, title="Senders", body="Who sent it?"),
        scenario="senders",
    )

    assert logged.signals == [
        ("pre_init", "Article"),
        ("post_init", "Article"),
        ("pre_save", "Article"),
        ("post_save", "Article"),
    ]
    assert logged.receivers(4) == [
        ("any_model_saved", "heard a save from Article"),
        (
            "article_saved_lazy_sender",
            "heard a save from Article (connected by the string 'playground.Article')",
        ),
    ]
    assert logged.runs("only_products") == []


def test_saving_a_product_skips_the_article_receiver(sandbox, run):
    logged = run(create_pen(sandbox), scenario="senders")

    assert logged.runs("only_products", "any_model_saved", "article_saved_lazy_sender") == [
        (
            "playground.receivers.only_products",
            "heard a save from Product (and only ever from Product)",
        ),
        ("playground.receivers.any_model_saved", "heard a save from Product"),
    ]


# -- 4. model-lifecycle -------------------------------------------------------------


def test_loading_the_list_sends_one_init_pair_per_row(sandbox, run, product):
    pen, notebook, lamp = product("Fountain pen"), product("Notebook"), product("Desk lamp")

    logged = run(lambda: services.product_list(sandbox=sandbox), scenario="model-lifecycle")

    assert logged.signals == init_pair("Product") * 3
    # Rows loaded from the database arrive as positional args, kwargs empty.
    s = sandbox.pk
    assert [logged.arguments(n) for n in (1, 3, 5)] == [
        [
            [
                "args",
                f"({pen.pk}, {s}, 'Fountain pen', 'fountain-pen', Decimal('24.00'), 12, '', 0)",
            ],
            ["kwargs", "{}"],
        ],
        [
            ["args", f"({notebook.pk}, {s}, 'Notebook', 'notebook', Decimal('6.50'), 40, '', 0)"],
            ["kwargs", "{}"],
        ],
        [
            ["args", f"({lamp.pk}, {s}, 'Desk lamp', 'desk-lamp', Decimal('39.90'), 3, '', 0)"],
            ["kwargs", "{}"],
        ],
    ]
    assert logged.runs("product_init_started", "product_init_finished") == [
        ("playground.receivers.product_init_started", "__init__ starting: row from the database"),
        (
            "playground.receivers.product_init_finished",
            f"__init__ done: pk={pen.pk}, name='Fountain pen'",
        ),
        ("playground.receivers.product_init_started", "__init__ starting: row from the database"),
        (
            "playground.receivers.product_init_finished",
            f"__init__ done: pk={notebook.pk}, name='Notebook'",
        ),
        ("playground.receivers.product_init_started", "__init__ starting: row from the database"),
        (
            "playground.receivers.product_init_finished",
            f"__init__ done: pk={lamp.pk}, name='Desk lamp'",
        ),
    ]


def test_refresh_from_db_sends_only_an_init_pair(sandbox, run, product):
    pen = product("Fountain pen")
    pen.stock = 999  # an unsaved change that the refresh throws away

    logged = run(lambda: services.product_refresh(product=pen), scenario="model-lifecycle")

    assert logged.signals == [("pre_init", "Product"), ("post_init", "Product")]
    assert logged.receivers(2) == [
        ("product_init_finished", f"__init__ done: pk={pen.pk}, name='Fountain pen'")
    ]
    assert pen.stock == 12


def test_get_or_create_that_finds_a_row_sends_only_its_init_pair(sandbox, run, product):
    notebook = product("Notebook")

    logged = run(
        lambda: services.product_get_or_create(sandbox=sandbox, name="Notebook"),
        scenario="model-lifecycle",
    )

    assert logged.outcome.result == (notebook, False)
    assert logged.signals == [("pre_init", "Product"), ("post_init", "Product")]
    assert logged.runs("product_init_started") == [
        ("playground.receivers.product_init_started", "__init__ starting: row from the database")
    ]


def test_get_or_create_that_creates_sends_init_pair_and_save_pair(sandbox, run):
    logged = run(
        lambda: services.product_get_or_create(sandbox=sandbox, name="Ink"),
        scenario="model-lifecycle",
    )

    ink, created = logged.outcome.result
    assert (ink.name, created) == ("Ink", True)
    assert logged.signals == CREATE
    assert logged.arguments(1) == [
        ["args", "()"],
        [
            "kwargs",
            f"{{'sandbox': <Sandbox: #{sandbox.pk}>, 'name': 'Ink', "
            "'price': Decimal('1.00'), 'stock': 1}",
        ],
    ]
    assert ["created", "True"] in logged.arguments(4)
    assert logged.runs("product_init_started", "product_init_finished") == [
        ("playground.receivers.product_init_started", "__init__ starting: Product(...) in code"),
        ("playground.receivers.product_init_finished", "__init__ done: pk=None, name='Ink'"),
    ]
    assert logged.runs("product_about_to_save") == [
        ("playground.receivers.product_about_to_save", "about to write all fields")
    ]


def test_save_with_update_fields_passes_a_frozenset_to_both_save_signals(sandbox, run, product):
    pen = product("Fountain pen")

    logged = run(
        lambda: services.product_set_stock(product=pen, stock=7), scenario="model-lifecycle"
    )

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert logged.arguments(1) == [
        ["instance", "<Product: Fountain pen>"],
        ["raw", "False"],
        ["using", "'default'"],
        ["update_fields", "frozenset({'stock'})"],
    ]
    assert logged.arguments(2) == [
        ["instance", "<Product: Fountain pen>"],
        ["created", "False"],
        ["update_fields", "frozenset({'stock'})"],
        ["raw", "False"],
        ["using", "'default'"],
    ]
    assert logged.runs("product_about_to_save") == [
        ("playground.receivers.product_about_to_save", "about to write stock")
    ]
    assert stored_product(pen.pk)["stock"] == 7


# -- 5. post-save -------------------------------------------------------------------


def test_a_new_product_is_emailed_to_the_catalogue_team(sandbox, run):
    logged = run(create_pen(sandbox, name="Pen", price="2.50"), scenario="post-save")

    assert logged.runs("email_new_product") == [
        ("playground.receivers.email_new_product", "e-mailed the catalogue team")
    ]
    assert emails(sandbox) == [
        ("catalogue@example.com", "New product: Pen", "Pen is now on sale at 2.50.")
    ]


def test_an_update_sends_no_new_product_email(sandbox, run, product):
    logged = run(update(product("Notebook"), price="7.00"), scenario="post-save")

    assert logged.runs("email_new_product") == [
        ("playground.receivers.email_new_product", "not a new product: no e-mail")
    ]
    # The update e-mail waits for a commit that the test transaction never makes.
    assert emails(sandbox) == []


@pytest.mark.parametrize(
    ("stock", "message"),
    [
        (4, "LOW STOCK: only 4 left of 'Fountain pen'"),
        (5, "stock is fine"),
    ],
)
def test_stock_under_five_gets_a_low_stock_warning(sandbox, run, product, stock, message):
    pen = product("Fountain pen")

    logged = run(lambda: services.product_set_stock(product=pen, stock=stock), scenario="post-save")

    assert logged.runs("warn_low_stock") == [("playground.receivers.warn_low_stock", message)]


# -- 6. pre-save --------------------------------------------------------------------


def test_pre_save_fills_an_empty_slug_and_the_row_keeps_it(sandbox, run):
    logged = run(create_pen(sandbox, name="Blue Ink Pot"), scenario="pre-save")

    assert logged.receivers(3) == [
        ("product_about_to_save", "about to write all fields"),
        ("fill_slug", "filled slug 'blue-ink-pot'"),
        ("notice_price_drop", "new product: nothing to compare"),
    ]
    assert stored_product(logged.outcome.result.pk)["slug"] == "blue-ink-pot"


def test_pre_save_keeps_a_slug_that_is_already_set(sandbox, run, product):
    notebook = product("Notebook")

    logged = run(update(notebook, name="Squared notebook"), scenario="pre-save")

    assert logged.runs("fill_slug") == [("playground.receivers.fill_slug", "slug already set")]
    assert stored_product(notebook.pk)["slug"] == "notebook"


def test_a_lower_price_is_reported_with_the_stored_and_the_new_price(sandbox, run, product):
    pen = product("Fountain pen")

    logged = run(update(pen, price="19.99"), scenario="pre-save")

    assert logged.runs("notice_price_drop") == [
        ("playground.receivers.notice_price_drop", "PRICE DROP: 24.00 → 19.99")
    ]
    assert stored_product(pen.pk)["price"] == Decimal("19.99")


def test_a_higher_price_is_not_a_price_drop(sandbox, run, product):
    logged = run(update(product("Fountain pen"), price="25.00"), scenario="pre-save")

    assert logged.runs("notice_price_drop") == [
        ("playground.receivers.notice_price_drop", "no price drop")
    ]


def test_a_change_made_in_post_save_is_not_saved(sandbox, run, product):
    def rename_slug(sender, instance, **kwargs):
        instance.slug = "changed-in-post-save"

    post_save.connect(rename_slug, sender=Product, weak=False)
    try:
        notebook = product("Notebook")
        run(update(notebook, stock=41), scenario="pre-save")
    finally:
        post_save.disconnect(rename_slug, sender=Product)

    assert notebook.slug == "changed-in-post-save"
    assert stored_product(notebook.pk)["slug"] == "notebook"


# -- 7. delete-signals --------------------------------------------------------------


def test_deleting_a_product_signals_its_reviews_first_in_both_phases(sandbox, run, product):
    pen = product("Fountain pen")
    pen_pk = pen.pk  # delete() sets pk to None
    ada, linus = Review.objects.filter(product=pen).order_by("pk")
    assert (ada.author, linus.author) == ("Ada", "Linus")

    logged = run(lambda: services.product_delete(product=pen), scenario="delete-signals")

    assert logged.outcome.result == (3, {"playground.Review": 2, "playground.Product": 1})
    assert logged.signals == [
        # The collector loads the reviews because Review has delete receivers.
        ("pre_init", "Review"),
        ("post_init", "Review"),
        ("pre_init", "Review"),
        ("post_init", "Review"),
        ("pre_delete", "Review"),
        ("pre_delete", "Review"),
        ("pre_delete", "Product"),
        ("post_delete", "Review"),
        ("post_delete", "Review"),
        ("post_delete", "Product"),
    ]
    # pre_delete in ascending pk order, post_delete in descending pk order.
    instances = [dict(logged.arguments(n))["instance"] for n in range(5, 11)]
    assert instances == [
        "<Review: Ada>",
        "<Review: Linus>",
        "<Product: Fountain pen>",
        "<Review: Linus>",
        "<Review: Ada>",
        "<Product: Fountain pen>",
    ]
    for position in range(5, 11):
        assert logged.arguments(position)[1:] == [
            ["using", "'default'"],
            ["origin", "<Product: Fountain pen>"],
        ]
    assert [logged.receivers(n) for n in range(5, 11)] == [
        [("before_delete", f"about to delete Review {ada.pk}")],
        [("before_delete", f"about to delete Review {linus.pk}")],
        [("before_delete", f"about to delete Product {pen_pk}")],
        [("review_deleted", f"deleted review {linus.pk} (its row is already gone)")],
        [("review_deleted", f"deleted review {ada.pk} (its row is already gone)")],
        [("delete_product_image", "no image to remove")],
    ]
    assert not Review.objects.filter(pk__in=[ada.pk, linus.pk]).exists()


def test_deleting_a_review_alone_sends_one_delete_pair(sandbox, run):
    grace = Review.objects.get(sandbox=sandbox, author="Grace")

    logged = run(lambda: services.review_delete(review=grace), scenario="delete-signals")

    assert logged.signals == [("pre_delete", "Review"), ("post_delete", "Review")]
    assert logged.arguments(1) == [
        ["instance", "<Review: Grace>"],
        ["using", "'default'"],
        ["origin", "<Review: Grace>"],
    ]


def test_a_deleted_products_image_leaves_storage_only_after_commit(
    sandbox, run, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    lamp = services.product_create(
        sandbox=sandbox, name="Lamp", price=Decimal("9.00"), stock=8, image=png()
    )
    image_name = lamp.image.name
    assert re.fullmatch(rf"playground/sandbox-{sandbox.pk}/[0-9a-f]{{32}}\.png", image_name)
    file = tmp_path / image_name
    assert file.is_file()

    # pytest-django's ``db`` test never commits, so on_commit callbacks would
    # never run; capture them and run them as a COMMIT would, on leaving the block.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        logged = run(lambda: services.product_delete(product=lamp), scenario="delete-signals")
        assert file.is_file()  # the row is gone, the commit has not happened

    assert len(callbacks) == 1
    assert not file.exists()
    assert logged.signals == [("pre_delete", "Product"), ("post_delete", "Product")]
    assert logged.receivers(2) == [
        ("delete_product_image", f"will remove {image_name} after commit")
    ]


def test_deleting_an_article_logs_it_with_python_logging(sandbox, run, caplog):
    why = Article.objects.get(sandbox=sandbox, title="Why signals?")
    why_pk = why.pk

    with caplog.at_level(logging.INFO, logger="playground.receivers"):
        logged = run(lambda: services.article_delete(article=why), scenario="delete-signals")

    # The links to its tags go with one fast DELETE, without signals.
    assert logged.signals == [("pre_delete", "Article"), ("post_delete", "Article")]
    assert logged.receivers(1) == []
    assert logged.receivers(2) == [
        ("log_article_deletion", f"logged: Article {why_pk} 'Why signals?' was deleted")
    ]
    assert [
        (record.name, record.levelname, record.getMessage())
        for record in caplog.records
        if record.name.startswith("playground")
    ] == [("playground.receivers", "INFO", f"Article {why_pk} 'Why signals?' was deleted")]


# -- 8. m2m-changed -----------------------------------------------------------------


@pytest.fixture
def why(sandbox) -> Article:
    """The article "Why signals?", tagged django and signals."""
    return Article.objects.get(sandbox=sandbox, title="Why signals?")


@pytest.fixture
def tag(sandbox):
    def get(name: str) -> Tag:
        return Tag.objects.get(sandbox=sandbox, name=name)

    return get


def linked(article) -> list[str]:
    return list(article.tags.order_by("pk").values_list("name", flat=True))


def test_add_with_one_tag_already_linked_names_only_the_new_one(sandbox, run, why, tag):
    django, orm = tag("django"), tag("orm")

    logged = run(
        lambda: services.change_links(manager=why.tags, operation="add", targets=[django, orm]),
        scenario="m2m-changed",
    )

    assert logged.signals == [
        ("m2m_changed", THROUGH),
        # The new link row is built for bulk_create(): an init pair, no save.
        ("pre_init", THROUGH),
        ("post_init", THROUGH),
        ("m2m_changed", THROUGH),
    ]
    expected = [
        ["action", "'pre_add'"],
        ["instance", "<Article: Why signals?>"],
        ["reverse", "False"],
        ["model", "Tag"],
        ["pk_set", f"{{{orm.pk}}}"],
        ["using", "'default'"],
        ["raw", "False"],
    ]
    assert logged.arguments(1) == expected
    assert logged.arguments(4) == [["action", "'post_add'"], *expected[1:]]
    assert logged.arguments(2) == [
        ["args", "()"],
        ["kwargs", f"{{'article_id': {why.pk}, 'tag_id': {orm.pk}}}"],
    ]
    assert logged.runs("tags_changed") == [
        ("playground.receivers.tags_changed", f"pre_add from an Article: Tag pks [{orm.pk}]"),
        ("playground.receivers.tags_changed", f"post_add from an Article: Tag pks [{orm.pk}]"),
    ]
    assert linked(why) == ["django", "signals", "orm"]


def test_remove_sends_only_pre_and_post_remove_with_the_pks_passed(sandbox, run, why, tag):
    signals = tag("signals")

    logged = run(
        lambda: services.change_links(manager=why.tags, operation="remove", targets=[signals]),
        scenario="m2m-changed",
    )

    # Nobody listens for deletes of the link rows, so Django removes them with
    # one fast DELETE: no rows are loaded, no init pair.
    assert logged.signals == [("m2m_changed", THROUGH), ("m2m_changed", THROUGH)]
    assert m2m_events(logged) == [
        ("'pre_remove'", f"{{{signals.pk}}}"),
        ("'post_remove'", f"{{{signals.pk}}}"),
    ]
    assert logged.runs("tags_changed") == [
        (
            "playground.receivers.tags_changed",
            f"pre_remove from an Article: Tag pks [{signals.pk}]",
        ),
        (
            "playground.receivers.tags_changed",
            f"post_remove from an Article: Tag pks [{signals.pk}]",
        ),
    ]
    assert linked(why) == ["django"]


def test_clear_sends_only_pre_and_post_clear_with_pk_set_none(sandbox, run, why):
    logged = run(
        lambda: services.change_links(manager=why.tags, operation="clear", targets=[]),
        scenario="m2m-changed",
    )

    assert logged.signals == [("m2m_changed", THROUGH), ("m2m_changed", THROUGH)]
    assert m2m_events(logged) == [("'pre_clear'", "None"), ("'post_clear'", "None")]
    assert logged.runs("tags_changed") == [
        ("playground.receivers.tags_changed", "pre_clear from an Article: Tag pks None"),
        ("playground.receivers.tags_changed", "post_clear from an Article: Tag pks None"),
    ]
    assert linked(why) == []


def test_set_sends_the_remove_pair_then_the_add_pair(sandbox, run, why, tag):
    django, signals, orm = tag("django"), tag("signals"), tag("orm")

    logged = run(
        lambda: services.change_links(manager=why.tags, operation="set", targets=[signals, orm]),
        scenario="m2m-changed",
    )

    assert logged.signals == [
        ("m2m_changed", THROUGH),  # pre_remove
        ("m2m_changed", THROUGH),  # post_remove
        ("m2m_changed", THROUGH),  # pre_add
        ("pre_init", THROUGH),  # the new link row, built for bulk_create()
        ("post_init", THROUGH),
        ("m2m_changed", THROUGH),  # post_add
    ]
    assert m2m_events(logged) == [
        ("'pre_remove'", f"{{{django.pk}}}"),
        ("'post_remove'", f"{{{django.pk}}}"),
        ("'pre_add'", f"{{{orm.pk}}}"),
        ("'post_add'", f"{{{orm.pk}}}"),
    ]
    assert linked(why) == ["signals", "orm"]


def test_deleting_an_article_removes_its_links_without_m2m_changed(sandbox, run, why):
    why_pk = why.pk
    links = Article.tags.through.objects

    logged = run(lambda: services.article_delete(article=why), scenario="m2m-changed")

    # The link rows go with one fast DELETE: no init pair, no m2m_changed.
    assert logged.signals == [("pre_delete", "Article"), ("post_delete", "Article")]
    # The delete-signals scenario's deletion log runs here too, as in any project.
    assert logged.runs("log_article_deletion") == [
        (
            "playground.receivers.log_article_deletion",
            f"logged: Article {why_pk} 'Why signals?' was deleted",
        )
    ]
    assert logged.outcome.result == (3, {"playground.Article_tags": 2, "playground.Article": 1})
    assert not links.filter(article_id=why_pk).exists()
    assert list(links.filter(tag__sandbox=sandbox).values_list("tag__name", flat=True)) == ["orm"]


def test_adding_from_the_tag_side_is_reverse_with_model_article(sandbox, run, why, tag):
    orm = tag("orm")

    logged = run(
        lambda: services.change_links(manager=orm.articles, operation="add", targets=[why]),
        scenario="m2m-changed",
    )

    assert logged.signals == [
        ("m2m_changed", THROUGH),
        ("pre_init", THROUGH),
        ("post_init", THROUGH),
        ("m2m_changed", THROUGH),
    ]
    assert logged.arguments(1) == [
        ["action", "'pre_add'"],
        ["instance", "<Tag: orm>"],
        ["reverse", "True"],
        ["model", "Article"],
        ["pk_set", f"{{{why.pk}}}"],
        ["using", "'default'"],
        ["raw", "False"],
    ]
    assert logged.runs("tags_changed") == [
        (
            "playground.receivers.tags_changed",
            f"pre_add from a Tag (reverse): Article pks [{why.pk}]",
        ),
        (
            "playground.receivers.tags_changed",
            f"post_add from a Tag (reverse): Article pks [{why.pk}]",
        ),
    ]
    assert linked(why) == ["django", "signals", "orm"]


# -- 9. custom-signals --------------------------------------------------------------


def test_each_view_adds_exactly_one_to_views(sandbox, run, product):
    notebook = product("Notebook")

    for expected_views in (1, 2):
        logged = run(lambda: services.product_view(product=notebook), scenario="custom-signals")
        assert stored_product(notebook.pk)["views"] == expected_views

    assert logged.signals == [("product_viewed", "Product")]
    assert logged.arguments(1) == [["product", "<Product: Notebook>"]]
    assert logged.receivers(1) == [
        ("count_view", "counted one view"),
        ("warm_recommendations", "warmed recommendations for 'Notebook'"),
    ]


def test_share_with_send_stops_at_the_failing_receiver(sandbox, run, product):
    notebook = product("Notebook")
    message = "the partner feed is unreachable (this receiver always fails)"

    logged = run(
        lambda: services.product_share(product=notebook, robust=False), scenario="custom-signals"
    )

    assert logged.signals == [("product_shared", "Product")]
    assert logged.receivers(1) == [
        ("record_share", "recorded a share of 'Notebook'"),
        ("post_to_partner_feed", ""),
    ]
    assert logged.errors() == [
        ("playground.receivers.post_to_partner_feed", f"ConnectionError: {message}")
    ]
    assert logged.runs("thank_sharer") == []
    assert logged.entry.error == f"ConnectionError: {message}"
    assert logged.outcome.result is None
    assert logged.outcome.error == (
        f"A receiver raised ConnectionError: {message}. The log shows every signal up to the error."
    )


def test_share_with_send_robust_runs_every_receiver(sandbox, run, product, caplog):
    notebook = product("Notebook")
    message = "the partner feed is unreachable (this receiver always fails)"

    with caplog.at_level(logging.ERROR, logger="django.dispatch"):
        logged = run(
            lambda: services.product_share(product=notebook, robust=True),
            scenario="custom-signals",
        )

    assert logged.receivers(1) == [
        ("record_share", "recorded a share of 'Notebook'"),
        ("post_to_partner_feed", ""),
        ("thank_sharer", "said thank you"),
    ]
    assert logged.errors() == [
        ("playground.receivers.post_to_partner_feed", f"ConnectionError: {message}")
    ]
    assert logged.outcome.ok
    assert logged.entry.error == ""
    # send_robust() returns the exception object in place of a response. The
    # recorder's observer is a connected receiver too, so it is listed first.
    result = logged.outcome.result
    assert [receiver for receiver, _ in result] == [
        recording.observe,
        receivers.record_share,
        receivers.post_to_partner_feed,
        receivers.thank_sharer,
    ]
    responses = dict(result)
    assert responses[receivers.record_share] == "recorded a share of 'Notebook'"
    assert type(responses[receivers.post_to_partner_feed]) is ConnectionError
    assert str(responses[receivers.post_to_partner_feed]) == message
    assert responses[receivers.post_to_partner_feed].__traceback__ is not None
    assert responses[receivers.thank_sharer] == "said thank you"
    assert [r.getMessage() for r in caplog.records if r.name == "django.dispatch"] == [
        f"Error calling post_to_partner_feed in Signal.send_robust() ({message})"
    ]


# -- 10. request-signals ------------------------------------------------------------

PAGE = "/playground/request-signals/"


def playground_runs(logged, position) -> list[tuple[str, str]]:
    """Every receiver run that is not Django's own: the playground's."""
    return [
        (name, result)
        for name, result in logged.receivers(position)
        if not name.startswith("django.")
    ]


def django_runs(logged, position) -> set[str]:
    return {name for name, _ in logged.receivers(position) if name.startswith("django.")}


@pytest.fixture
def visitor(client, db) -> Sandbox:
    """The test client's sandbox, with request logging switched on."""
    assert client.get(PAGE).status_code == 200
    sandbox = sandbox_of(client.session, "request-signals")
    # Nothing was logged while the switch was off.
    assert not LogEntry.objects.filter(sandbox=sandbox).exists()
    services.sandbox_set_switch(sandbox=sandbox, name="log_requests", on=True)
    return sandbox


def test_a_logged_request_starts_with_request_started_and_ends_with_request_finished(
    client, visitor
):
    assert client.get(PAGE).status_code == 200

    logged = last_action(visitor)
    assert logged.entry.label == f"Request: GET {PAGE} → 200"
    assert logged.entry.scenario == "request-signals"
    # The connection is already open in a test, so no connection_created.
    # Under the test Client, request_finished has no sender (None).
    assert logged.signals == [("request_started", "ClientHandler"), ("request_finished", "None")]
    assert logged.arguments(1) == [["environ", f"{{…WSGI environ…, 'PATH_INFO': '{PAGE}'}}"]]
    assert logged.arguments(2) == []
    assert playground_runs(logged, 1) == [
        ("request_began", f"ClientHandler started handling {PAGE}")
    ]
    assert playground_runs(logged, 2) == [("request_ended", "response closed")]
    # Django's own receivers run too. Where they stand relative to the
    # recorder depends on what ran earlier in the process (the test Client and
    # CaptureQueriesContext disconnect and reconnect some of them), so only
    # which ones ran is fixed.
    assert django_runs(logged, 1) == {"django.db.reset_queries"}
    assert django_runs(logged, 2) == {"django.core.cache.close_caches"}


def test_a_view_that_raises_adds_got_request_exception(client, visitor):
    client.raise_request_exception = False
    path = f"{PAGE}raise/"

    response = client.post(path)

    # The middleware swaps the 500 page for the panel with an explanation.
    assert response.status_code == 200
    logged = last_action(visitor)
    assert logged.entry.label == f"Request: POST {path} → 500"
    assert logged.signals == [
        ("request_started", "ClientHandler"),
        ("got_request_exception", "None"),
        ("request_finished", "None"),
    ]
    assert logged.arguments(2) == [["request", f"<WSGIRequest: POST '{path}'>"]]
    assert playground_runs(logged, 2) == [
        ("request_failed", f"a view raised while handling {path}")
    ]
    # The test Client connects its own receiver to keep the exception.
    assert django_runs(logged, 2) == {"django.test.client.ClientMixin.store_exc_info"}


def test_the_live_endpoint_is_never_logged(client, visitor):
    before = LogEntry.objects.filter(sandbox=visitor).count()

    version = Sandbox.objects.get(pk=visitor.pk).version

    assert client.get(f"{PAGE}live/").status_code == 200
    assert client.get(f"{PAGE}live/", {"v": str(version)}).status_code == 204

    assert LogEntry.objects.filter(sandbox=visitor).count() == before


def test_requests_are_not_logged_with_the_switch_off(client, visitor):
    services.sandbox_set_switch(sandbox=visitor, name="log_requests", on=False)

    assert client.get(PAGE).status_code == 200

    assert not LogEntry.objects.filter(sandbox=visitor).exists()


# -- 11. transactions -----------------------------------------------------------------
#
# These tests use a transactional database (``transaction=True``): pytest-django's
# plain ``db`` wraps each test in a transaction that never commits, so
# "autocommit" would really be inside atomic() and on_commit callbacks would
# never run on their own. Here every save commits as it would on the site.


@pytest.mark.django_db(transaction=True)
def test_autocommit_edit_keeps_the_new_values_when_post_save_raises(sandbox, run, product):
    services.sandbox_set_switch(sandbox=sandbox, name="fail_post_save", on=True)
    pen = product("Fountain pen")

    logged = run(update(pen, name="Gold pen", price="30.00", stock=7), scenario="transactions")

    assert stored_product(pen.pk) == {
        "name": "Gold pen",
        "slug": "fountain-pen",
        "price": Decimal("30.00"),
        "stock": 7,
        "views": 0,
    }
    assert logged.signals == SAVE
    assert [name for name, _ in logged.receivers(2)] == PRODUCT_POST_SAVE[:-1]
    assert logged.errors() == [
        ("playground.receivers.fail_on_demand", "RuntimeError: the failing receiver is switched on")
    ]
    assert logged.runs("email_update_on_commit") == [
        (
            "playground.receivers.email_update_on_commit",
            "e-mail will be sent when the transaction commits",
        )
    ]
    # Outside atomic(), on_commit runs the callback at once: the e-mail went
    # out before the failing receiver ran.
    assert emails(sandbox) == [
        ("shop@example.com", "Updated: Gold pen", "Gold pen now costs 30.00, 7 in stock.")
    ]
    assert logged.entry.error == "RuntimeError: the failing receiver is switched on"
    assert logged.outcome.error.startswith("A receiver raised RuntimeError:")


@pytest.mark.django_db(transaction=True)
def test_atomic_edit_rolls_back_and_drops_the_email_when_post_save_raises(sandbox, run, product):
    services.sandbox_set_switch(sandbox=sandbox, name="fail_post_save", on=True)
    pen = product("Fountain pen")

    logged = run(
        lambda: services.product_update_in_atomic(
            product=pen, name="Gold pen", price=Decimal("30.00"), stock=7
        ),
        scenario="transactions",
    )

    assert stored_product(pen.pk) == {
        "name": "Fountain pen",
        "slug": "fountain-pen",
        "price": Decimal("24.00"),
        "stock": 12,
        "views": 0,
    }
    assert emails(sandbox) == []
    # The log survives the rollback: it is stored after the atomic block.
    assert logged.signals == SAVE
    assert logged.errors() == [
        ("playground.receivers.fail_on_demand", "RuntimeError: the failing receiver is switched on")
    ]
    assert logged.entry.error == "RuntimeError: the failing receiver is switched on"


@pytest.mark.django_db(transaction=True)
def test_atomic_edit_sends_the_update_email_on_commit(sandbox, run, product):
    pen = product("Fountain pen")

    logged = run(
        lambda: services.product_update_in_atomic(
            product=pen, name="Gold pen", price=Decimal("30.00"), stock=7
        ),
        scenario="transactions",
    )

    assert logged.outcome.ok
    assert logged.runs("email_update_on_commit", "fail_on_demand") == [
        (
            "playground.receivers.email_update_on_commit",
            "e-mail will be sent when the transaction commits",
        ),
        ("playground.receivers.fail_on_demand", "switch is off: did nothing"),
    ]
    assert emails(sandbox) == [
        ("shop@example.com", "Updated: Gold pen", "Gold pen now costs 30.00, 7 in stock.")
    ]
    assert stored_product(pen.pk)["name"] == "Gold pen"


# -- 12. async-signals --------------------------------------------------------------


def test_asend_runs_the_sync_receiver_before_the_async_one(sandbox, run, product):
    notebook = product("Notebook")

    logged = run(
        lambda: async_to_sync(services.product_view_async)(product=notebook),
        scenario="async-signals",
    )

    assert logged.signals == [("product_viewed", "Product")]
    assert logged.receivers(1) == [
        ("count_view", "counted one view"),
        ("warm_recommendations", "warmed recommendations for 'Notebook'"),
    ]
    assert stored_product(notebook.pk)["views"] == 1


def test_aperform_logs_the_async_view_action(sandbox, product):
    notebook = product("Notebook")

    outcome = async_to_sync(aperform)(
        sandbox,
        "Viewed from an async view",
        lambda: services.product_view_async(product=notebook),
        scenario="async-signals",
    )

    assert outcome.ok
    assert [response for _, response in outcome.result] == [
        None,  # the recorder's observer
        "counted one view",
        "warmed recommendations for 'Notebook'",
    ]
    logged = last_action(sandbox)
    assert logged.entry.label == "Viewed from an async view"
    assert logged.receivers(1) == [
        ("count_view", "counted one view"),
        ("warm_recommendations", "warmed recommendations for 'Notebook'"),
    ]


# -- 13. gotchas ----------------------------------------------------------------------


def test_bulk_create_sends_no_save_signals_only_the_init_pairs_of_built_objects(sandbox, run):
    logged = run(
        lambda: services.products_bulk_create(sandbox=sandbox, count=2), scenario="gotchas"
    )

    assert logged.signals == init_pair("Product") * 2
    assert logged.arguments(1) == [
        ["args", "()"],
        [
            "kwargs",
            f"{{'sandbox': <Sandbox: #{sandbox.pk}>, 'name': 'Bulk item 1', "
            "'slug': 'bulk-item-1', 'price': Decimal('1.00'), 'stock': 10}",
        ],
    ]
    assert logged.runs("audit_product_change") == []
    # Init signals were sent, so the action is not "silent".
    assert logged.entry.note == ""
    assert Product.objects.filter(sandbox=sandbox, name__startswith="Bulk item").count() == 2


def test_queryset_update_sends_nothing(sandbox, run):
    logged = run(lambda: services.products_restock(sandbox=sandbox, amount=5), scenario="gotchas")

    assert logged.outcome.result == 3
    assert logged.signals == []
    assert logged.entry.note == "No signals sent."
    assert list(
        Product.objects.filter(sandbox=sandbox).order_by("pk").values_list("stock", flat=True)
    ) == [17, 45, 8]


def test_bulk_update_sends_no_save_signals(sandbox, run):
    logged = run(
        lambda: services.products_bulk_update(sandbox=sandbox, percent=10), scenario="gotchas"
    )

    assert logged.outcome.result == 3
    # Only the init pairs of the rows it loads first; no pre_save/post_save.
    assert logged.signals == init_pair("Product") * 3
    assert logged.runs("audit_product_change") == []
    assert list(
        Product.objects.filter(sandbox=sandbox).order_by("pk").values_list("price", flat=True)
    ) == [Decimal("26.40"), Decimal("7.15"), Decimal("43.89")]


def test_queryset_delete_signals_per_object_with_the_queryset_as_origin(sandbox, run):
    first, second = services.products_bulk_create(sandbox=sandbox, count=2)

    logged = run(lambda: services.products_delete_bulk_items(sandbox=sandbox), scenario="gotchas")

    assert logged.outcome.result == (2, {"playground.Product": 2})
    assert logged.signals == init_pair("Product") * 2 + [
        ("pre_delete", "Product"),
        ("pre_delete", "Product"),
        ("post_delete", "Product"),
        ("post_delete", "Product"),
    ]
    assert [logged.arguments(n) for n in (5, 6, 7, 8)] == [
        [["instance", f"<Product: {item.name}>"], ["using", "'default'"], origin]
        for item in (first, second, second, first)
        for origin in [["origin", "<QuerySet of Product>"]]
    ]
    assert logged.runs("before_delete") == [
        ("playground.receivers.before_delete", f"about to delete Product {first.pk}"),
        ("playground.receivers.before_delete", f"about to delete Product {second.pk}"),
    ]


# -- 14. testing-signals ------------------------------------------------------------


def test_a_new_review_emails_its_author(sandbox, run, product):
    notebook = product("Notebook")

    logged = run(
        lambda: services.review_create(product=notebook, author="Ann Lee", rating=2),
        scenario="testing-signals",
    )

    assert logged.signals == [
        ("pre_init", "Review"),
        ("post_init", "Review"),
        ("pre_save", "Review"),
        ("post_save", "Review"),
    ]
    assert logged.runs("email_review_author") == [
        ("playground.receivers.email_review_author", "thanked the reviewer by e-mail")
    ]
    assert emails(sandbox) == [
        ("ann-lee@example.com", "Thanks for reviewing Notebook", "You gave it 2 out of 5.")
    ]


# -- 15. when-not-to-use ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rating", "message"),
    [
        ("Notebook", 2, "'Notebook' now averages 3.0 from 2 reviews"),
        ("Fountain pen", 3, "'Fountain pen' now averages 4.0 from 3 reviews"),
        ("Desk lamp", 5, "'Desk lamp' now averages 5.0 from 1 review"),
    ],
)
def test_saving_a_review_recomputes_the_product_rating(
    sandbox, run, product, name, rating, message
):
    target = product(name)

    logged = run(
        lambda: services.review_create(product=target, author="Ann", rating=rating),
        scenario="when-not-to-use",
    )

    assert logged.receivers(4) == [
        ("any_model_saved", "heard a save from Review"),
        ("email_review_author", "thanked the reviewer by e-mail"),
        ("refresh_product_rating", message),
    ]
