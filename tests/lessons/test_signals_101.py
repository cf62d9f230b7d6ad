"""Proves the claims of lesson 1, Signals 101 (lessons/content/signals-101.md)."""

import importlib
import logging
import re
import sys
import threading
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connection, connections, models, transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import (
    class_prepared,
    m2m_changed,
    post_delete,
    post_init,
    post_migrate,
    post_save,
    pre_delete,
    pre_init,
    pre_migrate,
    pre_save,
)
from django.dispatch import Signal
from django.http import HttpResponse
from django.tasks import task
from django.template import Context, Template
from django.test import Client, override_settings
from django.test.utils import isolate_apps
from django.urls import path
from django.utils import autoreload

from lessons.examples.signals_101 import (
    Checkout,
    DirectCheckout,
    order_placed,
    order_placed_receiver,
    report_group_saved,
)
from playground import scenarios
from playground.models import Product
from playground.receivers import report_product_saved
from playground.recording import live_receivers
from tests.playground.logged import panel_with_an_open_row, press

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "content" / "signals-101.md"
EXAMPLES_LOGGER = "lessons.examples.signals_101"


# -- The example code ----------------------------------------------------------


def test_checkout_logs_receiver_line_between_its_own_lines(example_log):
    Checkout().place_order(7)

    assert example_log() == [
        "Checkout stored order 7",
        "Audit: order 7 placed",
        "Checkout finished order 7",
    ]


def test_send_returns_receiver_and_return_value_pairs():
    assert order_placed.send(sender=Checkout, order_id=7) == [(order_placed_receiver, None)]


def test_send_returns_empty_list_when_nobody_listens_for_that_sender(example_log):
    assert order_placed.send(sender=DirectCheckout, order_id=7) == []
    assert example_log() == []


def test_direct_checkout_logs_the_same_lines_without_a_signal(example_log, connect):
    calls = []
    connect(order_placed, lambda **kwargs: calls.append(kwargs))

    DirectCheckout().place_order(7)

    assert example_log() == [
        "Checkout stored order 7",
        "Audit: order 7 placed",
        "Checkout finished order 7",
    ]
    assert calls == []


def test_receiver_gets_signal_sender_and_the_senders_kwargs(connect):
    received = []
    connect(order_placed, lambda **kwargs: received.append(kwargs), sender=Checkout)

    Checkout().place_order(7)

    assert received == [{"signal": order_placed, "sender": Checkout, "order_id": 7}]


@pytest.mark.django_db
def test_post_save_passes_model_class_as_sender_and_instance_separately(connect):
    received = []
    connect(post_save, lambda **kwargs: received.append(kwargs), sender=Group)

    group = Group.objects.create(name="editors")

    assert received == [
        {
            "signal": post_save,
            "sender": Group,
            "instance": group,
            "created": True,
            "update_fields": None,
            "raw": False,
            "using": "default",
        }
    ]


@pytest.mark.django_db
def test_report_group_saved_reports_created_then_updated(example_log, connect):
    connect(post_save, report_group_saved, sender=Group)

    group = Group.objects.create(name="editors")
    group.save()

    assert example_log() == ["Group 'editors' created", "Group 'editors' updated"]


def test_report_group_saved_is_not_connected_by_the_module():
    assert post_save.disconnect(report_group_saved, sender=Group) is False


