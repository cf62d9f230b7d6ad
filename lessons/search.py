"""Search across the course: lessons, their sections, exercises and the
built-in signals' reference.

The index is built once per process from what the catalogs already loaded
(lesson files only change with a deploy, as ``catalog`` says), and a search
is a scan of a few hundred sections in memory: no database, nothing kept
per visitor. Each section is one document; a result links to its anchor.

Ranking, for each term of the query, most important first (a tuple, so a
better kind of match always wins over more matches of a lesser kind):

1. the lesson's title (counts twice) or its front matter ``covers`` name
   the term exactly (a reference entry counts its signal's name here);
2. the section's heading contains it;
3. how often the section's text contains it;
4. how often its code does.

Every term must appear in the section itself (heading, text or code); a
lesson's title and ``covers`` only rank. Excerpts are cut from plain text
and escaped before the matches are marked, so nothing from a lesson or the
query reaches the page unescaped.
"""

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lessons import signal_reference

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 50
EXCERPT_CHARS = 90  # on each side of the first match
# How many matches of one term in one section still count: a section that
# says "post_save" forty times is not forty times as relevant.
MAX_COUNTED = 10
WORD_SPLIT = re.compile(r"[^\w]+")
REFERENCE_TITLE = "Built-in signals reference"


class QueryTooLong(ValueError):
    pass


@dataclass(frozen=True)
class Document:
    url: str
    lesson_title: str
    section_title: str
    # Names that rank the whole lesson: its title's words, and its covers.
    title_names: frozenset[str]
    names: frozenset[str]
    text: str
    code: str
    # Lower-cased copies, made once.
    heading_folded: str
    text_folded: str
    code_folded: str


@dataclass(frozen=True)
class Result:
    url: str
    lesson_title: str
    section_title: SafeString
    excerpt: SafeString
    rank: tuple[int, ...]
    # The top of a lesson: its section is the lesson itself.
    whole_lesson: bool


def _document(url, lesson_title, section_title, names, text, code, title_names=()):
    text, code = " ".join(text.split()), " ".join(code.split())
    return Document(
        url=url,
        lesson_title=lesson_title,
        section_title=section_title,
        title_names=frozenset(title_names),
        names=frozenset(names),
        text=text,
        code=code,
        heading_folded=section_title.casefold(),
        text_folded=text.casefold(),
        code_folded=code.casefold(),
    )


def _names(*phrases: str) -> set[str]:
    """Each phrase whole and word by word, lower-cased: "QuerySet.update"
    is found as "queryset.update", "queryset" and "update"."""
    names = set()
    for phrase in phrases:
        folded = phrase.casefold().strip()
        names.add(folded.strip("@()"))
        names.update(word for word in WORD_SPLIT.split(folded) if word)
    return names


