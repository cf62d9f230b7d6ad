"""The one Markdown configuration for every lesson.

Lessons get tables, fenced code highlighted by Pygments, heading anchors and a
table of contents, plus the ``::: include dotted.name`` directive that shows
real project code. Rendering happens once per lesson per process (see
``catalog``), never per request.

What Markdown writes is then made fit for the site (``SiteMarkupTreeprocessor``):
the Content-Security-Policy refuses ``style`` attributes, and every scroll
container and link must make sense to a keyboard and a screen reader.
"""

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from markdown.extensions import Extension
from markdown.extensions.toc import render_inner_html, strip_tags
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from tutorial.highlighting import CODE_CSS_CLASS, CodeBlockFormatter, highlight_python
from tutorial.source import find_source

INCLUDE_LINE = re.compile(r"^::: include (?P<name>\S+)\s*$")
# The tables extension aligns a column with style="text-align: …".
TEXT_ALIGN = re.compile(r"^text-align: (?P<align>left|center|right);?$")
HEADING = re.compile(r"^h[1-6]$")

TRY_IT_TITLE = re.compile(r"^Try it\b")
# The id of the lesson page's playground column (lessons/detail.html).
PLAYGROUND_ID = "lesson-playground"


def is_try_it(title: str) -> bool:
    """A section whose steps the learner follows in the playground."""
    return TRY_IT_TITLE.match(title) is not None


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str
    level: int
    children: tuple["TocEntry", ...] = field(default=())


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: tuple[TocEntry, ...]
    includes: tuple[str, ...]


class IncludePreprocessor(Preprocessor):
    """Replace each ``::: include a.b.c`` line with the highlighted source."""

    def __init__(self, md, included: list[str]):
        super().__init__(md)
        self.included = included

    def run(self, lines: list[str]) -> list[str]:
        output = []
        for line in lines:
            match = INCLUDE_LINE.match(line)
            if match is None:
                output.append(line)
                continue
            snippet = find_source(match["name"])
            self.included.append(snippet.dotted_name)
            code_html = highlight_python(snippet.code)
            figure = format_html(
                '<figure class="code-include">'
                '<figcaption><code>{}</code> <span class="code-include__where">'
                "{}, lines {}–{}</span></figcaption>{}</figure>",
                snippet.dotted_name,
                snippet.path,
                snippet.first_line,
                snippet.last_line,
                mark_safe(code_html),
            )
            # Stash the figure so later Markdown steps leave it untouched.
            output.extend(["", self.md.htmlStash.store(figure), ""])
        return output


class IncludeExtension(Extension):
    def __init__(self, included: list[str], **kwargs):
        self.included = included
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # Priority above fenced_code (25) so includes expand first.
        md.preprocessors.register(IncludePreprocessor(md, self.included), "include", 30)


class SiteMarkupTreeprocessor(Treeprocessor):
    """Adjust what Markdown wrote, once the table of contents has run:

    - a table cell's alignment becomes a class (``align-center``): the
      Content-Security-Policy refuses ``style`` attributes;
    - a table sits in a box that scrolls sideways on a narrow screen; the box
      is focusable and named after the section (a keyboard can scroll it
      only when it can reach it);
    - a heading's "#" link is named after its heading: "Link to this
      section: Try it", not "#".
    """

    ANCHOR_CLASS = "heading-anchor"

    def run(self, root):
        parents = {child: parent for parent in root.iter() for child in parent}
        section = ""
        for element in list(root.iter()):
            if isinstance(element.tag, str) and HEADING.match(element.tag):
                section = self.heading_text(element)
                self.name_anchor(element, section)
            elif element.tag in ("th", "td"):
                self.align_with_class(element)
            elif element.tag == "table":
                self.wrap_in_scroll_box(element, parents[element], section)

    def heading_text(self, heading) -> str:
        """The heading's text, as the table of contents shows it."""
        anchors = [child for child in heading if child.get("class") == self.ANCHOR_CLASS]
        for anchor in anchors:
            heading.remove(anchor)
        text = html.unescape(strip_tags(render_inner_html(heading, self.md)))
        heading.extend(anchors)
        return text

    def name_anchor(self, heading, text: str) -> None:
        for anchor in heading.iter("a"):
            if anchor.get("class") == self.ANCHOR_CLASS:
                anchor.set("aria-label", f"Link to this section: {text}")
                anchor.set("title", f"Link to this section: {text}")

    @staticmethod
    def align_with_class(cell) -> None:
        match = TEXT_ALIGN.match(cell.get("style", ""))
        if match:
            del cell.attrib["style"]
            cell.set("class", f"align-{match['align']}")

    @staticmethod
    def wrap_in_scroll_box(table, parent, section: str) -> None:
        box = table.makeelement(
            "div",
            {
                "class": "table-scroll",
                "role": "region",
                "tabindex": "0",
                "aria-label": f"Table: {section}" if section else "Table",
            },
        )
        position = list(parent).index(table)
        parent.remove(table)
        box.append(table)
        box.tail, table.tail = table.tail, None
        parent.insert(position, box)


