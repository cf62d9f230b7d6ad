"""A lesson page whose embedded playground is refused a new sandbox (429):
the panel shows the message, and the page keeps its one site header."""

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

LESSON = "/lessons/signals-101/"
MESSAGE = (
    "Too many new playground sandboxes from your address. Keep your browser's cookies "
    "for this site, or try again later."
)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_refused_panel_shows_the_message_inside_the_lesson_page(
    browser: Browser, page: Page, site, settings, scheme, screenshot_dir
):
    settings.PLAYGROUND_NEW_SANDBOXES_PER_HOUR = 1
    first_visitor = browser.new_context()
    try:
        first = first_visitor.new_page()
        first.goto(site + LESSON)
        expect(first.locator("#playground .playground__title")).to_be_visible()
    finally:
        first_visitor.close()

    # A second visitor from the same address, with no cookie yet.
    page.set_viewport_size({"width": 360, "height": 740})
    page.emulate_media(color_scheme=scheme)
    with page.expect_response(lambda response: response.url.endswith("/panel/")) as answer:
        page.goto(site + LESSON)
    assert answer.value.status == 429

    panel = page.locator("#playground")
    expect(panel.get_by_role("alert")).to_have_text(MESSAGE)
    expect(page.locator(".site-header")).to_have_count(1)
    expect(page.locator("main")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("data-theme", scheme)
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    panel.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f"rate-limited-panel-{scheme}-360.png")