def test_receiver_runs_only_once_its_module_is_imported(tmp_path, monkeypatch):
    (tmp_path / "audit_receivers_101.py").write_text(
        "from django.dispatch import receiver\n"
        "from lessons.examples.signals_101 import Checkout, order_placed\n"
        "\n"
        "@receiver(order_placed, sender=Checkout)\n"
        "def count_order(sender, **kwargs):\n"
        "    return 'counted'\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    assert "audit_receivers_101" not in sys.modules

    assert order_placed.send(sender=Checkout, order_id=1) == [(order_placed_receiver, None)]

    import audit_receivers_101

    try:
        assert order_placed.send(sender=Checkout, order_id=1) == [
            (order_placed_receiver, None),
            (audit_receivers_101.count_order, "counted"),
        ]
    finally:
        order_placed.disconnect(audit_receivers_101.count_order, sender=Checkout)
        del sys.modules["audit_receivers_101"]


# -- Signals are synchronous ---------------------------------------------------


def test_receivers_run_in_connection_order_before_send_returns(connect):
    calls = []
    connect(order_placed, lambda **kwargs: calls.append("first"), sender=Checkout)
    connect(order_placed, lambda **kwargs: calls.append("second"), sender=Checkout)

    calls.append("before send")
    order_placed.send(sender=Checkout, order_id=1)
    calls.append("after send")

    assert calls == ["before send", "first", "second", "after send"]


def test_receivers_run_in_the_callers_thread_with_its_connection(connect):
    seen = []
    connect(
        order_placed,
        lambda **kwargs: seen.append((threading.get_ident(), connections["default"])),
    )

    Checkout().place_order(1)

    assert seen == [(threading.get_ident(), connections["default"])]


@pytest.mark.not_in_browser("an async receiver runs in another thread")
def test_an_async_receiver_runs_after_the_sync_ones_in_another_thread(connect):
    calls = []

    async def async_receiver(**kwargs):
        calls.append(("async", threading.get_ident()))

    connect(order_placed, async_receiver, sender=Checkout)  # connected first
    connect(
        order_placed,
        lambda **kwargs: calls.append(("sync", threading.get_ident())),
        sender=Checkout,
    )

    order_placed.send(sender=Checkout, order_id=1)

    (sync_name, sync_thread), (async_name, async_thread) = calls
    assert (sync_name, async_name) == ("sync", "async")
    assert sync_thread == threading.get_ident()
    assert async_thread != threading.get_ident()


def test_the_lesson_qualifies_thread_and_transaction_for_async_receivers():
    text = " ".join(LESSON.read_text(encoding="utf-8").split())

    assert "it calls every receiver synchronously, in the caller's thread" not in text
    assert "- Receivers run synchronously, in connection order, in the caller's thread" not in text
    assert "it calls every ordinary (sync) receiver synchronously, in the caller's thread" in text
    assert (
        "Async receivers reached through `send()` run after all the sync ones, in another " in text
    )


def test_exception_propagates_and_skips_later_receivers(connect):
    calls = []

    def failing(**kwargs):
        calls.append("failing")
        raise RuntimeError("receiver failed")

    connect(order_placed, failing, sender=Checkout)
    connect(order_placed, lambda **kwargs: calls.append("after the failure"), sender=Checkout)

    with pytest.raises(RuntimeError, match=r"^receiver failed$"):
        order_placed.send(sender=Checkout, order_id=1)

    assert calls == ["failing"]


def test_send_robust_catches_the_exception_instead(connect, caplog):
    calls = []
    error = RuntimeError("receiver failed")

    def failing(**kwargs):
        raise error

    def after(**kwargs):
        calls.append("after the failure")

    connect(order_placed, failing, sender=Checkout)
    connect(order_placed, after, sender=Checkout)

    with caplog.at_level(logging.CRITICAL, logger="django.dispatch"):
        responses = order_placed.send_robust(sender=Checkout, order_id=1)

    assert responses == [(order_placed_receiver, None), (failing, error), (after, None)]
    assert calls == ["after the failure"]


@pytest.mark.django_db
def test_exception_in_post_save_comes_out_of_save(connect):
    def failing(**kwargs):
        raise RuntimeError("receiver failed")

    connect(post_save, failing, sender=Group)

    with pytest.raises(RuntimeError, match=r"^receiver failed$"):
        Group(name="editors").save()


# -- Inside the caller's transaction -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_post_save_receiver_sees_the_callers_atomic_block(connect):
    seen = []
    connect(post_save, lambda **kwargs: seen.append(connection.in_atomic_block), sender=Group)

    Group.objects.create(name="autocommit")
    with transaction.atomic():
        Group.objects.create(name="atomic")

    assert seen == [False, True]


@pytest.mark.django_db(transaction=True)
def test_post_save_failure_inside_atomic_rolls_back_the_saved_row(connect):
    def failing(**kwargs):
        raise RuntimeError("receiver failed")

    connect(post_save, failing, sender=Group)

    with pytest.raises(RuntimeError, match=r"^receiver failed$"), transaction.atomic():
        Group.objects.create(name="editors")

    assert list(Group.objects.values_list("name", flat=True)) == []


@pytest.mark.django_db(transaction=True)
def test_post_save_failure_in_autocommit_leaves_the_row_saved(connect):
    def failing(**kwargs):
        raise RuntimeError("receiver failed")

    connect(post_save, failing, sender=Group)

    with pytest.raises(RuntimeError, match=r"^receiver failed$"):
        Group.objects.create(name="editors")

    assert list(Group.objects.values_list("name", flat=True)) == ["editors"]


@pytest.mark.django_db(transaction=True)
def test_receiver_writes_roll_back_with_the_callers_block_after_it_ran(connect):
    calls = []

    def create_owner(sender, instance, **kwargs):
        calls.append(instance.name)
        User.objects.create(username=f"owner-of-{instance.name}")

    connect(post_save, create_owner, sender=Group)

    def save_then_fail():
        with transaction.atomic():
            Group.objects.create(name="editors")
            raise RuntimeError("caller failed")

    with pytest.raises(RuntimeError, match=r"^caller failed$"):
        save_then_fail()

    assert calls == ["editors"]
    assert list(Group.objects.values_list("name", flat=True)) == []
    assert list(User.objects.values_list("username", flat=True)) == []


# -- The built-in signal families ----------------------------------------------

FAMILIES = {
    "django.db.models.signals": [
        "pre_init",
        "post_init",
        "pre_save",
        "post_save",
        "pre_delete",
        "post_delete",
        "m2m_changed",
        "class_prepared",
        "pre_migrate",
        "post_migrate",
    ],
    "django.core.signals": [
        "request_started",
        "request_finished",
        "got_request_exception",
        "setting_changed",
    ],
    "django.db.backends.signals": ["connection_created"],
    "django.contrib.auth.signals": ["user_logged_in", "user_logged_out", "user_login_failed"],
    "django.tasks.signals": ["task_enqueued", "task_started", "task_finished"],
    "django.test.signals": ["setting_changed", "template_rendered"],
    "django.utils.autoreload": ["autoreload_started", "file_changed"],
}


@pytest.mark.parametrize(
    ("module_name", "signal_name"),
    [(module, name) for module, names in FAMILIES.items() for name in names],
)
def test_each_built_in_signal_imports_from_the_stated_module(module_name, signal_name):
    module = importlib.import_module(module_name)

    assert isinstance(getattr(module, signal_name), Signal)


def test_the_seven_model_instance_signals_are_model_signals_and_no_others():
    from django.db.models import signals
    from django.db.models.signals import ModelSignal

    model_signals = [
        name for name, value in vars(signals).items() if isinstance(value, ModelSignal)
    ]

    assert model_signals == FAMILIES["django.db.models.signals"][:7]


def test_setting_changed_from_test_signals_is_the_core_object():
    from django.core import signals as core_signals
    from django.test import signals as test_signals

    assert test_signals.setting_changed is core_signals.setting_changed


@pytest.fixture
def recorder(connect):
    """Connect one catch-all receiver per signal; return the (name, sender, kwargs) log."""
    events = []

    def listen(**signals_by_name):
        for name, signal in signals_by_name.items():

            def record(sender, signal, name=name, **kwargs):
                events.append((name, sender, kwargs))

            connect(signal, record)
        return events

    return listen


@pytest.mark.django_db
def test_model_instance_signals_for_create_m2m_add_and_delete(recorder):
    permission = Permission.objects.get(codename="view_group")
    through = Group.permissions.through
    events = recorder(
        pre_init=pre_init,
        post_init=post_init,
        pre_save=pre_save,
        post_save=post_save,
        pre_delete=pre_delete,
        post_delete=post_delete,
        m2m_changed=m2m_changed,
    )

    group = Group.objects.create(name="editors")
    group.permissions.add(permission)
    group.delete()

    assert [
        (name, sender, kwargs.get("action"))
        for name, sender, kwargs in events
        if sender is Group or name == "m2m_changed"
    ] == [
        ("pre_init", Group, None),
        ("post_init", Group, None),
        ("pre_save", Group, None),
        ("post_save", Group, None),
        ("m2m_changed", through, "pre_add"),
        ("m2m_changed", through, "post_add"),
        ("pre_delete", Group, None),
        ("post_delete", Group, None),
    ]


def test_class_prepared_fires_when_a_model_class_is_defined(recorder):
    events = recorder(class_prepared=class_prepared)

    with isolate_apps("lessons"):

        class Coupon(models.Model):  # noqa: DJ008 (never displayed)
            class Meta:
                app_label = "lessons"

    assert events == [("class_prepared", Coupon, {})]


@pytest.mark.django_db
def test_migrate_sends_pre_and_post_migrate_once_per_app_with_models(recorder):
    events = recorder(pre_migrate=pre_migrate, post_migrate=post_migrate)
    with_models = [config for config in apps.get_app_configs() if config.models_module]

    call_command("migrate", verbosity=0, interactive=False)

    assert [(name, sender) for name, sender, _ in events] == [
        ("pre_migrate", config) for config in with_models
    ] + [("post_migrate", config) for config in with_models]


def failing_view(request):
    raise RuntimeError("view failed")


def ok_view(request):
    return HttpResponse("ok")


def plain_server_error(request):
    # This module is the URLconf for the test below; the site's own 500 page
    # links to lesson URLs that do not exist here.
    return HttpResponse("server error", status=500)


urlpatterns = [path("ok", ok_view), path("fail", failing_view)]
handler500 = plain_server_error


@pytest.mark.urls(__name__)
def test_request_signals_for_a_request_and_a_failing_view(recorder):
    from django.core.signals import got_request_exception, request_finished, request_started

    events = recorder(
        request_started=request_started,
        request_finished=request_finished,
        got_request_exception=got_request_exception,
    )
    client = Client(raise_request_exception=False)

    assert client.get("/ok").status_code == 200
    with pytest.MonkeyPatch.context() as patch:
        # Django logs the view's exception at ERROR; keep it out of the output.
        patch.setattr(logging.getLogger("django.request"), "disabled", True)
        assert client.get("/fail").status_code == 500

    assert [name for name, _, _ in events] == [
        "request_started",
        "request_finished",
        "request_started",
        "got_request_exception",
        "request_finished",
    ]


@pytest.mark.django_db
def test_connection_created_fires_when_a_connection_opens(recorder, tmp_path):
    events = recorder(connection_created=connection_created)
    wrapper_class = type(connections["default"])
    settings_dict = {**connection.settings_dict}
    if connection.vendor == "sqlite":
        # A file database: Django's close() leaves in-memory SQLite connections open.
        settings_dict["NAME"] = str(tmp_path / "probe.sqlite3")
    # Elsewhere a second wrapper for the same test database opens a connection of its own.
    probe = wrapper_class(settings_dict, alias="probe")

    try:
        probe.ensure_connection()
    finally:
        probe.close()

    assert events == [("connection_created", wrapper_class, {"connection": probe})]


@pytest.mark.django_db
def test_auth_signals_for_failed_login_login_and_logout(recorder, settings):
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create_user("anne", password="right-password")
    events = recorder(
        user_login_failed=user_login_failed,
        user_logged_in=user_logged_in,
        user_logged_out=user_logged_out,
    )
    client = Client()

    assert client.login(username="anne", password="wrong-password") is False
    client.force_login(user)
    client.logout()

    assert [name for name, _, _ in events] == [
        "user_login_failed",
        "user_logged_in",
        "user_logged_out",
    ]


@task
def add_numbers(a, b):
    return a + b


def test_task_signals_for_an_enqueued_task(recorder):
    from django.tasks.signals import task_enqueued, task_finished, task_started

    events = recorder(
        task_enqueued=task_enqueued, task_started=task_started, task_finished=task_finished
    )

    result = add_numbers.enqueue(2, 3)

    assert result.return_value == 5
    assert [name for name, _, _ in events] == ["task_enqueued", "task_started", "task_finished"]


def test_setting_changed_fires_on_entering_and_leaving_override_settings(recorder):
    from django.core.signals import setting_changed

    events = recorder(setting_changed=setting_changed)

    with override_settings(LESSON_PROBE=1):
        pass

    assert [(name, kwargs["setting"], kwargs["enter"]) for name, _, kwargs in events] == [
        ("setting_changed", "LESSON_PROBE", True),
        ("setting_changed", "LESSON_PROBE", False),
    ]


def test_template_rendered_fires_in_a_test_run(recorder):
    from django.test.signals import template_rendered

    events = recorder(template_rendered=template_rendered)
    template = Template("hello")

    template.render(Context())

    assert [(name, sender) for name, sender, _ in events] == [("template_rendered", template)]


class OneShotReloader(autoreload.StatReloader):
    """A reloader that starts (sending autoreload_started) but never loops."""

    def wait_for_apps_ready(self, app_reg, django_main_thread):
        return True

    def run_loop(self):
        pass


def test_autoreloader_sends_autoreload_started_and_file_changed(recorder, connect, tmp_path):
    events = recorder(
        autoreload_started=autoreload.autoreload_started, file_changed=autoreload.file_changed
    )
    # A receiver returning True tells the reloader the change is handled,
    # so notify_file_changed() does not restart this process.
    connect(autoreload.file_changed, lambda **kwargs: True)
    reloader = OneShotReloader()
    changed = tmp_path / "views.py"

    reloader.run(threading.main_thread())
    reloader.notify_file_changed(changed)

    assert [(name, sender) for name, sender, _ in events] == [
        ("autoreload_started", reloader),
        ("file_changed", reloader),
    ]
    assert events[1][2] == {"file_path": changed}


# -- Try it: the signals-101 scenario ------------------------------------------

SLUG = "signals-101"


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
        ">Signal log</h3>",
    ]:
        assert text in html
    assert scenarios.get(SLUG).receivers == ("report_product_saved",)


