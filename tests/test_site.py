"""Site-wide behaviour: health check, error pages, self-contained assets."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import path

from tutorial import urls as site_urls


def test_healthz_says_ok_without_touching_the_database(client, django_assert_max_num_queries):
    # No django_db mark: pytest-django fails the test if the view queries.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain"


@override_settings(DEBUG=False)
def test_unknown_url_gets_the_site_styled_404(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>This page does not exist</h1>" in html
    assert "<code>/no/such/page/</code>" in html


@override_settings(DEBUG=False)
def test_404_escapes_the_requested_path(client):
    response = client.get("/%3Cscript%3Ealert(1)%3C/script%3E")

    assert response.status_code == 404
    assert "<code>/&lt;script&gt;alert(1)&lt;/script&gt;</code>" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/lessons/signals-101/", "/lessons/nope/"])
def test_pages_load_nothing_from_outside_the_site(client, path):
    html = client.get(path).content.decode()

    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references
    outside = [ref for ref in references if re.match(r"^(?:[a-z]+:)?//", ref)]
    assert outside == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/", "/lessons/signals-101/", "/lessons/nope/", "/playground/", "/playground/receivers/"],
)
def test_no_template_comment_reaches_a_page(client, path):
    """Django's {# #} comments end at their line's end: one that spans lines
    is printed, and text in <head> shows above the header of every page."""
    html = client.get(path).content.decode()

    assert "{#" not in html
    assert "#}" not in html
    assert "{% comment" not in html


def broken_view(request):
    raise RuntimeError("secret detail that must not reach a visitor")


urlpatterns = [*site_urls.urlpatterns, path("boom/", broken_view)]


@pytest.mark.urls(__name__)
def test_an_error_shows_the_styled_500_and_no_traceback(client):
    client.raise_request_exception = False

    response = client.get("/boom/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in html
    assert "secret detail" not in html
    assert "Traceback" not in html


def run_manage(*args, **environment):
    # As a deployment would: without the test process's async-unsafe switch.
    base = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("environment", "missing"),
    [
        ({"DJANGO_DEBUG": "0"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_mode_refuses_to_start_without_its_variables(environment, missing):
    result = run_manage("check", **environment)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"django.core.exceptions.ImproperlyConfigured: {missing} must be set when "
        "DJANGO_DEBUG=0 (production mode). See README.md."
    )


def test_check_deploy_is_clean_behind_tls():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x7Q9" * 10,
        DJANGO_ALLOWED_HOSTS="signals.example.org",
        DJANGO_SECURE_HTTPS="1",
        TUTORIAL_TRUSTED_PROXIES="1",
    )

    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x7Q9" * 10,
    "DJANGO_ALLOWED_HOSTS": "signals.example.org",
}


def test_check_deploy_warns_when_a_tls_proxy_is_not_counted():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECURE_HTTPS="1", **PRODUCTION
    )

    assert result.returncode == 1
    assert "?: (playground.W001) DJANGO_SECURE_HTTPS=1 trusts a reverse proxy" in result.stderr


def test_behind_tls_the_probes_answer_plain_http_and_pages_redirect(tmp_path):
    # Its own SQLite file, whichever database the suite runs on (empty
    # DATABASE_URL: the embedded default).
    database = {"SQLITE_PATH": str(tmp_path / "db.sqlite3"), "DATABASE_URL": ""}
    assert run_manage("migrate", "--verbosity", "0", **database).returncode == 0
    probe = (
        "from django.test import Client; client = Client(); "
        "print(*(client.get(path).status_code for path in ('/healthz', '/readyz', '/lessons/')))"
    )
    result = run_manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        probe,
        **PRODUCTION | database | {"DJANGO_ALLOWED_HOSTS": "testserver"},
        DJANGO_SECURE_HTTPS="1",
        TUTORIAL_TRUSTED_PROXIES="1",
    )

    assert (result.returncode, result.stdout.split()) == (0, ["200", "200", "301"]), result.stderr


def test_a_malformed_number_of_proxies_stops_the_start():
    result = run_manage("check", TUTORIAL_TRUSTED_PROXIES="one")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: TUTORIAL_TRUSTED_PROXIES must be a "
        "whole number of proxies (0 or more), not 'one'. See README.md."
    )


def test_production_mode_refuses_local_mode():
    result = run_manage("check", TUTORIAL_LOCAL_MODE="1", **PRODUCTION)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: TUTORIAL_LOCAL_MODE=1 with "
        "DJANGO_DEBUG=0 lets every visitor run pytest on the server. Unset "
        "TUTORIAL_LOCAL_MODE, or set TUTORIAL_ALLOW_LOCAL_MODE_IN_PRODUCTION=1 if that is "
        "really what you want. See README.md."
    )


def test_local_mode_in_production_when_asked_twice_is_still_a_deploy_error():
    allowed = {**PRODUCTION, "TUTORIAL_LOCAL_MODE": "1"}
    allowed["TUTORIAL_ALLOW_LOCAL_MODE_IN_PRODUCTION"] = "1"

    started = run_manage("check", **allowed)
    deploy = run_manage("check", "--deploy", **allowed)

    assert (started.returncode, started.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    )
    assert deploy.returncode == 1
    assert (
        "?: (lessons.E001) Local mode is on: every visitor can run pytest on this server "
        'with the "Run on this machine" button.'
    ) in deploy.stderr


# --- Liveness and readiness -------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_says_ready_when_the_database_answers_and_is_migrated(client):
    response = client.get("/readyz")

    assert (response.status_code, response.content) == (200, b"ready")
    assert response["Content-Type"] == "text/plain"


@pytest.mark.django_db
def test_readyz_says_503_while_a_migration_is_not_applied(client):
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    # As after a deploy that brought a new migration: the newest one is not
    # applied yet (rolled back with the test's transaction).
    [(app, newest)] = MigrationLoader(connection).graph.leaf_nodes("playground")
    MigrationRecorder(connection).record_unapplied(app, newest)

    response = client.get("/readyz")

    assert (response.status_code, response.content) == (503, b"1 migration not applied")
    assert response["Content-Type"] == "text/plain"


PROBE = (
    "from django.test import Client; "
    "answers = [Client().get(path, HTTP_HOST='localhost') for path in ('/healthz', '/readyz')]; "
    "print([(answer.status_code, answer.content.decode()) for answer in answers])"
)


@pytest.mark.parametrize(
    "database",
    [
        {"SQLITE_PATH": "/no/such/folder/db.sqlite3"},
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/tutorial"},
    ],
    ids=["sqlite-missing-folder", "postgresql-nothing-listening"],
)
def test_healthz_stays_200_and_readyz_says_503_while_the_database_is_down(database):
    base = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PROBE],
        cwd=settings.BASE_DIR,
        env={**base, **database},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stdout.strip().splitlines()[-1] == (
        "[(200, 'ok'), (503, 'database unreachable')]"
    ), result.stderr
