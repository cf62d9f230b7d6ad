"""The course in Chromium: running a lesson's tests from its page, read marks
on the index, and a row's Edit closing after a save (which the pre-save
lesson tells the learner). test_whole_course.py follows every Try-it step."""

import re

import pytest
from playwright.sync_api import Page, expect

from lessons import testruns
from tests.reader.test_testruns import python_without_pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.front_end]


def test_run_on_this_machine_shows_each_test_passing(page: Page, site):
    page.goto(site + "/lessons/senders/")
    expect(page.locator("#run-the-tests-for-this-lesson + p + .highlight")).to_contain_text(
        "make test-lesson LESSON=senders"
    )

    page.get_by_role("button", name="Run on this machine").click()

    status = page.locator(".test-run__status")
    expect(status).to_contain_text("Passed", timeout=90_000)
    items = page.locator(".test-run__item")
    assert items.count() > 10
    expect(page.locator(".test-run__item--passed")).to_have_count(items.count())
    # Ended: the final tally, and no longer "so far".
    expect(page.locator(".test-run__counts")).to_have_text(
        f"{items.count()} tests: {items.count()} passed"
    )


def test_run_on_this_machine_shows_at_once_why_they_could_not_run(
    page: Page, site, monkeypatch, tmp_path
):
    """As after the old `make run`, which installed no pytest."""
    python = python_without_pytest(tmp_path / "venv")
    monkeypatch.setattr(testruns, "PYTHON", str(python))
    page.goto(site + "/lessons/senders/")

    page.get_by_role("button", name="Run on this machine").click()

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


def lesson_panel(page: Page, site: str, slug: str):
    page.goto(f"{site}/lessons/{slug}/")
    panel = page.locator("aside #playground")
    expect(panel.locator(".pg-records, .pg-tools").first).to_be_visible()
    expect(page.locator("html[data-enhanced]")).to_have_count(1)
    return panel


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
