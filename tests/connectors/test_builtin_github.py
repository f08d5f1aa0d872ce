"""The built-in GitHub connector against the GitHub simulator, in process through ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from tests.connectors._simkit import builtin_spec, fetch_json, open_builtin, running

import interlink
from interlink import AuthError, FakeClock, FatalError, NotFoundError
from interlink.models import Ticket, TicketStatus
from interlink.simulators.github import GitHubSimulator

RECORDS = 250
REPO = {"owner": "acme-corp", "repo": "platform"}
LIST = "GET /repos/{owner}/{repo}/issues"
PAGES = "GET /repositories/{repository_id:int}/issues"


@pytest.fixture
async def github(clock: FakeClock) -> AsyncIterator[GitHubSimulator]:
    """A GitHub simulator with 250 issues in acme-corp/platform on the fake clock."""
    async with running("github", clock, records=RECORDS) as sim:
        assert isinstance(sim, GitHubSimulator)
        yield sim


def _open(sim: GitHubSimulator, clock: FakeClock, token: str | None = None) -> interlink.Connection:
    credentials = {"token": token or sim.default_token.value}
    return open_builtin(sim, clock, credentials=credentials, variables=REPO)


@pytest.fixture
async def connection(
    github: GitHubSimulator, clock: FakeClock
) -> AsyncIterator[interlink.Connection]:
    async with _open(github, clock) as conn:
        yield conn


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_issues_to_tickets_numbered_as_in_urls() -> None:
    """The spec loads; issues map to ticketing.ticket with the issue number as remote id."""
    spec = builtin_spec("github")
    issues = spec.resources["issues"]
    assert issues.model == "ticketing.ticket"
    assert set(issues.operations) == {"list", "incremental", "get", "create", "update", "delete"}
    assert issues.operations["delete"].method == "PATCH"  # closing: GitHub deletes no issues
    assert spec.api_version is not None
    assert spec.api_version.header == "X-GitHub-Api-Version"


async def test_a_real_page_maps_every_issue(github: GitHubSimulator) -> None:
    """A page of the simulator's answer maps issue by issue with no MappingError."""
    auth = {"Authorization": f"Bearer {github.default_token.value}"}
    page = await fetch_json(github, "/repos/acme-corp/platform/issues?state=all&per_page=100", auth)
    batch = builtin_spec("github").resources["issues"].mapping.read_batch(page, "conn-1")
    assert batch.errors == []
    assert len(batch.records) == 100


# -- through the connection -----------------------------------------------------------------


async def test_list_follows_the_link_header_through_every_issue(
    connection: interlink.Connection, github: GitHubSimulator
) -> None:
    """All 250 issues, open and closed, arrive once each over rel="next" links."""
    issues = [i async for i in connection.list("issues")]
    assert [i.remote_id for i in issues] == [str(n) for n in range(1, RECORDS + 1)]
    assert github.counters.count(route=LIST) == 1
    assert github.counters.count(route=PAGES) == 2  # GitHub's links name the repository id
    assert {i.status for i in issues} == {TicketStatus.OPEN, TicketStatus.CLOSED}
    first = issues[0]
    assert isinstance(first, Ticket)
    raw = first.remote_data
    assert raw is not None
    assert first.name == raw["title"]
    assert first.creator_id == raw["user"]["login"]
    assert first.assignees == [a["login"] for a in raw["assignees"]]
    assert first.ticket_url == raw["html_url"]
    assert first.custom_fields["id"] == raw["id"]  # GitHub's global id
    assert "comments" in first.custom_fields
    assert not any(key.endswith("url") for key in first.custom_fields)


async def test_incremental_since_returns_only_issues_updated_after_the_watermark(
    connection: interlink.Connection, clock: FakeClock
) -> None:
    """modified_after sends since=, newest first: only the closed and the renamed issue."""
    clock.advance(3600)
    watermark = datetime.fromtimestamp(clock.time(), UTC)
    clock.advance(1)
    await connection.update("issues", "6", {"name": "Renamed"})
    clock.advance(1)
    await connection.delete("issues", "8")  # closes it
    changed = [i async for i in connection.list("issues", modified_after=watermark)]
    assert [(i.remote_id, i.status) for i in changed] == [
        ("8", TicketStatus.CLOSED), ("6", TicketStatus.OPEN),
    ]  # fmt: skip
    assert changed[1].name == "Renamed"


