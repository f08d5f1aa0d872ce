"""The dashboard: sign-in, figures equal to the store's, the dead-letter replay button."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from tests.server.dashboard._world import SECRET, Dashboard, dashboard_world

from interlink._clock import FakeClock
from interlink.breaker import CircuitBreaker
from interlink.server._keys import ApiKeys
from interlink.server.connect import TenantTokens
from interlink.webhooks import missed_webhooks

BASE = "http://dash.test"


@pytest.fixture
async def dash(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Dashboard]:
    """Acme after three HubSpot syncs (one failed) and a dead-lettered webhook; Globex too."""
    async with dashboard_world(tmp_path, clock, records=300) as world:
        yield world


@pytest.fixture
async def browser(dash: Dashboard) -> AsyncIterator[httpx2.AsyncClient]:
    """A browser on the dashboard (cookies kept, redirects not followed)."""
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=dash.app), base_url=BASE
    ) as client:
        yield client


async def _sign_in(browser: httpx2.AsyncClient, key: str) -> str:
    answer = await browser.post("/dashboard/login", data={"api_key": key})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard"
    page = await browser.get("/dashboard")
    assert page.status_code == 200
    return page.text


def cells(html: str, connection_id: str) -> dict[str, str]:
    """The figures of one connection's row, by field."""
    row = re.search(rf'<tr data-connection="{connection_id}">(.*?)</tr>', html, re.S)
    assert row is not None, f"no row for {connection_id}"
    return dict(re.findall(r'data-field="([a-z_0-9]+)">([^<]*)<', row[1]))


async def expected(dash: Dashboard) -> dict[str, str]:
    """The same figures, computed from the store (and the shared breaker state)."""
    store, row = dash.store, dash.connection
    runs = [r for r in await store.list_runs(connection_id=row.id, limit=50)
            if r.outcome in ("succeeded", "failed")]  # fmt: skip
    failed = sum(r.outcome == "failed" for r in runs)
    missed = sum(m.total for m in missed_webhooks(store.store, [row.id]))
    breaker = await CircuitBreaker("hubspot", row.id, store=dash.state.breakers).state()
    return {
        "records": str(await store.count_records(connection_id=row.id)),
        "error_rate": f"{failed / len(runs) * 100:.1f}%",
        "absorbed_429s": str(sum(r.stats.absorbed_429s for r in runs)),
        "breaker": str(breaker),
        "drift": str(len(await store.list_drift(row.id))),
        "missed_webhooks": str(missed),
    }


async def test_figures_equal_the_stores(dash: Dashboard, browser: httpx2.AsyncClient) -> None:
    """Every figure of the connection's row is the store's; the failed run shows in the rate."""
    html = await _sign_in(browser, dash.key)
    shown = cells(html, dash.connection.id)
    want = await expected(dash)
    assert {k: shown[k] for k in want} == want
    assert want["records"] == "300"
    assert want["error_rate"] == "33.3%"
    assert want["missed_webhooks"] == "1"
    assert shown["health"] == "degraded"  # the last run succeeded, an earlier one failed
    assert shown["last_sync"].endswith("succeeded")
    runs = await dash.store.list_runs(tenant_id=dash.tenant.id, limit=20)
    assert re.findall(r'<tr data-run="([^"]+)">', html) == [r.id for r in runs]


async def test_only_the_tenants_own_rows_and_never_a_credential(
    dash: Dashboard, browser: httpx2.AsyncClient
) -> None:
    """Globex's connection and dead letter are not on Acme's page; no token appears."""
    html = await _sign_in(browser, dash.key)
    (others,) = await dash.store.list_connections(tenant_id=dash.other.id)
    assert others.id not in html
    assert dash.other_letter.id not in html
    assert f'data-letter="{dash.letter.id}"' in html
    assert dash.hubspot.default_token.value not in html
    assert dash.key not in html


async def test_replay_puts_the_event_back_and_it_is_applied(
    dash: Dashboard, browser: httpx2.AsyncClient
) -> None:
    """The replay button (a POST with the CSRF token) re-queues the event; processing applies
    it; the letter leaves the queue."""
    html = await _sign_in(browser, dash.key)
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert csrf is not None
    answer = await browser.post(
        f"/dashboard/dead-letters/{dash.letter.id}/replay", data={"csrf": csrf[1]}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/dashboard?replayed={dash.letter.id}"
    event = dash.inbox.get(dash.letter.inbox_id)
    assert event is not None
    assert event.status == "pending"
    stats = await dash.processor.drain()
    assert stats.applied == 1
    after = await browser.get(answer.headers["location"])
    assert 'id="notice"' in after.text
    assert f'data-letter="{dash.letter.id}"' not in after.text
    record = await dash.store.get_record_by_remote(dash.connection.id, "contacts", "1001")
    assert record is not None


async def test_replay_needs_the_csrf_token_and_the_tenants_own_letter(
    dash: Dashboard, browser: httpx2.AsyncClient
) -> None:
    """Without the CSRF token: 400. Another tenant's letter: answered as missing, untouched."""
    html = await _sign_in(browser, dash.key)
    refused = await browser.post(
        f"/dashboard/dead-letters/{dash.letter.id}/replay", data={"csrf": "forged"}
    )
    assert refused.status_code == 400
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert csrf is not None
    foreign = await browser.post(
        f"/dashboard/dead-letters/{dash.other_letter.id}/replay", data={"csrf": csrf[1]}
    )
    assert foreign.headers["location"] == f"/dashboard?missing={dash.other_letter.id}"
    letters = {x.id: x.status for x in dash.processor.dead_letters.letters(status=None)}
    assert letters == {dash.letter.id: "dead", dash.other_letter.id: "dead"}


async def test_sign_in_is_required_and_checked(
    dash: Dashboard, browser: httpx2.AsyncClient
) -> None:
    """No session: to the login page. A wrong key: 401. A revoked key ends its session."""
    first = await browser.get("/dashboard")
    assert first.status_code == 303
    assert first.headers["location"] == "/dashboard/login"
    wrong = await browser.post("/dashboard/login", data={"api_key": "ilk_nope"})
    assert wrong.status_code == 401
    assert "unknown or revoked" in wrong.text
    await _sign_in(browser, dash.key)
    keys = ApiKeys(dash.store.store)
    (key,) = [k for k in keys.list(dash.tenant.id) if k.name == "dashboard"]
    keys.revoke(key.id)
    after = await browser.get("/dashboard")
    assert after.status_code == 303


async def test_a_tenant_token_signs_in_and_leaves_the_url(
    dash: Dashboard, browser: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """`?tenant_token=` becomes a session and a redirect to the bare URL; expired is 401."""
    token, _ = TenantTokens(SECRET).mint(dash.tenant.id, expires_at=clock.time() + 60)
    answer = await browser.get("/dashboard", params={"tenant_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard"
    page = await browser.get("/dashboard")
    assert page.status_code == 200
    assert dash.connection.id in page.text
    clock.advance(61)
    expired = await browser.get("/dashboard", params={"tenant_token": token})
    assert expired.status_code == 401
