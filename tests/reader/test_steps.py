"""Try-it steps: the blocks a lesson's numbered steps carry, read once at
start-up, and the errors that stop a lesson whose steps cannot be followed."""

import pytest

from lessons.catalog import LessonError, get_catalog, load_lesson
from lessons.steps import Action, Expectations, StepError, extract
from tests.reader.test_catalog import write_lesson

WITHOUT_BLOCKS = """\
## Intro

Some text.

## Try it

1. Open **Create a product**, fill in **Name** `Pen` and **Price** `2.50`, and press
   **Create product**. The log shows four signals.
2. Open **Edit** on the Notebook row and press **Save**.

## Summary

Done.
"""

WITH_BLOCKS = """\
## Intro

Some text.

## Try it

1. Open **Create a product**, fill in **Name** `Pen` and **Price** `2.50`, and press
   **Create product**. The log shows four signals.

   ```try-it
   do:
     - open: Create a product
     - fill: {Name: Pen, Price: 2.50}
     - press: Create product
   expect:
     entry: Created Product 'Pen'
     signals: [pre_init, post_init, pre_save, post_save]
     results:
       log_price: price is 2.50
       only_products: []
   ```
2. Open **Edit** on the Notebook row and press **Save**.

   ```try-it
   do:
     - open: Edit
       row: Notebook
     - press: Save
   expect:
     error: none
     rows:
       Notebook: "#… · 6.50 · stock 40 · notebook"
     listening:
       post_save:
         - observe: "sender: Product · weak reference"
         - …
   ```

## Summary

Done.
"""


def test_the_page_gets_the_markdown_as_if_the_blocks_were_not_there():
    assert extract(WITH_BLOCKS).body == WITHOUT_BLOCKS


def test_each_numbered_step_reads_its_actions_and_expectations():
    first, second = extract(WITH_BLOCKS).steps

    assert (first.number, first.line) == (1, 10)
    assert first.prose == (
        "Open **Create a product**, fill in **Name** `Pen` and **Price** `2.50`, and press "
        "**Create product**. The log shows four signals."
    )
    assert first.actions == (
        Action("open", target="Create a product"),
        # Every value is text as written: 2.50 is not the float 2.5.
        Action("fill", fields=(("Name", "Pen"), ("Price", "2.50"))),
        Action("press", target="Create product"),
    )
    assert first.expect == Expectations(
        entry="Created Product 'Pen'",
        signals=("pre_init", "post_init", "pre_save", "post_save"),
        results=(("log_price", ("price is 2.50",)), ("only_products", ())),
    )
    assert second.actions == (
        Action("open", target="Edit", row="Notebook"),
        Action("press", target="Save"),
    )
    assert second.expect == Expectations(
        error="none",
        rows=(("Notebook", "#… · 6.50 · stock 40 · notebook"),),
        listening=(("post_save", ("observe: sender: Product · weak reference", "…")),),
    )


def block(text: str, *, steps: str = "1. Do it.\n") -> str:
    indented = "".join(f"   {line}\n" if line else "\n" for line in text.splitlines())
    return f"## Try it\n\n{steps}\n   ```try-it\n{indented}   ```\n"