def test_try_it_1_creating_a_product_sends_four_signals_and_the_receiver_reports(sandbox):
    logged = click(
        sandbox,
        "product-create",
        {"name": "Pen", "price": Decimal("2.50"), "stock": 30, "image": None},
    )

    assert logged.entry.label == "Created Product 'Pen'"
    assert logged.signals == [
        ("pre_init", "Product"),
        ("post_init", "Product"),
        ("pre_save", "Product"),
        ("post_save", "Product"),
    ]
    assert ["created", "True"] in logged.arguments(4)
    assert logged.receivers(4)[0] == ("report_product_saved", "Product 'Pen' was created")


def test_try_it_2_editing_a_product_sends_only_the_save_pair(sandbox):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")

    logged = click(
        sandbox,
        "edit",
        {"name": "Notebook", "price": notebook.price, "stock": 41},
        record=notebook,
    )

    assert logged.entry.label == "Updated Product 'Notebook'"
    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert ["created", "False"] in logged.arguments(2)
    assert logged.receivers(2)[0] == ("report_product_saved", "Product 'Notebook' was updated")


def test_try_it_3_post_save_receivers_run_one_after_another_in_connection_order(sandbox):
    logged = click(
        sandbox,
        "product-create",
        {"name": "Pen", "price": Decimal("2.50"), "stock": 30, "image": None},
    )

    connected = [
        receiver.__name__
        for receiver in live_receivers(post_save, Product)[0]
        if receiver.__module__ == "playground.receivers"
    ]
    assert [name for name, _ in logged.receivers(4)] == connected
    assert connected[0] == "report_product_saved"


def test_report_product_saved_is_the_function_the_lesson_includes():
    assert report_product_saved in live_receivers(post_save, Product)[0]


# -- The lesson's own text -----------------------------------------------------


def test_fenced_snippets_labelled_with_a_file_match_that_file():
    text = LESSON.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# (lessons/examples/\S+\.py)\n(.*?)```", text, re.DOTALL)
    root = LESSON.parents[2]

    assert [name for name, _ in blocks] == ["lessons/examples/signals_101.py"]
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
