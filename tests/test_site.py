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
    )

    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    )
