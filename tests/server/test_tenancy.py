"""Every endpoint is authenticated and scoped: another tenant's ids answer 404, never data."""

from __future__ import annotations

import re
from typing import Any

import httpx2
from tests.server.conftest import Api

METHODS = ("get", "post", "patch", "delete", "put")


async def _a_ids(api: Api) -> dict[str, str]:
    listed = (await api.a.client.get("/v1/crm/contacts", params={"page_size": 1})).json()
    return {"connection_id": api.a.connection.id, "record_id": listed["results"][0]["id"]}


def _operations(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    spec = api.app.openapi()  # type: ignore[attr-defined]
    found = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                found.append((method.upper(), path, item[method]))
    return found


def _fill(path: str, ids: dict[str, str]) -> str:
    path = path.replace("{path}", "crm/v3/objects/contacts")
    return re.sub(r"\{(\w+)\}", lambda m: ids[m[1]], path)


async def _call(client: httpx2.AsyncClient, method: str, path: str, ids: dict[str, str],
                operation: dict[str, Any]) -> httpx2.Response:  # fmt: skip
    params = {}
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    if "connection_id" in names:
        params["connection_id"] = ids["connection_id"]
    body = {} if method in ("POST", "PATCH") else None
    if path.startswith("/v1/passthrough"):
        body = None
    return await client.request(method, _fill(path, ids), params=params, json=body)


async def test_every_endpoint_hides_another_tenants_ids(api: Api) -> None:
    """For every operation in the OpenAPI document, tenant B naming tenant A's connection or
    record gets 404 problem details without A's data, and A's vendor sees no write."""
    ids = await _a_ids(api)
    a_contacts = {r["id"] for r in (await api.a.client.get("/v1/crm/contacts")).json()["results"]}
    checked = 0
    for method, path, operation in _operations(api):
        answer = await _call(api.b.client, method, path, ids, operation)
        text = answer.text
        scoped = "{" in path or "connection_id" in str(operation.get("parameters", []))
        if scoped:
            assert answer.status_code == 404, (method, path, answer.status_code, text)
            assert answer.headers["content-type"] == "application/problem+json"
            checked += 1
        else:
            assert answer.status_code < 400, (method, path, text)
        assert not any(record_id in text for record_id in a_contacts - {ids["record_id"]})
        assert api.a.connection.id not in text or scoped
    assert checked >= 60
    assert api.a.vendor.counters.created["contacts"] == 0
    record = await api.a.client.get(f"/v1/crm/contacts/{ids['record_id']}")
    assert record.status_code == 200
    assert record.json()["remote_was_deleted"] is False


async def test_lists_without_a_connection_show_only_own_records(api: Api) -> None:
    """Listing without connection_id, connections and the audit log show only B's own rows."""
    contacts = (await api.b.client.get("/v1/crm/contacts")).json()["results"]
    assert len(contacts) == 20
    assert {r["connection_id"] for r in contacts} == {api.b.connection.id}
    connections = (await api.b.client.get("/v1/connections")).json()["results"]
    assert [c["id"] for c in connections] == [api.b.connection.id]


async def test_every_endpoint_needs_a_key(api: Api) -> None:
    """Every operation without a key, or with a malformed, unknown or revoked one, is 401."""
    ids = await _a_ids(api)
    keys = api.store.store
    from interlink.server import ApiKeys

    issued = ApiKeys(keys).create(api.a.tenant.id, "to revoke")
    ApiKeys(keys).revoke(issued.key.id)
    bad_keys = [None, "nonsense", "ilk_000000000000_guess", issued.secret]
    for method, path, operation in _operations(api):
        for key in bad_keys:
            client = api.anonymous if key is None else api.client(key)
            answer = await _call(client, method, path, ids, operation)
            assert answer.status_code == 401, (method, path, key, answer.text)
            assert answer.headers["www-authenticate"].startswith("Bearer")
            assert answer.headers["content-type"] == "application/problem+json"
            if key is not None:
                await client.aclose()


async def test_a_revoked_key_stops_working(api: Api) -> None:
    """A key works until revoked, then answers 401."""
    from interlink.server import ApiKeys

    keys = ApiKeys(api.store.store)
    issued = keys.create(api.a.tenant.id, "short-lived")
    async with api.client(issued.secret) as client:
        assert (await client.get("/v1/connections")).status_code == 200
        keys.revoke(issued.key.id)
        assert (await client.get("/v1/connections")).status_code == 401
    assert "secret" not in repr(issued) or "redacted" in repr(issued)
    assert issued.secret not in repr(issued)
