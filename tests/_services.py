"""The CI rule for tests that need a real service or ../shared: fail under CI=true, else skip."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip outside CI; fail under CI=true, where every service must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)  # outside CI only: under CI=true the line above fails instead
