"""What the benchmark sends: sessions with a sandbox, polls and create POSTs."""

import html
import re
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from loadgen import Connection, Response, build_request

SCENARIO = "signals-101"
LESSON_PATH = f"/lessons/{SCENARIO}/"
PLAYGROUND_PATH = f"/playground/{SCENARIO}/"
CREATE_PATH = f"/playground/{SCENARIO}/do/product-create/"
# The baseline: the same create with no receivers (bench/baseline.py).
PLAIN_CREATE_PATH = "/bench/plain-create/"
# Each sandbox starts with 3 example products and holds at most 100.
CREATES_PER_SANDBOX = 97

POLLER = re.compile(r'<div id="pg-poller"[^>]*hx-get="([^"]+)"[^>]*data-version="(\d+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Visitor:
    """A browser session that has its own sandbox."""

    cookie: str
    csrf_token: str
    live_path: str  # /playground/<slug>/live/?v=<current version>
    version: int  # the sandbox's version when the page was loaded


def _cookies(response: Response) -> dict[str, str]:
    cookies = {}
    for header in response.header_values("set-cookie"):
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies


def new_visitor(connection: Connection, host: str) -> Visitor:
    """GET the playground page without a cookie: Django creates a sandbox and
    a session; read the session and CSRF cookies, the form's CSRF token, and
    the live-poll URL with the sandbox's current version."""
    response = connection.request(build_request("GET", PLAYGROUND_PATH, host), keep_headers=True)
    if response.status != 200:
        raise RuntimeError(f"GET {PLAYGROUND_PATH} answered {response.status}")
    page = response.body.decode()
    cookies = _cookies(response)
    poller, token = POLLER.search(page), CSRF_INPUT.search(page)
    if "sessionid" not in cookies or "csrftoken" not in cookies or not poller or not token:
        raise RuntimeError("the playground page lacks a session, CSRF token or pg-poller")
    return Visitor(
        cookie=f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
        csrf_token=html.unescape(token.group(1)),
        live_path=html.unescape(poller.group(1)),
        version=int(poller.group(2)),
    )


def get(path: str, host: str, visitor: Visitor | None = None) -> bytes:
    headers = {"Cookie": visitor.cookie} if visitor else {}
    return build_request("GET", path, host, headers=headers)


def live_poll(visitor: Visitor, host: str) -> bytes:
    return build_request(
        "GET", visitor.live_path, host, headers={"Cookie": visitor.cookie, "HX-Request": "true"}
    )


def create_post(visitor: Visitor, host: str, number: int, path: str = CREATE_PATH) -> bytes:
    """The "Create product" POST as the page's htmx sends it, from a page
    that has seen the visitor's ``number - 1`` earlier creates (each one
    bumps the sandbox's version by one)."""
    body = urlencode(
        {
            "csrfmiddlewaretoken": visitor.csrf_token,
            "product-create-name": f"Bench product {number}",
            "product-create-price": "9.99",
            "product-create-stock": "7",
        }
    ).encode()
    return build_request(
        "POST",
        path,
        host,
        headers={
            "Cookie": visitor.cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
            "HX-Target": "playground",
            "X-Playground-Version": str(visitor.version + number - 1),
        },
        body=body,
    )


class CreateSource:
    """Create POSTs for each load thread. A thread keeps one visitor (one
    sandbox, whose version it follows) and takes the next fresh one from the
    shared pool before a sandbox would be full; when the pool is empty the
    thread stops, and the run says so. No 409 "limit reached" is ever
    measured as a create."""

    def __init__(self, visitors: list[Visitor], host: str, path=CREATE_PATH):
        self.pool = list(visitors)
        self.host = host
        self.path = path
        self.lock = threading.Lock()
        self.current: dict[int, tuple[Visitor, int]] = {}

    def __call__(self, index: int) -> bytes | None:
        visitor, sent = self.current.get(index, (None, CREATES_PER_SANDBOX))
        if sent >= CREATES_PER_SANDBOX:
            with self.lock:
                if not self.pool:
                    return None
                visitor, sent = self.pool.pop(), 0
        self.current[index] = (visitor, sent + 1)
        return create_post(visitor, self.host, sent + 1, self.path)
