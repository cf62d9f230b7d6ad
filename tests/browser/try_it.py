"""A learner who follows a lesson's Try-it steps in Chromium.

The steps come from the lesson itself (``lesson.steps``, read from the
``try-it`` blocks of its Markdown by ``lessons.steps``), so this follows
exactly what the page tells the learner to do, and checks what it says
they will see. Every wait is for a condition, never for a time.

The learner uses a mouse (``Mouse``: Playwright's clicks and fills) or,
with ``by_keyboard=True``, the keyboard only (``tests.browser.keyboard``).
"""

import dataclasses
import re
from contextlib import contextmanager

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from lessons.catalog import Lesson
from lessons.steps import ANY, NONE, PK_OF, Action, Expectations, Step
from playground import scenarios
from tests.browser.keyboard import Keyboard
from tests.playground.test_uploads import image_bytes

# Test instrumentation, added to every page before its own scripts: how
# many requests htmx has in flight, in <html data-requests-in-flight>. It
# counts the one-second poll too: a poll sent just before an action's answer
# carries the old version, and its answer, arriving after the action's,
# swaps the records in again; a click on a row's Edit in between would be
# answered into the row it replaced. htmx swaps in the XHR's "load" event,
# so the count drops at "loadend", after the swap.
COUNT_REQUESTS = """
if (!window.countingRequests) {
  window.countingRequests = true;
  let inFlight = 0;
  const show = () => document.documentElement.setAttribute("data-requests-in-flight", inFlight);
  document.addEventListener("DOMContentLoaded", show);
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...body) {
    inFlight += 1;
    show();
    this.addEventListener("loadend", () => { inFlight -= 1; show(); });
    return send.apply(this, body);
  };
}
"""

SAMPLE_FILES = {
    "a small PNG": {"name": "small.png", "mimeType": "image/png", "buffer": image_bytes()},
}


def take_lesson(page: Page, site: str, lesson: Lesson, *, by_keyboard: bool = False) -> None:
    """Open the lesson and follow each of its Try-it steps."""
    # Every wait is for a condition; a step that cannot happen fails soon.
    page.set_default_timeout(10_000)
    page.add_init_script(COUNT_REQUESTS)
    page.goto(f"{site}/lessons/{lesson.slug}/")
    expect(page.locator("#try-it")).to_have_count(1)
    panel = page.locator("aside #playground")
    expect(panel.locator(".playground__title")).to_have_text(scenarios.get(lesson.playground).title)
    # The panel's script is wired up (it keeps the in-place answers working).
    expect(page.locator("html[data-playground-enhanced]")).to_have_count(1)
    hands = Keyboard(page) if by_keyboard else Mouse()
    if by_keyboard:
        with told_where(lesson, None):
            hands.go_to_playground()
    for step in lesson.steps:
        with told_where(lesson, step):
            follow(page, panel, step, hands)


class Mouse:
    """Clicks and fills, as Playwright does them."""

    def reach(self, control: Locator) -> None:
        """A mouse goes straight to the control it clicks."""

    def use(self, control: Locator) -> None:
        control.click()

    def type_into(self, field: Locator, value: str) -> None:
        field.fill(value)

    def tick(self, box: Locator) -> None:
        box.check()

    def attach(self, field: Locator, file: dict) -> None:
        field.set_input_files(file)

    def kept_focus(self, after: str) -> None:
        """Where a click leaves focus is the keyboard learner's concern."""


@contextmanager
def told_where(lesson: Lesson, step: Step | None):
    """A failure names the lesson and the step, with the step's prose (no
    step: on the way to the playground)."""
    try:
        yield
    except (AssertionError, PlaywrightError) as error:
        where = f"step {step.number}: {step.prose}" if step else "going to the playground"
        raise AssertionError(f"{lesson.slug}, {where}\n\n{error}") from error


