"""Helpers for the scale tests: production-mode gunicorn servers and visitors.

The servers are started exactly as ``make serve`` starts them, by
``bench/serving.py`` (shared with the benchmark), each as a subprocess with
its own log file, and always stopped by a fixture's ``finally``. Visitors
speak plain HTTP through urllib with a cookie jar, like a browser sending
htmx requests.
"""

import html
import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench.serving import Server

SCENARIO = "signals-101"
PAGE = f"/playground/{SCENARIO}/"
LIVE = f"/playground/{SCENARIO}/live/"
CREATE = f"/playground/{SCENARIO}/do/product-create/"
HTTP_TIMEOUT = 20  # seconds, per request (the SQLite busy timeout is 20 s too)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'data-version="(\d+)"')


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

    def open_row(self, server_url: str, pk: int):
        """Open a product's row, as its "Edit" link does: the row with its forms."""
        return self.request(f"{server_url}{PAGE}product/{pk}/", headers={"HX-Request": "true"})

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
    """The version the Edit form of product ``pk`` carries, if it is shown
    (in its opened row, ``Visitor.open_row``)."""
    field = re.search(
        rf'<input type="hidden" name="product-{pk}-edit-version" value="([^"]+)"', page_html
    )
    return field.group(1) if field else None


def created_label(name: str) -> str:
    return f"Created Product {name!r}"
