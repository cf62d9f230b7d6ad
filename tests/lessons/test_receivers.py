"""Proves the claims of lesson 2, Receivers (lessons/content/receivers.md)."""

import re
import sys
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.contrib.auth.apps import AuthConfig
from django.contrib.auth.models import Group, Permission, User, update_last_login
from django.contrib.auth.signals import user_logged_in
from django.core import checks
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import Signal, receiver
from django.urls import reverse

from lessons.examples.receivers import (
    Inventory,
    audit_stock_event,
    log_stock_change,
    log_stock_change_without_kwargs,
    stock_changed,
    stock_ran_out,
    warn_low_stock,
)
from playground import inspector, scenarios
from playground.apps import PlaygroundConfig
from playground.models import Product
from tests.playground.logged import HTMX, panel_with_an_open_row, press

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "content" / "receivers.md"
EXAMPLES_LOGGER = "lessons.examples.receivers"


def collector():
    """A receiver that records every call, and the list it records into."""
    calls = []

    def collect(*args, **kwargs):
        calls.append((args, kwargs))

    return collect, calls


# -- The receiver signature ----------------------------------------------------


def test_receivers_get_keyword_arguments_only():
    collect, calls = collector()
    stock_changed.connect(collect, sender=Inventory, weak=False)
    try:
        Inventory().set_stock("mug", 3)
    finally:
        stock_changed.disconnect(collect, sender=Inventory)

    assert calls == [
        ((), {"signal": stock_changed, "sender": Inventory, "product": "mug", "quantity": 3})
    ]


def log_stock(sender, qty, **kwargs):
    """A receiver whose parameter name does not match what the sender passes."""


def test_a_parameter_name_that_does_not_match_fails_on_send():
    stock_changed.connect(log_stock, sender=Inventory)
    try:
        with pytest.raises(TypeError) as error:
            stock_changed.send(sender=Inventory, product="mug", quantity=3)
    finally:
        stock_changed.disconnect(log_stock, sender=Inventory)

    assert str(error.value) == "log_stock() missing 1 required positional argument: 'qty'"


@pytest.mark.django_db
def test_m2m_changed_passes_raw_in_django_6_1():
    collect, calls = collector()
    through = Group.permissions.through
    m2m_changed.connect(collect, sender=through, weak=False)
    try:
        group = Group.objects.create(name="editors")
        group.permissions.add(Permission.objects.get(codename="view_group"))
    finally:
        m2m_changed.disconnect(collect, sender=through)

    assert [sorted(kwargs) for _, kwargs in calls] == [
        ["action", "instance", "model", "pk_set", "raw", "reverse", "sender", "signal", "using"]
    ] * 2
    assert [kwargs["raw"] for _, kwargs in calls] == [False, False]


# -- Connecting, and the order receivers run in --------------------------------


def test_set_stock_runs_the_three_receivers_in_connection_order(example_log):
    responses = stock_changed.send(sender=Inventory, product="mug", quantity=3)

    assert responses == [
        (log_stock_change, None),
        (warn_low_stock, None),
        (audit_stock_event, None),
    ]
    assert example_log() == [
        "Stock of mug is now 3",
        "Low stock: mug has 3 left",
        "Audit: stock of mug changed",
    ]


def test_setting_stock_to_zero_sends_both_signals_in_turn(example_log):
    Inventory().set_stock("mug", 0)

    assert example_log() == [
        "Stock of mug is now 0",
        "Audit: stock of mug changed",
        "Audit: stock of mug ran out",
    ]


@pytest.mark.not_in_browser("async receivers run in another thread")
def test_async_receivers_run_after_the_sync_ones_whatever_the_connection_order():
    signal = Signal()
    calls = []

    async def connected_first(sender, **kwargs):
        calls.append("async, connected first")

    def connected_second(sender, **kwargs):
        calls.append("sync, connected second")

    signal.connect(connected_first, weak=False)
    signal.connect(connected_second, weak=False)
    try:
        signal.send(sender=None)
    finally:
        assert signal.disconnect(connected_first) is True
        assert signal.disconnect(connected_second) is True

    assert calls == ["sync, connected second", "async, connected first"]


