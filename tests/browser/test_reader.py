"""The lesson reader in Chromium: navigation, copy buttons and dark mode."""

import re

import pytest
from playwright.sync_api import Page, expect

from lessons.catalog import get_catalog
from tutorial.source import find_source

LESSONS = get_catalog().lessons

pytestmark = pytest.mark.front_end


def lesson_url(site, lesson):
    return f"{site}/lessons/{lesson.slug}/"


def expect_lesson(page: Page, site, lesson):
    """Wait until ``lesson`` is shown and its scripts have run."""
    expect(page).to_have_url(lesson_url(site, lesson))
    expect(page.locator("h1")).to_have_text(lesson.title)
    expect(page.locator("html[data-enhanced]")).to_have_count(1)


def test_open_index_then_lesson_and_move_with_links_and_arrow_keys(page: Page, site):
    first, second = LESSONS[0], LESSONS[1]
    page.goto(site + "/")
    expect(page.locator(".lesson-card__title a")).to_have_text([lesson.title for lesson in LESSONS])

    page.get_by_role("link", name=first.title, exact=True).click()
    expect_lesson(page, site, first)
    expect(page.locator("a[rel=prev]")).to_have_count(0)

    page.locator("a[rel=next]").click()
    expect_lesson(page, site, second)

    page.locator("a[rel=prev]").click()
    expect_lesson(page, site, first)

    page.keyboard.press("ArrowRight")
    expect_lesson(page, site, second)
    page.keyboard.press("ArrowLeft")
    expect_lesson(page, site, first)
    # On the first lesson there is nowhere to go back to.
    page.keyboard.press("ArrowLeft")
    expect_lesson(page, site, first)


def test_arrow_keys_do_nothing_with_modifiers(page: Page, site):
    page.goto(lesson_url(site, LESSONS[0]))
    expect_lesson(page, site, LESSONS[0])

    page.keyboard.press("Alt+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")

    expect(page).to_have_url(lesson_url(site, LESSONS[0]))


def test_skip_link_is_first_and_moves_focus_to_the_content(page: Page, site):
    # A lesson's own target, past its sidebar: test_keyboard_and_screen_readers.py.
    page.goto(site + "/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


@pytest.fixture
def clipboard_page(context, page):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    return page


def test_copy_button_puts_the_exact_code_on_the_clipboard(clipboard_page: Page, site):
    page = clipboard_page
    lesson = next(lesson for lesson in LESSONS if lesson.includes)
    expected = find_source(lesson.includes[0]).code
    page.goto(lesson_url(site, lesson))

    figure = page.locator("figure.code-include").first
    figure.get_by_role("button", name="Copy code to clipboard").click()

    expect(figure.locator(".copy-button")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == expected


COPY_BUTTONS = ".highlight > .copy-button, .code-include figcaption .copy-button"


def expect_playground(page: Page):
    """Wait for the lesson's playground: it is fetched after the page has
    loaded, and brings code blocks of its own ("Who is listening?")."""
    expect(page.locator("section#playground .playground__title")).to_have_count(1)


def test_every_code_block_has_a_copy_button(page: Page, site):
    for lesson in LESSONS:
        page.goto(lesson_url(site, lesson))
        # Count the blocks once the playground is in: counted before it, a
        # busy machine saw the lesson's 6 blocks, then 24 buttons.
        expect_playground(page)
        blocks = page.locator(".highlight > pre").count()
        assert blocks > 0
        expect(page.locator(COPY_BUTTONS)).to_have_count(blocks)


def test_the_page_is_wired_up_once_whatever_runs_twice(page: Page, site):
    """site.js run again, htmx:load sent again, the playground swapped again:
    still one copy button per block, and one click switches the theme once."""
    page.emulate_media(color_scheme="light")
    page.goto(lesson_url(site, LESSONS[0]))
    expect_playground(page)
    blocks = page.locator(".highlight > pre").count()
    expect(page.locator(COPY_BUTTONS)).to_have_count(blocks)

    page.add_script_tag(url=site + "/static/tutorial/site.js")
    page.evaluate(
        "document.body.dispatchEvent(new CustomEvent('htmx:load', "
        "{bubbles: true, detail: {elt: document.body}}))"
    )
    page.get_by_role("button", name="Start this lesson again").click()
    expect(page.get_by_role("status")).to_have_text(
        "This lesson’s sandbox is back to its starting records, with an empty log and outbox."
    )
    page.get_by_role("button", name="Switch to dark theme").click()

    expect(page.locator(".highlight > pre")).to_have_count(blocks)
    expect(page.locator(COPY_BUTTONS)).to_have_count(blocks)
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


def background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_dark_mode_toggle_is_remembered_across_reloads(page: Page, site):
    page.emulate_media(color_scheme="light")
    page.goto(site + "/")
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "light")
    assert background(page) == "rgb(255, 255, 255)"

    page.get_by_role("button", name="Switch to dark theme").click()
    expect(html).to_have_attribute("data-theme", "dark")
    assert background(page) == "rgb(15, 20, 25)"

    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    assert background(page) == "rgb(15, 20, 25)"
    page.goto(lesson_url(site, LESSONS[0]))
    expect(html).to_have_attribute("data-theme", "dark")

    page.get_by_role("button", name="Switch to light theme").click()
    page.reload()
    expect(html).to_have_attribute("data-theme", "light")


def test_theme_follows_the_system_until_the_visitor_chooses(page: Page, site):
    page.emulate_media(color_scheme="dark")
    page.goto(site + "/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")

    page.emulate_media(color_scheme="light")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")


@pytest.mark.parametrize("path", ["/", f"/lessons/{LESSONS[0].slug}/", "/lessons/missing/"])
def test_no_horizontal_scrolling_at_360px(page: Page, site, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site + path)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width == 360


def test_unknown_lesson_shows_the_styled_404(page: Page, site):
    response = page.goto(site + "/lessons/missing/")

    assert response.status == 404
    expect(page.locator("h1")).to_have_text("No lesson called “missing”")
    expect(page.get_by_role("link", name="All lessons")).to_be_visible()


def test_only_same_origin_requests_are_made(page: Page, site):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(lesson_url(site, LESSONS[0]))
    page.wait_for_load_state("networkidle")

    assert requested
    assert [url for url in requested if not url.startswith(site)] == []
    assert any(re.search(r"/static/django_htmx/htmx-2\.min\.js$", url) for url in requested)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path",
    ["/", f"/lessons/{LESSONS[0].slug}/", "/playground/m2m-changed/", "/admin/login/", "/nope/"],
)
def test_pages_break_no_content_security_policy_rule(page: Page, site, path):
    problems = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and problems.append(message.text),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    response = page.goto(site + path)
    page.wait_for_load_state("networkidle")

    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert problems == []
