"""Predict exercises: every answer is what its move really sends, and the
comparison explains each difference."""

import copy
import re
from html import unescape

import pytest
from django.test import Client

from lessons.exercise_catalog import get_exercises
from lessons.predictions import compare, make_move, sent_steps
from playground.models import LogEntry
from playground.sandboxes import create_sandbox

PREDICT_EXERCISES = [
    exercise
    for exercises in get_exercises().values()
    for exercise in exercises
    if exercise.kind == "predict"
]


def test_at_least_eight_lessons_have_a_predict_exercise():
    assert len({exercise.lesson for exercise in PREDICT_EXERCISES}) >= 8


@pytest.mark.django_db
@pytest.mark.parametrize("exercise", PREDICT_EXERCISES, ids=lambda exercise: exercise.key)
def test_the_answer_is_what_the_move_sends_in_the_lessons_sandbox(exercise):
    sandbox = create_sandbox(scenario=exercise.lesson)

    outcome = make_move(sandbox, exercise.prediction.move)

    assert outcome.error == ""
    assert LogEntry.objects.filter(sandbox=sandbox).get() == outcome.entry
    assert sent_steps(outcome.entry) == list(exercise.prediction.answer)


@pytest.mark.django_db
@pytest.mark.parametrize("exercise", PREDICT_EXERCISES, ids=lambda exercise: exercise.key)
def test_the_move_can_be_made_again_with_the_same_answer(exercise):
    sandbox = create_sandbox(scenario=exercise.lesson)
    make_move(sandbox, exercise.prediction.move)

    again = make_move(sandbox, exercise.prediction.move)

    assert sent_steps(again.entry) == list(exercise.prediction.answer)


WHY = {"a": "why a", "b": "why b", "c": "why c", "d": "why d"}


def test_a_right_prediction_has_no_difference():
    comparison = compare(["a", "b"], ["a", "b"], WHY)

    assert comparison.right
    assert comparison.differences == []


def test_each_step_that_differs_is_explained_where_it_differs():
    comparison = compare(["a", "c", "b", "e"], ["a", "b", "d", "c"], WHY)

    assert not comparison.right
    assert [
        (difference.kind, difference.step, difference.choice, difference.why)
        for difference in comparison.differences
    ] == [
        ("moved", 2, "b", "why b"),
        ("missing", 3, "d", "why d"),
        ("extra", 4, "e", ""),
    ]
    assert [difference.sentence for difference in comparison.differences] == [
        "b is step 2 of the log; you predicted it as step 3.",
        "Step 3 of the log is d; your prediction does not have it.",
        "You predicted e as step 4; it was not sent.",
    ]
    # Lined up by the longest common run: a with the log's step 1, c with its step 4.
    assert comparison.marked == [("a", 1), ("c", 4), ("b", None), ("e", None)]


def test_predicting_nothing_when_something_is_sent_explains_every_step():
    comparison = compare([], ["a", "b"], WHY)

    assert [(d.kind, d.step, d.why) for d in comparison.differences] == [
        ("missing", 1, "why a"),
        ("missing", 2, "why b"),
    ]


# --- The form and its answer ------------------------------------------------------

CASCADE = "/lessons/delete-signals/exercises/predict-cascade/prediction/"
CASCADE_ANSWER = [
    "pre_init · Review",
    "post_init · Review",
    "pre_delete · Review",
    "pre_delete · Product",
    "post_delete · Review",
    "post_delete · Product",
]


def steps(*chosen: str) -> dict:
    return {f"step_{number}": step for number, step in enumerate(chosen, start=1)}


