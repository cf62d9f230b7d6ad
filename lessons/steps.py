"""A lesson's Try-it steps, for the reader and for the test that follows them.

Each numbered step of a lesson's ``## Try it`` section carries, right below
its prose, a ``try-it`` block: what the learner does and what the step says
they will see, in YAML::

    1. Open **Create a product**, fill in **Name** `Pen`, ... and press
       **Create product**. The log entry "Created Product 'Pen'" shows ...

       ```try-it
       do:
         - open: Create a product
         - fill: {Name: Pen, Price: 2.50, Stock: 30}
         - press: Create product
       expect:
         entry: Created Product 'Pen'
         signals: [pre_init, post_init, pre_save, post_save]
       ```

The page never shows the block: ``extract`` takes it out (with the blank
line before it) before the Markdown is rendered, so the page shows the prose
exactly as written. The browser test that takes the whole course reads the
same blocks, so a step and its test cannot drift apart. The README's "Adding
a lesson" section lists every action and expectation.

Every value is read as text, exactly as written (``2.50`` stays ``2.50``,
``off`` stays ``off``); only ``entries`` is a number.
"""

import functools
import inspect
import re
from dataclasses import dataclass, field

import yaml
from django.utils.module_loading import import_string

from playground import recording

TRY_IT_HEADING = re.compile(r"^## Try it\s*$")
HEADING_2 = re.compile(r"^## ")
STEP_START = re.compile(r"^(?P<number>\d+)\. ")
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>.*)$")
BLOCK_INFO = "try-it"

# A "…" in an expected text stands for any run of characters (a pk, a
# random file name), as it does in the lesson's prose.
ANY = "…"
# "error: none", "alert: none": there is none.
NONE = "none"
# "{pk of orm}" in an expected text: the pk the row called "orm" shows.
PK_OF = re.compile(r"\{pk of (?P<name>[^}]+)\}")

# Actions: what to open, fill, tick, attach, press or wait for. An action may
# name the row it acts in ("row: Notebook"); without one, it acts inside what
# the step opened last, or anywhere in the panel.
ACTIONS = ("open", "fill", "tick", "attach", "press", "wait")
# What "attach" can put in a file field, and "wait" can wait for.
SAMPLE_FILES = ("a small PNG",)
WAITS = ("live update",)


class StepError(ValueError):
    """A Try-it block that cannot be followed. ``line`` is in the body."""

    def __init__(self, line: int, problem: str):
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}")


@dataclass(frozen=True)
class Action:
    verb: str  # one of ACTIONS
    # open, press, wait: what to open, press or wait for.
    target: str = ""
    # fill, attach: (label, value) pairs; tick: (label, "") pairs.
    fields: tuple[tuple[str, str], ...] = ()
    # The row (a record's name) the action happens in, if it names one.
    row: str = ""


@dataclass(frozen=True)
class Expectations:
    """What the step says the panel shows afterwards. ``None`` (or empty)
    means the step says nothing about it. Every text is matched exactly,
    with "…" standing for any run of characters."""

    # The newest log entry: its label, note and error ("Ended with …";
    # NONE when it ended without one).
    entry: str | None = None
    note: str | None = None
    error: str | None = None
    # Its events' signals in order, and their senders (one for all, or one each).
    signals: tuple[str, ...] | None = None
    sender: str | None = None
    senders: tuple[str, ...] | None = None
    # Per signal, or per event by its number in the log: "name=value"
    # arguments every such event shows (an empty list: it shows none).
    arguments: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Per signal: the receivers that ran for every event of that signal, in
    # order ("…" for any number of others).
    receivers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Per receiver: what it returned (or "raised …") each time it ran, in order.
    results: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The receivers the log highlights as the lesson's own, in the order they ran.
    highlighted: tuple[str, ...] | None = None
    # The panel's messages, all of them (NONE for no message).
    alert: str | None = None
    # Per row (a record's name): the text under its name.
    rows: tuple[tuple[str, str], ...] = ()
    # Rows that are gone.
    gone: tuple[str, ...] = ()
    # The whole outbox, newest first: (subject, to, body).
    outbox: tuple[tuple[str, str, str], ...] | None = None
    # How many entries the log shows.
    entries: int | None = None
    # Texts the panel shows somewhere.
    shows: tuple[str, ...] = ()
    # "Who is listening?": per signal, its listeners in order ("…" for any
    # number of others), each "name" or "name: what the list says of it".
    listening: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def about_the_newest_entry(self) -> bool:
        """Does the step say what the newest log entry shows?"""
        about_it = (
            *(self.entry, self.note, self.error, self.signals, self.sender, self.senders),
            self.highlighted,
        )
        return any(value is not None for value in about_it) or bool(
            self.arguments or self.receivers or self.results
        )


