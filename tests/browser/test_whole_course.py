"""The course taken as a learner takes it: every lesson in order, every
numbered Try-it step followed in Chromium, typing the values and pressing
the buttons the step names, and checking what it says the panel shows.

The steps are the lessons' own (their ``try-it`` blocks, see
``lessons/steps.py``), so a lesson and this test cannot drift apart.
"""

import os

import pytest
from playwright.sync_api import Page, expect

from lessons.catalog import get_catalog
from tests.browser.try_it import take_lesson

pytestmark = pytest.mark.django_db(transaction=True)

LESSONS = get_catalog().lessons


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded images go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path


def lessons_to_take() -> list:
    """Every lesson in course order; while writing a lesson, only those named
    in ``TRY_IT_LESSONS`` (``TRY_IT_LESSONS=pre-save make test-browser``)."""
    only = [slug for slug in os.environ.get("TRY_IT_LESSONS", "").split(",") if slug]
    unknown = set(only) - {lesson.slug for lesson in LESSONS}
    assert not unknown, f"TRY_IT_LESSONS names no such lesson: {', '.join(sorted(unknown))}"
    return [lesson for lesson in LESSONS if not only or lesson.slug in only]


def test_the_whole_course_in_one_browser(page: Page, site):
    for lesson in lessons_to_take():
        take_lesson(page, site, lesson)


# Between them: creating, editing a row (Edit, change a field, Save), a
# second form in an open row, "Who is listening?", tick boxes, starting the
# lesson again and deleting.
BY_KEYBOARD = ("signals-101", "receivers", "pre-save", "m2m-changed")


@pytest.mark.front_end  # the same steps by mouse run on both databases
def test_lessons_taken_by_keyboard_only(page: Page, site):
    """Four lessons in one browser, each from the top of its page, with Tab,
    Shift+Tab, Enter, Space and typing only; focus never falls back to the
    page after an action."""
    catalog = get_catalog()
    for slug in BY_KEYBOARD:
        take_lesson(page, site, catalog.get(slug), by_keyboard=True)


@pytest.mark.front_end
def test_the_page_shows_each_step_as_prose_only(page: Page, site, screenshot_dir):
    """The try-it blocks never reach the page: request-signals' steps (one
    with a nested list and a paragraph) read as four numbered steps."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{site}/lessons/request-signals/")
    steps = page.locator("#try-it ~ ol").first.locator(":scope > li")

    expect(steps).to_have_count(4)
    expect(steps.first).to_contain_text("Press Start logging.")
    expect(page.locator("article")).not_to_contain_text("expect:")
    expect(page.locator("article")).not_to_contain_text("live update")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.evaluate(f"document.documentElement.dataset.theme = '{scheme}'")
        assert page.evaluate("document.documentElement.scrollWidth") == 360
        page.locator("#try-it ~ ol").first.screenshot(
            path=screenshot_dir / f"try-it-request-signals-{scheme}-360.png"
        )
