"""Connections, syncs through the embedded runner, runs, drift, and the metrics they feed."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.server.conftest import Api, scrape

from interlink.simulators import FaultConfig


async def test_sync_is_accepted_then_runs_appear(api: Api) -> None:
    """POST .../sync answers 202 with the queued jobs; the runner runs them and the runs
    are listed newest first with their statistics."""
    answer = await api.a.client.post(f"/v1/connections/{api.a.connection.id}/sync",
                                     json={"resources": ["contacts"], "full": True})  # fmt: skip
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["jobs"] == [{"resource": "contacts", "state": "queued"}]
    assert body["runs"] == f"/v1/connections/{api.a.connection.id}/runs"
    finished = await api.runner.join()
    assert [run.outcome for run in finished] == ["succeeded"]
    runs = (await api.a.client.get(body["runs"])).json()["results"]
    assert runs[0]["id"] == finished[0].id
    assert runs[0]["mode"] == "full"
    assert runs[0]["stats"]["seen"] == 20
    assert len(runs) == 2  # and the fixture's first run


async def test_sync_of_an_unknown_resource_is_422(api: Api) -> None:
    """Naming a resource the provider cannot list is a 422 naming it and the known ones."""
    answer = await api.a.client.post(
        f"/v1/connections/{api.a.connection.id}/sync", json={"resources": ["unicorns"]}
    )
    assert answer.status_code == 422
    assert "'unicorns'" in answer.json()["detail"]
    assert "contacts" in answer.json()["detail"]


async def test_connections_and_drift(api: Api) -> None:
    """The tenant's connections are listed; drift findings recorded for one are served."""
    listed = (await api.a.client.get("/v1/connections")).json()["results"]
    assert [(c["id"], c["provider"], c["status"]) for c in listed] == [
        (api.a.connection.id, "hubspot", "active")
    ]
    assert "credentials" not in str(listed)
    await api.store.record_drift(
        api.a.connection.id,
        "contacts",
        [("new_field", "properties.shoe_size", "string")],
        datetime.now(UTC),
    )
    drift = (await api.a.client.get(f"/v1/connections/{api.a.connection.id}/drift")).json()
    assert [(d["kind"], d["field"], d["count"]) for d in drift["results"]] == [
        ("new_field", "properties.shoe_size", 1)
    ]


async def test_metrics_count_vendor_calls_and_syncs(api: Api) -> None:
    """/metrics exports vendor calls by provider, resource and status, latency, and sync runs
    and records by outcome and kind, and each connection's breaker state."""
    await api.a.client.post(f"/v1/connections/{api.a.connection.id}/sync", json={})
    await api.runner.join()
    text = (await api.anonymous.get("/metrics")).text
    assert (
        'interlink_vendor_calls_total{provider="hubspot",resource="contacts",status="200"}' in text
    )
    assert "interlink_vendor_call_seconds_bucket" in text
    assert (
        'interlink_sync_runs_total{outcome="succeeded",provider="hubspot",resource="contacts"}'
        in text
    )
    assert (
        'interlink_sync_records_total{kind="created",provider="hubspot",resource="contacts"} 40.0'
        in text
    )
    assert "interlink_api_requests_total" in text
    breaker = f'interlink_breaker_state{{connection_id="{api.a.connection.id}",provider="hubspot"}}'
    assert f"{breaker} 0.0" in text
    calls = api.metrics.value(
        "interlink_vendor_calls_total", provider="hubspot", resource="contacts", status="200"
    )
    assert calls >= 3


async def test_vendor_429s_and_auth_failures_are_counted(api: Api) -> None:
    """Each 429 the vendor sends is counted for its provider (the pipeline retries past them),
    and a vendor's 401 as an auth failure; /metrics shows both."""
    vendor = api.a.vendor
    vendor.faults.configure(FaultConfig(error_rates={429: 0.5}, seed=7))
    path = f"/v1/passthrough/{api.a.connection.id}/crm/v3/objects/contacts"
    assert (await api.a.client.get(path)).status_code == 200
    assert vendor.counters.rate_limited >= 1  # the seed makes the first attempts 429s
    vendor.faults.configure(FaultConfig())
    vendor.tokens.revoke(vendor.default_token.value)
    refused = await api.a.client.get(path)
    assert refused.json()["type"].endswith("/upstream-auth-failed")
    scraped = await scrape(api)
    assert scraped("interlink_vendor_429_total", provider="hubspot") == vendor.counters.rate_limited
    assert scraped("interlink_vendor_auth_failures_total", provider="hubspot") == 1
