"""Proves the claims of lesson 10, Request signals (lessons/content/request-signals.md).

Django's claims are proved with local receivers and small views in this
module (``pytest.mark.urls`` points ``ROOT_URLCONF`` here for those tests).
The "Try it" claims serve the site the way ``runserver`` does (its server
class, its request handler, one thread per TCP connection) and send the
learner's requests the way a browser does: over one connection it keeps
alive. Then they read the log the playground stored.
"""

import asyncio
import http.client
import logging
import re
import socketserver
import threading
from http.cookies import SimpleCookie
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.commands.runserver import Command as RunserverCommand
from django.core.servers.basehttp import (
    ThreadedWSGIServer,
    WSGIRequestHandler,
    get_internal_wsgi_application,
)
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.http import Http404, HttpResponse
from django.test import AsyncClient, Client, RequestFactory
from django.test.client import AsyncClientHandler, ClientHandler
from django.urls import path

from lessons.examples.request_signals import keep_temp_tables_in_memory
from playground.models import LogEntry, Sandbox
from playground.recording import live_receivers
from tests.playground.logged import sandbox_of as sandbox_of_session
from tests.playground.logged import stored

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "lessons" / "content" / "request-signals.md"
NAMES = {
    id(request_started): "request_started",
    id(request_finished): "request_finished",
    id(got_request_exception): "got_request_exception",
    id(connection_created): "connection_created",
}

# -- Views and URLs for the Django claims -------------------------------------------

events = []


def ok_view(request):
    events.append(("view", None, None))
    return HttpResponse("ok")


def make_raising_view(exception):
    def view(request):
        raise exception

    return view


def server_error(request):
    events.append(("handler500", None, None))
    return HttpResponse("server error", status=500)


def make_error_view(status):
    def client_error(request, exception):
        return HttpResponse("client error", status=status)

    return client_error


# Plain error views: the project's error templates link to its own URLs.
handler400, handler403, handler404 = (make_error_view(status) for status in (400, 403, 404))
handler500 = server_error

urlpatterns = [
    path("ok", ok_view),
    path("fail", make_raising_view(RuntimeError("view failed"))),
    path("missing", make_raising_view(Http404("no such page"))),
    path("forbidden", make_raising_view(PermissionDenied("no"))),
    path("bad", make_raising_view(BadRequest("bad"))),
    path("suspicious", make_raising_view(SuspiciousOperation("odd"))),
]


class RecordingMiddleware:
    """Notes when middleware first sees the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        events.append(("middleware", None, None))
        return self.get_response(request)


class RaisingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise RuntimeError("middleware failed")


@pytest.fixture
def request_events():
    """Record (signal name, sender, sorted kwarg names) for the four signals."""
    events.clear()

    def record(signal, sender, **kwargs):
        events.append((NAMES[id(signal)], sender, sorted(kwargs)))

    signals = (request_started, request_finished, got_request_exception, connection_created)
    for signal in signals:
        signal.connect(record, weak=False)
    try:
        yield events
    finally:
        for signal in signals:
            assert signal.disconnect(record) is True
        events.clear()


@pytest.fixture
def quiet_request_log():
    """Django logs 4xx and 5xx responses on django.request and django.security: keep it quiet."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    with pytest.MonkeyPatch.context() as patch:
        for logger in loggers:
            patch.setattr(logger, "disabled", True)
        yield


def names(recorded):
    return [name for name, _, _ in recorded]


# -- request_started -----------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_test_client_sends_with_its_handler_environ_and_finishes_with_none(request_events):
    Client().get("/ok")

    assert request_events == [
        ("request_started", ClientHandler, ["environ"]),
        ("view", None, None),
        ("request_finished", None, []),
    ]


@pytest.mark.not_in_browser("the async test client runs the view in another thread")
@pytest.mark.urls(__name__)
def test_async_client_sends_scope_with_its_own_handler(request_events):
    async_to_sync(AsyncClient().get)("/ok")

    assert request_events == [
        ("request_started", AsyncClientHandler, ["scope"]),
        ("view", None, None),
        ("request_finished", None, []),
    ]


