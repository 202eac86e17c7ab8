"""Browser fixtures shared by the Playwright tests: one Debian Chromium per module."""
from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per module; a missing browser is a skip locally and a failure in CI."""
    require_service(os.path.exists(CHROMIUM) and shutil.which("chromium") is not None, f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while the browser lives; the tests' own ORM
    # calls (and the database flush after each test) are still plain synchronous code.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved
