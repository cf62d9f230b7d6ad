"""What a lesson page holds of its exercises, before any script runs."""

import re
from html import escape

from lessons.exercise_catalog import get_exercises
from lessons.runtime import files


def test_a_lesson_page_shows_each_exercise_with_its_starter_hints_and_hidden_solution(
    client, settings
):
    settings.LOCAL_MODE = True  # no page cache
    price_drop, update_fields, _predict = get_exercises()["pre-save"]

    html = client.get("/lessons/pre-save/").content.decode()

    assert re.findall(r'<section class="exercise" id="([^"]+)"', html) == [
        "exercise-price-drop",
        "exercise-update-fields",
    ]
    assert 'data-checks="lessons/exercises/pre-save/price-drop/checks.py"' in html
    assert f"data-starter>{escape(price_drop.starter)}</textarea>" in html
    assert html.count('<li class="exercise__hint prose" tabindex="-1" data-hint>') == (
        len(price_drop.hints_html) + len(update_fields.hints_html)
    )
    # The solution waits for a confirmation; the buttons and the editor's
    # help wait for the script that makes them work.
    assert html.count("data-solution hidden>") == 2
    assert html.count('<div class="exercise__actions" data-needs-script hidden>') == 2
    assert 'src="/static/lessons/exercises.mjs" data-editor-url="/static/lessons/editor.js"' in (
        html
    )


def test_without_a_built_runtime_no_script_offers_to_run_the_checks(client, settings, monkeypatch):
    settings.LOCAL_MODE = True
    monkeypatch.setattr(files, "_manifest_text", lambda: None)

    html = client.get("/lessons/pre-save/").content.decode()

    assert '<section class="exercise" id="exercise-price-drop"' in html
    assert "exercises.mjs" not in html


def test_the_contents_list_each_exercise_after_the_lessons_sections(client, settings):
    settings.LOCAL_MODE = True
    html = client.get("/lessons/delete-signals/").content.decode()

    contents = html.split('<nav class="lesson-toc"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', contents)
    assert links[-4:] == [
        ("exercises-title", "Exercises"),
        ("exercise-log-article-deletion", "Log every deleted article"),
        ("exercise-image-after-commit", "Remove the image once the delete commits"),
        ("exercise-predict-cascade", "Predict a cascade delete"),
    ]
    for anchor, _title in links[-4:]:
        assert f'id="{anchor}"' in html