def follow(page: Page, panel: Locator, step: Step, hands: Mouse | Keyboard) -> None:
    newest = panel.locator(".pg-action").first
    newest_before = newest.get_attribute("id") if newest.count() else None
    # A row the step deletes shows its pk only before.
    pks = read_pks(page, panel, step.expect)
    scope, in_row, pending = panel, False, []
    for action in step.actions:
        if action.verb in ("fill", "tick", "attach"):
            # Fields go into the form of the button the step presses next
            # (a row may show two forms with a "Price" each).
            pending.append(action)
        elif action.verb == "press":
            press(page, panel, action, scope, in_row, pending, hands)
            pending = []
        elif action.verb == "open":
            scope, in_row = open_(page, panel, action, hands), bool(action.row)
        elif action.verb == "wait":
            with page.expect_response(lambda response: "/live/?" in response.url):
                pass
            settled(page)
    pressed = any(action.verb == "press" for action in step.actions)
    if pressed and step.expect.about_the_newest_entry:
        # The entry the step describes is the one its actions added.
        if newest_before is None:
            expect(newest).to_be_attached()
        else:
            expect(newest).not_to_have_id(newest_before)
    # A reset gives every row a new pk: what the rows show now counts.
    pks |= read_pks(page, panel, step.expect)
    check(page, panel, with_pks(step.expect, pks))


def read_pks(page: Page, panel: Locator, expected: Expectations) -> dict[str, str]:
    """The pks of the rows that ``expected`` names with "{pk of <name>}"."""
    names = set()

    def note_names(text: str) -> str:
        names.update(PK_OF.findall(text))
        return text

    with_texts(expected, note_names)
    pks = {}
    for name in names:
        meta = row_named(page, panel, name).locator(".pg-row__meta")
        if meta.count() == 1:
            pks[name] = re.match(r"#(\d+)", meta.text_content().strip())[1]
    return pks


def with_pks(expected: Expectations, pks: dict[str, str]) -> Expectations:
    return with_texts(expected, lambda text: PK_OF.sub(lambda match: pks[match["name"]], text))


def with_texts(expected: Expectations, change) -> Expectations:
    """``expected`` with ``change`` applied to every text in it."""

    def changed(value):
        if isinstance(value, str):
            return change(value)
        if isinstance(value, tuple):
            return tuple(changed(item) for item in value)
        return value

    return dataclasses.replace(
        expected,
        **{
            field.name: changed(getattr(expected, field.name))
            for field in dataclasses.fields(expected)
        },
    )


# --- Doing -----------------------------------------------------------------


def row_named(page: Page, panel: Locator, name: str) -> Locator:
    """The row of the record called ``name`` (a product, review's author,
    article or tag)."""
    return panel.locator(".pg-row").filter(
        has=page.locator(".pg-row__name", has_text=exactly(name))
    )


def open_(page: Page, panel: Locator, action: Action, hands: Mouse | Keyboard) -> Locator:
    """Open a card by its title, or a row's Edit; later actions of the step
    happen inside what was opened."""
    if action.row:
        row = row_named(page, panel, action.row)
        # A closed row shows its Edit link; an open one, its forms.
        settled(page)
        if row.locator("details.pg-row__edit[open]").count() == 0:
            edit = row.locator(".pg-row__open").filter(has_text=exactly_start(action.target))
            hands.reach(edit)
            settled(page)
            hands.use(edit)
        expect(row.locator("details.pg-row__edit[open]")).to_have_count(1)
        settled(page)
        hands.kept_focus(f"opening {action.target} on {action.row}")
        return row
    card = panel.locator("details.pg-card").filter(
        has=page.locator("summary", has_text=exactly(action.target))
    )
    if card.get_attribute("open") is None:
        summary = card.locator("summary").first
        hands.reach(summary)
        hands.use(summary)
    expect(card).to_have_attribute("open", "")
    settled(page)
    hands.kept_focus(f"opening {action.target}")
    return card


