""" "Run these tests" in Chromium, against the site as ``make serve`` runs it.

Production mode (gunicorn, collectstatic, local mode off): the lesson's
pytest module runs in the learner's browser, in Pyodide, and the server only
serves files. A test that must fail, or must never end, is put into the
project archive the browser downloads (``page.route``), so every other part
(the page, the worker, the runtime) is the real one.
"""

import io
import json
import re
import subprocess
import sys
import urllib.request
import zipfile

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from bench.serving import Server
from lessons.runtime.build import deterministic_zip
from tests.browser.test_accessibility import (
    assert_no_violations_in_either_theme,
    screenshot_in_each_theme_and_width,
)

pytestmark = pytest.mark.front_end

RUN_TIMEOUT = 120_000  # ms: a cold first run on a busy 2-core machine


def browser_runnable(*slugs: str) -> dict[str, int]:
    """How many of each lesson's tests are not marked not_in_browser (CPython collects them)."""
    modules = {f"tests/lessons/test_{slug.replace('-', '_')}.py": slug for slug in slugs}
    collected = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", *modules, "--collect-only", "-q"),
            *("-p", "no:playwright", "-p", "no:cacheprovider", "-o", "addopts=--strict-markers"),
            *("-m", "not not_in_browser"),
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in collected.stdout.splitlines() if "::" in line]
    return {
        slug: sum(line.startswith(module + "::") for line in lines)
        for module, slug in modules.items()
    }


def runtime_requests(server: Server) -> list[str]:
    """The runtime files the server has sent so far, from its access log."""
    return re.findall(r'"GET (/static/runtime/\S+) ', server.log_path.read_text())


# What the server may answer while a lesson page runs its tests: files, the
# playground and its polls, and the predict exercises' forms (loaded apart
# from the cached page, maybe after the press).
SERVED_ONLY = re.compile(
    r"GET /(static|playground)/|GET /lessons/[\w-]+/exercises/[\w-]+/prediction/$"
)


def access_log(server: Server) -> list[str]:
    return re.findall(r'"([A-Z]+ \S+) HTTP', server.log_path.read_text())


def press_run(page: Page) -> None:
    page.get_by_role("button", name="Run these tests").click()


def expect_finished(page: Page, status: str) -> None:
    expect(page.locator(".test-run")).to_have_attribute("data-status", status, timeout=RUN_TIMEOUT)


@pytest.fixture(autouse=True)
def same_origin_only(page: Page, served):
    """Fails any test here whose page or worker asks another origin for anything."""
    elsewhere = []

    def check(request):
        if not request.url.startswith(served.url + "/"):
            elsewhere.append(request.url)

    page.context.on("request", check)
    yield
    assert elsewhere == []


