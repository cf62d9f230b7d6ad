"""Fixtures for the playground tests (the shared helpers are in ``logged.py``)."""

import pytest

from playground.models import Product


@pytest.fixture(autouse=True)
def _site_mailers(sandbox_outbox):
    """The playground's tests check the sandbox's outbox, as a visitor sees it."""


@pytest.fixture
def product(sandbox):
    """Return the sandbox's example product called ``name``, freshly loaded."""

    def get(name: str) -> Product:
        return Product.objects.get(sandbox=sandbox, name=name)

    return get
