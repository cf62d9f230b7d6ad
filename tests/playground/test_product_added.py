"""A product create answers with just what changed, when the page is exactly
one change behind; otherwise with the whole panel (playground/panels.py,
``product_added_context``)."""

import json
import re

import pytest
from django.test import Client

from playground import panels, scenarios
from playground.models import Action, OutboxEmail, Product, Sandbox
from playground.performing import perform
from playground.sandboxes import SESSION_KEY

pytestmark = pytest.mark.django_db

CREATE = "/playground/signals-101/do/product-create/"
FORM = {"product-create-name": "Pen", "product-create-price": "4.50", "product-create-stock": "7"}


def visitor(path: str = "/playground/signals-101/") -> tuple[Client, Sandbox]:
    client = Client()
    assert client.get(path).status_code == 200
    return client, Sandbox.objects.get(pk=client.session[SESSION_KEY])


def create(client: Client, version, path: str = CREATE, **fields):
    headers = {"HX-Request": "true"}
    if version is not None:
        headers["X-Playground-Version"] = str(version)
    return client.post(path, FORM | fields, headers=headers)


def oob_blocks(html: str) -> list[str]:
    return re.findall(r'hx-swap-oob="([^"]+)"', html)


def action_data(html: str) -> dict:
    [raw] = re.findall(r'data-action="([^"]+)"', html)
    return json.loads(raw.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&"))


def test_a_create_one_change_behind_answers_with_row_entry_email_and_version():
    client, sandbox = visitor()

    response = create(client, sandbox.version, **{"product-create-name": "Pen <b>"})

    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    html = response.content.decode()
    assert oob_blocks(html) == [
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
    action = Action.objects.get(sandbox=sandbox)
    assert f'id="action-{action.pk}"' in html


def test_the_entry_data_is_what_the_log_stored_in_order():
    client, sandbox = visitor()

    data = action_data(create(client, sandbox.version).content.decode())

    assert data["label"] == "Created Product 'Pen'"
    assert (data["note"], data["error"]) == ("", "")
    assert [(e["position"], e["depth"], e["signal"], e["sender"]) for e in data["events"]] == [
        (1, 0, "pre_init", "Product"),
        (2, 0, "post_init", "Product"),
        (3, 0, "pre_save", "Product"),
        (4, 0, "post_save", "Product"),
    ]
    post_save = data["events"][3]
    assert ["created", "True"] in post_save["arguments"]
    names = [run["name"].rsplit(".", 1)[1] for run in post_save["receivers"]]
    assert names[:3] == ["report_product_saved", "log_price", "log_stock"]
    first = post_save["receivers"][0]
    assert first["result"] == "Product 'Pen' was created"
    assert first["own"] is True  # signals-101's own receiver
    assert post_save["receivers"][1]["own"] is False
    assert re.fullmatch(r"\d+\.\d{3}", first["ms"])


def test_action_data_formats_ms_as_the_template_does():
    stored = {
        "position": 1,
        "depth": 1,
        "signal": "post_save",
        "sender": "Product",
        "arguments": [["raw", "False"]],
        "receivers": [{"name": "a.b", "result": "", "error": "E", "ms": 0.0625}],
    }
    action = Action(label="x", note="", error="", events=[stored])

    [event] = panels.action_data(action, {"a.b"})["events"]

    assert event == stored | {
        "receivers": [{"name": "a.b", "result": "", "error": "E", "ms": "0.062", "own": True}]
    }


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
