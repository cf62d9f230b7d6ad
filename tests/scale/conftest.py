"""Helpers for the scale tests: production-mode gunicorn servers and visitors.

The servers are started exactly as ``make serve`` starts them (``DJANGO_DEBUG=0``,
``migrate``, ``collectstatic``, gunicorn with gthread workers), each as a
subprocess with its own log file, and always stopped by a fixture's ``finally``.
Visitors speak plain HTTP through urllib with a cookie jar, like a browser
sending htmx requests.
"""

import contextlib
import html
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SCENARIO = "signals-101"
PAGE = f"/playground/{SCENARIO}/"
LIVE = f"/playground/{SCENARIO}/live/"
CREATE = f"/playground/{SCENARIO}/do/product-create/"
HTTP_TIMEOUT = 20  # seconds, per request (the SQLite busy timeout is 20 s too)
START_TIMEOUT = 40  # seconds for gunicorn to answer /healthz
MANAGE_TIMEOUT = 120  # seconds for migrate / collectstatic

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'data-version="(\d+)"')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path: Path, secret_key: str, **extra: str) -> dict[str, str]:
    """The environment ``make serve`` gives Django, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SQLITE_PATH", "DJANGO_SECURE_HTTPS", "TUTORIAL_LOCAL_MODE"}
        and not key.startswith("PYTEST")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tutorial.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(tmp_path / "media"),
        # A folder of its own: two collectstatic runs into one folder collide.
        STATIC_ROOT=str(tmp_path / "static"),
        # These tests measure concurrency, not the per-visitor rate limit.
        PLAYGROUND_ACTIONS_PER_MINUTE="100000",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def manage(env: dict[str, str], *args: str, attempts: int = 1) -> None:
    """``manage.py <args>`` as ``make serve`` runs it; fail with its output."""
    for attempt in range(1, attempts + 1):
        result = subprocess.run(
            [sys.executable, "manage.py", *args, "--no-input", "--verbosity", "0"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=MANAGE_TIMEOUT,
            check=False,
        )
        if result.returncode == 0:
            return
        if attempt < attempts:
            time.sleep(1)
    pytest.fail(
        f"manage.py {' '.join(args)} failed ({result.returncode}) after {attempts} "
        f"attempt(s):\n{result.stdout}\n{result.stderr}",
        pytrace=False,
    )


def prepare_site(env: dict[str, str]) -> None:
    """What ``make serve`` does before gunicorn: migrate, then collectstatic."""
    manage(env, "migrate")
    manage(env, "collectstatic")


def gunicorn_command(port: int) -> list[str]:
    """``make serve``'s gunicorn command line (see the Makefile)."""
    script = Path(sys.executable).with_name("gunicorn")
    start = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    return [
        *start,
        "tutorial.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--no-control-socket",
        "--config",
        "python:tutorial.gunicorn_conf",
    ]


class Server:
    """One production-mode gunicorn (master and workers) on a loopback port."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path):
        self.name = name
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self._log = None

    def command(self) -> list[str]:
        return gunicorn_command(self.port)

    def start(self) -> None:
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command(),
            cwd=BASE_DIR,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches the workers
        )

    def wait_until_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"server {self.name} exited with {self.process.returncode} before "
                    f"answering /healthz:\n{self.log_tail()}",
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200 and response.read() == b"ok":
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        pytest.fail(
            f"server {self.name} did not answer /healthz within {timeout} s:\n{self.log_tail()}",
            pytrace=False,
        )

    def stop(self) -> None:
        """Stop master and workers; safe to call twice."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        elif process is not None:
            # The master is gone; make sure no orphaned worker of its group is left.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def error_lines(self) -> list[str]:
        """Log lines that are not access-log lines of a 2xx/3xx response."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if re.search(r'" [23]\d\d ', line) or "[INFO]" in line:
                continue
            found.append(line)
        return found


@pytest.fixture
def start_server(tmp_path):
    """Start production-mode gunicorn servers; all are stopped afterwards."""
    servers: list[Server] = []

    def start(name: str, env: dict[str, str]) -> Server:
        server = Server(name, env, tmp_path / f"gunicorn-{name}.log")
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


class Proxy(Server):
    """A reverse proxy process (tests/scale/proxy.py) in front of ``upstream``,
    adding the client's address to X-Forwarded-For as nginx does."""

    def __init__(self, name: str, upstream: Server, log_path: Path):
        super().__init__(name, upstream.env, log_path)
        self.upstream = upstream

    def command(self) -> list[str]:
        script = Path(__file__).with_name("proxy.py")
        return [sys.executable, str(script), str(self.port), str(self.upstream.port)]


