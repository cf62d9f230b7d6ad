"""Keyboard and screen readers in Chromium: what axe cannot judge alone.

Scroll boxes take focus and scroll by keyboard, "Skip to content" lands past
a lesson's sidebar, the arrow keys leave controls and the playground alone,
and names read as a person expects ("Signals 101, Read", "Link to this
section: Try it", one theme button that says what it does).
"""

import json

import pytest
from playwright.sync_api import Page, expect

from lessons.catalog import get_catalog
from tests.browser.test_playground import create_product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.front_end]

LESSONS = get_catalog().lessons
WIDTHS = (1280, 360)
# --focus in site.css, per theme.
FOCUS_RING = {"light": "rgb(194, 65, 12)", "dark": "rgb(251, 146, 60)"}


def open_page(page: Page, url: str, *, theme: str = "light", width: int = 1280) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.emulate_media(color_scheme=theme)
    page.goto(url)
    expect(page.locator("html[data-enhanced]")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("data-theme", theme)


def focused(page: Page, script: str):
    """``script`` (a function of the focused element) run on it."""
    return page.evaluate(f"({script})(document.activeElement)")


def scrolled_by_keyboard(page: Page, element, key: str) -> dict:
    """Press ``key`` and return how far ``element`` has scrolled once it has
    moved (Chromium may animate the scroll), or not after five seconds."""
    page.keyboard.press(key)
    return element.evaluate(
        """box => new Promise(done => {
            const offsets = () => ({down: box.scrollTop, across: box.scrollLeft});
            if (box.scrollTop > 0 || box.scrollLeft > 0) done(offsets());
            box.addEventListener("scroll", () => done(offsets()), {once: true});
            setTimeout(() => done(offsets()), 5000);
        })"""
    )


# --- The signal log, a scroll box --------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_log_is_reached_by_tab_named_and_scrolled_by_keyboard(
    page: Page, site, theme, screenshot_dir
):
    open_page(page, site + "/lessons/receivers/", theme=theme)
    panel = page.locator("#playground")
    for name in ("Pen", "Ink", "Pad", "Mug"):
        create_product(page, name)
        expect(panel.locator(".pg-action__label").first).to_have_text(f"Created Product '{name}'")
    log = page.get_by_role("region", name="Signal log")
    assert log.evaluate("log => log.scrollHeight > log.clientHeight")

    # The log comes right after the records, by keyboard as on screen.
    panel.locator("#pg-records :is(a, button)").last.focus()
    page.keyboard.press("Tab")
    expect(log).to_be_focused()
    assert log.evaluate("log => getComputedStyle(log).outlineStyle") == "solid"
    assert log.evaluate("log => getComputedStyle(log).outlineColor") == FOCUS_RING[theme]
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        log.scroll_into_view_if_needed()
        page.screenshot(path=screenshot_dir / f"log-focused-{theme}-{width}.png")

    assert scrolled_by_keyboard(page, log, "PageDown")["down"] > 0
    expect(log).to_be_focused()


def test_every_scroll_box_in_a_lesson_is_in_the_tab_order(page: Page, site):
    open_page(page, site + "/lessons/model-lifecycle/", width=360)

    boxes = page.locator(".table-scroll, .highlight > pre")
    assert boxes.count() > 10
    # A box that scrolls sideways is a tab stop; one that fits is not.
    stops = boxes.evaluate_all(
        "boxes => boxes.map(box => [box.scrollWidth > box.clientWidth, box.tabIndex])"
    )
    assert {(scrolls, index) for scrolls, index in stops} == {(True, 0), (False, -1)}
    table = page.get_by_role("region", name="Table: The save pair: pre_save and post_save")
    assert table.evaluate("box => box.scrollWidth > box.clientWidth")
    table.focus()
    assert scrolled_by_keyboard(page, table, "ArrowRight")["across"] > 0
    expect(page).to_have_url(site + "/lessons/model-lifecycle/")


# --- Headings ----------------------------------------------------------------


def heading_levels(locator) -> list[str]:
    return locator.locator(":is(h1, h2, h3, h4, h5, h6)").evaluate_all(
        "headings => headings.map(h => h.tagName + ' ' + h.textContent.trim())"
    )


def test_playground_headings_go_down_one_level_at_a_time(page: Page, site):
    open_page(page, site + "/playground/receivers/")
    panel = page.locator("#playground")
    panel.get_by_text("Who is listening?", exact=True).click()
    expect(panel.locator(".pg-listening__signal")).to_have_count(1)

    assert heading_levels(panel) == [
        "H1 Receivers",
        "H2 Products 3",
        "H2 Signal log",
        "H2 Outbox 0",
        "H3 post_save",
    ]

    open_page(page, site + "/lessons/receivers/")
    panel = page.locator("#playground")
    panel.get_by_text("Who is listening?", exact=True).click()
    expect(panel.locator(".pg-listening__signal")).to_have_count(1)

    assert heading_levels(panel) == [
        "H2 Receivers",
        "H3 Products 3",
        "H3 Signal log",
        "H3 Outbox 0",
        "H4 post_save",
    ]


def test_heading_links_are_named_after_their_heading(page: Page, site):
    open_page(page, site + "/lessons/receivers/")

    link = page.get_by_role("link", name="Link to this section: Try it", exact=True)
    expect(link).to_have_attribute("href", "#try-it")
    expect(page.get_by_role("link", name="#", exact=True)).to_have_count(0)
    expect(
        page.get_by_role("link", name="Link to this section: Connecting with @receiver")
    ).to_have_count(1)

    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(site + "/lessons/receivers/#try-it")


