"""Predict exercises in Chromium: the learner picks the signals, presses the
button, and reads the real log beside the prediction."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import (
    assert_no_violations_in_either_theme,
    open_ready,
    screenshot_in_each_theme_and_width,
)
from tests.exercises.test_predictions import CASCADE_ANSWER as CASCADE


def open_prediction(page: Page, site: str, lesson: str, exercise: str):
    open_ready(page, f"{site}/lessons/{lesson}/")
    section = page.locator(f"#exercise-{exercise}")
    expect(section.locator("select")).not_to_have_count(0)
    return section


def predict(section, steps: list[str]) -> None:
    for number, step in enumerate(steps, start=1):
        section.get_by_label(f"Step {number}", exact=True).select_option(step)


def test_a_wrong_prediction_then_a_right_one_marks_the_exercise_solved(page: Page, site):
    section = open_prediction(page, site, "delete-signals", "predict-cascade")
    predict(section, ["pre_delete · Product", "pre_delete · Review", "post_delete · Product"])

    section.get_by_role("button", name="Check my prediction").click()

    result = section.locator(".prediction__result")
    expect(result).to_be_focused()
    expect(result.locator(".prediction__verdict")).to_have_text(
        "Not quite: 4 differences, explained below."
    )
    expect(result.locator(".prediction__sentence")).to_have_text(
        [
            "Step 1 of the log is pre_init · Review; your prediction does not have it.",
            "Step 2 of the log is post_init · Review; your prediction does not have it.",
            "pre_delete · Review is step 3 of the log; you predicted it as step 2.",
            "Step 5 of the log is post_delete · Review; your prediction does not have it.",
        ]
    )
    expect(result.locator(".pg-event__signal")).to_have_text(
        ["pre_init", "post_init", "pre_delete", "pre_delete", "post_delete", "post_delete"]
    )
    # The same action, in the playground's own log beside the lesson.
    expect(page.locator("#playground .pg-action__label").first).to_have_text(
        "Deleted Product 'Travel mug'"
    )
    expect(section.locator(".exercise__solved")).to_be_hidden()
    # The form stays, with the prediction to correct.
    expect(section.get_by_label("Step 1", exact=True)).to_have_value("pre_delete · Product")

    predict(section, CASCADE)
    section.get_by_role("button", name="Check my prediction").click()

    expect(section.locator(".prediction__verdict")).to_have_text(
        "Right: every signal, in order. Exercise solved."
    )
    expect(section.locator(".exercise__solved")).to_be_visible()
    expect(page.locator(".lesson-nav li[data-lesson='delete-signals']")).not_to_have_attribute(
        "data-solved", ""
    )  # two more exercises in this lesson
    page.goto(f"{site}/")
    expect(page.locator("[data-solved-progress]")).to_contain_text(
        re.compile(r"You have solved 1 of \d+ exercises\.")
    )


def test_a_prediction_by_keyboard_only_with_a_gap_then_nothing_predicted(page: Page, site):
    section = open_prediction(page, site, "gotchas", "predict-queryset-update")
    step_2 = section.get_by_label("Step 2", exact=True)
    step_2.focus()
    page.keyboard.press("ArrowDown")  # a step after an empty one
    expect(step_2).not_to_have_value("")
    page.keyboard.press("Tab")
    while not section.get_by_role("button", name="Check my prediction").evaluate(
        "button => button === document.activeElement"
    ):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    problem = section.locator(".prediction__problem")
    expect(problem).to_be_focused()
    expect(problem).to_have_text(
        "Step 1 is empty but a later step is not: fill the steps from step 1 down, with no gap."
    )
    step_2 = section.get_by_label("Step 2", exact=True)
    step_2.focus()
    page.keyboard.press("Home")  # back to "No more signals"
    expect(step_2).to_have_value("")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    while not section.get_by_role("button", name="Check my prediction").evaluate(
        "button => button === document.activeElement"
    ):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(section.locator(".prediction__verdict")).to_have_text(
        "Right: every signal, in order. Exercise solved."
    )
    expect(section.locator(".prediction__result")).to_be_focused()
    expect(section.locator(".pg-action__note")).to_have_text("No signals sent.")


@pytest.mark.parametrize("solved", [False, True], ids=["wrong", "right"])
def test_a_prediction_reads_in_both_themes_at_any_width_with_no_axe_violations(
    page: Page, site, axe_source, screenshot_dir, solved
):
    section = open_prediction(page, site, "m2m-changed", "predict-set")
    predict(
        section,
        [
            "m2m_changed · pre_clear",
            "m2m_changed · pre_add",
            "m2m_changed · post_add",
        ]
        if not solved
        else [
            "m2m_changed · pre_remove",
            "m2m_changed · post_remove",
            "m2m_changed · pre_add",
            "pre_init · Article.tags.through",
            "post_init · Article.tags.through",
            "m2m_changed · post_add",
        ],
    )
    section.get_by_role("button", name="Check my prediction").click()
    expect(section.locator(".prediction__result")).to_be_focused()
    section.locator(".prediction__hint summary").first.click()

    assert_no_violations_in_either_theme(page, axe_source, "a predict exercise's result")
    screenshot_in_each_theme_and_width(
        page, section, f"prediction-{'right' if solved else 'wrong'}", screenshot_dir
    )


def test_an_answer_the_page_cannot_show_still_says_what_happened(page: Page, site):
    section = open_prediction(page, site, "gotchas", "predict-bulk-create")
    page.route(
        re.compile(r"/prediction/$"),
        lambda route: (
            route.fulfill(status=403, body="Forbidden")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )

    section.get_by_role("button", name="Check my prediction").click()

    problem = section.locator("[data-prediction-failed]")
    expect(problem).to_be_focused()
    expect(problem).to_have_text(
        "The server refused this (403). Reload the page, then try again: your prediction "
        "is checked only once it arrives."
    )
