"""The security suite: every finding of the attack on the running service, kept closed (marker `security`)."""
from __future__ import annotations

import pytest
from django.utils import translation


def pytest_collection_modifyitems(items):
    """Everything under tests/security/ belongs to the suite, whether or not a file repeats the marker."""
    for item in items:
        if "/tests/security/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.security)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's rounds are for attackers, not for building test users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english():
    """Messages asserted in English (the portal's default language is Chinese)."""
    with translation.override("en"):
        yield
