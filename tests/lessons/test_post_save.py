"""Proves the claims of lesson 5, Reacting to post_save (lessons/content/post-save.md)."""

import json
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save

from lessons.examples.post_save import (
    add_new_user_to_customers,
    mark_sold_out_in_the_row,
    mark_sold_out_too_late,
)
from playground import receivers, services
from playground.models import OutboxEmail, Product
from playground.sandboxes import create_sandbox
from tests.playground.logged import press

SCENARIO = "post-save"


def new_product(sandbox, name="Pen", price="2.50", stock=30):
    return Product.objects.create(sandbox=sandbox, name=name, price=Decimal(price), stock=stock)


def emails(sandbox):
    """What the sandbox's Outbox shows (with ``sandbox_outbox``), oldest first."""
    return list(
        OutboxEmail.objects.filter(sandbox=sandbox)
        .order_by("pk")
        .values_list("to", "subject", "body")
    )


def create_then_roll_back(create):
    try:
        with transaction.atomic():
            create()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass


# -- What post_save tells you ----------------------------------------------------


def test_post_save_arguments_on_create_update_and_update_fields(sandbox, connect):
    received = []
    connect(post_save, lambda **kwargs: received.append(kwargs), sender=Product)

    pen = new_product(sandbox)
    pen.save()
    pen.save(update_fields=["stock"])

    common = {"signal": post_save, "sender": Product, "instance": pen, "raw": False}
    assert received == [
        {**common, "created": True, "update_fields": None, "using": "default"},
        {**common, "created": False, "update_fields": None, "using": "default"},
        {**common, "created": False, "update_fields": frozenset({"stock"}), "using": "default"},
    ]


def test_post_save_runs_after_the_sql_in_the_callers_thread(sandbox, connect):
    seen = []

    def receiver(sender, instance, **kwargs):
        row = Product.objects.filter(pk=instance.pk).values_list("stock", flat=True).get()
        seen.append((threading.get_ident(), row))

    connect(post_save, receiver, sender=Product)
    pen = new_product(sandbox, stock=7)
    pen.stock = 8
    pen.save()

    assert seen == [(threading.get_ident(), 7), (threading.get_ident(), 8)]


def test_save_with_an_unknown_pk_inserts_and_reports_created(sandbox, connect):
    created = []
    connect(post_save, lambda **kw: created.append(kw["created"]), sender=Product)
    assert not Product.objects.filter(pk=999).exists()

    Product(pk=999, sandbox=sandbox, name="Pen", price=Decimal("1.00")).save()

    assert created == [True]


def test_send_returns_receiver_results_and_save_ignores_them(sandbox):
    pen = new_product(sandbox, stock=3)

    responses = dict(
        post_save.send(
            sender=Product,
            instance=pen,
            created=True,
            update_fields=None,
            raw=False,
            using="default",
        )
    )

    assert responses[receivers.email_new_product] == "e-mailed the catalogue team"
    assert responses[receivers.warn_low_stock] == "LOW STOCK: only 3 left of 'Pen'"
    assert pen.save() is None


# -- Acting on created -------------------------------------------------------------


def test_new_product_email_on_create_only(sandbox, mailoutbox):
    pen = services.product_create(sandbox=sandbox, name="Pen", price=Decimal("2.50"), stock=30)
    [email] = mailoutbox
    assert (email.to, email.subject, email.body) == (
        ["catalogue@example.com"],
        "New product: Pen",
        "Pen is now on sale at 2.50.",
    )

    result = receivers.email_new_product(sender=Product, instance=pen, created=False, raw=False)

    assert result == "not a new product: no e-mail"
    assert len(mailoutbox) == 1


def test_new_product_email_skips_raw_saves(sandbox, mailoutbox):
    pen = Product(sandbox=sandbox, name="Pen", price=Decimal("2.50"))

    result = receivers.email_new_product(sender=Product, instance=pen, created=True, raw=True)

    assert result == "not a new product: no e-mail"
    assert mailoutbox == []


