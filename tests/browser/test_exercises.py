"""Exercises in Chromium, against the site as ``make serve`` runs it: the
learner types into the editor, the checks run in the browser's Python, and
nothing of the learner's code reaches the server."""

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import (
    assert_no_violations_in_either_theme,
    screenshot_in_each_theme_and_width,
)

pytestmark = pytest.mark.front_end

RUN_TIMEOUT = 120_000  # ms: a cold first run on a busy 2-core machine
EXERCISES = settings.LESSONS_EXERCISES_DIR


@pytest.fixture(autouse=True)
def code_stays_in_the_browser(page: Page, served):
    """Fails any test here whose page or worker sends a body to the server,
    asks another origin for anything, or logs an error (the editor's styles
    breaking the Content-Security-Policy among them)."""
    sent, elsewhere, errors = [], [], []

    def check(request):
        if not request.url.startswith(served.url + "/"):
            elsewhere.append(request.url)
        if request.post_data:
            sent.append((request.method, request.url, request.post_data))

    page.context.on("request", check)
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield
    assert (sent, elsewhere, errors) == ([], [], [])


def open_exercises(page: Page, served, lesson: str) -> None:
    page.goto(f"{served.url}/lessons/{lesson}/")
    page.locator(".exercise").first.hover()
    expect(page.locator("html")).to_have_attribute("data-exercises-ready", "", timeout=30_000)


def test_the_editor_loads_once_the_learner_reaches_for_an_exercise(page: Page, served):
    editors = []
    page.on("request", lambda request: "/lessons/editor" in request.url and editors.append(1))
    page.goto(f"{served.url}/lessons/signals-101/")
    expect(page.locator("html")).to_have_attribute("data-enhanced", "")

    assert editors == []
    expect(page.locator("#exercise-count-new-products textarea")).to_have_count(1)

    open_exercises(page, served, "signals-101")

    assert editors == [1]
    expect(page.locator("#exercise-count-new-products textarea")).to_have_count(0)
    expect(page.locator("#exercise-count-new-products .cm-content")).to_be_visible()


def paste(page: Page, code: str) -> None:
    """Paste ``code`` where the keyboard focus is, as a learner pastes code
    they wrote elsewhere: Ctrl+V, from the clipboard."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("text => navigator.clipboard.writeText(text)", code)
    page.keyboard.press("Control+v")


def type_code(page: Page, exercise, code: str) -> None:
    """Select everything in the exercise's editor and paste ``code`` over it."""
    exercise.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    paste(page, code)


def editor_text(exercise) -> str:
    return exercise.evaluate("node => node.exerciseEditor.text")


def run_checks(exercise, status: str) -> None:
    exercise.get_by_role("button", name="Run the checks").click()
    expect(exercise.locator(".test-run")).to_have_attribute(
        "data-status", status, timeout=RUN_TIMEOUT
    )


def test_the_buttons_show_at_once_and_a_press_before_the_editor_is_in_runs(page: Page, served):
    page.goto(f"{served.url}/lessons/pre-save/")
    exercise = page.locator("#exercise-price-drop")
    run = exercise.get_by_role("button", name="Run the checks")
    expect(run).to_be_visible()
    expect(page.locator("html[data-exercises-ready]")).to_have_count(0)

    run_checks(exercise, "failed")

    expect(exercise.locator(".cm-content")).to_be_visible()
    expect(exercise.locator("[data-run-counts]")).to_have_text("4 tests: 2 failed, 2 passed")


def test_a_write_exercise_fails_with_the_starter_and_passes_once_written(page: Page, served):
    open_exercises(page, served, "pre-save")
    exercise = page.locator("#exercise-price-drop")
    expect(exercise.locator(".exercise__solved")).to_be_hidden()

    run_checks(exercise, "failed")
    expect(exercise.locator("[data-run-counts]")).to_have_text("4 tests: 2 failed, 2 passed")
    expect(exercise.locator(".test-run__item--failed .test-run__name")).to_have_text(
        [
            "test_a_lower_price_is_a_drop",
            "test_each_drop_compares_with_the_price_stored_then",
        ]
    )
    expect(exercise.locator(".test-run__item--failed .test-run__message").first).to_contain_text(
        "assert [] == [('Lamp', Decimal('20.00'), Decimal('15.00'))]"
    )

    type_code(page, exercise, (EXERCISES / "pre-save/price-drop/solution.py").read_text())
    run_checks(exercise, "passed")

    expect(exercise.locator("[data-run-counts]")).to_have_text("4 tests: 4 passed")
    expect(exercise.locator(".exercise__solved")).to_be_visible()
    expect(exercise.locator("[data-run-announce]")).to_have_text(
        "Every check passed: exercise solved."
    )
    # One of the lesson's three exercises: not yet a star beside it in the list.
    expect(page.locator('.lesson-nav [data-lesson="pre-save"]')).not_to_have_attribute(
        "data-solved", ""
    )
    page.goto(served.url + "/")
    expect(page.locator("[data-solved-progress]")).to_have_text(
        "You have solved 1 of 29 exercises."
    )
    expect(page.locator('.lesson-card[data-lesson="pre-save"] [data-solved-label]')).to_have_text(
        "1 of 3 exercises solved"
    )


def test_a_syntax_error_points_at_its_line_in_the_editor(page: Page, served):
    open_exercises(page, served, "signals-101")
    exercise = page.locator("#exercise-count-new-products")
    type_code(page, exercise, "created_names = []\n\ndef broken(:\n    pass\n")

    run_checks(exercise, "failed")

    expect(exercise.locator(".test-run__message").first).to_contain_text(
        "Your code did not run: line 3: SyntaxError: invalid syntax"
    )
    exercise.get_by_role("button", name="Show line 3 in the editor").first.click()
    selected = exercise.evaluate(
        "node => { const s = node.exerciseEditor.view.state; const r = s.selection.main;"
        " return s.sliceDoc(r.from, r.to); }"
    )
    assert selected == "def broken(:"


