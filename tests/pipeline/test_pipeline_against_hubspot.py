"""The whole pipeline against the HubSpot simulator, in-process through the ASGI transport."""

from __future__ import annotations

import random

from interlink import (
    BearerAuth,
    CircuitBreaker,
    CursorPagination,
    FakeClock,
    OAuth2Client,
    Pipeline,
    RateLimiter,
    RefreshTokenAuth,
    Request,
    RetryPolicy,
    TokenSet,
)
from interlink.http import ASGITransport
from interlink.simulators import create_simulator
from interlink.simulators.hubspot import HubSpotSimulator

BASE = "https://api.hubapi.com"
CONTACTS = f"{BASE}/crm/v3/objects/contacts"
PAGES = CursorPagination(
    cursor_path="paging.next.after", cursor_param="after", size_param="limit", page_size=100
)


def hubspot(clock: FakeClock, records: int, **options: object) -> HubSpotSimulator:
    sim = create_simulator("hubspot", records=records, clock=clock, **options)  # type: ignore[arg-type]
    assert isinstance(sim, HubSpotSimulator)
    return sim


async def walk(pipeline: Pipeline) -> list[str]:
    ids: list[str] = []
    async for page in pipeline.paginate(
        Request.build("GET", CONTACTS), PAGES, records_path="results", id_field="id"
    ):
        ids.extend(record["id"] for record in page.records)
    return ids


async def test_learned_hubspot_limits_read_everything_with_no_429(clock: FakeClock) -> None:
    """15,000 contacts (150 pages, past 100 per 10 s) arrive once each, and HubSpot sends no 429."""
    sim = hubspot(clock, 15_000)
    async with sim:
        pipeline = Pipeline(
            "hubspot",
            ASGITransport(sim.app),
            auth=BearerAuth(sim.default_token.value),
            limiter=RateLimiter("hubspot", "conn-1", clock=clock),
            breaker=CircuitBreaker("hubspot", "conn-1", clock=clock),
            retry=RetryPolicy(rng=random.Random(1)),
            clock=clock,
        )
        ids = await walk(pipeline)
    assert len(ids) == 15_000
    assert len(set(ids)) == 15_000
    assert sim.counters.rate_limited == 0
    assert pipeline.stats.rate_limited == 0
    assert clock.monotonic() >= 10.0  # it really had to wait for HubSpot's window


async def test_oauth_refresh_against_the_vendor_token_endpoint(clock: FakeClock) -> None:
    """An expiring HubSpot OAuth token is refreshed proactively, once, with no 401 on the way."""
    sim = hubspot(clock, 1_000)
    async with sim:
        code = sim.issue_auth_code()
        saved: list[TokenSet] = []

        async def persist(tokens: TokenSet) -> None:
            saved.append(tokens)

        client = OAuth2Client(
            f"{BASE}/oauth/v1/token",
            sim.client_id,
            sim.client_secret,
            client_auth="client_secret_post",
        )
        # Exchange the code the way the connect flow will, then hand the grant to the auth.
        transport = ASGITransport(sim.app)
        exchange = Request.build(
            "POST",
            f"{BASE}/oauth/v1/token",
            content=(
                f"grant_type=authorization_code&code={code}&redirect_uri=http://x/cb"
                f"&client_id={sim.client_id}&client_secret={sim.client_secret}"
            ).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        granted = (await transport.send(exchange)).json()
        auth = RefreshTokenAuth(
            client,
            TokenSet.from_refresh_token(granted["refresh_token"]),
            on_tokens_rotated=persist,
            clock=clock,
        )
        pipeline = Pipeline("hubspot", transport, auth=auth, clock=clock)
        assert len(await walk(pipeline)) == 1_000
        after_first = sim.counters.token_requests
        clock.advance(1800 * 0.85)  # past 80% of HubSpot's 30-minute lifetime
        assert len(await walk(pipeline)) == 1_000
    assert sim.counters.token_requests == after_first + 1
    assert saved == []  # HubSpot keeps its refresh token: there was no rotation to persist
    assert sim.counters.count(status=401) == 0


async def test_flaky_vendor_loses_nothing(clock: FakeClock) -> None:
    """Against 5xx bursts and connection resets, retries still yield every record exactly once."""
    sim = hubspot(clock, 3_000, faults="flaky", rate_limits=False)
    async with sim:
        pipeline = Pipeline(
            "hubspot",
            ASGITransport(sim.app),
            auth=BearerAuth(sim.default_token.value),
            retry=RetryPolicy(attempts=8, total_timeout=600.0, rng=random.Random(3)),
            clock=clock,
        )
        ids = await walk(pipeline)
    assert sorted(ids, key=int) == sorted(set(ids), key=int)
    assert len(ids) == 3_000
    assert pipeline.stats.retries > 0
