"""Load and validate every exercise once per process, as ``catalog`` does lessons.

An exercise is a folder, ``lessons/exercises/<lesson slug>/<exercise slug>/``::

    task.md      front matter (title, kind, order), then the task in Markdown
    starter.py   the code the editor starts with
    solution.py  the reference solution
    checks.py    pytest tests; their ``learner`` fixture is the learner's code
                 (lessons/exercises/conftest.py)
    hints.md     two or three hints, easiest first, separated by ``---`` lines

``kind`` is ``write`` (a goal and a starter to complete) or ``fix`` (a
starter with a bug the course warns about). A ``predict`` exercise has no
code: beside ``task.md`` and ``hints.md`` it holds ``prediction.toml``::

    move = "delete-product-with-review"    # a move in lessons/predictions.py
    answer = ["pre_delete · Review", ...]  # the steps its log shows, in order

    [choices]   # every step the learner may pick, and why it is (not) sent
    "pre_delete · Review" = "The collector deletes the reviews first..."

Any problem raises
``ExerciseError`` naming the file, at start-up, so a broken exercise is never
served. That the checks pass with the solution and fail with the starter is
proven by the test suite (tests/exercises/), in CPython and in the browser
runtime.
"""

import ast
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from lessons.catalog import (
    SLUG_PATTERN,
    Catalog,
    LessonError,
    get_catalog,
    parse_front_matter,
)
from lessons.rendering import render_markdown
from tutorial.highlighting import highlight_python

FILES = ("task.md", "starter.py", "solution.py", "checks.py", "hints.md")
PREDICT_FILES = ("task.md", "prediction.toml", "hints.md")
KINDS = ("write", "fix", "predict")
KIND_LABELS = {"write": "Write the code", "fix": "Fix the bug", "predict": "Predict the log"}
# A prediction has room for the answer and this many more steps, and at least MIN_SLOTS.
SPARE_SLOTS, MIN_SLOTS = 2, 6
MIN_WRONG_CHOICES = 2
FIELDS = {"title": str, "kind": str, "order": int}
HINT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
MIN_HINTS, MAX_HINTS = 2, 3


class ExerciseError(LessonError):
    """An exercise that cannot be served. The message starts with its file."""


@dataclass(frozen=True)
class Prediction:
    """A predict exercise's move, its answer and its choices."""

    move: str
    answer: tuple[str, ...]
    # Each step the learner may pick, in the order the form lists them, with
    # the sentence that explains it when a prediction gets it wrong.
    choices: dict[str, str]

    @property
    def button(self) -> str:
        """What the learner's press does, as the form's button says it."""
        from lessons.predictions import MOVES

        return MOVES[self.move].button

    @property
    def slots(self) -> int:
        """How many steps the form offers (always more than the answer needs)."""
        return max(MIN_SLOTS, len(self.answer) + SPARE_SLOTS)


@dataclass(frozen=True)
class Exercise:
    lesson: str
    slug: str
    title: str
    kind: str
    order: int
    task_html: str
    starter: str
    solution: str
    solution_html: str
    hints_html: tuple[str, ...]
    folder: Path
    prediction: Prediction | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def checks(self) -> str:
        """The checks module's path from the project root, as pytest takes it."""
        return (self.folder / "checks.py").relative_to(settings.BASE_DIR).as_posix()

    @property
    def key(self) -> str:
        """Unique on the site: what the browser stores the learner's code under."""
        return f"{self.lesson}/{self.slug}"


def _compiles(path: Path, text: str) -> None:
    try:
        ast.parse(text, filename=str(path))
    except SyntaxError as error:
        raise ExerciseError(path, f"line {error.lineno}: {error.msg}") from None


def _front_matter(path: Path) -> tuple[dict, str]:
    meta, body = parse_front_matter(path, path.read_text(encoding="utf-8"), ExerciseError)
    unknown = sorted(set(meta) - set(FIELDS))
    if unknown:
        raise ExerciseError(path, f"unknown front matter field(s): {', '.join(unknown)}")
    for name, kind in FIELDS.items():
        value = meta.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            expected = "a whole number" if kind is int else "text"
            raise ExerciseError(path, f"front matter needs {name!r}, as {expected}")
        if kind is str and not value.strip():
            raise ExerciseError(path, f"front matter field {name!r} must not be empty")
    if meta["kind"] not in KINDS:
        raise ExerciseError(path, f"kind must be one of {', '.join(KINDS)}, not {meta['kind']!r}")
    if not body.strip():
        raise ExerciseError(path, "the task is empty: describe it below the front matter")
    return meta, body


def _hints(path: Path) -> tuple[str, ...]:
    hints = [hint.strip() for hint in HINT_SEPARATOR.split(path.read_text(encoding="utf-8"))]
    if not MIN_HINTS <= len(hints) <= MAX_HINTS or not all(hints):
        raise ExerciseError(
            path,
            f"needs {MIN_HINTS} or {MAX_HINTS} hints, easiest first, separated by '---' lines "
            f"(found {len([hint for hint in hints if hint])})",
        )
    return tuple(render_markdown(hint).html for hint in hints)


