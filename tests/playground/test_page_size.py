"""A full sandbox's page stays small: row forms load when a row is opened,
lists show their newest rows, the log its newest part, and "Who is
listening?" loads when it is opened."""

import re

import pytest

from playground import log, panels, scenarios, services
from playground.models import MAX_RECORDS_PER_MODEL, LogEntry, Product
from playground.performing import perform
from tests.playground.logged import visitor

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
        '<p class="pg-records__more">The newest 20 of 25 products. '
        f'<a href="{url}#pg-records" hx-get="{url}" hx-select="#pg-records" '
        'hx-select-oob="#pg-poller" hx-target="#pg-records" hx-swap="outerHTML" '
        'data-then-focus="#pg-records-products">'
        "Show all 25 products</a></p>" in html
    )


def test_show_all_lists_every_row_and_the_live_updates_keep_them_all():
    client, sandbox = visitor()
    Product.objects.bulk_create(
        Product(sandbox=sandbox, name=f"Product {number}", price=1, stock=1) for number in range(22)
    )
    everything = ["Fountain pen", "Notebook", "Desk lamp"] + [f"Product {n}" for n in range(22)]

    html = client.get("/playground/signals-101/", {"rows": "all"}).content.decode()
    poll = re.search(r'<div id="pg-poller" hidden hx-get="([^"]+)"', html)[1].replace("&amp;", "&")
    Product.objects.filter(sandbox=sandbox, name="Notebook").update(stock=1)
    sandbox.refresh_from_db()
    sandbox.version += 1
    sandbox.save(update_fields=["version"])
    live = client.get(poll, headers={"HX-Request": "true"}).content.decode()

    assert product_rows(html) == everything
    assert "pg-records__more" not in html
    assert poll.endswith("&rows=all")
    assert product_rows(live) == everything
