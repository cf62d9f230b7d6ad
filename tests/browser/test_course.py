"""The course in Chromium: Try-it steps in the embedded scenario, running a
lesson's tests from its page, and read marks on the index."""

import re

import pytest
from playwright.sync_api import Page, expect

from lessons import testruns
from lessons.catalog import get_catalog
from playground import scenarios
from tests.reader.test_testruns import python_without_pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_try_it_on_the_receivers_lesson_shows_both_receivers_in_order(page: Page, site):
    page.goto(site + "/lessons/receivers/")
    expect(page.get_by_role("heading", name="Try it")).to_be_visible()
    panel = page.locator("aside #playground")
    expect(panel.locator(".playground__title")).to_have_text("Receivers")

    panel.get_by_text("Create a product").click()
    panel.get_by_label("Name").first.fill("Mug")
    panel.get_by_label("Price").first.fill("8")
    panel.get_by_label("Stock").first.fill("20")
    panel.get_by_role("button", name="Create product").click()

    action = panel.locator(".pg-action").first
    expect(action.locator(".pg-action__label")).to_have_text("Created Product 'Mug'")
    expect(action.locator(".pg-event__signal")).to_have_text(
        ["pre_init", "post_init", "pre_save", "post_save"]
    )
    own = action.locator(".pg-run--own")
    expect(own.locator(".pg-run__name")).to_have_text(
        ["playground.receivers.log_price", "playground.receivers.log_stock"]
    )
    expect(own.locator(".pg-run__result")).to_have_text(["→ price is 8.00", "→ stock is 20"])


def test_run_these_tests_shows_each_test_passing(page: Page, site):
    page.goto(site + "/lessons/senders/")
    expect(page.locator("#run-the-tests-for-this-lesson + p + .highlight")).to_contain_text(
        "make test-lesson LESSON=senders"
    )

    page.get_by_role("button", name="Run these tests").click()

    status = page.locator(".test-run__status")
    expect(status).to_contain_text("Passed", timeout=90_000)
    items = page.locator(".test-run__item")
    assert items.count() > 10
    expect(page.locator(".test-run__item--passed")).to_have_count(items.count())
    # Ended: the final tally, and no longer "so far".
    expect(page.locator(".test-run__counts")).to_have_text(
        f"{items.count()} tests: {items.count()} passed"
    )


def test_run_these_tests_shows_at_once_why_they_could_not_run(
    page: Page, site, monkeypatch, tmp_path
):
    """As after the old `make run`, which installed no pytest."""
    python = python_without_pytest(tmp_path / "venv")
    monkeypatch.setattr(testruns, "PYTHON", str(python))
    page.goto(site + "/lessons/senders/")

    page.get_by_role("button", name="Run these tests").click()

    problem = page.get_by_role("alert").filter(has_text="The tests could not run.")
    expect(problem).to_be_visible()
    expect(problem.locator("pre")).to_have_text(f"{python}: No module named pytest")
    expect(page.locator(".test-run__status")).to_contain_text("Could not run")


def test_read_marks_appear_on_the_index_and_can_be_cleared(page: Page, site):
    page.goto(site + "/")
    expect(page.locator("[data-read-progress]")).to_be_hidden()

    page.goto(site + "/lessons/senders/")
    page.locator(".pager").scroll_into_view_if_needed()
    # (wait_for_function evaluates a string in the page, which the CSP forbids)
    for _ in range(50):
        if page.evaluate("localStorage.getItem('lessons-read')"):
            break
        page.wait_for_timeout(100)
    page.goto(site + "/")

    senders = page.locator('[data-lesson="senders"]')
    expect(senders).to_have_attribute("data-read", "")
    expect(senders.locator(".lesson-card__read")).to_be_visible()
    expect(page.locator("[data-lesson][data-read]")).to_have_count(1)
    expect(page.locator("[data-read-progress]")).to_contain_text(
        re.compile(r"You have read 1 of \d+ lessons\.")
    )

    page.get_by_role("button", name="Clear read marks").click()
    expect(page.locator("[data-lesson][data-read]")).to_have_count(0)
    page.reload()
    expect(page.locator("[data-lesson][data-read]")).to_have_count(0)
    expect(page.locator("[data-read-progress]")).to_be_hidden()