@pytest.mark.django_db
def test_loaddata_sends_raw_true_and_created_true_on_the_first_load(tmp_path, connect):
    fixture = tmp_path / "groups.json"
    fixture.write_text(json.dumps([{"model": "auth.group", "pk": 50, "fields": {"name": "a"}}]))
    received = []
    connect(post_save, lambda **kw: received.append((kw["raw"], kw["created"])), sender=Group)

    call_command("loaddata", str(fixture), verbosity=0)
    call_command("loaddata", str(fixture), verbosity=0)

    assert received == [(True, True), (True, False)]


# -- Acting on every save -------------------------------------------------------------


@pytest.mark.parametrize(
    ("stock", "message"),
    [(4, "LOW STOCK: only 4 left of 'Fountain pen'"), (5, "stock is fine")],
)
def test_low_stock_warning_below_five(sandbox, stock, message):
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    pen.stock = stock

    assert receivers.warn_low_stock(sender=Product, instance=pen) == message


# -- Creating a related record --------------------------------------------------------


def test_a_new_user_joins_customers_and_the_group_is_created_once(db, connect):
    connect(post_save, add_new_user_to_customers, sender=User)

    ann = User.objects.create_user("ann")
    bob = User.objects.create_user("bob")
    ann.first_name = "Ann"
    ann.save()

    customers = Group.objects.get(name="customers")
    assert list(customers.user_set.order_by("username")) == [ann, bob]
    assert Group.objects.filter(name="customers").count() == 1
    assert list(ann.groups.all()) == [customers]


def test_the_related_record_is_skipped_for_raw_saves(db, tmp_path, connect):
    fixture = tmp_path / "users.json"
    fixture.write_text(
        json.dumps(
            [{"model": "auth.user", "pk": 70, "fields": {"username": "fixture", "password": ""}}]
        )
    )
    connect(post_save, add_new_user_to_customers, sender=User)

    call_command("loaddata", str(fixture), verbosity=0)

    assert User.objects.filter(username="fixture").exists()
    assert not Group.objects.filter(name="customers").exists()


def test_a_rollback_removes_the_user_group_and_membership_together(db, connect):
    connect(post_save, add_new_user_to_customers, sender=User)

    members = []

    def create():
        User.objects.create_user("ann")
        members.extend(
            Group.objects.get(name="customers").user_set.values_list("username", flat=True)
        )

    create_then_roll_back(create)

    assert members == ["ann"]

    assert not User.objects.filter(username="ann").exists()
    assert not Group.objects.filter(name="customers").exists()
    assert not User.groups.through.objects.exists()


# -- Changes made in post_save are not saved ----------------------------------------


def test_a_change_in_post_save_stays_in_memory(sandbox, connect):
    connect(post_save, mark_sold_out_too_late, sender=Product)
    pen = new_product(sandbox, stock=5)

    pen.stock = 0
    pen.save()

    assert pen.name == "Pen (sold out)"
    assert Product.objects.filter(pk=pen.pk).values_list("name", flat=True).get() == "Pen"
    pen.refresh_from_db()
    assert pen.name == "Pen"


def test_a_change_in_pre_save_is_in_the_row(sandbox, connect):
    def shout(sender, instance, **kwargs):
        instance.name = instance.name.upper()

    connect(pre_save, shout, sender=Product)
    pen = new_product(sandbox)

    assert Product.objects.filter(pk=pen.pk).values_list("name", flat=True).get() == "PEN"


def test_update_in_post_save_writes_the_row_and_sends_no_save_signals(sandbox, connect):
    events = []
    connect(pre_save, lambda **kw: events.append("pre_save"), sender=Product)
    connect(post_save, lambda **kw: events.append("post_save"), sender=Product)
    connect(post_save, mark_sold_out_in_the_row, sender=Product)
    pen = new_product(sandbox, stock=5)
    events.clear()

    pen.stock = 0
    pen.save()

    assert events == ["pre_save", "post_save"]
    assert pen.name == "Pen (sold out)"
    assert (
        Product.objects.filter(pk=pen.pk).values_list("name", flat=True).get() == "Pen (sold out)"
    )


