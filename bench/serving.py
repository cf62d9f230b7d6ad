"""Start the site the way ``make serve`` does, on a loopback port, and stop it.

Shared by the benchmark (``bench/run.py``) and the scale tests
(``tests/scale/``): both need a production-mode server of their own, with a
fresh database, media and static folder in a temporary directory, and both
must stop it (master and workers) whatever happens. The server itself is
``gunicorn -c python:tutorial.gunicorn_conf tutorial.wsgi``, as in the
Makefile; everything else is environment.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
MANAGE_TIMEOUT = 300  # seconds for migrate / collectstatic

# Variables the servers get from production_env() alone; a value in the
# caller's shell (a developer's DATABASE_URL, pytest's own) is dropped.
OWN_VARIABLES = (
    "DJANGO_",
    "DATABASE_URL",
    "TUTORIAL_",
    "SQLITE_PATH",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "PLAYGROUND_",
    "PYTEST",
    "HOST",
    "PORT",
    "WEB_CONCURRENCY",
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment ``make serve`` gives Django, with its files in
    ``folder``, then ``extra`` (``DATABASE_URL=…`` for PostgreSQL, say)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(OWN_VARIABLES)}
    env.update(
        DJANGO_SETTINGS_MODULE="tutorial.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SQLITE_PATH=str(folder / "db.sqlite3"),
        MEDIA_ROOT=str(folder / "media"),
        # A folder of its own: two collectstatic runs into one folder collide.
        STATIC_ROOT=str(folder / "static"),
        # One client address plays many visitors, each far faster than a
        # person: lift the per-visitor limits (their checks still run).
        PLAYGROUND_NEW_SANDBOXES_PER_HOUR="1000000",
        PLAYGROUND_ACTIONS_PER_MINUTE="1000000",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args, "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=MANAGE_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def prepare_site(env: dict[str, str]) -> None:
    """What ``make serve`` does before gunicorn: migrate, then collectstatic."""
    manage(env, "migrate")
    manage(env, "collectstatic")


def gunicorn_command() -> list[str]:
    return [
        str(Path(sys.executable).with_name("gunicorn")),
        "-c",
        "python:tutorial.gunicorn_conf",
        "tutorial.wsgi",
    ]


class Server:
    """One production-mode gunicorn (master and workers) on a loopback port,
    logging to ``log_path``."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path):
        self.name = name
        self.port = free_port()
        self.env = env | {"HOST": "127.0.0.1", "PORT": str(self.port)}
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return gunicorn_command()

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() reaches the workers
            )

    def wait_until_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server {self.name} exited with {self.process.returncode} before "
                    f"answering /healthz:\n{self.log_tail()}"
                )
            with suppress(OSError), urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                if r.status == 200 and r.read() == b"ok":
                    return
            time.sleep(0.1)
        raise RuntimeError(f"server {self.name} did not answer /healthz within {timeout} s")

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers; safe to call twice."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
                return
            except subprocess.TimeoutExpired:
                pass
        # Still running, or the master is gone: leave no worker of its group behind.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def error_lines(self) -> list[str]:
        """Log lines that are not access-log lines of a 2xx/3xx answer or notices."""
        return [
            line
            for line in self.log_path.read_text(errors="replace").splitlines()
            if not re.search(r'" [23]\d\d ', line) and "[INFO]" not in line
        ]