@pytest.mark.urls(__name__)
def test_request_started_comes_before_any_middleware(request_events, settings):
    settings.MIDDLEWARE = [f"{__name__}.RecordingMiddleware"]

    Client().get("/ok")

    assert names(request_events) == ["request_started", "middleware", "view", "request_finished"]


def live_receiver_names(signal):
    sync_receivers, async_receivers = live_receivers(signal, None)
    return {f"{r.__module__}.{r.__qualname__}" for r in sync_receivers + async_receivers}


def test_djangos_own_request_receivers():
    assert {"django.db.reset_queries", "django.db.close_old_connections"} <= live_receiver_names(
        request_started
    )
    assert {
        "django.db.close_old_connections",
        "django.core.cache.close_caches",
    } <= live_receiver_names(request_finished)


# -- The real handlers --------------------------------------------------------------------


# The real handlers run close_old_connections, which needs database access.
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
def test_wsgi_handler_sends_finished_only_when_the_response_is_closed(request_events):
    environ = RequestFactory().get("/ok").environ

    response = WSGIHandler()(environ, lambda status, headers, exc_info=None: None)
    assert b"".join(response) == b"ok"

    assert request_events == [("request_started", WSGIHandler, ["environ"]), ("view", None, None)]

    response.close()

    assert request_events[-1] == ("request_finished", WSGIHandler, [])


def asgi_get(path):
    """One GET through Django's real ASGIHandler; returns the ASGI messages sent."""

    async def go():
        sent = []
        pending = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive():
            if pending:
                return pending.pop()
            await asyncio.Event().wait()  # the client never disconnects

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        await ASGIHandler()(scope, receive, send)
        return sent

    return async_to_sync(go)()


@pytest.mark.not_in_browser("the ASGI handler needs its own event loop")
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
def test_asgi_handler_sends_scope_and_its_own_class(request_events):
    sent = asgi_get("/ok")

    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert request_events == [
        ("request_started", ASGIHandler, ["scope"]),
        ("view", None, None),
        ("request_finished", ASGIHandler, []),
    ]


@pytest.mark.not_in_browser("the ASGI handler needs its own event loop")
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
def test_asgi_handler_awaits_async_receivers_with_asend(request_events):
    # send() inside the running event loop would refuse an async receiver.
    calls = []

    async def started(sender, scope, **kwargs):
        await asyncio.sleep(0)
        calls.append((sender, scope["path"]))

    request_started.connect(started, weak=False)
    try:
        asgi_get("/ok")
    finally:
        assert request_started.disconnect(started) is True

    assert calls == [(ASGIHandler, "/ok")]


def test_reset_queries_empties_the_debug_query_log():
    from django.db import reset_queries

    connection.queries_log.append({"sql": "SELECT 1", "time": "0.000"})
    reset_queries()

    assert list(connection.queries_log) == []


# -- got_request_exception -------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_a_view_that_raises_sends_got_request_exception_with_the_request(
    request_events, quiet_request_log, connect_once
):
    requests = []
    connect_once(got_request_exception, lambda sender, request, **kw: requests.append(request))

    response = Client(raise_request_exception=False).get("/fail")

    assert response.status_code == 500
    assert request_events == [
        ("request_started", ClientHandler, ["environ"]),
        ("got_request_exception", None, ["request"]),
        ("handler500", None, None),
        ("request_finished", None, []),
    ]
    assert [request.path for request in requests] == ["/fail"]


@pytest.mark.urls(__name__)
def test_a_middleware_that_raises_sends_it_too(request_events, quiet_request_log, settings):
    settings.MIDDLEWARE = [f"{__name__}.RaisingMiddleware"]

    response = Client(raise_request_exception=False).get("/ok")

    assert response.status_code == 500
    assert names(request_events) == [
        "request_started",
        "got_request_exception",
        "handler500",
        "request_finished",
    ]