@pytest.fixture
def start_proxy(tmp_path):
    """Start proxies in front of started servers; all are stopped afterwards."""
    proxies: list[Proxy] = []

    def start(name: str, upstream: Server) -> Proxy:
        proxy = Proxy(name, upstream, tmp_path / f"proxy-{name}.log")
        proxies.append(proxy)
        proxy.start()
        return proxy

    try:
        yield start
    finally:
        for proxy in proxies:
            proxy.stop()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the response it is, like a counted 302."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Visitor:
    """One browser: a cookie jar shared by every server it talks to."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )
        self.csrf_token = ""

    def request(self, url: str, data: dict | None = None, headers: dict | None = None):
        """Return (status, body text); HTTP errors are answers too."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=HTTP_TIMEOUT) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode("utf-8", "replace")

    def open_page(self, server_url: str) -> tuple[str, int]:
        """GET the scenario page: return its HTML and the sandbox version it shows."""
        status, text = self.request(server_url + PAGE)
        assert status == 200, f"GET {PAGE} on {server_url} answered {status}"
        return text, self.open_page_html(text)

    def open_page_html(self, text: str) -> int:
        """Take the CSRF token from a scenario page; return the version it shows."""
        token = CSRF_INPUT.search(text)
        assert token, "the scenario page has no CSRF token"
        self.csrf_token = token.group(1)
        version = VERSION.search(text)
        assert version, "the scenario page shows no sandbox version"
        return int(version.group(1))

    def post(self, server_url: str, path: str, fields: dict[str, str]):
        """POST a form the way htmx does (HX-Request, CSRF token and cookie)."""
        return self.request(
            server_url + path,
            data={"csrfmiddlewaretoken": self.csrf_token, **fields},
            headers={"HX-Request": "true", "Referer": server_url + PAGE},
        )

    def create_product(self, server_url: str, name: str, price: str = "9.99", stock: int = 1):
        return self.post(
            server_url,
            CREATE,
            {
                "product-create-name": name,
                "product-create-price": price,
                "product-create-stock": str(stock),
            },
        )

    def edit_product(
        self, server_url: str, pk: int, version: str, name: str, price: str, stock: int
    ):
        """Submit the row's Edit form; ``version`` is the one the form showed
        (``edit_version``), as a browser would send it back."""
        prefix = f"product-{pk}-edit"
        return self.post(
            server_url,
            f"{PAGE}product/{pk}/edit/",
            {
                f"{prefix}-version": version,
                f"{prefix}-name": name,
                f"{prefix}-price": price,
                f"{prefix}-stock": str(stock),
            },
        )

    def delete_product(self, server_url: str, pk: int):
        return self.post(server_url, f"{PAGE}product/{pk}/delete/", {})


def product_pk(page_html: str, name: str) -> int | None:
    """The pk of the row showing a product called ``name``, if any."""
    row = re.search(
        r'<li class="pg-row" id="product-(\d+)">\s*<div class="pg-row__main">\s*'
        rf'<strong class="pg-row__name">{re.escape(html.escape(name))}</strong>',
        page_html,
    )
    return int(row.group(1)) if row else None


def edit_version(page_html: str, pk: int) -> str | None:
    """The version the Edit form of product ``pk`` carries, if it is shown."""
    field = re.search(
        rf'<input type="hidden" name="product-{pk}-edit-version" value="([^"]+)"', page_html
    )
    return field.group(1) if field else None


def created_label(name: str) -> str:
    return f"Created Product {name!r}"
