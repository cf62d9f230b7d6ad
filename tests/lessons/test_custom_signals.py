"""Proves the claims of lesson 9, Custom signals (lessons/content/custom-signals.md).

Django's claims about ``Signal``, ``send()`` and ``send_robust()`` are proved
with signals defined in the tests or in lessons/examples/custom_signals.py,
so the playground's recorder (connected first to the playground's own
signals) is not part of the results. "Try it" claims run the playground's
services through ``perform`` and read the stored log.
"""

import logging
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.dispatch import Signal

from lessons.examples.custom_signals import (
    Checkout,
    courier,
    freight,
    quote_requested,
    standard_post,
)
from playground import inspector, receivers, recording, services
from playground.models import Product
from playground.performing import perform
from playground.recording import live_receivers
from playground.sandboxes import create_sandbox
from playground.signals import product_shared, product_viewed
from tests.playground.logged import last_action

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "lessons" / "content" / "custom-signals.md"
FAILURE = "the partner feed is unreachable (this receiver always fails)"


@pytest.fixture
def dispatch_errors(caplog):
    """The ERROR records Django writes on the django.dispatch logger."""
    caplog.set_level(logging.ERROR, logger="django.dispatch")

    def messages():
        return [
            (r.levelname, r.getMessage()) for r in caplog.records if r.name == "django.dispatch"
        ]

    return messages


class Shop:
    """A stand-in sender class for the tests' own signals."""


# -- Defining a signal -----------------------------------------------------------


def test_signal_takes_no_providing_args():
    with pytest.raises(TypeError, match="providing_args"):
        Signal(providing_args=["product"])


def test_a_new_signal_with_no_receivers_returns_an_empty_list():
    assert Signal().send(sender=Shop, product="mug") == []


def test_the_playground_signals_are_plain_signals():
    assert type(product_viewed) is Signal
    assert type(product_shared) is Signal


# -- Sending ---------------------------------------------------------------------


def test_receivers_get_signal_sender_and_the_keyword_arguments(connect):
    signal = Signal()
    received = []
    connect(signal, lambda **kwargs: received.append(kwargs))

    signal.send(sender=Shop, product="mug")

    assert received == [{"signal": signal, "sender": Shop, "product": "mug"}]


def test_send_returns_receiver_response_pairs_in_connection_order(connect):
    signal = Signal()

    def first(sender, **kwargs):
        return "first"

    def second(sender, **kwargs):
        return None

    def third(sender, **kwargs):
        return 3

    for func in (first, second, third):
        connect(signal, func)

    assert signal.send(sender=Shop) == [(first, "first"), (second, None), (third, 3)]


def test_send_returns_an_empty_list_when_nobody_listens_for_that_sender(connect):
    signal = Signal()
    connect(signal, lambda **kwargs: "only for Shop", sender=Shop)

    assert signal.send(sender=Product) == []


def test_only_the_sender_may_be_positional():
    with pytest.raises(TypeError):
        product_viewed.send(Product, object())


def test_the_checkout_example_returns_every_providers_answer():
    assert quote_requested.send(sender=Checkout, weight_kg=1) == [
        (standard_post, ("Standard post", Decimal("4.90"))),
        (courier, ("Courier", Decimal("12.00"))),
        (freight, None),
    ]


def test_quotes_keeps_the_real_quotes_cheapest_first():
    assert Checkout().quotes(1) == [
        ("Standard post", Decimal("4.90")),
        ("Courier", Decimal("12.00")),
    ]


def test_courier_gives_no_quote_above_thirty_kg(dispatch_errors):
    # Above 20 kg freight fails too, so only the robust version answers.
    assert Checkout().quotes_robust(35) == [("Standard post", Decimal("9.90"))]


def test_playground_send_results_start_with_the_recorder(db):
    sandbox = create_sandbox()
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")

    result = services.product_share(product=notebook, robust=True)

    assert [receiver for receiver, _ in result] == [
        recording.observe,
        receivers.record_share,
        receivers.post_to_partner_feed,
        receivers.thank_sharer,
    ]
    assert result[0] == (recording.observe, None)