@pytest.mark.parametrize(
    ("url", "status"),
    [("/missing", 404), ("/forbidden", 403), ("/bad", 400), ("/suspicious", 400)],
)
@pytest.mark.urls(__name__)
def test_exceptions_that_become_4xx_do_not_send_it(request_events, quiet_request_log, url, status):
    response = Client().get(url)

    assert response.status_code == status
    assert names(request_events) == ["request_started", "request_finished"]


@pytest.mark.urls(__name__)
def test_the_test_client_re_raises_through_its_own_receiver(quiet_request_log, connect_once):
    seen = []

    def during(sender, request, **kwargs):
        seen.append(live_receiver_names(got_request_exception))

    connect_once(got_request_exception, during)

    with pytest.raises(RuntimeError, match="view failed"):
        Client().get("/fail")

    assert "django.test.client.ClientMixin.store_exc_info" in seen[0]
    assert "django.test.client.ClientMixin.store_exc_info" not in live_receiver_names(
        got_request_exception
    )


@pytest.fixture
def connect_once():
    connected = []

    def _connect(signal, func):
        signal.connect(func, weak=False)
        connected.append((signal, func))

    yield _connect
    for signal, func in connected:
        assert signal.disconnect(func) is True


# -- connection_created --------------------------------------------------------------------


def in_a_new_thread(func):
    result = {}

    def target():
        try:
            result["value"] = func()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return result["value"]


@pytest.mark.not_in_browser("starts a thread")
@pytest.mark.django_db(transaction=True)  # other threads must see the test database
def test_a_new_thread_opens_its_own_connection_at_its_first_query(request_events):
    def two_queries():
        thread_connection = connections["default"]
        assert thread_connection.connection is None  # nothing opened yet
        Sandbox.objects.count()
        Sandbox.objects.count()
        return thread_connection

    thread_connection = in_a_new_thread(two_queries)

    assert thread_connection is not connection
    # The sender is the configured backend's DatabaseWrapper class (sqlite3's on SQLite).
    engine = connections["default"].settings_dict["ENGINE"]
    backend_wrapper = import_module(f"{engine}.base").DatabaseWrapper
    assert request_events == [("connection_created", backend_wrapper, ["connection"])]
    assert type(connections["default"]) is backend_wrapper


@pytest.mark.not_in_browser("starts a thread")
@pytest.mark.django_db(transaction=True)
def test_connection_created_passes_the_wrapper_that_connected(connect_once):
    received = []
    connect_once(connection_created, lambda sender, connection, **kw: received.append(connection))

    thread_connection = in_a_new_thread(lambda: (Sandbox.objects.exists(), connections["default"]))

    assert received == [thread_connection[1]]


def test_runserver_serves_each_tcp_connection_in_its_own_thread_and_keeps_it_alive():
    options = RunserverCommand().create_parser("manage.py", "runserver").parse_args([])

    assert options.use_threading is True
    # socketserver starts one thread per accepted connection; the handler
    # then answers requests on it until the client closes it (HTTP/1.1).
    assert issubclass(ThreadedWSGIServer, socketserver.ThreadingMixIn)
    assert WSGIRequestHandler.protocol_version == "HTTP/1.1"


@pytest.fixture
def file_database(tmp_path):
    """A second SQLite database in a file, opened and closed by the test."""
    wrapper_class = type(connections["default"])
    settings_dict = {**connection.settings_dict, "NAME": str(tmp_path / "probe.sqlite3")}
    probe = wrapper_class(settings_dict, alias="probe")
    yield probe
    probe.close()


ABOUT_SQLITE = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="about SQLite itself: PRAGMA temp_store exists only on SQLite connections",
)


@ABOUT_SQLITE
@pytest.mark.django_db
def test_the_example_sets_the_pragma_on_every_new_connection(file_database, connect_once):
    connect_once(connection_created, keep_temp_tables_in_memory)

    for _ in range(2):
        file_database.ensure_connection()
        with file_database.cursor() as cursor:
            cursor.execute("PRAGMA temp_store")
            assert cursor.fetchone() == (2,)  # 2 is MEMORY
        file_database.close()


