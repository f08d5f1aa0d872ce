"""/metrics figures driven by real vendor behaviour: retries, token requests, breaker
refusals, sync lag and last success, each checked against what the vendor or store saw."""

from __future__ import annotations

from tests.server.conftest import Api, scrape

from interlink._clock import FakeClock
from interlink.simulators import FaultConfig


def _contacts(api: Api, connection_id: str) -> str:
    return f"/v1/passthrough/{connection_id}/crm/v3/objects/contacts"


async def test_api_calls_count_their_retries(api: Api) -> None:
    """A call that the vendor refuses with 429s and then answers counts one retry per attempt
    after the first (what the vendor saw, less the success)."""
    vendor = api.a.vendor
    before = vendor.counters.count(route="GET /crm/v3/objects/{object_type}")
    vendor.faults.configure(FaultConfig(error_rates={429: 0.5}, seed=7))
    assert (await api.a.client.get(_contacts(api, api.a.connection.id))).status_code == 200
    attempts = vendor.counters.count(route="GET /crm/v3/objects/{object_type}") - before
    assert attempts >= 2
    scraped = await scrape(api)
    assert scraped("interlink_vendor_retries_total", provider="hubspot") == attempts - 1


async def test_sync_runs_count_their_retries(api: Api) -> None:
    """A sync through 503s counts the run's retries, as the run records them."""
    api.a.vendor.faults.configure(FaultConfig(error_rates={503: 0.4}, seed=3))
    await api.a.client.post(f"/v1/connections/{api.a.connection.id}/sync", json={"full": True})
    (run,) = await api.runner.join()
    assert run.outcome == "succeeded", run.error
    assert run.stats.retries >= 1
    scraped = await scrape(api)
    assert scraped("interlink_vendor_retries_total", provider="hubspot") == run.stats.retries


async def test_token_requests_are_counted_by_outcome(api: Api) -> None:
    """An OAuth connection's refresh is counted `ok`, a refused refresh `refused`, matching the
    token requests the vendor received."""
    vendor = api.a.vendor
    grant = vendor.issue_token("oauth")
    good = {"client_id": vendor.client_id, "client_secret": vendor.client_secret,
            "refresh_token": grant.refresh_token or ""}  # fmt: skip
    for credentials in (good, {**good, "refresh_token": "not-a-refresh-token"}):
        row = await api.store.create_connection(
            api.a.tenant.id, "hubspot", auth_method="oauth", variables={}
        )
        api.vault.put(row.id, credentials)
        await api.a.client.get(_contacts(api, row.id))
    scraped = await scrape(api)
    assert scraped("interlink_token_requests_total", provider="hubspot", outcome="ok") == 1
    assert scraped("interlink_token_requests_total", provider="hubspot", outcome="refused") >= 1
    total = sum(
        scraped("interlink_token_requests_total", provider="hubspot", outcome=outcome)
        for outcome in ("ok", "refused")
    )
    assert total == vendor.counters.token_requests


async def test_breaker_refusals_are_counted(api: Api) -> None:
    """Once a failing vendor opens the breaker, every call it refuses is counted once."""
    api.a.vendor.faults.configure(FaultConfig(error_rates={503: 1.0}))
    kinds = []
    for _ in range(6):
        answer = await api.a.client.get(_contacts(api, api.a.connection.id))
        kinds.append(answer.json()["type"].rsplit("/", 1)[-1])
    refused = kinds.count("circuit-open")
    assert refused >= 1
    scraped = await scrape(api)
    assert scraped("interlink_breaker_open_refusals_total", provider="hubspot") == refused


async def test_sync_lag_and_last_success(api: Api, clock: FakeClock) -> None:
    """After a connection's second successful sync, its lag is the time between its two runs'
    starts and its last success the second run's start; another connection's runs of the same
    provider and resource do not enter it."""
    clock.advance(300)
    await api.b.client.post(f"/v1/connections/{api.b.connection.id}/sync", json={})
    (other,) = await api.runner.join()
    assert other.outcome == "succeeded", other.error
    clock.advance(600)
    await api.a.client.post(f"/v1/connections/{api.a.connection.id}/sync", json={})
    (second,) = await api.runner.join()
    assert second.outcome == "succeeded", second.error
    runs = await api.store.list_runs(connection_id=api.a.connection.id)
    first = next(run for run in runs if run.id != second.id)
    scraped = await scrape(api)
    labels = {"provider": "hubspot", "connection_id": api.a.connection.id, "resource": "contacts"}
    lag = (second.started_at - first.started_at).total_seconds()
    assert lag >= 900
    assert scraped("interlink_sync_lag_seconds", **labels) == lag
    last = scraped("interlink_sync_last_success_timestamp", **labels)
    assert last == second.started_at.timestamp()
