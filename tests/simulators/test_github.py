"""GitHub REST (issues) simulator: Link pages, since, writes, tokens, limits, ETags, hooks, spec."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
from typer.testing import CliRunner

from interlink._clock import FakeClock
from interlink.cli import app
from interlink.simulators import FaultConfig, SchemaDrift, create_simulator
from interlink.simulators.github import GitHubSimulator
from interlink.simulators.github._objects import iso

BASE = "https://api.github.com"
ISSUES = "/repos/acme-corp/platform/issues"
Json = dict[str, Any]
Receiver = tuple[str, list[tuple[dict[str, str], bytes]]]


@pytest.fixture
async def github(clock: FakeClock) -> AsyncIterator[GitHubSimulator]:
    """A 250-issue private repository on a fake clock."""
    sim = create_simulator("github", records=250, clock=clock)
    assert isinstance(sim, GitHubSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def client(github: GitHubSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client carrying the simulator's classic personal access token."""
    headers = {"Authorization": f"Bearer {github.default_token.value}"}
    transport = httpx2.ASGITransport(app=github.app)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE, headers=headers) as c:
        yield c


def links(response: httpx2.Response) -> dict[str, str]:
    """rel -> URL from a Link header (RFC 8288, as GitHub writes it)."""
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))
    return {rel: url for url, rel in found}


async def walk(client: httpx2.AsyncClient, params: dict[str, Any]) -> list[Json]:
    """Follow rel="next" to the end; every issue."""
    issues: list[Json] = []
    response = await client.get(ISSUES, params=params)
    while True:
        assert response.status_code == 200, response.text
        issues.extend(response.json())
        nxt = links(response).get("next")
        if nxt is None:
            return issues
        response = await client.get(nxt)


# -- reads ----------------------------------------------------------------------------------


async def test_link_walk_finds_every_issue_once(client: httpx2.AsyncClient) -> None:
    """Following Link rel="next" (to /repositories/{id}/issues) visits all 250 issues once."""
    issues = await walk(client, {"state": "all", "per_page": 100})
    numbers = [i["number"] for i in issues]
    assert len(numbers) == 250 == len(set(numbers))
    assert numbers == sorted(numbers, reverse=True)  # sort=created, direction=desc by default


async def test_state_filter_splits_open_and_closed(client: httpx2.AsyncClient) -> None:
    """state defaults to open; open + closed = all, with about 40% closed."""
    open_ = await walk(client, {"per_page": 100})
    closed = await walk(client, {"state": "closed", "per_page": 100})
    assert {i["state"] for i in open_} == {"open"}
    assert {i["state"] for i in closed} == {"closed"}
    assert all(i["closed_at"] and i["state_reason"] for i in closed)
    assert len(open_) + len(closed) == 250
    assert 80 <= len(closed) <= 120


async def test_link_relations_on_first_middle_and_last_pages(client: httpx2.AsyncClient) -> None:
    """next+last on page 1; prev, next, last, first in the middle; prev+first at the end."""
    first = await client.get(ISSUES, params={"state": "all", "per_page": 100})
    assert set(links(first)) == {"next", "last"}
    assert links(first)["last"].endswith("page=3")
    assert links(first)["next"].startswith(f"{BASE}/repositories/")
    middle = await client.get(ISSUES, params={"state": "all", "per_page": 100, "page": 2})
    assert list(links(middle)) == ["prev", "next", "last", "first"]
    last = await client.get(links(first)["last"])
    assert set(links(last)) == {"prev", "first"}
    assert len(last.json()) == 50
    assert (await client.get(ISSUES, params={"state": "all", "page": 99})).json() == []


async def test_per_page_is_capped_at_one_hundred(client: httpx2.AsyncClient) -> None:
    """per_page above 100 quietly gives 100; the default is 30; one works too."""
    assert len((await client.get(ISSUES, params={"state": "all", "per_page": 500})).json()) == 100
    assert len((await client.get(ISSUES, params={"state": "all"})).json()) == 30
    assert len((await client.get(ISSUES, params={"state": "all", "per_page": 1})).json()) == 1