@ABOUT_SQLITE
@pytest.mark.django_db
def test_without_the_receiver_the_pragma_keeps_its_default(file_database):
    file_database.ensure_connection()
    with file_database.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        assert cursor.fetchone() == (0,)  # DEFAULT


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="about this project's SQLite settings: init_command is set only for SQLite",
)
def test_this_project_sets_its_sqlite_pragmas_with_init_command():
    assert "PRAGMA" in django_settings.DATABASES["default"]["OPTIONS"]["init_command"]


# -- Try it: the site under runserver's server, driven the way a browser drives it --------

PAGE = "/playground/request-signals/"
LESSON_PAGE = "/lessons/request-signals/"
SWITCH = f"{PAGE}switch/log_requests/"
RAISE = f"{PAGE}raise/"


class RunserverServer(ThreadedWSGIServer):
    """runserver's own server class. runserver leaves its request threads as
    daemons; here they are joined on close, so each has closed its database
    connection before the test database is flushed."""

    daemon_threads = False


@pytest.fixture
def site_address():
    """The site's WSGI application behind runserver's server and request
    handler (one thread per TCP connection, HTTP/1.1 keep-alive)."""
    server = RunserverServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_internal_wsgi_application())
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    try:
        yield server.server_address
    finally:
        server.shutdown()
        serving.join()
        server.server_close()  # joins the request threads


class Tab:
    """One browser tab: its cookies, and one HTTP connection it keeps alive,
    as a browser does, for every request it sends."""

    def __init__(self, address):
        self.http = http.client.HTTPConnection(*address)
        self.cookies = SimpleCookie()
        self.csrf_token = None

    def get(self, url, hx=False):
        return self._send("GET", url, hx=hx)

    def press(self, url, **fields):
        """What htmx sends for a button: the form's fields and the CSRF token."""
        form = {"csrfmiddlewaretoken": self.csrf_token, **fields}
        return self._send("POST", url, urlencode(form), hx=True)

    def _send(self, method, url, body=None, hx=False):
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if hx:
            headers["HX-Request"] = "true"
        self.http.request(method, url, body, headers)
        response = self.http.getresponse()
        content = response.read().decode()
        assert not response.will_close  # the connection stays open for the next request
        for cookie in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(cookie)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if token:
            self.csrf_token = token[1]
        return response.status, content

    def close(self):
        self.http.close()


@pytest.fixture
def opened_connections(connect_once):
    """The database connections the server opens while the test runs, by thread."""
    connection.ensure_connection()  # the test's own, for reading the log
    opened = []
    connect_once(connection_created, lambda sender, **kw: opened.append(threading.get_ident()))
    return opened


@pytest.fixture
def tab(site_address):
    """A learner's tab on the lesson page, with its sandbox, session and CSRF token."""
    tab = Tab(site_address)
    open_lesson_page(tab)
    try:
        yield tab
    finally:
        tab.close()


def open_lesson_page(tab):
    """What the browser fetches: the page, then (hx-trigger="load") the playground
    panel, whose request creates the sandbox and opens a database connection."""
    assert tab.get(LESSON_PAGE)[0] == 200
    assert tab.get(f"{PAGE}panel/", hx=True)[0] == 200
    assert tab.csrf_token


def sandbox_of(tab):
    session = import_module(django_settings.SESSION_ENGINE).SessionStore(
        tab.cookies[django_settings.SESSION_COOKIE_NAME].value
    )
    return sandbox_of_session(session, "request-signals")


def logged(tab):
    """The tab's stored log, oldest first.

    A request's log is written from request_finished, after the response was
    sent. The server reads a kept-alive connection's next request only once
    the previous one is finished, so one more request (the poll, which is
    never logged) guarantees that everything before it is stored."""
    status, _ = tab.get(f"{PAGE}live/")
    assert status in (200, 204)
    entries = LogEntry.objects.filter(sandbox=sandbox_of(tab)).order_by("pk")
    return [stored(entry) for entry in entries]