def test_receiver_on_a_list_is_connected_to_each_signal():
    assert stock_ran_out.send(sender=Inventory, product="mug") == [(audit_stock_event, None)]


def test_receiver_decorator_returns_the_function_unchanged():
    signal = Signal()

    def handler(sender, **kwargs):
        return "handled"

    decorated = receiver(signal, weak=False)(handler)
    try:
        assert decorated is handler
        assert decorated(sender=None) == "handled"
    finally:
        assert signal.disconnect(handler) is True


def test_receiver_decorator_on_a_list_connects_to_every_signal():
    first, second = Signal(), Signal()

    def handler(sender, **kwargs):
        return "handled"

    receiver([first, second], weak=False)(handler)
    try:
        assert first.send(sender=None) == [(handler, "handled")]
        assert second.send(sender=None) == [(handler, "handled")]
    finally:
        assert first.disconnect(handler) is True
        assert second.disconnect(handler) is True


def test_connect_returns_none_and_a_second_connect_changes_nothing():
    collect, calls = collector()

    assert stock_ran_out.connect(collect, sender=Inventory, weak=False) is None
    try:
        assert stock_ran_out.connect(collect, sender=Inventory, weak=False) is None
        responses = stock_ran_out.send(sender=Inventory, product="mug")
    finally:
        stock_ran_out.disconnect(collect, sender=Inventory)

    assert responses == [(audit_stock_event, None), (collect, None)]
    assert len(calls) == 1


# -- Disconnecting, and what the calls return ----------------------------------


def test_disconnect_returns_true_then_false():
    collect, _ = collector()
    stock_changed.connect(collect, sender=Inventory, weak=False)

    assert stock_changed.disconnect(collect, sender=Inventory) is True
    assert stock_changed.disconnect(collect, sender=Inventory) is False


def test_disconnect_with_a_different_sender_returns_false_and_keeps_the_receiver():
    collect, calls = collector()
    stock_changed.connect(collect, sender=Inventory, weak=False)
    try:
        assert stock_changed.disconnect(collect) is False
        Inventory().set_stock("mug", 9)
    finally:
        assert stock_changed.disconnect(collect, sender=Inventory) is True

    assert len(calls) == 1


def test_lesson_mistake_disconnecting_warn_low_stock_without_sender_returns_false():
    assert stock_changed.disconnect(warn_low_stock) is False
    assert stock_changed.send(sender=Inventory, product="mug", quantity=3)[1] == (
        warn_low_stock,
        None,
    )


@pytest.mark.django_db
def test_model_signal_disconnect_with_a_string_sender_returns_none_yet_removes_it():
    collect, calls = collector()
    post_save.connect(collect, sender="auth.Group", weak=False)
    try:
        assert post_save.disconnect(collect, sender="auth.Group") is None
        Group.objects.create(name="editors")
    finally:
        # Nothing left to remove: the string disconnect above did remove it.
        assert post_save.disconnect(collect, sender=Group) is False

    assert calls == []


# -- Where to connect: AppConfig.ready() ---------------------------------------

SHOP_INIT = """\
# Ignored by Django: the only AppConfig subclass in apps.py is used instead.
default_app_config = "shopdemo.apps.DoesNotExist"
"""

SHOP_APPS = """\
from django.apps import AppConfig

READY_CALLS = []


class ShopDemoConfig(AppConfig):
    name = "shopdemo"

    def ready(self):
        READY_CALLS.append(self.apps.models_ready)
        from shopdemo import receivers  # noqa: F401
"""

SHOP_RECEIVERS = """\
from django.dispatch import receiver

from lessons.examples.receivers import Inventory, stock_ran_out


@receiver(stock_ran_out, sender=Inventory)
def reorder(sender, product, **kwargs):
    return f"reorder {product}"
"""


