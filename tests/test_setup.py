"""The set-up the README promises: interpreter and npm checks, and browser discovery."""

import shutil
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import find_chromium, missing_browser_outcome


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_stops_with_one_line_when_no_python_312_exists(tmp_path):
    venv = tmp_path / "venv"

    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            f"{venv}/bin/python",
            f"VENV={venv}",
            "PYTHON_CANDIDATES=no-such-python false",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: Python 3.12 or newer is required but none was found "
        "(install it, e.g. 'pyenv install 3.13')"
    )
    assert not venv.exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_stops_with_one_line_when_npm_is_missing(tmp_path):
    stamp = tmp_path / "node_modules" / ".installed"

    result = subprocess.run(
        [shutil.which("make"), "--no-print-directory", str(stamp), f"NODE_STAMP={stamp}"],
        cwd=settings.BASE_DIR,
        env={"PATH": str(tmp_path)},  # nothing to run there, npm included
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: npm is required to install Pyodide and axe-core but was not found "
        "(install Node.js 20 and npm, e.g. 'apt-get install nodejs npm')"
    )
    assert not stamp.exists()


def test_missing_browser_fails_under_ci_and_skips_otherwise():
    assert missing_browser_outcome({"CI": "true", "CHROMIUM_PATH": "/opt/none"}) == (
        "fail",
        "Chromium not found at /opt/none; install Debian's chromium package "
        "(CI=true requires the browser tests to run)",
    )
    assert missing_browser_outcome({"CHROMIUM_PATH": "/opt/none"}) == (
        "skip",
        "Chromium not found at /opt/none; install Debian's chromium package",
    )


def test_chromium_path_variable_wins_and_must_exist(monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setenv("CHROMIUM_PATH", str(fake))
    assert find_chromium() == str(fake)

    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "missing"))
    assert find_chromium() is None


def test_gunicorn_workers_hand_the_gil_over_every_half_millisecond():
    from tutorial import gunicorn_conf

    before = sys.getswitchinterval()
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert sys.getswitchinterval() == 0.0005
    finally:
        sys.setswitchinterval(before)