def playground_runs(request_log, position):
    return [
        (name, result)
        for name, result in request_log.receivers(position)
        if not name.startswith("django.")
    ]


def test_the_project_keeps_database_connections_for_60_seconds():
    assert connection.settings_dict["CONN_MAX_AGE"] == 60


@pytest.mark.not_in_browser("serves the site from a real server, in threads")
@pytest.mark.django_db(transaction=True)  # the server's threads must see the test database
def test_try_it_start_logging_logs_that_very_request(tab, opened_connections):
    assert logged(tab) == []

    status, body = tab.press(SWITCH, on="on")

    assert status == 200
    assert "Log my own requests: <strong>ON</strong>" in body
    [request_log] = logged(tab)
    assert request_log.entry.label == f"Request: POST {SWITCH} → 200"
    # No connection_created: the page load opened this thread's database
    # connection, and CONN_MAX_AGE keeps it for the tab's next requests.
    assert request_log.signals == [
        ("request_started", "WSGIHandler"),
        ("request_finished", "WSGIHandler"),
    ]
    assert opened_connections == []
    assert request_log.arguments(1) == [["environ", f"{{…WSGI environ…, 'PATH_INFO': '{SWITCH}'}}"]]
    assert request_log.arguments(2) == []
    assert playground_runs(request_log, 1) == [
        ("request_began", f"WSGIHandler started handling {SWITCH}")
    ]
    assert playground_runs(request_log, 2) == [("request_ended", "response closed")]
    # Django's own receivers are listed too. Those connected before the recorder
    # ran before it could time them. (Which ones those are depends on what ran
    # earlier in this process: the test Client and CaptureQueriesContext
    # disconnect and reconnect some of Django's receivers.)
    for position, signal, name in [
        (1, request_started, "django.db.reset_queries"),
        (2, request_finished, "django.core.cache.close_caches"),
    ]:
        results = dict(request_log.receivers(position))
        assert name in results
        expected = (
            "ran before the recorder (not timed)" if connected_before_recorder(signal, name) else ""
        )
        assert results[name] == expected


def connected_before_recorder(signal, name):
    sync_receivers, _ = live_receivers(signal, None)
    listed = [f"{r.__module__}.{r.__qualname__}" for r in sync_receivers]
    return listed.index(name) < listed.index("playground.recording.observe")


@pytest.mark.not_in_browser("serves the site from a real server, in threads")
@pytest.mark.django_db(transaction=True)
def test_try_it_the_poll_is_never_logged(tab):
    tab.press(SWITCH, on="on")
    before = len(logged(tab))

    for _ in range(3):
        status, _ = tab.get(f"{PAGE}live/")
        assert status in (200, 204)

    assert len(logged(tab)) == before == 1


@pytest.mark.not_in_browser("serves the site from a real server, in threads")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("logging_on", [True, False])
def test_try_it_raise_inside_a_view(tab, quiet_request_log, opened_connections, logging_on):
    if logging_on:
        tab.press(SWITCH, on="on")

    status, body = tab.press(RAISE)

    assert status == 200  # the playground swaps Django's 500 page for the panel
    assert "The view raised RaisedOnPurpose." in body
    request_log = logged(tab)[-1]
    assert request_log.entry.label == f"Request: POST {RAISE} → 500"
    assert request_log.signals == [
        ("request_started", "WSGIHandler"),
        ("got_request_exception", "None"),
        ("request_finished", "WSGIHandler"),
    ]
    assert opened_connections == []
    assert request_log.arguments(2) == [["request", f"<WSGIRequest: POST '{RAISE}'>"]]
    assert playground_runs(request_log, 2) == [
        ("request_failed", f"a view raised while handling {RAISE}")
    ]


