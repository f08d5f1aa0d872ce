"""The store's rows as frozen dataclasses: what every layer above the store reads and writes.

They carry no SQLAlchemy types, so the sync engine, the runners, the CLI and
the server depend on these shapes and on `Store`'s methods, never on tables.
Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias

__all__ = [
    "AuditEntry",
    "ChangeEvent",
    "ChangeKind",
    "Checkpoint",
    "ConnectionRow",
    "DriftEntry",
    "EncryptedCredential",
    "PageResult",
    "PreparedRecord",
    "RecordRow",
    "RunOutcome",
    "RunStats",
    "SyncRun",
    "Tenant",
]

ChangeKind: TypeAlias = Literal["created", "updated", "deleted"]
RunOutcome: TypeAlias = Literal["running", "succeeded", "failed", "deferred"]


@dataclass(frozen=True, slots=True)
class Tenant:
    """A product's customer; every other row belongs to exactly one."""

    id: str
    name: str
    created_at: datetime
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    """One tenant's connection to one provider. The credentials live apart, encrypted.

    `variables` are the spec's per-connection variables (a subdomain, an
    instance URL); `settings` hold per-connection options (resource intervals,
    lookback, enabled resources). `status` is `active` or `disabled`.
    """

    id: str
    tenant_id: str
    provider: str
    auth_method: str
    variables: dict[str, str]
    settings: dict[str, Any]
    status: str
    created_at: datetime
    name: str = ""


@dataclass(frozen=True, slots=True)
class EncryptedCredential:
    """A connection's credentials as the vault sealed them: the store never sees plaintext."""

    connection_id: str
    key_id: str
    blob: bytes
    """nonce + ciphertext + tag, as the vault wrote it."""
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """One mapped record, ready to upsert by (connection, resource, remote_id).

    `data` is the unified model as JSON-ready fields without `remote_data`;
    `content_hash` covers `data` and `remote_data` so an unchanged record is
    recognised without comparing documents. `data_json` / `remote_json`, when
    given, are those two already serialised (the very text that was hashed):
    SQLite stores them as they are instead of serialising again.
    """

    id: str
    remote_id: str
    data: dict[str, Any]
    remote_data: Any
    content_hash: str
    modified_at: datetime | None
    deleted: bool = False
    data_json: str | None = None
    remote_json: str | None = None


@dataclass(frozen=True, slots=True)
class RecordRow:
    """A stored unified record. `etag` changes whenever the content does."""

    id: str
    tenant_id: str
    connection_id: str
    resource: str
    model: str
    remote_id: str
    data: dict[str, Any]
    remote_data: Any
    content_hash: str
    etag: str
    modified_at: datetime | None
    remote_was_deleted: bool
    first_seen_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a (connection, resource) sync stands.

    `watermark` is the committed high-water mark of `modified_at`: the next
    incremental run starts there (minus the lookback). `resume` is set only
    while a run is in flight: what that run needs to continue after a crash
    (the next page's request, the run's own watermark so far, its mode), as
    JSON owned by the sync engine. `next_run_at` is when the scheduler should
    run it next; `last_full_at` when the last full reconciliation finished.
    `drift_profile` is the drift detector's baseline (field -> JSON type) as the
    last completed run left it, so drift between two runs is seen by the second.
    """

    connection_id: str
    resource: str
    watermark: datetime | None = None
    resume: dict[str, Any] | None = None
    next_run_at: datetime | None = None
    last_full_at: datetime | None = None
    updated_at: datetime | None = None
    drift_profile: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class PageResult:
    """What one committed page changed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass(frozen=True, slots=True)
class RunStats:
    """A sync run's counters; the engine adds to them page by page."""

    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    requests: int = 0
    retries: int = 0
    absorbed_429s: int = 0
    mapping_errors: int = 0


@dataclass(frozen=True, slots=True)
class SyncRun:
    """One run of one (connection, resource): its mode, outcome and statistics."""

    id: str
    connection_id: str
    resource: str
    mode: Literal["incremental", "full"]
    started_at: datetime
    outcome: RunOutcome
    stats: RunStats
    finished_at: datetime | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish (None while running)."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A change to a stored record, in commit order (`seq` grows monotonically)."""

    seq: int
    tenant_id: str
    connection_id: str
    resource: str
    model: str
    record_id: str
    remote_id: str
    kind: ChangeKind
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class DriftEntry:
    """One schema-drift finding for (connection, resource), counted since first seen.

    `kind` is `new_field`, `missing_field` or `type_changed`; `detail` says
    what was expected and what came (types, never values).
    """

    connection_id: str
    resource: str
    kind: str
    field: str
    detail: str
    first_seen: datetime
    last_seen: datetime
    count: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to what, when, and how it ended. `detail` never holds a secret."""

    seq: int
    at: datetime
    tenant_id: str | None
    actor: str
    action: str
    target: str
    outcome: str
    detail: dict[str, Any] = field(default_factory=dict)
