"""The cheat sheet cannot drift: each built-in signal in
lessons/signal_reference.py is sent for real and its keyword arguments
compared with the listed ones, its "does not send" claims are tried, and
its lesson exists and teaches it.

Every receiver here is connected in a ``try`` and disconnected in its
``finally`` (and the autouse guard in tests/conftest.py fails a leak).
"""

import importlib
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections, models
from django.dispatch import Signal
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.test.utils import isolate_apps

from lessons.catalog import get_catalog
from lessons.signal_reference import BULK_CREATE, QUERYSET_UPDATE, SIGNALS, get
from playground.models import Article, Product, Review, Tag

BUILT_IN = [
    *("pre_init", "post_init", "pre_save", "post_save", "pre_delete", "post_delete"),
    *("m2m_changed", "class_prepared", "pre_migrate", "post_migrate"),
    *("request_started", "request_finished", "got_request_exception"),
    *("setting_changed", "template_rendered", "connection_created"),
]


def signal_object(name: str) -> Signal:
    entry = get(name)
    return getattr(importlib.import_module(entry.module), name)


@contextmanager
def received(name: str, sender=None):
    """The keyword arguments of every call ``name`` makes while inside."""
    calls: list[dict] = []

    def receiver(**kwargs):
        calls.append(kwargs)

    signal = signal_object(name)
    signal.connect(receiver, sender=sender, weak=False)
    try:
        yield calls
    finally:
        signal.disconnect(receiver, sender=sender)


def argument_names(call: dict) -> tuple[str, ...]:
    return tuple(name for name in call if name not in ("signal", "sender"))


def test_the_reference_lists_every_built_in_signal_once():
    assert sorted(signal.name for signal in SIGNALS) == sorted(BUILT_IN)


@pytest.mark.parametrize("name", BUILT_IN)
def test_each_signal_imports_from_the_module_given(name):
    assert isinstance(signal_object(name), Signal)
    assert get(name).import_line == f"from {get(name).module} import {name}"


@pytest.mark.parametrize("signal", SIGNALS, ids=lambda signal: signal.name)
def test_each_signal_is_taught_by_the_lesson_named(signal):
    lesson = get_catalog().get(signal.lesson)

    assert lesson is not None, f"{signal.name}: no lesson {signal.lesson!r}"
    text = lesson.source_path.read_text(encoding="utf-8")
    assert signal.name in lesson.covers or signal.name in text
    if signal.section:
        anchors = set()
        entries = list(lesson.toc)
        while entries:
            entry = entries.pop()
            anchors.add(entry.anchor)
            entries.extend(entry.children)
        assert signal.section in anchors
        assert signal.name in lesson.html.split(f'id="{signal.section}"')[1]


# --- Each signal, sent for real -----------------------------------------


def sent_for_a_product(name: str, sandbox, action) -> dict:
    with received(name, sender=Product) as calls:
        action()
    assert calls, f"{name} was not sent"
    return calls[0]


@pytest.mark.parametrize("name", ["pre_init", "post_init"])
def test_init_signals_arguments(sandbox, name):
    call = sent_for_a_product(name, sandbox, lambda: Product(sandbox=sandbox, name="Pen"))

    assert argument_names(call) == get(name).arguments


@pytest.mark.parametrize("name", ["pre_save", "post_save"])
def test_save_signals_arguments(sandbox, name):
    def create():
        Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("2.50"))

    call = sent_for_a_product(name, sandbox, create)

    assert argument_names(call) == get(name).arguments


@pytest.mark.parametrize("name", ["pre_delete", "post_delete"])
def test_delete_signals_arguments(sandbox, name):
    product = Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("2.50"))

    call = sent_for_a_product(name, sandbox, product.delete)

    assert argument_names(call) == get(name).arguments


def test_m2m_changed_arguments(sandbox):
    article = Article.objects.create(sandbox=sandbox, title="Notes")
    tag = Tag.objects.create(sandbox=sandbox, name="orm")

    with received("m2m_changed", sender=Article.tags.through) as calls:
        article.tags.add(tag)

    assert [call["action"] for call in calls] == ["pre_add", "post_add"]
    assert argument_names(calls[0]) == get("m2m_changed").arguments


def test_class_prepared_arguments():
    with received("class_prepared") as calls, isolate_apps("playground"):

        class Scratch(models.Model):  # noqa: DJ008 (defined to be prepared, never shown)
            class Meta:
                app_label = "playground"

    assert [call["sender"] for call in calls] == [Scratch]
    assert argument_names(calls[0]) == get("class_prepared").arguments


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pre_migrate", "post_migrate"])
def test_migrate_signals_arguments(name):
    with received(name) as calls:
        call_command("migrate", verbosity=0, interactive=False, stdout=StringIO())

    assert calls
    assert {argument_names(call) for call in calls} == {get(name).arguments}


