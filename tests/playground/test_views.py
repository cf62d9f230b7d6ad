"""The playground's HTTP surface: isolation, live updates, limits, uploads,
the admin, and bad input."""

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from playground.models import (
    MAX_RECORDS_PER_MODEL,
    Article,
    LogEntry,
    OutboxEmail,
    Product,
    Review,
    Sandbox,
    Tag,
)
from playground.services import version_of
from tests.playground.logged import HTMX, visitor

pytestmark = pytest.mark.django_db


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_first_visit_creates_a_seeded_sandbox_and_later_visits_reuse_it():
    client, sandbox = visitor()
    client.get("/playground/signals-101/")
    client.get(reverse("playground:panel", args=["signals-101"]), **HTMX)

    assert list(Sandbox.objects.values_list("pk", "scenario")) == [(sandbox.pk, "signals-101")]
    assert list(Product.objects.filter(sandbox=sandbox).values_list("name", "price", "stock")) == [
        ("Fountain pen", Decimal("24.00"), 12),
        ("Notebook", Decimal("6.50"), 40),
        ("Desk lamp", Decimal("39.90"), 3),
    ]
    assert Review.objects.filter(sandbox=sandbox).count() == 3
    assert list(Tag.objects.filter(sandbox=sandbox).values_list("name", flat=True)) == [
        "django",
        "signals",
        "orm",
    ]
    assert LogEntry.objects.filter(sandbox=sandbox).count() == 0
    assert OutboxEmail.objects.filter(sandbox=sandbox).count() == 0


def test_each_scenario_gets_its_own_sandbox_untouched_by_the_others():
    client, first = visitor("signals-101")
    client.post(
        "/playground/signals-101/do/product-create/",
        {
            "product-create-name": "Pen",
            "product-create-price": "2.50",
            "product-create-stock": "30",
        },
        **HTMX,
    )
    page = client.get("/playground/receivers/").content.decode()

    second = Sandbox.objects.get(visitor=first.visitor, scenario="receivers")
    assert second.pk != first.pk
    assert list(Product.objects.filter(sandbox=second).values_list("name", flat=True)) == [
        "Fountain pen",
        "Notebook",
        "Desk lamp",
    ]
    assert "Pen</strong>" not in page
    assert LogEntry.objects.filter(sandbox=second).count() == 0
    # Coming back to the first lesson finds its work as it was left.
    back = client.get("/playground/signals-101/").content.decode()
    assert '<strong class="pg-row__name">Pen</strong>' in back
    assert Sandbox.objects.filter(visitor=first.visitor).count() == 2


RECORD_URLS = [
    ("product", "edit", {"name": "Stolen", "price": "1", "stock": "1"}),
    ("product", "edit-atomic", {"name": "Stolen", "price": "1", "stock": "1"}),
    ("product", "stock", {"stock": "0"}),
    ("product", "delete", {}),
    ("product", "refresh", {}),
    ("product", "view", {}),
    ("product", "share", {}),
    ("product", "share-robust", {}),
    ("product", "review", {"author": "Eve", "rating": "1"}),
    ("review", "edit", {"author": "Eve", "rating": "1"}),
    ("review", "delete", {}),
    ("article", "edit", {"title": "Stolen", "body": ""}),
    ("article", "delete", {}),
    ("tag", "edit", {"name": "stolen"}),
    ("tag", "delete", {}),
]


