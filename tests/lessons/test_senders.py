"""Proves the claims of lesson 3, Senders (lessons/content/senders.md)."""

import gc
import importlib
import re
import sys
import weakref
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.auth.signals import user_logged_in
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import checks
from django.db import connection, models
from django.db.models.signals import post_delete, post_init, post_save, pre_delete, pre_save
from django.dispatch import Signal, receiver
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils import inspect as django_inspect
from django.utils import timezone

from lessons.examples.senders import (
    DropShipper,
    Warehouse,
    connect_shipping_alert,
    connect_shipping_alert_strongly,
    log_shipment,
    order_shipped,
    report_group_saved,
    update_shelf_count,
)
from playground import inspector, scenarios
from playground.models import Product, Review
from playground.receivers import before_delete
from playground.recording import live_receivers
from tests.playground.logged import HTMX, press

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "content" / "senders.md"
EXAMPLES_LOGGER = "lessons.examples.senders"
SHELF_UID = "lessons.examples.senders.update_shelf_count"


@pytest.fixture
def connect():
    """Connect receivers for one test and always disconnect them afterwards."""
    connected = []

    def _connect(signal, func, sender=None, **kwargs):
        signal.connect(func, sender=sender, weak=False, **kwargs)
        connected.append((signal, func, sender))
        return func

    yield _connect
    for signal, func, sender in reversed(connected):
        assert signal.disconnect(func, sender=sender) is True


@pytest.fixture(autouse=True)
def fresh_inspect_cache():
    """Start and end each test without functions held by django.utils.inspect's cache."""
    django_inspect._get_func_parameters.cache_clear()
    yield
    django_inspect._get_func_parameters.cache_clear()
    gc.collect()


def collector():
    """A receiver that records (signal, sender) pairs, and the list it records into."""
    calls = []

    def collect(signal, sender, **kwargs):
        calls.append((signal, sender))

    return collect, calls


# -- Filtering by sender -------------------------------------------------------


def test_warehouse_and_drop_shipper_reach_the_receivers_the_lesson_shows(example_log):
    Warehouse().ship(1)
    DropShipper().ship(2)

    assert example_log() == [
        "Shelf count updated for order 1",
        "Order 1 shipped by Warehouse",
        "Order 2 shipped by DropShipper",
    ]


def test_send_results_per_sender():
    assert order_shipped.send(sender=Warehouse, order_id=1) == [
        (update_shelf_count, None),
        (log_shipment, None),
    ]
    assert order_shipped.send(sender=DropShipper, order_id=2) == [(log_shipment, None)]


def test_sender_matching_is_by_identity_not_subclass():
    class RegionalWarehouse(Warehouse):
        pass

    assert order_shipped.send(sender=RegionalWarehouse, order_id=1) == [(log_shipment, None)]


def test_sender_matching_is_by_identity_not_equality(connect):
    signal = Signal()
    collect, calls = collector()
    label = "auth.Group"
    equal_label = "".join(["auth.", "Group"])
    assert equal_label == label
    assert equal_label is not label
    connect(signal, collect, sender=label)

    signal.send(sender=equal_label)
    signal.send(sender=label)

    assert calls == [(signal, label)]


@pytest.mark.django_db
def test_a_model_receiver_never_runs_for_another_models_saves(example_log, connect):
    connect(post_save, report_group_saved, sender=Group)

    User.objects.create(username="anne")
    Group.objects.create(name="editors")

    assert example_log() == ["Group 'editors' created"]


@pytest.mark.django_db
def test_catch_all_post_save_runs_for_djangos_own_models_too(connect):
    collect, calls = collector()
    connect(post_save, collect)

    Group.objects.create(name="editors")
    ContentType.objects.create(app_label="shop", model="product")
    Session.objects.create(session_key="k" * 32, session_data="", expire_date=timezone.now())

    assert calls == [(post_save, Group), (post_save, ContentType), (post_save, Session)]


# -- Lazy string senders -------------------------------------------------------


@pytest.mark.django_db
def test_lazy_string_sender_resolves_to_the_loaded_model(example_log):
    post_save.connect(report_group_saved, sender="auth.Group")
    try:
        Group.objects.create(name="editors")
    finally:
        # Disconnecting with the class proves the string was resolved to it.
        assert post_save.disconnect(report_group_saved, sender=Group) is True

    assert example_log() == ["Group 'editors' created"]


