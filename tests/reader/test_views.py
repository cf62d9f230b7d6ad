"""The lesson pages: index, detail, 404 and caching of rendered HTML."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from lessons import catalog as catalog_module
from lessons.catalog import get_catalog

LESSONS = get_catalog().lessons
SLUGS = [lesson.slug for lesson in LESSONS]


def test_index_lists_every_lesson_in_order_with_its_summary(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    titles = re.findall(r'<h2 class="lesson-card__title"><a href="([^"]+)">([^<]+)</a>', html)
    assert titles == [(f"/lessons/{lesson.slug}/", escape(lesson.title)) for lesson in LESSONS]
    for lesson in LESSONS:
        assert f'<p class="lesson-card__summary">{escape(lesson.summary)}</p>' in html


@pytest.mark.parametrize("slug", SLUGS)
def test_every_lesson_renders_with_its_title(client, slug):
    lesson = get_catalog().get(slug)

    response = client.get(reverse("lessons:detail", args=[slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<h1 id="lesson-title">{escape(lesson.title)}</h1>' in html
    assert f"<title>{escape(lesson.title)} · Django signals</title>" in html
    assert lesson.html in html
    for entry in lesson.toc:
        assert f'<a href="#{entry.anchor}">{escape(entry.title)}</a>' in html
        assert f'id="{entry.anchor}"' in html


@pytest.mark.parametrize("position", range(len(LESSONS)))
def test_previous_and_next_links_follow_lesson_order(client, position):
    lesson = LESSONS[position]
    html = client.get(f"/lessons/{lesson.slug}/").content.decode()

    prev_links = re.findall(r'<a class="pager__prev" rel="prev" href="([^"]+)">', html)
    next_links = re.findall(r'<a class="pager__next" rel="next" href="([^"]+)">', html)
    expected_prev = [f"/lessons/{LESSONS[position - 1].slug}/"] if position > 0 else []
    expected_next = (
        [f"/lessons/{LESSONS[position + 1].slug}/"] if position + 1 < len(LESSONS) else []
    )
    assert (prev_links, next_links) == (expected_prev, expected_next)


def test_current_lesson_is_marked_in_the_side_navigation(client):
    html = client.get(f"/lessons/{SLUGS[0]}/").content.decode()

    assert re.findall(r'<a href="([^"]+)" aria-current="page">', html) == [f"/lessons/{SLUGS[0]}/"]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_playground_links_back_to_the_try_it_steps(client, slug):
    html = client.get(f"/lessons/{slug}/").content.decode()

    assert get_catalog().get(slug).try_it_anchor == "try-it"
    assert html.count('<a href="#try-it" data-back-to-steps>Back to the steps</a>') == 2
    assert html.count('<a data-playground-jump="" href="#lesson-playground">') == 1
    assert '<aside id="lesson-playground" ' in html


def test_side_navigation_has_read_and_solved_marks_for_screen_readers_on_every_lesson(client):
    html = client.get(f"/lessons/{SLUGS[0]}/").content.decode()

    marks = re.findall(
        r'<li data-lesson="([^"]+)" data-exercises="([^"]+)"><a [^>]+>[^<]+'
        r'<span class="lesson-nav__read">, read</span>'
        r'<span class="lesson-nav__solved">, exercises solved</span></a></li>',
        html,
    )
    assert [slug for slug, _exercises in marks] == SLUGS
    exercises = dict(marks)
    assert (
        exercises["pre-save"]
        == "pre-save/price-drop pre-save/update-fields pre-save/predict-update-fields"
    )
    assert exercises["signals-101"] == "signals-101/count-new-products"


def test_unknown_slug_gets_the_site_styled_404(client):
    response = client.get("/lessons/no-such-lesson/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>No lesson called “no-such-lesson”</h1>" in html
    assert '<link rel="stylesheet" href="/static/tutorial/site.css">' in html
    for lesson in LESSONS:
        assert f'<a href="/lessons/{lesson.slug}/">{lesson.title}</a>' in html


def test_markdown_is_rendered_once_per_process_not_per_request(client, monkeypatch, settings):
    settings.LOCAL_MODE = False  # its "Run on this machine" form carries a per-request CSRF token
    calls = []
    real_render = catalog_module.render_markdown

    def counting_render(text):
        calls.append(text)
        return real_render(text)

    monkeypatch.setattr(catalog_module, "render_markdown", counting_render)
    get_catalog.cache_clear()
    try:
        first = client.get(f"/lessons/{SLUGS[0]}/")
        rendered_after_first_request = len(calls)
        second = client.get(f"/lessons/{SLUGS[0]}/")
        client.get(f"/lessons/{SLUGS[-1]}/")
        client.get("/")
    finally:
        get_catalog.cache_clear()

    assert (first.status_code, second.status_code) == (200, 200)
    assert rendered_after_first_request == len(LESSONS)
    assert len(calls) == len(LESSONS)
    assert first.content == second.content


@pytest.mark.parametrize("slug", SLUGS)
def test_every_lesson_gives_the_command_that_runs_its_tests(client, slug):
    html = client.get(f"/lessons/{slug}/").content.decode()
    text = re.sub(r"<[^>]+>", "", html)  # the command is highlighted token by token
    module = f"tests/lessons/test_{slug.replace('-', '_')}.py"

    assert '<h2 id="run-the-tests-for-this-lesson">Run the tests for this lesson' in html
    assert f"make test-lesson LESSON={slug}" in text
    assert f"<code>{module}</code>" in html


def test_outside_local_mode_a_lesson_page_is_rendered_once(client, settings):
    from django.test.signals import template_rendered

    from lessons import views

    settings.LOCAL_MODE = False
    views._rendered_lessons.clear()
    rendered = []

    def note(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(note, dispatch_uid="test-lesson-page-cache")
    try:
        first = client.get(f"/lessons/{SLUGS[0]}/")
        renders_for_first = len(rendered)
        second = client.get(f"/lessons/{SLUGS[0]}/")
    finally:
        template_rendered.disconnect(dispatch_uid="test-lesson-page-cache")
        views._rendered_lessons.clear()

    assert (first.status_code, second.status_code) == (200, 200)
    assert renders_for_first > 0
    assert len(rendered) == renders_for_first
    assert second.content == first.content
    assert "Run on this machine" not in first.content.decode()
