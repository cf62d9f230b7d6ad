"""A full sandbox's page stays small: row forms load when a row is opened,
and the log shows its newest part with a link to older entries."""

import pytest

from playground import log, services
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


def test_a_full_sandbox_page_is_under_300_kb():
    client, sandbox = visitor()
    fill(sandbox)
    events = sum(LogEntry.objects.filter(sandbox=sandbox).values_list("event_count", flat=True))
    assert Product.objects.filter(sandbox=sandbox).count() == MAX_RECORDS_PER_MODEL
    assert events >= log.MAX_EVENTS

    response = client.get("/playground/signals-101/")

    assert response.status_code == 200
    assert len(response.content) < 300 * 1024
