from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playground.models import Product

pytestmark = pytest.mark.django_db


def test_imported_products_are_audited_in_order(learner, sandbox):
    learner.import_products(sandbox, ["Pen", "Ink", "Pad"])

    assert learner.audit_log == ["created Pen", "created Ink", "created Pad"]


def test_a_product_created_alone_is_still_audited_once(learner, sandbox):
    Product.objects.create(sandbox=sandbox, name="Desk", price=Decimal("99.00"))

    assert learner.audit_log == ["created Desk"]


def test_the_import_stays_one_insert(learner, sandbox):
    with CaptureQueriesContext(connection) as queries:
        learner.import_products(sandbox, ["Pen", "Ink", "Pad"])

    inserts = [query["sql"] for query in queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 1, f"the import ran {len(inserts)} INSERT statements"
    assert Product.objects.filter(sandbox=sandbox, name__in=["Pen", "Ink", "Pad"]).count() == 3
