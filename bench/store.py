"""The store's hot path, `apply_page`, against raw sqlite3 writing the same rows.

100,000 mapped HubSpot-style contacts (unified fields + the raw payload +
a content hash) are written into a fresh SQLite file in pages of 100:

- baseline: raw `sqlite3`, same schema (the store's migration), same pragmas
  (WAL, synchronous=NORMAL), JSON by orjson, one `executemany` INSERT per
  page in one transaction per page: the least a program can do to store them;
- interlink: `Store.apply_page`, which per page also looks up what is stored
  (change detection by hash), writes a change event per record, upserts the
  checkpoint and the run's counters, all in one transaction.

Then the same 100,000 again through `apply_page`: every record unchanged
(one lookup per page, nothing written). Prints records/s of each and
`ratio` = interlink / baseline (new records). The last line is one JSON object.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from interlink.store import Checkpoint, PreparedRecord, RunStats, Store, open_store

RECORDS = 100_000
PAGE = 100
ROUNDS = 2


def contacts(n: int) -> list[PreparedRecord]:
    """Mapped contacts as the sync engine hands them to the store."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        rid = str(1001 + i)
        modified = base + timedelta(seconds=i)
        remote = {
            "id": rid,
            "properties": {
                "firstname": "Ada",
                "lastname": f"Lovelace {i}",
                "email": f"ada.{i}@example.com",
                "phone": f"+44 20 7946 {i % 10_000:04d}",
                "company": f"Acme {i % 97}",
                "lifecyclestage": "lead",
                "lastmodifieddate": modified.isoformat(),
            },
            "archived": False,
        }
        data = {
            "remote_id": rid,
            "first_name": "Ada",
            "last_name": f"Lovelace {i}",
            "email_addresses": [{"email_address": f"ada.{i}@example.com", "type": "WORK"}],
            "phone_numbers": [{"phone_number": f"+44 20 7946 {i % 10_000:04d}"}],
            "company_name": f"Acme {i % 97}",
            "lifecycle_stage": "LEAD",
            "modified_at": modified.isoformat(),
        }
        digest = hashlib.sha256(orjson.dumps([data, remote], option=orjson.OPT_SORT_KEYS))
        out.append(
            PreparedRecord(
                id=str(uuid.UUID(int=i + 1)),
                remote_id=rid,
                data=data,
                remote_data=remote,
                content_hash=digest.hexdigest(),
                modified_at=modified,
            )
        )
    return out


def pages(records: list[PreparedRecord]) -> list[list[PreparedRecord]]:
    return [records[i : i + PAGE] for i in range(0, len(records), PAGE)]


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def baseline(path: Path, records: list[PreparedRecord]) -> tuple[float, float]:
    """Raw sqlite3 executemany of the same rows, one transaction per page; (wall, CPU) seconds."""
    open_store(f"sqlite:///{path}").close()  # the same schema, by the same migration
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("INSERT INTO tenants VALUES ('ten', 'Bench', '{}', '2026-01-01 00:00:00.000000')")
    db.execute(
        "INSERT INTO connections VALUES ('conn', 'ten', 'hubspot', '', 'x', '{}', '{}', "
        "'active', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
    )
    sql = (
        "INSERT INTO records (id, tenant_id, connection_id, resource, model, remote_id, data, "
        "remote_data, content_hash, etag, modified_at, remote_was_deleted, first_seen_at, "
        "updated_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for page in pages(records):
        now = _ts(datetime.now(UTC))
        rows = [
            (
                r.id,
                "ten",
                "conn",
                "contacts",
                "crm.contact",
                r.remote_id,
                orjson.dumps(r.data).decode(),
                orjson.dumps(r.remote_data).decode(),
                r.content_hash,
                r.content_hash[:16],
                _ts(r.modified_at) if r.modified_at else None,
                0,
                now,
                now,
                now,
            )
            for r in page
        ]
        db.execute("BEGIN")
        db.executemany(sql, rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    return elapsed


Timing = tuple[float, float]  # (wall, CPU) seconds


def interlink(path: Path, records: list[PreparedRecord]) -> tuple[Timing, Timing, Store]:
    """apply_page for every page (new), then again (unchanged); (wall, CPU) of each."""
    store = open_store(f"sqlite:///{path}")
    tenant = store.create_tenant("Bench")
    conn = store.create_connection(tenant.id, "hubspot", auth_method="x", variables={})
    run = store.start_run(conn.id, "contacts", "full")
    seen = 0

    def apply_all() -> Timing:
        nonlocal seen
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        for page in pages(records):
            seen += len(page)
            last = page[-1].modified_at
            store.apply_page(
                tenant_id=tenant.id,
                connection_id=conn.id,
                resource="contacts",
                model="crm.contact",
                records=page,
                checkpoint=Checkpoint(conn.id, "contacts", watermark=last),
                run_id=run.id,
                stats=RunStats(seen=seen),
            )
        return time.perf_counter() - start, time.process_time() - cpu

    created = apply_all()
    unchanged = apply_all()
    return created, unchanged, store


def main() -> None:
    records = contacts(RECORDS)
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(ROUNDS):
            raw = baseline(Path(tmp) / f"raw{round_}.db", records)
            new, same, store = interlink(Path(tmp) / f"store{round_}.db", records)
            assert store.count_records() == RECORDS
            assert len(store.change_events(limit=RECORDS + 1)) == RECORDS
            store.close()
            for name, (seconds, cpu_seconds) in (
                ("baseline", raw),
                ("created", new),
                ("unchanged", same),
            ):
                wall[name] = min(wall.get(name, float("inf")), seconds)
                cpu[name] = min(cpu.get(name, float("inf")), cpu_seconds)
    rps = {name: RECORDS / seconds for name, seconds in wall.items()}
    cps = {name: RECORDS / seconds for name, seconds in cpu.items()}
    ratio = rps["created"] / rps["baseline"]
    cpu_ratio = cps["created"] / cps["baseline"]
    print(f"{RECORDS:,} records in pages of {PAGE} into a SQLite file (WAL), best of {ROUNDS}")
    print(f"  {'':46} {'records/s':>10} {'per CPU-s':>10}")
    for label, name in (
        ("raw sqlite3 executemany, a transaction a page", "baseline"),
        ("Store.apply_page, new records", "created"),
        ("Store.apply_page, unchanged records", "unchanged"),
    ):
        print(f"  {label:46} {rps[name]:>10,.0f} {cps[name]:>10,.0f}")
    print(f"  {'ratio (apply_page new / raw)':46} {ratio:>10.2f} {cpu_ratio:>10.2f}")
    print(
        json.dumps(
            {
                "bench": "store",
                "records": RECORDS,
                "page": PAGE,
                "baseline_rps": round(rps["baseline"]),
                "apply_page_created_rps": round(rps["created"]),
                "apply_page_unchanged_rps": round(rps["unchanged"]),
                "ratio": round(ratio, 3),
                "baseline_per_cpu_s": round(cps["baseline"]),
                "apply_page_created_per_cpu_s": round(cps["created"]),
                "apply_page_unchanged_per_cpu_s": round(cps["unchanged"]),
                "cpu_ratio": round(cpu_ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
