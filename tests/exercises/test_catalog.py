"""The exercise loader: what an exercise's folder must hold, and the errors
that stop the site at start-up when it does not."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from lessons.catalog import get_catalog
from lessons.exercise_catalog import ExerciseError, get_exercises, load_exercise, load_exercises
from tests.startup import start_up_error

EXAMPLE = settings.LESSONS_EXERCISES_DIR / "pre-save" / "price-drop"


@pytest.fixture
def exercise(tmp_path) -> Path:
    """A copy of a real exercise, in a lesson folder of its own, to break."""
    folder = tmp_path / "pre-save" / "price-drop"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def error_of(folder: Path) -> str:
    with pytest.raises(ExerciseError) as raised:
        load_exercise(folder, "pre-save")
    return f"{raised.value.path.name}: {raised.value.problem}"


def test_an_exercise_loads_its_task_code_and_hints(exercise):
    loaded = load_exercise(exercise, "pre-save")

    assert (loaded.key, loaded.title, loaded.kind, loaded.order) == (
        "pre-save/price-drop",
        "Notice a price drop",
        "write",
        1,
    )
    assert loaded.starter == (exercise / "starter.py").read_text()
    assert loaded.solution == (exercise / "solution.py").read_text()
    assert len(loaded.hints_html) == 3
    assert loaded.hints_html[0].startswith("<p><code>instance</code> carries the new values only.")
    assert "<code>PRICE_DROPS</code>" not in loaded.task_html
    assert "<code>price_drops</code>" in loaded.task_html


def test_an_exercise_without_a_task_is_refused(exercise):
    (exercise / "task.md").unlink()

    assert error_of(exercise) == "task.md: missing: every exercise needs task.md"


@pytest.mark.parametrize("missing", ["starter.py", "solution.py", "checks.py", "hints.md"])
def test_an_exercise_without_one_of_its_files_is_refused(exercise, missing):
    (exercise / missing).unlink()

    assert error_of(exercise) == (
        f"{missing}: missing: a write or fix exercise needs "
        "task.md, starter.py, solution.py, checks.py, hints.md"
    )


PREDICT_EXAMPLE = settings.LESSONS_EXERCISES_DIR / "delete-signals" / "predict-cascade"


@pytest.fixture
def predict_exercise(tmp_path):
    """A copy of a real predict exercise, to break."""
    folder = tmp_path / "delete-signals" / "predict-cascade"
    shutil.copytree(PREDICT_EXAMPLE, folder)
    return folder


@pytest.mark.parametrize("missing", ["prediction.toml", "hints.md"])
def test_a_predict_exercise_without_one_of_its_files_is_refused(predict_exercise, missing):
    (predict_exercise / missing).unlink()

    assert error_of(predict_exercise) == (
        f"{missing}: missing: a predict exercise needs task.md, prediction.toml, hints.md"
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda text: text.replace('"delete-product-with-review"', '"explode"'),
            "move must be one of create-product, get-or-create-existing, save-stock-only, "
            "delete-product-with-review, set-article-tags, bulk-create-two, queryset-update, "
            "share-robustly, review-a-product, not 'explode'",
        ),
        (
            lambda text: text.replace(
                'answer = ["pre_init · Review"', 'answer = ["pre_init · Tag"'
            ),
            "answer step(s) missing from [choices]: pre_init · Tag",
        ),
        (
            lambda text: "\n".join(
                line
                for line in text.splitlines()
                if not line.startswith(('"pre_init · Product"', '"pre_save · Review"'))
            ),
            "[choices] needs at least 2 steps that are not sent",
        ),
        (
            lambda text: text.replace("answer = [", "answer = ["),
            None,
        ),
        (
            lambda text: "extra = 1\n" + text,
            "unknown key(s): extra",
        ),
        (
            lambda text: text.replace("[choices]", "[choices"),
            "not valid TOML: Expected ']' at the end of a table declaration (at line 4, column 9)",
        ),
    ],
)
def test_a_broken_prediction_is_refused_with_its_problem(predict_exercise, change, problem):
    toml = predict_exercise / "prediction.toml"
    toml.write_text(change(toml.read_text(encoding="utf-8")), encoding="utf-8")

    if problem is None:
        assert load_exercise(predict_exercise, "delete-signals").prediction.slots == 8
    else:
        assert error_of(predict_exercise) == f"prediction.toml: {problem}"


def test_a_starter_that_is_already_the_solution_is_refused(exercise):
    shutil.copyfile(exercise / "solution.py", exercise / "starter.py")

    assert error_of(exercise) == "starter.py: the starter is the solution already"


@pytest.mark.parametrize(
    ("hints", "found"), [("Only one hint.\n", 1), ("1\n---\n2\n---\n3\n---\n4\n", 4)]
)
def test_two_or_three_hints_are_needed(exercise, hints, found):
    (exercise / "hints.md").write_text(hints)

    assert error_of(exercise) == (
        f"hints.md: needs 2 or 3 hints, easiest first, separated by '---' lines (found {found})"
    )


def test_an_empty_hint_is_refused(exercise):
    (exercise / "hints.md").write_text("First.\n---\n\n---\nThird.\n")

    assert error_of(exercise).startswith("hints.md: needs 2 or 3 hints")


def test_code_that_does_not_compile_is_refused_with_its_line(exercise):
    (exercise / "solution.py").write_text("x = 1\ndef broken(:\n")

    assert error_of(exercise) == "solution.py: line 2: invalid syntax"


def test_checks_must_take_the_learner_fixture(exercise):
    (exercise / "checks.py").write_text("def test_nothing():\n    assert True\n")

    assert error_of(exercise) == (
        "checks.py: no check: define test_… functions that take the learner fixture"
    )


@pytest.mark.parametrize(
    ("front_matter", "problem"),
    [
        (
            "title: T\nkind: guess\norder: 1\n",
            "kind must be one of write, fix, predict, not 'guess'",
        ),
        ("title: T\nkind: write\n", "front matter needs 'order', as a whole number"),
        ("title: T\nkind: write\norder: 1\nlevel: 2\n", "unknown front matter field(s): level"),
        ("title: ' '\nkind: write\norder: 1\n", "front matter field 'title' must not be empty"),
    ],
)
def test_the_task_front_matter_is_validated(exercise, front_matter, problem):
    (exercise / "task.md").write_text(f"---\n{front_matter}---\nThe task.\n")

    assert error_of(exercise) == f"task.md: {problem}"


def test_exercises_belong_to_a_lesson_and_keep_their_order_unique(exercise, tmp_path):
    twin = exercise.with_name("price-drop-again")
    shutil.copytree(exercise, twin)

    with pytest.raises(ExerciseError) as raised:
        load_exercises(tmp_path, get_catalog())
    assert raised.value.problem.startswith("duplicate order 1, already used by")

    shutil.rmtree(twin)
    exercise.parent.rename(tmp_path / "no-such-lesson")
    with pytest.raises(ExerciseError) as raised:
        load_exercises(tmp_path, get_catalog())
    assert raised.value.problem == "no lesson has this slug"


def test_the_sites_exercises_all_load():
    exercises = get_exercises()

    assert sum(len(found) for found in exercises.values()) == len(
        list(settings.LESSONS_EXERCISES_DIR.glob("*/*/task.md"))
    )
    assert set(exercises) <= {lesson.slug for lesson in get_catalog()}


def test_site_refuses_to_start_with_a_broken_exercise(exercise, tmp_path):
    (exercise / "hints.md").unlink()
    assert start_up_error(LESSONS_EXERCISES_DIR=str(tmp_path)) == (
        f"lessons.exercise_catalog.ExerciseError: {exercise / 'hints.md'}: missing: a write "
        "or fix exercise needs task.md, starter.py, solution.py, checks.py, hints.md"
    )