@pytest.mark.not_in_browser("serves the site from a real server, in threads")
@pytest.mark.django_db(transaction=True)
def test_try_it_stop_logging_is_not_logged(tab):
    tab.press(SWITCH, on="on")
    before = len(logged(tab))

    status, body = tab.press(SWITCH, on="")
    tab.get(f"{PAGE}panel/")

    assert status == 200
    assert "Log my own requests: <strong>off</strong>" in body
    assert len(logged(tab)) == before == 1


# -- connection_created under runserver: per connection, not per request -------------------


@pytest.mark.not_in_browser("serves the site from a real server, in threads")
@pytest.mark.django_db(transaction=True)
def test_one_kept_alive_connection_opens_one_database_connection(site_address, opened_connections):
    tab = Tab(site_address)
    try:
        for _ in range(3):
            assert tab.get(PAGE)[0] == 200
    finally:
        tab.close()

    assert len(opened_connections) == 1


@pytest.fixture
def conn_max_age_0(monkeypatch):
    """Django's default: close_old_connections closes the connection at the
    end of every request."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("Django never closes an in-memory SQLite database (the test database)")
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


@pytest.mark.django_db(transaction=True)
def test_with_conn_max_age_0_every_request_opens_one(
    conn_max_age_0, site_address, opened_connections
):
    tab = Tab(site_address)
    try:
        for _ in range(3):
            assert tab.get(PAGE)[0] == 200
    finally:
        tab.close()

    assert len(opened_connections) == 3
    assert len(set(opened_connections)) == 1  # all in the one thread of that connection


@pytest.mark.not_in_browser("serves the site from a real server, in threads")
@pytest.mark.django_db(transaction=True)
def test_each_new_tcp_connection_gets_its_own_thread_and_database_connection(
    site_address, opened_connections
):
    tabs = [Tab(site_address), Tab(site_address)]
    try:
        for tab in tabs:
            assert tab.get(PAGE)[0] == 200
    finally:
        for tab in tabs:
            tab.close()

    assert len(opened_connections) == 2
    assert len(set(opened_connections)) == 2


@pytest.mark.django_db(transaction=True)
def test_with_conn_max_age_0_the_log_would_show_connection_created(conn_max_age_0, site_address):
    tab = Tab(site_address)
    try:
        open_lesson_page(tab)

        tab.press(SWITCH, on="on")

        [request_log] = logged(tab)
    finally:
        tab.close()
    assert request_log.signals == [
        ("request_started", "WSGIHandler"),
        ("connection_created", "DatabaseWrapper"),
        ("request_finished", "WSGIHandler"),
    ]
    assert request_log.arguments(2) == [
        ["connection", f"<DatabaseWrapper vendor='{connection.vendor}' alias='default'>"]
    ]
    assert playground_runs(request_log, 2) == [
        ("database_connected", f"opened a {connection.vendor} connection ('default')")
    ]


def test_try_it_buttons_exist_with_the_names_the_lesson_uses():
    panel = (ROOT / "playground/templates/playground/panel.html").read_text(encoding="utf-8")
    text = LESSON.read_text(encoding="utf-8")

    assert '{{ sandbox.log_requests|yesno:"Stop logging,Start logging" }}' in panel
    assert ">Raise inside a view</button>" in panel
    assert "the log’s one-second poll is never logged" in panel
    for button in ("Start logging", "Stop logging", "Raise inside a view"):
        assert f"**{button}**" in text


def test_the_lesson_says_what_a_browser_under_runserver_shows():
    text = " ".join(LESSON.read_text(encoding="utf-8").split())

    assert "each request runs in a new thread" not in text
    assert "`runserver` starts one thread per TCP connection, not per request" in text
    assert "`CONN_MAX_AGE = 60`, and three times with `CONN_MAX_AGE = 0`" in text
    # The Try-it counts, as the tests above see them.
    assert "It shows two events:" in text
    assert "There is no `connection_created`." in text
    assert "→ 500` with three events:" in text
