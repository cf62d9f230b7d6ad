"""Hypothesis against the lesson pages' own endpoints: a predict exercise's
form, the search page, and a log entry's timeline. No answer is a 5xx, every
4xx says why, and nothing but the prediction's own move is ever written."""

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.exercise_catalog import get_exercises
from playground.models import LogEntry
from tests.fuzz.test_fuzz_endpoints import (
    FUZZ,
    any_text,
    assert_log_consistent,
    assert_sound_response,
    nasty_value,
    new_visitor,
    snapshot,
)

pytestmark = pytest.mark.django_db

PREDICTIONS = [
    exercise
    for exercises in get_exercises().values()
    for exercise in exercises
    if exercise.kind == "predict"
]
STEP_NAMES = [f"step_{number}" for number in range(0, 14)]
CHOICES = sorted({step for exercise in PREDICTIONS for step in exercise.prediction.choices})


@FUZZ
@given(
    exercise=st.sampled_from(PREDICTIONS),
    other_lesson=st.booleans(),
    method=st.sampled_from(["POST"] * 6 + ["GET", "PUT", "DELETE", "HEAD"]),
    pairs=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(STEP_NAMES), any_text),
            st.one_of(st.sampled_from(["", *CHOICES]), nasty_value),
        ),
        max_size=14,
    ),
    htmx=st.booleans(),
)
def test_predictions(exercise, other_lesson, method, pairs, htmx, other):
    lesson = "gotchas" if other_lesson and exercise.lesson != "gotchas" else exercise.lesson
    client, sandbox = new_visitor(exercise.lesson)
    url = f"/lessons/{lesson}/exercises/{exercise.slug}/prediction/"
    before_entries = LogEntry.objects.filter(sandbox=sandbox).count()
    other_before = snapshot(other.pk)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = client.generic(
        method, url, urlencode(pairs), "application/x-www-form-urlencoded", **extra
    )

    assert_sound_response(response, method, playground=False)
    made = LogEntry.objects.filter(sandbox=sandbox).count() - before_entries
    # A move is made only for a whole, valid prediction of a real exercise.
    assert made == (1 if response.status_code == 200 and method == "POST" else 0)
    if lesson != exercise.lesson:
        assert response.status_code in (404, 405)
    assert_log_consistent(sandbox.pk)
    assert snapshot(other.pk) == other_before


@FUZZ
@given(
    query=st.one_of(any_text, nasty_value), htmx=st.booleans(), key=st.sampled_from(["q", "", "x"])
)
def test_search(query, htmx, key):
    client = new_visitor()[0]
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = client.get("/search/?" + urlencode({key: query}), **extra)

    assert_sound_response(response, "GET", playground=False)
    assert response.status_code in (200, 400)


@FUZZ
@given(pk=st.one_of(st.integers(min_value=0, max_value=2**70), st.just(-1)), own=st.booleans())
def test_timelines(pk, own, other):
    client, sandbox = new_visitor("custom-signals")
    theirs = LogEntry.objects.create(sandbox=other, label="theirs", events=[])
    mine = LogEntry.objects.create(sandbox=sandbox, label="mine", events=[])

    for entry_id in (pk, theirs.pk, mine.pk if own else pk):
        response = client.get(f"/playground/log/{entry_id}/timeline/")
        assert_sound_response(response, "GET", playground=True)
        assert response.status_code == (200 if entry_id == mine.pk else 404)
