"""A tiny pytest plugin: print each test's result as one JSON line.

``testruns.execute_run`` starts pytest with ``-p lessons.progress_plugin``
and reads these lines as they come, so the lesson page can show each test
the moment it finishes.
"""

import json
import sys

MARKER = "@@lesson-test-result "
MAX_MESSAGE = 4000


def _message(report) -> str:
    if report.passed:
        return ""
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    text = report.longreprtext or ""
    return text[-MAX_MESSAGE:]


def pytest_runtest_logreport(report):
    # One line per test: its call phase, or the setup/teardown phase that
    # failed (or skipped) instead.
    if report.when == "call" or (report.when != "call" and not report.passed):
        outcome = (
            report.outcome if report.when == "call" else ("skipped" if report.skipped else "error")
        )
        line = {
            "name": report.nodeid.split("::", 1)[-1],
            "outcome": outcome,
            "message": _message(report),
            "seconds": round(report.duration, 4),
        }
        # Own line: pytest's progress dots do not end with a newline.
        sys.stdout.write("\n" + MARKER + json.dumps(line) + "\n")
        sys.stdout.flush()