def test_lazy_string_sender_resolves_once_the_model_is_defined():
    collect, calls = collector()

    with isolate_apps("lessons") as isolated:
        post_init.connect(collect, sender="lessons.Coupon", weak=False, apps=isolated)

        class Coupon(models.Model):  # noqa: DJ008 (never displayed)
            class Meta:
                app_label = "lessons"

        try:
            Coupon()
        finally:
            assert post_init.disconnect(collect, sender=Coupon) is True

    assert calls == [(post_init, Coupon)]


def test_malformed_lazy_string_raises_value_error():
    message = (
        "Invalid model reference 'Product'. String model references must be of the form "
        "'app_label.ModelName'."
    )

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        post_save.connect(report_group_saved, sender="Product")


@pytest.mark.parametrize(
    ("sender", "problem"),
    [
        ("shop.Product", "app 'shop' isn't installed"),
        ("auth.Team", "app 'auth' doesn't provide model 'team'"),
    ],
)
@pytest.mark.django_db  # model checks ask SQLite whether it supports JSONField
def test_unresolvable_lazy_string_fails_only_in_the_system_check(sender, problem):
    model_key = tuple(sender.lower().split("."))

    assert post_save.connect(report_group_saved, sender=sender) is None
    try:
        errors = [m for m in checks.run_checks() if m.id == "signals.E001"]
    finally:
        # The waiting receiver lives in the app registry; remove it again.
        del apps._pending_operations[model_key]

    assert [error.msg for error in errors] == [
        "The function 'report_group_saved' was connected to the 'post_save' signal with a "
        f"lazy reference to the sender '{'.'.join(model_key)}', but {problem}."
    ]


def test_plain_signal_does_not_resolve_a_string_sender(connect):
    signal = Signal()
    collect, calls = collector()
    connect(signal, collect, sender="auth.Group")

    assert signal.send(sender=Group) == []
    assert calls == []


# -- Proxy and multi-table models ----------------------------------------------


@pytest.fixture
def group_proxy():
    with isolate_apps("lessons"):

        class EditorialGroup(Group):
            class Meta:
                app_label = "lessons"
                proxy = True

        yield EditorialGroup


@pytest.mark.django_db
def test_saving_a_proxy_sends_with_the_proxy_class_as_sender(group_proxy, connect):
    for_group, group_calls = collector()
    for_proxy, proxy_calls = collector()
    connect(post_save, for_group, sender=Group)
    connect(post_save, for_proxy, sender=group_proxy)

    group_proxy.objects.create(name="editors")

    assert group_calls == []
    assert proxy_calls == [(post_save, group_proxy)]
    # Same table as its parent: the row is a Group too.
    assert list(Group.objects.values_list("name", flat=True)) == ["editors"]


@pytest.mark.django_db
def test_stacked_receiver_decorators_cover_parent_and_proxy(group_proxy):
    calls = []

    @receiver(post_save, sender=Group, weak=False)
    @receiver(post_save, sender=group_proxy, weak=False)
    def report(sender, instance, **kwargs):
        calls.append((sender, instance.name))

    try:
        Group.objects.create(name="writers")
        group_proxy.objects.create(name="editors")
    finally:
        assert post_save.disconnect(report, sender=Group) is True
        assert post_save.disconnect(report, sender=group_proxy) is True

    assert calls == [(Group, "writers"), (group_proxy, "editors")]


@pytest.fixture
def place_and_restaurant():
    """A multi-table parent and child with real tables, dropped afterwards."""
    with isolate_apps("lessons"):

        class Place(models.Model):  # noqa: DJ008 (never displayed)
            name = models.CharField(max_length=50)

            class Meta:
                app_label = "lessons"

        class Restaurant(Place):  # noqa: DJ008 (never displayed)
            serves_pizza = models.BooleanField(default=False)

            class Meta:
                app_label = "lessons"

        with connection.schema_editor() as editor:
            editor.create_model(Place)
            editor.create_model(Restaurant)
        try:
            yield Place, Restaurant
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Restaurant)
                editor.delete_model(Place)


