"""The playground in Chromium: actions update the log in place, other tabs
follow within about a second, and two visitors never meet."""

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

SCENARIO = "/playground/signals-101/"


def open_scenario(page: Page, site: str, path: str = SCENARIO) -> None:
    page.goto(site + path)
    expect(page.locator("#playground")).to_be_visible()
    expect(page.locator("html[data-enhanced]")).to_have_count(1)


def create_product(page: Page, name: str, price: str = "4.50", stock: str = "7") -> None:
    # Scoped to the panel: a lesson's text may mention the same labels.
    panel = page.locator("#playground")
    create_form = panel.locator("details.pg-card", has_text="Create a product")
    if create_form.get_attribute("open") is None:
        panel.get_by_text("Create a product", exact=True).click()
    panel.get_by_label("Name").first.fill(name)
    panel.get_by_label("Price").first.fill(price)
    panel.get_by_label("Stock").first.fill(stock)
    panel.get_by_role("button", name="Create product").click()


def log_signals(page: Page, action_index: int = 0) -> list[str]:
    action = page.locator(".pg-action").nth(action_index)
    return action.locator(".pg-event__signal").all_inner_texts()


def test_create_edit_delete_update_the_log_in_place(page: Page, site):
    open_scenario(page, site)
    # A full page load would reset this; htmx swaps keep it.
    page.evaluate("window.pageMarker = 'still here'")

    create_product(page, "Pen <b>bold</b>")
    first = page.locator(".pg-action").first
    expect(first.locator(".pg-action__label")).to_have_text("Created Product 'Pen <b>bold</b>'")
    assert log_signals(page) == ["pre_init", "post_init", "pre_save", "post_save"]
    expect(first.locator(".pg-run--own")).to_have_text(
        re.compile(
            r"playground\.receivers\.report_product_saved\s+→ Product 'Pen <b>bold</b>' was created"
        )
    )
    row = page.locator(".pg-row", has_text="Pen <b>bold</b>")
    expect(row).to_contain_text("4.50 · stock 7 · pen-bboldb")

    row.get_by_text("Edit").click()
    row.get_by_label("Stock").fill("2")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".pg-action__label").first).to_have_text(
        "Updated Product 'Pen <b>bold</b>'"
    )
    assert log_signals(page) == ["pre_save", "post_save"]
    expect(page.locator(".pg-action").first.locator(".pg-event").nth(1)).to_contain_text(
        "created=False"
    )

    page.locator(".pg-row", has_text="Pen <b>bold</b>").get_by_role(
        "button", name="Delete Pen <b>bold</b>"
    ).click()
    expect(page.locator(".pg-action__label").first).to_have_text(
        "Deleted Product 'Pen <b>bold</b>'"
    )
    assert log_signals(page) == ["pre_delete", "post_delete"]
    expect(page.locator(".pg-row", has_text="Pen <b>bold</b>")).to_have_count(0)
    assert page.evaluate("window.pageMarker") == "still here"


def test_invalid_input_shows_field_messages_and_changes_nothing(page: Page, site):
    open_scenario(page, site)
    products_before = page.locator("#pg-records .pg-row").count()

    create_product(page, "Bad", price="-1", stock="-5")

    expect(page.get_by_role("alert")).to_have_text(
        "Nothing was changed: please correct the highlighted fields."
    )
    expect(page.locator(".pg-error")).to_have_text(
        ["The price cannot be negative.", "Stock cannot be negative."]
    )
    expect(page.locator("#pg-records .pg-row")).to_have_count(products_before)
    expect(page.locator(".pg-action")).to_have_count(0)


def test_a_second_tab_sees_a_change_within_about_a_second(page: Page, site, context):
    open_scenario(page, site)
    other = context.new_page()
    open_scenario(other, site)
    other.evaluate("window.pageMarker = 'no reload'")

    create_product(page, "Seen elsewhere")

    expect(other.locator(".pg-row", has_text="Seen elsewhere")).to_be_visible(timeout=3000)
    expect(other.locator(".pg-action__label").first).to_have_text(
        "Created Product 'Seen elsewhere'", timeout=3000
    )
    assert other.evaluate("window.pageMarker") == "no reload"


