"""Writes through the vendor: creates with idempotency keys, conditional updates, deletes."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path

import pytest
from tests.server.conftest import Api
from typer.testing import CliRunner

from interlink._clock import FakeClock
from interlink.cli import app
from interlink.server import IdempotencyKeys
from interlink.store import open_store

NEW = {"first_name": "Ada", "last_name": "Lovelace"}


def created(api: Api) -> int:
    return api.a.vendor.counters.created["contacts"]


async def test_create_goes_to_the_vendor_and_into_the_store(api: Api) -> None:
    """POST creates at the vendor, answers 201 with Location and ETag, and the store lists it
    with a `created` change event."""
    answer = await api.a.client.post(
        "/v1/crm/contacts", params={"connection_id": api.a.connection.id}, json=NEW
    )
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert record["first_name"] == "Ada"
    assert answer.headers["location"] == f"/v1/crm/contacts/{record['id']}"
    assert created(api) == 1
    stored = await api.a.client.get(answer.headers["location"])
    assert stored.headers["etag"] == answer.headers["etag"]
    events = await api.store.change_events(connection_id=api.a.connection.id)
    assert [e.kind for e in events if e.record_id == record["id"]] == ["created"]


async def test_same_key_same_body_replays_the_first_answer(api: Api) -> None:
    """A retried POST with the same Idempotency-Key and body replays status and body; the
    vendor created one record."""
    params = {"connection_id": api.a.connection.id}
    headers = {"Idempotency-Key": "k-1"}
    first = await api.a.client.post("/v1/crm/contacts", params=params, json=NEW, headers=headers)
    second = await api.a.client.post("/v1/crm/contacts", params=params, json=NEW, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert created(api) == 1


async def test_same_key_other_body_is_422(api: Api) -> None:
    """The same key with a different body is refused (422) and creates nothing more."""
    params = {"connection_id": api.a.connection.id}
    headers = {"Idempotency-Key": "k-2"}
    await api.a.client.post("/v1/crm/contacts", params=params, json=NEW, headers=headers)
    other = await api.a.client.post(
        "/v1/crm/contacts", params=params, json={"first_name": "Grace"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert created(api) == 1


async def test_keys_are_per_tenant(api: Api) -> None:
    """Another tenant's use of the same key string is a different key."""
    headers = {"Idempotency-Key": "shared"}
    a = await api.a.client.post(
        "/v1/crm/contacts",
        params={"connection_id": api.a.connection.id},
        json=NEW,
        headers=headers,
    )
    b = await api.b.client.post(
        "/v1/crm/contacts",
        params={"connection_id": api.b.connection.id},
        json={"first_name": "Other"},
        headers=headers,
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


async def test_concurrent_requests_with_one_key_execute_once(api: Api) -> None:
    """Ten concurrent POSTs with one key: the vendor creates one record; every answer is the
    201 (executed or replayed) or 409 'in progress'."""
    params = {"connection_id": api.a.connection.id}
    headers = {"Idempotency-Key": "burst"}
    answers = await asyncio.gather(*(
        api.a.client.post("/v1/crm/contacts", params=params, json=NEW, headers=headers)
        for _ in range(10)
    ))  # fmt: skip
    assert created(api) == 1
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    ids = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(ids) == 1
    for answer in answers:
        if answer.status_code == 409:
            assert answer.headers["retry-after"] == "1"
    again = await api.a.client.post("/v1/crm/contacts", params=params, json=NEW, headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] in ids


def _claim_race(keys: IdempotencyKeys, tenant_id: str, workers: int) -> list[str]:
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []

    def claim() -> None:
        barrier.wait()
        outcomes.append(keys.claim(tenant_id, "race", "same-body").outcome)

    threads = [threading.Thread(target=claim) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_claims_race_on_sqlite_one_wins(tmp_path: Path) -> None:
    """Eight threads claiming one key at once on SQLite: exactly one claims it."""
    with open_store(f"sqlite:///{tmp_path / 'race.db'}") as store:
        tenant = store.create_tenant("T")
        outcomes = _claim_race(IdempotencyKeys(store), tenant.id, 8)
    assert sorted(outcomes) == ["claimed"] + ["in_progress"] * 7


@pytest.mark.postgres
def test_claims_race_on_postgres_one_wins(postgres_url: str, postgres_schema: str) -> None:
    """Eight threads claiming one key at once on PostgreSQL: exactly one claims it."""
    with open_store(postgres_url, schema=postgres_schema) as store:
        tenant = store.create_tenant("T")
        outcomes = _claim_race(IdempotencyKeys(store), tenant.id, 8)
    assert sorted(outcomes) == ["claimed"] + ["in_progress"] * 7


def test_keys_are_kept_a_day_at_least(tmp_path: Path) -> None:
    """A key replays 23 h later, is forgotten after 24 h; a shorter keep is refused."""
    from interlink._clock import FakeClock

    clock = FakeClock()
    with open_store(f"sqlite:///{tmp_path / 'keep.db'}", clock=clock) as store:
        tenant = store.create_tenant("T")
        keys = IdempotencyKeys(store)
        assert keys.claim(tenant.id, "k", "h").outcome == "claimed"
        keys.complete(tenant.id, "k", 201, {"id": "x"})
        clock.advance(23 * 3600)
        assert keys.claim(tenant.id, "k", "h").outcome == "replay"
        clock.advance(3600 + 1)
        assert keys.claim(tenant.id, "k", "h").outcome == "claimed"
        from datetime import timedelta

        with pytest.raises(ValueError, match="at least 24 h"):
            IdempotencyKeys(store, ttl=timedelta(hours=1))


def test_a_claim_left_in_progress_is_abandoned_after_ten_minutes(tmp_path: Path) -> None:
    """A key whose request never finished reads as in progress for ten minutes, then as
    abandoned (with when it started), never as claimable: a retry must not write twice."""
    from interlink._clock import FakeClock

    clock = FakeClock()
    with open_store(f"sqlite:///{tmp_path / 'abandoned.db'}", clock=clock) as store:
        tenant = store.create_tenant("T")
        keys = IdempotencyKeys(store)
        assert keys.claim(tenant.id, "k", "h").outcome == "claimed"
        clock.advance(9 * 60)
        assert keys.claim(tenant.id, "k", "h").outcome == "in_progress"
        clock.advance(2 * 60)
        claim = keys.claim(tenant.id, "k", "h")
        assert claim.outcome == "abandoned"
        assert claim.since is not None
        assert clock.time() - claim.since.timestamp() == pytest.approx(11 * 60)


async def test_a_key_whose_request_died_is_409_abandoned_not_retried(
    api: Api, clock: FakeClock
) -> None:
    """A POST under a key whose first request's server stopped mid-call (its claim still in
    progress long after) is refused 409 idempotency-key-abandoned naming when it started,
    and the vendor is not called again."""
    from interlink.server._idempotency import request_hash

    tenant_id = api.a.connection.tenant_id
    fingerprint = request_hash("POST", "/v1/crm/contacts", api.a.connection.id, NEW)
    keys = IdempotencyKeys(api.store.store)
    assert keys.claim(tenant_id, "k-died", fingerprint).outcome == "claimed"
    clock.advance(15 * 60)
    answer = await api.a.client.post(
        "/v1/crm/contacts",
        params={"connection_id": api.a.connection.id},
        json=NEW,
        headers={"Idempotency-Key": "k-died"},
    )
    assert answer.status_code == 409, answer.text
    problem = answer.json()
    assert problem["type"].endswith("idempotency-key-abandoned")
    assert "never finished" in problem["detail"]
    assert "retry-after" not in answer.headers
    assert created(api) == 0


async def test_unknown_field_in_body_is_422_naming_it(api: Api) -> None:
    """A body field the model lacks, or a read-only one, is a 422 naming it; nothing is sent."""
    for field in ("favourite_colour", "remote_id"):
        answer = await api.a.client.post(
            "/v1/crm/contacts",
            params={"connection_id": api.a.connection.id},
            json={"first_name": "X", field: "y"},
        )
        assert answer.status_code == 422
        assert f"body {field}" in answer.json()["detail"]
    assert created(api) == 0


async def test_a_field_the_connector_cannot_write_is_422_naming_it(api: Api) -> None:
    """A model field the connection's write mapping has no rule for (HubSpot contacts'
    addresses) is the client's InvalidWriteError: a 422 naming the body field and provider;
    nothing is sent to the vendor."""
    answer = await api.a.client.post(
        "/v1/crm/contacts",
        params={"connection_id": api.a.connection.id},
        json={"first_name": "X", "addresses": [{"city": "Paris"}]},
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["detail"].startswith("body addresses: hubspot cannot write it")
    assert problem["provider"] == "hubspot"
    assert created(api) == 0


async def _one(api: Api) -> tuple[str, str]:
    listed = (await api.a.client.get("/v1/crm/contacts", params={"page_size": 1})).json()
    record = listed["results"][0]
    etag = (await api.a.client.get(f"/v1/crm/contacts/{record['id']}")).headers["etag"]
    return record["id"], etag


async def test_patch_with_matching_etag_updates_vendor_and_store(api: Api) -> None:
    """PATCH with the current ETag changes the vendor's record; the answer carries a new ETag
    that the store serves."""
    record_id, etag = await _one(api)
    answer = await api.a.client.patch(
        f"/v1/crm/contacts/{record_id}", json={"last_name": "Hopper"}, headers={"If-Match": etag}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["last_name"] == "Hopper"
    assert answer.headers["etag"] != etag
    again = await api.a.client.get(f"/v1/crm/contacts/{record_id}")
    assert again.headers["etag"] == answer.headers["etag"]


async def test_patch_with_stale_etag_is_412(api: Api) -> None:
    """PATCH with an old ETag is refused (412) with the current one, and the vendor is untouched."""
    record_id, etag = await _one(api)
    await api.a.client.patch(f"/v1/crm/contacts/{record_id}", json={"last_name": "One"})
    stale = await api.a.client.patch(
        f"/v1/crm/contacts/{record_id}", json={"last_name": "Two"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.headers["etag"] != etag
    current = await api.a.client.get(f"/v1/crm/contacts/{record_id}", params={"fresh": "true"})
    assert current.json()["last_name"] == "One"


async def test_patch_refuses_to_overwrite_a_newer_vendor_version(api: Api) -> None:
    """When the vendor changed the record after the store's copy (another writer), a PATCH with
    the store's ETag is refused (412); the newer version is stored, not overwritten."""
    record_id, etag = await _one(api)
    remote_id = (await api.a.client.get(f"/v1/crm/contacts/{record_id}")).json()["remote_id"]
    api.a.vendor.clock.advance(60)  # type: ignore[attr-defined]
    elsewhere = await api.a.client.patch(
        f"/v1/passthrough/{api.a.connection.id}/crm/v3/objects/contacts/{remote_id}",
        json={"properties": {"lastname": "Elsewhere"}},
    )
    assert elsewhere.status_code == 200
    refused = await api.a.client.patch(
        f"/v1/crm/contacts/{record_id}", json={"last_name": "Mine"}, headers={"If-Match": etag}
    )
    assert refused.status_code == 412
    assert refused.json()["provider"] == "hubspot"
    stored = await api.a.client.get(f"/v1/crm/contacts/{record_id}")
    assert stored.json()["last_name"] == "Elsewhere"
    assert stored.headers["etag"] == refused.headers["etag"]


def _cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """Run `interlink ARGS` on the fixture's store and key file; its output."""
    for name in list(os.environ):
        if name.startswith("INTERLINK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("INTERLINK_DATABASE_URL", f"sqlite:///{tmp_path / 'interlink.db'}")
    monkeypatch.setenv("INTERLINK_KEY_FILE", str(tmp_path / "secret.key"))
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


async def test_tenant_requiring_if_match_gets_428(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `interlink tenants set T --require-if-match` a PATCH or DELETE without If-Match
    is 428 (with If-Match it proceeds); `--no-require-if-match` lifts it."""
    out = _cli(tmp_path, monkeypatch, "tenants", "set", "Acme", "--require-if-match", "--json")
    assert json.loads(out)["settings"] == {"require_if_match": True}
    record_id, etag = await _one(api)
    for method in ("PATCH", "DELETE"):
        answer = await api.a.client.request(
            method,
            f"/v1/crm/contacts/{record_id}",
            json={"last_name": "X"} if method == "PATCH" else None,
        )
        assert answer.status_code == 428
        assert "If-Match" in answer.json()["detail"]
    listed = await api.b.client.get("/v1/crm/contacts", params={"page_size": 1})
    other_id = listed.json()["results"][0]["id"]
    other = await api.b.client.patch(f"/v1/crm/contacts/{other_id}", json={"last_name": "Y"})
    assert other.status_code == 200, other.text  # the other tenant is not affected
    ok = await api.a.client.patch(
        f"/v1/crm/contacts/{record_id}", json={"last_name": "X"}, headers={"If-Match": etag}
    )
    assert ok.status_code == 200
    _cli(tmp_path, monkeypatch, "tenants", "set", api.a.tenant.id, "--no-require-if-match")
    free = await api.a.client.patch(f"/v1/crm/contacts/{record_id}", json={"last_name": "Z"})
    assert free.status_code == 200, free.text


async def test_tenant_created_requiring_if_match_gets_428(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tenant made by `interlink tenants create NAME --require-if-match`, with a key from
    `interlink keys create`, gets 428 for a PATCH without If-Match."""
    made = json.loads(
        _cli(tmp_path, monkeypatch, "tenants", "create", "Initech", "--require-if-match", "--json")
    )
    assert made["settings"] == {"require_if_match": True}
    key = json.loads(_cli(tmp_path, monkeypatch, "keys", "create", "Initech", "--json"))["key"]
    row = await api.store.create_connection(
        made["id"], "hubspot", auth_method="private_app", variables={}
    )
    api.vault.put(row.id, {"access_token": api.a.vendor.default_token.value})
    async with api.client(key) as client:
        made = await client.post("/v1/crm/contacts", params={"connection_id": row.id}, json=NEW)
        assert made.status_code == 201, made.text
        answer = await client.patch(made.headers["location"], json={"last_name": "X"})
    assert answer.status_code == 428
    assert answer.headers["content-type"] == "application/problem+json"


async def test_delete_removes_at_vendor_and_marks_store(api: Api) -> None:
    """DELETE archives at the vendor, marks the stored record deleted (listed only with
    include_deleted) with a `deleted` event; a second DELETE is still 204."""
    record_id, etag = await _one(api)
    answer = await api.a.client.delete(f"/v1/crm/contacts/{record_id}", headers={"If-Match": etag})
    assert answer.status_code == 204
    listed = (await api.a.client.get("/v1/crm/contacts", params={"page_size": 100})).json()
    assert record_id not in {r["id"] for r in listed["results"]}
    with_deleted = (
        await api.a.client.get("/v1/crm/contacts", params={"include_deleted": "true"})
    ).json()
    gone = next(r for r in with_deleted["results"] if r["id"] == record_id)
    assert gone["remote_was_deleted"] is True
    events = await api.store.change_events(connection_id=api.a.connection.id)
    assert [e.kind for e in events if e.record_id == record_id][-1] == "deleted"
    again = await api.a.client.delete(f"/v1/crm/contacts/{record_id}")
    assert again.status_code == 204


async def test_writes_are_audited(api: Api) -> None:
    """Creates, updates and deletes through the API, and the credential reads they made, are in
    the tenant's audit log with the key as actor; the other tenant sees none of it."""
    made = await api.a.client.post(
        "/v1/crm/contacts", params={"connection_id": api.a.connection.id}, json=NEW
    )
    record_id = made.json()["id"]
    await api.a.client.patch(f"/v1/crm/contacts/{record_id}", json={"last_name": "B"})
    await api.a.client.delete(f"/v1/crm/contacts/{record_id}")
    log = (await api.a.client.get("/v1/audit")).json()["results"]
    key = f"api_key:{api.a.key_id}"
    by_key = [(e["action"], e["outcome"]) for e in log if e["actor"] == key]
    assert sorted(set(by_key)) == [("credentials.read", "ok"), ("record.create", "ok"),
                                   ("record.delete", "ok"), ("record.update", "ok")]  # fmt: skip
    assert by_key.count(("credentials.read", "ok")) == 3  # one per vendor write
    # The rest is the fixture's own sync, read by the process before any request.
    assert {e["actor"] for e in log} == {key, "interlink"}
    other = (await api.b.client.get("/v1/audit")).json()["results"]
    assert {e["target"] for e in other} == {api.b.connection.id}
