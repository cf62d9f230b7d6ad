"""A lesson's test run in Chromium once it has ended: the final count, never
"so far", for a failed run too, and with or without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from lessons import testruns

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.front_end]


@pytest.fixture
def two_tests_one_failing(tmp_path, monkeypatch):
    """Call it to make the senders lesson's tests two quick ones of which
    one fails (once its page is shown: the page names the real module)."""
    (tmp_path / "test_senders.py").write_text(
        "def test_passes():\n    assert 1 + 1 == 2\n\n"
        "def test_fails():\n    assert [1, 2] == [2, 1]\n",
        encoding="utf-8",
    )
    return lambda: monkeypatch.setattr(testruns, "TESTS_DIR", tmp_path)


def expect_finished(page: Page, status: str, counts: str):
    # Polling stops with the run: the last answer has no hx-get.
    expect(page.locator(".test-run:not([hx-get])")).to_have_count(1, timeout=90_000)
    expect(page.locator(".test-run__status")).to_have_text(f"{status} {counts}")
    expect(page.locator(".test-run__counts")).to_have_text(counts)


def test_a_failed_run_ends_with_its_tally(page: Page, site, two_tests_one_failing):
    page.goto(f"{site}/lessons/senders/")
    two_tests_one_failing()

    page.get_by_role("button", name="Run on this machine").click()

    expect_finished(page, "Failed", "2 tests: 1 failed, 1 passed")
    expect(page.locator(".test-run__name")).to_have_text(["test_passes", "test_fails"])


def test_without_javascript_the_run_has_a_page_that_ends_with_its_tally(
    browser, site, two_tests_one_failing
):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/lessons/senders/")
        two_tests_one_failing()

        page.get_by_role("button", name="Run on this machine").click()

        expect(page).to_have_title("Tests for Senders · Django signals")
        # A page without JavaScript updates when the learner reloads it.
        for _ in range(120):
            if not page.get_by_role("link", name="Reload").count():
                break
            page.wait_for_timeout(500)
            page.get_by_role("link", name="Reload").click()
        expect_finished(page, "Failed", "2 tests: 1 failed, 1 passed")
        expect(page.get_by_text("so far")).to_have_count(0)

        page.get_by_role("link", name="← Senders").click()
        expect(page).to_have_url(f"{site}/lessons/senders/")
    finally:
        context.close()
