"""Every error is RFC 9457 problem details: unknown routes, wrong methods, bad input, vendor
failures and bugs alike, and never a stack trace."""

from __future__ import annotations

import json

import pytest
from tests.server.conftest import Api

from interlink._logging import configure_logging

STANDARD = {"type", "title", "status", "detail"}


def _is_problem(answer, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body.keys() >= STANDARD
    assert body["status"] == status
    assert "Traceback" not in answer.text
    return body  # type: ignore[no-any-return]


async def test_unknown_route_and_wrong_method(api: Api) -> None:
    """An unknown path is 404 and a wrong method 405, both as problems."""
    _is_problem(await api.a.client.get("/v1/crm/unicorns"), 404)
    body = _is_problem(await api.a.client.put("/v1/crm/contacts"), 405)
    assert "PUT" in body["detail"]


async def test_validation_error_names_where(api: Api) -> None:
    """A malformed body is a 422 problem listing each field at fault."""
    answer = await api.a.client.post(
        "/v1/crm/contacts",
        params={"connection_id": api.a.connection.id},
        json={"first_name": 12, "email_addresses": "nope"},
    )
    body = _is_problem(answer, 422)
    wheres = {e["where"] for e in body["errors"]}
    assert "body first_name" in wheres
    assert any(w.startswith("body email_addresses") for w in wheres)


async def test_a_bug_is_a_500_problem_without_a_trace(api: Api) -> None:
    """An exception inside a handler answers 500 problem details with the request id, and the
    exception's words stay out of the answer."""

    async def boom() -> None:
        raise RuntimeError("secret internals at line 42")

    api.app.add_api_route("/v1/boom", boom)  # type: ignore[attr-defined]
    async with api.client(api.a.key, raise_errors=False) as client:
        answer = await client.get("/v1/boom", headers={"X-Request-Id": "req-500"})
    body = _is_problem(answer, 500)
    assert body["request_id"] == "req-500"
    assert "secret internals" not in answer.text


async def test_vendor_failure_names_provider_and_upstream_status(api: Api) -> None:
    """A vendor refusing the credentials is a problem with provider, retryable and
    upstream_status."""
    api.a.vendor.tokens.revoke(api.a.vendor.default_token.value)  # type: ignore[attr-defined]
    listed = (await api.a.client.get("/v1/crm/contacts", params={"page_size": 1})).json()
    answer = await api.a.client.get(
        f"/v1/crm/contacts/{listed['results'][0]['id']}", params={"fresh": "true"}
    )
    body = _is_problem(answer, 502)
    assert body["provider"] == "hubspot"
    assert body["upstream_status"] == 401
    assert body["retryable"] is False


async def test_request_id_in_and_out_and_in_logs(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    """X-Request-Id is echoed (or made up), and every log line of the request, the vendor call's
    included, carries it; neither the API key nor the vendor token is logged."""
    configure_logging("debug", json=True)
    capsys.readouterr()
    listed = (await api.a.client.get("/v1/crm/contacts", params={"page_size": 1})).json()
    record_id = listed["results"][0]["id"]
    answer = await api.a.client.get(
        f"/v1/crm/contacts/{record_id}",
        params={"fresh": "true"},
        headers={"X-Request-Id": "trace-me-1"},
    )
    assert answer.headers["x-request-id"] == "trace-me-1"
    made_up = await api.a.client.get("/v1/connections")
    assert len(made_up.headers["x-request-id"]) == 32
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    mine = [line for line in lines if line.get("request_id") == "trace-me-1"]
    events = {line["event"] for line in mine}
    assert "api.request" in events
    assert len(events) >= 2, events  # the vendor call's own lines carry it too
    text = json.dumps(lines)
    assert api.a.key not in text
    assert api.a.vendor.default_token.value not in text


async def test_passthrough_forwards_and_refuses_other_paths(api: Api) -> None:
    """Passthrough returns the vendor's status and body for an allowed path, and refuses
    another path with 403 naming the allow rule, without calling the vendor."""
    ok = await api.a.client.get(
        f"/v1/passthrough/{api.a.connection.id}/crm/v3/objects/contacts", params={"limit": 2}
    )
    assert ok.status_code == 200
    assert len(ok.json()["results"]) == 2
    assert ok.headers["x-upstream-status"] == "200"
    before = api.a.vendor.counters.total_requests
    refused = await api.a.client.get(f"/v1/passthrough/{api.a.connection.id}/oauth/v1/token")
    body = _is_problem(refused, 403)
    assert "passthrough.allow" in body["rule"]
    assert "/crm/v3/**" in body["rule"]
    assert api.a.vendor.counters.total_requests == before
    missing = await api.a.client.get(
        f"/v1/passthrough/{api.a.connection.id}/crm/v3/objects/contacts/999999999"
    )
    body = _is_problem(missing, 404)
    assert body["upstream_status"] == 404
    assert body["provider"] == "hubspot"
    not_json = await api.a.client.post(
        f"/v1/passthrough/{api.a.connection.id}/crm/v3/objects/contacts",
        content=b"a=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _is_problem(not_json, 415)
