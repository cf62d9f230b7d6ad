"""axe-core on every page type, in the light and the dark theme: no violations.

axe-core comes from the npm registry, pinned by package.json and
package-lock.json (``make node_modules/.installed`` installs it). The site's
Content-Security-Policy refuses inline scripts, so axe is not added as a
script tag: its source is evaluated through the DevTools protocol, which the
page's CSP does not govern, and the CSP stays exactly as the site sends it.

Fast on purpose: one browser context serves the whole module, and each page
is loaded once and checked in both themes (the theme follows the system
colour scheme live, as site.js makes it).
"""

import pytest
from playwright.sync_api import Page, expect

from lessons import testruns
from lessons.catalog import get_catalog
from lessons.models import TestOutcome, TestRun
from playground import scenarios
from tests.browser.test_playground import create_product

THEMES = ("light", "dark")

PAGES = [
    "/",
    *(f"/lessons/{lesson.slug}/" for lesson in get_catalog().lessons),
    "/playground/",
    *(f"/playground/{scenario.slug}/" for scenario in scenarios.SCENARIOS),
    # "Who is listening?" without JS, and the three kinds of 404.
    "/playground/custom-signals/listening/",
    # Search: no query, results, none, and a query too long (400); the reference.
    "/search/",
    "/search/?q=dispatch_uid",
    "/search/?q=zeppelin",
    "/search/?q=" + "x" * 201,
    "/reference/",
    "/nope/",
    "/lessons/missing/",
    "/playground/missing/",
]


pytestmark = pytest.mark.front_end


@pytest.fixture(scope="module")
def module_page(browser):
    """One context and page for every test here: only navigation differs."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def page(module_page: Page):
    """The module's page, left on about:blank before the database is flushed.
    A playground polls every second: as tests/browser/conftest.py does, a
    request still in flight gets a moment to finish first."""
    yield module_page
    polling = module_page.locator("#pg-poller").count() > 0
    module_page.goto("about:blank")
    if polling:
        module_page.wait_for_timeout(300)


def describe(violations: list[dict]) -> str:
    """One line per rule broken (id, impact, what it asks, where to read
    more), then one line per element that breaks it."""
    lines = []
    for violation in violations:
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl'].split('?')[0]}>"
        )
        for node in violation["nodes"]:
            lines.append(f"      at {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


def axe_violations(page: Page, axe_source: str) -> list[dict]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(result => result.violations)"
    )


def use_theme(page: Page, theme: str) -> None:
    page.emulate_media(color_scheme=theme)
    expect(page.locator("html")).to_have_attribute("data-theme", theme)


def screenshot_in_each_theme_and_width(page: Page, element, name: str, screenshot_dir) -> None:
    """Save ``element``'s screenshots as ``<name>-<theme>-<width>.png``, at a
    desktop width and at 360 px, after checking that nothing is wider than
    the screen there (long names and messages wrap or scroll inside)."""
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for theme in ("light", "dark"):
            use_theme(page, theme)
            element.screenshot(path=screenshot_dir / f"{name}-{theme}-{width}.png")


def open_ready(page: Page, url: str) -> None:
    """Open ``url`` in the light theme and wait until its scripts (and its
    playground, if it has one) are in."""
    page.emulate_media(color_scheme="light")
    page.goto(url)
    expect(page.locator("html[data-enhanced]")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    if page.locator(".lesson-playground").count():
        expect(page.locator("section#playground .pg-log")).to_have_count(1)


def assert_no_violations_in_either_theme(page: Page, axe_source: str, where: str) -> None:
    """Check the page as it is in each theme, then report every theme's
    violations together."""
    found = []
    for theme in THEMES:
        use_theme(page, theme)
        violations = axe_violations(page, axe_source)
        if violations:
            found.append(f"axe found on {where} in the {theme} theme:\n{describe(violations)}")
    if found:
        pytest.fail("\n".join(found), pytrace=False)


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_axe_violations(page: Page, site, axe_source, path):
    open_ready(page, site + path)

    assert_no_violations_in_either_theme(page, axe_source, path)


def fill_the_playground(page: Page) -> None:
    """What a learner has open after a while: log entries (enough to scroll),
    an e-mail where a receiver sends one, a refused form with its messages,
    "Who is listening?" with a receiver's source, and a row's edit forms."""
    panel = page.locator("#playground")
    for name in ("Pen", "Ink", "Pad"):
        create_product(page, name, stock="2")
        expect(panel.locator(".pg-action__label").first).to_have_text(f"Created Product '{name}'")
    create_product(page, "Bad", price="-1", stock="-5")
    expect(panel.locator(".pg-error")).to_have_count(2)
    panel.get_by_text("Who is listening?", exact=True).click()
    panel.locator(".pg-listener summary").first.click()
    expect(panel.locator(".pg-listener .highlight").first).to_be_visible()
    panel.locator("a.pg-row__open").first.click()
    expect(panel.locator("details.pg-row__edit[open]")).to_have_count(1)


@pytest.mark.parametrize("path", ["/playground/custom-signals/", "/lessons/post-save/"])
def test_a_busy_playground_has_no_axe_violations(page: Page, site, axe_source, path):
    open_ready(page, site + path)
    fill_the_playground(page)
    log = page.locator(".pg-log")
    assert log.evaluate("log => log.scrollHeight > log.clientHeight"), "the log does not scroll"

    assert_no_violations_in_either_theme(page, axe_source, f"{path} after some work")


@pytest.fixture
def finished_run(monkeypatch):
    """The "Run on this machine" button answers with a finished run showing every part
    of the view (a pass, a failure with its message, a skip, pytest's last
    lines), without starting pytest."""
    run = TestRun.objects.create(
        lesson_slug="senders",
        status=TestRun.Status.FAILED,
        output_tail="FAILED tests/lessons/test_senders.py::test_two - assert 1 == 2",
    )
    for position, (name, outcome, message) in enumerate(
        [
            ("test_one", "passed", ""),
            ("test_two", "failed", "assert 1 == 2"),
            ("test_three", "skipped", "not on SQLite"),
        ]
    ):
        TestOutcome.objects.create(
            run=run, position=position, name=name, outcome=outcome, message=message
        )
    monkeypatch.setattr(testruns, "start_run", lambda slug: run)
    monkeypatch.setattr(testruns, "execute_in_background", lambda run: None)
    return run


def test_test_run_view_has_no_axe_violations(page: Page, site, axe_source, finished_run):
    open_ready(page, site + "/lessons/senders/")
    page.get_by_role("button", name="Run on this machine").click()
    expect(page.locator(".test-run")).to_have_attribute("data-status", "failed")
    page.get_by_text("pytest’s last lines").click()

    assert_no_violations_in_either_theme(page, axe_source, "the test-run view")
