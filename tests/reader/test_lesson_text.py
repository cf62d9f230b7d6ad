"""Checks on the lessons' own Markdown that hold for every lesson."""

import re
from itertools import pairwise

import pytest

from lessons.catalog import get_catalog

LESSONS = get_catalog().lessons
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def prose(lesson) -> str:
    """The lesson's Markdown without its fenced code blocks."""
    return FENCE.sub("", lesson.source_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("lesson", "following"),
    list(pairwise(LESSONS)),
    ids=[lesson.slug for lesson in LESSONS[:-1]],
)
def test_every_lesson_but_the_last_names_the_next_one(lesson, following):
    # Each lesson ends its summary with "The next lesson, **Title**, ..."
    # (the second to last says "The last lesson").
    pattern = rf"The (next|last) lesson,\s+\*\*{re.escape(following.title)}\*\*,"

    assert re.search(pattern, prose(lesson)), f"{lesson.slug} does not name {following.title}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_no_line_of_prose_starts_with_a_stray_space(lesson):
    # One space is never list indentation here (lists indent by two or more);
    # it is a typo that Markdown silently swallows.
    stray = [line for line in prose(lesson).splitlines() if re.match(r" \S", line)]

    assert stray == []