def test_two_visitors_never_see_each_others_records(browser: Browser, site):
    alice = browser.new_context().new_page()
    bob = browser.new_context().new_page()
    open_scenario(alice, site)
    open_scenario(bob, site)

    create_product(alice, "Alice only")
    expect(alice.locator(".pg-row", has_text="Alice only")).to_be_visible()
    alice_id = alice.locator(".pg-row", has_text="Alice only").get_attribute("id")
    pk = alice_id.removeprefix("product-")

    bob.reload()
    expect(bob.locator(".pg-row", has_text="Alice only")).to_have_count(0)
    expect(bob.locator(".pg-action")).to_have_count(0)

    # Bob posting to Alice's record with his own session and CSRF token.
    token = bob.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = bob.request.post(
        f"{site}{SCENARIO}product/{pk}/delete/",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": site + SCENARIO},
    )
    assert response.status == 404
    alice.reload()
    expect(alice.locator(".pg-row", has_text="Alice only")).to_be_visible()
    alice.context.close()
    bob.context.close()
    time.sleep(0.3)  # let a last in-flight poll finish before the database is flushed


def test_lesson_page_embeds_its_scenario_in_the_same_sandbox(page: Page, site):
    open_scenario(page, site)
    create_product(page, "From the playground")
    expect(page.locator(".pg-row", has_text="From the playground")).to_be_visible()

    page.goto(site + "/lessons/signals-101/")
    panel = page.locator("aside #playground")
    expect(panel.locator(".playground__title")).to_have_text("Signals 101")
    expect(panel.locator(".pg-row", has_text="From the playground")).to_be_visible()

    create_product(page, "From the lesson")
    expect(panel.locator(".pg-action__label").first).to_have_text(
        "Created Product 'From the lesson'"
    )
    expect(page).to_have_url(site + "/lessons/signals-101/")


def test_a_failing_receiver_shows_a_message_and_the_log_up_to_the_error(page: Page, site):
    open_scenario(page, site, "/playground/transactions/")
    page.get_by_role("button", name="Switch it on").click()
    expect(page.locator(".pg-switch", has_text="Failing post_save receiver")).to_contain_text("ON")

    row = page.locator(".pg-row", has_text="Notebook")
    row.get_by_text("Edit").click()
    row.get_by_label("Stock").first.fill("9")
    row.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text(
        "A receiver raised RuntimeError: the failing receiver is switched on. "
        "The log shows every signal up to the error."
    )
    action = page.locator(".pg-action").first
    expect(action.locator(".pg-action__error")).to_have_text(
        "Ended with RuntimeError: the failing receiver is switched on"
    )
    expect(action.locator(".pg-run--error .pg-run__name")).to_have_text(
        "playground.receivers.fail_on_demand"
    )
    # Autocommit: the UPDATE was not undone by the receiver's error.
    expect(page.locator(".pg-row", has_text="Notebook")).to_contain_text("stock 9")
    page.evaluate("document.getElementById('pg-poller').remove()")  # the new panel's


def test_the_live_update_never_wipes_a_form_being_edited(page: Page, site, context):
    open_scenario(page, site)
    other = context.new_page()
    open_scenario(other, site)
    row = other.locator(".pg-row", has_text="Notebook")
    row.get_by_text("Edit").click()
    row.get_by_label("Name").fill("Notebook, half typed")

    create_product(page, "Arrives meanwhile")
    # The log still updates; the records wait while the form is open.
    expect(other.locator(".pg-action__label").first).to_have_text(
        "Created Product 'Arrives meanwhile'", timeout=3000
    )
    other.wait_for_timeout(1500)
    expect(row.get_by_label("Name")).to_have_value("Notebook, half typed")
    expect(other.locator(".pg-row", has_text="Arrives meanwhile")).to_have_count(0)

    row.locator("summary", has_text="Edit").click()  # close the form
    other.locator("body").click(position={"x": 5, "y": 5})  # and move focus away
    expect(other.locator(".pg-row", has_text="Arrives meanwhile")).to_be_visible(timeout=3000)


def test_acting_on_a_record_deleted_in_another_tab_says_so(page: Page, site, context):
    open_scenario(page, site)
    other = context.new_page()
    open_scenario(other, site)
    # Stop the other tab's poll so it still shows the record when it acts.
    other.evaluate("document.getElementById('pg-poller').remove()")

    page.get_by_role("button", name="Delete Desk lamp").click()
    expect(page.locator(".pg-row", has_text="Desk lamp")).to_have_count(0)
    other.get_by_role("button", name="Delete Desk lamp").click()

    expect(other.get_by_role("alert")).to_have_text(
        "That record no longer exists (someone may have deleted it in another tab)."
    )
    expect(other.locator(".site-header")).to_be_visible()
    expect(other).to_have_title("Signals 101 · Playground · Django signals")


