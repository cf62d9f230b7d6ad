"""Proves the claims of lesson 11, Signals and transactions (lessons/content/transactions.md).

Most tests here use ``@pytest.mark.django_db(transaction=True)``: pytest-django's plain
``db`` runs each test inside a transaction that never commits, so "autocommit" would
really be inside ``atomic()``, and ``on_commit`` callbacks would never run by themselves.
With ``transaction=True`` every save commits as it does on the site.
"""

import pkgutil
import re
from decimal import Decimal
from pathlib import Path

import django.tasks
import django.tasks.backends
import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.tasks import TaskResultStatus, default_task_backend
from django.tasks.backends.dummy import DummyBackend
from django.tasks.backends.immediate import ImmediateBackend

from lessons.examples.transactions import (
    queue_welcome_email,
    queue_welcome_email_too_early,
    send_welcome_email,
)
from playground import services
from playground.models import OutboxEmail, Product
from playground.performing import perform
from playground.sandboxes import create_sandbox
from tests.playground.logged import last_action, press

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "content" / "transactions.md"
EXAMPLES_LOGGER = "lessons.examples.transactions"
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
SWITCHED_ON = "RuntimeError: the failing receiver is switched on"


class ReceiverFailed(Exception):
    pass


def fail(**kwargs):
    raise ReceiverFailed("receiver failed")


def group_names():
    return list(Group.objects.order_by("name").values_list("name", flat=True))


# -- Receivers run inside the caller's transaction --------------------------------


@pytest.mark.django_db(transaction=True)
def test_save_receivers_see_no_atomic_block_in_autocommit_and_the_callers_inside_atomic(
    connect,
):
    seen = []
    for signal in (pre_save, post_save):
        connect(
            signal,
            lambda signal, **kwargs: seen.append((signal, connection.in_atomic_block)),
            sender=Group,
        )

    Group.objects.create(name="autocommit")
    with transaction.atomic():
        Group.objects.create(name="atomic")

    assert seen == [(pre_save, False), (post_save, False), (pre_save, True), (post_save, True)]


@pytest.mark.django_db(transaction=True)
def test_a_pre_save_error_aborts_the_save_and_post_save_never_runs(connect):
    calls = []
    connect(pre_save, fail, sender=Group)
    connect(post_save, lambda **kwargs: calls.append("post_save"), sender=Group)

    with pytest.raises(ReceiverFailed):
        Group.objects.create(name="editors")

    assert group_names() == []
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_a_pre_save_error_inside_atomic_writes_nothing(connect):
    connect(pre_save, fail, sender=Group)

    with pytest.raises(ReceiverFailed), transaction.atomic():
        Group.objects.create(name="editors")

    assert group_names() == []


@pytest.mark.django_db(transaction=True)
def test_a_post_save_error_in_autocommit_leaves_the_row_saved(connect):
    connect(post_save, fail, sender=Group)

    with pytest.raises(ReceiverFailed):
        Group.objects.create(name="editors")

    assert group_names() == ["editors"]


@pytest.mark.django_db(transaction=True)
def test_a_post_save_error_inside_atomic_rolls_the_save_back(connect):
    connect(post_save, fail, sender=Group)

    with pytest.raises(ReceiverFailed), transaction.atomic():
        Group.objects.create(name="editors")

    assert group_names() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signal", [pre_delete, post_delete], ids=["pre_delete", "post_delete"])
def test_a_delete_receiver_error_rolls_the_delete_back_even_in_autocommit(connect, signal):
    group = Group.objects.create(name="editors")
    seen = []

    def failing(**kwargs):
        seen.append(connection.in_atomic_block)
        raise ReceiverFailed("receiver failed")

    connect(signal, failing, sender=Group)

    with pytest.raises(ReceiverFailed):
        group.delete()

    assert seen == [True]  # delete() opened its own atomic block
    assert group_names() == ["editors"]


@pytest.mark.django_db(transaction=True)
def test_an_m2m_post_add_error_rolls_the_add_back(connect):
    group = Group.objects.create(name="editors")
    permission = Permission.objects.get(codename="add_group")

    def fail_after_add(action, **kwargs):
        if action == "post_add":
            raise ReceiverFailed("receiver failed")

    connect(m2m_changed, fail_after_add, sender=Group.permissions.through)

    with pytest.raises(ReceiverFailed):
        group.permissions.add(permission)

    assert list(group.permissions.all()) == []


