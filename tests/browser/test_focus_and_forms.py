"""After an action in the playground: where keyboard focus goes, which boxes
stay open, and what the forms show. Nothing may fall back to the page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.keyboard import Keyboard
from tests.browser.test_playground import create_product, open_scenario

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.front_end]


def focused(page: Page) -> str:
    """The focused element, as tag#id.class, with its text."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            return `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${e.textContent.trim()}`;
        }"""
    )


def test_a_create_after_a_refused_one_leaves_a_clean_form_with_focus_in_it(page: Page, site):
    open_scenario(page, site)
    create_product(page, "Pen", price="-3")
    panel = page.locator("#playground")
    expect(panel.locator(".pg-alert--error")).to_have_text(
        "Nothing was changed: please correct the highlighted field."
    )
    expect(panel.locator("#pg-form-product-create .pg-error")).to_have_count(1)

    create_product(page, "Pen", price="3.00")

    expect(panel.locator(".pg-action__label").first).to_have_text("Created Product 'Pen'")
    expect(panel.locator(".pg-alert")).to_have_count(0)
    form = panel.locator("#pg-form-product-create")
    expect(form.locator(".pg-error")).to_have_count(0)
    expect(form.locator("[aria-invalid=true]")).to_have_count(0)
    assert [form.get_by_label(name).input_value() for name in ("Name", "Price", "Stock")] == [
        "",
        "",
        "",
    ]
    expect(form.get_by_label("Name")).to_be_focused()


@pytest.mark.parametrize(("theme", "width"), [("light", 1280), ("dark", 360)])
def test_after_save_focus_is_on_the_changed_row(page: Page, site, theme, width, screenshot_dir):
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=theme)
    open_scenario(page, site)
    row = page.locator(".pg-row", has_text="Notebook")
    row.get_by_text("Edit").click()
    row.get_by_label("Stock").fill("11")
    row.get_by_label("Stock").press("Enter")

    expect(page.locator(".pg-action__label").first).to_have_text("Updated Product 'Notebook'")
    notebook = page.locator(".pg-row", has_text="Notebook")
    expect(notebook.locator(".pg-row__open")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") == width
    notebook.screenshot(path=screenshot_dir / f"focus-after-save-{theme}-{width}.png")


# Notes where focus was before each swap whenever, once the task that
# swapped the answer in has ended, it rests on the page: the browser then
# tells a screen reader the page has focus, and the control after it.
WATCH_FOCUS = """
window.restedOnThePage = [];
document.addEventListener("htmx:beforeSwap", () => {
  const had = document.activeElement;
  if (!had || had === document.body) return;
  const what = had.textContent.trim().replace(/\\s+/g, " ");
  setTimeout(() => {
    if (document.activeElement === document.body) window.restedOnThePage.push(what);
  });
});
"""


def test_focus_never_rests_on_the_page_while_an_answer_is_swapped_in(page: Page, site):
    """Opening a row (its summary has autofocus), saving it and deleting a
    row, by keyboard: focus moves to its new place in the task that swaps
    the answer in. htmx used to settle, and so autofocus and the
    playground's refocus, 20 ms later, with focus on the page meanwhile."""
    page.add_init_script(WATCH_FOCUS)
    open_scenario(page, site)
    keyboard = Keyboard(page)
    notebook = page.locator(".pg-row", has_text="Notebook")

    keyboard.reach(notebook.locator(".pg-row__open"))
    keyboard.use(notebook.locator(".pg-row__open"))
    expect(notebook.locator("summary")).to_be_focused()
    keyboard.type_into(notebook.get_by_label("Stock"), "11")
    keyboard.reach(notebook.get_by_role("button", name="Save"))
    keyboard.use(notebook.get_by_role("button", name="Save"))
    expect(page.locator(".pg-action__label").first).to_have_text("Updated Product 'Notebook'")
    expect(notebook.locator(".pg-row__open")).to_be_focused()
    delete = page.locator(".pg-row", has_text="Fountain pen").get_by_role("button", name="Delete")
    keyboard.reach(delete)
    keyboard.use(delete)
    expect(page.locator(".pg-action__label").first).to_have_text("Deleted Product 'Fountain pen'")
    expect(notebook.locator(".pg-row__open")).to_be_focused()

    # A timer set now runs after any set during the swaps.
    rested = page.evaluate("new Promise(done => setTimeout(() => done(window.restedOnThePage)))")
    assert rested == []


def test_after_a_delete_focus_is_on_the_next_row(page: Page, site):
    open_scenario(page, site)
    page.locator(".pg-row", has_text="Fountain pen").get_by_role("button", name="Delete").press(
        "Enter"
    )

    expect(page.locator(".pg-action__label").first).to_have_text("Deleted Product 'Fountain pen'")
    expect(page.locator(".pg-row", has_text="Notebook").locator(".pg-row__open")).to_be_focused()


def test_open_boxes_stay_open_across_an_action(page: Page, site):
    open_scenario(page, site, "/playground/m2m-changed/")
    panel = page.locator("#playground")
    panel.get_by_text("Who is listening?").click()
    expect(panel.locator("#pg-listening .pg-listening__list code").first).to_be_visible()
    panel.get_by_text("Create a tag", exact=True).click()
    panel.locator("#pg-card-tag-create").get_by_label("Name").fill("python")
    panel.get_by_role("button", name="Create tag").click()

    expect(panel.locator(".pg-action__label").first).to_have_text("Created Tag 'python'")
    expect(panel.locator("#pg-listening")).to_have_attribute("open", "")
    expect(panel.locator("#pg-card-tag-create")).to_have_attribute("open", "")
    expect(panel.locator("#pg-listening .pg-listening__list code").first).to_be_visible()
    expect(panel.get_by_role("button", name="Create tag")).to_be_focused()


def test_a_poll_answered_after_a_create_swaps_nothing_and_raises_no_error(page: Page, site):
    open_scenario(page, site)
    page.evaluate(
        """() => {
            window.oobErrors = 0;
            document.addEventListener("htmx:oobErrorNoTarget", () => window.oobErrors++);
        }"""
    )
    held = []

    def hold_one_poll(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/live/?*", hold_one_poll)
    with page.expect_request("**/live/?*"):
        pass
    create_product(page, "Pen")
    expect(page.locator(".pg-action__label").first).to_have_text("Created Product 'Pen'")
    assert len(held) == 1

    # The held poll asked with the version before the create, for the poller
    # the create replaced: its answer must be dropped, not swapped.
    held[0].continue_()
    page.unroute("**/live/?*")
    with page.expect_response("**/live/?*"):
        pass  # a poll of the new poller, answered after the held one

    assert page.evaluate("window.oobErrors") == 0
    expect(page.locator(".pg-row__name").get_by_text("Pen", exact=True)).to_have_count(1)
    expect(page.locator(".pg-action")).to_have_count(1)
