import logging
import types
from decimal import Decimal
from pathlib import Path

import pytest

from playground.models import Product, Tag

pytestmark = pytest.mark.django_db

AUDIT_LOGGER = "shop.audit"


@pytest.fixture
def audit_lines(caplog):
    """The lines written to the audit log so far, in order."""
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    return lambda: [record.getMessage() for record in caplog.records if record.name == AUDIT_LOGGER]


@pytest.fixture
def second_import(learner):
    """Your file run a second time, as the module ``audit``: what Python does when two
    ``sys.path`` entries reach the same file (the first import is ``learner``).
    The fixture keeps the copy alive for the whole check."""
    path = Path(learner.__file__)
    module = types.ModuleType("audit")
    module.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
    return module


def test_one_save_writes_one_audit_line(sandbox, learner, audit_lines):
    Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("2.50"))

    assert audit_lines() == ["Product 'Pen' created"]


def test_a_file_imported_under_two_names_audits_a_new_product_once(
    sandbox, learner, second_import, audit_lines
):
    Product.objects.create(sandbox=sandbox, name="Pen", price=Decimal("2.50"))

    assert audit_lines() == ["Product 'Pen' created"]


def test_a_file_imported_under_two_names_audits_an_update_once(
    sandbox, learner, second_import, audit_lines
):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    notebook.stock = 41
    notebook.save()

    assert audit_lines() == ["Product 'Notebook' updated"]


def test_saves_of_other_models_are_not_audited(sandbox, learner, second_import, audit_lines):
    Tag.objects.create(sandbox=sandbox, name="stationery")

    assert audit_lines() == []
