"""Record the signals sent for sandbox records, and what each receiver did.

This module only *collects*: it turns signals into plain ``RecordedAction`` /
``RecordedEvent`` objects. ``log.py`` stores each recorded action as a
``LogEntry`` and the templates render it.

Two hooks do the collecting, and neither touches the receivers themselves:

* An **observer** receiver is connected to every watched signal *before* any
  other receiver (``install()`` runs first in ``PlaygroundConfig.ready()``),
  so Django calls it first on each send. It notes the signal, the sender,
  the keyword arguments, and which receivers Django is about to call.
* ``sys.monitoring`` (PEP 669) reports when those receivers' code starts,
  returns or raises. That gives each receiver's result, exception and time
  while the receivers stay plain ``@receiver`` functions, connected exactly
  as the lessons show them: same weak references, same ``dispatch_uid``.

What is being recorded lives in a ``ContextVar``: it follows the request
through threads (``sync_to_async``) and tasks (``asend``), and two requests
never see each other's records. Nothing is kept per visitor in process
memory; everything ends up in the database.
"""

import contextlib
import logging
import sys
import time
import weakref
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from types import CodeType

from django.core import signals as core_signals
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist, ObjectNotUpdated
from django.db import DatabaseError, models
from django.db.backends import signals as backend_signals
from django.db.models import signals as model_signals

from playground import signals as playground_signals
from playground.sql_log import DatabaseStep, collecting

logger = logging.getLogger(__name__)

MAX_REPR = 160
# Local fields that name a record in the log, in order of preference.
LABEL_FIELDS = ("name", "title", "author")


# --- What is collected ------------------------------------------------------


@dataclass
class ReceiverRun:
    name: str
    code: CodeType | None = field(default=None, repr=False)
    result: str = ""
    error: str = ""
    ms: float = 0.0
    started_ns: int = field(default=0, repr=False)
    # The exception object itself, so callers can tell "this receiver's
    # error" from an unrelated one. Not stored.
    exception: BaseException | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        return {"name": self.name, "result": self.result, "error": self.error, "ms": self.ms}


@dataclass
class RecordedEvent:
    signal: str
    sender: str
    arguments: list[tuple[str, str]]
    depth: int = 0
    receivers: list[ReceiverRun] = field(default_factory=list)
    # Code objects of the receivers Django is about to call for this send.
    expected: tuple[CodeType, ...] = field(default=(), repr=False)


@dataclass
class RecordedAction:
    sandbox_id: int
    label: str
    scenario: str = ""
    note: str = ""
    error: str = ""
    events: list[RecordedEvent] = field(default_factory=list)
    # What the database did meanwhile, each step placed among the events.
    database: list[DatabaseStep] = field(default_factory=list)


@dataclass
class Recording:
    """Everything being collected in one request (or one test)."""

    # The action opened by ``record_action()``, if any. Signals outside one
    # are recorded only when they change a sandbox record (the admin, say).
    current: RecordedAction | None = None
    # Changes made outside ``record_action()``, one action per sandbox touched.
    implicit_label: str = ""
    implicit: dict[int, RecordedAction] = field(default_factory=dict)
    # Request signals are collected here until the middleware decides
    # whether this request is logged.
    request_action: RecordedAction | None = None
    # Receivers running right now, innermost last.
    stack: list[ReceiverRun] = field(default_factory=list)
    # The newest event sent from each nesting level, keyed by the running
    # receiver that sent it (None: sent by the action itself).
    open_events: dict[int | None, RecordedEvent] = field(default_factory=dict)
    # Exceptions already written to the server log: one raised deep down
    # passes several receivers, then the action, and is logged only once.
    reported: list[BaseException] = field(default_factory=list)

    def note_error(self, error: BaseException) -> str:
        """The text the log shows for ``error``; the server log gets the
        details of an unexpected one, the first time it is seen."""
        if not worded_for_the_learner(error) and not any(error is seen for seen in self.reported):
            self.reported.append(error)
            logger.error(
                "A playground action raised %s; the learner's log shows only its class",
                type(error).__name__,
                exc_info=error,
            )
        return error_text(error)


_recording: ContextVar[Recording | None] = ContextVar("playground_recording", default=None)


# --- What the log says about an exception ----------------------------------------

# The log is the learner's, so it shows an exception's own words only when
# they were written for the learner: when its class is defined, or the code
# that raised it is written, in one of these modules. playground/receivers.py
# is lesson code (custom-signals' partner feed that always fails, the
# transactions switch that makes post_save raise), and playground/services.py
# defines the limits a learner runs into (LimitReached). Anything else (raised
# by Django, the database driver, the file system) may carry server details:
# absolute paths, SQL, PostgreSQL's DETAIL lines. The log names its class,
# which teaches, and the server log gets the traceback (``note_error``).
WORDED_FOR_THE_LEARNER = ("playground.receivers", "playground.services")
# Django's own "no such row" exceptions are worded for the learner too: their
# messages are fixed sentences ("Forced update did not affect any rows."), and
# a record another tab deleted is an everyday race the playground answers
# with a 404, not a server fault.
MISSING_ROW = (ObjectDoesNotExist, ObjectNotUpdated)


def raised_in(error: BaseException) -> str:
    """The module whose code raised ``error`` (its innermost frame)."""
    frames = error.__traceback__
    if frames is None:
        return ""
    while frames.tb_next is not None:
        frames = frames.tb_next
    return frames.tb_frame.f_globals.get("__name__", "")


def worded_for_the_learner(error: BaseException) -> bool:
    return (
        isinstance(error, MISSING_ROW)
        or type(error).__module__ in WORDED_FOR_THE_LEARNER
        or raised_in(error) in WORDED_FOR_THE_LEARNER
    )


def error_text(error: BaseException) -> str:
    """``Class: message`` for an exception worded for the learner, otherwise
    the class and what kind of thing failed."""
    name = type(error).__name__
    if worded_for_the_learner(error):
        return _short(f"{name}: {error}")
    if isinstance(error, DatabaseError):
        failed = "the database refused this change"
    elif isinstance(error, OSError):
        failed = "a file or network operation failed on the server"
    else:
        failed = "the server's code failed"
    return f"{name}: {failed} (details are in the server log)"


# --- Which signals are watched ------------------------------------------------

MODEL_SIGNALS = {
    "pre_init": model_signals.pre_init,
    "post_init": model_signals.post_init,
    "pre_save": model_signals.pre_save,
    "post_save": model_signals.post_save,
    "pre_delete": model_signals.pre_delete,
    "post_delete": model_signals.post_delete,
    "m2m_changed": model_signals.m2m_changed,
}
CUSTOM_SIGNALS = {
    "product_viewed": playground_signals.product_viewed,
    "product_shared": playground_signals.product_shared,
}
REQUEST_SIGNALS = {
    "request_started": core_signals.request_started,
    "request_finished": core_signals.request_finished,
    "got_request_exception": core_signals.got_request_exception,
    "connection_created": backend_signals.connection_created,
}
SIGNALS = MODEL_SIGNALS | CUSTOM_SIGNALS | REQUEST_SIGNALS
SIGNAL_NAMES = {id(signal): name for name, signal in SIGNALS.items()}


def signal_name(signal) -> str:
    return SIGNAL_NAMES.get(id(signal), repr(signal))


def sandbox_models() -> list[type[models.Model]]:
    from playground.models import Article, Product, Review, Tag

    return [Product, Review, Article, Tag, Article.tags.through]


# --- Turning arguments into text ------------------------------------------------


def _short(text: str) -> str:
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 1] + "…"


def describe(value) -> str:
    """A faithful, bounded, side-effect-free ``repr`` for the log."""
    if isinstance(value, models.QuerySet):
        # repr() of a QuerySet would run a query; name what it selects.
        return f"<QuerySet of {value.model.__name__}>"
    if isinstance(value, models.Model):
        # Never call __str__ here: it may follow a relation (Review's does),
        # and the query it ran would send signals of its own into the log.
        fields = value.__dict__
        label = next((fields[name] for name in LABEL_FIELDS if fields.get(name)), None)
        return _short(f"<{model_label(type(value))}: {label if label else f'#{value.pk}'}>")
    if isinstance(value, type):
        return model_label(value)
    if isinstance(value, Decimal):
        return f"Decimal('{value}')"
    if isinstance(value, (set, frozenset)):
        # Sets print sorted so the same call always logs the same text:
        # numbers numerically ({9, 10}), anything else by its repr.
        try:
            ordered = sorted(value)
        except TypeError:
            ordered = sorted(value, key=repr)
        items = ", ".join(repr(item) for item in ordered)
        if isinstance(value, frozenset):
            return _short(f"frozenset({{{items}}})" if value else "frozenset()")
        return _short(f"{{{items}}}" if value else "set()")
    if isinstance(value, dict) and "wsgi.input" in value:
        return _short(f"{{…WSGI environ…, 'PATH_INFO': {value.get('PATH_INFO')!r}}}")
    # Containers are described item by item, so a model inside one is shown
    # without calling its __str__ either (pre_init's kwargs, args tuples).
    if isinstance(value, dict):
        items = ", ".join(f"{key!r}: {describe(item)}" for key, item in value.items())
        return _short(f"{{{items}}}")
    if isinstance(value, tuple):
        items = ", ".join(describe(item) for item in value)
        return _short(f"({items},)" if len(value) == 1 else f"({items})")
    if isinstance(value, list):
        return _short(f"[{', '.join(describe(item) for item in value)}]")
    return _short(repr(value))