def test_keyboard_focus_stays_on_the_control_after_an_action(page: Page, site):
    open_scenario(page, site, "/playground/custom-signals/")
    view = page.get_by_role("button", name="View Notebook")
    view.focus()

    page.keyboard.press("Enter")

    expect(page.locator(".pg-action__label").first).to_have_text(
        "Viewed Product 'Notebook': product_viewed.send()"
    )
    expect(page.get_by_role("button", name="View Notebook")).to_be_focused()


def test_a_switch_acts_only_in_its_own_lesson(page: Page, site):
    open_scenario(page, site, "/playground/transactions/")
    page.get_by_role("button", name="Switch it on").click()
    expect(page.locator(".pg-switch", has_text="Failing post_save receiver")).to_contain_text("ON")

    open_scenario(page, site)
    create_product(page, "Works here")

    expect(page.locator(".pg-action__label").first).to_have_text("Created Product 'Works here'")
    expect(page.locator(".pg-action--error")).to_have_count(0)


@pytest.mark.parametrize(
    "slug",
    [
        "signals-101",
        "senders",
        "model-lifecycle",
        "delete-signals",
        "m2m-changed",
        "custom-signals",
        "request-signals",
        "transactions",
        "async-signals",
        "gotchas",
        "testing-signals",
        "when-not-to-use",
    ],
)
def test_scenario_pages_fit_360px_with_everything_open(page: Page, site, slug):
    page.set_viewport_size({"width": 360, "height": 740})
    open_scenario(page, site, f"/playground/{slug}/")
    page.get_by_text("Who is listening?", exact=True).click()
    page.locator(".pg-listener summary").first.click()
    opened = page.locator("details.pg-row__edit[open]")
    for count in range(1, min(2, page.locator("a.pg-row__open").count()) + 1):
        page.locator("a.pg-row__open").first.click()
        expect(opened).to_have_count(count)

    assert page.evaluate("document.documentElement.scrollWidth") == 360


def test_a_create_adds_row_entry_and_email_in_place(page: Page, site, screenshot_dir):
    open_scenario(page, site)
    page.evaluate("window.pageMarker = 'still here'")
    expect(page.locator("#pg-count-products")).to_have_text("3")

    with page.expect_response(re.compile(r"/do/product-create/$")) as answer:
        create_product(page, "Ink <i>blue</i>", "3.20", "2")
    assert answer.value.headers["hx-reswap"] == "none"  # the in-place answer, not the panel

    entry = page.locator("#pg-actions > li").first
    expect(entry.locator(".pg-action__label")).to_have_text("Created Product 'Ink <i>blue</i>'")
    expect(page.locator("#pg-count-products")).to_have_text("4")
    expect(page.locator(".pg-row").last).to_contain_text("Ink <i>blue</i>")
    expect(page.locator("#pg-outbox-list > li").first).to_contain_text(
        "New product: Ink <i>blue</i>"
    )
    expect(page.locator("[data-count-of='#pg-outbox-list']")).to_have_text("1")
    expect(page.locator("#playground").get_by_label("Name").first).to_have_value("")
    assert page.evaluate("window.pageMarker") == "still here"
    page.screenshot(path=screenshot_dir / "in-place-create.png", full_page=True)


def test_an_in_place_answer_that_arrives_after_a_poll_adds_nothing_twice(page: Page, site):
    open_scenario(page, site)
    held = {}

    def hold_the_answer(route):
        held["response"] = route.fetch()  # the server has created the product
        held["route"] = route

    page.route(re.compile(r"/do/product-create/$"), hold_the_answer)
    create_product(page, "Raced")
    # The one-second poll brings the new row and entry first…
    expect(page.locator(".pg-row", has_text="Raced")).to_have_count(1, timeout=5000)
    expect(page.locator(".pg-action__label", has_text="Raced")).to_have_count(1)
    # …then the held in-place answer arrives: nothing may appear twice.
    held["route"].fulfill(response=held["response"])
    page.wait_for_timeout(500)

    expect(page.locator(".pg-row", has_text="Raced")).to_have_count(1)
    expect(page.locator(".pg-action__label", has_text="Raced")).to_have_count(1)
    expect(page.locator(".pg-mail", has_text="New product: Raced")).to_have_count(1)
    expect(page.locator("#pg-count-products")).to_have_text("4")