def test_hints_one_at_a_time_the_solution_after_a_yes_and_the_code_kept(page: Page, served):
    open_exercises(page, served, "post-save")
    exercise = page.locator("#exercise-low-stock")
    starter = (EXERCISES / "post-save/low-stock/starter.py").read_text()
    assert editor_text(exercise) == starter
    hints = exercise.locator("[data-hint]")

    expect(hints.nth(0)).to_be_hidden()
    exercise.get_by_role("button", name="Show hint 1 of 3").click()
    expect(hints.nth(0)).to_be_visible()
    expect(hints.nth(0)).to_be_focused()
    expect(hints.nth(1)).to_be_hidden()
    exercise.get_by_role("button", name="Show hint 2 of 3").click()
    expect(hints.nth(1)).to_be_focused()

    solution = exercise.locator("[data-solution]")
    page.once("dialog", lambda dialog: dialog.dismiss())
    exercise.get_by_role("button", name="Show the solution").click()
    expect(solution).to_be_hidden()
    page.once("dialog", lambda dialog: dialog.accept())
    exercise.get_by_role("button", name="Show the solution").click()
    expect(solution).to_be_visible()
    expect(solution).to_be_focused()
    expect(solution).to_contain_text("def warn_low_stock")

    type_code(page, exercise, "warnings = []  # mine\n")
    open_exercises(page, served, "post-save")
    assert editor_text(exercise) == "warnings = []  # mine\n"

    page.once("dialog", lambda dialog: dialog.accept())
    exercise.get_by_role("button", name="Reset to the starter").click()
    assert editor_text(exercise) == starter
    expect(exercise.locator(".cm-content")).to_be_focused()
    open_exercises(page, served, "post-save")
    assert editor_text(exercise) == starter


def test_a_fix_exercise_by_keyboard_alone(page: Page, served):
    open_exercises(page, served, "transactions")
    exercise = page.locator("#exercise-email-after-commit")
    editor = exercise.locator(".cm-content")
    exercise.locator(".exercise__task").click()  # a place to start tabbing from
    for _ in range(40):
        if editor.evaluate("node => node.getRootNode().activeElement === node"):
            break
        page.keyboard.press("Tab")
    expect(editor).to_be_focused()

    solution = EXERCISES / "transactions" / "email-after-commit" / "solution.py"
    page.keyboard.press("Control+a")
    paste(page, solution.read_text())
    # Tab indents inside the editor; Escape, then Tab, leaves it.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    run = exercise.get_by_role("button", name="Run the checks")
    expect(run).to_be_focused()
    page.keyboard.press("Enter")

    expect(exercise.locator(".test-run")).to_have_attribute(
        "data-status", "passed", timeout=RUN_TIMEOUT
    )
    expect(run).to_be_focused()


def test_an_exercise_reads_in_both_themes_at_any_width_with_no_axe_violations(
    page: Page, served, axe_source, screenshot_dir
):
    open_exercises(page, served, "pre-save")
    exercise = page.locator("#exercise-price-drop")
    run_checks(exercise, "failed")
    exercise.get_by_role("button", name="Show hint 1 of 3").click()

    assert_no_violations_in_either_theme(page, axe_source, "an exercise after a failed run")
    screenshot_in_each_theme_and_width(page, exercise, "exercise", screenshot_dir)


def test_each_check_shows_its_signal_log_with_the_learners_receiver_marked(
    page: Page, served, axe_source, screenshot_dir
):
    open_exercises(page, served, "pre-save")
    exercise = page.locator("#exercise-price-drop")
    # The solution, its receiver returning markup: the log shows it as text.
    solution = (EXERCISES / "pre-save/price-drop/solution.py").read_text()
    type_code(page, exercise, solution + '    return "<b>checked</b>"\n')
    run_checks(exercise, "passed")

    check = exercise.locator(".test-run__item").filter(has_text="test_a_lower_price_is_a_drop")
    log = check.locator("details.test-run__log")
    summary = log.locator("summary")
    expect(summary).to_have_text("Signal log of this check (6 signals)")
    expect(log.locator(".pg-event").first).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(log).to_have_attribute("open", "")

    expect(log.locator(".pg-event__signal")).to_have_text(
        ["pre_init", "post_init", "pre_save", "post_save", "pre_save", "post_save"]
    )
    expect(log.locator(".pg-event__n")).to_have_text(["1", "2", "3", "4", "5", "6"])
    own = log.locator(".pg-run--own")
    expect(own.locator(".pg-run__name")).to_have_text(["learner.notice_price_drop"] * 2)
    expect(own.locator(".pg-run__tag")).to_have_text(["your receiver"] * 2)
    # The lamp's creation is no drop (returned None); its drop returned the markup, as text.
    expect(own.locator(".pg-run__result")).to_have_text(["→ returned None", "→ <b>checked</b>"])
    expect(log.locator("b")).to_have_count(0)
    # The playground's receivers ran too, and are not marked as the learner's.
    expect(log.locator(".pg-run:not(.pg-run--own) .pg-run__tag")).to_have_count(0)
    expect(log.locator(".pg-run").first.locator(".pg-run__name")).to_have_text(
        "playground.receivers.product_init_started"
    )

    assert_no_violations_in_either_theme(page, axe_source, "an exercise check's signal log")
    screenshot_in_each_theme_and_width(page, check, "exercise-signal-log", screenshot_dir)