def test_no_object_url_reaches_another_sandbox():
    alice, alice_box = visitor()
    eve, _ = visitor()
    records = {
        "product": Product.objects.filter(sandbox=alice_box).first(),
        "review": Review.objects.filter(sandbox=alice_box).first(),
        "article": Article.objects.filter(sandbox=alice_box).first(),
        "tag": Tag.objects.filter(sandbox=alice_box).first(),
    }
    before = {
        model: list(cls.objects.filter(sandbox=alice_box).values())
        for model, cls in [("p", Product), ("r", Review), ("a", Article), ("t", Tag)]
    }
    urls = [
        f"/playground/signals-101/{model}/{records[model].pk}/{action}/"
        for model, action, _ in RECORD_URLS
    ]
    urls += [
        f"/playground/m2m-changed/{model}/{records[model].pk}/link/{operation}/"
        for model in ("article", "tag")
        for operation in ("add", "remove", "clear", "set")
    ]
    urls.append(f"/playground/async-signals/product/{records['product'].pk}/view-async/")

    statuses = [eve.post(url, {}, **HTMX).status_code for url in urls]

    assert statuses == [404] * len(urls)
    after = {
        model: list(cls.objects.filter(sandbox=alice_box).values())
        for model, cls in [("p", Product), ("r", Review), ("a", Article), ("t", Tag)]
    }
    assert after == before
    assert LogEntry.objects.filter(sandbox=alice_box).count() == 0
    # Alice herself can still edit her record.
    ok = alice.post(
        f"/playground/signals-101/product/{records['product'].pk}/edit/",
        {
            f"product-{records['product'].pk}-edit-name": "Mine",
            f"product-{records['product'].pk}-edit-price": "2",
            f"product-{records['product'].pk}-edit-stock": "2",
            f"product-{records['product'].pk}-edit-version": version_of(records["product"]),
        },
        **HTMX,
    )
    assert ok.status_code == 200


def test_link_form_refuses_ids_from_another_sandbox():
    alice, alice_box = visitor("m2m-changed")
    _, eve_box = visitor("m2m-changed")
    article = Article.objects.filter(sandbox=alice_box).first()
    foreign_tag = Tag.objects.filter(sandbox=eve_box).first()
    links_before = list(foreign_tag.articles.values_list("pk", flat=True))
    tags_before = list(article.tags.values_list("pk", flat=True))

    response = alice.post(
        f"/playground/m2m-changed/article/{article.pk}/link/add/",
        {f"article-{article.pk}-link-targets": [str(foreign_tag.pk)]},
        **HTMX,
    )

    assert response.status_code == 422
    assert (
        "A selected record no longer exists (deleted in another tab?). Its box is gone now: "
        "choose again." in response.content.decode()
    )
    assert list(foreign_tag.articles.values_list("pk", flat=True)) == links_before
    assert list(article.tags.values_list("pk", flat=True)) == tags_before


def test_live_endpoint_answers_204_until_something_changes():
    client, sandbox = visitor()
    url = "/playground/signals-101/live/"

    unchanged = client.get(url, {"v": sandbox.version})
    assert (unchanged.status_code, unchanged.content) == (204, b"")

    client.post(
        "/playground/signals-101/do/product-create/",
        {"product-create-name": "Lamp", "product-create-price": "3", "product-create-stock": "4"},
        **HTMX,
    )
    sandbox.refresh_from_db()
    assert sandbox.version == 1

    changed = client.get(url, {"v": 0})
    html = changed.content.decode()
    assert changed.status_code == 200
    assert re.findall(r'<div id="(pg-[a-z]+)"[^>]*hx-swap-oob="true"', html) == [
        "pg-records",
        "pg-log",
        "pg-outbox",
        "pg-poller",
    ]
    assert f"/playground/signals-101/live/?v={sandbox.version}" in html
    assert "Created Product &#x27;Lamp&#x27;" in html
    assert client.get(url, {"v": sandbox.version}).status_code == 204


def test_user_text_is_escaped_in_records_and_log():
    client, _ = visitor()
    name = "<script>alert('x')</script>"

    response = client.post(
        "/playground/signals-101/do/product-create/",
        {"product-create-name": name, "product-create-price": "1", "product-create-stock": "1"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 3  # the row, the action label, the arguments


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"name": "", "price": "-1", "stock": "-2"},
            [
                "This field is required.",
                "The price cannot be negative.",
                "Stock cannot be negative.",
            ],
        ),
        (
            {"name": "x" * 81, "price": "1234567.891", "stock": "1000001"},
            [
                "Ensure this value has at most 80 characters (it has 81).",
                "Ensure that there are no more than 8 digits in total.",
                "Ensure this value is less than or equal to 1000000.",
            ],
        ),
        (
            {"name": "ok", "price": "abc", "stock": "1.5"},
            ["Enter a number.", "Enter a whole number."],
        ),
    ],
)
def test_bad_input_gets_field_messages_and_a_422(data, errors):
    client, sandbox = visitor()

    response = client.post(
        "/playground/signals-101/do/product-create/",
        {f"product-create-{key}": value for key, value in data.items()},
        **HTMX,
    )

    assert response.status_code == 422
    assert re.findall(
        r'<small class="pg-error"[^>]*>([^<]+)</small>', response.content.decode()
    ) == [message.replace("'", "&#x27;") for message in errors]
    assert Product.objects.filter(sandbox=sandbox).count() == 3
    assert LogEntry.objects.filter(sandbox=sandbox).count() == 0


def test_bad_input_without_htmx_renders_the_page_with_errors():
    client, _ = visitor()

    response = client.post(
        "/playground/signals-101/do/product-create/",
        {"product-create-name": "", "product-create-price": "1", "product-create-stock": "1"},
    )

    assert response.status_code == 422
    assert "<title>Signals 101 · Playground · Django signals</title>" in response.content.decode()


def test_success_without_htmx_redirects_back_to_the_scenario():
    client, _ = visitor()

    response = client.post(
        "/playground/signals-101/do/product-create/",
        {"product-create-name": "Ink", "product-create-price": "1", "product-create-stock": "1"},
    )

    assert (response.status_code, response["Location"]) == (
        302,
        "/playground/signals-101/#playground",
    )


def test_a_sandbox_holds_at_most_100_records_per_model():
    client, sandbox = visitor()
    Product.objects.bulk_create(
        Product(sandbox=sandbox, name=f"P{number}", price=1, stock=1)
        for number in range(MAX_RECORDS_PER_MODEL - 3)
    )

    response = client.post(
        "/playground/signals-101/do/product-create/",
        {
            "product-create-name": "One too many",
            "product-create-price": "1",
            "product-create-stock": "1",
        },
        **HTMX,
    )

    assert response.status_code == 409
    assert (
        "A sandbox holds at most 100 products; delete some or start this lesson again."
        in response.content.decode()
    )
    assert Product.objects.filter(sandbox=sandbox).count() == MAX_RECORDS_PER_MODEL


def test_unknown_scenario_action_or_model_is_a_404_and_get_is_a_405():
    client, sandbox = visitor()
    product = Product.objects.filter(sandbox=sandbox).first()

    missing = client.get("/playground/no-such-scenario/")
    assert missing.status_code == 404
    assert "<h1>No playground scenario called “no-such-scenario”</h1>" in missing.content.decode()
    assert client.post("/playground/signals-101/do/launch-rockets/").status_code == 404
    assert client.post(f"/playground/signals-101/widget/{product.pk}/edit/").status_code == 404
    assert client.post(f"/playground/signals-101/product/{product.pk}/explode/").status_code == 404
    assert client.post("/playground/m2m-changed/article/1/link/merge/").status_code == 404
    assert client.post("/playground/signals-101/switch/self_destruct/").status_code == 404
    assert client.get(f"/playground/signals-101/product/{product.pk}/delete/").status_code == 405
    async_get = client.get(f"/playground/async-signals/product/{product.pk}/view-async/")
    assert (async_get.status_code, async_get["Allow"]) == (405, "POST")