@pytest.mark.django_db(transaction=True)
def test_multi_table_child_sends_one_save_pair_as_itself(place_and_restaurant, connect):
    place, restaurant = place_and_restaurant
    for_place, place_calls = collector()
    everything, all_calls = collector()
    connect(post_save, for_place, sender=place)
    connect(pre_save, everything)
    connect(post_save, everything)

    restaurant.objects.create(name="Luigi's")

    assert place_calls == []
    assert all_calls == [(pre_save, restaurant), (post_save, restaurant)]
    assert list(place.objects.values_list("name", flat=True)) == ["Luigi's"]


@pytest.mark.django_db(transaction=True)
def test_deleting_a_multi_table_child_sends_delete_signals_for_child_then_parent(
    place_and_restaurant, connect
):
    place, restaurant = place_and_restaurant
    events = []

    def record(signal, sender, instance, **kwargs):
        events.append((signal, sender, type(instance)))

    connect(pre_delete, record)
    connect(post_delete, record)
    luigis = restaurant.objects.create(name="Luigi's")

    luigis.delete()

    assert events == [
        (pre_delete, restaurant, restaurant),
        (pre_delete, place, place),
        (post_delete, restaurant, restaurant),
        (post_delete, place, place),
    ]


# -- dispatch_uid and double registration --------------------------------------


def test_connecting_the_same_function_twice_stores_it_once():
    before = len(order_shipped.receivers)

    order_shipped.connect(log_shipment)

    assert len(order_shipped.receivers) == before
    assert order_shipped.send(sender=DropShipper, order_id=1) == [(log_shipment, None)]


RECEIVERS_MODULE = """\
from django.dispatch import receiver

from lessons.examples.senders import Warehouse, order_shipped


@receiver(order_shipped, sender=Warehouse)
def without_uid(sender, **kwargs):
    return "without uid"


@receiver(order_shipped, sender=Warehouse, dispatch_uid="shopdouble.receivers.with_uid")
def with_uid(sender, **kwargs):
    return "with uid"
"""


@pytest.fixture
def imported_twice(tmp_path, monkeypatch):
    """One receivers file, imported as ``shopdouble.receivers`` and as ``receivers``."""
    package = tmp_path / "shopdouble"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "receivers.py").write_text(RECEIVERS_MODULE)
    monkeypatch.syspath_prepend(tmp_path)
    monkeypatch.syspath_prepend(package)
    names = ["shopdouble.receivers", "receivers"]
    for name in names:
        assert name not in sys.modules
    try:
        yield [importlib.import_module(name) for name in names]
    finally:
        for name in names:
            module = sys.modules.pop(name, None)
            if module is not None:
                order_shipped.disconnect(module.without_uid, sender=Warehouse)
        order_shipped.disconnect(sender=Warehouse, dispatch_uid="shopdouble.receivers.with_uid")
        sys.modules.pop("shopdouble", None)


def test_module_imported_twice_registers_twice_unless_it_has_a_dispatch_uid(imported_twice):
    first, second = imported_twice

    assert first.without_uid is not second.without_uid
    assert order_shipped.send(sender=Warehouse, order_id=1) == [
        (update_shelf_count, None),
        (log_shipment, None),
        (first.without_uid, "without uid"),
        (first.with_uid, "with uid"),
        (second.without_uid, "without uid"),
    ]


def test_a_second_function_with_the_same_uid_is_ignored():
    def impostor(sender, **kwargs):
        return "impostor"

    order_shipped.connect(impostor, sender=Warehouse, weak=False, dispatch_uid=SHELF_UID)

    assert order_shipped.send(sender=Warehouse, order_id=1) == [
        (update_shelf_count, None),
        (log_shipment, None),
    ]


def test_the_same_uid_with_two_senders_makes_two_registrations():
    signal = Signal()

    def shipped(sender, **kwargs):
        return sender.__name__

    signal.connect(shipped, sender=Warehouse, weak=False, dispatch_uid="shipped")
    signal.connect(shipped, sender=DropShipper, weak=False, dispatch_uid="shipped")
    try:
        assert len(signal.receivers) == 2
        assert signal.send(sender=Warehouse) == [(shipped, "Warehouse")]
        assert signal.send(sender=DropShipper) == [(shipped, "DropShipper")]
    finally:
        assert signal.disconnect(sender=Warehouse, dispatch_uid="shipped") is True
        assert signal.disconnect(sender=DropShipper, dispatch_uid="shipped") is True


