"""Proves the claims of lesson 12, Async signals (lessons/content/async-signals.md).

Coroutines are driven with ``asyncio.run`` (a fresh event loop in this thread)
or asgiref's ``async_to_sync``; pytest-asyncio is not used.
"""

import asyncio
import logging
import threading

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import SynchronousOnlyOperation
from django.dispatch import Signal

from lessons.examples.async_signals import (
    Payments,
    email_receipt,
    mark_order_paid,
    order_paid,
    receipt_id,
)
from playground import inspector
from playground.models import LogEntry, Product
from tests.playground.logged import sandbox_of

# The lesson is about threads and event loops; the browser's Python has no
# threads and runs inside the page's own event loop (no asyncio.run()).
pytestmark = pytest.mark.not_in_browser("needs threads and its own event loop")

EXAMPLES_LOGGER = "lessons.examples.async_signals"


class Boom(Exception):
    pass


@pytest.fixture
def signal():
    """A fresh signal; its receivers die with it, so nothing can leak."""
    return Signal()


# -- Sync and async receivers on one signal --------------------------------------


def test_email_receipt_is_connected_before_mark_order_paid():
    connected = [ref() for _key, ref, _sender, _is_async in order_paid.receivers]
    assert connected == [email_receipt, mark_order_paid]


def test_asend_runs_the_sync_receiver_first_although_connected_second(example_log):
    responses = asyncio.run(Payments().acapture(7))

    assert responses == [(mark_order_paid, "marked paid"), (email_receipt, "receipt e-mailed")]
    assert example_log() == ["Order 7 marked paid", "Receipt e-mailed for order 7"]


def test_send_from_sync_code_also_runs_the_async_receiver_after_the_sync_one(example_log):
    responses = Payments().capture(7)

    assert responses == [(mark_order_paid, "marked paid"), (email_receipt, "receipt e-mailed")]
    assert example_log() == ["Order 7 marked paid", "Receipt e-mailed for order 7"]


def test_asend_finishes_the_sync_receivers_before_any_async_one_starts(signal):
    events = []

    async def slow_async(**kwargs):
        events.append("async start")
        await asyncio.sleep(0)
        events.append("async end")

    def sync_one(**kwargs):
        events.append("sync one")

    def sync_two(**kwargs):
        events.append("sync two")

    signal.connect(slow_async, weak=False)
    signal.connect(sync_one, weak=False)
    signal.connect(sync_two, weak=False)

    asyncio.run(signal.asend(sender=None))

    assert events == ["sync one", "sync two", "async start", "async end"]


def test_asend_runs_sync_receivers_off_the_event_loop_thread(signal):
    threads = {}

    def sync_receiver(**kwargs):
        threads["receiver"] = threading.get_ident()

    signal.connect(sync_receiver, weak=False)

    async def main():
        threads["loop"] = threading.get_ident()
        await signal.asend(sender=None)

    asyncio.run(main())

    assert threads["receiver"] != threads["loop"]


def test_send_runs_sync_receivers_in_the_callers_thread(signal):
    threads = []
    signal.connect(lambda **kwargs: threads.append(threading.get_ident()), weak=False)

    signal.send(sender=None)

    assert threads == [threading.get_ident()]


def test_async_receivers_run_concurrently_under_asend(signal):
    events = []

    def make(name):
        async def receiver(**kwargs):
            events.append(f"{name} start")
            await asyncio.sleep(0)
            events.append(f"{name} end")

        return receiver

    first, second = make("a"), make("b")
    signal.connect(first, weak=False)
    signal.connect(second, weak=False)

    asyncio.run(signal.asend(sender=None))

    assert events == ["a start", "b start", "a end", "b end"]


# -- send() inside a running event loop --------------------------------------------


def test_send_inside_a_running_loop_with_an_async_receiver_raises_runtime_error():
    async def view():
        Payments().capture(7)

    with pytest.raises(RuntimeError, match="You cannot use AsyncToSync in the same thread"):
        asyncio.run(view())


def test_send_robust_does_not_catch_that_runtime_error():
    async def view():
        order_paid.send_robust(sender=Payments, order_id=7)

    with pytest.raises(RuntimeError, match="You cannot use AsyncToSync in the same thread"):
        asyncio.run(view())


def test_send_inside_a_running_loop_runs_the_sync_receivers_before_it_raises(example_log):
    async def view():
        Payments().capture(7)

    with pytest.raises(RuntimeError, match="You cannot use AsyncToSync in the same thread"):
        asyncio.run(view())

    assert example_log() == ["Order 7 marked paid"]


def test_send_inside_a_running_loop_is_fine_with_sync_receivers_only(signal):
    signal.connect(lambda **kwargs: "sync", weak=False)

    async def view():
        return signal.send(sender=None)

    assert [response for _, response in asyncio.run(view())] == ["sync"]


# -- Context variables ----------------------------------------------------------------


def test_a_context_variable_set_by_an_async_receiver_reaches_the_asend_caller():
    async def view():
        receipt_id.set(None)
        await Payments().acapture(7)
        return receipt_id.get()

    assert asyncio.run(view()) == "receipt-7"


def test_receivers_see_the_callers_context_variables(signal):
    seen = []

    def sync_receiver(**kwargs):
        seen.append(("sync", receipt_id.get()))

    async def async_receiver(**kwargs):
        seen.append(("async", receipt_id.get()))

    signal.connect(sync_receiver, weak=False)
    signal.connect(async_receiver, weak=False)

    async def view():
        receipt_id.set("set by the caller")
        await signal.asend(sender=None)

    asyncio.run(view())

    assert seen == [("sync", "set by the caller"), ("async", "set by the caller")]


# -- Errors -----------------------------------------------------------------------