@pytest.mark.django_db(transaction=True)
def test_an_m2m_post_add_error_inside_atomic_rolls_the_add_back(connect):
    group = Group.objects.create(name="editors")
    permission = Permission.objects.get(codename="add_group")

    def fail_after_add(action, **kwargs):
        if action == "post_add":
            raise ReceiverFailed("receiver failed")

    connect(m2m_changed, fail_after_add, sender=Group.permissions.through)

    with pytest.raises(ReceiverFailed), transaction.atomic():
        group.permissions.add(permission)

    assert list(group.permissions.all()) == []


# -- transaction.on_commit() ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_commit_in_autocommit_runs_the_callback_immediately():
    calls = []

    transaction.on_commit(lambda: calls.append("callback"))
    calls.append("after on_commit()")

    assert calls == ["callback", "after on_commit()"]


@pytest.mark.django_db(transaction=True)
def test_on_commit_inside_atomic_runs_after_the_commit():
    calls = []

    with transaction.atomic():
        Group.objects.create(name="editors")
        transaction.on_commit(lambda: calls.append(("callback", group_names())))
        calls.append("end of block")

    assert calls == ["end of block", ("callback", ["editors"])]


@pytest.mark.django_db(transaction=True)
def test_on_commit_callbacks_are_dropped_on_rollback():
    calls = []

    with pytest.raises(ReceiverFailed), transaction.atomic():
        transaction.on_commit(lambda: calls.append("callback"))
        raise ReceiverFailed("rollback")

    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_nested_blocks_wait_for_the_outermost_commit_and_drop_a_rolled_back_inner_block():
    calls = []

    with transaction.atomic():
        with transaction.atomic():
            transaction.on_commit(lambda: calls.append("inner, kept"))
        calls.append("inner block left")
        with pytest.raises(ReceiverFailed), transaction.atomic():
            transaction.on_commit(lambda: calls.append("inner, rolled back"))
            raise ReceiverFailed("rollback to the savepoint")
        calls.append("outer block ends")

    assert calls == ["inner block left", "outer block ends", "inner, kept"]


@pytest.mark.django_db
def test_a_plain_db_test_never_commits_so_callbacks_need_capturing(
    django_capture_on_commit_callbacks,
):
    # ``db`` (no transaction=True): the test itself is one atomic block.
    calls = []
    transaction.on_commit(lambda: calls.append("never on its own"))
    assert calls == []

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        transaction.on_commit(lambda: calls.append("run by the fixture"))

    assert len(callbacks) == 1
    assert calls == ["run by the fixture"]


# -- Handing work to django.tasks ---------------------------------------------------


def test_only_the_immediate_and_dummy_backends_ship():
    modules = {module.name for module in pkgutil.iter_modules(django.tasks.backends.__path__)}

    assert modules == {"base", "dummy", "immediate"}


def test_there_is_no_enqueue_on_commit_helper():
    assert not hasattr(send_welcome_email, "enqueue_on_commit")
    assert not hasattr(django.tasks, "enqueue_on_commit")
    assert not hasattr(transaction, "enqueue_on_commit")


@pytest.mark.django_db
def test_the_default_immediate_backend_runs_the_task_inline_and_returns_a_finished_result(
    example_log,
):
    # This project sets no TASKS, so Django's default applies.
    assert isinstance(django.tasks.task_backends["default"], ImmediateBackend)
    user = User.objects.create(username="ada", email="ada@example.com")

    result = send_welcome_email.enqueue(user.pk)

    assert example_log() == ["Welcome e-mail sent to ada@example.com"]
    assert (result.status, result.return_value) == (
        TaskResultStatus.SUCCESSFUL,
        "ada@example.com",
    )


@pytest.mark.django_db(transaction=True)
def test_immediate_backend_runs_the_task_after_commit(connect, example_log):
    connect(post_save, queue_welcome_email, sender=User)

    with transaction.atomic():
        User.objects.create(username="ada", email="ada@example.com")
        assert example_log() == []  # not yet committed: nothing enqueued

    assert example_log() == ["Welcome e-mail sent to ada@example.com"]