def model_label(model: type) -> str:
    """``Product``, or ``Article.tags.through`` for an auto-created M2M table
    (its class is really called ``Article_tags``; this is how code names it)."""
    owner = getattr(getattr(model, "_meta", None), "auto_created", None)
    if owner:
        for field in owner._meta.many_to_many:
            if field.remote_field.through is model:
                return f"{owner.__name__}.{field.name}.through"
    return model.__name__


def _sender_label(sender) -> str:
    if sender is None:
        return "None"
    if isinstance(sender, type):
        return model_label(sender)
    return _short(repr(sender))


def _receiver_name(receiver) -> str:
    function = getattr(receiver, "__func__", receiver)
    module = getattr(function, "__module__", "?")
    return f"{module}.{getattr(function, '__qualname__', repr(function))}"


def _sandbox_id(kwargs) -> int | None:
    instance = kwargs.get("instance")
    return getattr(instance, "sandbox_id", None)


# --- The observer -------------------------------------------------------------


# The recorder's own receivers: never listed as part of a signal's story.
INTERNAL_RECEIVERS: set = set()


def live_receivers(signal, sender) -> tuple[list, list]:
    """The receivers ``signal.send(sender)`` calls, as ``(sync, async)`` lists
    in connection order; Django calls the sync ones first, then the async ones.

    Django answers this with ``Signal._live_receivers(sender)``, a private
    method whose shape has changed before (Django 5.0 split its result into
    sync and async). This is the one place the project calls it, and
    tests/playground/test_recording.py pins its shape to the Django version it
    was checked against, so an upgrade that changes it fails a test by name.
    """
    return signal._live_receivers(sender)


def _expected_receivers(signal, sender) -> tuple[list, list]:
    """Django's own answer to "who is called for this sender", in call order
    (sync first, then async), split into those that already ran before the
    observer and those still to come."""
    sync_receivers, async_receivers = live_receivers(signal, sender)
    ordered = sync_receivers + async_receivers
    position = ordered.index(observe) if observe in ordered else -1
    before = [r for r in ordered[:position] if r not in INTERNAL_RECEIVERS]
    after = [r for r in ordered[position + 1 :] if r not in INTERNAL_RECEIVERS]
    return before, after


def observe(sender, signal, **kwargs):
    """Note one send. Connected first, so it runs before every receiver."""
    recording = _recording.get()
    name = signal_name(signal)
    if name in REQUEST_SIGNALS:
        recording = _request_signal_recording(name, recording, kwargs)
        action = recording.request_action if recording else None
    elif recording is None:
        return
    else:
        action = recording.current or _implicit_action(recording, name, kwargs)
    if action is None:
        return
    already_ran, receivers = _expected_receivers(signal, sender)
    for receiver in receivers:
        _watch(receiver)
    parent = recording.stack[-1] if recording.stack else None
    event = RecordedEvent(
        signal=name,
        sender=_sender_label(sender),
        arguments=[(key, describe(value)) for key, value in kwargs.items()],
        depth=len(recording.stack),
        expected=tuple(_code(receiver) for receiver in receivers),
        # Django connected these before the playground started (for request
        # signals): they ran, but before the recorder could time them.
        receivers=[
            ReceiverRun(name=_receiver_name(r), result="ran before the recorder (not timed)")
            for r in already_ran
        ],
    )
    action.events.append(event)
    recording.open_events[id(parent) if parent else None] = event


# Outside a playground action only changes are logged: an admin list page
# loads rows (init signals) on every visit, and that would bury the log.
CHANGE_SIGNALS = {"pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed"}


def _implicit_action(recording: Recording, name: str, kwargs) -> RecordedAction | None:
    sandbox_id = _sandbox_id(kwargs)
    if sandbox_id is None or not recording.implicit_label or name not in CHANGE_SIGNALS:
        return None
    if sandbox_id not in recording.implicit:
        recording.implicit[sandbox_id] = RecordedAction(
            sandbox_id=sandbox_id, label=recording.implicit_label
        )
    return recording.implicit[sandbox_id]


