"""A tiny pytest plugin: print each test's result as one JSON line.

``testruns.execute_run`` starts pytest with ``-p lessons.progress_plugin``
and reads these lines as they come, so the lesson page can show each test
the moment it finishes. The browser runtime reports the same ``result_of``
dictionaries through its worker (``lessons.runtime.session``).
"""

import json
import sys

MARKER = "@@lesson-test-result "
MAX_MESSAGE = 4000
# An exercise's check reports the signals it sent (lessons/exercises/conftest.py
# puts them in the report's user_properties under this name, as
# ``{"events": [...], "count": n}``); the page shows at most this many.
SIGNAL_LOG = "signal_log"
MAX_LOG_EVENTS = 60


def _message(report) -> str:
    if report.passed:
        return ""
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    text = report.longreprtext or ""
    return text[-MAX_MESSAGE:]


def _signal_log(report) -> dict | None:
    for name, value in report.user_properties:
        if name == SIGNAL_LOG:
            return value
    return None


def result_of(report) -> dict | None:
    """One result per test: its call phase, or the setup/teardown phase that
    failed (or skipped) instead; None for the phases that say nothing new.
    An exercise's check also carries its signal log: ``log``, the events in
    ``playground.log.event_dicts``' shape (at most ``MAX_LOG_EVENTS``), and
    ``log_count``, how many signals it sent in all."""
    if report.when != "call" and report.passed:
        return None
    outcome = report.outcome
    if report.when != "call":
        outcome = "skipped" if report.skipped else "error"
    module, _, name = report.nodeid.partition("::")
    result = {
        "module": module,
        "name": name,
        "outcome": outcome,
        "message": _message(report),
        "seconds": round(report.duration, 4),
    }
    if (log := _signal_log(report)) is not None:
        # "log_count" counts every signal sent, shown or not.
        result["log"] = log["events"][:MAX_LOG_EVENTS]
        result["log_count"] = log["count"]
    return result


def pytest_runtest_logreport(report):
    if (result := result_of(report)) is not None:
        # Own line: pytest's progress dots do not end with a newline.
        sys.stdout.write("\n" + MARKER + json.dumps(result) + "\n")
        sys.stdout.flush()