def test_reset_restores_the_starting_records_and_empties_log_and_outbox():
    client, sandbox = visitor()
    client.post(
        "/playground/signals-101/do/product-create/",
        {"product-create-name": "Temp", "product-create-price": "1", "product-create-stock": "1"},
        **HTMX,
    )
    client.post("/playground/transactions/switch/fail_post_save/", {"on": "on"}, **HTMX)
    assert OutboxEmail.objects.filter(sandbox=sandbox).count() == 1

    response = client.post("/playground/signals-101/reset/", **HTMX)

    assert response.status_code == 200
    assert list(
        Product.objects.filter(sandbox=sandbox).order_by("pk").values_list("name", flat=True)
    ) == ["Fountain pen", "Notebook", "Desk lamp"]
    assert LogEntry.objects.filter(sandbox=sandbox).count() == 0
    assert OutboxEmail.objects.filter(sandbox=sandbox).count() == 0
    sandbox.refresh_from_db()
    assert sandbox.fail_post_save is False


class TestUploads:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        return tmp_path

    def post_image(self, client, upload):
        return client.post(
            "/playground/delete-signals/do/product-create/",
            {
                "product-create-name": "Framed",
                "product-create-price": "5",
                "product-create-stock": "5",
                "product-create-image": upload,
            },
            **HTMX,
        )

    def test_an_image_is_stored_under_media_and_removed_with_its_product(
        self, media, django_capture_on_commit_callbacks
    ):
        client, sandbox = visitor("delete-signals")

        response = self.post_image(client, SimpleUploadedFile("photo.png", png_bytes()))

        assert response.status_code == 200
        product = Product.objects.get(sandbox=sandbox, name="Framed")
        stored = media / product.image.name
        assert re.fullmatch(
            rf"playground/sandbox-{sandbox.pk}/[0-9a-f]{{32}}\.png", product.image.name
        )
        assert stored.read_bytes() == png_bytes()
        assert f'src="/media/{product.image.name}"' in response.content.decode()

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            deleted = client.post(
                f"/playground/delete-signals/product/{product.pk}/delete/", **HTMX
            )

        assert deleted.status_code == 200
        assert len(callbacks) == 1
        assert not stored.exists()

    def test_a_text_file_named_png_is_refused_by_its_content(self, media):
        client, sandbox = visitor()

        response = self.post_image(
            client, SimpleUploadedFile("photo.png", b"not an image at all", "image/png")
        )

        assert response.status_code == 422
        assert (
            "Upload a valid image. The file you uploaded was either not an image or a "
            "corrupted image." in response.content.decode()
        )
        assert not Product.objects.filter(sandbox=sandbox, name="Framed").exists()
        assert list(media.iterdir()) == []

    def test_an_image_over_2_mb_is_refused(self, media):
        client, sandbox = visitor()
        # A valid PNG padded past 2 MB with a trailing comment chunk.
        big = png_bytes() + b"\0" * (2 * 1024 * 1024)

        response = self.post_image(client, SimpleUploadedFile("big.png", big, "image/png"))

        assert response.status_code in (413, 422)
        assert not Product.objects.filter(sandbox=sandbox, name="Framed").exists()
        assert list(media.iterdir()) == []


def test_a_body_over_the_limit_is_refused_before_it_is_read():
    client, sandbox = visitor()

    response = client.post(
        "/playground/delete-signals/do/product-create/",
        {"product-create-image": SimpleUploadedFile("huge.png", b"0" * (3 * 1024 * 1024))},
        **HTMX,
    )

    assert response.status_code == 413
    assert (
        '<div class="pg-alert pg-alert--error" role="alert">The upload is larger than 2 MB. '
        "Choose a smaller image.</div>" in response.content.decode()
    )
    assert Product.objects.filter(sandbox=sandbox).count() == 3


