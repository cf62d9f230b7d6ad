"""Per-visitor rate limits on playground actions, counted in the database."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from playground import ratelimit
from playground.models import Product, RateWindow, Sandbox
from playground.sandboxes import SESSION_KEY

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOON = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


def test_hits_are_counted_per_key_and_window():
    verdicts = [
        ratelimit.hit("k", limit=2, window=60, now=NOON + timedelta(seconds=s)) for s in (0, 10, 20)
    ]
    other_key = ratelimit.hit("other", limit=2, window=60, now=NOON)
    next_window = ratelimit.hit("k", limit=2, window=60, now=NOON + timedelta(seconds=61))

    assert [(v.allowed, v.hits, v.retry_after) for v in verdicts] == [
        (True, 1, 60),
        (True, 2, 50),
        (False, 3, 40),
    ]
    assert (other_key.allowed, other_key.hits) == (True, 1)
    assert (next_window.allowed, next_window.hits) == (True, 1)
    assert RateWindow.objects.count() == 3


def test_old_windows_can_be_forgotten():
    ratelimit.hit("k", limit=5, window=60, now=NOON - timedelta(hours=2))
    ratelimit.hit("k", limit=5, window=60, now=NOON)

    assert ratelimit.forget_before(NOON - timedelta(hours=1)) == 1
    assert list(RateWindow.objects.values_list("window_start", flat=True)) == [NOON]


def create(client, name):
    return client.post(
        "/playground/signals-101/do/product-create/",
        {"product-create-name": name, "product-create-price": "1", "product-create-stock": "1"},
        **HTMX,
    )


def test_too_many_actions_get_a_429_with_a_message_and_change_nothing(settings):
    settings.PLAYGROUND_ACTIONS_PER_MINUTE = 3
    client = Client()
    client.get("/playground/signals-101/")
    sandbox = Sandbox.objects.get(pk=client.session[SESSION_KEY])

    statuses = [create(client, f"P{n}").status_code for n in range(4)]
    refused = create(client, "P4")

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) in range(1, 61)
    assert "You are going faster than 3 playground actions a minute." in refused.content.decode()
    assert list(
        Product.objects.filter(sandbox=sandbox, name__startswith="P").values_list("name", flat=True)
    ) == ["P0", "P1", "P2"]


def test_the_limit_is_per_visitor(settings):
    settings.PLAYGROUND_ACTIONS_PER_MINUTE = 1
    alice, bob = Client(), Client()

    assert [create(alice, "A1").status_code, create(alice, "A2").status_code] == [200, 429]
    assert create(bob, "B1").status_code == 200


def test_polling_and_pages_are_not_counted(settings):
    settings.PLAYGROUND_ACTIONS_PER_MINUTE = 1
    client = Client()
    for _ in range(5):
        assert client.get("/playground/signals-101/").status_code == 200
        assert client.get("/playground/signals-101/live/", {"v": "x"}).status_code == 200

    assert create(client, "Still allowed").status_code == 200


def test_a_client_that_drops_its_cookies_cannot_create_sandboxes_without_end(settings):
    settings.PLAYGROUND_NEW_SANDBOXES_PER_HOUR = 2

    statuses = [Client().get("/playground/signals-101/").status_code for _ in range(3)]
    refused = Client().get("/playground/signals-101/")

    assert statuses == [200, 200, 429]
    assert Sandbox.objects.count() == 2
    assert "Too many new playground sandboxes from your address." in refused.content.decode()
    assert refused["Retry-After"].isdigit()