@pytest.fixture
def shopdemo(tmp_path, monkeypatch):
    """A throwaway app laid out like the lesson's shop: apps.py imports receivers.py."""
    package = tmp_path / "shopdemo"
    package.mkdir()
    (package / "__init__.py").write_text(SHOP_INIT)
    (package / "apps.py").write_text(SHOP_APPS)
    (package / "receivers.py").write_text(SHOP_RECEIVERS)
    monkeypatch.syspath_prepend(tmp_path)
    yield
    receivers_module = sys.modules.get("shopdemo.receivers")
    if receivers_module is not None:
        assert stock_ran_out.disconnect(receivers_module.reorder, sender=Inventory) is True
    for name in ["shopdemo.receivers", "shopdemo.apps", "shopdemo"]:
        sys.modules.pop(name, None)


def test_ready_runs_once_after_models_and_its_import_connects_the_receivers(shopdemo):
    assert stock_ran_out.send(sender=Inventory, product="mug") == [(audit_stock_event, None)]

    registry = Apps(installed_apps=["shopdemo"])

    from shopdemo.apps import READY_CALLS, ShopDemoConfig
    from shopdemo.receivers import reorder

    assert type(registry.get_app_config("shopdemo")) is ShopDemoConfig
    assert READY_CALLS == [True]
    assert stock_ran_out.send(sender=Inventory, product="mug") == [
        (audit_stock_event, None),
        (reorder, "reorder mug"),
    ]


def test_django_picks_the_apps_py_config_for_a_plain_app_name(settings):
    assert "django.contrib.auth" in settings.INSTALLED_APPS
    assert type(apps.get_app_config("auth")) is AuthConfig


@pytest.mark.django_db
def test_auth_ready_connected_update_last_login_to_user_logged_in():
    user = User.objects.create(username="anne")
    assert user.last_login is None

    responses = user_logged_in.send(sender=User, request=None, user=user)

    assert [pair for pair in responses if pair[0] is update_last_login] == [
        (update_last_login, None)
    ]
    user.refresh_from_db()
    assert user.last_login is not None


# -- The DEBUG-only **kwargs check ---------------------------------------------


def test_debug_true_refuses_a_receiver_without_kwargs(settings):
    settings.DEBUG = True

    message = "Signal receivers must accept keyword arguments (**kwargs)."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        stock_changed.connect(log_stock_change_without_kwargs, sender=Inventory)

    assert stock_changed.disconnect(log_stock_change_without_kwargs, sender=Inventory) is False


def test_debug_true_refuses_something_not_callable(settings):
    settings.DEBUG = True

    with pytest.raises(TypeError) as error:
        stock_changed.connect("not a function", sender=Inventory)

    assert str(error.value) == "Signal receivers must be callable."


def test_debug_false_accepts_it_and_the_first_send_fails(settings):
    settings.DEBUG = False

    assert stock_changed.connect(log_stock_change_without_kwargs, sender=Inventory) is None
    try:
        with pytest.raises(TypeError) as error:
            Inventory().set_stock("mug", 3)
    finally:
        assert stock_changed.disconnect(log_stock_change_without_kwargs, sender=Inventory)

    assert str(error.value) == (
        "log_stock_change_without_kwargs() got an unexpected keyword argument 'signal'"
    )


@pytest.mark.django_db  # model checks ask SQLite whether it supports JSONField
def test_no_system_check_reports_a_receiver_without_kwargs(settings):
    settings.DEBUG = False
    stock_changed.connect(log_stock_change_without_kwargs, sender=Inventory)
    try:
        messages = checks.run_checks()
    finally:
        stock_changed.disconnect(log_stock_change_without_kwargs, sender=Inventory)

    assert [m for m in messages if "kwargs" in m.msg or "receiver" in m.msg.lower()] == []


# -- The playground's layout and receivers --------------------------------------


def test_the_playground_is_laid_out_as_the_lesson_shows(settings):
    root = LESSON.parents[2] / "playground"

    assert "playground" in settings.INSTALLED_APPS
    assert type(apps.get_app_config("playground")) is PlaygroundConfig
    for name in ["apps.py", "models.py", "receivers.py", "signals.py"]:
        assert (root / name).is_file()


