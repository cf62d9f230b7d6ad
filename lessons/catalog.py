"""Load, validate and render every lesson once per process.

A lesson is a Markdown file whose front matter carries its metadata::

    ---
    title: Signals 101
    summary: One sentence for the index.
    order: 1
    playground: signals-101
    covers: [post_save, Signal.connect]
    ---

The slug (the URL) is the file name without ``.md``, unless the front matter
sets ``slug``. Order is data, so reordering lessons never changes a URL.

Any problem (bad front matter, a duplicate slug or order, an include that does
not resolve, a Try-it step that cannot be followed: see ``steps``) raises
``LessonError`` naming the file, at start-up, so a broken lesson can never be
served as half a page.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from lessons.rendering import RenderedMarkdown, TocEntry, is_try_it, render_markdown
from lessons.steps import Step, StepError, extract
from playground import scenarios
from tutorial.source import SourceNotFound

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)^---[ \t]*\n?", re.DOTALL | re.MULTILINE)

REQUIRED_FIELDS = {"title": str, "summary": str, "order": int, "playground": str, "covers": list}
OPTIONAL_FIELDS = {"slug": str}


class LessonError(ImproperlyConfigured):
    """A lesson file that cannot be served. The message starts with its path."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{_display(path)}: {problem}")


def _display(path: Path) -> Path:
    """Show paths inside the project relative to it, as a developer types them."""
    try:
        return Path(path).resolve().relative_to(settings.BASE_DIR)
    except ValueError:
        return Path(path)


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    summary: str
    order: int
    playground: str
    covers: tuple[str, ...]
    source_path: Path
    html: str
    toc: tuple[TocEntry, ...]
    includes: tuple[str, ...]
    # The numbered Try-it steps, with what to do and what each shows.
    steps: tuple[Step, ...] = ()

    @property
    def try_it_anchor(self) -> str | None:
        """The first "Try it" section, where the playground's "Back to the
        steps" leads (site.js points it at the one the learner came from)."""
        entries = list(self.toc)
        while entries:
            entry = entries.pop(0)
            if is_try_it(entry.title):
                return entry.anchor
            entries[:0] = entry.children
        return None


def parse_front_matter(path: Path, text: str, error=LessonError) -> tuple[dict, str]:
    """The front matter as a dict, and the text after it; ``error`` (a
    ``LessonError`` class) names ``path`` when there is none or it is not YAML."""
    match = FRONT_MATTER.match(text)
    if match is None:
        raise error(
            path, "no front matter: the file must start with a '---' line and close it with '---'"
        )
    try:
        meta = yaml.safe_load(match["yaml"])
    except yaml.YAMLError as problem:
        raise error(path, f"front matter is not valid YAML: {problem}") from None
    if not isinstance(meta, dict):
        raise error(path, "front matter must be a mapping of 'field: value' lines")
    return meta, text[match.end() :]


def _validate(path: Path, meta: dict) -> dict:
    unknown = sorted(set(meta) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise LessonError(path, f"unknown front matter field(s): {', '.join(unknown)}")
    for name in REQUIRED_FIELDS:
        if name not in meta:
            raise LessonError(path, f"front matter is missing the required field {name!r}")
    for name, kind in (REQUIRED_FIELDS | OPTIONAL_FIELDS).items():
        if name not in meta:
            continue
        value = meta[name]
        # bool is an int subclass; "order: yes" must not pass as 1.
        if not isinstance(value, kind) or isinstance(value, bool):
            raise LessonError(
                path, f"front matter field {name!r} must be a {kind.__name__}, got {value!r}"
            )
        if kind is str and not value.strip():
            raise LessonError(path, f"front matter field {name!r} must not be empty")
    if not all(isinstance(item, str) and item.strip() for item in meta["covers"]):
        raise LessonError(path, "front matter field 'covers' must be a list of names")
    if scenarios.get(meta["playground"].strip()) is None:
        known = ", ".join(scenario.slug for scenario in scenarios.SCENARIOS)
        raise LessonError(
            path, f"unknown playground scenario {meta['playground']!r} (known: {known})"
        )
    slug = meta.get("slug", path.stem)
    if not SLUG_PATTERN.match(slug):
        raise LessonError(path, f"slug {slug!r} must be lowercase letters, digits and hyphens")
    return meta | {"slug": slug}


def load_lesson(path: Path) -> Lesson:
    """Parse, validate and render one lesson file."""
    text = path.read_text(encoding="utf-8")
    meta, body = parse_front_matter(path, text)
    meta = _validate(path, meta)
    try:
        extracted = extract(body)
    except StepError as error:
        # Report the line in the file, not in the body.
        line = error.line + text[: len(text) - len(body)].count("\n")
        raise LessonError(path, f"line {line}: {error.problem}") from None
    try:
        rendered: RenderedMarkdown = render_markdown(extracted.body)
    except SourceNotFound as error:
        raise LessonError(path, f"include does not resolve: {error}") from None
    return Lesson(
        slug=meta["slug"],
        title=meta["title"].strip(),
        summary=meta["summary"].strip(),
        order=meta["order"],
        playground=meta["playground"].strip(),
        covers=tuple(meta["covers"]),
        source_path=path,
        html=rendered.html,
        toc=rendered.toc,
        includes=rendered.includes,
        steps=extracted.steps,
    )


class Catalog:
    """Every lesson, in order, with lookups by slug and neighbours."""

    def __init__(self, lessons: list[Lesson]):
        self.lessons: tuple[Lesson, ...] = tuple(sorted(lessons, key=lambda lesson: lesson.order))
        self._by_slug = {lesson.slug: lesson for lesson in self.lessons}
        self._position = {lesson.slug: index for index, lesson in enumerate(self.lessons)}

    def __iter__(self):
        return iter(self.lessons)

    def __len__(self) -> int:
        return len(self.lessons)

    def get(self, slug: str) -> Lesson | None:
        return self._by_slug.get(slug)

    def previous(self, lesson: Lesson) -> Lesson | None:
        index = self._position[lesson.slug]
        return self.lessons[index - 1] if index > 0 else None

    def next(self, lesson: Lesson) -> Lesson | None:
        index = self._position[lesson.slug]
        return self.lessons[index + 1] if index + 1 < len(self.lessons) else None


def load_catalog(folder: Path) -> Catalog:
    """Load every ``*.md`` file in ``folder`` and check they fit together."""
    paths = sorted(Path(folder).glob("*.md"))
    if not paths:
        raise LessonError(Path(folder), "no lesson files (*.md) found")
    lessons = [load_lesson(path) for path in paths]
    seen_slugs: dict[str, Path] = {}
    seen_orders: dict[int, Path] = {}
    for lesson in lessons:
        if lesson.slug in seen_slugs:
            raise LessonError(
                lesson.source_path,
                f"duplicate slug {lesson.slug!r}, already used by {seen_slugs[lesson.slug]}",
            )
        if lesson.order in seen_orders:
            raise LessonError(
                lesson.source_path,
                f"duplicate order {lesson.order}, already used by {seen_orders[lesson.order]}",
            )
        seen_slugs[lesson.slug] = lesson.source_path
        seen_orders[lesson.order] = lesson.source_path
    return Catalog(lessons)


@functools.cache
def get_catalog() -> Catalog:
    """The site's lessons, loaded on first use and kept for the process.

    Lesson files only change with a deploy (or a dev-server restart), so
    there is nothing to invalidate.
    """
    return load_catalog(settings.LESSONS_CONTENT_DIR)
