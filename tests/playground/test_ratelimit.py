"""Per-visitor rate limits on playground actions, counted in the database."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, RequestFactory

from playground import ratelimit, scenarios
from playground.models import Product, RateWindow, Sandbox
from tests.playground.logged import sandbox_of

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


SLUGS = [scenario.slug for scenario in scenarios.SCENARIOS]


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
    sandbox = sandbox_of(client.session)

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


def test_one_limit_counts_a_visitors_actions_in_every_lesson(settings):
    settings.PLAYGROUND_ACTIONS_PER_MINUTE = 2
    client = Client()
    in_another_lesson = {
        "product-create-name": "R",
        "product-create-price": "1",
        "product-create-stock": "1",
    }

    assert create(client, "A1").status_code == 200
    assert (
        client.post("/playground/receivers/do/product-create/", in_another_lesson, **HTMX)
    ).status_code == 200
    assert create(client, "A2").status_code == 429


def test_new_sandboxes_for_more_lessons_do_not_count_as_new_visitors(settings):
    settings.PLAYGROUND_NEW_SANDBOXES_PER_HOUR = 1
    client = Client()

    statuses = [client.get(f"/playground/{slug}/").status_code for slug in SLUGS]

    assert statuses == [200] * len(SLUGS)
    assert Client().get("/playground/signals-101/").status_code == 429


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


# --- The client's address, behind trusted proxies or none -------------------------------


def address_of(meta: dict[str, str]) -> str:
    return ratelimit.client_address(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        # No trusted proxy: whatever the client sends is ignored.
        (0, None, "10.0.0.9"),
        (0, "203.0.113.7", "10.0.0.9"),
        # One proxy: it appended the address it was connected from, last.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (1, "not an address, 203.0.113.7", "203.0.113.7"),
        (1, " 2001:DB8::1 ", "2001:db8::1"),
        # Two proxies: the client is second from the right.
        (2, "6.6.6.6, 203.0.113.7, 192.0.2.1", "203.0.113.7"),
        # Missing, too short or malformed: the connection's own address.
        (1, None, "10.0.0.9"),
        (1, "", "10.0.0.9"),
        (1, "203.0.113.7, ", "10.0.0.9"),
        (1, "unknown", "10.0.0.9"),
        (1, "203.0.113.7:4711", "10.0.0.9"),
        (2, "203.0.113.7", "10.0.0.9"),
        (3, "6.6.6.6, 203.0.113.7", "10.0.0.9"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(
    settings, proxies, forwarded_for, expected
):
    settings.TUTORIAL_TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": "10.0.0.9"}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for

    assert address_of(meta) == expected


def new_visitor(forwarded_for: str, **extra):
    return Client(REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded_for).get(
        "/playground/signals-101/", **extra
    )


def test_behind_a_trusted_proxy_each_client_has_its_own_new_sandbox_limit(settings):
    settings.PLAYGROUND_NEW_SANDBOXES_PER_HOUR = 1
    settings.TUTORIAL_TRUSTED_PROXIES = 1

    statuses = [
        new_visitor("203.0.113.7").status_code,
        new_visitor("203.0.113.7").status_code,
        new_visitor("198.51.100.2").status_code,
    ]

    assert statuses == [200, 429, 200]
    assert set(RateWindow.objects.values_list("key", "hits")) == {
        ("new-sandbox:203.0.113.7", 2),
        ("new-sandbox:198.51.100.2", 1),
    }


def test_without_trusted_proxies_a_forwarded_for_header_changes_nothing(settings):
    settings.PLAYGROUND_NEW_SANDBOXES_PER_HOUR = 1

    statuses = [new_visitor("203.0.113.7").status_code, new_visitor("198.51.100.2").status_code]

    assert statuses == [200, 429]
    assert list(RateWindow.objects.values_list("key", "hits")) == [("new-sandbox:10.0.0.9", 2)]


# --- 429 for a page and for htmx ------------------------------------------------------------


def test_a_refused_new_sandbox_gets_a_whole_page_when_a_page_asked(settings):
    settings.PLAYGROUND_NEW_SANDBOXES_PER_HOUR = 0

    response = Client().get("/playground/signals-101/")

    html = response.content.decode()
    assert response.status_code == 429
    assert html.count('class="site-header"') == 1
    assert "<h1>Slow down a little</h1>" in html


def test_a_refused_new_sandbox_gets_only_a_panel_fragment_for_htmx(settings):
    settings.PLAYGROUND_NEW_SANDBOXES_PER_HOUR = 0

    response = Client().get("/playground/signals-101/panel/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert html.strip().startswith('<section id="playground" class="playground"')
    assert html.strip().endswith("</section>")
    assert "site-header" not in html
    assert "<html" not in html
    assert (
        '<div class="pg-alert pg-alert--error" role="alert">Too many new playground sandboxes '
        "from your address. Keep your browser&#x27;s cookies for this site, or try again "
        "later.</div>"
    ) in html
