"""Site-wide behaviour: health check, error pages, self-contained assets."""

import re

import pytest
from django.test import override_settings


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