def test_save_inside_post_save_sends_both_signals_again_with_created_false(sandbox, connect):
    events = []

    def record(signal, **kwargs):
        events.append((signal, kwargs.get("created")))

    def save_again(sender, instance, created, **kwargs):
        if created:  # the guard: without it this would recurse forever
            instance.save()

    connect(pre_save, record, sender=Product)
    connect(post_save, record, sender=Product)
    connect(post_save, save_again, sender=Product)

    new_product(sandbox)

    assert events == [(pre_save, None), (post_save, True), (pre_save, None), (post_save, False)]


# -- Common mistakes ----------------------------------------------------------------


def test_a_side_effect_outside_the_database_survives_a_rollback(sandbox, mailoutbox):
    create_then_roll_back(lambda: new_product(sandbox, name="Ghost"))

    assert not Product.objects.filter(name="Ghost").exists()
    # email_new_product sent it before the rollback, and mail cannot be unsent.
    assert [email.subject for email in mailoutbox] == ["New product: Ghost"]


# -- Try it ---------------------------------------------------------------------------


def own_runs(logged):
    return logged.runs("email_new_product", "warn_low_stock")


def test_try_it_step_1_create_pen_with_stock_3(sandbox, run, sandbox_outbox):
    logged = run(
        lambda: services.product_create(sandbox=sandbox, name="Pen", price=Decimal("2.50"), stock=3)
    )

    assert logged.signals == [
        ("pre_init", "Product"),
        ("post_init", "Product"),
        ("pre_save", "Product"),
        ("post_save", "Product"),
    ]
    assert ["created", "True"] in logged.arguments(4)
    assert own_runs(logged) == [
        ("playground.receivers.email_new_product", "e-mailed the catalogue team"),
        ("playground.receivers.warn_low_stock", "LOW STOCK: only 3 left of 'Pen'"),
    ]
    assert emails(sandbox) == [
        ("catalogue@example.com", "New product: Pen", "Pen is now on sale at 2.50.")
    ]


# Autocommit, as on the site: the update e-mail's on_commit callback runs at once.
@pytest.mark.django_db(transaction=True)
def test_try_it_step_2_edit_notebook_stock_2(sandbox, run, sandbox_outbox):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    assert connection.get_autocommit()

    logged = run(
        lambda: services.product_update(
            product=notebook, name="Notebook", price=notebook.price, stock=2
        )
    )

    assert logged.signals == [("pre_save", "Product"), ("post_save", "Product")]
    assert ["created", "False"] in logged.arguments(2)
    assert own_runs(logged) == [
        ("playground.receivers.email_new_product", "not a new product: no e-mail"),
        ("playground.receivers.warn_low_stock", "LOW STOCK: only 2 left of 'Notebook'"),
    ]
    assert emails(sandbox) == [
        ("shop@example.com", "Updated: Notebook", "Notebook now costs 6.50, 2 in stock.")
    ]


def test_try_it_step_3_price_only_edit_still_warns(sandbox, run):
    lamp = Product.objects.get(sandbox=sandbox, name="Desk lamp")
    assert lamp.stock == 3

    logged = run(
        lambda: services.product_update(
            product=lamp, name="Desk lamp", price=Decimal("35.00"), stock=lamp.stock
        )
    )

    assert logged.runs("warn_low_stock") == [
        ("playground.receivers.warn_low_stock", "LOW STOCK: only 3 left of 'Desk lamp'")
    ]


@pytest.mark.django_db(transaction=True)  # autocommit, as on the site
def test_the_log_shows_the_row_written_before_post_save_and_no_commit():
    sandbox = create_sandbox(scenario="post-save")
    data = {"name": "Mug", "price": Decimal("4.00"), "stock": 3, "image": None}

    logged = press(sandbox, "product-create", data, scenario="post-save")

    assert logged.timeline == [
        "SQL SELECT playground_product",
        "pre_init · Product",
        "post_init · Product",
        "pre_save · Product",
        "  SQL SELECT playground_product",
        "SQL INSERT playground_product",
        # Autocommit: the INSERT is committed on its own, before post_save.
        "post_save · Product",
    ]
