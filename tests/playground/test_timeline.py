"""A log entry as a timeline: lanes, boxes in order, and arrows for what sent what."""

import re

import pytest

from playground.models import LogEntry, Product
from playground.sandboxes import create_sandbox
from playground.timeline import lay_out
from tests.playground.logged import press, visitor


@pytest.mark.django_db(transaction=True)  # autocommit, as on the site
def test_a_cascade_delete_has_a_lane_per_model_and_dashed_arrows_from_the_product():
    sandbox = create_sandbox(scenario="delete-signals")
    pen = Product.objects.get(sandbox=sandbox, name="Fountain pen")
    entry = press(sandbox, "delete", {}, scenario="delete-signals", record=pen).entry

    timeline = lay_out(entry)

    assert [lane.name for lane in timeline.lanes] == [
        "View",
        "Review",
        "Product",
        "Database",
        "Transaction",
    ]
    assert [(node.lane.name, node.label) for node in timeline.nodes] == [
        ("View", "the view"),
        ("Database", "SELECT review"),
        ("Review", "pre_init"),
        ("Review", "post_init"),
        ("Review", "pre_init"),
        ("Review", "post_init"),
        ("Transaction", "BEGIN"),
        ("Review", "pre_delete"),
        ("Review", "pre_delete"),
        ("Product", "pre_delete"),
        ("Database", "DELETE review"),
        ("Review", "post_delete"),
        ("Review", "post_delete"),
        ("Database", "DELETE product"),
        ("Product", "post_delete"),
        ("Transaction", "COMMIT"),
    ]
    # Each of the reviews' four delete signals came from the product's delete.
    cascades = [arrow for arrow in timeline.arrows if arrow.kind == "cascade"]
    review_columns = [
        node.x + 52
        for node in timeline.nodes
        if node.label.endswith("_delete") and node.lane.name == "Review"
    ]
    assert [arrow.x1 for arrow in cascades] == review_columns
    product_lane = timeline.lanes[2].y
    assert {arrow.y1 for arrow in cascades} == {product_lane - 6}
    assert [node.sent_by for node in timeline.nodes if node.lane.name == "Review"][-1] == (
        "the cascade from the Product being deleted"
    )
    assert timeline.width == 150 + 16 * 112


@pytest.mark.django_db(transaction=True)
def test_what_a_receiver_does_gets_an_arrow_from_its_signal():
    sandbox = create_sandbox(scenario="custom-signals")
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    entry = press(sandbox, "view", {}, scenario="custom-signals", record=notebook).entry

    timeline = lay_out(entry)

    signal, *work = timeline.nodes[1:]
    assert (signal.lane.name, signal.label, signal.sent_by) == (
        "Product",
        "product_viewed",
        "the view",
    )
    assert [(node.lane.name, node.label, node.sent_by) for node in work] == [
        ("Database", "UPDATE product", "a receiver of product_viewed (sender Product)"),
    ]
    [arrow] = timeline.arrows
    assert (arrow.kind, arrow.x1, arrow.y1) == ("sent", signal.x + 104, signal.lane.y)
    assert (arrow.x2, arrow.y2) == (work[0].x + 52, work[0].lane.y - 15)


@pytest.mark.django_db
def test_the_timeline_page_draws_it_and_says_it_in_words():
    client, sandbox = visitor("custom-signals")
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    entry = press(sandbox, "view", {}, scenario="custom-signals", record=notebook).entry

    response = client.get(f"/playground/log/{entry.pk}/timeline/")

    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<text class="pg-timeline__lane"[^>]*>([^<]+)</text>', html) == [
        "View",
        "Product",
        "Database",
    ]
    assert '<svg class="pg-timeline__svg"' in html
    assert 'role="img" aria-labelledby="timeline-svg-title"' in html
    words = re.findall(r"<li><strong>([^<]+)</strong>", html)
    assert words == ["View:", "Product:", "Database:"]
    assert "(sent by a receiver of product_viewed (sender Product))" in html


@pytest.mark.django_db
def test_another_visitors_entry_or_a_missing_one_is_a_404():
    client, _ = visitor("custom-signals")
    _other, sandbox = visitor("custom-signals")
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    entry = press(sandbox, "view", {}, scenario="custom-signals", record=notebook).entry

    assert client.get(f"/playground/log/{entry.pk}/timeline/").status_code == 404
    assert client.get("/playground/log/999999/timeline/").status_code == 404


@pytest.mark.django_db
def test_each_log_entry_links_to_its_timeline():
    client, sandbox = visitor("custom-signals")
    notebook = Product.objects.get(sandbox=sandbox, name="Notebook")
    entry = press(sandbox, "view", {}, scenario="custom-signals", record=notebook).entry

    html = client.get("/playground/custom-signals/").content.decode()

    assert (
        f'<a class="pg-action__timeline" href="/playground/log/{entry.pk}/timeline/">Timeline'
        '<span class="visually-hidden"> of “Viewed Product &#x27;Notebook&#x27;: '
        "product_viewed.send()”</span></a>"
    ) in html


@pytest.mark.django_db
def test_an_entry_that_ended_with_an_error_says_so_under_its_steps():
    client, sandbox = visitor("custom-signals")
    entry = LogEntry.objects.create(
        sandbox=sandbox, label="Shared", events=[], error="ConnectionError: the feed is down"
    )

    html = client.get(f"/playground/log/{entry.pk}/timeline/").content.decode()

    assert (
        '<p class="pg-action__error">The action ended with '
        "<code>ConnectionError: the feed is down</code></p>"
    ) in html


@pytest.mark.django_db
def test_an_entry_of_a_sandbox_with_no_scenario_still_opens():
    client, sandbox = visitor("custom-signals")
    sandbox.scenario = ""
    sandbox.save(update_fields=["scenario"])
    entry = LogEntry.objects.create(sandbox=sandbox, label="Loose", events=[])

    response = client.get(f"/playground/log/{entry.pk}/timeline/")

    assert response.status_code == 200
    assert "Back to the log" not in response.content.decode()