async def test_since_is_exact(
    client: httpx2.AsyncClient, github: GitHubSimulator, clock: FakeClock
) -> None:
    """since=T lists exactly the issues updated at or after T, generated or changed by the API."""
    issues = github.collections["issues"]
    middle = issues.get(125)
    assert middle is not None
    since = iso(middle.modified_at)  # GitHub's timestamps are whole seconds
    clock.advance(60)
    await client.patch(f"{ISSUES}/3", json={"title": "Moved to now"})
    expected = {
        n for n in range(1, 251)
        if (r := issues.get(n)) and r.modified_at >= int(middle.modified_at)
    }  # fmt: skip
    got = await walk(client, {"state": "all", "since": since, "sort": "updated",
                              "direction": "asc", "per_page": 37})  # fmt: skip
    assert [i["number"] for i in got][-1] == 3  # the freshest change comes last
    assert {i["number"] for i in got} == expected
    assert 3 in expected


async def test_read_one_and_not_found(client: httpx2.AsyncClient) -> None:
    """GET one issue (with closed_by); an unknown number or repository is 404 Not Found."""
    one = await client.get(f"{ISSUES}/7")
    assert one.status_code == 200
    assert one.json()["number"] == 7
    assert "closed_by" in one.json()
    for path in (f"{ISSUES}/9999", "/repos/acme-corp/elsewhere/issues"):
        missing = await client.get(path)
        assert missing.status_code == 404
        assert missing.json()["message"] == "Not Found"
        assert missing.json()["status"] == "404"


async def test_bad_parameters_are_422_naming_the_field(client: httpx2.AsyncClient) -> None:
    """state=bogus, since=garbage, labels=bug (not simulated): 422 Validation Failed naming it."""
    cases = [
        ({"state": "bogus"}, "state"),
        ({"since": "garbage"}, "since"),
        ({"labels": "bug"}, "labels"),
        ({"sort": "comments"}, "sort"),
    ]
    for params, field in cases:
        response = await client.get(ISSUES, params=params)
        assert response.status_code == 422
        body = response.json()
        assert body["message"] == "Validation Failed"
        assert body["errors"][0]["field"] == field


async def test_a_million_issues_are_lazy() -> None:
    """A million-issue repository pages state=open near the end and reads the last issue."""
    sim = create_simulator("github", records=1_000_000)
    assert isinstance(sim, GitHubSimulator)
    headers = {"Authorization": f"Bearer {sim.default_token.value}"}
    transport = httpx2.ASGITransport(app=sim.app)
    async with sim, httpx2.AsyncClient(transport=transport, base_url=BASE, headers=headers) as c:
        assert (await c.get(f"{ISSUES}/1000000")).status_code == 200
        first = await c.get(ISSUES, params={"per_page": 100, "direction": "asc"})
        assert links(first)["last"].endswith("page=6000")  # 600,000 open issues
        page = (await c.get(links(first)["last"])).json()
        assert len(page) == 100
        assert {i["state"] for i in page} == {"open"}


# -- writes ---------------------------------------------------------------------------------


async def test_create_is_201_and_listed_first(
    client: httpx2.AsyncClient, github: GitHubSimulator
) -> None:
    """POST creates issue #251 (201, Location), the newest in the default listing."""
    assignee = github.repo.contributors[3].login
    fields = {"title": "Sync stalls", "body": "Seen twice", "assignees": [assignee],
              "labels": ["bug"]}  # fmt: skip
    response = await client.post(ISSUES, json=fields)
    assert response.status_code == 201
    issue = response.json()
    assert issue["number"] == 251
    assert response.headers["location"].endswith(f"{ISSUES}/251")
    assert issue["assignee"]["login"] == assignee
    assert [label["name"] for label in issue["labels"]] == ["bug"]
    assert (await client.get(ISSUES)).json()[0]["number"] == 251
    assert github.counters.created["issues"] == 1


