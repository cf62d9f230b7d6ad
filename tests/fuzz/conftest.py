"""Fixtures for the fuzz tests: quiet settings and a second visitor whose
records the fuzzed requests must never reach."""

import pytest


@pytest.fixture(autouse=True)
def fuzz_settings(settings, tmp_path, sandbox_outbox):
    """Local mode off (tests that fuzz the test runner turn it on), uploads
    into a temporary folder, a fast password hasher for the admin login, and
    e-mail kept in the sandboxes' outboxes, as on the site."""
    settings.LOCAL_MODE = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.fixture
def other():
    """Another visitor: no fuzzed request may ever touch their sandbox."""
    from tests.fuzz.test_fuzz_endpoints import new_visitor

    _, sandbox = new_visitor()
    return sandbox
