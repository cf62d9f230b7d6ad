"""A product create answers with just what changed, when the page is exactly
one change behind; otherwise with the whole panel (playground/panels.py,
``render_added``)."""

import re

import pytest
from django.test import Client

from playground import scenarios
from playground.models import LogEntry, OutboxEmail, Product, Sandbox
from playground.performing import perform
from tests.playground.logged import sandbox_of

pytestmark = pytest.mark.django_db

CREATE = "/playground/signals-101/do/product-create/"
FORM = {"product-create-name": "Pen", "product-create-price": "4.50", "product-create-stock": "7"}


def visitor(path: str = "/playground/signals-101/") -> tuple[Client, Sandbox]:
    client = Client()
    assert client.get(path).status_code == 200
    return client, sandbox_of(client.session, path.strip("/").split("/")[1])


def create(client: Client, version, path: str = CREATE, **fields):
    headers = {"HX-Request": "true"}
    if version is not None:
        headers["X-Playground-Version"] = str(version)
    return client.post(path, FORM | fields, headers=headers)


def oob_blocks(html: str) -> list[str]:
    return re.findall(r'hx-swap-oob="([^"]+)"', html)


def entry(html: str) -> str:
    """The log entry the in-place answer adds (its out-of-band block)."""
    [block] = re.findall(r'<ol hx-swap-oob="afterbegin:#pg-actions">(.*?)</ol>\s*<ul', html, re.S)
    return block


def test_a_create_one_change_behind_answers_with_row_entry_email_and_version():
    client, sandbox = visitor()

    response = create(client, sandbox.version, **{"product-create-name": "Pen <b>"})

    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    html = response.content.decode()
    assert oob_blocks(html) == [
        "true",  # the messages, now empty
        "true",  # the create form, blank again
        "beforeend:#pg-list-products",
        "afterbegin:#pg-actions",
        "afterbegin:#pg-outbox-list",
        "true",  # the poller, with the new version
    ]
    product = Product.objects.get(sandbox=sandbox, name="Pen <b>")
    assert f'<li class="pg-row" id="product-{product.pk}">' in html
    assert "Pen &lt;b&gt;" in html
    assert "Pen <b>" not in html
    email = OutboxEmail.objects.get(sandbox=sandbox)
    assert (
        f'<li class="pg-mail" id="email-{email.pk}"><strong>New product: Pen &lt;b&gt;</strong>'
        in html
    )
    sandbox.refresh_from_db()
    assert f'data-version="{sandbox.version}"' in html
    assert f"?v={sandbox.version}&amp;" in html
    stored = LogEntry.objects.get(sandbox=sandbox)
    assert f'id="action-{stored.pk}"' in html


def test_the_entry_is_the_log_partial_as_a_fresh_page_renders_it():
    client, sandbox = visitor()

    added = entry(create(client, sandbox.version).content.decode())

    page = client.get("/playground/signals-101/").content.decode()
    assert added.strip() in page
    assert re.findall(r'<p class="pg-action__label">([^<]+)</p>', added) == [
        "Created Product &#x27;Pen&#x27;"
    ]
    assert re.findall(r'<code class="pg-event__signal">([^<]+)</code>', added) == [
        "pre_init",
        "post_init",
        "pre_save",
        "post_save",
    ]
    assert "<code>created=True</code>" in added
    # signals-101's own receiver is marked as such; the others are not.
    own = re.findall(r'<li class="pg-run pg-run--own">\s*<code class="pg-run__name">([^<]+)', added)
    assert own == ["playground.receivers.report_product_saved"]
    assert "→ Product &#x27;Pen&#x27; was created" in added
    assert re.search(r'<span class="pg-run__ms">\d+\.\d{3} ms</span>', added)


@pytest.mark.parametrize("shown", [None, "", "abc", "-1", "9" * 40, "stale"])
def test_a_page_not_exactly_one_change_behind_gets_the_whole_panel(shown):
    client, sandbox = visitor()
    version = sandbox.version - 1 if shown == "stale" else shown

    response = create(client, version)

    assert response.status_code == 200
    assert "HX-Reswap" not in response
    html = response.content.decode()
    assert '<section id="playground"' in html
    assert "hx-swap-oob" not in html.split('<section id="playground"')[0]
    assert Product.objects.filter(sandbox=sandbox, name="Pen").count() == 1


def test_a_change_in_between_means_the_whole_panel():
    client, sandbox = visitor()
    shown = sandbox.version
    # Another tab's action: the page no longer shows the sandbox as it was.
    perform(sandbox, "elsewhere", lambda: None)

    response = create(client, shown)

    assert "HX-Reswap" not in response
    assert '<section id="playground"' in response.content.decode()


def test_a_failed_create_gets_the_whole_panel_with_its_message():
    client, sandbox = visitor()
    Sandbox.objects.filter(pk=sandbox.pk).update(fail_post_save=True)

    response = create(client, sandbox.version)

    assert response.status_code == 409
    assert "HX-Reswap" not in response
    assert "A receiver raised RuntimeError" in response.content.decode()


def test_without_htmx_the_create_goes_back_to_the_page():
    client, sandbox = visitor()

    response = client.post(CREATE, FORM, headers={"X-Playground-Version": str(sandbox.version)})

    assert response.status_code == 302
    assert response["Location"] == "/playground/signals-101/#playground"


def test_a_scenario_without_products_gets_the_whole_panel():
    client, sandbox = visitor("/playground/m2m-changed/")

    response = create(client, sandbox.version, path="/playground/m2m-changed/do/product-create/")

    assert "HX-Reswap" not in response
    assert "products" not in scenarios.get("m2m-changed").records


def test_the_answer_brings_the_create_form_back_blank_and_clears_the_messages():
    client, sandbox = visitor()
    refused = create(client, sandbox.version, **{"product-create-price": "-1"})
    assert refused.status_code == 422
    assert 'value="-1"' in refused.content.decode()

    added = create(client, sandbox.version).content.decode()

    assert '<div id="pg-messages" hx-swap-oob="true"></div>' in added
    form = added[added.index("<form novalidate") : added.index("</form>")]
    assert 'id="pg-form-product-create" hx-swap-oob="true"' in form
    assert "pg-error" not in form
    assert 'value="-1"' not in form
    fields = re.findall(r'<input type="(text|number|file)" name="([^"]+)"([^>]*)>', form)
    assert [(kind, name) for kind, name, _ in fields] == [
        ("text", "product-create-name"),
        ("number", "product-create-price"),
        ("number", "product-create-stock"),
        ("file", "product-create-image"),
    ]
    assert [name for _, name, attributes in fields if "value=" in attributes] == []