@dataclass(frozen=True)
class Step:
    number: int
    # The step's prose as the page shows it (Markdown, on one line).
    prose: str
    actions: tuple[Action, ...]
    expect: Expectations
    # Where its try-it block starts in the lesson body (1-based).
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Extracted:
    body: str  # the Markdown without the try-it blocks
    steps: tuple[Step, ...]


def extract(body: str) -> Extracted:
    """Take the try-it blocks out of a lesson body and read them.

    Raises ``StepError`` for a block that is malformed, outside a numbered
    step of the Try-it section, or missing from one.
    """
    lines = body.splitlines(keepends=True)
    kept: list[str] = []
    steps: list[Step] = []
    numbers: list[tuple[int, int]] = []  # (step number, line) of every step seen
    prose: dict[int, list[str]] = {}
    in_try_it = False
    in_code = False
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if fence and fence["info"].strip() == BLOCK_INFO and not in_code:
            if not in_try_it:
                raise StepError(index + 1, "a try-it block outside the '## Try it' section")
            if not numbers:
                raise StepError(index + 1, "a try-it block before the first numbered step")
            number = numbers[-1][0]
            end = _closing_fence(lines, index, fence["indent"])
            text = "".join(_dedent(line, fence["indent"]) for line in lines[index + 1 : end])
            if any(step.number == number for step in steps):
                raise StepError(index + 1, f"step {number} has a second try-it block")
            actions, expect = _read_block(text, index + 1, number)
            steps.append(
                Step(
                    number=number,
                    prose=" ".join(" ".join(prose[number]).split()),
                    actions=actions,
                    expect=expect,
                    line=index + 1,
                )
            )
            # The blank line before the block goes with it, so the page gets
            # the Markdown exactly as it would be without the block.
            if kept and not kept[-1].strip():
                kept.pop()
            index = end + 1
            continue
        if fence:
            in_code = not in_code
        elif not in_code and HEADING_2.match(line):
            in_try_it = bool(TRY_IT_HEADING.match(line))
        elif not in_code and in_try_it and (start := STEP_START.match(line)):
            numbers.append((int(start["number"]), index + 1))
            prose[int(start["number"])] = [line[start.end() :]]
        elif in_try_it and numbers and (line.startswith((" ", "\t")) or not line.strip()):
            prose[numbers[-1][0]].append(line)
        kept.append(line)
        index += 1
    _check_numbering(numbers, steps)
    return Extracted(body="".join(kept), steps=tuple(steps))


def _closing_fence(lines: list[str], start: int, indent: str) -> int:
    for index in range(start + 1, len(lines)):
        if lines[index].strip() == "```":
            return index
    raise StepError(start + 1, "a try-it block that is never closed with ```")


def _dedent(line: str, indent: str) -> str:
    return line[len(indent) :] if line.startswith(indent) else line.lstrip(" \t")


def _check_numbering(numbers: list[tuple[int, int]], steps: list[Step]) -> None:
    with_block = {step.number for step in steps}
    for position, (number, line) in enumerate(numbers, start=1):
        if number != position:
            raise StepError(line, f"step {number} should be step {position}: number them 1, 2, 3…")
        if number not in with_block:
            raise StepError(
                line, f"step {number} has no try-it block saying what to do and what to expect"
            )


# --- Reading one block ---------------------------------------------------------


