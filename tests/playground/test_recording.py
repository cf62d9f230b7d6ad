"""Unit tests of the recorder (playground/recording.py) and of ``perform``."""

import json
import logging
import os
import subprocess
import sys
from decimal import Decimal

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal

from playground import receivers, recording, services
from playground.models import Article, LogEntry, Product, Review, Tag
from playground.performing import perform
from playground.recording import describe, live_receivers
from playground.services import LimitReached
from playground.signals import product_shared
from tests.playground.logged import init_pair, last_action

PARTNER_FEED_ERROR = "ConnectionError: the partner feed is unreachable (this receiver always fails)"


# -- describe(): turning arguments into log text ---------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({3, 1, 2}, "{1, 2, 3}"),
        ({"update", "create"}, "{'create', 'update'}"),
        (set(), "set()"),
        (frozenset({"stock", "name", "price"}), "frozenset({'name', 'price', 'stock'})"),
        (frozenset({"stock"}), "frozenset({'stock'})"),
        (frozenset(), "frozenset()"),
        (Decimal("24.00"), "Decimal('24.00')"),
        (Decimal("6.5"), "Decimal('6.5')"),
        (Product, "Product"),
        (Article.tags.through, "Article.tags.through"),
        (None, "None"),
        (True, "True"),
        ("default", "'default'"),
        ((1, "Anne"), "(1, 'Anne')"),
    ],
)
def test_describe_values(value, text):
    assert describe(value) == text


def test_describe_sorts_integer_sets_numerically():
    assert describe({100, 9, 10}) == "{9, 10, 100}"


def test_describe_names_a_wsgi_environ_by_its_path():
    environ = {"wsgi.input": object(), "PATH_INFO": "/playground/", "HTTP_COOKIE": "secret"}

    assert describe(environ) == "{…WSGI environ…, 'PATH_INFO': '/playground/'}"


def test_describe_cuts_long_text_to_160_characters():
    text = describe("x" * 500)

    assert len(text) == 160
    assert text == "'" + "x" * 158 + "…"


def test_describe_names_a_queryset_without_running_it(sandbox, django_assert_num_queries):
    queryset = Product.objects.filter(sandbox=sandbox)

    with django_assert_num_queries(0):
        assert describe(queryset) == "<QuerySet of Product>"

    assert queryset._result_cache is None


def test_describe_labels_a_model_without_calling_str(sandbox, django_assert_num_queries):
    ada = Review.objects.get(sandbox=sandbox, author="Ada")
    linus = Review.objects.get(sandbox=sandbox, author="Linus")

    with django_assert_num_queries(0):
        assert describe(ada) == "<Review: Ada>"
    # Review.__str__ follows the product relation: a query, whose init
    # signals would land in the log.
    with django_assert_num_queries(1):
        assert str(linus) == "Linus on Fountain pen"


@pytest.mark.parametrize(
    ("build", "text"),
    [
        (lambda s: Product(sandbox=s, name="Pen", price=Decimal(1)), "<Product: Pen>"),
        (lambda s: Article(sandbox=s, title="Draft"), "<Article: Draft>"),
        (lambda s: Tag(sandbox=s, name="orm"), "<Tag: orm>"),
        (lambda s: Product(sandbox=s, name="", price=Decimal(1)), "<Product: #None>"),
        (
            lambda s: Article.tags.through(article_id=1, tag_id=2),
            "<Article.tags.through: #None>",
        ),
    ],
)
def test_describe_labels_by_name_title_or_author_else_pk(sandbox, build, text):
    assert describe(build(sandbox)) == text


def test_describe_labels_a_model_without_label_fields_by_pk(sandbox):
    assert describe(sandbox) == f"<Sandbox: #{sandbox.pk}>"


# -- The observer -----------------------------------------------------------------


SANDBOX_MODELS = {"Product": Product, "Review": Review, "Article": Article, "Tag": Tag}


@pytest.mark.parametrize("name", sorted(recording.MODEL_SIGNALS))
@pytest.mark.parametrize("model", sorted(SANDBOX_MODELS))
def test_the_observer_is_the_first_receiver_of_every_model_signal(name, model):
    signal = recording.MODEL_SIGNALS[name]
    sync_receivers, _async_receivers = live_receivers(signal, SANDBOX_MODELS[model])

    assert sync_receivers[0] is recording.observe


