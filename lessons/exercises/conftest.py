"""What every exercise's checks get: the learner's code, as a module.

An exercise's ``checks.py`` never imports the learner's code itself. The
``learner`` fixture imports it fresh for each check, from the file that
``$EXERCISE_CODE`` names: ``solution`` (the default) or ``starter`` for the
exercise's own files, or a path (the browser writes the editor's text to
one). When the check ends, every receiver the code connected is
disconnected again, so no check sees another's receivers.

The project's test fixtures (``sandbox``, ``run``, the leak guard…) come
from ``tests/conftest.py``, as they do for the lesson tests.
"""

import importlib.util
import os
import sys
import traceback
import weakref
from pathlib import Path

import pytest

from tests.conftest import (  # noqa: F401  (fixtures, found here by name)
    empty_cache,
    generous_rate_limits,
    no_leaked_receivers,
    run,
    sandbox,
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
def learner(request):
    """The learner's code, imported for this check; its receivers are
    disconnected afterwards, and a syntax error or an exception while it
    imports fails the check with the line it happened on."""
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
        yield module
    finally:
        disconnect_added(before)
