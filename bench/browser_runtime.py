"""The lesson tests' browser runtime, measured in Chromium (issue 12).

A learner presses "Run these tests" on a lesson page, and the lesson's pytest
module runs in Pyodide in a Web Worker (``lessons/static/lessons/tests.js``,
``test-worker.mjs``). Each trial measures, against the benchmark's server:

- a cold first run: a new browser profile (empty cache), the lesson page,
  the press, until the run is done; the bytes on the wire for all of it;
- a second press on the same page, until done;
- a warm visit: a new page in the same profile (the files in its HTTP cache),
  pressed as soon as the page has loaded;
- a warm visit by a learner who reads first: a new page again, pressed once
  it has prepared Python (``data-runtime="ready"``: the page starts Python
  as it loads, once the learner has run tests before);
- bare Pyodide, ``loadPyodide()`` on a lesson page, just before the cold
  run in a new profile of its own and just after the warm visit in the
  warm visit's profile: the yardstick for the times above, taken beside
  them, in the same cache state. Pyodide as npm ships it (the yardstick),
  and as the site serves it, its standard library compiled
  (``lessons/runtime/bytecode.py``), which starts it several times faster.

Times are taken inside the page (``performance.now()``): a press starts when
the pointer enters the button, where the page starts Python; a run's first
result is its first ``.test-run__item``; it is done when ``.test-run`` leaves
``data-status="running"``.
"""

import contextlib
import hashlib
import json
import shutil
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from bench import client
from lessons.runtime.build import PYODIDE_PACKAGE
from tests.conftest import CHROMIUM_ARGS, find_chromium

LESSON_PATH = client.LESSON_PATH
RUN_TIMEOUT_MS = 180_000  # a cold run on a busy 2-core machine
# tests.js starts Python as a lesson page loads once this is set (by a press).
USED_KEY = "browser-tests-used"

# Marks a press, the run's first result and its end, in page time (ms), into
# window.benchRun; Python resets it before each press.
WATCH_RUNS = """() => {
  const button = document.querySelector("[data-run-tests]");
  const results = document.getElementById("browser-test-run");
  const mark = (name) => {
    if (window.benchRun[name] === undefined) window.benchRun[name] = performance.now();
  };
  // Capturing on window runs before the page's own listeners on the button.
  for (const type of ["pointerenter", "click"]) {
    window.addEventListener(type, (event) => { if (event.target === button) mark("press"); }, true);
  }
  new MutationObserver(() => {
    if (results.querySelector(".test-run__item")) mark("first");
    const run = results.querySelector(".test-run");
    if (run && run.dataset.status !== "running") {
      mark("done");
      window.benchRun.status = run.dataset.status;
    }
  }).observe(results, {subtree: true, childList: true, attributes: true});
  window.benchRun = {};
}"""

LOAD_PYODIDE = """async ([indexURL, stdLibURL]) => {
  const started = performance.now();
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  await loadPyodide({ indexURL, stdLibURL });
  return performance.now() - started;
}"""

STOCK_STDLIB = PYODIDE_PACKAGE / "python_stdlib.zip"


def stock_stdlib_name() -> str:
    """Under STATIC_URL; content-hashed, so served as the runtime's files are."""
    digest = hashlib.sha256(STOCK_STDLIB.read_bytes()).hexdigest()[:12]
    return f"runtime/stock-{digest}.zip"


def stock_static(folder: Path) -> Path:
    """A static folder with Pyodide's standard library as npm ships it, for
    the benchmark's server (bench/settings.py)."""
    target = folder / stock_stdlib_name()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STOCK_STDLIB, target)
    return folder


@dataclass
class Trial:
    """One trial's figures; times in seconds."""

    files: dict[str, int]  # bytes on the wire by path, for the cold first run
    warm_bytes: int  # bytes on the wire for the warm visit (its files are cached)
    bare_cold: float  # the yardstick: Pyodide as npm ships it
    bare_warm: float
    site_bare_cold: float  # Pyodide as the site serves it
    site_bare_warm: float
    cold_first: float
    cold_done: float
    second_done: float
    warm_first: float
    prepared_first: float  # warm, pressed once the page has prepared Python

    @property
    def cold_bytes(self) -> int:
        return sum(self.files.values())


@dataclass
class Marks:
    """One run's times from the press, in seconds."""

    first: float
    done: float