# -- send() against send_robust() -------------------------------------------------


@pytest.fixture
def failing_signal(connect):
    """A signal with three receivers; the middle one raises ConnectionError."""
    signal = Signal()
    calls = []

    def record_share(sender, **kwargs):
        calls.append("record_share")
        return "recorded"

    def post_to_partner_feed(sender, **kwargs):
        calls.append("post_to_partner_feed")
        raise ConnectionError(FAILURE)

    def thank_sharer(sender, **kwargs):
        calls.append("thank_sharer")
        return "thanked"

    for func in (record_share, post_to_partner_feed, thank_sharer):
        connect(signal, func)
    return signal, calls, (record_share, post_to_partner_feed, thank_sharer)


def test_send_propagates_the_first_exception_and_skips_later_receivers(failing_signal):
    signal, calls, _ = failing_signal

    with pytest.raises(ConnectionError, match=re.escape(FAILURE)):
        signal.send(sender=Shop)

    assert calls == ["record_share", "post_to_partner_feed"]


def test_send_robust_runs_everyone_and_returns_the_exception(failing_signal, dispatch_errors):
    signal, calls, (record_share, post_to_partner_feed, thank_sharer) = failing_signal

    result = signal.send_robust(sender=Shop)

    assert calls == ["record_share", "post_to_partner_feed", "thank_sharer"]
    assert [receiver for receiver, _ in result] == [
        record_share,
        post_to_partner_feed,
        thank_sharer,
    ]
    assert result[0][1] == "recorded"
    assert result[2][1] == "thanked"
    error = result[1][1]
    assert type(error) is ConnectionError
    assert str(error) == FAILURE
    assert error.__traceback__ is not None
    assert dispatch_errors() == [
        (
            "ERROR",
            "Error calling failing_signal.<locals>.post_to_partner_feed in "
            f"Signal.send_robust() ({FAILURE})",
        )
    ]


def test_send_robust_does_not_catch_keyboard_interrupt(connect):
    signal = Signal()
    calls = []

    def interrupted(sender, **kwargs):
        raise KeyboardInterrupt

    connect(signal, interrupted)
    connect(signal, lambda **kwargs: calls.append("later"))

    with pytest.raises(KeyboardInterrupt):
        signal.send_robust(sender=Shop)

    assert calls == []


def test_checkout_quotes_fails_on_freight_but_quotes_robust_does_not(dispatch_errors):
    with pytest.raises(ConnectionError, match="the freight price service did not answer"):
        Checkout().quotes(25)
    assert dispatch_errors() == []

    assert Checkout().quotes_robust(25) == [
        ("Standard post", Decimal("9.90")),
        ("Courier", Decimal("12.00")),
    ]
    assert dispatch_errors() == [
        (
            "ERROR",
            "Error calling freight in Signal.send_robust() "
            "(the freight price service did not answer)",
        )
    ]


# -- Where the code goes ------------------------------------------------------------


def test_playground_signals_module_imports_only_django_dispatch():
    source = (ROOT / "playground" / "signals.py").read_text(encoding="utf-8")

    assert re.findall(r"^(?:from|import) .*$", source, re.MULTILINE) == [
        "from django.dispatch import Signal"
    ]


def test_share_receivers_are_connected_in_the_order_the_lesson_lists():
    sync_receivers, async_receivers = live_receivers(product_shared, Product)
    shared = sync_receivers + async_receivers

    assert shared == [
        recording.observe,
        receivers.record_share,
        receivers.post_to_partner_feed,
        receivers.thank_sharer,
    ]


# -- Try it ---------------------------------------------------------------------------


@pytest.fixture
def notebook(db):
    sandbox = create_sandbox()
    return sandbox, Product.objects.get(sandbox=sandbox, name="Notebook")


