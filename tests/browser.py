"""Headless Chromium for the browser tests: one launch recipe (the `browser` fixture in tests/conftest.py).

Debian's chromium, driven by Playwright's sync API (`CHROMIUM_PATH` to use another build). Screenshots
go to `CERTTRACK_SCREENSHOTS` (default: the temp directory) to be looked at after a run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("CERTTRACK_SCREENSHOTS", tempfile.gettempdir()))


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def launch(playwright: object) -> object:
    """A headless Chromium from a running sync_playwright()."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