def test_the_log_grows_in_place_and_loads_older_entries_on_demand(page: Page, site):
    path = "/playground/model-lifecycle/"
    open_scenario(page, site, path)
    # 30 product lists of 6 events each, with the page's own session: more
    # than the log's first page holds.
    for _ in range(30):
        page.request.post(
            site + path + "do/product-list/", headers={"X-CSRFToken": csrf_token(page)}
        )
    page.reload()
    entries = page.locator("#pg-actions > li")
    shown = entries.count()
    assert 0 < shown < 30

    create_product(page, "One more")
    expect(entries.first).to_contain_text("Created Product 'One more'")
    expect(entries).to_have_count(shown + 1)

    more = page.get_by_role("link", name="Show older entries")
    while more.count():
        before = entries.count()
        # By keyboard: focus moves on to the first entry the link brought.
        more.focus()
        page.keyboard.press("Enter")
        expect(entries).not_to_have_count(before)
        expect(entries.nth(before)).to_be_focused()
    expect(entries).to_have_count(31)
    ids = [entry.get_attribute("id") for entry in entries.all()]
    assert len(set(ids)) == 31
    assert ids == sorted(ids, key=lambda id_: -int(id_.removeprefix("action-")))

    # What the page loaded stays through a change made elsewhere.
    page.request.post(site + path + "do/product-list/", headers={"X-CSRFToken": csrf_token(page)})
    expect(entries).to_have_count(32)


def csrf_token(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def test_an_in_place_create_fits_360px_in_the_dark_theme(page: Page, site, screenshot_dir):
    page.set_viewport_size({"width": 360, "height": 740})
    page.emulate_media(color_scheme="dark")
    open_scenario(page, site)

    create_product(page, "A rather long product name that has to wrap somewhere")

    expect(page.locator("#pg-actions > li").first).to_contain_text("rather long product name")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    page.locator("#pg-log").screenshot(path=screenshot_dir / "in-place-create-dark-360.png")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_an_overflowing_bulk_update_and_a_stale_edit_say_why(
    page: Page, site, context, theme, screenshot_dir
):
    page.set_viewport_size({"width": 360, "height": 740})
    page.emulate_media(color_scheme=theme)
    open_scenario(page, site, "/playground/gotchas/")
    create_product(page, "Dear", price="999999.99", stock="1")
    expect(page.locator(".pg-row", has_text="Dear")).to_contain_text("999999.99")

    bulk = page.locator(".pg-bulk")
    bulk.get_by_label("Change every price by (%)").fill("50")
    bulk.get_by_role("button", name="bulk_update()").click()

    overflow = page.locator("#pg-messages > [role=alert]")
    expect(overflow).to_have_text(
        "A +50% change would price 'Dear' at 1499999.98, and a price holds at most 999999.99. "
        "Nothing was changed."
    )
    expect(page.locator(".pg-row", has_text="Dear")).to_contain_text("999999.99 · stock 1")
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    page.locator("#playground").screenshot(path=screenshot_dir / f"overflow-422-{theme}-360.png")

    # Two tabs edit the same product: the second one's form is stale.
    other = context.new_page()
    other.set_viewport_size({"width": 360, "height": 740})
    other.emulate_media(color_scheme=theme)
    open_scenario(other, site, "/playground/gotchas/")
    assert other.evaluate("document.documentElement.dataset.theme") == theme
    # No polls meanwhile: the open form keeps its values anyway, and on SQLite
    # the live server's threads share one in-memory connection.
    for tab in (page, other):
        tab.evaluate("document.getElementById('pg-poller').remove()")
    stale_row = other.locator(".pg-row", has_text="Notebook")
    stale_row.get_by_text("Edit").click()
    row = page.locator(".pg-row", has_text="Notebook")
    row.get_by_text("Edit").click()
    row.get_by_label("Stock").fill("9")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".pg-row", has_text="Notebook")).to_contain_text("stock 9")
    page.evaluate("document.getElementById('pg-poller').remove()")  # the new panel's

    stale_row.get_by_label("Name").fill("Notebook, older edit")
    stale_row.get_by_role("button", name="Save").click()

    stale = other.locator("#pg-messages > [role=alert]")
    expect(stale).to_have_text(
        "This product was changed (in another tab?) after your form was opened, so your edit "
        "was not saved. The form now shows the current values: make your change again."
    )
    fresh_row = other.locator(".pg-row", has_text="Notebook")
    expect(fresh_row.locator("details.pg-row__edit")).to_have_attribute("open", "")
    expect(fresh_row.get_by_label("Name")).to_have_value("Notebook")
    expect(fresh_row.get_by_label("Stock")).to_have_value("9")
    assert other.evaluate("document.documentElement.scrollWidth") == 360
    other.locator("#playground").screenshot(path=screenshot_dir / f"stale-409-{theme}-360.png")


def test_a_swap_sets_no_inline_style_the_policy_refuses(page: Page, site):
    """The Content-Security-Policy allows no inline style. An element whose
    style was once touched through the CSSOM keeps an empty ``style=""``
    attribute, and htmx's settle step used to copy it onto the swapped-in
    element with setAttribute(), which the policy refuses (a console error on
    every such swap). Settling leaves ``style`` alone now."""
    open_scenario(page, site)
    page.evaluate(
        """() => {
            window.refusedStyles = [];
            document.addEventListener("securitypolicyviolation", (event) => {
                window.refusedStyles.push(event.violatedDirective);
            });
            const name = document.querySelector("#id_product-create-name");
            name.style.color = "red";
            name.style.color = "";  // leaves style="" behind, as a browser would
        }"""
    )
    assert page.locator("#id_product-create-name").get_attribute("style") == ""

    row = page.locator(".pg-row", has_text="Notebook")
    row.get_by_text("Edit").click()
    row.get_by_label("Stock").fill("11")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".pg-action__label").first).to_have_text("Updated Product 'Notebook'")
    page.wait_for_function("() => !document.querySelector('.htmx-settling')")

    assert page.evaluate("window.refusedStyles") == []


def test_who_is_listening_loads_when_opened_and_show_all_lists_every_row(
    page: Page, site, screenshot_dir
):
    from django.db.models import F

    from playground.models import Product, Sandbox

    open_scenario(page, site, "/playground/receivers/")
    listening = page.locator("details.pg-listening")
    expect(listening.locator(".pg-listener")).to_have_count(0)
    listening.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(listening.locator(".pg-listener").first).to_contain_text("playground.recording.observe")
    expect(listening.locator(".pg-listener", has_text="receivers.log_stock")).to_have_count(1)
    # Its code blocks get their copy buttons, like every other.
    expect(listening.locator(".copy-button").first).to_be_attached()

    sandbox = Sandbox.objects.get()
    Product.objects.bulk_create(
        Product(sandbox=sandbox, name=f"Product {number}", price=1, stock=1) for number in range(22)
    )
    page.reload()
    rows = page.locator("#pg-list-products > .pg-row")
    expect(rows).to_have_count(20)
    expect(page.locator("#pg-count-products")).to_have_text("25")
    # A create answered in place counts the rows the list leaves out too.
    create_product(page, "Product 22")
    expect(rows).to_have_count(21)
    expect(page.locator("#pg-count-products")).to_have_text("26")
    expect(page.locator(".pg-records__more")).to_have_text(
        "The newest 21 of 26 products. Show all products"
    )
    show_all = page.get_by_role("link", name="Show all products")
    show_all.focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(26)
    expect(page.locator("#pg-records-products")).to_be_focused()
    expect(page.locator("#pg-count-products")).to_have_text("26")
    expect(rows.first).to_contain_text("Fountain pen")
    page.screenshot(path=screenshot_dir / "show-all.png", full_page=True)

    # A change made elsewhere reaches the page through the poll: every row
    # stays, and keyboard focus stays where it was.
    Product.objects.filter(sandbox=sandbox, name="Notebook").update(stock=99)
    Sandbox.objects.filter(pk=sandbox.pk).update(version=F("version") + 1)
    expect(page.locator(".pg-row", has_text="Notebook")).to_contain_text("stock 99")
    expect(rows).to_have_count(26)
    expect(page.locator("#pg-records-products")).to_be_focused()

    # So does an action of this page's own.
    page.locator(".pg-row", has_text="Notebook").get_by_role("button", name="Delete").click()
    expect(page.locator(".pg-action__label").first).to_have_text("Deleted Product 'Notebook'")
    expect(rows).to_have_count(25)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_who_is_listening_fits_360px_opened_in_the_panel_and_on_its_own_page(
    page: Page, site, theme, screenshot_dir
):
    page.set_viewport_size({"width": 360, "height": 740})
    page.emulate_media(color_scheme=theme)
    open_scenario(page, site, "/playground/when-not-to-use/")
    listening = page.locator("details.pg-listening")
    listening.locator("summary").click()
    expect(listening.locator(".pg-listener").first).to_be_visible()
    listening.locator(".pg-listener summary").nth(1).click()
    expect(listening.locator(".pg-listener .highlight").nth(1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    listening.screenshot(path=screenshot_dir / f"listening-{theme}-360.png")

    # Without JavaScript the box holds a link to a page of its own.
    page.goto(site + "/playground/when-not-to-use/listening/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is listening?")
    expect(page.get_by_role("heading", level=2).first).to_have_text("pre_init")
    page.get_by_role("link", name="When not to use signals").click()
    expect(page).to_have_url(site + "/playground/when-not-to-use/")
    assert page.evaluate("document.documentElement.dataset.theme") == theme
