"""A lesson page's layout in Chromium: from 1024 px the playground stays
beside the Try-it steps; on narrower screens "Go to the playground" and
"Back to the steps" move between them, with focus, with or without
JavaScript."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.front_end]

LESSON = "receivers"
# html { scroll-padding-top: 1rem } and the sticky panel's top: 1rem.
TOP = 16

# How many characters each line of a paragraph holds, as laid out: a line
# starts wherever the next character sits left of the one before.
LINE_LENGTHS = """paragraph => {
  const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const lines = [];
  let left = Infinity;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let index = 0; index < node.length; index++) {
      range.setStart(node, index);
      range.setEnd(node, index + 1);
      const rect = range.getClientRects()[0];
      if (!rect || rect.width === 0) continue;
      if (rect.left < left) lines.push(0);
      left = rect.left;
      lines[lines.length - 1] += 1;
    }
  }
  return lines;
}"""


def open_lesson(page: Page, site: str, width: int):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{site}/lessons/{LESSON}/")
    expect(page.locator("#lesson-playground .playground__title")).to_have_text("Receivers")
    expect(page.locator("html[data-enhanced]")).to_have_count(1)


def scroll_to_top_of_viewport(page: Page, selector: str):
    page.locator(selector).evaluate("element => element.scrollIntoView()")


def top(box: dict) -> int:
    """A box's top in the window, to the pixel (layout works in fractions)."""
    return round(box["y"])


def characters_a_line(page: Page) -> float:
    """The average full line of the lesson's longest paragraph."""
    paragraphs = page.locator(".prose > p")
    longest = max(
        (paragraphs.nth(index) for index in range(paragraphs.count())),
        key=lambda paragraph: len(paragraph.text_content()),
    )
    lines = longest.evaluate(LINE_LENGTHS)
    assert len(lines) >= 3
    return sum(lines[:-1]) / len(lines[:-1])


@pytest.mark.parametrize("width", [1024, 1280, 1600])
def test_from_1024px_the_playground_stays_beside_the_try_it_steps(
    page: Page, site, screenshot_dir, width
):
    open_lesson(page, site, width)
    scroll_to_top_of_viewport(page, "#try-it")

    heading = page.locator("#try-it").bounding_box()
    article = page.locator("article.lesson").bounding_box()
    column = page.locator("#lesson-playground").bounding_box()
    # Side by side, and on screen together: the sticky panel stays at the
    # top of the window while the steps scroll past it.
    assert column["x"] > article["x"] + article["width"]
    assert top(heading) == TOP
    assert top(column) == TOP
    assert column["y"] + column["height"] <= 800
    # Neither is squeezed: the text keeps 55 characters or more a line, the
    # panel 24rem.
    assert characters_a_line(page) >= 55
    assert column["width"] >= 24 * 16
    # Beside the text, the links there and back show only when focused.
    for jump in page.locator(".playground-jump").all():
        expect(jump).to_have_css("clip-path", "inset(50%)")
    page.screenshot(path=screenshot_dir / f"lesson-try-it-{width}.png")


def test_lesson_list_folds_above_the_text_where_the_panel_takes_the_side(page: Page, site):
    open_lesson(page, site, 1024)
    lessons = page.locator("[data-lesson-nav]")
    expect(lessons).not_to_have_attribute("open", "")
    expect(page.get_by_role("link", name="1. Signals 101")).to_be_hidden()

    lessons.locator("summary").click()
    expect(page.get_by_role("link", name="1. Signals 101")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 800})
    expect(lessons).to_have_attribute("open", "")
    page.set_viewport_size({"width": 1100, "height": 800})
    expect(lessons).not_to_have_attribute("open", "")


def test_beside_the_text_the_keyboard_reaches_the_panel_from_the_steps(page: Page, site):
    open_lesson(page, site, 1280)
    page.get_by_role("heading", name="Try it").get_by_role("link").focus()

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Go to the playground")).to_be_focused()
    expect(page.locator(".prose .playground-jump")).to_have_css("clip-path", "none")
    page.keyboard.press("Enter")

    expect(page.locator("#lesson-playground")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Back to the steps").first).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Start this lesson again")).to_be_focused()


@pytest.mark.parametrize("width", [360, 800])
def test_below_1024px_try_it_links_to_the_playground_and_back(
    page: Page, site, screenshot_dir, width
):
    open_lesson(page, site, width)
    scroll_to_top_of_viewport(page, "#try-it")
    page.screenshot(path=screenshot_dir / f"lesson-try-it-{width}.png")
    column = page.locator("#lesson-playground")
    article = page.locator("article.lesson").bounding_box()
    assert column.bounding_box()["y"] > article["y"] + article["height"]

    page.get_by_role("link", name="Go to the playground").click()

    expect(column).to_be_focused()
    expect(page).to_have_url(f"{site}/lessons/{LESSON}/#lesson-playground")
    assert top(column.bounding_box()) == TOP
    page.screenshot(path=screenshot_dir / f"lesson-playground-{width}.png")

    # The way back is the first thing in the panel, and the last.
    back = page.get_by_role("link", name="Back to the steps")
    expect(back).to_have_count(2)
    page.keyboard.press("Tab")
    expect(back.first).to_be_focused()
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", name="Try it")
    expect(heading).to_be_focused()
    expect(page).to_have_url(f"{site}/lessons/{LESSON}/#try-it")
    assert top(heading.bounding_box()) == TOP
    # ...and the next key press goes to the playground again.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Go to the playground")).to_be_focused()


def test_without_javascript_both_links_are_plain_anchors(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{site}/lessons/{LESSON}/")

        page.get_by_role("link", name="Go to the playground").click()
        expect(page).to_have_url(f"{site}/lessons/{LESSON}/#lesson-playground")
        # (Without JavaScript the panel does not load: the page ends too soon
        # after it to bring it to the top.)
        expect(page.locator("#lesson-playground")).to_be_in_viewport()

        page.get_by_role("link", name="Back to the steps").last.click()
        expect(page).to_have_url(f"{site}/lessons/{LESSON}/#try-it")
        assert top(page.locator("#try-it").bounding_box()) == TOP
    finally:
        context.close()


SIDEWAYS = """boxes => boxes.map(box => [
  box.scrollWidth > box.clientWidth, box.getAttribute("tabindex")
])"""


def check_tab_stops(page: Page):
    found = page.locator(".prose .highlight > pre, .prose table").evaluate_all(SIDEWAYS)
    assert [tabindex for _, tabindex in found] == ["0" if scrolls else None for scrolls, _ in found]
    return {scrolls for scrolls, _ in found}


@pytest.mark.parametrize("width", [360, 1024, 1280, 1600])
def test_code_and_tables_that_scroll_sideways_are_tab_stops(page: Page, site, width):
    open_lesson(page, site, width)

    # Only those that scroll: the others stay out of the way of Tab.
    assert check_tab_stops(page) == {True, False}


def test_code_that_stops_scrolling_sideways_stops_being_a_tab_stop(page: Page, site):
    open_lesson(page, site, 1024)
    first = page.locator(".prose .highlight > pre").first
    expect(first).to_have_attribute("tabindex", "0")

    page.set_viewport_size({"width": 1600, "height": 800})

    expect(first).not_to_have_attribute("tabindex", "0")
    check_tab_stops(page)
