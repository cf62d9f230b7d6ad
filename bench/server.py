"""Start the site the way ``make serve`` does, on loopback, and always stop it.

Production mode (``DJANGO_DEBUG=0``), a fresh SQLite file and media folder in
a temporary directory, ``migrate`` and ``collectstatic``, then gunicorn with
two gthread workers of four threads, as ``make serve`` does; static files
and media go to the temporary directory too.
"""

import contextlib
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Variables the benchmark sets itself; any value in the caller's shell is dropped.
OWN_VARIABLES = (
    "DJANGO_",
    "DATABASE_URL",
    "TUTORIAL_",
    "SQLITE_PATH",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "PLAYGROUND_",
)


def production_env(tmp: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(OWN_VARIABLES)}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SQLITE_PATH=str(tmp / "bench.sqlite3"),
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
        # One client address plays hundreds of visitors, each going far
        # faster than a person: lift the per-visitor limits (the limit checks
        # themselves still run on every request, as on the real site).
        PLAYGROUND_NEW_SANDBOXES_PER_HOUR="1000000",
        PLAYGROUND_ACTIONS_PER_MINUTE="1000000",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{log_path.read_text()[-4000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "/healthz", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT}s")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's process group, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def running_site(workers: int = 2, threads: int = 4, app: str = "tutorial.wsgi", extra_env=None):
    """Yield ``(base_url, gunicorn_pid, sqlite_path)``; the server is stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="tutorial-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = production_env(tmp) | dict(extra_env or {})
        manage = [sys.executable, "manage.py"]
        _run([*manage, "migrate", "--no-input", "--verbosity", "0"], env)
        _run([*manage, "collectstatic", "--no-input", "--verbosity", "0"], env)
        port = free_port()
        log_path = tmp / "gunicorn.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    app,
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    str(threads),
                    "--error-logfile",
                    "-",
                    "--no-control-socket",
                    "--config",
                    "python:tutorial.gunicorn_conf",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so stopping it stops its workers too.
                start_new_session=True,
            )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url, process, log_path)
            yield url, process.pid, Path(env["SQLITE_PATH"])
        finally:
            _stop(process)
            errors = [
                line
                for line in log_path.read_text().splitlines()
                if "[ERROR]" in line or "Traceback" in line or "[CRITICAL]" in line
            ]
            if errors:
                print("gunicorn logged errors:", *errors[-20:], sep="\n  ", file=sys.stderr)


def checkpoint(database: Path) -> None:
    """Move the WAL's pages into the database file now, so that a run does
    not pay for the writes of what came before it (SQLite otherwise does
    it in whichever request crosses 1000 pages)."""
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            # fields[1] is ppid, [11] utime, [12] stime (after the "comm" field).
            if int(stat.parent.name) == pid or int(fields[1]) == pid:
                total += int(fields[11]) + int(fields[12])
    return total / ticks