def test_lessons_run_in_the_browser_the_server_only_serves_files_once(page: Page, served):
    """Three lessons, one after the other: the first visit downloads the
    runtime; the later ones start Python again from the browser's cache."""
    sent_before = runtime_requests(served)
    runnable = browser_runnable("signals-101", "post-save", "gotchas")
    for slug, expected in runnable.items():
        assert expected >= 15
        page.goto(f"{served.url}/lessons/{slug}/")
        before = len(access_log(served))
        if slug != "signals-101":
            # After a first run, a lesson page prepares Python while it is read.
            expect(page.locator('[data-browser-tests][data-runtime="ready"]')).to_have_count(
                1, timeout=RUN_TIMEOUT
            )

        press_run(page)

        expect_finished(page, "passed")
        expect(page.locator(".test-run__status")).to_have_text(
            f"Passed {expected} tests: {expected} passed"
        )
        expect(page.locator("[data-run-results] .test-run__item--passed")).to_have_count(expected)
        expect(page.locator(".test-run__item--failed")).to_have_count(0)
        # Since the press the server sent static files and the page's
        # playground its polls: it ran nothing.
        since = access_log(served)[before:]
        assert [line for line in since if not SERVED_ONLY.match(line)] == []
        if slug == "signals-101":
            first_visit = runtime_requests(served)[len(sent_before) :]
            # Each runtime file once: Python's own and the two archives.
            assert sorted(re.sub(r"-[0-9a-f]{12}", "", path) for path in first_visit) == [
                "/static/runtime/packages.zip",
                "/static/runtime/project.zip",
                "/static/runtime/pyodide/pyodide-lock.json",
                "/static/runtime/pyodide/pyodide.asm.mjs",
                "/static/runtime/pyodide/pyodide.asm.wasm",
                "/static/runtime/pyodide/pyodide.mjs",
                "/static/runtime/pyodide/python_stdlib.zip",
            ]
            elsewhere = page.locator("[data-run-elsewhere]")
            expect(elsewhere.get_by_role("heading")).to_have_text("Not run in the browser: 1 test")
            expect(elsewhere).to_contain_text("make test-lesson LESSON=signals-101")
            expect(elsewhere.locator(".test-run__name")).to_have_text(
                ["test_an_async_receiver_runs_after_the_sync_ones_in_another_thread"]
            )
            expect(elsewhere.locator(".test-run__reason")).to_have_text(
                ["an async receiver runs in another thread"]
            )
            sent_before = runtime_requests(served)
        else:
            # A later visit: no runtime file again, and nothing left to the server.
            assert runtime_requests(served) == sent_before
            expect(page.locator("[data-run-elsewhere]")).to_be_hidden()


def project_with(served: Server, test_module: str) -> bytes:
    """The project archive the site serves, with test_senders.py replaced."""
    page_html = urllib.request.urlopen(f"{served.url}/lessons/senders/").read().decode()
    path = re.search(r'"project": "([^"]+)"', page_html).group(1)
    original = urllib.request.urlopen(served.url + path).read()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["tests/lessons/test_senders.py"] = test_module.encode()
    return deterministic_zip(files)


def serve_project(page: Page, served: Server, test_module: str) -> None:
    body = project_with(served, test_module)
    page.route(
        re.compile(r".*/static/runtime/project-[0-9a-f]+\.zip$"),
        lambda route: route.fulfill(status=200, body=body, content_type="application/zip"),
    )


def test_a_failing_test_shows_pytests_own_message(page: Page, served):
    serve_project(
        page,
        served,
        "def test_passes():\n    assert 1 + 1 == 2\n\n"
        "def test_fails():\n    assert [1, 2] == [2, 1]\n",
    )
    page.goto(f"{served.url}/lessons/senders/")

    press_run(page)

    expect_finished(page, "failed")
    expect(page.locator(".test-run__status")).to_have_text("Failed 2 tests: 1 failed, 1 passed")
    # A screen reader hears the end of the run once, not each result.
    expect(page.locator("[data-browser-tests] [data-run-announce]")).to_have_text(
        "Failed: 2 tests: 1 failed, 1 passed"
    )
    expect(page.locator(".test-run__name")).to_have_text(["test_passes", "test_fails"])
    message = page.locator(".test-run__item--failed .test-run__message")
    expect(message).to_contain_text("assert [1, 2] == [2, 1]")
    expect(message).to_contain_text("At index 0 diff: 1 != 2")


FOREVER = "def test_forever():\n    while True:\n        pass\n"


