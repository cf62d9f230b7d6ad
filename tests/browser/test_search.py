"""Search and the built-in signals' reference in Chromium: by mouse, by
keyboard (the "/" key, Tab, Enter), and how both look in each theme at a
desktop width and at 360 px."""

import pytest
from playwright.sync_api import Page, expect

from lessons.signal_reference import SIGNALS
from tests.browser.keyboard import Keyboard
from tests.browser.test_accessibility import open_ready, screenshot_in_each_theme_and_width

pytestmark = pytest.mark.front_end

SENDERS_SECTION = "/lessons/senders/#dispatch_uid-and-double-registration"


def expect_in_view_at(page: Page, site: str, url: str) -> None:
    expect(page).to_have_url(site + url)
    heading = page.locator(f"[id='{url.split('#')[1]}']")
    expect(heading).to_be_in_viewport()


def test_search_by_mouse_from_the_header_to_a_lesson_section(page: Page, site):
    open_ready(page, site + "/lessons/signals-101/")

    box = page.get_by_role("searchbox", name="Search the course")
    box.click()
    box.fill("dispatch_uid")
    page.get_by_role("button", name="Search", exact=True).first.click()

    expect(page).to_have_url(site + "/search/?q=dispatch_uid")
    expect(page.locator("h1")).to_have_text("Search the course")
    first = page.locator(".search-result__link").first
    expect(first).to_have_text("Senders: dispatch_uid and double registration")
    expect(page.locator(".search-result mark").first).to_have_text("dispatch_uid")
    first.click()

    expect_in_view_at(page, site, SENDERS_SECTION)


def test_search_by_keyboard_with_the_slash_key(page: Page, site):
    keyboard = Keyboard(page)
    open_ready(page, site + "/lessons/signals-101/")
    header_box = page.locator("#site-search")

    page.keyboard.press("/")
    expect(header_box).to_be_focused()
    page.keyboard.type("dispatch_uid")
    page.keyboard.press("Enter")

    expect(page).to_have_url(site + "/search/?q=dispatch_uid")
    expect(page.locator("html[data-enhanced]")).to_have_count(1)
    first = page.locator(".search-result__link").first
    keyboard.reach(first)
    keyboard.use(first)

    expect_in_view_at(page, site, SENDERS_SECTION)


def test_the_slash_key_types_in_fields_and_escape_leaves_the_box(page: Page, site):
    open_ready(page, site + "/search/?q=pk_set")
    page_box = page.locator("#search-page-q")
    first = page.locator(".search-result__link").first

    # From a link: "/" goes to the search page's own box, Escape comes back.
    first.focus()
    page.keyboard.press("/")
    expect(page_box).to_be_focused()
    page.keyboard.press("Escape")
    expect(first).to_be_focused()
    expect(page_box).to_have_value("pk_set")

    # In a field "/" is typed, not a shortcut.
    page_box.focus()
    page.keyboard.press("End")
    page.keyboard.type("/x")
    expect(page_box).to_have_value("pk_set/x")
    expect(page_box).to_be_focused()

    # With nothing focused before it, Escape just leaves the box.
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page_box).to_be_focused()
    page.keyboard.press("Escape")
    expect(page_box).not_to_be_focused()


def test_the_reference_lists_every_signal_and_links_to_its_lesson(page: Page, site):
    open_ready(page, site + "/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Reference").click()

    expect(page).to_have_url(site + "/reference/")
    expect(page.locator(".signal-card__title")).to_have_text([signal.name for signal in SIGNALS])
    page.get_by_role("navigation", name="Signals on this page").get_by_role(
        "link", name="m2m_changed"
    ).click()
    card = page.locator("article#m2m_changed")
    expect(card).to_be_in_viewport()
    card.get_by_role("link", name="m2m_changed").click()

    expect(page).to_have_url(site + "/lessons/m2m-changed/")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/search/?q=dispatch_uid", "search-results"),
        ("/search/?q=zeppelin", "search-nothing"),
        ("/reference/", "reference"),
    ],
)
def test_search_and_reference_screenshots(page: Page, site, screenshot_dir, path, name):
    open_ready(page, site + path)

    screenshot_in_each_theme_and_width(page, page.locator("body"), name, screenshot_dir)


@pytest.mark.parametrize("path", ["/search/?q=pk_set", "/reference/"])
def test_search_and_reference_break_no_content_security_policy_rule(page: Page, site, path):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    open_ready(page, site + path)
    page.keyboard.press("/")
    page.wait_for_load_state("networkidle")

    assert problems == []


def test_header_search_screenshots_on_a_lesson(page: Page, site, screenshot_dir):
    open_ready(page, site + "/lessons/senders/")
    page.keyboard.press("/")

    screenshot_in_each_theme_and_width(
        page, page.locator(".site-header"), "header-search", screenshot_dir
    )