def test_one_failing_async_receiver_raises_its_own_exception(signal):
    async def failing(**kwargs):
        raise Boom("one")

    async def fine(**kwargs):
        return "fine"

    signal.connect(failing, weak=False)
    signal.connect(fine, weak=False)

    with pytest.raises(Boom, match=r"^one$"):
        asyncio.run(signal.asend(sender=None))


def test_two_failing_async_receivers_raise_an_exception_group(signal):
    async def first(**kwargs):
        raise Boom("one")

    async def second(**kwargs):
        raise Boom("two")

    signal.connect(first, weak=False)
    signal.connect(second, weak=False)

    with pytest.raises(ExceptionGroup) as caught:
        asyncio.run(signal.asend(sender=None))

    assert sorted(str(error) for error in caught.value.exceptions) == ["one", "two"]


def test_a_failing_sync_receiver_stops_asend_before_any_async_receiver(signal):
    calls = []

    async def async_receiver(**kwargs):
        calls.append("async")

    def failing_sync(**kwargs):
        raise Boom("sync")

    signal.connect(async_receiver, weak=False)
    signal.connect(failing_sync, weak=False)

    with pytest.raises(Boom, match=r"^sync$"):
        asyncio.run(signal.asend(sender=None))

    assert calls == []


def test_asend_robust_returns_the_exceptions_in_place_of_responses(signal, caplog):
    async def first(**kwargs):
        raise Boom("one")

    def sync_receiver(**kwargs):
        return "sync"

    async def second(**kwargs):
        return "async"

    for receiver in (first, sync_receiver, second):
        signal.connect(receiver, weak=False)

    with caplog.at_level(logging.CRITICAL, logger="django.dispatch"):
        responses = asyncio.run(signal.asend_robust(sender=None))

    assert [receiver for receiver, _ in responses] == [sync_receiver, first, second]
    assert responses[0][1] == "sync"
    assert isinstance(responses[1][1], Boom)
    assert responses[2][1] == "async"


# -- The ORM in an async receiver --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_sync_orm_inside_an_async_receiver_raises(signal, monkeypatch):
    # The test settings allow unsafe calls for the browser tests; undo that here.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)

    async def count_products(**kwargs):
        return Product.objects.count()

    signal.connect(count_products, weak=False)

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(signal.asend(sender=None))


@pytest.mark.django_db(transaction=True)
def test_the_async_orm_inside_an_async_receiver_works(signal, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)

    async def count_products(**kwargs):
        return await Product.objects.acount()

    signal.connect(count_products, weak=False)

    assert async_to_sync(signal.asend)(sender=None) == [(count_products, 0)]


# -- Try it: the async-signals scenario ------------------------------------------------


RECEIVERS = "playground.receivers."


def runs(entry):
    [event] = entry.events
    return (
        event["signal"],
        event["sender"],
        event["arguments"],
        [(run["name"].removeprefix(RECEIVERS), run["result"]) for run in event["receivers"]],
    )


@pytest.mark.django_db
def test_try_it_view_async_then_view(client):
    assert client.get("/playground/async-signals/").status_code == 200
    sandbox = sandbox_of(client.session, "async-signals")
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    expected_runs = [
        ("count_view", "counted one view"),
        ("warm_recommendations", "warmed recommendations for 'Notebook'"),
    ]

    # Step 1: "View (async)".
    response = client.post(f"/playground/async-signals/product/{notebook.pk}/view-async/")
    assert response.status_code == 302  # a plain form post redirects back to the page
    entry = LogEntry.objects.filter(sandbox=sandbox).latest("pk")
    assert entry.label == (
        "Viewed Product 'Notebook' from an async view: await product_viewed.asend()"
    )
    assert runs(entry) == (
        "product_viewed",
        "Product",
        [["product", "<Product: Notebook>"]],
        expected_runs,
    )
    notebook.refresh_from_db()
    assert notebook.views == 1

    # Step 2: "View" (the sync view, send()).
    response = client.post(f"/playground/async-signals/product/{notebook.pk}/view/")
    assert response.status_code == 302
    entry = LogEntry.objects.filter(sandbox=sandbox).latest("pk")
    assert entry.label == "Viewed Product 'Notebook': product_viewed.send()"
    assert runs(entry)[3] == expected_runs
    notebook.refresh_from_db()
    assert notebook.views == 2


def test_try_it_who_is_listening_marks_warm_recommendations_async():
    group = inspector.listeners("product_viewed")

    flags = {listener.name: listener.is_async for listener in group.listeners}
    assert flags[RECEIVERS + "warm_recommendations"] is True
    assert flags[RECEIVERS + "count_view"] is False


def test_asend_robust_returns_a_sync_receivers_exception_too(signal, caplog):
    def failing_sync(**kwargs):
        raise Boom("sync")

    async def async_receiver(**kwargs):
        return "async"

    signal.connect(failing_sync, weak=False)
    signal.connect(async_receiver, weak=False)

    with caplog.at_level(logging.CRITICAL, logger="django.dispatch"):
        responses = asyncio.run(signal.asend_robust(sender=None))

    assert isinstance(responses[0][1], Boom)
    assert responses[1] == (async_receiver, "async")


def test_except_star_catches_each_error_of_the_group(signal):
    async def first(**kwargs):
        raise Boom("one")

    async def second(**kwargs):
        raise Boom("two")

    signal.connect(first, weak=False)
    signal.connect(second, weak=False)
    caught = []

    try:
        asyncio.run(signal.asend(sender=None))
    except* Boom as group:
        caught = sorted(str(error) for error in group.exceptions)

    assert caught == ["one", "two"]
    assert issubclass(ExceptionGroup, Exception)
