"""Service-backed tests fail under CI=true when a service is missing; elsewhere they skip."""

from __future__ import annotations

import pytest
from tests import _services


def test_missing_service_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under CI=true an unreachable service is a failure, never a skip."""
    monkeypatch.setattr(_services, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="required, not skipped"):
        _services.unavailable("Redis is not reachable")


def test_missing_service_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside CI an unreachable service skips the test, naming why."""
    monkeypatch.setattr(_services, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="Redis is not reachable"):
        _services.unavailable("Redis is not reachable")