@pytest.mark.parametrize("name", ["pre_init", "post_init", "m2m_changed"])
def test_the_observer_is_the_first_receiver_of_the_m2m_tables_signals(name):
    signal = recording.MODEL_SIGNALS[name]
    sync_receivers, _async_receivers = live_receivers(signal, Article.tags.through)

    assert sync_receivers[0] is recording.observe


# The Django version live_receivers() was last checked against. Its private
# Signal._live_receivers has changed shape before (5.0 split it into sync and
# async); when the test below fails after an upgrade, read the new method,
# adapt live_receivers() and write the version here.
CHECKED_AGAINST_DJANGO = "6.1.3"


def test_live_receivers_has_the_shape_it_had_in_the_checked_django_version():
    signal = Signal()

    async def heard_async(sender, **kwargs):
        pass

    def heard(sender, **kwargs):
        pass

    def heard_for_tags_only(sender, **kwargs):
        pass

    # Connected async first: Django still calls every sync receiver first.
    signal.connect(heard_async, weak=False)
    signal.connect(heard, weak=False)
    signal.connect(heard_for_tags_only, sender=Tag, weak=False)
    try:
        found = live_receivers(signal, Product)
        for_tags = live_receivers(signal, Tag)
    finally:
        signal.disconnect(heard_async)
        signal.disconnect(heard)
        signal.disconnect(heard_for_tags_only, sender=Tag)

    changed = (
        f"Signal._live_receivers() is not what it was in Django {CHECKED_AGAINST_DJANGO} "
        f"(this is {django.get_version()}): adapt playground.recording.live_receivers()"
    )
    assert type(found) is tuple, changed
    assert [type(part) for part in found] == [list, list], changed
    assert found == ([heard], [heard_async]), changed
    assert for_tags == ([heard, heard_for_tags_only], [heard_async]), changed


def other_tool_takes_the_free_recorder_ids() -> list[int]:
    """Claim, as another monitoring tool would, every recorder id still free
    (the running recorder holds one of them); return the ids taken."""
    taken = []
    for tool_id in recording.TOOL_IDS:
        if sys.monitoring.get_tool(tool_id) is None:
            sys.monitoring.use_tool_id(tool_id, "another-tool")
            taken.append(tool_id)
    return taken


def test_the_app_refuses_to_start_when_no_monitoring_tool_id_is_free(monkeypatch, sandbox, run):
    # Start the playground app again, as a fresh process would: the recorder
    # is not installed yet and its receivers are not imported yet.
    monkeypatch.setattr(recording, "_installed", False)
    monkeypatch.setattr(recording, "_tool_id", recording._tool_id)
    monkeypatch.delitem(sys.modules, "playground.receivers")
    observers_before = live_receivers(post_save, Product)
    taken = other_tool_takes_the_free_recorder_ids()
    holders = {tool_id: sys.monitoring.get_tool(tool_id) for tool_id in recording.TOOL_IDS}
    try:
        with pytest.raises(ImproperlyConfigured) as refused:
            apps.get_app_config("playground").ready()
    finally:
        for tool_id in taken:
            sys.monitoring.free_tool_id(tool_id)

    assert sorted(holders.values()) == ["another-tool", "playground-recorder"]
    assert str(refused.value) == (
        "The playground's recorder needs a free sys.monitoring tool id (PEP 669) to see which "
        f"receivers run, and both of its ids are taken (4 by {holders[4]!r}, 3 by "
        f"{holders[3]!r}). Without it every log entry would wrongly say that no receiver ran. "
        "Stop the tool that holds them, or run it under another tool id."
    )
    # Refused before connecting anything: the observer is still first, once.
    assert live_receivers(post_save, Product) == observers_before
    # ...and the recorder installed at start-up still times receivers.
    monkeypatch.undo()
    logged = run(lambda: services.tag_create(sandbox=sandbox, name="new"))
    assert logged.receivers(4) == [("any_model_saved", "heard a save from Tag")]


def test_a_process_with_both_tool_ids_taken_does_not_start():
    code = (
        "import sys, django\n"
        "sys.monitoring.use_tool_id(3, 'a-debugger')\n"
        "sys.monitoring.use_tool_id(4, 'a-profiler')\n"
        "django.setup()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tutorial.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: The playground's recorder needs a free "
        "sys.monitoring tool id (PEP 669) to see which receivers run, and both of its ids are "
        "taken (4 by 'a-profiler', 3 by 'a-debugger'). Without it every log entry would wrongly "
        "say that no receiver ran. Stop the tool that holds them, or run it under another tool id."
    )