def test_log_price_is_connected_before_log_stock_and_only_log_stock_has_a_uid():
    listeners = [
        listener
        for listener in inspector.listeners("post_save").listeners
        if listener.name.startswith("playground.receivers.")
    ]

    assert [(li.name, li.sender, li.reference, li.dispatch_uid) for li in listeners[:3]] == [
        ("playground.receivers.report_product_saved", "Product", "weak", ""),
        ("playground.receivers.log_price", "Product", "weak", ""),
        ("playground.receivers.log_stock", "Product", "weak", "playground.log_stock"),
    ]


# -- Try it: the receivers scenario ---------------------------------------------

SLUG = "receivers"
PEN = {"name": "Pen", "price": Decimal("2.50"), "stock": 30, "image": None}


# What a view does for one button of this lesson's scenario.
click = partial(press, scenario=SLUG)


@pytest.mark.django_db
def test_try_it_the_panel_shows_the_buttons_and_fields_the_lesson_names(client):
    html = panel_with_an_open_row(client, SLUG, "Fountain pen")

    for text in [
        "<summary>Create a product</summary>",
        ">Name</label>",
        ">Price</label>",
        ">Stock</label>",
        ">Create product</button>",
        ">Edit <span",
        ">Save</button>",
        "<summary>Who is listening?</summary>",
    ]:
        assert text in html
    assert scenarios.get(SLUG).receivers == ("log_price", "log_stock")


def test_try_it_1_creating_runs_log_price_then_log_stock(sandbox):
    logged = click(sandbox, "product-create", PEN)

    assert logged.signals == [
        ("pre_init", "Product"),
        ("post_init", "Product"),
        ("pre_save", "Product"),
        ("post_save", "Product"),
    ]
    assert logged.runs("log_price", "log_stock") == [
        ("playground.receivers.log_price", "price is 2.50"),
        ("playground.receivers.log_stock", "stock is 30"),
    ]
    names = [name for name, _ in logged.receivers(4)]
    assert names.index("log_stock") == names.index("log_price") + 1


def test_try_it_2_editing_the_price_runs_both_again(sandbox):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")

    data = {"name": "Notebook", "price": Decimal("7.00"), "stock": 40}

    logged = click(sandbox, "edit", data, record=notebook)

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert logged.runs("log_price", "log_stock") == [
        ("playground.receivers.log_price", "price is 7.00"),
        ("playground.receivers.log_stock", "stock is 40"),
    ]


@pytest.mark.django_db
def test_try_it_3_who_is_listening_lists_the_recorder_first_then_the_receivers(client):
    panel = client.get(reverse("playground:listening", args=[SLUG]), **HTMX).content.decode()
    names = re.findall(r"<summary><code>([\w.]+)</code>", panel)

    assert names[:8] == ["playground.recording.observe"] * 5 + [
        "playground.receivers.report_product_saved",
        "playground.receivers.log_price",
        "playground.receivers.log_stock",
    ]
    assert "dispatch_uid=playground.log_stock" in panel


# -- The lesson's own text -----------------------------------------------------


def test_fenced_snippets_labelled_with_a_file_match_that_file():
    text = LESSON.read_text(encoding="utf-8")
    blocks = re.findall(
        r"```python\n# ((?:lessons/examples|playground)/\S+\.py)\n(.*?)```", text, re.DOTALL
    )
    root = LESSON.parents[2]

    assert [name for name, _ in blocks] == [
        "lessons/examples/receivers.py",
        "lessons/examples/receivers.py",
        "playground/receivers.py",
    ]
    for name, body in blocks:
        assert body in (root / name).read_text(encoding="utf-8")


def test_the_lesson_has_the_required_sections_in_order():
    headings = re.findall(r"^## (.+)$", LESSON.read_text(encoding="utf-8"), re.MULTILINE)

    assert headings[0] == "What you will learn"
    assert headings[-4:] == [
        "Try it",
        "Common mistakes",
        "Summary",
        "Run the tests for this lesson",
    ]