@pytest.mark.django_db(transaction=True)
def test_a_rollback_drops_the_task(connect, example_log):
    connect(post_save, queue_welcome_email, sender=User)

    with pytest.raises(ReceiverFailed), transaction.atomic():
        User.objects.create(username="ada", email="ada@example.com")
        raise ReceiverFailed("the sign-up failed later on")

    assert example_log() == []
    assert list(User.objects.all()) == []


@pytest.mark.django_db(transaction=True)
def test_dummy_backend_stores_the_task_as_ready_and_never_runs_it(connect, settings, example_log):
    settings.TASKS = DUMMY
    connect(post_save, queue_welcome_email, sender=User)

    with transaction.atomic():
        user = User.objects.create(username="ada", email="ada@example.com")
        assert default_task_backend.results == []

    assert isinstance(django.tasks.task_backends["default"], DummyBackend)
    [result] = default_task_backend.results
    assert (result.task.func, result.args, result.status) == (
        send_welcome_email.func,
        [user.pk],
        TaskResultStatus.READY,
    )
    assert example_log() == []


@pytest.mark.django_db(transaction=True)
def test_enqueueing_in_the_receiver_sends_the_email_although_the_user_rolled_back(
    connect, example_log
):
    connect(post_save, queue_welcome_email_too_early, sender=User)

    with pytest.raises(ReceiverFailed), transaction.atomic():
        User.objects.create(username="ada", email="ada@example.com")
        raise ReceiverFailed("the sign-up failed later on")

    assert example_log() == ["Welcome e-mail sent to ada@example.com"]
    assert list(User.objects.all()) == []


@pytest.mark.django_db(transaction=True)
def test_enqueueing_in_the_receiver_queues_a_task_for_a_user_that_never_existed(connect, settings):
    settings.TASKS = DUMMY
    connect(post_save, queue_welcome_email_too_early, sender=User)

    with pytest.raises(ReceiverFailed), transaction.atomic():
        User.objects.create(username="ada", email="ada@example.com")
        raise ReceiverFailed("the sign-up failed later on")

    assert len(default_task_backend.results) == 1
    assert list(User.objects.all()) == []


# -- Try it: the transactions scenario ------------------------------------------------

PEN_BEFORE = {"name": "Fountain pen", "price": Decimal("24.00"), "stock": 12}


def stored(pk):
    return Product.objects.filter(pk=pk).values("name", "price", "stock").get()


def outbox(sandbox):
    """What the sandbox's Outbox shows (with ``sandbox_outbox``), oldest first."""
    return list(
        OutboxEmail.objects.filter(sandbox=sandbox)
        .order_by("pk")
        .values_list("to", "subject", "body")
    )


def post_save_runs(logged):
    return [
        (run["name"].removeprefix("playground.receivers."), run["result"] or run["error"])
        for run in logged.events[1].receivers
    ][-2:]


def save_pen(sandbox, price, *, atomic):
    """The "Save" or "Save inside atomic()" button of the Edit panel."""
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    service = services.product_update_in_atomic if atomic else services.product_update
    outcome = perform(
        sandbox,
        "Save",
        lambda: service(product=pen, name="Fountain pen", price=Decimal(price), stock=12),
        scenario="transactions",
    )
    return pen, outcome, last_action(sandbox)


@pytest.fixture
def sandbox(transactional_db):
    return create_sandbox()