class SiteMarkupExtension(Extension):
    def extendMarkdown(self, md):
        # After the table of contents (priority 5), which adds the anchors.
        md.treeprocessors.register(SiteMarkupTreeprocessor(md), "site_markup", 1)


class PlaygroundLinkTreeprocessor(Treeprocessor):
    """Put a "Go to the playground" link under each "Try it" heading.

    On narrow screens the playground follows the whole article, thousands of
    pixels below the steps; the link (and the playground's "Back to the
    steps", in the page template) keeps them one click or key press apart.
    It is a plain anchor, so it works without JavaScript too.
    """

    def run(self, root):
        for index, element in reversed(list(enumerate(root))):
            if element.tag in ("h2", "h3") and is_try_it("".join(element.itertext())):
                paragraph = etree.Element("p", {"class": "playground-jump"})
                link = etree.SubElement(
                    paragraph, "a", {"href": f"#{PLAYGROUND_ID}", "data-playground-jump": ""}
                )
                link.text = "Go to the playground"
                paragraph.tail = "\n"
                root.insert(index + 1, paragraph)


class PlaygroundLinkExtension(Extension):
    def extendMarkdown(self, md):
        # Below the toc extension (5), which has given the headings their ids.
        md.treeprocessors.register(PlaygroundLinkTreeprocessor(md), "playground_link", 4)


def _toc_entries(tokens: list[dict]) -> tuple[TocEntry, ...]:
    return tuple(
        TocEntry(
            anchor=token["id"],
            # The toc extension gives the heading as escaped text; unescape it
            # so templates escape it exactly once.
            title=html.unescape(token["name"]),
            level=token["level"],
            children=_toc_entries(token["children"]),
        )
        for token in tokens
    )


def render_markdown(text: str) -> RenderedMarkdown:
    """Render one lesson body to HTML with its table of contents.

    Raises ``SourceNotFound`` when an include directive does not resolve.
    """
    included: list[str] = []
    md = markdown.Markdown(
        extensions=[
            IncludeExtension(included),
            PlaygroundLinkExtension(),
            "tables",
            "fenced_code",
            "codehilite",
            "toc",
            "attr_list",
            "admonition",
            "sane_lists",
            "smarty",
            SiteMarkupExtension(),
        ],
        extension_configs={
            "codehilite": {
                "css_class": CODE_CSS_CLASS,
                "guess_lang": False,
                "pygments_formatter": CodeBlockFormatter,
            },
            "toc": {
                "permalink": "#",
                "permalink_class": "heading-anchor",
                "permalink_title": "Link to this section",
                "toc_depth": "2-3",
            },
            "smarty": {"smart_angled_quotes": False},
        },
        output_format="html",
    )
    html = md.convert(text)
    return RenderedMarkdown(html=html, toc=_toc_entries(md.toc_tokens), includes=tuple(included))