@pytest.mark.parametrize("name", ["pre_delete", "post_delete"])
def test_nothing_listens_for_deletes_of_m2m_rows(name):
    """Django never sends them for auto-created through rows, and a listener
    would turn its fast DELETE of those rows into SELECT + DELETE."""
    assert not recording.MODEL_SIGNALS[name].has_listeners(Article.tags.through)


@pytest.mark.parametrize(
    "name", sorted(recording.CUSTOM_SIGNALS.keys() | recording.REQUEST_SIGNALS.keys())
)
def test_the_observer_listens_to_custom_and_request_signals(name):
    signal = recording.SIGNALS[name]
    sync_receivers, _ = live_receivers(signal, None)

    assert recording.observe in sync_receivers


def test_signals_outside_an_action_are_not_recorded(sandbox):
    services.product_create(sandbox=sandbox, name="Pen", price=Decimal("1.00"), stock=9)

    assert recording.current_recording() is None
    assert not LogEntry.objects.filter(sandbox=sandbox).exists()


def test_the_action_scope_ends_with_the_block(sandbox):
    with recording.record_action(sandbox.pk, "scope") as record:
        assert recording.current_recording().current is record

    assert recording.current_recording() is None


def compiled_receiver(tag: str):
    """A fresh compilation of the same receiver source, as an exercise's
    check imports the learner's code afresh: an equal code object, not the same one."""
    namespace = {"__name__": "learner", "TAG": tag}
    source = "def noticed(sender, instance, **kwargs):\n    return 'noticed ' + TAG\n"
    exec(compile(source, "learner.py", "exec"), namespace)
    return namespace["noticed"]


def test_a_receiver_compiled_again_from_the_same_source_is_recorded_each_time(sandbox):
    first, second = compiled_receiver("first"), compiled_receiver("second")
    assert first.__code__ == second.__code__
    assert first.__code__ is not second.__code__
    seen = []
    for receiver in (first, second):
        pre_save.connect(receiver, sender=Product, weak=False)
        try:
            with recording.record_action(sandbox.pk, "save") as record:
                Product.objects.filter(sandbox=sandbox).first().save()
        finally:
            assert pre_save.disconnect(receiver, sender=Product)
        (event,) = [event for event in record.events if event.signal == "pre_save"]
        seen += [(run.name, run.result) for run in event.receivers if run.name == "learner.noticed"]

    assert seen == [("learner.noticed", "noticed first"), ("learner.noticed", "noticed second")]


# -- Nesting --------------------------------------------------------------------------


def create_tag_while_saving(sender, instance, **kwargs):
    """A receiver whose own work sends signals: those are one level deeper."""
    tag = Tag.objects.create(sandbox_id=instance.sandbox_id, name="nested")
    return f"created Tag {tag.name!r}"


def create_article_while_saving_a_tag(sender, instance, **kwargs):
    article = Article.objects.create(sandbox_id=instance.sandbox_id, title="deeper")
    return f"created Article {article.title!r}"


@pytest.fixture
def nesting_receiver():
    pre_save.connect(create_tag_while_saving, sender=Product, weak=False)
    try:
        yield f"{__name__}.create_tag_while_saving"
    finally:
        assert pre_save.disconnect(create_tag_while_saving, sender=Product)


