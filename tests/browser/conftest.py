"""Headless Chromium (Debian's `/usr/bin/chromium`) driven by Playwright for Python.

Playwright's own browser downloads are not used: the system's chromium is
launched through `executable_path`. Where it (or playwright) is missing the
tests skip with the reason, except under CI=true, where they fail
(`tests/_services.py`): `.ci/run` installs chromium with apt-get first.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tests._services import unavailable

CHROMIUM = os.environ.get("INTERLINK_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def chromium() -> str:
    """The chromium executable (skip, or fail under CI=true, when it is not installed)."""
    found = CHROMIUM if os.path.isfile(CHROMIUM) else shutil.which(CHROMIUM)
    if not found:
        unavailable(f"no chromium at {CHROMIUM} (apt-get install -y chromium)")
    return str(found)


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Any]:
    """A headless Chromium page context (fresh cookies per test)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    async with async_playwright() as playwright:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        context = await launched.new_context(viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            await context.close()
            await launched.close()