def test_admin_changes_are_logged_in_the_owning_sandbox():
    _, sandbox = visitor()
    product = Product.objects.filter(sandbox=sandbox).first()
    admin = Client()
    admin.force_login(User.objects.create_superuser("admin", "a@example.com", "pw"))

    response = admin.post(
        f"/admin/playground/product/{product.pk}/change/",
        {
            "sandbox": sandbox.pk,
            "name": "Renamed in admin",
            "slug": product.slug,
            "price": "24.00",
            "stock": "12",
            "views": "0",
        },
    )

    assert response.status_code == 302
    entry = LogEntry.objects.get(sandbox=sandbox)
    assert entry.label == f"Admin: POST /admin/playground/product/{product.pk}/change/"
    assert [(event["signal"], event["sender"]) for event in entry.events] == [
        ("pre_save", "Product"),
        ("post_save", "Product"),
    ]
    sandbox.refresh_from_db()
    assert sandbox.version == 1


def test_admin_list_pages_log_nothing():
    _, sandbox = visitor()
    admin = Client()
    admin.force_login(User.objects.create_superuser("admin", "a@example.com", "pw"))

    assert admin.get("/admin/playground/product/").status_code == 200
    assert LogEntry.objects.filter(sandbox=sandbox).count() == 0


def test_raise_button_logs_got_request_exception_and_shows_a_message():
    # Like a browser: the test client must not re-raise the view's exception.
    client, sandbox = visitor("request-signals", raise_request_exception=False)

    response = client.post("/playground/request-signals/raise/", **HTMX)

    assert response.status_code == 200
    assert "The view raised RaisedOnPurpose. Django caught it" in response.content.decode()
    entry = LogEntry.objects.get(sandbox=sandbox)
    assert entry.label == "Request: POST /playground/request-signals/raise/ → 500"
    assert [event["signal"] for event in entry.events] == [
        "request_started",
        "got_request_exception",
        "request_finished",
    ]


def test_a_returning_visitor_marks_the_sandbox_as_seen_at_most_once_a_minute():
    client, sandbox = visitor()
    long_ago = sandbox.last_seen_at.replace(year=2020)
    Sandbox.objects.filter(pk=sandbox.pk).update(last_seen_at=long_ago)

    client.get("/playground/signals-101/")
    sandbox.refresh_from_db()
    first_seen = sandbox.last_seen_at
    client.get("/playground/signals-101/")
    sandbox.refresh_from_db()

    assert first_seen > long_ago
    assert sandbox.last_seen_at == first_seen


def test_nothing_changed_costs_one_query_and_no_session_lookup(django_assert_num_queries):
    from playground.panels import poll_token

    client, sandbox = visitor()
    url = f"/playground/signals-101/live/?v={sandbox.version}&s={poll_token(sandbox)}"

    with django_assert_num_queries(1):
        response = client.get(url)

    assert (response.status_code, response.content) == (204, b"")


def test_a_poll_token_never_shows_another_visitors_sandbox():
    from playground.panels import poll_token

    alice, alice_box = visitor()
    eve, eve_box = visitor()
    alice.post(
        "/playground/signals-101/do/product-create/",
        {
            "product-create-name": "Private",
            "product-create-price": "1",
            "product-create-stock": "1",
        },
        **HTMX,
    )

    # Eve replays Alice's token with a stale version: the token only ever
    # answers "nothing changed"; anything else is served from Eve's session.
    response = eve.get("/playground/signals-101/live/", {"v": "stale", "s": poll_token(alice_box)})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Private" not in html
    assert f"?v={eve_box.version}&amp;s=" in html
    assert Product.objects.filter(sandbox=eve_box, name="Private").count() == 0


@pytest.mark.parametrize("token", ["", "garbage", "1:abc", "W10:xyz", "1.abc", "1.1.1"])
def test_a_bad_poll_token_falls_back_to_the_session(token):
    client, sandbox = visitor()

    unchanged = client.get("/playground/signals-101/live/", {"v": sandbox.version, "s": token})
    changed = client.get("/playground/signals-101/live/", {"v": "old", "s": token})

    assert unchanged.status_code == 204
    assert changed.status_code == 200
    assert 'id="pg-records"' in changed.content.decode()


# -- a page stays light: rows open on demand, the log in pages ---------------------------


def test_a_fresh_page_has_each_rows_edit_link_and_no_row_forms():
    client, sandbox = visitor()
    product = Product.objects.filter(sandbox=sandbox).first()

    html = client.get("/playground/signals-101/").content.decode()

    url = f"/playground/signals-101/product/{product.pk}/"
    assert f'<a class="pg-row__open" href="{url}#product-{product.pk}" hx-get="{url}"' in html
    assert f'name="product-{product.pk}-' not in html
    assert '<details class="pg-row__edit"' not in html


def test_opening_a_row_with_htmx_answers_that_row_with_its_forms():
    client, sandbox = visitor()
    product = Product.objects.get(sandbox=sandbox, name="Notebook")

    response = client.get(f"/playground/signals-101/product/{product.pk}/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li class="pg-row" id="product-{product.pk}">')
    assert '<details class="pg-row__edit" open>\n        <summary autofocus>Edit' in html
    assert re.findall(rf'name="product-{product.pk}-([a-z-]+)-name" value="([^"]+)"', html) == [
        ("edit", "Notebook")
    ]
    assert f'name="product-{product.pk}-edit-version" value="{version_of(product)}"' in html


def test_opening_a_row_without_js_renders_the_page_with_that_row_open():
    client, sandbox = visitor("transactions")
    notebook, lamp = (
        Product.objects.get(sandbox=sandbox, name=name) for name in ("Notebook", "Desk lamp")
    )

    response = client.get(f"/playground/transactions/product/{notebook.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Signals and transactions · Playground" in html
    assert html.count('<details class="pg-row__edit" open>') == 1
    assert re.findall(rf'name="product-{notebook.pk}-([a-z-]+)-stock"', html) == [
        "edit",
        "edit-atomic",
    ]
    assert f'name="product-{lamp.pk}-' not in html
    assert "<summary autofocus>" not in html  # a whole page keeps its own focus


def test_opening_a_row_that_is_not_there_is_a_404():
    alice, alice_box = visitor()
    _, eve_box = visitor()
    eves = Product.objects.filter(sandbox=eve_box).first()
    article = Article.objects.filter(sandbox=alice_box).first()

    assert alice.get(f"/playground/signals-101/product/{eves.pk}/", **HTMX).status_code == 404
    assert alice.get(f"/playground/signals-101/product/{eves.pk}/").status_code == 404
    # signals-101 lists no articles; "widget" is no model.
    assert alice.get(f"/playground/signals-101/article/{article.pk}/").status_code == 404
    assert alice.get(f"/playground/signals-101/widget/{article.pk}/").status_code == 404


def logged_visitor(monkeypatch, actions: int) -> tuple[Client, list[int]]:
    """A visitor of model-lifecycle whose log holds ``actions`` product lists
    (6 events each: 3 products, pre_init and post_init), with pages of 20
    events; and the ids of its log entries, newest first."""
    from playground import log

    monkeypatch.setattr(log, "PAGE_EVENTS", 20)
    client, sandbox = visitor("model-lifecycle")
    for _ in range(actions):
        client.post("/playground/model-lifecycle/do/product-list/", **HTMX)
    entries = LogEntry.objects.filter(sandbox=sandbox).order_by("-id")
    return client, list(entries.values_list("id", flat=True))


def entry_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="pg-action[^"]*" id="action-(\d+)">', html)]


def test_the_log_shows_its_newest_entries_up_to_its_event_budget(monkeypatch):
    client, newest_first = logged_visitor(monkeypatch, 8)

    html = client.get("/playground/model-lifecycle/").content.decode()

    assert entry_ids(html) == newest_first[:3]
    url = "/playground/model-lifecycle/log/"
    before = newest_first[2]
    assert (
        f'<a href="{url}?before={before}#pg-log" hx-get="{url}?before={before}" '
        f'hx-target="#pg-actions" hx-swap="beforeend" data-then-focus="#action-{before} + li">'
        "Show older entries</a>" in html
    )


def test_show_older_entries_with_htmx_adds_the_next_page_and_moves_the_link(monkeypatch):
    client, newest_first = logged_visitor(monkeypatch, 8)
    url = "/playground/model-lifecycle/log/"

    second = client.get(url, {"before": newest_first[2]}, **HTMX).content.decode()
    last = client.get(url, {"before": newest_first[5]}, **HTMX).content.decode()

    assert entry_ids(second) == newest_first[3:6]
    assert f'hx-get="{url}?before={newest_first[5]}"' in second
    assert '<p class="pg-log__more" id="pg-log-more" hx-swap-oob="true">' in second
    assert entry_ids(last) == newest_first[6:]
    assert "Show older entries" not in last
    assert '<p class="pg-log__more" id="pg-log-more" hx-swap-oob="true">' in last


def test_show_older_entries_without_js_is_the_page_further_back(monkeypatch):
    client, newest_first = logged_visitor(monkeypatch, 4)

    response = client.get("/playground/model-lifecycle/log/", {"before": newest_first[2]})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>The model lifecycle · Playground" in html
    assert entry_ids(html) == newest_first[3:]
    assert '<a href="/playground/model-lifecycle/#pg-log">Back to the newest entries</a>' in html


@pytest.mark.parametrize("before", ["", "abc", "-1", "1.5", "9" * 19])
def test_show_older_entries_needs_an_entry_id(before):
    client, _ = visitor()

    response = client.get("/playground/signals-101/log/", {"before": before}, **HTMX)

    assert (response.status_code, response.content) == (
        400,
        "“before” must be a log entry's id.".encode(),
    )


def test_who_is_listening_loads_its_list_when_opened():
    client, _ = visitor("receivers")
    url = "/playground/receivers/listening/"

    page = client.get("/playground/receivers/").content.decode()
    listeners = client.get(url, **HTMX).content.decode()

    assert (
        f'<details class="pg-card pg-listening" id="pg-listening" data-keep-open hx-get="{url}" '
        'hx-trigger="toggle once" '
        'hx-target="find .pg-listening__list" hx-swap="innerHTML">' in page
    )
    assert f'<p><a href="{url}">See the receivers connected right now</a></p>' in page
    assert "pg-listener" not in page
    assert "<html" not in listeners
    # On the scenario's page: h1 title, h2 sections, h3 signals.
    assert re.findall(
        r'<h3 class="pg-listening__signal"><code>([\w.]+)</code></h3>', listeners
    ) == ["post_save"]
    names = re.findall(r"<summary><code>([\w.]+)</code>", listeners)
    assert names[0] == "playground.recording.observe"
    assert [name for name in names if ".log_" in name] == [
        "playground.receivers.log_price",
        "playground.receivers.log_stock",
    ]


def test_beside_a_lesson_the_panels_headings_are_one_level_lower():
    client, _ = visitor("receivers")
    beside = {**HTMX, "HTTP_HX_CURRENT_URL": "http://testserver/lessons/receivers/"}

    panel = client.get("/playground/receivers/panel/", **beside).content.decode()
    listeners = client.get("/playground/receivers/listening/", **beside).content.decode()
    page = client.get("/playground/receivers/").content.decode()

    headings = r"<(h\d) [^>]*>(?:<code>)?([\w ]+)"
    assert re.findall(headings, panel) == [
        ("h2", "Receivers"),
        ("h3", "Products "),
        ("h3", "Signal log"),
        ("h3", "Outbox "),
    ]
    assert re.findall(headings, listeners) == [("h4", "post_save")]
    assert re.findall(headings, page) == [
        ("h1", "Receivers"),
        ("h2", "Products "),
        ("h2", "Signal log"),
        ("h2", "Outbox "),
    ]


def test_who_is_listening_without_js_is_a_page_of_its_own():
    client = Client()

    response = client.get("/playground/receivers/listening/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Who is listening? · Receivers" in html
    assert '<h1 class="playground__title">Who is listening?</h1>' in html
    assert '<h2 class="pg-listening__signal"><code>post_save</code></h2>' in html
    assert client.get("/playground/no-such-scenario/listening/").status_code == 404


def test_older_entries_the_page_loaded_stay_through_live_updates_and_actions(monkeypatch):
    client, newest_first = logged_visitor(monkeypatch, 8)
    url = "/playground/model-lifecycle/log/"

    older = client.get(url, {"before": newest_first[2]}, **HTMX).content.decode()
    oldest_shown = newest_first[5]
    live = client.get(
        "/playground/model-lifecycle/live/", {"v": "0", "log_down_to": oldest_shown}, **HTMX
    ).content.decode()
    after_an_action = client.post(
        "/playground/model-lifecycle/do/product-list/", {"log_down_to": oldest_shown}, **HTMX
    ).content.decode()
    fresh = client.get("/playground/model-lifecycle/live/", {"v": "0"}, **HTMX).content.decode()

    state = f'<input type="hidden" class="pg-view-state" name="log_down_to" value="{oldest_shown}">'
    assert state in older
    assert entry_ids(live) == newest_first[:6]
    assert state in live
    assert entry_ids(after_an_action)[1:] == newest_first[:6]
    assert len(entry_ids(fresh)) == 3
    assert "pg-view-state" not in fresh


def test_show_older_entries_without_js_and_a_bad_id_is_the_sites_400_page():
    client, _ = visitor()

    response = client.get("/playground/signals-101/log/", {"before": "abc"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "<h1>The server could not read that request</h1>" in html
    assert '<p role="alert">“before” must be a log entry&#x27;s id.</p>' in html


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded; charset=utf-16",
    ],
)
def test_a_reset_with_an_unreadable_body_still_answers_with_the_panel(content_type):
    """Reset reads no form; the panel it answers with must not fail on the
    body it cannot read (it looks there for the page's view state)."""
    client, _ = visitor()

    response = client.generic(
        "POST",
        "/playground/signals-101/reset/",
        b'y\xeb\x9d\xa8"V\x96M',
        content_type=content_type,
        **HTMX,
    )

    assert response.status_code == 200
    assert "This lesson’s sandbox is back to its starting records" in response.content.decode()


def edit_notebook(client, sandbox, name: str):
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    key = f"product-{notebook.pk}-edit"
    fields = {"name": name, "price": "6.50", "stock": "40", "version": version_of(notebook)}
    return client.post(
        f"/playground/signals-101/product/{notebook.pk}/edit/",
        {f"{key}-{field}": value for field, value in fields.items()},
        **HTMX,
    )


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Red pen", "Updated Product 'Red pen' (renamed from 'Notebook')"),
        ("Notebook", "Updated Product 'Notebook'"),
    ],
)
def test_an_edit_is_labelled_with_the_name_the_record_has_after_it(name, label):
    client, sandbox = visitor()

    assert edit_notebook(client, sandbox, name).status_code == 200

    entry = LogEntry.objects.filter(sandbox=sandbox).latest("pk")
    assert entry.label == label


@pytest.mark.parametrize(
    ("slug", "name"),
    [("signals-101", "fail_post_save"), ("transactions", "log_requests")],
)
def test_a_switch_is_only_in_the_scenario_that_shows_it(slug, name):
    client, sandbox = visitor(slug)

    response = client.post(f"/playground/{slug}/switch/{name}/", {"on": "on"}, **HTMX)

    assert response.status_code == 404
    sandbox.refresh_from_db()
    assert (sandbox.fail_post_save, sandbox.log_requests) == (False, False)