def _read_block(text: str, line: int, number: int) -> tuple[tuple[Action, ...], Expectations]:
    where = f"step {number}"
    try:
        # BaseLoader reads every value as text, exactly as written.
        data = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.MarkedYAMLError as error:
        # The line of the problem in the lesson: the block's first line
        # (its fence) plus the problem's line inside the block.
        at = line + 1 + error.problem_mark.line if error.problem_mark else line
        raise StepError(
            at, f"{where}: the try-it block is not valid YAML: {error.problem}"
        ) from None
    if not isinstance(data, dict):
        raise StepError(line, f"{where}: the try-it block must be a mapping with 'do' and 'expect'")
    unknown = sorted(set(data) - {"do", "expect"})
    if unknown:
        raise StepError(
            line, f"{where}: unknown key(s) {', '.join(unknown)} (a block has 'do' and 'expect')"
        )
    if not data.get("expect"):
        raise StepError(line, f"{where}: 'expect' must say what the step shows")
    try:
        actions = tuple(_action(item) for item in _list(data.get("do", []), "do"))
        _check_fields_are_sent(actions)
        expect = _expectations(data["expect"])
    except ValueError as error:
        raise StepError(line, f"{where}: {error}") from None
    return actions, expect


def _text(value, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a text, got {value!r}")
    return value.strip()


def _list(value, what: str) -> list:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list, got {value!r}")
    return value


def _texts(value, what: str) -> tuple[str, ...]:
    return tuple(_text(item, f"each item of {what}") for item in _list(value, what))


def _mapping(value, what: str) -> dict:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"{what} must be a mapping of 'name: value' lines, got {value!r}")
    return value


def _action(item) -> Action:
    if isinstance(item, dict):
        verbs = [key for key in item if key != "row"]
        extra = sorted(set(verbs) - set(ACTIONS))
    else:
        verbs, extra = [], []
    if extra:
        raise ValueError(f"unknown action {extra[0]!r} (known: {', '.join(ACTIONS)})")
    if len(verbs) != 1:
        raise ValueError(
            f"each item of 'do' is one action ({', '.join(ACTIONS)}), "
            f"optionally with 'row', got {item!r}"
        )
    verb = verbs[0]
    value = item[verb]
    row = _text(item["row"], "'row'") if "row" in item else ""
    if verb in ("open", "press"):
        return Action(verb, target=_text(value, f"{verb!r}"), row=row)
    if verb == "wait":
        if value not in WAITS:
            raise ValueError(f"'wait' can wait for: {', '.join(WAITS)}; got {value!r}")
        return Action(verb, target=value, row=row)
    if verb == "tick":
        return Action(verb, fields=tuple((label, "") for label in _texts(value, "'tick'")), row=row)
    fields = tuple(
        (_text(label, f"a label in {verb!r}"), _text(text, f"the value for {label!r}"))
        for label, text in _mapping(value, f"{verb!r}").items()
    )
    if verb == "attach":
        for label, sample in fields:
            if sample not in SAMPLE_FILES:
                raise ValueError(
                    f"'attach' can put {' or '.join(SAMPLE_FILES)} in {label!r}; got {sample!r}"
                )
    return Action(verb, fields=fields, row=row)


def _check_fields_are_sent(actions: tuple[Action, ...]) -> None:
    """What a step fills in goes into the form of the button it presses
    next, so a fill must be followed by a press."""
    waiting = None
    for action in actions:
        if action.verb in ("fill", "tick", "attach"):
            waiting = waiting or action
        elif action.verb == "press":
            waiting = None
    if waiting is not None:
        raise ValueError(
            f"{waiting.verb!r} {dict(waiting.fields)!r} must be followed by a 'press' "
            "of the button that sends it"
        )


EXPECTATIONS = {
    "entry",
    "note",
    "error",
    "signals",
    "sender",
    "senders",
    "arguments",
    "receivers",
    "results",
    "highlighted",
    "alert",
    "rows",
    "gone",
    "outbox",
    "entries",
    "shows",
    "listening",
}


