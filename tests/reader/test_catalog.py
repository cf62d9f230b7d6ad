"""The lesson loader: front matter, validation and the errors it raises."""

from pathlib import Path

import pytest

from lessons.catalog import Catalog, LessonError, load_catalog, load_lesson
from tests.startup import start_up_error

VALID_FRONT_MATTER = """\
---
title: {title}
summary: A short summary.
order: {order}
playground: signals-101
covers: [post_save]
---
"""


def write_lesson(folder: Path, slug: str, *, order: int = 1, body: str = "## Intro\n\nText.\n"):
    path = folder / f"{slug}.md"
    path.write_text(
        VALID_FRONT_MATTER.format(title=slug.title(), order=order, slug=slug) + body,
        encoding="utf-8",
    )
    return path


def test_valid_lesson_loads_every_field(tmp_path):
    path = write_lesson(tmp_path, "first-steps", order=3)

    lesson = load_lesson(path)

    assert (lesson.slug, lesson.title, lesson.summary, lesson.order) == (
        "first-steps",
        "First-Steps",
        "A short summary.",
        3,
    )
    assert (lesson.playground, lesson.covers, lesson.source_path) == (
        "signals-101",
        ("post_save",),
        path,
    )


def test_slug_comes_from_front_matter_when_set(tmp_path):
    path = tmp_path / "any-name.md"
    path.write_text(
        "---\ntitle: T\nsummary: S\norder: 1\nplayground: signals-101\ncovers: []\n"
        "slug: chosen\n---\nx\n"
    )

    assert load_lesson(path).slug == "chosen"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# No front matter\n", "no front matter: the file must start with a '---' line"),
        ("---\ntitle: T\nno closing line\n", "no front matter: the file must start with a '---'"),
        ("---\ntitle: [unclosed\n---\n", "front matter is not valid YAML"),
        ("---\n- a\n- b\n---\n", "front matter must be a mapping of 'field: value' lines"),
        (
            "---\nsummary: S\norder: 1\nplayground: signals-101\ncovers: []\n---\n",
            "front matter is missing the required field 'title'",
        ),
        (
            "---\ntitle: T\nsummary: S\norder: first\nplayground: signals-101\ncovers: []\n---\n",
            "front matter field 'order' must be a int, got 'first'",
        ),
        (
            "---\ntitle: T\nsummary: S\norder: yes\nplayground: signals-101\ncovers: []\n---\n",
            "front matter field 'order' must be a int, got True",
        ),
        (
            "---\ntitle: '  '\nsummary: S\norder: 1\nplayground: signals-101\ncovers: []\n---\n",
            "front matter field 'title' must not be empty",
        ),
        (
            "---\ntitle: T\nsummary: S\norder: 1\nplayground: signals-101\ncovers: [1]\n---\n",
            "front matter field 'covers' must be a list of names",
        ),
        (
            "---\ntitle: T\nsumary: S\norder: 1\nplayground: signals-101\ncovers: []\n---\n",
            "unknown front matter field(s): sumary",
        ),
        (
            "---\ntitle: T\nsummary: S\norder: 1\nplayground: nowhere\ncovers: []\n---\n",
            "unknown playground scenario 'nowhere' (known: signals-101, receivers, senders, "
            "model-lifecycle, post-save, pre-save, delete-signals, m2m-changed, custom-signals, "
            "request-signals, transactions, async-signals, gotchas, testing-signals, "
            "when-not-to-use)",
        ),
        (
            "---\ntitle: T\nsummary: S\norder: 1\nplayground: signals-101\ncovers: []\n"
            "slug: Bad Slug\n---\n",
            "slug 'Bad Slug' must be lowercase letters, digits and hyphens",
        ),
    ],
)
def test_bad_front_matter_names_the_file_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "broken.md"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(LessonError) as caught:
        load_lesson(path)

    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: {problem}")


def test_duplicate_slug_names_both_files(tmp_path):
    write_lesson(tmp_path, "alpha", order=1)
    second = tmp_path / "beta.md"
    second.write_text(
        "---\ntitle: B\nsummary: S\norder: 2\nplayground: signals-101\ncovers: []\n"
        "slug: alpha\n---\nx\n"
    )

    with pytest.raises(LessonError) as caught:
        load_catalog(tmp_path)

    assert str(caught.value) == (
        f"{second}: duplicate slug 'alpha', already used by {tmp_path / 'alpha.md'}"
    )


def test_duplicate_order_is_refused(tmp_path):
    write_lesson(tmp_path, "alpha", order=4)
    write_lesson(tmp_path, "beta", order=4)

    with pytest.raises(LessonError) as caught:
        load_catalog(tmp_path)

    assert str(caught.value) == (
        f"{tmp_path / 'beta.md'}: duplicate order 4, already used by {tmp_path / 'alpha.md'}"
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "tutorial.source.no_such_function",
            "include does not resolve: 'tutorial.source.no_such_function': module "
            "'tutorial.source' has no attribute path 'no_such_function'",
        ),
        (
            "nowhere.at_all",
            "include does not resolve: 'nowhere.at_all': no importable module in this name",
        ),
        (
            "lessons.catalog.SLUG_PATTERN",
            "include does not resolve: 'lessons.catalog.SLUG_PATTERN' is a Pattern, "
            "not a function, class or method",
        ),
    ],
)
def test_unresolved_include_names_the_file(tmp_path, name, problem):
    path = write_lesson(tmp_path, "inc", body=f"## Code\n\n::: include {name}\n")

    with pytest.raises(LessonError) as caught:
        load_lesson(path)

    assert str(caught.value) == f"{path}: {problem}"


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(LessonError, match="no lesson files"):
        load_catalog(tmp_path)


def test_catalog_orders_by_front_matter_not_file_name(tmp_path):
    write_lesson(tmp_path, "aaa", order=3)
    write_lesson(tmp_path, "bbb", order=1)
    write_lesson(tmp_path, "ccc", order=2)

    catalog = load_catalog(tmp_path)

    assert [lesson.slug for lesson in catalog] == ["bbb", "ccc", "aaa"]


def test_previous_and_next_follow_the_order(tmp_path):
    for order, slug in enumerate(["one", "two", "three"], start=1):
        write_lesson(tmp_path, slug, order=order)
    catalog: Catalog = load_catalog(tmp_path)
    one, two, three = (catalog.get(slug) for slug in ["one", "two", "three"])

    assert (catalog.previous(one), catalog.next(one)) == (None, two)
    assert (catalog.previous(two), catalog.next(two)) == (one, three)
    assert (catalog.previous(three), catalog.next(three)) == (two, None)
    assert catalog.get("four") is None


def test_site_refuses_to_start_with_a_broken_lesson(tmp_path):
    write_lesson(tmp_path, "good", order=1)
    broken = tmp_path / "broken.md"
    broken.write_text("no front matter here\n", encoding="utf-8")

    assert start_up_error(LESSONS_CONTENT_DIR=str(tmp_path)) == (
        f"lessons.catalog.LessonError: {broken}: no front matter: the file must start "
        "with a '---' line and close it with '---'"
    )
