"""Fixtures for the fuzz tests: quiet settings and a second visitor whose
records the fuzzed requests must never reach."""

import pytest


@pytest.fixture(autouse=True)
def fuzz_settings(settings, tmp_path):
    """Local mode off (tests that fuzz the test runner turn it on), uploads
    into a temporary folder, and a fast password hasher for the admin login."""
    settings.LOCAL_MODE = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings
