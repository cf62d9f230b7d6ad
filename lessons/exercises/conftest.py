"""What every exercise's checks get: the learner's code, as a module.

An exercise's ``checks.py`` never imports the learner's code itself. The
``learner`` fixture imports it fresh for each check, from the file that
``$EXERCISE_CODE`` names: ``solution`` (the default) or ``starter`` for the
exercise's own files, or a path (the browser writes the editor's text to
one). When the check ends, every receiver the code connected is
disconnected again, so no check sees another's receivers.

Every signal sent for the playground's records while a check runs (the
set-up of the fixtures after ``learner``, and the check itself) is recorded
by the playground's recorder, and its log goes with the check's result
(``progress_plugin.result_of``): the page shows it under the check, the
learner's receivers (``learner.…``) marked as theirs. A ``run`` inside a
check records its action into the sandbox's log instead, as it always does.

The project's test fixtures (``run``, the leak guard…) come from
``tests/conftest.py``, as they do for the lesson tests; ``sandbox`` too, but
seeded out of the check's log.
"""

import importlib.util
import os
import sys
import traceback
import weakref
from pathlib import Path

import pytest

from lessons.progress_plugin import MAX_LOG_EVENTS, SIGNAL_LOG
from tests.conftest import (  # noqa: F401  (fixtures, found here by name)
    empty_cache,
    generous_rate_limits,
    no_leaked_receivers,
    run,
)

CODE_VARIABLE = "EXERCISE_CODE"
# The name the learner's code is imported under: tracebacks and the signal
# log show it (``learner.notice_price_drop``).
LEARNER_MODULE = "learner"


def code_path(checks: Path) -> Path:
    """The file of learner code the checks in ``checks`` run against."""
    chosen = os.environ.get(CODE_VARIABLE, "solution")
    if chosen in ("solution", "starter"):
        return checks.parent / f"{chosen}.py"
    return Path(chosen)


class LearnerCodeError(Exception):
    """The learner's code did not import: its message names the line."""


def import_learner_code(path: Path):
    """Import ``path`` as the module ``learner``, fresh (never from
    ``sys.modules``: the code changes between runs in the browser)."""
    source = path.read_text(encoding="utf-8")
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as error:
        raise LearnerCodeError(
            f"line {error.lineno}: {type(error).__name__}: {error.msg}"
        ) from None
    spec = importlib.util.spec_from_loader(LEARNER_MODULE, loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    # Some code needs to find its own module while it runs (dataclasses,
    # typing's forward references, pickling).
    sys.modules[LEARNER_MODULE] = module
    try:
        exec(code, module.__dict__)
    except Exception as error:
        frames = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if frame.filename == str(path)
        ]
        line = f"line {frames[-1].lineno}: " if frames else ""
        raise LearnerCodeError(f"{line}{type(error).__name__}: {error}") from error
    finally:
        sys.modules.pop(LEARNER_MODULE, None)
    return module


def _registrations() -> dict:
    from tests.receiver_guard import watched_signals

    return {name: list(signal.receivers) for name, signal in watched_signals().items()}


def disconnect_added(before: dict) -> None:
    """Disconnect every receiver connected since ``before`` (``_registrations()``)."""
    from tests.receiver_guard import watched_signals

    for name, signal in watched_signals().items():
        known = {lookup_key for lookup_key, *_rest in before[name]}
        for lookup_key, receiver_ref, sender_ref, _is_async in list(signal.receivers):
            if lookup_key in known:
                continue
            weak = isinstance(receiver_ref, weakref.ReferenceType)
            receiver = receiver_ref() if weak else receiver_ref
            # Django connects some receivers lazily, on first use (the default
            # storage listens to setting_changed): they belong to the process.
            if getattr(receiver, "__module__", "").startswith("django."):
                continue
            sender = sender_ref() if sender_ref is not None else None
            uid = lookup_key[0] if isinstance(lookup_key[0], str) else None
            signal.disconnect(receiver, sender=sender, dispatch_uid=uid)


@pytest.fixture
def sandbox(db):
    """A fresh sandbox with the example records, as in ``tests/conftest.py``.

    Seeding sends no save signals, but building the example records sends
    ``pre_init``/``post_init`` for each: they go to an action of their own,
    never stored, so a check's log shows what the check did, not dozens of
    examples being made."""
    from playground import recording
    from playground.sandboxes import create_sandbox

    with recording.record_action(0, "seeding the sandbox"):
        return create_sandbox()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """The check's recorded action, in each of its reports, becomes plain
    data (``playground.log.event_dicts``) the moment the report is made: the
    call's report is made before the fixtures' teardown ends the recording."""
    report = yield
    if any(name == SIGNAL_LOG for name, _value in report.user_properties):
        from playground.log import event_dicts

        report.user_properties = [
            (name, {"events": event_dicts(value, MAX_LOG_EVENTS), "count": len(value.events)})
            if name == SIGNAL_LOG
            else (name, value)
            for name, value in report.user_properties
        ]
    return report


@pytest.fixture
def learner(request):
    """The learner's code, imported for this check; its receivers are
    disconnected afterwards, and a syntax error or an exception while it
    imports fails the check with the line it happened on.

    Every signal sent from here to the end of the check is recorded; the
    record goes with the check's report (``pytest_runtest_makereport``)."""
    from playground import recording

    before = _registrations()
    try:
        try:
            module = import_learner_code(code_path(Path(request.path)))
        except LearnerCodeError as error:
            problem = str(error)
        else:
            problem = None
        # Failed outside the except block: the learner reads one message,
        # not a chain of two exceptions.
        if problem is not None:
            pytest.fail(f"Your code did not run: {problem}", pytrace=False)
        with recording.record_action(0, request.node.name) as record:
            request.node.user_properties.append((SIGNAL_LOG, record))
            yield module
    finally:
        disconnect_added(before)