def press(
    page: Page,
    panel: Locator,
    action: Action,
    scope: Locator,
    in_row: bool,
    pending: list,
    hands: Mouse | Keyboard,
) -> None:
    if action.row:
        scope, in_row = row_named(page, panel, action.row), True
    button = button_named(scope, action.target, in_row=in_row)
    form = button.locator("xpath=ancestor::form[1]")
    for field_action in pending:
        for label, value in field_action.fields:
            field = form.get_by_label(label, exact=True)
            if field_action.verb == "fill":
                hands.type_into(field, value)
            elif field_action.verb == "tick":
                hands.tick(field)
            else:
                hands.attach(field, SAMPLE_FILES[value])
    hands.reach(button)
    settled(page)
    with page.expect_response(lambda response: response.request.method == "POST"):
        hands.use(button)
    settled(page)
    hands.kept_focus(f"pressing {action.target}")


def button_named(scope: Locator, name: str, *, in_row: bool) -> Locator:
    """A button by the name the learner sees. A row's buttons also name
    their record for screen readers ("Delete Notebook", "Delete review 3"):
    the record's name is the hidden text of the row's Edit."""
    exact = scope.get_by_role("button", name=name, exact=True)
    if not in_row:
        return exact
    hidden = scope.locator(".pg-row__open .visually-hidden, summary .visually-hidden").first
    target = " ".join(hidden.text_content().split())
    return exact.or_(scope.get_by_role("button", name=f"{name} {target}", exact=True))


def settled(page: Page) -> None:
    """htmx has swapped in the answer to every request it sent, the
    poll's included (see COUNT_REQUESTS)."""
    expect(page.locator("html[data-requests-in-flight='0']")).to_have_count(1)


# --- Checking --------------------------------------------------------------


def check(page: Page, panel: Locator, expected: Expectations) -> None:
    if expected.about_the_newest_entry:
        check_entry(page, panel.locator(".pg-action").first, expected)
    if expected.alert == NONE:
        expect(panel.locator(".pg-alert")).to_have_count(0)
    elif expected.alert is not None:
        expect(panel.locator(".pg-alert")).to_have_text([pattern(expected.alert)])
    for name, text in expected.rows:
        expect(row_named(page, panel, name).locator(".pg-row__meta")).to_have_text(pattern(text))
    for name in expected.gone:
        expect(row_named(page, panel, name)).to_have_count(0)
    if expected.outbox is not None:
        check_outbox(panel.locator(".pg-mail"), expected.outbox)
    if expected.entries is not None:
        expect(panel.locator(".pg-action")).to_have_count(expected.entries)
    for text in expected.shows:
        expect(panel.get_by_text(pattern(text, whole=False)).first).to_be_visible()
    for signal, lines in expected.listening:
        check_listening(panel, signal, lines)


def check_entry(page: Page, entry: Locator, expected: Expectations) -> None:
    if expected.entry is not None:
        expect(entry.locator(".pg-action__label")).to_have_text(pattern(expected.entry))
    if expected.note is not None:
        expect(entry.locator(".pg-action__note")).to_have_text(pattern(expected.note))
    if expected.error == NONE:
        expect(entry.locator(".pg-action__error")).to_have_count(0)
    elif expected.error is not None:
        expect(entry.locator(".pg-action__error")).to_have_text(
            pattern(f"Ended with {expected.error}")
        )
    signals = entry.locator(".pg-event__signal")
    if expected.signals is not None:
        if expected.signals:
            expect(signals).to_have_text(list(expected.signals))
        else:
            expect(signals).to_have_count(0)
    senders = entry.locator(".pg-event__sender code")
    if expected.senders is not None:
        expect(senders).to_have_text(list(expected.senders))
    if expected.sender is not None:
        expect(senders).to_have_text([expected.sender] * signals.count())
    events = entry.locator(".pg-event")
    for key, arguments in expected.arguments:
        # An event by its number in the log, or every event of a signal.
        label = ".pg-event__n" if key.isdecimal() else ".pg-event__signal"
        chosen = events.filter(has=page.locator(label, has_text=exactly(key)))
        expect(chosen).not_to_have_count(0)
        for index in range(chosen.count()):
            shown = chosen.nth(index).locator(".pg-event__args code")
            if not arguments:
                expect(shown).to_have_count(0)
            for argument in arguments:
                expect(shown.filter(has_text=pattern(argument))).to_have_count(1)
    for signal, receivers in expected.receivers:
        of_signal = events.filter(has=page.locator(".pg-event__signal", has_text=exactly(signal)))
        expect(of_signal).not_to_have_count(0)
        for index in range(of_signal.count()):
            names = of_signal.nth(index).locator(".pg-run__name").all_text_contents()
            assert_lines(f"the receivers of {signal}", names, receivers)
    if expected.highlighted is not None:
        own = entry.locator(".pg-run--own .pg-run__name")
        if expected.highlighted:
            expect(own).to_have_text([receiver_name(name) for name in expected.highlighted])
        else:
            expect(own).to_have_count(0)
    for name, results in expected.results:
        runs = entry.locator(".pg-run").filter(
            has=page.locator(".pg-run__name", has_text=receiver_name(name))
        )
        if not results:
            expect(runs).to_have_count(0)
            continue
        expect(runs.locator(".pg-run__result")).to_have_text(
            [pattern(text if text.startswith("raised ") else f"→ {text}") for text in results]
        )