def test_the_form_offers_every_choice_at_each_step(client):
    response = client.get(CASCADE, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<select name="step_') == 8  # the answer's six steps and two more
    first = html.split('<select name="step_1"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', first) == [
        "",
        *CASCADE_ANSWER,
        "pre_init · Product",
        "pre_save · Review",
    ]
    assert "Check my prediction: Delete a product with one review" in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.django_db
def test_a_right_prediction_is_solved_and_shows_the_real_log(client):
    response = client.post(CASCADE, steps(*CASCADE_ANSWER), headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-prediction-solved="delete-signals/predict-cascade"' in html
    assert "Right: every signal, in order. Exercise solved." in html
    entry = LogEntry.objects.get()
    assert entry.label == "Deleted Product 'Travel mug'"
    assert f'id="prediction-action-{entry.pk}"' in html
    assert re.findall(r'<code class="pg-event__signal">(\w+)</code>', html) == [
        "pre_init",
        "post_init",
        "pre_delete",
        "pre_delete",
        "post_delete",
        "post_delete",
    ]
    assert "Each difference" not in html


@pytest.mark.django_db
def test_a_wrong_prediction_explains_each_difference(client):
    wrong = [
        "pre_delete · Product",
        "pre_delete · Review",
        "post_delete · Review",
        "post_delete · Product",
    ]

    response = client.post(CASCADE, steps(*wrong), headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "data-prediction-solved" not in html
    assert "Not quite: 3 differences, explained below." in html
    assert re.findall(r'<p class="prediction__sentence">([^<]+)</p>', html) == [
        "Step 1 of the log is pre_init · Review; your prediction does not have it.",
        "Step 2 of the log is post_init · Review; your prediction does not have it.",
        "pre_delete · Review is step 3 of the log; you predicted it as step 2.",
    ]
    assert (
        "Delete receivers need the review as an instance, so the collector SELECTs the product's "
        "reviews and builds each one: pre_init first."
    ) in html
    assert re.findall(r'<span class="prediction__mark">([^<]+)</span>', html) == [
        "✓ the log's step 4",
        "✗ not in the log here",
        "✓ the log's step 5",
        "✓ the log's step 6",
    ]


@pytest.mark.django_db
def test_predicting_nothing_for_queryset_update_is_right(client):
    url = "/lessons/gotchas/exercises/predict-queryset-update/prediction/"

    response = client.post(url, {}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'data-prediction-solved="gotchas/predict-queryset-update"' in response.content.decode()
    assert LogEntry.objects.get().note == "No signals sent."


@pytest.mark.django_db
def test_a_gap_in_the_steps_is_refused_with_a_message_and_nothing_runs(client):
    response = client.post(
        CASCADE,
        {"step_1": "pre_init · Review", "step_3": "pre_delete · Review"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert (
        "Step 2 is empty but a later step is not: fill the steps from step 1 down, with no gap."
        in response.content.decode()
    )
    assert not LogEntry.objects.exists()


@pytest.mark.django_db
def test_a_step_that_is_not_a_choice_is_refused_and_escaped(client):
    response = client.post(CASCADE, {"step_1": "<b>pre_save</b>"}, headers={"HX-Request": "true"})

    assert response.status_code == 422
    html = response.content.decode()
    assert (
        "Select a valid choice. &lt;b&gt;pre_save&lt;/b&gt; is not one of the available choices."
        in html
    )
    assert 'aria-invalid="true"' in html
    assert not LogEntry.objects.exists()


@pytest.mark.django_db
def test_going_too_fast_is_a_429_with_the_reason(client, settings):
    settings.PLAYGROUND_ACTIONS_PER_MINUTE = 1
    client.post(CASCADE, steps(*CASCADE_ANSWER))

    response = client.post(CASCADE, steps(*CASCADE_ANSWER), headers={"HX-Request": "true"})

    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert "You are going faster than 1 playground actions a minute." in response.content.decode()
    assert LogEntry.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/lessons/delete-signals/exercises/nothing-here/prediction/",
        "/lessons/delete-signals/exercises/image-after-commit/prediction/",  # not a predict one
        "/lessons/no-such-lesson/exercises/predict-cascade/prediction/",
    ],
)
def test_an_unknown_predict_exercise_is_a_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_without_javascript_the_form_is_a_page_that_answers_itself(client):
    page = client.get(CASCADE)
    assert page.status_code == 200
    assert "<h1>Predict a cascade delete</h1>" in page.content.decode()

    response = client.post(CASCADE, steps(*CASCADE_ANSWER))

    assert response.status_code == 200
    assert "Right: every signal, in order." in response.content.decode()


def test_the_lesson_page_loads_each_prediction_form_apart(client, settings):
    settings.LOCAL_MODE = True
    html = client.get("/lessons/delete-signals/").content.decode()

    assert re.findall(r'data-prediction hx-get="([^"]+)"', html) == [CASCADE]
    assert '<section class="exercise exercise--predict" id="exercise-predict-cascade"' in html
    assert html.count('<details class="prediction__hint">') == 3


@pytest.mark.django_db
def test_a_first_visits_prediction_posts_although_the_playground_loaded_meanwhile(settings):
    # The lesson page loads its playground and its prediction form at once;
    # both must carry tokens of the one cookie the page itself set. (Its
    # HTML, cached outside local mode, holds no token of its own.)
    settings.LOCAL_MODE = False
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/lessons/delete-signals/")
    assert "csrftoken" in page.cookies
    # Both requests leave with the cookies the page left: neither waits for
    # the other's answer.
    cookies_of_the_page = copy.deepcopy(browser.cookies)
    form = browser.get(CASCADE, headers={"HX-Request": "true"}).content.decode()
    browser.cookies = copy.deepcopy(cookies_of_the_page)
    browser.get("/playground/delete-signals/panel/", headers={"HX-Request": "true"})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]

    response = browser.post(
        CASCADE,
        {**steps(*CASCADE_ANSWER), "csrfmiddlewaretoken": token},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Right: every signal, in order." in response.content.decode()