def wire_bytes(requests) -> dict[str, int]:
    """Bytes received for each path (query strings dropped, so the page's
    polls add up as one): headers and the body as sent, compressed.
    Playwright counts the requests of the page's workers too."""
    files: dict[str, int] = {}
    for request in requests:
        sizes = request.sizes()
        path = urllib.parse.urlsplit(request.url).path
        files[path] = files.get(path, 0) + sizes["responseHeadersSize"] + sizes["responseBodySize"]
    return files


def runtime_urls(page: Page) -> dict:
    return json.loads(page.locator("#browser-runtime").text_content())


def check_worker_counted(files: dict[str, int], runtime: dict) -> None:
    """The runtime is downloaded by the worker: were its requests counted?"""
    expected = {runtime["pyodide"] + "pyodide.asm.wasm", runtime["packages"], runtime["project"]}
    if missing := expected - files.keys():
        raise RuntimeError(f"the worker's downloads were not counted: {sorted(missing)}")


def press_and_wait(page: Page) -> Marks:
    page.evaluate("window.benchRun = {}")
    page.get_by_role("button", name="Run these tests").click()
    page.locator('.test-run:not([data-status="running"])').wait_for(timeout=RUN_TIMEOUT_MS)
    marks = page.evaluate("window.benchRun")
    if marks["status"] != "passed":
        raise RuntimeError(f"a run in the browser ended {marks['status']!r}, not 'passed'")
    since_press = {name: (marks[name] - marks["press"]) / 1000 for name in ("first", "done")}
    return Marks(**since_press)


def open_lesson(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url + LESSON_PATH)
    page.evaluate(WATCH_RUNS)
    return page


def bare_pyodide(context: BrowserContext, url: str, *, stock: bool) -> float:
    """Seconds for loadPyodide() on a lesson page that has not started Python:
    with the standard library as npm ships it (``stock``), or as the site
    serves it."""
    page = context.new_page()
    page.goto(url + LESSON_PATH)
    stdlib = f"{url}/static/{stock_stdlib_name()}" if stock else None
    seconds = page.evaluate(LOAD_PYODIDE, [runtime_urls(page)["pyodide"], stdlib]) / 1000
    page.close()
    return seconds


@contextlib.contextmanager
def new_profile(playwright: Playwright):
    """Chromium with a new profile: an empty cache, as on a learner's first
    visit. A profile on disk, not an in-memory context: its HTTP cache is a
    disk cache, as in a learner's browser, kept for the second visit."""
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as folder:
        context = playwright.chromium.launch_persistent_context(
            folder, executable_path=find_chromium(), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield context
        finally:
            context.close()


def trial(playwright: Playwright, url: str) -> Trial:
    with new_profile(playwright) as context:
        bare_cold = bare_pyodide(context, url, stock=True)
    with new_profile(playwright) as context:
        site_bare_cold = bare_pyodide(context, url, stock=False)
    with new_profile(playwright) as context:
        finished = []
        context.on("requestfinished", lambda request: finished.append(request))
        page = open_lesson(context, url)
        cold = press_and_wait(page)
        files = wire_bytes(finished)
        check_worker_counted(files, runtime_urls(page))
        second = press_and_wait(page)
        page.close()
        # tests.js now starts Python as soon as a lesson page loads.
        finished.clear()
        page = open_lesson(context, url)
        warm = press_and_wait(page)
        warm_bytes = sum(wire_bytes(finished).values())
        page.close()
        page = open_lesson(context, url)
        page.locator('[data-browser-tests][data-runtime="ready"]').wait_for(timeout=RUN_TIMEOUT_MS)
        prepared = press_and_wait(page)
        # Not on the next page, whose Python is bare Pyodide's alone.
        page.evaluate(f"localStorage.removeItem({json.dumps(USED_KEY)})")
        page.close()
        site_bare_warm = bare_pyodide(context, url, stock=False)
        bare_pyodide(context, url, stock=True)  # its standard library into the cache
        bare_warm = bare_pyodide(context, url, stock=True)
    return Trial(
        files=files,
        warm_bytes=warm_bytes,
        bare_cold=bare_cold,
        bare_warm=bare_warm,
        site_bare_cold=site_bare_cold,
        site_bare_warm=site_bare_warm,
        cold_first=cold.first,
        cold_done=cold.done,
        second_done=second.done,
        warm_first=warm.first,
        prepared_first=prepared.first,
    )


def measure(url: str, trials: int) -> list[Trial]:
    with sync_playwright() as playwright:
        return [trial(playwright, url) for _ in range(trials)]