class SectionSplitter(HTMLParser):
    """Cut a lesson's HTML into sections at its h2 and h3 headings (the ones
    with anchors, as the table of contents lists them), keeping prose and
    code apart. Heading "#" links and the "Go to the playground" links are
    the page's furniture, not the lesson's text."""

    SKIPPED_CLASSES = {"heading-anchor", "playground-jump"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        # Each section: [anchor, title, text parts, code parts].
        self.sections: list[list] = [["", "", [], []]]
        self.heading: str | None = None
        self.heading_parts: list[str] = []
        self.code_depth = 0
        self.skip_depth = 0
        self.open_tags: list[tuple[str, bool, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("br", "img", "hr", "input", "meta", "link", "wbr"):
            return
        classes = set((attrs.get("class") or "").split())
        skipped = bool(classes & self.SKIPPED_CLASSES)
        code = tag in ("pre", "figcaption")
        self.open_tags.append((tag, skipped, code))
        self.skip_depth += skipped
        self.code_depth += code
        if tag in ("h2", "h3") and attrs.get("id"):
            self.heading = attrs["id"]
            self.heading_parts = []

    def handle_endtag(self, tag):
        while self.open_tags:
            open_tag, skipped, code = self.open_tags.pop()
            self.skip_depth -= skipped
            self.code_depth -= code
            if open_tag == tag:
                break
        if tag in ("h2", "h3") and self.heading is not None:
            title = " ".join("".join(self.heading_parts).split())
            self.sections.append([self.heading, title, [], []])
            self.heading = None
        elif tag in ("pre", "figcaption"):
            self.sections[-1][3].append("\n")
        elif tag in ("p", "li", "td", "th", "div", "h4"):
            self.sections[-1][2].append(" ")

    def handle_data(self, data):
        if self.skip_depth:
            return
        if self.heading is not None:
            self.heading_parts.append(data)
        elif self.code_depth:
            self.sections[-1][3].append(data)
        else:
            self.sections[-1][2].append(data)


def split_sections(lesson_html: str) -> list[tuple[str, str, str, str]]:
    """(anchor, title, text, code) for each section; the first, before any
    heading, has neither anchor nor title."""
    splitter = SectionSplitter()
    splitter.feed(lesson_html)
    splitter.close()
    return [
        (anchor, title, "".join(text), "".join(code))
        for anchor, title, text, code in splitter.sections
    ]


def _strip_tags(fragment: str) -> str:
    return " ".join(split[2] for split in split_sections(fragment))


def build_index(catalog, exercises: dict) -> tuple[Document, ...]:
    """Every searchable section of the course, lessons in their order, then
    the reference's signals."""
    documents = []
    for lesson in catalog:
        url = reverse("lessons:detail", args=[lesson.slug])
        names, title_names = _names(*lesson.covers), _names(lesson.title)
        for anchor, title, text, code in split_sections(lesson.html):
            if not anchor:
                # The top of the lesson: its title, summary and covers.
                title, text = lesson.title, f"{lesson.summary} {' · '.join(lesson.covers)} {text}"
            where = f"{url}#{anchor}" if anchor else url
            documents.append(_document(where, lesson.title, title, names, text, code, title_names))
        for exercise in exercises.get(lesson.slug, ()):
            documents.append(
                _document(
                    f"{url}#exercise-{exercise.slug}",
                    lesson.title,
                    f"Exercise: {exercise.title}",
                    names,
                    _strip_tags(exercise.task_html),
                    exercise.starter,
                    title_names,
                )
            )
    reference, plain = reverse("lessons:reference"), signal_reference.plain
    for signal in signal_reference.SIGNALS:
        text = " ".join(
            (
                plain(signal.sender),
                "Arguments:",
                ", ".join(signal.arguments) or "none",
                "Sent by:",
                *map(plain, signal.sent_by),
                "Not sent by:",
                *map(plain, signal.not_sent_by),
            )
        )
        documents.append(
            _document(
                f"{reference}#{signal.name}",
                REFERENCE_TITLE,
                signal.name,
                {signal.name},
                text,
                signal.import_line,
            )
        )
    return tuple(documents)


@functools.cache
def get_index() -> tuple[Document, ...]:
    """The site's index, built on the first search and kept for the process."""
    from lessons.catalog import get_catalog
    from lessons.exercise_catalog import get_exercises

    return build_index(get_catalog(), get_exercises())


def terms_of(query: str) -> list[str]:
    """The query's words, lower-cased, each once, in order. Raises
    ``QueryTooLong`` past ``MAX_QUERY_LENGTH`` characters."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryTooLong(
            f"That search is {len(query)} characters long; "
            f"searches are at most {MAX_QUERY_LENGTH}. Try a few words."
        )
    return list(dict.fromkeys(query.casefold().split()))


def rank(document: Document, terms: list[str]) -> tuple[int, ...] | None:
    """How well ``document`` matches, as a tuple (the greater, the better);
    ``None`` when some term is missing from the section."""
    named = heading = text = code = 0
    for term in terms:
        in_heading = term in document.heading_folded
        in_text = min(document.text_folded.count(term), MAX_COUNTED)
        in_code = min(document.code_folded.count(term), MAX_COUNTED)
        if not (in_heading or in_text or in_code):
            return None
        name = term.strip("@()")
        # A lesson named for the term outranks one that only covers it.
        named += 2 * (name in document.title_names) + (name in document.names)
        heading += in_heading
        text += in_text
        code += in_code
    return (named, heading, text, code)


def mark(text: str, terms: list[str]) -> SafeString:
    """``text`` escaped, with every occurrence of a term in ``<mark>``."""
    if not terms:
        return escape(text)
    pattern = re.compile(
        "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)),
        re.IGNORECASE,
    )
    pieces, position = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))


def excerpt(document: Document, terms: list[str]) -> str:
    """Plain text around the first match: from the section's text if it
    has one, else from its code, else its opening words."""
    sources = ((document.text, document.text_folded), (document.code, document.code_folded))
    for source, folded in sources:  # noqa: B007 (the one found is used below)
        found = [folded.find(term) for term in terms if term in folded]
        if found:
            start = min(found)
            break
    else:
        source, start = document.text or document.code, 0
    begin = max(0, start - EXCERPT_CHARS)
    end = min(len(source), start + EXCERPT_CHARS * 2)
    # Cut at spaces, not through a word.
    if begin > 0:
        begin = source.find(" ", begin, start) + 1 or begin
    if end < len(source):
        space = source.rfind(" ", start, end)
        end = space if space > start else end
    opening = "… " if begin > 0 else ""
    closing = " …" if end < len(source) else ""
    return opening + source[begin:end].strip() + closing


def search(query: str, index: tuple[Document, ...] | None = None) -> list[Result]:
    """The best ``MAX_RESULTS`` sections for ``query``, best first."""
    terms = terms_of(query)
    if not terms:
        return []
    ranked = []
    for position, document in enumerate(get_index() if index is None else index):
        found = rank(document, terms)
        if found is not None:
            # Best first; equally good ones in the course's order.
            ranked.append(((tuple(-value for value in found), position), document, found))
    ranked.sort(key=lambda item: item[0])
    return [
        Result(
            url=document.url,
            lesson_title=document.lesson_title,
            section_title=mark(document.section_title, terms),
            excerpt=mark(excerpt(document, terms), terms),
            rank=found,
            whole_lesson=document.section_title == document.lesson_title,
        )
        for _key, document, found in ranked[:MAX_RESULTS]
    ]