async def test_create_validation(client: httpx2.AsyncClient) -> None:
    """No title: 422 missing_field; an unknown assignee: 422 invalid; broken JSON: 400."""
    missing = await client.post(ISSUES, json={"body": "no title"})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"resource": "Issue", "field": "title", "code": "missing_field"}]  # fmt: skip
    stranger = await client.post(ISSUES, json={"title": "x", "assignees": ["nobody-here"]})
    assert stranger.json()["errors"][0] == {"resource": "Issue", "field": "assignees",
                                            "code": "invalid", "value": "nobody-here"}  # fmt: skip
    broken = await client.post(
        ISSUES, content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["message"] == "Problems parsing JSON"


async def test_close_is_the_delete_and_reopen_undoes_it(
    client: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """Closing (no REST delete exists) moves updated_at, leaves state=open, shows in closed."""
    number = next(i["number"] for i in (await client.get(ISSUES)).json())
    before = (await client.get(f"{ISSUES}/{number}")).json()
    clock.advance(120)
    closed = (await client.patch(f"{ISSUES}/{number}", json={"state": "closed"})).json()
    assert closed["state"] == "closed"
    assert closed["state_reason"] == "completed"
    assert closed["closed_at"] == closed["updated_at"] > before["updated_at"]
    since = {"since": closed["updated_at"]}
    assert number not in {i["number"] for i in await walk(client, {"per_page": 100})}
    assert [i["number"] for i in await walk(client, {"state": "closed", **since})] == [number]
    clock.advance(60)
    reopened = (await client.patch(f"{ISSUES}/{number}", json={"state": "open"})).json()
    assert reopened["state_reason"] == "reopened"
    assert reopened["closed_at"] is None


# -- credentials ----------------------------------------------------------------------------


async def test_credential_failures(github: GitHubSimulator, clock: FakeClock) -> None:
    """No token: 404 (private repo) metered at 60/h; bad, revoked or expired tokens: 401."""
    transport = httpx2.ASGITransport(app=github.app)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE) as bare:
        anonymous = await bare.get(ISSUES)
        assert anonymous.status_code == 404
        assert anonymous.headers["x-ratelimit-limit"] == "60"
        bad = await bare.get(ISSUES, headers={"Authorization": "Bearer ghp_nope"})
        assert bad.status_code == 401
        assert bad.json() == {"message": "Bad credentials",
                              "documentation_url": "https://docs.github.com/rest",
                              "status": "401"}  # fmt: skip
        revoked = github.issue_token()
        github.tokens.revoke(revoked.value)
        assert (await bare.get(ISSUES, headers={"Authorization": f"token {revoked.value}"})
                ).status_code == 401  # fmt: skip
        installation = github.issue_token("installation")
        auth = {"Authorization": f"token {installation.value}"}
        assert (await bare.get(ISSUES, headers=auth)).status_code == 200
        clock.advance(3_600)
        assert (await bare.get(ISSUES, headers=auth)).json()["message"] == "Bad credentials"


async def test_installation_tokens_from_the_app_jwt(github: GitHubSimulator) -> None:
    """POST /app/installations/{id}/access_tokens with the app JWT: 201 ghs_ token, 1 hour."""
    jwt = github.issue_token("app").value
    path = f"/app/installations/{github.installation_id}/access_tokens"
    transport = httpx2.ASGITransport(app=github.app)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE) as bare:
        created = await bare.post(path, headers={"Authorization": f"Bearer {jwt}"})
        assert created.status_code == 201
        assert created.json()["token"].startswith("ghs_")
        assert created.json()["expires_at"] == iso(github.clock.time() + 3_600)
        pat = await bare.post(
            path, headers={"Authorization": f"Bearer {github.default_token.value}"}
        )
        assert pat.status_code == 401
        token = created.json()["token"]
        assert (
            await bare.get(ISSUES, headers={"Authorization": f"Bearer {token}"})
        ).status_code == 200
    assert github.counters.token_requests == 2


# -- limits and conditional requests --------------------------------------------------------


async def test_primary_limit_is_403_with_remaining_zero(
    client: httpx2.AsyncClient, github: GitHubSimulator, clock: FakeClock
) -> None:
    """At 0 remaining: 403, X-RateLimit-Remaining 0, GitHub's message; the hour's reset frees it."""
    github.faults.configure(FaultConfig(limit_scale=0.001))  # 5,000/h becomes 5/h
    used = [(await client.get(ISSUES)).headers["x-ratelimit-used"] for _ in range(5)]
    assert used == ["1", "2", "3", "4", "5"]
    limited = await client.get(ISSUES)
    assert limited.status_code == 403
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.headers["x-ratelimit-resource"] == "core"
    assert limited.json()["message"].startswith("API rate limit exceeded for user ID")
    assert limited.json()["documentation_url"].endswith("rate-limits-for-the-rest-api")
    reset = int(limited.headers["x-ratelimit-reset"])
    clock.advance(reset - clock.time())
    assert (await client.get(ISSUES)).status_code == 200


