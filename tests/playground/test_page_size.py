"""A full sandbox's page stays small: row forms load when a row is opened,
lists show their newest rows, the log its newest part, and "Who is
listening?" loads when it is opened."""

import re

import pytest

from playground import log, panels, scenarios, services
from playground.models import MAX_RECORDS_PER_MODEL, LogEntry, Product
from playground.performing import perform
from tests.playground.logged import HTMX, visitor

pytestmark = pytest.mark.django_db


def fill(sandbox) -> None:
    """100 products, and a log of (at least) log.MAX_EVENTS events made by
    real actions: product lists (two events per product) and edits."""
    Product.objects.bulk_create(
        Product(sandbox=sandbox, name=f"Product {number}", price=1, stock=1)
        for number in range(MAX_RECORDS_PER_MODEL - 3)
    )
    products = list(Product.objects.filter(sandbox=sandbox))
    perform(sandbox, "list", lambda: services.product_list(sandbox=sandbox))
    for product in products[:60]:
        perform(sandbox, "stock", lambda p=product: services.product_set_stock(product=p, stock=2))
    perform(sandbox, "list", lambda: services.product_list(sandbox=sandbox))


def test_a_full_sandbox_page_is_under_300_kb_in_every_scenario():
    client, sandbox = visitor()
    fill(sandbox)
    events = sum(LogEntry.objects.filter(sandbox=sandbox).values_list("event_count", flat=True))
    assert Product.objects.filter(sandbox=sandbox).count() == MAX_RECORDS_PER_MODEL
    assert events >= log.MAX_EVENTS

    for scenario in scenarios.SCENARIOS:
        response = client.get(f"/playground/{scenario.slug}/")

        assert response.status_code == 200
        assert len(response.content) < 300 * 1024, scenario.slug


def product_rows(html: str) -> list[str]:
    return re.findall(
        r'<li class="pg-row" id="product-\d+">\s*<div class="pg-row__main">\s*'
        r'<strong class="pg-row__name">([^<]+)</strong>',
        html,
    )


def test_a_long_list_shows_its_newest_rows_and_a_link_to_all_of_them():
    client, sandbox = visitor()
    Product.objects.bulk_create(
        Product(sandbox=sandbox, name=f"Product {number}", price=1, stock=1) for number in range(22)
    )  # 25 with the 3 examples

    html = client.get("/playground/signals-101/").content.decode()

    assert panels.ROWS_SHOWN == 20
    assert product_rows(html) == [f"Product {number}" for number in range(2, 22)]
    assert (
        '<span class="pg-count" id="pg-count-products" data-count-of="#pg-list-products" '
        'data-not-shown="5">25</span>' in html
    )
    url = "/playground/signals-101/?rows=all"
    assert (
        '<p class="pg-records__more">The newest '
        '<span data-count-of="#pg-list-products">20</span> of '
        '<span data-count-of="#pg-list-products" data-not-shown="5">25</span> products. '
        f'<a href="{url}#pg-records" hx-get="{url}" hx-select="#pg-records" '
        'hx-target="#pg-records" hx-swap="outerHTML" data-then-focus="#pg-records-products">'
        "Show all products</a></p>" in html
    )
    assert 'class="pg-view-state"' not in html


VIEW_STATE = '<input type="hidden" class="pg-view-state" name="rows" value="all">'


def test_show_all_lists_every_row_and_the_page_keeps_asking_for_them_all():
    client, sandbox = visitor()
    Product.objects.bulk_create(
        Product(sandbox=sandbox, name=f"Product {number}", price=1, stock=1) for number in range(22)
    )
    everything = ["Fountain pen", "Notebook", "Desk lamp"] + [f"Product {n}" for n in range(22)]
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")

    html = client.get("/playground/signals-101/", {"rows": "all"}).content.decode()
    # Every htmx request of the panel includes the view state (hx-include):
    # the live poll and an action alike.
    Product.objects.filter(pk=notebook.pk).update(stock=1)
    sandbox.refresh_from_db()
    sandbox.version += 1
    sandbox.save(update_fields=["version"])
    live = client.get(
        "/playground/signals-101/live/", {"v": "0", "rows": "all"}, **HTMX
    ).content.decode()
    after_a_delete = client.post(
        f"/playground/signals-101/product/{notebook.pk}/delete/", {"rows": "all"}, **HTMX
    ).content.decode()
    capped = client.get("/playground/signals-101/live/", {"v": "0"}, **HTMX).content.decode()

    assert 'hx-include=".pg-view-state, #pg-poller"' in html
    assert product_rows(html) == everything
    assert "pg-records__more" not in html
    assert VIEW_STATE in html
    assert product_rows(live) == everything
    assert VIEW_STATE in live
    assert product_rows(after_a_delete) == [name for name in everything if name != "Notebook"]
    assert len(product_rows(capped)) == 20
    assert VIEW_STATE not in capped