@pytest.mark.parametrize("lesson", get_catalog().lessons, ids=lambda lesson: lesson.slug)
def test_every_lesson_embeds_its_own_scenario_beside_try_it(page: Page, site, lesson):
    page.goto(f"{site}/lessons/{lesson.slug}/")

    expect(page.locator("h2#try-it")).to_have_count(1)
    title = scenarios.get(lesson.playground).title
    expect(page.locator("aside #playground .playground__title")).to_have_text(title)


def lesson_panel(page: Page, site: str, slug: str):
    page.goto(f"{site}/lessons/{slug}/")
    panel = page.locator("aside #playground")
    expect(panel.locator(".pg-records, .pg-tools").first).to_be_visible()
    expect(page.locator("html[data-enhanced]")).to_have_count(1)
    return panel


def test_try_it_on_request_signals_shows_what_the_lesson_says(page: Page, site):
    panel = lesson_panel(page, site, "request-signals")
    # A learner reads the steps first; by then the panel has polled. (Pressed
    # at once, the request may travel over a connection that has only
    # fetched static files, whose thread then opens a database connection.)
    with page.expect_response(lambda response: "/request-signals/live/?" in response.url):
        pass

    panel.get_by_role("button", name="Start logging").click()

    action = panel.locator(".pg-action").first
    expect(action.locator(".pg-action__label")).to_have_text(
        "Request: POST /playground/request-signals/switch/log_requests/ → 200"
    )
    # The browser's kept-alive connection reaches a thread whose database
    # connection an earlier request opened: no connection_created.
    expect(action.locator(".pg-event__signal")).to_have_text(
        ["request_started", "request_finished"]
    )

    panel.get_by_role("button", name="Raise inside a view").click()

    action = panel.locator(".pg-action").first
    expect(action.locator(".pg-action__label")).to_have_text(
        "Request: POST /playground/request-signals/raise/ → 500"
    )
    expect(action.locator(".pg-event__signal")).to_have_text(
        ["request_started", "got_request_exception", "request_finished"]
    )
    expect(panel.locator(".pg-action")).to_have_count(2)


def test_try_it_on_pre_save_step_3_reopens_edit(page: Page, site):
    panel = lesson_panel(page, site, "pre-save")
    row = panel.locator(".pg-row", has_text="Fountain pen")
    row.get_by_text("Edit").click()
    row.get_by_label("Price").fill("19.99")
    row.get_by_role("button", name="Save", exact=True).click()
    expect(panel.locator(".pg-action__label").first).to_have_text("Updated Product 'Fountain pen'")

    row = panel.locator(".pg-row", has_text="Fountain pen")
    # Closed again: the row shows its "Edit" link, and its forms are gone.
    expect(row.locator("details.pg-row__edit")).to_have_count(0)
    expect(row.get_by_label("New stock")).to_be_hidden()
    row.get_by_text("Edit").click()
    row.get_by_label("New stock").fill("7")
    row.get_by_role("button", name="save(update_fields=['stock'])").click()

    action = panel.locator(".pg-action").first
    expect(action.locator(".pg-event__signal")).to_have_text(["pre_save", "post_save"])
    expect(action.locator(".pg-event").first).to_contain_text("update_fields=frozenset({'stock'})")


def test_try_it_on_delete_signals_step_4_logs_the_articles_deletion(page: Page, site):
    panel = lesson_panel(page, site, "delete-signals")

    panel.locator(".pg-row", has_text="Why signals?").get_by_role(
        "button", name="Delete Why signals?"
    ).click()

    action = panel.locator(".pg-action").first
    expect(action.locator(".pg-action__label")).to_have_text("Deleted Article 'Why signals?'")
    expect(action.locator(".pg-event__signal")).to_have_text(["pre_delete", "post_delete"])
    expect(action.locator(".pg-run--own .pg-run__result")).to_have_text(
        re.compile(r"→ logged: Article \d+ 'Why signals\?' was deleted")
    )
    expect(panel.locator(".pg-row", has_text="Why signals?")).to_have_count(0)