def test_stop_and_the_time_limit_end_a_run_that_never_ends(page: Page, served):
    serve_project(page, served, FOREVER)

    def three_second_limit(route):
        # The site's limit is a minute; the page reads it from the server's JSON.
        response = route.fetch()
        body = response.text().replace('"timeLimit": 60', '"timeLimit": 3')
        route.fulfill(response=response, body=body)

    page.route(f"{served.url}/lessons/senders/", three_second_limit)
    page.goto(f"{served.url}/lessons/senders/")

    press_run(page)
    stop = page.get_by_role("button", name="Stop")
    expect(page.locator("[data-browser-tests] [data-test-phase]")).to_have_text(
        "Collecting the tests…", timeout=RUN_TIMEOUT
    )
    stop.click()

    expect_finished(page, "stopped")
    expect(page.locator(".test-run__problem")).to_contain_text("You stopped the run.")
    expect(stop).to_be_hidden()
    expect(page.get_by_role("button", name="Run these tests")).to_be_focused()

    # A new worker replaced the stopped one; this run meets the time limit.
    press_run(page)
    expect_finished(page, "timed_out")
    expect(page.locator(".test-run__status")).to_contain_text("Time limit reached")
    expect(page.locator(".test-run__problem")).to_contain_text(
        "Stopped after 3 s, the time limit for one run."
    )


def test_without_webassembly_the_page_gives_the_shell_command(page: Page, served):
    page.add_init_script("delete globalThis.WebAssembly")
    page.goto(f"{served.url}/lessons/senders/")

    press_run(page)

    expect_finished(page, "error")
    expect(page.get_by_role("alert")).to_have_text(
        "This browser cannot run WebAssembly (or it is turned off), so Python cannot run "
        "in this page. From a shell in the project folder: make test-lesson LESSON=senders"
    )


def test_the_runtime_is_served_hashed_compressed_and_cached_for_good(served):
    page_html = urllib.request.urlopen(f"{served.url}/lessons/senders/").read().decode()
    pyodide = re.search(r'"pyodide": "([^"]+)"', page_html).group(1)
    request = urllib.request.Request(
        served.url + pyodide + "pyodide.asm.wasm", headers={"Accept-Encoding": "gzip"}
    )

    with urllib.request.urlopen(request) as response:
        headers = response.headers
        body = response.read()

    assert re.fullmatch(r"/static/runtime/pyodide-[0-9a-f]{12}/", pyodide)
    assert headers["Content-Type"] == "application/wasm"
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert "max-age=315360000" in headers["Cache-Control"]
    assert len(body) < 5_000_000  # 9.6 MB before compression
    # The zips are stored uncompressed and compressed whole on the way.
    runtime = json.loads(re.search(r'id="browser-runtime"[^>]*>([^<]+)<', page_html).group(1))
    for path in (pyodide + "python_stdlib.zip", runtime["packages"], runtime["project"]):
        request = urllib.request.Request(served.url + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip", path
            assert "immutable" in response.headers["Cache-Control"], path
    csp = urllib.request.urlopen(f"{served.url}/lessons/senders/").headers[
        "Content-Security-Policy"
    ]
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp
    assert "worker-src 'self';" in csp
    assert "unsafe-eval'" not in csp.replace("'wasm-unsafe-eval'", "")


EVERY_KIND = """\
import pytest


def test_passes():
    assert 1 + 1 == 2


def test_fails():
    assert {"price": 3} == {"price": 4}


@pytest.mark.skip(reason="not on SQLite")
def test_skipped():
    pass


@pytest.mark.not_in_browser("starts a thread")
def test_needs_a_thread():
    pass
"""


def test_a_run_reads_in_both_themes_at_any_width_with_no_axe_violations(
    page: Page, served, axe_source, screenshot_dir
):
    serve_project(page, served, EVERY_KIND)
    page.goto(f"{served.url}/lessons/senders/")

    press_run(page)

    expect_finished(page, "failed")
    expect(page.locator(".test-run__status")).to_have_text(
        "Failed 3 tests: 1 failed, 1 passed, 1 skipped"
    )
    expect(page.locator("[data-run-results] .test-run__outcome")).to_have_text(
        ["passed", "failed", "skipped"]
    )
    expect(page.locator("[data-run-elsewhere] .test-run__name")).to_have_text(
        ["test_needs_a_thread"]
    )
    assert_no_violations_in_either_theme(page, axe_source, "a test run in the browser")
    panel = page.locator("[data-browser-tests]")
    screenshot_in_each_theme_and_width(page, panel, "browser-test-run", screenshot_dir)