@pytest.mark.django_db
def test_request_signals_arguments(client):
    with received("request_started") as started, received("request_finished") as finished:
        client.get("/healthz")

    assert [argument_names(call) for call in started] == [get("request_started").arguments]
    assert [argument_names(call) for call in finished] == [get("request_finished").arguments]


def test_got_request_exception_arguments():
    from django.core.handlers.exception import convert_exception_to_response

    def broken_view(request):
        raise RuntimeError("boom")

    request = RequestFactory().get("/broken/")
    with received("got_request_exception") as calls:
        response = convert_exception_to_response(broken_view)(request)

    assert response.status_code == 500
    assert [argument_names(call) for call in calls] == [get("got_request_exception").arguments]
    assert calls[0]["sender"] is None


@pytest.mark.django_db
def test_connection_created_arguments():
    connection = connections.create_connection("default")
    try:
        with received("connection_created") as calls:
            connection.ensure_connection()
    finally:
        connection.close()

    assert [argument_names(call) for call in calls] == [get("connection_created").arguments]
    assert calls[0]["connection"] is connection


def test_setting_changed_arguments():
    with received("setting_changed") as calls, override_settings(SEARCH_REFERENCE_CHECK=1):
        pass

    assert [call["enter"] for call in calls] == [True, False]
    assert {argument_names(call) for call in calls} == {get("setting_changed").arguments}


def test_template_rendered_arguments():
    with received("template_rendered") as calls:
        Template("{{ name }}").render(Context({"name": "x"}))

    assert [argument_names(call) for call in calls] == [get("template_rendered").arguments]


# --- What does not send them --------------------------------------------


def signals_that_claim(claim: str) -> list[str]:
    return [signal.name for signal in SIGNALS if claim in signal.not_sent_by]


def test_the_claims_tried_below_are_made_for_both_save_signals():
    assert signals_that_claim(QUERYSET_UPDATE) == ["pre_save", "post_save"]
    assert signals_that_claim(BULK_CREATE) == ["pre_save", "post_save"]


@pytest.mark.parametrize("name", signals_that_claim(QUERYSET_UPDATE))
def test_queryset_update_and_bulk_update_do_not_send(sandbox, name):
    product = Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("2.50"))
    review = Review.objects.create(sandbox=sandbox, product=product, author="Ada", rating=4)

    with received(name) as calls:
        updated = Product.objects.filter(pk=product.pk).update(stock=7)
        review.rating = 5
        Review.objects.bulk_update([review], ["rating"])

    assert updated == 1
    assert Review.objects.get(pk=review.pk).rating == 5
    assert calls == []


@pytest.mark.parametrize("name", signals_that_claim(BULK_CREATE))
def test_bulk_create_does_not_send(sandbox, name):
    products = [Product(sandbox=sandbox, name=name, price=Decimal("1")) for name in "AB"]

    with received(name) as calls:
        created = Product.objects.bulk_create(products)

    assert len(created) == 2
    assert Product.objects.filter(sandbox=sandbox, name__in="AB").count() == 2
    assert calls == []


def test_the_page_shows_every_fact(client):
    from lessons.signal_reference import inline_code

    response = client.get("/reference/")

    assert response.status_code == 200
    html = response.content.decode()
    for signal in SIGNALS:
        assert f'id="{signal.name}"' in html
        assert signal.import_line in html
        for fact in (signal.sender, *signal.sent_by, *signal.not_sent_by):
            assert inline_code(fact) in html
        for argument in signal.arguments:
            assert f"<code>{argument}</code>" in html
        lesson = get_catalog().get(signal.lesson)
        anchor = f"#{signal.section}" if signal.section else ""
        assert f'<a href="/lessons/{lesson.slug}/{anchor}">{lesson.title}</a>' in html


def test_the_reference_is_linked_from_the_header_and_the_search_page(client):
    assert 'href="/reference/"' in client.get("/").content.decode()
    assert 'href="/reference/"' in client.get("/search/").content.decode()


def test_inline_code_escapes_and_marks_names():
    from lessons.signal_reference import inline_code, plain

    assert inline_code("`a<b>` & <i>") == "<code>a&lt;b&gt;</code> &amp; &lt;i&gt;"
    assert plain("`QuerySet.update()` and x") == "QuerySet.update() and x"