def run(sandbox, label, call):
    outcome = perform(sandbox, label, call, scenario="custom-signals")
    logged = last_action(sandbox)
    logged.outcome = outcome
    return logged


@pytest.mark.not_in_browser("the view is async: it needs its own event loop")
def test_try_it_view(notebook):
    sandbox, product = notebook

    logged = run(
        sandbox,
        "Viewed Product 'Notebook': product_viewed.send()",
        lambda: services.product_view(product=product),
    )

    assert logged.signals == [("product_viewed", "Product")]
    assert logged.arguments(1) == [["product", "<Product: Notebook>"]]
    assert logged.receivers(1) == [
        ("count_view", "counted one view"),
        ("warm_recommendations", "warmed recommendations for 'Notebook'"),
    ]
    assert Product.objects.get(pk=product.pk).views == 1


def test_try_it_share_with_send(notebook):
    sandbox, product = notebook

    logged = run(
        sandbox,
        "Shared Product 'Notebook': product_shared.send()",
        lambda: services.product_share(product=product, robust=False),
    )

    assert logged.signals == [("product_shared", "Product")]
    assert logged.arguments(1) == [["product", "<Product: Notebook>"]]
    assert logged.receivers(1) == [
        ("record_share", "recorded a share of 'Notebook'"),
        ("post_to_partner_feed", ""),
    ]
    assert logged.errors() == [
        ("playground.receivers.post_to_partner_feed", f"ConnectionError: {FAILURE}")
    ]
    assert logged.entry.error == f"ConnectionError: {FAILURE}"
    assert logged.outcome.error == (
        f"A receiver raised ConnectionError: {FAILURE}. The log shows every signal up to the error."
    )


def test_try_it_share_with_send_robust(notebook, dispatch_errors):
    sandbox, product = notebook

    logged = run(
        sandbox,
        "Shared Product 'Notebook': product_shared.send_robust()",
        lambda: services.product_share(product=product, robust=True),
    )

    assert logged.signals == [("product_shared", "Product")]
    assert logged.receivers(1) == [
        ("record_share", "recorded a share of 'Notebook'"),
        ("post_to_partner_feed", ""),
        ("thank_sharer", "said thank you"),
    ]
    assert logged.errors() == [
        ("playground.receivers.post_to_partner_feed", f"ConnectionError: {FAILURE}")
    ]
    assert logged.entry.error == ""
    assert logged.outcome.ok
    assert dispatch_errors() == [
        ("ERROR", f"Error calling post_to_partner_feed in Signal.send_robust() ({FAILURE})")
    ]


def test_try_it_who_is_listening_lists_the_recorder_first():
    listed = inspector.listeners("product_shared").listeners

    assert [(listener.name, listener.is_recorder) for listener in listed] == [
        ("playground.recording.observe", True),
        ("playground.receivers.record_share", False),
        ("playground.receivers.post_to_partner_feed", False),
        ("playground.receivers.thank_sharer", False),
    ]


@pytest.mark.django_db
def test_try_it_buttons_exist_with_the_names_the_lesson_uses(client):
    panel = client.get("/playground/custom-signals/panel/").content.decode()
    text = LESSON.read_text(encoding="utf-8")

    for button in ("View", "Share: send()", "Share: send_robust()"):
        assert f">{button} <span" in panel
        assert f"**{button}**" in text
    assert "<summary>Who is listening?</summary>" in panel
    assert "**Who is listening?**" in text


# -- The lesson's own text ---------------------------------------------------------------


def test_fenced_snippets_labelled_with_a_file_match_that_file():
    text = LESSON.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# (\S+\.py)\n(.*?)```", text, re.DOTALL)

    assert [name for name, _ in blocks] == [
        "playground/signals.py",
        "lessons/examples/custom_signals.py",
    ]
    for name, body in blocks:
        assert body in (ROOT / name).read_text(encoding="utf-8")
