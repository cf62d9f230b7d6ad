"""A learner with a keyboard and no mouse, for ``tests.browser.try_it``.

Every control is reached the way such a learner reaches it: Tab and
Shift+Tab from wherever focus is, or a shortcut the page offers ("Skip to
content", "Go to the playground"). Nothing is clicked, filled or focused by
the test: a control that Tab cannot reach, or a trap, fails the step and
names where focus went instead. After each action focus must still be on
something: the site's rule is that it never falls back to the page.
"""

from playwright.sync_api import Locator, Page, expect

# Enough to cross a whole lesson, from its text to "Go to the playground";
# far fewer than this means a control is missing from the tab order.
MOST_PRESSES = 250

# The focused element, as a failure message names it.
DESCRIBE = """element => {
  if (!element || element === document.body) return "<body> (the page itself)";
  const label = element.labels && element.labels.length ? element.labels[0].textContent : "";
  const text = element.getAttribute("aria-label") || label || element.textContent || "";
  const classes = Array.from(element.classList, name => "." + name).join("");
  const id = element.id ? "#" + element.id : "";
  const name = text.replace(/\\s+/g, " ").trim().slice(0, 60);
  return `<${element.tagName.toLowerCase()}${id}${classes}> ${name}`;
}"""

# Where ``element`` is from the focused element: the key that moves towards
# it in document order (the site sets no positive tabindex), or "" when it
# is the focused one.
WAY = """element => {
  const active = document.activeElement;
  if (active === element) return "";
  if (!active || active === document.body) return "Tab";
  const after = active.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING;
  return after ? "Tab" : "Shift+Tab";
}"""

# After a key press: whether ``element`` has focus, and what has.
REACHED = f"""element => [
  element === document.activeElement, ({DESCRIBE})(document.activeElement)
]"""


class Keyboard:
    """Reaches and uses controls by keyboard only."""

    def __init__(self, page: Page):
        self.page = page

    def go_to_playground(self) -> None:
        """From the top of a lesson page just opened: "Skip to content", then
        "Go to the playground" under the Try-it heading."""
        page = self.page
        self.reach(page.get_by_role("link", name="Skip to content"))
        self.use(page.get_by_role("link", name="Skip to content"))
        expect(page.locator("article#lesson-article")).to_be_focused()
        jump = page.locator("#try-it + .playground-jump a")
        self.reach(jump)
        self.use(jump)
        expect(page.locator("aside#lesson-playground")).to_be_focused()

    def reach(self, target: Locator) -> None:
        """Tab (or Shift+Tab) until ``target`` has focus."""
        expect(target).to_have_count(1)
        key = target.evaluate(WAY)
        passed = []
        for _ in range(MOST_PRESSES):
            if not key:
                return
            self.page.keyboard.press(key)
            reached, focused = target.evaluate(REACHED)
            if reached:
                return
            passed.append(focused)
        trail = "\n  ".join(passed[-12:])
        raise AssertionError(
            f"{MOST_PRESSES} presses of {key} never reached {target}; the last stops were:\n"
            f"  {trail}"
        )

    def use(self, control: Locator) -> None:
        """Press the focused control: Enter follows a link, presses a button
        and opens or closes a <details>."""
        expect(control).to_be_focused()
        self.page.keyboard.press("Enter")

    def type_into(self, field: Locator, value: str) -> None:
        self.reach(field)
        # What the field holds goes: a learner selects it and types over it.
        self.page.keyboard.press("ControlOrMeta+A")
        self.page.keyboard.type(value)
        expect(field).to_have_value(value)
        expect(field).to_be_focused()

    def tick(self, box: Locator) -> None:
        self.reach(box)
        if not box.is_checked():
            self.page.keyboard.press("Space")
        expect(box).to_be_checked()
        expect(box).to_be_focused()

    def attach(self, field: Locator, file: dict) -> None:
        """Space on a file field opens the file chooser; the file picked there."""
        self.reach(field)
        with self.page.expect_file_chooser() as chooser:
            self.page.keyboard.press("Space")
        chooser.value.set_files(file)
        expect(field).to_be_focused()

    def kept_focus(self, after: str) -> None:
        """Focus is still on something after ``after``, not on the page."""
        focused = self.focused()
        assert not focused.startswith("<body>"), f"focus fell back to the page after {after}"

    def focused(self) -> str:
        return self.page.evaluate(f"({DESCRIBE})(document.activeElement)")
