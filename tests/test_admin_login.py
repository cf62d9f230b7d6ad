"""The admin login is throttled by django-axes, per username and client address."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.test import Client

from playground import inspector

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "the-right-password"


@pytest.fixture
def admin_user(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_superuser("admin", "admin@example.com", PASSWORD)


def sign_in(client: Client, password: str, username: str = "admin"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_after_five_wrong_passwords_even_the_right_one_is_refused(admin_user):
    attacker = Client(REMOTE_ADDR="203.0.113.7")

    wrong = [sign_in(attacker, f"guess-{n}").status_code for n in range(5)]
    refused = sign_in(attacker, PASSWORD)

    assert wrong == [200] * 4 + [429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    html = refused.content.decode()
    assert html.count('class="site-header"') == 1
    assert "<h1>Too many failed sign-ins</h1>" in html
    assert (
        "After 5 wrong passwords in a row, this username cannot sign in from your address "
        "for 15 minutes."
    ) in html
    assert not signed_in(attacker)
    # Stored in the database, so every worker process refuses it too.
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        ("admin", "203.0.113.7")
    ]


def test_a_lockout_does_not_reach_other_addresses_or_other_usernames(admin_user):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(5):
        sign_in(attacker, f"guess-{n}")

    owner = Client(REMOTE_ADDR="198.51.100.2")
    response = sign_in(owner, PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert signed_in(owner)
    assert sign_in(attacker, "guess", username="someone-else").status_code == 200


def test_behind_a_trusted_proxy_the_lockout_follows_the_forwarded_address(admin_user, settings):
    settings.TUTORIAL_TRUSTED_PROXIES = 1
    proxy = "10.0.0.9"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    for n in range(5):
        sign_in(attacker, f"guess-{n}")

    owner = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert sign_in(attacker, PASSWORD).status_code == 429
    assert sign_in(owner, PASSWORD).status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]


def test_logins_without_a_request_pass_uncounted(admin_user):
    # The test client's login() calls authenticate() without a request; axes
    # alone would raise instead of answering.
    client = Client()

    assert client.login(username="admin", password="wrong") is False
    assert client.login(username="admin", password=PASSWORD) is True
    assert user_logged_in.send(sender=User, request=None, user=admin_user)
    assert AccessAttempt.objects.count() == 0


def test_who_is_listening_leaves_out_the_receivers_of_axes_own_model():
    names = [listener.name for listener in inspector.listeners("post_save").listeners]

    assert post_save.has_listeners(AccessAttempt)
    assert names[0] == "playground.recording.observe"
    assert [name for name in names if name.startswith("axes.")] == []


def test_a_username_longer_than_axes_column_is_counted_not_a_500(admin_user):
    """Axes keeps usernames in 255 characters; a longer one used to fail the
    attempt's INSERT on PostgreSQL (found by the fuzz suite)."""
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    long_name = "🙂" * 300

    response = attacker.post("/admin/login/", {"username": long_name, "password": "guess"})

    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["🙂" * 255]