def is_poll(path: str) -> bool:
    """The one-second "anything new?" poll: never logged, so never recorded."""
    return path.startswith("/playground/") and path.endswith("/live/")


def _request_signal_recording(name: str, recording: Recording | None, kwargs) -> Recording | None:
    if name == "request_started":
        environ = kwargs.get("environ") or {}
        if is_poll(environ.get("PATH_INFO", "")):
            end_request()
            return None
        # A new request in this thread: collect its request signals before
        # any middleware has run. The middleware later keeps or drops them.
        return begin_request()
    return recording


# --- Watching receivers with sys.monitoring -------------------------------------

_events = sys.monitoring.events
# Process-wide facts about code, not per-visitor state: which functions are
# receivers of watched signals, and their display names. Keyed by the code
# object's id, never by the code object: two compilations of the same source
# are *equal* code objects, yet sys.monitoring watches each one separately
# (an exercise's check imports the learner's code afresh, and the second
# check's receiver would go unseen). A weak reference tells a live entry
# from one whose id a new code object reuses, and drops the entry with it.
_watched: dict[int, tuple[weakref.ReferenceType, str]] = {}
_tool_id: int | None = None


def _watched_name(code: CodeType) -> str | None:
    """The display name of ``code`` if it is a watched receiver's code."""
    entry = _watched.get(id(code))
    if entry is None or entry[0]() is not code:
        return None
    return entry[1]


def _code(receiver) -> CodeType | None:
    function = getattr(receiver, "__func__", receiver)
    return getattr(function, "__code__", None)


def _watch(receiver) -> None:
    code = _code(receiver)
    if code is None or _tool_id is None or _watched_name(code) is not None:
        return
    key = id(code)
    forget = lambda _ref, key=key: _watched.pop(key, None)  # noqa: E731
    _watched[key] = (weakref.ref(code, forget), _receiver_name(receiver))
    sys.monitoring.set_local_events(_tool_id, code, _events.PY_START | _events.PY_RETURN)


def _on_start(code: CodeType, offset: int):
    name = _watched_name(code)
    if name is None:
        return
    recording = _recording.get()
    if recording is None:
        return
    parent = recording.stack[-1] if recording.stack else None
    event = recording.open_events.get(id(parent) if parent else None)
    if event is None or code not in event.expected:
        return  # called directly, not by a watched signal
    if any(run.code is code for run in event.receivers):
        return  # already started (a coroutine resuming)
    run = ReceiverRun(name=name, code=code, started_ns=time.perf_counter_ns())
    event.receivers.append(run)
    recording.stack.append(run)


def _finish(code: CodeType, *, result: str = "", exception: BaseException | None = None) -> None:
    recording = _recording.get()
    if recording is None:
        return
    for index in range(len(recording.stack) - 1, -1, -1):
        run = recording.stack[index]
        if run.code is code:
            run.ms = round((time.perf_counter_ns() - run.started_ns) / 1e6, 3)
            run.result, run.exception = result, exception
            run.error = recording.note_error(exception) if exception is not None else ""
            recording.open_events.pop(id(run), None)
            del recording.stack[index]
            return


def _on_return(code: CodeType, offset: int, value):
    if id(code) in _watched:
        _finish(code, result="" if value is None else _short(str(value)))


def _on_unwind(code: CodeType, offset: int, exception: BaseException):
    if id(code) in _watched:
        _finish(code, exception=exception)


# --- Installing ---------------------------------------------------------------

_installed = False
# Ids 0-2 and 5 are reserved for debuggers, coverage, profilers and
# optimizers (PEP 669); the recorder takes the first free of these two.
TOOL_IDS = (4, 3)
TOOL_NAME = "playground-recorder"


def _claim_tool_id() -> int:
    """A ``sys.monitoring`` tool id for the recorder, or a clear refusal.

    Without one, no receiver could be timed or even seen to run, and every
    entry would say "No receiver ran.": a false lesson, and the one thing a
    learner comes to the playground to see. So the site refuses to start
    rather than mark each entry "receiver timing unavailable". Ids 3 and 4 are
    free unless another monitoring tool claimed both: debuggers (debugpy,
    PyCharm), coverage.py and profilers use their own reserved ids 0-2.
    """
    for tool_id in TOOL_IDS:
        if sys.monitoring.get_tool(tool_id) is None:
            sys.monitoring.use_tool_id(tool_id, TOOL_NAME)
            return tool_id
    holders = ", ".join(
        f"{tool_id} by {sys.monitoring.get_tool(tool_id)!r}" for tool_id in TOOL_IDS
    )
    raise ImproperlyConfigured(
        f"The playground's recorder needs a free sys.monitoring tool id (PEP 669) to see "
        f"which receivers run, and both of its ids are taken ({holders}). Without it "
        f"every log entry would wrongly say that no receiver ran. Stop the tool that "
        f"holds them, or run it under another tool id."
    )


