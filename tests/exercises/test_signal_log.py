"""Each exercise check reports the signals it sent, with the learner's
receivers named ``learner.<function>``: under CPython, and in the browser
runtime (through Node), for the page to show under the check."""

from types import SimpleNamespace

import pytest

from lessons.progress_plugin import MAX_LOG_EVENTS, SIGNAL_LOG, result_of
from tests.exercises.test_checks import cpython_results, node_results

PRICE_DROP = "lessons/exercises/pre-save/price-drop/checks.py"
ASYNC_RECEIVER = "lessons/exercises/async-signals/async-receiver/checks.py"
LEARNER_RECEIVER = "learner.notice_price_drop"


def by_name(results: list[dict]) -> dict[str, dict]:
    return {result["name"]: result for result in results}


def signals(result: dict) -> list[tuple[str, str]]:
    return [(event["signal"], event["sender"]) for event in result["log"]]


def learner_receivers(result: dict) -> list[list[str]]:
    """For each event, the learner's receivers that ran for it."""
    return [
        [run["name"] for run in event["receivers"] if run["name"].startswith("learner.")]
        for event in result["log"]
    ]


def assert_the_price_drop_logs(results: list[dict]) -> None:
    checks = by_name(results)
    drop = checks["test_a_lower_price_is_a_drop"]
    # The lamp fixture creates the lamp (init, then save), the check saves it
    # with a lower price; the seeding of the sandbox is not in the log.
    assert signals(drop) == [
        ("pre_init", "Product"),
        ("post_init", "Product"),
        ("pre_save", "Product"),
        ("post_save", "Product"),
        ("pre_save", "Product"),
        ("post_save", "Product"),
    ]
    assert drop["log_count"] == 6
    assert [event["position"] for event in drop["log"]] == [1, 2, 3, 4, 5, 6]
    assert learner_receivers(drop) == [[], [], [LEARNER_RECEIVER], [], [LEARNER_RECEIVER], []]
    runs = {run["name"]: run for run in drop["log"][4]["receivers"]}
    assert (runs[LEARNER_RECEIVER]["result"], runs[LEARNER_RECEIVER]["error"]) == ("", "")
    # The lamp the check saved is in the event's arguments.
    assert ["instance", "<Product: Lamp>"] in drop["log"][4]["arguments"]

    # The learner's code is imported afresh for each check: a later check's
    # receiver is seen too (not only the first compilation's).
    later = checks["test_each_drop_compares_with_the_price_stored_then"]
    assert [signal for signal, _sender in signals(later)] == [
        "pre_init",
        "post_init",
        *["pre_save", "post_save"] * 3,
    ]
    assert learner_receivers(later).count([LEARNER_RECEIVER]) == 3


def test_a_check_reports_its_signals_in_order_with_the_learners_receiver_under_cpython():
    assert_the_price_drop_logs(cpython_results("solution", PRICE_DROP))


def test_a_check_that_sends_no_signal_reports_an_empty_log():
    checks = by_name(cpython_results("solution", ASYNC_RECEIVER, "-k", "is_a_coroutine_function"))

    assert checks["test_email_receipt_is_a_coroutine_function"]["log"] == []
    assert checks["test_email_receipt_is_a_coroutine_function"]["log_count"] == 0


def test_a_failing_check_reports_its_log_too():
    checks = by_name(cpython_results("starter", PRICE_DROP, "-k", "lower_price"))

    drop = checks["test_a_lower_price_is_a_drop"]
    assert drop["outcome"] == "failed"
    assert learner_receivers(drop) == [[], [], [LEARNER_RECEIVER], [], [LEARNER_RECEIVER], []]


def report(user_properties: list) -> SimpleNamespace:
    return SimpleNamespace(
        when="call",
        outcome="passed",
        passed=True,
        skipped=False,
        nodeid="lessons/exercises/x/y/checks.py::test_many",
        duration=0.5,
        longreprtext="",
        user_properties=user_properties,
    )


def test_a_long_log_is_cut_to_its_first_events_and_says_how_many_there_were():
    events = [{"position": n, "signal": "post_init"} for n in range(1, 201)]

    result = result_of(report([(SIGNAL_LOG, {"events": events, "count": 500})]))

    assert result["log"] == events[:MAX_LOG_EVENTS]
    assert result["log_count"] == 500


def test_a_lesson_tests_result_has_no_log():
    assert "log" not in result_of(report([]))


@pytest.mark.front_end
def test_a_check_reports_the_same_log_in_the_browser_runtime(built_runtime):
    assert_the_price_drop_logs(node_results("solution", PRICE_DROP))
