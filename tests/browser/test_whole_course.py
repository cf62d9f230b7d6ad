"""The course taken as a learner takes it: every lesson in order, every
numbered Try-it step followed in Chromium, typing the values and pressing
the buttons the step names, and checking what it says the panel shows.

The steps are the lessons' own (their ``try-it`` blocks, see
``lessons/steps.py``), so a lesson and this test cannot drift apart.
"""

import pytest
from playwright.sync_api import Page

from lessons.catalog import get_catalog
from tests.browser.try_it import take_lesson

pytestmark = pytest.mark.django_db(transaction=True)

LESSONS = get_catalog().lessons


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded images go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.xfail(
    reason="all lessons share one sandbox until each scenario gets its own (issue 11, item 1)",
    strict=True,
)
def test_the_whole_course_in_one_browser(page: Page, site):
    for lesson in LESSONS:
        take_lesson(page, site, lesson)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_each_lesson_in_a_fresh_browser(page: Page, site, lesson):
    """One lesson on its own, with a new sandbox: quicker to run while
    writing a lesson (``-k <slug>``)."""
    take_lesson(page, site, lesson)