def install() -> None:
    """Connect the observer first and start watching receivers. Idempotent.

    Raises ``ImproperlyConfigured`` (so the site does not start) when the
    receivers were connected before the observer, or when no
    ``sys.monitoring`` tool id is free; see ``_claim_tool_id``.
    """
    global _installed, _tool_id
    if _installed:
        return
    if "playground.receivers" in sys.modules:
        # Its receivers would already be connected, ahead of the observer,
        # and the log would miss what they do.
        raise ImproperlyConfigured(
            "playground.receivers was imported before the recorder was installed; "
            "list 'playground' before the apps that import it in INSTALLED_APPS."
        )
    _tool_id = _claim_tool_id()
    _installed = True
    sys.monitoring.register_callback(_tool_id, _events.PY_START, _on_start)
    sys.monitoring.register_callback(_tool_id, _events.PY_RETURN, _on_return)
    sys.monitoring.register_callback(_tool_id, _events.PY_UNWIND, _on_unwind)
    # PY_UNWIND cannot be enabled per function; the callback returns at
    # once for code that is not a watched receiver.
    sys.monitoring.set_events(_tool_id, _events.PY_UNWIND)
    for name, signal in MODEL_SIGNALS.items():
        for model in sandbox_models():
            if model._meta.auto_created and name in ("pre_delete", "post_delete"):
                # A delete listener on the M2M table would turn Django's fast
                # DELETE of its rows into SELECT + per-row DELETE. Through
                # rows never send delete signals anyway; do not change that.
                continue
            signal.connect(observe, sender=model, dispatch_uid="playground.observe")
    for signal in (CUSTOM_SIGNALS | REQUEST_SIGNALS).values():
        signal.connect(observe, dispatch_uid="playground.observe")


# --- Scopes -------------------------------------------------------------------


def begin_request() -> Recording:
    """Start collecting for a new request in this thread or task."""
    recording = Recording(request_action=RecordedAction(sandbox_id=0, label=""))
    _recording.set(recording)
    return recording


def end_request() -> None:
    # WSGI threads serve one request after another in the same context:
    # forget this request so the next one starts clean.
    _recording.set(None)


@contextlib.contextmanager
def record_action(sandbox_id: int, label: str, *, scenario: str = ""):
    """Group every signal sent inside the block under one labelled action.

    The exception that ends the block, if any, is recorded and re-raised.
    The caller stores the record (``performing.store``) once the block is
    over, outside any transaction the block used, so a rollback can never
    take the log of what happened with it.
    """
    recording = _recording.get()
    token = None
    if recording is None:
        recording = Recording()
        token = _recording.set(recording)
    record = RecordedAction(sandbox_id=sandbox_id, label=label, scenario=scenario)
    outer = recording.current
    recording.current = record
    recording.stack.clear()
    recording.open_events.clear()
    try:
        with collecting(_note_database_step):
            yield record
    except BaseException as error:
        record.error = recording.note_error(error)
        raise
    finally:
        # A receiver that raised under send() never returned: close it.
        recording.stack.clear()
        recording.open_events.clear()
        recording.current = outer
        if token is not None:
            _recording.reset(token)


@contextlib.asynccontextmanager
async def database_of_the_sync_thread():
    """In an async action, collect the database work too: it runs in
    asgiref's thread for sync code (the ORM, sync receivers), whose
    connection is not the async context's. (The record follows the action
    there: asgiref carries the context, and with it ``_recording``.)"""
    from asgiref.sync import sync_to_async

    stack = contextlib.ExitStack()
    await sync_to_async(stack.enter_context)(collecting(_note_database_step))
    try:
        yield
    finally:
        await sync_to_async(stack.close)()


def _note_database_step(kind: str, text: str, **fields) -> DatabaseStep | None:
    """Place one database step in the action being recorded, after the
    signals sent so far and at the depth of the receiver running now."""
    recording = _recording.get()
    action = recording.current if recording else None
    if action is None:
        return None
    step = DatabaseStep(kind, text, after=len(action.events), depth=len(recording.stack), **fields)
    action.database.append(step)
    return step


def current_recording() -> Recording | None:
    return _recording.get()
