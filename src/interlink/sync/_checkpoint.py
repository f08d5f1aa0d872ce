"""What an in-flight run writes into `Checkpoint.resume` with every page it commits.

A run goes through phases: the main listing (`list`, or `incremental` from
the watermark minus the lookback), then the vendor's deleted listing when the
resource declares one, then, after a complete full listing, reconciliation.
After each committed page the resume point names the phase, the request for
its next page (None: the phase starts over, or is done), the run's own
newest `modified_at` so far and everything needed to repeat the listing
exactly (its `since`, and when the listing started, for reconciliation).

The watermark itself moves only when a run completes: a listing that is not
sorted by `modified_at` may still hold older records after a crash, so the
next run must not start past them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, TypeAlias

from interlink._errors import ConfigError
from interlink.http import Request

__all__ = ["Mode", "Phase", "ResumePoint"]

Mode: TypeAlias = Literal["incremental", "full"]
Phase: TypeAlias = Literal["main", "deleted", "reconcile", "done"]
_PHASES: tuple[Phase, ...] = ("main", "deleted", "reconcile", "done")
_VERSION = 1


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where a run stands, enough for another process to finish it."""

    run_id: str
    mode: Mode
    phase: Phase
    started_at: datetime
    """When the main listing began (records seen since then survive reconciliation)."""
    since: datetime | None = None
    """The `modified_after` of the incremental listing (None for a full one)."""
    next_request: Request | None = None
    """The next page of `phase`; None: the phase (re)starts from its first request."""
    newest: datetime | None = None
    """The newest `modified_at` among the records committed so far."""

    def advanced(
        self, next_request: Request | None, newest: datetime | None, *, phase: Phase | None = None
    ) -> ResumePoint:
        return replace(self, next_request=next_request, newest=newest, phase=phase or self.phase)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": _VERSION,
            "run_id": self.run_id,
            "mode": self.mode,
            "phase": self.phase,
            "started_at": self.started_at.isoformat(),
            "since": _iso(self.since),
            "next_request": None if self.next_request is None else self.next_request.to_json(),
            "newest": _iso(self.newest),
        }

    @classmethod
    def from_json(cls, data: Any) -> ResumePoint:
        """The resume point `to_json` wrote; a `ConfigError` (never a guess) otherwise."""
        where = "checkpoint.resume"
        if not isinstance(data, dict) or data.get("v") != _VERSION:
            raise ConfigError(where, f"is not a resume point of version {_VERSION}")
        mode, phase = data.get("mode"), data.get("phase")
        if mode not in ("incremental", "full") or phase not in _PHASES:
            raise ConfigError(where, f"has an unknown mode {mode!r} or phase {phase!r}")
        request = data.get("next_request")
        started = _datetime(data.get("started_at"), f"{where}.started_at")
        if started is None:
            raise ConfigError(f"{where}.started_at", "is required")
        return cls(
            run_id=str(data.get("run_id", "")),
            mode=mode,
            phase=phase,
            started_at=started,
            since=_datetime(data.get("since"), f"{where}.since"),
            next_request=None if request is None else Request.from_json(request),
            newest=_datetime(data.get("newest"), f"{where}.newest"),
        )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ConfigError(where, f"is not an ISO-8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise ConfigError(where, "must carry a time zone")
    return parsed