def _expectations(value) -> Expectations:
    data = _mapping(value, "'expect'")
    unknown = sorted(set(data) - EXPECTATIONS)
    if unknown:
        known = ", ".join(sorted(EXPECTATIONS))
        raise ValueError(f"unknown expectation(s) {', '.join(unknown)} (known: {known})")
    found = {}
    for name in ("entry", "note", "error", "sender", "alert"):
        if name in data:
            found[name] = _text(data[name], f"{name!r}")
    if "signals" in data:
        found["signals"] = tuple(_signal(name) for name in _texts(data["signals"], "'signals'"))
    if "senders" in data:
        found["senders"] = _texts(data["senders"], "'senders'")
        if "signals" in found and len(found["senders"]) != len(found["signals"]):
            raise ValueError("'senders' must name one sender for each of the 'signals'")
    if "arguments" in data:
        found["arguments"] = tuple(
            (key if key.isdecimal() else _signal(key), _texts(items, f"the arguments of {key}"))
            for key, items in _mapping(data["arguments"], "'arguments'").items()
        )
    if "receivers" in data:
        found["receivers"] = tuple(
            (_signal(signal), _texts(items, f"the receivers of {signal}"))
            for signal, items in _mapping(data["receivers"], "'receivers'").items()
        )
    if "listening" in data:
        found["listening"] = tuple(
            (_signal(signal), tuple(_listener(item) for item in _list(items, "listeners")))
            for signal, items in _mapping(data["listening"], "'listening'").items()
        )
    for _, names in found.get("receivers", ()):
        for name in names:
            if name != ANY:
                _receiver(name)
    if "results" in data:
        found["results"] = tuple(
            (_receiver(name), _texts(items, f"the results of {name}"))
            for name, items in _mapping(data["results"], "'results'").items()
        )
    if "highlighted" in data:
        found["highlighted"] = tuple(
            _receiver(name) for name in _texts(data["highlighted"], "'highlighted'")
        )
    if "rows" in data:
        found["rows"] = tuple(
            (_text(name, "a row's name"), _text(text, f"the row {name!r}"))
            for name, text in _mapping(data["rows"], "'rows'").items()
        )
    if "gone" in data:
        found["gone"] = _texts(data["gone"], "'gone'")
    if "shows" in data:
        found["shows"] = _texts(data["shows"], "'shows'")
    if "outbox" in data:
        found["outbox"] = tuple(_email(item) for item in _list(data["outbox"], "'outbox'"))
    if "entries" in data:
        if not (isinstance(data["entries"], str) and data["entries"].isdecimal()):
            raise ValueError(f"'entries' must be a number, got {data['entries']!r}")
        found["entries"] = int(data["entries"])
    return Expectations(**found)


def _listener(item) -> str:
    """A listener is "name", or "name: what the list says of it"."""
    if isinstance(item, dict) and len(item) == 1:
        ((name, says),) = item.items()
        return f"{_text(name, 'a listener')}: {_text(says, f'what the list says of {name}')}"
    return _text(item, "a listener")


def _signal(name) -> str:
    name = _text(name, "a signal")
    if name not in recording.SIGNALS:
        raise ValueError(
            f"unknown signal {name!r} (the playground watches: {', '.join(recording.SIGNALS)})"
        )
    return name


def _receiver(name) -> str:
    """A function of playground/receivers.py by its name, or any other
    receiver (Django's own) by its dotted path."""
    name = _text(name, "a receiver")
    if "." in name:
        try:
            import_string(name)
        except ImportError:
            raise ValueError(f"unknown receiver {name!r}: no such dotted path") from None
    elif name not in playground_receiver_names():
        raise ValueError(
            f"unknown receiver {name!r}: name a function of playground/receivers.py, "
            "or another by its dotted path"
        )
    return name


@functools.cache
def playground_receiver_names() -> frozenset[str]:
    # Imported here, once the apps are ready: the playground connects its
    # receivers in its ready(), after its recorder.
    from playground import receivers

    return frozenset(
        name
        for name, value in vars(receivers).items()
        if inspect.isfunction(value) and value.__module__ == receivers.__name__
    )


EMAIL_FIELDS = ("subject", "to", "body")


def _email(item) -> tuple[str, str, str]:
    data = _mapping(item, "each e-mail of 'outbox'")
    if set(data) != set(EMAIL_FIELDS):
        raise ValueError(f"each e-mail of 'outbox' has exactly {', '.join(EMAIL_FIELDS)}")
    return tuple(_text(data[name], f"the e-mail's {name}") for name in EMAIL_FIELDS)