def _prediction(path: Path) -> Prediction:
    from lessons.predictions import MOVES, STEP_SEPARATOR

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ExerciseError(path, f"not valid TOML: {error}") from None
    unknown = sorted(set(data) - {"move", "answer", "choices"})
    if unknown:
        raise ExerciseError(path, f"unknown key(s): {', '.join(unknown)}")
    move, answer, choices = data.get("move"), data.get("answer"), data.get("choices")
    if move not in MOVES:
        raise ExerciseError(path, f"move must be one of {', '.join(MOVES)}, not {move!r}")
    if not isinstance(choices, dict) or not all(
        isinstance(why, str) and why.strip() and STEP_SEPARATOR in step
        for step, why in choices.items()
    ):
        raise ExerciseError(
            path,
            f"[choices] maps each step ('signal{STEP_SEPARATOR}Sender') to why it is (not) sent",
        )
    if not isinstance(answer, list) or not all(isinstance(step, str) for step in answer):
        raise ExerciseError(path, "answer must be a list of steps (it may be empty: [])")
    if strays := [step for step in answer if step not in choices]:
        raise ExerciseError(path, f"answer step(s) missing from [choices]: {', '.join(strays)}")
    if len(set(choices) - set(answer)) < MIN_WRONG_CHOICES:
        raise ExerciseError(
            path, f"[choices] needs at least {MIN_WRONG_CHOICES} steps that are not sent"
        )
    return Prediction(move=move, answer=tuple(answer), choices=choices)


def _load_predict(folder: Path, lesson: str, meta: dict, body: str) -> Exercise:
    return Exercise(
        lesson=lesson,
        slug=folder.name,
        title=meta["title"].strip(),
        kind="predict",
        order=meta["order"],
        task_html=render_markdown(body).html,
        starter="",
        solution="",
        solution_html="",
        hints_html=_hints(folder / "hints.md"),
        folder=folder,
        prediction=_prediction(folder / "prediction.toml"),
    )


def _require(folder: Path, names: tuple[str, ...], who: str) -> None:
    for name in names:
        if not (folder / name).is_file():
            raise ExerciseError(folder / name, f"missing: {who} needs " + ", ".join(names))


def load_exercise(folder: Path, lesson: str) -> Exercise:
    """Read and validate one exercise's folder."""
    _require(folder, FILES[:1], "every exercise")
    if not SLUG_PATTERN.match(folder.name):
        raise ExerciseError(folder, "the folder's name must be lowercase letters, digits, hyphens")
    meta, body = _front_matter(folder / "task.md")
    if meta["kind"] == "predict":
        _require(folder, PREDICT_FILES, "a predict exercise")
        return _load_predict(folder, lesson, meta, body)
    _require(folder, FILES, "a write or fix exercise")
    code = {name: (folder / name).read_text(encoding="utf-8") for name in FILES[1:4]}
    for name, text in code.items():
        _compiles(folder / name, text)
    if code["starter.py"].strip() == code["solution.py"].strip():
        raise ExerciseError(folder / "starter.py", "the starter is the solution already")
    if not re.search(r"^def test_\w+\(.*\blearner\b", code["checks.py"], re.MULTILINE):
        raise ExerciseError(
            folder / "checks.py", "no check: define test_… functions that take the learner fixture"
        )
    return Exercise(
        lesson=lesson,
        slug=folder.name,
        title=meta["title"].strip(),
        kind=meta["kind"],
        order=meta["order"],
        task_html=render_markdown(body).html,
        starter=code["starter.py"],
        solution=code["solution.py"],
        solution_html=highlight_python(code["solution.py"]),
        hints_html=_hints(folder / "hints.md"),
        folder=folder,
    )


def load_exercises(folder: Path, catalog: Catalog) -> dict[str, tuple[Exercise, ...]]:
    """Every exercise under ``folder``, by lesson slug, in their order."""
    by_lesson: dict[str, tuple[Exercise, ...]] = {}
    for lesson_folder in sorted(path for path in Path(folder).iterdir() if path.is_dir()):
        if lesson_folder.name == "__pycache__":
            continue
        if catalog.get(lesson_folder.name) is None:
            raise ExerciseError(lesson_folder, "no lesson has this slug")
        exercises = [
            load_exercise(path, lesson_folder.name)
            for path in sorted(lesson_folder.iterdir())
            if path.is_dir() and path.name != "__pycache__"
        ]
        orders: dict[int, Path] = {}
        for exercise in exercises:
            if exercise.order in orders:
                raise ExerciseError(
                    exercise.folder / "task.md",
                    f"duplicate order {exercise.order}, already used by {orders[exercise.order]}",
                )
            orders[exercise.order] = exercise.folder
        by_lesson[lesson_folder.name] = tuple(sorted(exercises, key=lambda item: item.order))
    return by_lesson


@functools.cache
def get_exercises() -> dict[str, tuple[Exercise, ...]]:
    """The site's exercises by lesson, loaded on first use and kept."""
    return load_exercises(settings.LESSONS_EXERCISES_DIR, get_catalog())


def exercise_keys(lesson: str) -> str:
    """A lesson's exercises' keys, space-separated: the page's solved marks
    (site.js) count them."""
    return " ".join(exercise.key for exercise in get_exercises().get(lesson, ()))
