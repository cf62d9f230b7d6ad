"""The Markdown configuration: anchors, contents, code and includes."""

import inspect
import re
import textwrap
from pathlib import Path

from django.conf import settings
from django.tasks import task
from pygments.styles import get_style_by_name
from pygments.token import Token

from lessons.catalog import get_catalog
from lessons.rendering import TocEntry, render_markdown
from tutorial import source
from tutorial.highlighting import CODE_STYLES, pygments_stylesheet
from tutorial.source import find_source

BODY = """\
## Getting started

Intro text.

### Install it

| Signal | Sender |
|--------|--------|
| `post_save` | model class |

## Next <steps> & more

```python
def f(sender, **kwargs):
    return 1
```
"""


def test_headings_get_anchors_and_a_nested_table_of_contents():
    rendered = render_markdown(BODY)

    assert rendered.toc == (
        TocEntry(
            anchor="getting-started",
            title="Getting started",
            level=2,
            children=(TocEntry(anchor="install-it", title="Install it", level=3),),
        ),
        TocEntry(anchor="next-more", title="Next & more", level=2),
    )
    assert '<h2 id="getting-started">Getting started' in rendered.html
    assert (
        '<a aria-label="Link to this section: Install it" class="heading-anchor" '
        'href="#install-it" title="Link to this section: Install it">#</a>'
    ) in rendered.html


def test_a_heading_link_is_named_after_its_heading_as_the_contents_show_it():
    html = render_markdown("## The `created` flag & “raw”\n").html

    assert (
        '<a aria-label="Link to this section: The created flag &amp; “raw”" '
        'class="heading-anchor" href="#the-created-flag-raw" '
        'title="Link to this section: The created flag &amp; “raw”">#</a></h2>'
    ) in html


def test_each_try_it_section_starts_with_a_link_to_the_playground():
    rendered = render_markdown(
        "## Try it\n\nSteps.\n\n## Summary\n\n### Try it again\n\nMore.\n\n## Trying\n"
    )

    link = (
        '<p class="playground-jump"><a data-playground-jump="" href="#lesson-playground">'
        "Go to the playground</a></p>\n"
    )
    assert rendered.html.count(link) == 2
    assert f"</h2>\n{link}<p>Steps.</p>" in rendered.html
    assert f"</h3>\n{link}<p>More.</p>" in rendered.html


def test_user_html_in_a_heading_is_not_executed():
    rendered = render_markdown("## Next <script>alert(1)</script>\n")

    assert "<script>alert(1)</script>" not in rendered.toc[0].title


def test_tables_and_highlighted_fenced_code():
    html = render_markdown(BODY).html

    assert "<table>" in html
    assert "<td><code>post_save</code></td>" in html
    assert '<div class="highlight"><pre tabindex="0"><span></span><code>' in html
    assert '<span class="k">def</span><span class="w"> </span><span class="nf">f</span>' in html


def test_a_table_scrolls_in_a_focusable_box_named_after_its_section():
    html = render_markdown(BODY).html

    assert (
        '<div aria-label="Table: Install it" class="table-scroll" role="region" tabindex="0">'
        "<table>"
    ) in html
    assert "</table></div>" in html
    assert render_markdown("| a |\n|---|\n| 1 |\n").html.startswith(
        '<div aria-label="Table" class="table-scroll" role="region" tabindex="0"><table>'
    )


def test_column_alignment_is_a_class_not_a_style_attribute():
    html = render_markdown(
        "| Left | Centre | Right |\n|:-----|:------:|------:|\n| a | b | c |\n"
    ).html

    assert "style=" not in html
    assert '<th class="align-left">Left</th>' in html
    assert '<th class="align-center">Centre</th>' in html
    assert '<th class="align-right">Right</th>' in html
    assert '<td class="align-center">b</td>' in html


