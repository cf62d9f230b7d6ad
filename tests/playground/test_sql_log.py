"""What the database did, in the log: statements, transaction markers and
on_commit callbacks, placed among the signals (playground/sql_log.py)."""

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction

from playground.models import LogEntry, Product
from playground.performing import perform
from playground.sql_log import statement_text
from tests.playground.logged import HTMX, last_action, visitor


def test_a_statement_shows_its_parameters_in_place():
    sql = 'UPDATE "t" SET "name" = %s, "price" = %s, "note" = %s WHERE "id" = %s'

    assert statement_text(sql, ["O'Hara", Decimal("2.50"), None, 7], many=False) == (
        'UPDATE "t" SET "name" = \'O\'\'Hara\', "price" = 2.50, "note" = NULL WHERE "id" = 7'
    )


def test_a_long_value_and_a_long_statement_are_shortened():
    text = statement_text("SELECT %s", ["x" * 100], many=False)
    assert text == "SELECT '" + "x" * 39 + "…'"

    long = statement_text("SELECT " + ", ".join(f'"column_{n}"' for n in range(60)), [], False)
    assert len(long) == 240
    assert long.endswith("…")


def test_executemany_says_how_many_rows():
    assert statement_text('INSERT INTO "t" VALUES (%s)', [[1], [2], [3]], many=True) == (
        'INSERT INTO "t" VALUES (%s) -- for 3 rows'
    )


@pytest.mark.django_db(transaction=True)
def test_only_the_actions_own_work_is_collected(sandbox):
    Product.objects.filter(sandbox=sandbox).count()  # before the action: not collected

    outcome = perform(
        sandbox, "rename", lambda: Product.objects.filter(sandbox=sandbox).update(name="Same")
    )

    assert [(step["kind"], step["text"].split()[0]) for step in outcome.entry.database] == [
        ("sql", "UPDATE")
    ]
    # Storing the entry happened after the action, and the connection is
    # Django's own again.
    assert "commit" not in vars(connection)
    assert connection.execute_wrappers == []


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_rolled_back_drops_only_its_own_callback(sandbox):
    ran = []

    def action():
        with transaction.atomic():
            transaction.on_commit(lambda: ran.append("outer"))
            try:
                with transaction.atomic():
                    transaction.on_commit(lambda: ran.append("inner"))
                    raise ValueError("undo the inner block")
            except ValueError:
                pass

    perform(sandbox, "nested", action)

    assert ran == ["outer"]
    steps = [
        (step["kind"], re.sub(r'"[^"]+"', "<id>", step["text"]), step["result"])
        for step in last_action(sandbox).entry.database
    ]
    assert [(kind, text.split(".")[-1], result) for kind, text, result in steps] == [
        ("transaction", "BEGIN", ""),
        ("on_commit", "<lambda>", "queued: runs after COMMIT"),
        ("transaction", "SAVEPOINT <id>", ""),
        ("on_commit", "<lambda>", "queued: runs after COMMIT"),
        ("transaction", "ROLLBACK TO SAVEPOINT <id>", ""),
        ("on_commit", "<lambda>", "dropped at ROLLBACK TO SAVEPOINT: never runs"),
        ("transaction", "RELEASE SAVEPOINT <id>", ""),
        ("transaction", "COMMIT", ""),
        ("on_commit", "<lambda>", "ran after the COMMIT"),
    ]


@pytest.mark.django_db
def test_the_log_shows_sql_escaped_and_the_switch_hides_it():
    client, sandbox = visitor()
    name = "<b>Mug</b>"

    response = client.post(
        "/playground/signals-101/do/product-create/",
        {"product-create-name": name, "product-create-price": "1", "product-create-stock": "1"},
        **HTMX,
    )

    html = response.content.decode()
    assert '<div class="pg-log scroll-box" id="pg-log-box"' in html
    assert "<b>Mug</b>" not in html
    insert = re.search(r'<code class="pg-db__sql">(INSERT INTO [^<]+)</code>', html)[1]
    assert "&#x27;&lt;b&gt;Mug&lt;/b&gt;&#x27;" in insert
    assert 'aria-pressed="true">Show SQL</button>' in html

    response = client.post("/playground/signals-101/switch/show_sql/", {"on": ""}, **HTMX)

    html = response.content.decode()
    assert '<div class="pg-log scroll-box pg-log--signals-only" id="pg-log-box"' in html
    assert 'aria-pressed="false">Show SQL</button>' in html
    sandbox.refresh_from_db()
    assert sandbox.show_sql is False
    # The statements are still in the entry, only hidden.
    assert LogEntry.objects.get(sandbox=sandbox).database[-1]["text"].startswith("INSERT")


@pytest.mark.django_db(transaction=True)
def test_an_async_action_shows_the_sql_its_sync_receiver_ran():
    client, sandbox = visitor("async-signals")
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")

    response = client.post(f"/playground/async-signals/product/{notebook.pk}/view-async/", **HTMX)

    assert response.status_code == 200
    assert last_action(sandbox).timeline == [
        "product_viewed · Product",
        "  SQL UPDATE playground_product",  # count_view, in asgiref's sync thread
    ]