def test_try_it_steps(sandbox, sandbox_outbox):
    # Step 1: "Switch it on".
    services.sandbox_set_switch(sandbox=sandbox, name="fail_post_save", on=True)
    sandbox.refresh_from_db()
    assert sandbox.fail_post_save is True

    # Step 2: "Save" with price 30.00, in autocommit.
    pen, outcome, logged = save_pen(sandbox, "30.00", atomic=False)

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert dict(logged.arguments(1))["update_fields"] == "None"
    assert dict(logged.arguments(2))["update_fields"] == "None"
    assert dict(logged.arguments(2))["created"] == "False"
    assert post_save_runs(logged) == [
        ("email_update_on_commit", "e-mail will be sent when the transaction commits"),
        ("fail_on_demand", SWITCHED_ON),
    ]
    assert "audit_product_change" not in str(logged.receivers(2))
    assert outcome.error.startswith("A receiver raised RuntimeError")
    assert stored(pen.pk) == {**PEN_BEFORE, "price": Decimal("30.00")}
    assert outbox(sandbox) == [
        ("shop@example.com", "Updated: Fountain pen", "Fountain pen now costs 30.00, 12 in stock.")
    ]

    # Step 3: "Save inside atomic()" with price 35.00.
    pen, outcome, logged = save_pen(sandbox, "35.00", atomic=True)

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert post_save_runs(logged) == [
        ("email_update_on_commit", "e-mail will be sent when the transaction commits"),
        ("fail_on_demand", SWITCHED_ON),
    ]
    assert logged.entry.error == SWITCHED_ON
    assert stored(pen.pk) == {**PEN_BEFORE, "price": Decimal("30.00")}
    assert len(outbox(sandbox)) == 1

    # Step 4: "Switch it off", then step 3 again.
    services.sandbox_set_switch(sandbox=sandbox, name="fail_post_save", on=False)
    pen, outcome, logged = save_pen(sandbox, "35.00", atomic=True)

    assert outcome.ok
    assert post_save_runs(logged) == [
        ("fail_on_demand", "switch is off: did nothing"),
        (
            "audit_product_change",
            "audited (bulk_create, bulk_update and QuerySet.update() never get here)",
        ),
    ]
    assert stored(pen.pk) == {**PEN_BEFORE, "price": Decimal("35.00")}
    assert outbox(sandbox)[1] == (
        "shop@example.com",
        "Updated: Fountain pen",
        "Fountain pen now costs 35.00, 12 in stock.",
    )


# -- The lesson's own text -------------------------------------------------------------


def test_fenced_snippets_labelled_with_a_file_match_that_file():
    text = LESSON.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# (\S+\.py)\n(.*?)```", text, re.DOTALL)
    root = LESSON.parents[2]

    for name, body in blocks:
        assert body in (root / name).read_text(encoding="utf-8")


def test_the_error_notice_the_lesson_names_is_amber():
    text = LESSON.read_text(encoding="utf-8")
    root = LESSON.parents[2]
    site_css = (root / "tutorial/static/tutorial/site.css").read_text(encoding="utf-8")
    playground_css = (root / "playground/static/playground/playground.css").read_text(
        encoding="utf-8"
    )
    panel = (root / "playground/templates/playground/panel.html").read_text(encoding="utf-8")

    assert "red notice" not in text
    assert 'The amber notice says "A receiver raised RuntimeError"' in text
    assert '<div class="pg-alert pg-alert--error" role="alert">{{ outcome.error }}</div>' in panel
    assert (
        ".pg-alert--error { background: var(--warn-bg); border-left-color: var(--warn-border); }"
        in playground_css
    )
    # Tailwind's amber-700 and amber-500, in the light and the dark theme.
    assert re.findall(r"--warn-border: (#[0-9a-f]{6});", site_css) == ["#b45309", "#f59e0b"]


@pytest.mark.django_db(transaction=True)  # a real transaction, as on the site
def test_the_log_shows_the_rollback_and_the_on_commit_callback_it_drops():
    sandbox = create_sandbox(scenario="transactions")
    services.sandbox_set_switch(sandbox=sandbox, name="fail_post_save", on=True)
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    data = {"name": "Notebook", "price": Decimal("5.00"), "stock": 40}

    logged = press(sandbox, "edit-atomic", data, scenario="transactions", record=notebook)

    assert logged.timeline == [
        "BEGIN",
        "pre_save · Product",
        "  SQL SELECT playground_product",
        "SQL UPDATE playground_product",
        "post_save · Product",
        "  on_commit functools.partial(django.core.mail.send_mail, …) (queued: runs after COMMIT)",
        "  SQL SELECT playground_sandbox",  # fail_on_demand reads its switch, then raises
        "ROLLBACK",
        "on_commit functools.partial(django.core.mail.send_mail, …) "
        "(dropped at ROLLBACK: never runs)",
    ]
    assert OutboxEmail.objects.filter(sandbox=sandbox).count() == 0