def test_disconnect_by_uid_with_the_same_sender_returns_true():
    try:
        assert order_shipped.disconnect(dispatch_uid=SHELF_UID) is False
        assert order_shipped.disconnect(sender=Warehouse, dispatch_uid=SHELF_UID) is True
        assert order_shipped.send(sender=Warehouse, order_id=1) == [(log_shipment, None)]
    finally:
        # Restore the module's registrations in their original order.
        order_shipped.disconnect(log_shipment)
        order_shipped.connect(update_shelf_count, sender=Warehouse, dispatch_uid=SHELF_UID)
        order_shipped.connect(log_shipment)

    assert order_shipped.send(sender=Warehouse, order_id=1) == [
        (update_shelf_count, None),
        (log_shipment, None),
    ]


def test_djangos_auth_app_registers_update_last_login_with_a_dispatch_uid():
    keys = [key for key, *_ in user_logged_in.receivers]

    assert ("update_last_login", id(None)) in keys


# -- Weak references -----------------------------------------------------------


def test_functions_are_held_by_weakref_and_bound_methods_by_weakmethod():
    signal = Signal()

    class Counter:
        def count(self, sender, **kwargs):
            return "counted"

    def handler(sender, **kwargs):
        return "handled"

    counter = Counter()
    signal.connect(handler)
    signal.connect(counter.count)
    try:
        stored = [entry[1] for entry in signal.receivers]
        assert [type(ref) for ref in stored] == [weakref.ReferenceType, weakref.WeakMethod]
    finally:
        assert signal.disconnect(handler) is True
        assert signal.disconnect(counter.count) is True


def test_a_bound_method_receiver_disappears_with_its_object():
    signal = Signal()

    class Counter:
        def count(self, sender, **kwargs):
            return "counted"

    counter = Counter()
    signal.connect(counter.count)
    assert signal.send(sender=None) == [(counter.count, "counted")]

    del counter
    gc.collect()

    assert signal.send(sender=None) == []
    assert signal.receivers == []


def test_a_receiver_defined_inside_a_function_vanishes(settings, example_log):
    settings.DEBUG = False

    connect_shipping_alert("ops")
    gc.collect()
    Warehouse().ship(5)

    assert example_log() == ["Shelf count updated for order 5", "Order 5 shipped by Warehouse"]
    assert order_shipped.send(sender=Warehouse, order_id=5) == [
        (update_shelf_count, None),
        (log_shipment, None),
    ]


def test_debug_true_keeps_it_alive_through_the_inspect_cache(settings, example_log):
    settings.DEBUG = True

    connect_shipping_alert("ops")
    gc.collect()
    Warehouse().ship(5)

    assert example_log() == [
        "Shelf count updated for order 5",
        "Order 5 shipped by Warehouse",
        "Alert for ops: order 5 shipped",
    ]

    # The strong reference is the lru_cache in django.utils.inspect; drop it.
    assert django_inspect._get_func_parameters.cache_info().maxsize == 512
    django_inspect._get_func_parameters.cache_clear()
    gc.collect()

    assert [rec for rec, _ in order_shipped.send(sender=Warehouse, order_id=6)] == [
        update_shelf_count,
        log_shipment,
    ]


def test_debug_true_loses_it_once_512_other_functions_fill_the_cache(settings):
    settings.DEBUG = True
    connect_shipping_alert("ops")

    def make_receiver():
        def other(sender, **kwargs):
            pass

        return other

    others = [make_receiver() for _ in range(512)]
    try:
        for other in others:
            django_inspect.func_accepts_kwargs(other)
        gc.collect()

        assert [rec for rec, _ in order_shipped.send(sender=Warehouse, order_id=7)] == [
            update_shelf_count,
            log_shipment,
        ]
    finally:
        django_inspect._get_func_parameters.cache_clear()


@pytest.mark.parametrize("debug", [False, True])
def test_weak_false_with_a_dispatch_uid_keeps_one_live_registration(settings, example_log, debug):
    settings.DEBUG = debug

    connect_shipping_alert_strongly("ops")
    connect_shipping_alert_strongly("ops")
    try:
        django_inspect._get_func_parameters.cache_clear()
        gc.collect()
        Warehouse().ship(5)
    finally:
        assert order_shipped.disconnect(sender=Warehouse, dispatch_uid="shipping-alert:ops")

    assert example_log() == [
        "Shelf count updated for order 5",
        "Order 5 shipped by Warehouse",
        "Alert for ops: order 5 shipped",
    ]