async def test_incremental_pages_walk_every_issue_once(
    connection: interlink.Connection, github: GitHubSimulator
) -> None:
    """A watermark before everything follows the Link pages (100 each), each issue once."""
    since = datetime(2000, 1, 1, tzinfo=UTC)
    found = [i.remote_id async for i in connection.list("issues", modified_after=since)]
    assert sorted(found, key=int) == [str(n) for n in range(1, RECORDS + 1)]
    assert github.counters.count(route=LIST) + github.counters.count(route=PAGES) == 3


async def test_create_read_update_and_close_as_the_delete(
    connection: interlink.Connection,
) -> None:
    """A created issue is read and changed; the delete closes it as not planned."""
    created = await connection.create(
        "issues", {"name": "Flaky login", "description": "Fails one run in ten", "tags": ["bug"]}
    )
    assert (created.name, created.status, created.tags) == (
        "Flaky login", TicketStatus.OPEN, ["bug"],
    )  # fmt: skip
    assert created.remote_id == str(RECORDS + 1)
    fetched = await connection.get("issues", created.remote_id)
    assert fetched.id == created.id
    updated = await connection.update("issues", created.remote_id, {"description": "Always"})
    assert (updated.name, updated.description) == ("Flaky login", "Always")
    await connection.delete("issues", created.remote_id)
    closed = await connection.get("issues", created.remote_id)
    assert closed.status is TicketStatus.CLOSED
    assert closed.completed_at is not None
    assert closed.custom_fields["state_reason"] == "not_planned"
    assert not closed.remote_was_deleted  # a closed issue still exists


async def test_vendor_errors_arrive_as_the_error_tree(connection: interlink.Connection) -> None:
    """404 is NotFoundError; 422 Validation Failed (a blank title) is FatalError."""
    with pytest.raises(NotFoundError) as missing:
        await connection.get("issues", "999999")
    assert missing.value.provider == "github"
    with pytest.raises(FatalError) as invalid:
        await connection.create("issues", {"name": "", "description": "untitled"})
    assert invalid.value.upstream_status == 422


async def test_a_bad_token_is_an_auth_error(github: GitHubSimulator, clock: FakeClock) -> None:
    """GitHub's 401 'Bad credentials' arrives as AuthError."""
    async with _open(github, clock, token="ghp_not_a_real_token") as conn:
        with pytest.raises(AuthError):
            await conn.get("issues", "1")


async def test_declared_write_limits_mean_no_secondary_limit_answer(
    connection: interlink.Connection, github: GitHubSimulator, clock: FakeClock
) -> None:
    """100 creates in 30 s against 80 writes a minute: the limiter waits, no 403 or 429."""
    started = clock.monotonic()
    created = []
    for batch in range(2):  # a wait past the limiter's max_wait (60 s) would be an error instead
        created += await asyncio.gather(
            *(connection.create("issues", {"name": f"Issue {batch}-{n}"}) for n in range(50))
        )
        clock.advance(30)
    assert len({c.remote_id for c in created}) == 100
    assert github.counters.rate_limited == 0
    assert github.counters.count(status=403) == 0
    assert connection.pipeline.stats.rate_limited == 0
    assert clock.monotonic() - started >= 90.0  # the 81st write waited for the rolling minute


async def test_passthrough_reaches_allowed_paths_only(
    connection: interlink.Connection, github: GitHubSimulator
) -> None:
    """/rate_limit is allowed and answered; another repository's path is refused unsent."""
    response = await connection.request("GET", "/rate_limit")
    assert response.json()["resources"]["core"]["limit"] == 5000
    with pytest.raises(interlink.ConfigError):
        await connection.request("GET", "/user/repos")
    assert github.counters.total_requests == 1