async def test_conditional_requests_are_304_and_free(
    client: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """If-None-Match with the ETag (one issue or a page): 304, no quota spent; a change moves it."""
    first = await client.get(f"{ISSUES}/9")
    tag = first.headers["etag"]
    assert tag.startswith('W/"')
    again = await client.get(f"{ISSUES}/9", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
    clock.advance(5)
    await client.patch(f"{ISSUES}/9", json={"body": "edited"})
    changed = await client.get(f"{ISSUES}/9", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    page = await client.get(ISSUES, params={"state": "all", "sort": "updated"})
    same = await client.get(ISSUES, params={"state": "all", "sort": "updated"},
                            headers={"If-None-Match": page.headers["etag"]})  # fmt: skip
    assert same.status_code == 304
    clock.advance(5)
    await client.patch(f"{ISSUES}/{page.json()[0]['number']}", json={"title": "renamed"})
    moved = await client.get(ISSUES, params={"state": "all", "sort": "updated"},
                             headers={"If-None-Match": page.headers["etag"]})  # fmt: skip
    assert moved.status_code == 200


async def test_secondary_limit_on_writes(
    client: httpx2.AsyncClient, github: GitHubSimulator, clock: FakeClock
) -> None:
    """Past the content-creation limit: 403, Retry-After, "...exceeded a secondary rate limit"."""
    github.faults.configure(FaultConfig(limit_scale=0.1))  # 80/min becomes 8/min
    for n in range(8):
        assert (await client.post(ISSUES, json={"title": f"t{n}"})).status_code == 201
    limited = await client.post(ISSUES, json={"title": "one too many"})
    assert limited.status_code == 403
    assert limited.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert int(limited.headers["retry-after"]) == 60
    clock.advance(60)
    assert (await client.post(ISSUES, json={"title": "later"})).status_code == 201


async def test_fault_shapes_are_githubs(
    client: httpx2.AsyncClient, github: GitHubSimulator
) -> None:
    """Injected 429: secondary-limit body + Retry-After; 200-with-error: GitHub's body; drift."""
    github.faults.configure(FaultConfig(error_rates={429: 1.0}))
    limited = await client.get(ISSUES)
    assert limited.status_code == 429
    assert "secondary rate limit" in limited.json()["message"]
    assert limited.headers["retry-after"] == "60"
    github.faults.configure(FaultConfig(error_body_rate=1.0))
    odd = await client.get(ISSUES)
    assert odd.status_code == 200
    assert odd.json()["message"] == "Server Error"
    github.faults.configure(FaultConfig(drift=SchemaDrift(rename={"title": "name"})))
    drifted = (await client.get(ISSUES)).json()
    assert all("name" in i and "title" not in i for i in drifted)


# -- webhooks -------------------------------------------------------------------------------


async def test_issue_events_are_signed_sha256(
    client: httpx2.AsyncClient, github: GitHubSimulator, webhook_receiver: Receiver
) -> None:
    """X-Hub-Signature-256 = sha256= + HMAC-SHA256(secret, body); opened, edited, closed events."""
    url, received = webhook_receiver
    github.webhooks.url = url
    number = (await client.post(ISSUES, json={"title": "Hooked"})).json()["number"]
    await client.patch(f"{ISSUES}/{number}", json={"title": "Hooked again", "state": "closed"})
    await github.webhooks.flush()
    actions = []
    for headers, body in received:
        digest = hmac.new(github.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-hub-signature-256"] == f"sha256={digest}"
        assert headers["x-github-event"] == "issues"
        payload = json.loads(body)
        assert payload["repository"]["full_name"] == "acme-corp/platform"
        actions.append(payload["action"])
    assert actions == ["opened", "edited", "closed"]
    assert json.loads(received[1][1])["changes"] == {"title": {"from": "Hooked"}}


async def test_redelivery_keeps_the_delivery_guid(
    client: httpx2.AsyncClient, github: GitHubSimulator, webhook_receiver: Receiver
) -> None:
    """A duplicated delivery carries the same X-GitHub-Delivery, so receivers can deduplicate."""
    url, received = webhook_receiver
    github.webhooks.url = url
    github.faults.configure(FaultConfig(webhook_duplicate_rate=1.0))
    await client.post(ISSUES, json={"title": "Twice"})
    await github.webhooks.flush()
    (first, _), (second, _) = received
    assert first["x-github-delivery"] == second["x-github-delivery"]


# -- the vendor's own OpenAPI description ---------------------------------------------------


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema: the same schema or null."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


@pytest.fixture(scope="session")
def github_spec(specs_dir: Path) -> Callable[[str, str, str, Any], None]:
    """`check(path, method, status, body)` against github-issues-subset.json."""
    spec = json.loads((specs_dir / "github" / "github-issues-subset.json").read_text())
    components = _json_schema(spec["components"])
    cache: dict[tuple[str, str, str], jsonschema.Draft4Validator] = {}

    def check(path: str, method: str, status: str, body: Any) -> None:
        if (path, method, status) not in cache:
            response = spec["paths"][path][method]["responses"][status]
            while "$ref" in response:
                response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
            schema = _json_schema(response["content"]["application/json"]["schema"])
            root = {**schema, "components": components}
            cache[path, method, status] = jsonschema.Draft4Validator(root)
        cache[path, method, status].validate(body)

    return check


async def test_responses_match_githubs_openapi(
    client: httpx2.AsyncClient, github_spec: Callable[[str, str, str, Any], None]
) -> None:
    """List, get, create, update, rate_limit, 401/404/422 errors fit github-issues-subset.json."""
    many, one = "/repos/{owner}/{repo}/issues", "/repos/{owner}/{repo}/issues/{issue_number}"
    listed = await client.get(ISSUES, params={"state": "all", "per_page": 100})
    github_spec(many, "get", "200", listed.json())
    github_spec(one, "get", "200", (await client.get(f"{ISSUES}/4")).json())
    created = await client.post(ISSUES, json={"title": "Spec", "labels": ["bug"], "milestone": 1})
    github_spec(many, "post", "201", created.json())
    closed = await client.patch(f"{ISSUES}/{created.json()['number']}", json={"state": "closed"})
    github_spec(one, "patch", "200", closed.json())
    github_spec("/rate_limit", "get", "200", (await client.get("/rate_limit")).json())
    github_spec(one, "get", "404", (await client.get(f"{ISSUES}/99999")).json())
    github_spec(many, "get", "422", (await client.get(ISSUES, params={"state": "x"})).json())
    github_spec(many, "post", "422", (await client.post(ISSUES, json={})).json())
    bad_credentials = await client.get(ISSUES, headers={"Authorization": "Bearer bad"})
    github_spec("/user/repos", "get", "401", bad_credentials.json())  # the spec's 401 shape


async def test_state_views_match_a_brute_force_model(
    client: httpx2.AsyncClient, github: GitHubSimulator, clock: FakeClock
) -> None:
    """After random edits, closes, reopens and creates, every state/sort/since listing equals
    the same listing computed by reading all issues one by one."""
    rng = random.Random(7)
    for _ in range(60):
        clock.advance(rng.choice((0, 1, 30)))
        number = rng.randint(1, 250)
        choice = rng.random()
        if choice < 0.2:
            await client.post(ISSUES, json={"title": f"new {rng.random()}"})
        elif choice < 0.6:
            state = rng.choice(("open", "closed"))
            await client.patch(f"{ISSUES}/{number}", json={"state": state})
        else:
            await client.patch(f"{ISSUES}/{number}", json={"title": f"edit {rng.random()}"})
    issues = github.collections["issues"]
    records = [r for n in range(1, 400) if (r := issues.get(n)) is not None]
    since = float(int(records[200].modified_at))
    for state in ("open", "closed", "all"):
        for sort in ("created", "updated"):
            for bound in (None, since):
                params: dict[str, Any] = {"state": state, "sort": sort, "direction": "asc",
                                          "per_page": 41}  # fmt: skip
                if bound is not None:
                    params["since"] = iso(bound)
                got = [i["number"] for i in await walk(client, params)]
                kept = [r for r in records
                        if (state == "all" or r.fields["state"] == state)
                        and (bound is None or r.modified_at >= bound)]  # fmt: skip
                key = (lambda r: (r.modified_at, r.id)) if sort == "updated" else (lambda r: r.id)
                assert got == [r.id for r in sorted(kept, key=key)], (state, sort, bound)


def test_listed_by_the_cli() -> None:
    """`interlink simulate --list` names github and its resource."""
    result = CliRunner().invoke(app, ["simulate", "--list"])
    assert result.exit_code == 0
    assert "github" in result.output
