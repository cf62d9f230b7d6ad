"""Picking up where you left off, in Chromium: the lessons read in this
browser are marked in the lesson list beside a lesson, and the index offers
the next unread one. All of it lives in the browser's localStorage."""

import json

import pytest
from playwright.sync_api import Page, expect

from lessons.catalog import get_catalog

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.front_end]

LESSONS = get_catalog().lessons
FIRST, SECOND, THIRD = LESSONS[0], LESSONS[1], LESSONS[2]


def stored_read_marks(page: Page) -> list[str]:
    return json.loads(page.evaluate("localStorage.getItem('lessons-read') || '[]'"))


def read_to_the_end(page: Page, site: str, lesson):
    """Open ``lesson`` and scroll to its end, where it counts as read."""
    page.goto(f"{site}/lessons/{lesson.slug}/")
    expect(page.locator("html[data-enhanced]")).to_have_count(1)
    page.locator(".pager").scroll_into_view_if_needed()
    # (wait_for_function evaluates a string in the page, which the CSP forbids)
    for _ in range(100):
        if stored_read_marks(page)[-1:] == [lesson.slug]:
            break
        page.wait_for_timeout(100)
    assert stored_read_marks(page)[-1] == lesson.slug
    expect(page.locator(f'.lesson-nav [data-lesson="{lesson.slug}"]')).to_have_attribute(
        "data-read", ""
    )


def remember_read(page: Page, site: str, slugs: list[str]):
    """Store read marks as site.js does, read first to read last."""
    page.goto(f"{site}/")
    page.evaluate(f"localStorage.setItem('lessons-read', {json.dumps(json.dumps(slugs))})")
    page.reload()
    expect(page.locator("html[data-enhanced]")).to_have_count(1)


def test_the_lesson_list_marks_each_lesson_read_in_this_browser(page: Page, site):
    read_to_the_end(page, site, SECOND)
    read_to_the_end(page, site, THIRD)
    page.reload()

    nav = page.get_by_role("navigation", name="Lessons")
    expect(nav.locator("[data-read]")).to_have_count(2)
    # A screen reader hears the mark as words after the title.
    expect(nav.get_by_role("link", name=f"2. {SECOND.title}, read", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=f"3. {THIRD.title}, read", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name=f"1. {FIRST.title}", exact=True)).to_be_visible()
    expect(nav.locator(".lesson-nav__read")).to_have_count(len(LESSONS))
    expect(nav.locator(".lesson-nav__read:visible")).to_have_count(2)
    assert stored_read_marks(page) == [SECOND.slug, THIRD.slug]


def test_with_nothing_read_the_index_offers_the_first_lesson(page: Page, site):
    page.goto(f"{site}/")
    expect(page.locator("html[data-enhanced]")).to_have_count(1)

    start = page.locator("[data-continue]")
    expect(start).to_have_text(f"Start with {FIRST.title}")
    expect(start).to_have_attribute("href", f"/lessons/{FIRST.slug}/")
    expect(page.get_by_text("You have read every lesson.")).to_be_hidden()


def test_the_index_continues_with_the_lesson_after_the_last_one_read(page: Page, site):
    read_to_the_end(page, site, FIRST)
    page.goto(f"{site}/")

    link = page.get_by_role("link", name=f"Continue with {SECOND.title}", exact=True)
    expect(link).to_be_visible()
    page.reload()
    expect(link).to_be_visible()

    link.click()
    expect(page).to_have_url(f"{site}/lessons/{SECOND.slug}/")


@pytest.mark.parametrize(
    ("read", "next_position"),
    [
        # The first unread lesson after the one read last...
        ([0, 1, 8], 9),
        ([0, 1, 2, 4], 5),
        ([3], 4),
        # ...skipping the ones read before it...
        ([6, 7, 5], 8),
        # ...and when none is left after it, the first unread one.
        ([0, 1, 14], 2),
        ([1, 0], 2),
    ],
)
def test_the_next_lesson_is_the_first_unread_after_the_last_one_read(
    page: Page, site, read, next_position
):
    remember_read(page, site, [LESSONS[position].slug for position in read])

    lesson = LESSONS[next_position]
    link = page.locator("[data-continue]")
    expect(link).to_have_text(f"Continue with {lesson.title}")
    expect(link).to_have_attribute("href", f"/lessons/{lesson.slug}/")
    expect(page.locator("[data-read-count]")).to_have_text(str(len(read)))


def test_reading_a_lesson_again_makes_it_the_last_one_read(page: Page, site):
    remember_read(page, site, [FIRST.slug, LESSONS[4].slug])
    expect(page.locator("[data-continue]")).to_have_text(f"Continue with {LESSONS[5].title}")

    read_to_the_end(page, site, FIRST)
    assert stored_read_marks(page) == [LESSONS[4].slug, FIRST.slug]
    page.goto(f"{site}/")
    expect(page.locator("[data-continue]")).to_have_text(f"Continue with {SECOND.title}")


def test_with_every_lesson_read_the_index_says_so_and_offers_the_first_again(
    page: Page, site, screenshot_dir
):
    remember_read(page, site, [lesson.slug for lesson in LESSONS])

    expect(page.get_by_text("You have read every lesson.")).to_be_visible()
    link = page.locator("[data-continue]")
    expect(link).to_have_text(f"Start again with {FIRST.title}")
    expect(link).to_have_attribute("href", f"/lessons/{FIRST.slug}/")
    expect(page.locator("[data-read-progress]")).to_have_text(
        f"You have read {len(LESSONS)} of {len(LESSONS)} lessons. Clear read marks"
    )
    page.screenshot(path=screenshot_dir / "index-every-lesson-read.png")

    page.get_by_role("button", name="Clear read marks").click()
    expect(link).to_have_text(f"Start with {FIRST.title}")
    expect(page.get_by_text("You have read every lesson.")).to_be_hidden()
    page.reload()
    expect(link).to_have_text(f"Start with {FIRST.title}")