# -- The playground's receivers ------------------------------------------------


def test_before_delete_is_connected_for_both_product_and_review():
    assert before_delete in live_receivers(pre_delete, Product)[0]
    assert before_delete in live_receivers(pre_delete, Review)[0]


def test_the_lazy_string_resolved_to_the_article_class():
    listeners = {li.name: li for li in inspector.listeners("post_save").listeners}

    assert listeners["playground.receivers.article_saved_lazy_sender"].sender == "Article"
    assert listeners["playground.receivers.any_model_saved"].sender == "any sender"
    assert listeners["playground.receivers.only_products"].sender == "Product"


# -- Try it: the senders scenario -----------------------------------------------

SLUG = "senders"


# What a view does for one button of this lesson's scenario.
click = partial(press, scenario=SLUG)


@pytest.mark.django_db
def test_try_it_the_panel_shows_the_buttons_and_fields_the_lesson_names(client):
    html = client.get(reverse("playground:panel", args=[SLUG])).content.decode()

    for text in [
        "<summary>Create an article</summary>",
        ">Title</label>",
        ">Body</label>",
        ">Create article</button>",
        "<summary>Create a product</summary>",
        ">Create product</button>",
        "<summary>Who is listening?</summary>",
    ]:
        assert text in html
    assert scenarios.get(SLUG).receivers == (
        "only_products",
        "any_model_saved",
        "article_saved_lazy_sender",
    )


def test_try_it_1_an_article_save_reaches_only_the_catch_all_and_the_lazy_receiver(sandbox):
    logged = click(sandbox, "article-create", {"title": "Senders", "body": "Who sent it?"})

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


def test_try_it_2_a_product_save_skips_the_article_receiver(sandbox):
    logged = click(
        sandbox,
        "product-create",
        {"name": "Pen", "price": Decimal("2.50"), "stock": 30, "image": None},
    )

    assert logged.signals[-1] == ("post_save", "Product")
    assert logged.runs("only_products", "any_model_saved", "article_saved_lazy_sender") == [
        (
            "playground.receivers.only_products",
            "heard a save from Product (and only ever from Product)",
        ),
        ("playground.receivers.any_model_saved", "heard a save from Product"),
    ]


@pytest.mark.django_db
def test_try_it_3_who_is_listening_shows_the_resolved_and_the_catch_all_senders(client):
    panel = client.get(reverse("playground:listening", args=[SLUG]), **HTMX).content.decode()
    rows = dict(
        re.findall(
            r'<summary><code>([\w.]+)</code> <span class="pg-row__meta">sender: ([^<·]+?) ·', panel
        )
    )

    assert rows["playground.receivers.any_model_saved"] == "any sender"
    assert rows["playground.receivers.article_saved_lazy_sender"] == "Article"


# -- The lesson's own text -----------------------------------------------------


def test_fenced_snippets_labelled_with_a_file_match_that_file():
    text = LESSON.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# (lessons/examples/\S+\.py)\n(.*?)```", text, re.DOTALL)
    root = LESSON.parents[2]

    assert [name for name, _ in blocks] == ["lessons/examples/senders.py"]
    for name, body in blocks:
        assert body in (root / name).read_text(encoding="utf-8")


def test_the_uid_the_lesson_disconnects_by_is_the_modules():
    text = LESSON.read_text(encoding="utf-8")

    assert f'dispatch_uid="{SHELF_UID}"' in text
    assert (
        f'dispatch_uid="{SHELF_UID}"'
        in (LESSON.parents[2] / "lessons/examples/senders.py").read_text()
    )


def test_the_lesson_has_the_required_sections_in_order():
    headings = re.findall(r"^## (.+)$", LESSON.read_text(encoding="utf-8"), re.MULTILINE)

    assert headings[0] == "What you will learn"
    assert headings[-4:] == [
        "Try it",
        "Common mistakes",
        "Summary",
        "Run the tests for this lesson",
    ]