def chromium_names(page: Page, role: str) -> list[str]:
    """The names Chromium gives every element of ``role``, as a screen reader
    gets them (Playwright computes names itself, and differs on spaces)."""
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    return [
        node["name"]["value"]
        for node in tree["nodes"]
        if node.get("role", {}).get("value") == role and not node.get("ignored")
    ]


def test_index_headings_read_title_then_read_mark(page: Page, site, screenshot_dir):
    first, second = LESSONS[0], LESSONS[1]
    open_page(page, site + "/")
    assert chromium_names(page, "heading")[1:3] == [first.title, second.title]
    page.evaluate(f"localStorage.setItem('lessons-read', {json.dumps(json.dumps([first.slug]))})")

    for theme in ("light", "dark"):
        open_page(page, site + "/", theme=theme)
        expect(page.locator(f"[data-lesson='{first.slug}'] .lesson-card__read")).to_be_visible()
        assert chromium_names(page, "heading")[1:3] == [f"{first.title}, Read", second.title]
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.locator(".lesson-list").scroll_into_view_if_needed()
            page.screenshot(path=screenshot_dir / f"index-read-marks-{theme}-{width}.png")


# --- The theme toggle --------------------------------------------------------


def test_theme_toggle_says_what_it_does_and_is_not_a_pressed_button(page: Page, site):
    open_page(page, site + "/")
    toggle = page.locator("[data-theme-toggle]")
    expect(toggle).to_have_accessible_name("Switch to dark theme")
    assert toggle.get_attribute("aria-pressed") is None

    toggle.focus()
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_accessible_name("Switch to light theme")
    expect(toggle).to_have_attribute("title", "Switch to light theme")
    assert toggle.get_attribute("aria-pressed") is None
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(toggle).to_have_accessible_name("Switch to dark theme")


# --- Skip to content ---------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_skip_link_lands_on_the_lesson_past_the_sidebar(page: Page, site, width, screenshot_dir):
    lesson = LESSONS[2]
    open_page(page, f"{site}/lessons/{lesson.slug}/", width=width)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.screenshot(path=screenshot_dir / f"skip-link-focused-{width}.png")
    page.keyboard.press("Enter")

    expect(page.get_by_role("article", name=lesson.title)).to_be_focused()
    # The next Tab goes into the lesson's text, not the list of lessons.
    page.keyboard.press("Tab")
    assert focused(page, "element => element.closest('article.lesson') !== null")
    assert focused(page, "element => element.closest('.lesson-nav, .lesson-toc') === null")


# --- Arrow keys --------------------------------------------------------------


def record_arrow_keys(page: Page) -> None:
    """Note, for each arrow key, whether the page took it over to change
    lesson (site.js prevents the key's default only then). A listener on
    window runs after site.js's, on document."""
    page.evaluate(
        """() => {
            window.arrowKeys = [];
            window.addEventListener("keydown", event => {
                if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
                    window.arrowKeys.push(event.defaultPrevented);
                }
            });
        }"""
    )


def test_arrow_keys_leave_controls_and_the_playground_alone(page: Page, site):
    lesson, following = LESSONS[1], LESSONS[2]
    open_page(page, f"{site}/lessons/{lesson.slug}/")
    panel = page.locator("#playground")
    expect(panel.locator("a.pg-row__open").first).to_be_visible()
    panel.get_by_text("Create a product", exact=True).click()
    record_arrow_keys(page)

    places = {
        "an input in the playground": panel.get_by_label("Name").first,
        "a button in the playground": panel.get_by_role("button", name="Start this lesson again"),
        "a summary in the playground": panel.get_by_text("Create a product", exact=True),
        "a link in the playground": panel.locator("a.pg-row__open").first,
        "the playground's log": page.get_by_role("region", name="Signal log"),
        "a code block": page.locator(".prose .highlight > pre").first,
        "a link in the sidebar": page.locator(".lesson-nav a").first,
        "the theme toggle": page.locator("[data-theme-toggle]"),
    }
    for where, element in places.items():
        element.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowLeft")
        expect(element, f"focus stays on {where}").to_be_focused()
    assert page.evaluate("window.arrowKeys") == [False] * 2 * len(places)
    expect(page).to_have_url(f"{site}/lessons/{lesson.slug}/")

    # On the text itself they still change lesson.
    page.get_by_role("article", name=lesson.title).focus()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(f"{site}/lessons/{following.slug}/")


# --- Things a learner trips on -----------------------------------------------


def test_the_centred_table_is_centred_without_a_console_error(page: Page, site):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    open_page(page, site + "/lessons/model-lifecycle/")
    page.wait_for_load_state("networkidle")

    table = page.get_by_role("region", name="Table: The save pair: pre_save and post_save")
    cells = table.locator("td.align-center")
    expect(cells).to_have_count(10)
    assert set(cells.evaluate_all("cells => cells.map(c => getComputedStyle(c).textAlign)")) == {
        "center"
    }
    assert problems == []


def test_admin_pages_link_the_site_icon(page: Page, site):
    page.goto(site + "/admin/login/")

    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("type", "image/svg+xml")
    response = page.request.get(icon.evaluate("link => link.href"))
    assert (response.status, response.headers["content-type"]) == (200, "image/svg+xml")