def test_no_lesson_carries_a_style_attribute_the_csp_would_refuse():
    lessons = get_catalog().lessons

    assert [lesson.slug for lesson in lessons if " style=" in lesson.html] == []
    lifecycle = next(lesson for lesson in lessons if lesson.slug == "model-lifecycle")
    assert lifecycle.html.count('<td class="align-center">') == 10


def test_include_shows_the_real_source_with_its_location():
    rendered = render_markdown("::: include tutorial.source.find_source\n")
    lines, first = inspect.getsourcelines(source.find_source)

    assert rendered.includes == ("tutorial.source.find_source",)
    assert (
        "<figcaption><code>tutorial.source.find_source</code> "
        f'<span class="code-include__where">tutorial/source.py, lines {first}–'
        f"{first + len(lines) - 1}</span></figcaption>"
    ) in rendered.html
    assert '<span class="nf">find_source</span>' in rendered.html


def test_find_source_returns_exact_dedented_code_of_a_method():
    snippet = find_source("lessons.catalog.Catalog.previous")

    expected = textwrap.dedent(
        inspect.getsource(__import__("lessons.catalog").catalog.Catalog.previous)
    )
    assert snippet.code == expected.rstrip("\n")
    assert snippet.code.startswith("def previous(self, lesson: Lesson) -> Lesson | None:")
    assert snippet.path == "lessons/catalog.py"


def test_find_source_shows_installed_packages_from_the_package_root():
    snippet = find_source("django.dispatch.receiver")

    assert snippet.path == "django/dispatch/dispatcher.py"
    assert snippet.code.startswith("def receiver(signal, **kwargs):")


def test_committed_pygments_stylesheet_is_current():
    stylesheet = Path(settings.BASE_DIR) / "tutorial" / "static" / "tutorial" / "pygments.css"

    assert stylesheet.read_text(encoding="utf-8") == pygments_stylesheet(), (
        "Run `.venv/bin/python manage.py build_pygments_css`"
    )


def test_pygments_stylesheet_scopes_every_rule_to_a_theme():
    rules = [line for line in pygments_stylesheet().splitlines() if not line.startswith("/*")]

    assert rules
    assert all(
        line.startswith(
            (':root:not([data-theme="dark"]) .highlight .', ':root[data-theme="dark"] .highlight .')
        )
        for line in rules
    )


@task
def notify_for_include(user_id):
    return user_id


def test_find_source_shows_the_function_behind_a_django_task():
    snippet = find_source("tests.reader.test_rendering.notify_for_include")

    assert snippet.code.splitlines() == [
        "@task",
        "def notify_for_include(user_id):",
        "    return user_id",
    ]


# The exercises' editor (CodeMirror) takes its colours from site.css's
# --code-* variables; each must be the colour Pygments gives that token, so
# code reads the same in the editor and in the lesson's code blocks.
EDITOR_TOKENS = {
    "keyword": Token.Keyword,
    "constant": Token.Keyword.Constant,
    "string": Token.String,
    "number": Token.Number,
    "comment": Token.Comment,
    "function": Token.Name.Function,
    "class": Token.Name.Class,
    "decorator": Token.Name.Decorator,
    "builtin": Token.Name.Builtin,
}


def test_the_editors_code_colours_are_the_code_blocks():
    static = Path(settings.BASE_DIR) / "tutorial" / "static" / "tutorial"
    site_css = (static / "site.css").read_text(encoding="utf-8")
    light, dark = (
        site_css.split(start, 1)[1].split("}", 1)[0]
        for start in (":root {", ':root[data-theme="dark"] {')
    )
    for theme, block in {"light": light, "dark": dark}.items():
        declared = dict(re.findall(r"--code-([a-z-]+):\s*([^;]+);", block))
        style = get_style_by_name(CODE_STYLES[theme])
        expected = {}
        for name, token in EDITOR_TOKENS.items():
            colours = style.style_for_token(token)
            expected[name] = f"#{colours['color']}".lower()
            if name == "comment":
                expected["comment-style"] = "italic" if colours["italic"] else "normal"
        assert declared == expected, theme