PRESS = "do:\n  - press: Save\n"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "## Intro\n\n1. Step.\n\n   ```try-it\n   expect: {entries: 0}\n   ```\n",
            "line 5: a try-it block outside the '## Try it' section",
        ),
        (
            "## Try it\n\n```try-it\nexpect: {entries: 0}\n```\n",
            "line 3: a try-it block before the first numbered step",
        ),
        (
            "## Try it\n\n1. A step.\n2. Another.\n\n"
            "   ```try-it\n   expect: {entries: 0}\n   ```\n",
            "line 3: step 1 has no try-it block saying what to do and what to expect",
        ),
        (
            block("expect: {entries: 0}", steps="2. Numbered wrong.\n"),
            "line 3: step 2 should be step 1: number them 1, 2, 3…",
        ),
        (
            block("expect: {entries: 0}") + "\n   ```try-it\n   expect: {entries: 1}\n   ```\n",
            "line 9: step 1 has a second try-it block",
        ),
        (
            "## Try it\n\n1. Step.\n\n   ```try-it\n   expect: {entries: 0}\n",
            "line 5: a try-it block that is never closed with ```",
        ),
        (
            block("expect:\n  entry: [unclosed"),
            "line 8: step 1: the try-it block is not valid YAML: expected ',' or ']', but got",
        ),
        (block("- a list"), "line 5: step 1: the try-it block must be a mapping"),
        (block("do: []\nexpected: {}"), "line 5: step 1: unknown key(s) expected (a block has"),
        (block(PRESS), "line 5: step 1: 'expect' must say what the step shows"),
        (
            block("do:\n  - prss: Save\nexpect: {entries: 0}"),
            "line 5: step 1: unknown action 'prss' (known: open, fill, tick, attach, press, wait)",
        ),
        (
            block("do:\n  - {open: Edit, press: Save}\nexpect: {entries: 0}"),
            "line 5: step 1: each item of 'do' is one action",
        ),
        (
            block("do:\n  - fill: [Name, Pen]\n  - press: Save\nexpect: {entries: 0}"),
            "line 5: step 1: 'fill' must be a mapping of 'name: value' lines",
        ),
        (
            block("do:\n  - fill: {Name: Pen}\nexpect: {entries: 0}"),
            "line 5: step 1: 'fill' {'Name': 'Pen'} must be followed by a 'press'",
        ),
        (
            block("do:\n  - attach: {Image: photo.jpg}\n  - press: Save\nexpect: {entries: 0}"),
            "line 5: step 1: 'attach' can put a small PNG in 'Image'; got 'photo.jpg'",
        ),
        (
            block("do:\n  - wait: 3 seconds\nexpect: {entries: 0}"),
            "line 5: step 1: 'wait' can wait for: live update; got '3 seconds'",
        ),
        (
            block(PRESS + "expect: {log: x}"),
            "line 5: step 1: unknown expectation(s) log (known: alert, arguments,",
        ),
        (
            block(PRESS + "expect: {signals: [post_saved]}"),
            "line 5: step 1: unknown signal 'post_saved' (the playground watches: pre_init,",
        ),
        (
            block(PRESS + "expect:\n  results: {log_prices: x}"),
            "line 5: step 1: unknown receiver 'log_prices': name a function of "
            "playground/receivers.py",
        ),
        (
            block(PRESS + "expect:\n  receivers: {post_save: [django.nowhere.receiver]}"),
            "line 5: step 1: unknown receiver 'django.nowhere.receiver': no such dotted path",
        ),
        (
            block(PRESS + "expect: {signals: [pre_save, post_save], senders: [Product]}"),
            "line 5: step 1: 'senders' must name one sender for each of the 'signals'",
        ),
        (
            block(PRESS + "expect: {entries: two}"),
            "line 5: step 1: 'entries' must be a number, got 'two'",
        ),
        (
            block(PRESS + "expect:\n  outbox: [{subject: Hi, to: a@example.com}]"),
            "line 5: step 1: each e-mail of 'outbox' has exactly subject, to, body",
        ),
    ],
)
def test_a_step_that_cannot_be_followed_is_refused(body, problem):
    with pytest.raises(StepError) as caught:
        extract(body)

    assert str(caught.value).startswith(problem)


def test_a_broken_step_stops_the_lesson_naming_the_file_and_its_line(tmp_path):
    path = write_lesson(tmp_path, "broken", body=block(PRESS + "expect: {signals: [saved]}"))

    with pytest.raises(LessonError) as caught:
        load_lesson(path)

    # The front matter's 7 lines come before the body's.
    assert str(caught.value).startswith(
        f"{path}: line 12: step 1: unknown signal 'saved' (the playground watches:"
    )


@pytest.mark.parametrize("lesson", get_catalog().lessons, ids=lambda lesson: lesson.slug)
def test_every_lesson_has_steps_to_follow_and_shows_none_of_their_blocks(lesson):
    assert [step.number for step in lesson.steps] == list(range(1, len(lesson.steps) + 1))
    assert lesson.steps
    assert "```" not in lesson.html
    assert "expect:" not in lesson.html