def check_outbox(mails: Locator, outbox: tuple[tuple[str, str, str], ...]) -> None:
    if not outbox:
        expect(mails).to_have_count(0)
        return
    expect(mails.locator("strong")).to_have_text([pattern(subject) for subject, _, _ in outbox])
    expect(mails.locator(".pg-row__meta")).to_have_text(
        [pattern(f"to {to}") for _, to, _ in outbox]
    )
    expect(mails.locator("span:not(.pg-row__meta)")).to_have_text(
        [pattern(body) for _, _, body in outbox]
    )


def check_listening(panel: Locator, signal: str, lines: tuple[str, ...]) -> None:
    """The listeners of ``signal`` read, one per line, "name: what it says",
    matched against the step's lines ("…" alone stands for any others)."""
    listeners = panel.locator(
        "xpath=.//*[contains(concat(' ', @class, ' '), ' pg-listening__signal ')]"
        f"[normalize-space()='{signal}']/following-sibling::ol[1]/li"
    )
    expect(listeners.first).to_be_attached()
    shown = [
        f"{name}: {meta}"
        for name, meta in zip(
            listeners.locator("summary > code").all_text_contents(),
            listeners.locator("summary > .pg-row__meta").all_text_contents(),
            strict=True,
        )
    ]
    assert_lines(f"the listeners of {signal}", shown, lines)


def assert_lines(what: str, shown: list[str], wanted: tuple[str, ...]) -> None:
    """``shown`` reads ``wanted``, line by line: each wanted line is a
    receiver's name (dotted or not), then what is said of it if anything;
    a line "…" stands for any number of lines."""
    regex = ""
    for line in wanted:
        if line == ANY:
            regex += r"(?:[^\n]*\n)*?"
            continue
        name, _, says = line.partition(": ")
        regex += r"(?:\S*\.)?" + re.escape(name)
        regex += (": " + pattern(says).pattern[1:-1] if says else r"(?::[^\n]*)?") + r"\n"
    text = "".join(" ".join(line.split()) + "\n" for line in shown)
    assert re.fullmatch(regex, text), f"{what} read:\n{text}\nnot:\n" + "\n".join(wanted)


def receiver_name(name: str) -> re.Pattern:
    """A receiver as the log names it: its dotted path."""
    return re.compile(rf"^(?:\S*\.)?{re.escape(name)}$")


def pattern(text: str, *, whole: bool = True) -> re.Pattern:
    """``text`` as the page shows it: any run of spaces matches any run of
    white space, and "…" any run of characters."""
    parts = (r"\s+".join(re.escape(word) for word in part.split()) for part in text.split(ANY))
    body = ".*?".join(parts)
    return re.compile(f"^{body}$" if whole else body, re.DOTALL)


def exactly(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def exactly_start(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\b")
