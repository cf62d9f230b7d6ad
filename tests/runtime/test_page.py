"""What a lesson page gives its "Run these tests" button, in every mode."""

import json
import re

import pytest

from lessons.runtime import build, files


def runtime_json(html: str) -> dict:
    found = re.search(r'<script id="browser-runtime" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


@pytest.mark.parametrize("local_mode", [False, True])
def test_every_lesson_page_runs_its_tests_in_the_browser(client, settings, local_mode):
    settings.LOCAL_MODE = local_mode
    manifest = json.loads(build.MANIFEST.read_text())

    html = client.get("/lessons/senders/").content.decode()

    assert '<button type="button" class="button" data-run-tests>Run these tests</button>' in html
    assert 'data-module="tests/lessons/test_senders.py" data-lesson="senders"' in html
    assert runtime_json(html) == {
        "worker": "/static/lessons/test-worker.mjs",
        "pyodide": "/static/" + manifest["pyodide"],
        "packages": "/static/" + manifest["packages"],
        "project": "/static/" + manifest["project"],
        "bytes": manifest["bytes"],
        "timeLimit": 60,
    }
    assert ("Run on this machine" in html) is local_mode


def test_the_time_limit_comes_from_the_settings(client, settings):
    settings.LOCAL_MODE = True  # no page cache
    settings.LESSON_TEST_BROWSER_TIME_LIMIT = 7

    html = client.get("/lessons/senders/").content.decode()

    assert runtime_json(html)["timeLimit"] == 7


def test_without_a_built_runtime_the_button_says_how_to_build_it(client, settings, monkeypatch):
    settings.LOCAL_MODE = True
    monkeypatch.setattr(files, "_manifest_text", lambda: None)

    html = client.get("/lessons/senders/").content.decode()

    assert 'id="browser-runtime"' not in html
    assert "data-run-tests disabled>Run these tests</button>" in html
    assert "The browser runtime is not built on this server (<code>make runtime</code>)." in html


def test_the_policy_allows_webassembly_and_the_worker_and_nothing_wider(client):
    policy = client.get("/lessons/senders/")["Content-Security-Policy"]

    assert "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self';" in policy
    assert "'unsafe-eval'" not in policy
    assert "default-src 'self';" in policy
