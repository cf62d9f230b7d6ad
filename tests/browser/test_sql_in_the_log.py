"""The database's work in the playground's log, in Chromium."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import (
    assert_no_violations_in_either_theme,
    screenshot_in_each_theme_and_width,
)
from tests.browser.test_playground import open_scenario
from tests.browser.try_it import COUNT_REQUESTS, settled

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_log_shows_the_sql_among_the_signals_and_one_switch_hides_it(
    page: Page, site, axe_source, screenshot_dir
):
    page.add_init_script(COUNT_REQUESTS)
    open_scenario(page, site, "/playground/transactions/")
    page.get_by_role("link", name="Edit Notebook").click()
    page.locator("#playground").get_by_role("button", name="Save inside atomic()").click()

    entry = page.locator(".pg-action").first
    expect(entry.locator(".pg-action__label")).to_have_text(
        "Updated Product 'Notebook' inside transaction.atomic()"
    )
    # The e-mail sent after the COMMIT changed the sandbox again: let the
    # poll bring that in, so the entry is not swapped while it is read.
    expect(page.locator(".pg-mail")).to_have_count(1)
    settled(page)
    expect(entry.locator(".pg-db--transaction")).to_have_count(2)
    kinds = entry.locator(".pg-events > li").evaluate_all(
        "items => items.map(item => item.querySelector('.pg-event__signal, .pg-db__what')"
        ".textContent.trim())"
    )
    assert kinds == [
        "Transaction",  # BEGIN
        "SQL",  # the edit form's values still the stored ones?
        "pre_save",
        "SQL",
        "SQL",
        "post_save",
        "on_commit",
        "SQL",
        "Transaction",  # COMMIT
        "on_commit",
    ]
    expect(entry.locator(".pg-db__marker")).to_have_text(["BEGIN", "COMMIT"])
    expect(entry.locator(".pg-db--on_commit .pg-db__result")).to_have_text(
        ["queued: runs after COMMIT", "ran after the COMMIT; it returned 1"]
    )
    assert_no_violations_in_either_theme(page, axe_source, "a log entry with its SQL")
    screenshot_in_each_theme_and_width(page, entry, "log-with-sql", screenshot_dir)

    switch = page.get_by_role("button", name="Show SQL")
    expect(switch).to_have_attribute("aria-pressed", "true")
    switch.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("button", name="Show SQL")).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("button", name="Show SQL")).to_be_focused()
    expect(page.locator(".pg-action").first.locator(".pg-db")).to_have_count(8)
    for item in page.locator(".pg-action").first.locator(".pg-db").all():
        expect(item).to_be_hidden()
    expect(page.locator(".pg-action").first.locator(".pg-event")).to_have_count(2)


def test_an_entry_opens_as_a_timeline_readable_in_both_themes_and_at_360px(
    page: Page, site, axe_source, screenshot_dir
):
    page.add_init_script(COUNT_REQUESTS)
    open_scenario(page, site, "/playground/delete-signals/")
    page.get_by_role("button", name="Delete Fountain pen").click()
    entry = page.locator(".pg-action").first
    expect(entry.locator(".pg-action__label")).to_have_text("Deleted Product 'Fountain pen'")
    settled(page)

    link = entry.get_by_role("link", name="Timeline of “Deleted Product 'Fountain pen'”")
    link.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Timeline: Deleted Product 'Fountain pen'"
    )
    expect(page.locator(".pg-timeline__lane")).to_have_text(
        ["View", "Review", "Product", "Database", "Transaction"]
    )
    expect(page.locator(".pg-timeline__node")).to_have_count(16)
    expect(page.locator(".pg-timeline__arrow--cascade")).to_have_count(4)
    expect(page.locator(".pg-timeline__words > li")).to_have_count(16)
    expect(page.locator(".pg-timeline__words > li").nth(7)).to_have_text(
        "Review: pre_delete (sender Review) (sent by the cascade from the Product being deleted)"
    )
    # The drawing scrolls sideways inside its box, never the page.
    box = page.locator(".pg-timeline")
    assert_no_violations_in_either_theme(page, axe_source, "a timeline")
    screenshot_in_each_theme_and_width(page, box, "timeline", screenshot_dir)
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    # A keyboard scrolls it: it takes the focus.
    box.focus()
    expect(box).to_be_focused()