def test_signals_sent_from_inside_a_receiver_are_one_level_deeper(
    sandbox, run, product, nesting_receiver
):
    pen = product("Fountain pen")

    logged = run(lambda: services.product_set_stock(product=pen, stock=20))

    assert [(event.depth, event.signal, event.sender) for event in logged.events] == [
        (0, "pre_save", "Product"),
        (1, "pre_init", "Tag"),
        (1, "post_init", "Tag"),
        (1, "pre_save", "Tag"),
        (1, "post_save", "Tag"),
        (0, "post_save", "Product"),
    ]
    assert logged.receivers(1) == [
        ("product_about_to_save", "about to write stock"),
        ("fill_slug", "slug already set"),
        ("notice_price_drop", "no price drop"),
        (nesting_receiver, "created Tag 'nested'"),
    ]
    assert logged.receivers(5) == [("any_model_saved", "heard a save from Tag")]
    # The outer send goes on being recorded after the nested one.
    assert [name for name, _ in logged.receivers(6)] == [
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


def test_nesting_goes_as_deep_as_the_receivers_go(sandbox, run, product, nesting_receiver):
    post_save.connect(create_article_while_saving_a_tag, sender=Tag, weak=False)
    try:
        pen = product("Fountain pen")
        logged = run(lambda: services.product_set_stock(product=pen, stock=20))
    finally:
        assert post_save.disconnect(create_article_while_saving_a_tag, sender=Tag)

    assert [(event.depth, event.signal, event.sender) for event in logged.events] == [
        (0, "pre_save", "Product"),
        (1, "pre_init", "Tag"),
        (1, "post_init", "Tag"),
        (1, "pre_save", "Tag"),
        (1, "post_save", "Tag"),
        (2, "pre_init", "Article"),
        (2, "post_init", "Article"),
        (2, "pre_save", "Article"),
        (2, "post_save", "Article"),
        (0, "post_save", "Product"),
    ]
    assert logged.receivers(5) == [
        ("any_model_saved", "heard a save from Tag"),
        (f"{__name__}.create_article_while_saving_a_tag", "created Article 'deeper'"),
    ]
    assert [name for name, _ in logged.receivers(9)] == [
        "any_model_saved",
        "article_saved_lazy_sender",
    ]


# -- What is not a receiver run --------------------------------------------------------


def test_a_receiver_called_directly_is_not_recorded(sandbox, run, product):
    pen = product("Fountain pen")

    logged = run(lambda: receivers.log_price(sender=Product, instance=pen))

    assert logged.outcome.result == "price is 24.00"
    assert logged.events == []
    assert logged.entry.note == "No signals sent."


def test_a_direct_call_after_a_send_adds_no_second_run(sandbox, run, product):
    pen = product("Fountain pen")

    def save_then_call_directly():
        services.product_set_stock(product=pen, stock=20)
        return receivers.log_price(sender=Product, instance=pen)

    logged = run(save_then_call_directly)

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert logged.runs("log_price") == [("playground.receivers.log_price", "price is 24.00")]


def warn_directly(sender, instance, **kwargs):
    """Calls another receiver as a plain function, from inside a receiver."""
    return f"asked warn_low_stock directly: {receivers.warn_low_stock(sender, instance)}"


def test_a_receiver_called_directly_from_a_receiver_is_not_recorded(sandbox, run, product):
    pre_save.connect(warn_directly, sender=Product, weak=False)
    try:
        pen = product("Fountain pen")
        logged = run(lambda: services.product_set_stock(product=pen, stock=2))
    finally:
        assert pre_save.disconnect(warn_directly, sender=Product)

    assert logged.receivers(1)[-1] == (
        f"{__name__}.warn_directly",
        "asked warn_low_stock directly: LOW STOCK: only 2 left of 'Fountain pen'",
    )
    # Only the run that post_save made.
    assert logged.runs("warn_low_stock") == [
        ("playground.receivers.warn_low_stock", "LOW STOCK: only 2 left of 'Fountain pen'")
    ]


# -- Errors ---------------------------------------------------------------------------


def test_an_exception_under_send_is_recorded_on_its_receiver_and_the_action(
    sandbox, product, caplog
):
    """The partner feed's failure is a lesson: its own words, no server log."""
    notebook = product("Notebook")

    with (
        pytest.raises(ConnectionError),
        recording.record_action(sandbox.pk, "share") as record,
    ):
        product_shared.send(sender=Product, product=notebook)

    assert record.error == PARTNER_FEED_ERROR
    [event] = record.events
    assert [(run.name, run.result, run.error) for run in event.receivers] == [
        ("playground.receivers.record_share", "recorded a share of 'Notebook'", ""),
        ("playground.receivers.post_to_partner_feed", "", PARTNER_FEED_ERROR),
    ]
    assert recording.current_recording() is None
    assert caplog.records == []


def test_an_unexpected_database_error_shows_its_class_and_logs_the_details(sandbox, caplog):
    def insert_a_nameless_tag():
        # A savepoint: on PostgreSQL the failed INSERT would end the test's transaction.
        with transaction.atomic():
            Tag.objects.create(sandbox=sandbox, name=None)

    with (
        caplog.at_level(logging.ERROR, logger="playground.recording"),
        pytest.raises(IntegrityError) as raised,
    ):
        perform(sandbox, "nameless tag", insert_a_nameless_tag)

    logged = last_action(sandbox)
    assert logged.entry.error == (
        "IntegrityError: the database refused this change (details are in the server log)"
    )
    # The details, with the table's name (and PostgreSQL's DETAIL line), go
    # to the server log only.
    assert "playground_tag" in str(raised.value)
    assert "playground_tag" not in json.dumps(logged.entry.events)
    [report] = caplog.records
    assert report.getMessage() == (
        "A playground action raised IntegrityError; the learner's log shows only its class"
    )
    assert report.exc_info[1] is raised.value


def test_an_os_error_in_a_receiver_shows_no_server_path(sandbox, run, caplog, tmp_path):
    missing = tmp_path / "partner-settings.json"

    def read_partner_settings(sender, instance, **kwargs):
        return missing.read_text()

    post_save.connect(read_partner_settings, sender=Tag, weak=False)
    try:
        with caplog.at_level(logging.ERROR, logger="playground.recording"):
            logged = run(lambda: services.tag_create(sandbox=sandbox, name="new"))
    finally:
        assert post_save.disconnect(read_partner_settings, sender=Tag)

    generic = (
        "FileNotFoundError: a file or network operation failed on the server "
        "(details are in the server log)"
    )
    assert logged.errors() == [
        (f"{__name__}.{read_partner_settings.__qualname__}", generic),
    ]
    assert logged.entry.error == generic
    assert logged.outcome.error == (
        f"A receiver raised {generic}. The log shows every signal up to the error."
    )
    assert str(tmp_path) not in json.dumps(logged.entry.events)
    # Logged once, though it passed the receiver and then the action.
    [report] = caplog.records
    assert report.exc_info[1].filename == str(missing)


def test_a_receiver_that_raised_leaves_no_nesting_behind(sandbox, product):
    """Inside one request, the next action starts at depth 0 again."""
    notebook = product("Notebook")
    recording.begin_request()
    try:
        with pytest.raises(ConnectionError), recording.record_action(sandbox.pk, "share"):
            product_shared.send(sender=Product, product=notebook)
        with recording.record_action(sandbox.pk, "save") as record:
            services.product_set_stock(product=notebook, stock=41)
    finally:
        recording.end_request()

    assert [(event.depth, event.signal) for event in record.events] == [
        (0, "pre_save"),
        (0, "post_save"),
    ]
    assert len(record.events[1].receivers) == 10


def test_events_are_kept_when_the_action_raises(sandbox):
    def create_then_fail():
        Tag.objects.create(sandbox=sandbox, name="kept in the log")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        perform(sandbox, "fails", create_then_fail)

    logged = last_action(sandbox)
    assert logged.entry.label == "fails"
    assert (
        logged.entry.error == "ValueError: the server's code failed (details are in the server log)"
    )
    assert logged.signals == [*init_pair("Tag"), ("pre_save", "Tag"), ("post_save", "Tag")]
    assert logged.runs("any_model_saved") == [
        ("playground.receivers.any_model_saved", "heard a save from Tag")
    ]


def test_a_limit_is_an_outcome_error_not_an_exception(sandbox):
    def refuse():
        raise LimitReached("A sandbox holds at most 100 products")

    outcome = perform(sandbox, "too many", refuse)

    assert outcome.error == "A sandbox holds at most 100 products"
    assert not outcome.ok
    logged = last_action(sandbox)
    assert logged.entry.error == "LimitReached: A sandbox holds at most 100 products"
    assert logged.entry.note == "No signals sent."


def test_a_silent_action_is_stored_with_the_no_signals_note(sandbox):
    outcome = perform(sandbox, "nothing happens", lambda: 42)

    assert outcome.result == 42
    logged = last_action(sandbox)
    assert (logged.entry.label, logged.entry.note, logged.entry.error) == (
        "nothing happens",
        "No signals sent.",
        "",
    )
    assert logged.events == []


def test_an_action_with_signals_has_no_note(sandbox, run):
    logged = run(lambda: services.tag_create(sandbox=sandbox, name="new"))

    assert logged.signals == [*init_pair("Tag"), ("pre_save", "Tag"), ("post_save", "Tag")]
    assert logged.entry.note == ""
