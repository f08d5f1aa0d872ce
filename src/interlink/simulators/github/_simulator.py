"""The GitHub REST simulator: one private repository's issues; PATs and installation tokens."""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._http import Reply, json_response
from interlink.simulators._ratelimit import Decision, FixedWindow, RollingWindow
from interlink.simulators._render import PristineCache
from interlink.simulators._secrets import derived_secret
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Token, TokenState
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.github._objects import Repository, iso, issues_collection
from interlink.simulators.github._query import IssueQuery
from interlink.simulators.github._views import changed_records, issue_view
from interlink.simulators.github._wire import (
    LIMIT_DOCS,
    GitHubWebhooks,
    error,
    etag,
    link_header,
    rate_limit_headers,
    request_id,
)
from interlink.simulators.github._writes import issue_changes

__all__ = ["GitHubSimulator"]

PRIMARY_LIMIT = 5_000  # requests per hour per user (PATs) or installation
UNAUTHENTICATED_LIMIT = 60  # per hour per IP
CLASSIC, FINE_GRAINED, INSTALLATION, APP = "classic", "fine_grained", "installation", "app"
_TTL = {FINE_GRAINED: 30 * 86_400.0, INSTALLATION: 3_600.0, APP: 600.0}
_PREFIX = {
    CLASSIC: "ghp_",
    FINE_GRAINED: "github_pat_",
    INSTALLATION: "ghs_",
    APP: "eyJhbGciOiJSUzI1NiJ9.",
}
ISSUE_DOCS = "https://docs.github.com/rest/issues/issues"


@register
class GitHubSimulator(Simulator):
    info = SimulatorInfo(
        name="github",
        title="GitHub REST API (issues)",
        resources=("issues",),
        auth="PATs (ghp_, github_pat_) and installation tokens (ghs_, 1 h) as Bearer or token",
        pagination="page + per_page (max 100), Link rel=next/last/first/prev",
        rate_limits="5,000/h per user (X-RateLimit-*, 403 at 0); secondary: 80 writes/min, "
        "500/h (403 + Retry-After)",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        self.webhook_secret = derived_secret("github", seed, "webhook-secret")[:40]
        self.repo = Repository(seed)
        self.installation_id = 40_000_000 + seed
        super().__init__(**options)
        self.primary = self.add_limiter(FixedWindow(PRIMARY_LIMIT, 3_600.0))
        self.unauthenticated = self.add_limiter(FixedWindow(UNAUTHENTICATED_LIMIT, 3_600.0))
        # Secondary limits on content creation: 80 a minute and 500 an hour, as documented.
        self.writes_per_minute = self.add_limiter(RollingWindow(80, 60.0))
        self.writes_per_hour = self.add_limiter(RollingWindow(500, 3_600.0))
        self.cache = PristineCache()
        self._changed: set[int] = set()  # issue numbers the API created or changed
        secret = derived_secret("github", self.seed, "pat")
        self.default_token = self.tokens.issue(CLASSIC, self.repo.viewer.login,
                                               value=f"ghp_{secret[:36]}")  # fmt: skip

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {"issues": issues_collection(self.records, self.seed)}

    def webhook_format(self) -> WebhookFormat:
        return GitHubWebhooks(self.webhook_secret, 400_000_000 + self.seed, 700_000_000 + self.seed)

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        if status == 429:  # GitHub answers its secondary limits with 403 or 429 + Retry-After
            return self._secondary_limited(60.0, 429)
        return error(status, message)

    def drift_targets(self, payload: Any) -> Iterator[dict[str, Any]]:
        """GitHub lists are bare JSON arrays of issues; a single issue is the body itself."""
        items = payload if isinstance(payload, list) else [payload]
        yield from (item for item in items if isinstance(item, dict))

    def credential(self, headers: Mapping[str, str]) -> str | None:
        """`Authorization: Bearer <token>` or the older `Authorization: token <token>`."""
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or not value.strip():
            return None
        return value.strip()

    def issue_token(self, kind: str | None = None) -> Token:
        """`classic` (ghp_, default), `fine_grained` (github_pat_, 30 days), `installation`
        (ghs_, 1 hour) or `app` (the app's JWT, 10 minutes, only for installation tokens)."""
        kind = kind or CLASSIC
        if kind not in _PREFIX:
            raise ValueError(f"unknown GitHub token kind {kind!r} (use {', '.join(_PREFIX)})")
        subject = f"installation:{self.installation_id}" if kind in (INSTALLATION, APP) else (
            self.repo.viewer.login)  # fmt: skip
        length = 82 if kind == FINE_GRAINED else 36
        value = (
            _PREFIX[kind] + secrets.token_urlsafe(64).replace("-", "a").replace("_", "b")[:length]
        )
        return self.tokens.issue(kind, subject, ttl=_TTL.get(kind), value=value)

    def page_request(self, limit: int) -> PageRequest:
        auth = {"Authorization": f"Bearer {self.default_token.value}"}
        path = f"/repos/{self.repo.full_name}/issues?state=all&per_page={limit}"
        return PageRequest("GET", path, auth)

    def reset(self) -> None:
        super().reset()
        self.cache.clear()
        self._changed.clear()

    def routes(self) -> Sequence[BaseRoute]:
        repo = "/repos/{owner}/{repo}/issues"
        by_id = "/repositories/{repository_id:int}/issues"  # where GitHub's Link headers point
        return [
            Route(repo, self.list_issues, methods=["GET"]),
            Route(by_id, self.list_issues, methods=["GET"]),
            Route(repo, self.create_issue, methods=["POST"]),
            Route(repo + "/{number}", self.get_issue, methods=["GET"]),
            Route(by_id + "/{number}", self.get_issue, methods=["GET"]),
            Route(repo + "/{number}", self.update_issue, methods=["PATCH"]),
            Route("/rate_limit", self.rate_limit, methods=["GET"]),
            Route(
                "/app/installations/{installation_id}/access_tokens",
                self.installation_token,
                methods=["POST"],
            ),
        ]

    # -- auth and limits --------------------------------------------------------------------

    def _secondary_limited(self, retry_after: float, status: int = 403) -> Response:
        message = ("You have exceeded a secondary rate limit. Please wait a few minutes before "
                   f"you try again. If you reach out to GitHub Support for help, please include "
                   f"the request ID {request_id()}.")  # fmt: skip
        headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
        return error(status, message, headers, LIMIT_DOCS + "#about-secondary-rate-limits")

    def _authenticate(self, request: Request) -> Token:
        """The request's token, or the answer GitHub gives: 404 without one (the repository
        is private, so it does not exist for strangers), 401 for a bad one."""
        check = self.tokens.check(self.credential(request.headers))
        if check.state is TokenState.MISSING:
            decision = self.limit(self.unauthenticated, "ip")
            headers = rate_limit_headers(decision, self.clock.time())
            raise Reply(error(404, None, headers, ISSUE_DOCS))
        # Expired and revoked tokens get the same 401 as unknown ones; an app's JWT is not a
        # credential for repository endpoints.
        if check.state is not TokenState.VALID or check.token is None or check.token.kind == APP:
            raise Reply(error(401, "Bad credentials"))
        return check.token

    def _primary(self, token: Token, *, peek: bool = False) -> dict[str, str]:
        """Spend (or only look at) one request of the primary limit; 403 once it is spent."""
        decision: Decision = self.limit(self.primary, token.subject, peek=peek)
        headers = rate_limit_headers(decision, self.clock.time())
        headers["X-GitHub-Request-Id"] = request_id()
        headers["X-GitHub-Api-Version-Selected"] = "2022-11-28"
        if not decision.allowed:
            stamp = datetime.fromtimestamp(self.clock.time(), UTC).strftime("%Y-%m-%d %H:%M:%S")
            message = (f"API rate limit exceeded for user ID {self.repo.viewer.id}. If you reach "
                       "out to GitHub Support for help, please include the request ID "
                       f"{headers['X-GitHub-Request-Id']} and timestamp {stamp} UTC.")  # fmt: skip
            headers["X-RateLimit-Remaining"] = "0"
            raise Reply(error(403, message, headers, LIMIT_DOCS))
        return headers

    def _repository(self, request: Request) -> None:
        params = request.path_params
        if "repository_id" in params:
            found = params["repository_id"] == self.repo.id
        else:
            found = self.repo.matches(params["owner"], params["repo"])
        if not found:
            raise Reply(error(404, None, None, ISSUE_DOCS))

    def _conditional(self, request: Request, token: Token, body: bytes, status: int = 200,
                     extra: Mapping[str, str] | None = None,
                     version: bytes | None = None) -> Response:  # fmt: skip
        """Answer with an ETag (of `version` when given: anything that changes whenever the
        body does, cheaper to hash than a 500 KB page); a matching If-None-Match is a 304
        that spends no quota, as GitHub documents for conditional requests."""
        tag = etag(body if version is None else version)
        if tag in request.headers.get("if-none-match", ""):
            headers = self._primary(token, peek=True)
            return Response(status_code=304, headers={**headers, "ETag": tag})
        headers = {**self._primary(token), **(extra or {}), "ETag": tag}
        return Response(body, status, headers, media_type="application/json")

    # -- reads ------------------------------------------------------------------------------

    def _render(self, rec: StoredRecord) -> bytes:
        return orjson.dumps(self.repo.issue(rec))

    async def list_issues(self, request: Request) -> Response:
        token = self._authenticate(request)
        self._primary(token, peek=True)
        self._repository(request)
        query = IssueQuery.parse(request.query_params)
        issues = self.collections["issues"]
        view = issue_view(issues, changed_records(issues, self._changed), state=query.state,
                          by_update=query.by_update, since=query.since)  # fmt: skip
        total = len(view)
        take = max(0, min(query.per_page, total - query.offset))
        if query.descending:
            refs = view.refs(total - query.offset - take, take)[::-1]
        else:
            refs = view.refs(query.offset, take)
        fragments = self.cache.fragments(issues, refs, self._render, "list")
        if len(fragments) > 1:  # brackets on the end fragments: one copy of 500 KB, not three
            fragments[0], fragments[-1] = b"[" + fragments[0], fragments[-1] + b"]"
            body = b",".join(fragments)
        else:
            body = b"[" + b"".join(fragments) + b"]"
        params = {k: v for k, v in request.query_params.items() if k != "page"}
        base = f"{str(request.base_url).rstrip('/')}/repositories/{self.repo.id}/issues"
        last = max(1, math.ceil(total / query.per_page))
        link = link_header(base, params, query.page, last)
        # A page's bytes are fixed by which issues it holds and their revisions.
        version = repr((str(request.url), [(r, 0 if r < 0 else issues.resolve(r).revision)
                                           for r in refs])).encode()  # fmt: skip
        extra = {"Link": link} if link else None
        return self._conditional(request, token, body, extra=extra, version=version)

    def _find(self, request: Request) -> StoredRecord:
        raw = str(request.path_params["number"])
        found = self.collections["issues"].get(int(raw)) if raw.isdigit() else None
        if found is None:
            raise Reply(error(404, None, None, ISSUE_DOCS + "#get-an-issue"))
        return found

    async def get_issue(self, request: Request) -> Response:
        token = self._authenticate(request)
        self._primary(token, peek=True)
        self._repository(request)
        body = orjson.dumps(self.repo.issue(self._find(request), single=True))
        return self._conditional(request, token, body)

    async def rate_limit(self, request: Request) -> Response:
        """GET /rate_limit: the caller's standing; answering it spends no quota."""
        token = self._authenticate(request)
        now = self.clock.time()
        core = self.limit(self.primary, token.subject, peek=True)
        headers = rate_limit_headers(core, now)
        rate = {k.removeprefix("X-RateLimit-").lower(): int(v) if v.isdigit() else v
                for k, v in headers.items()}  # fmt: skip
        search = {"limit": 30, "remaining": 30, "reset": int(now) + 60, "used": 0,
                  "resource": "search"}  # fmt: skip
        body = {"resources": {"core": rate, "search": search}, "rate": rate}
        return json_response(body, 200, headers)

    # -- writes -----------------------------------------------------------------------------

    async def _body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        try:
            data = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            raise Reply(error(400, "Problems parsing JSON")) from None
        if not isinstance(data, dict):
            raise Reply(error(400, "Invalid request.\n\nBody must be a JSON object."))
        return data

    def _write_limits(self, token: Token) -> dict[str, str]:
        """Writes spend the primary limit and count against the secondary content limits."""
        headers = self._primary(token)
        for limiter in (self.writes_per_minute, self.writes_per_hour):
            decision = self.limit(limiter, token.subject)
            if not decision.allowed:
                raise Reply(self._secondary_limited(decision.reset_after))
        return headers

    def _event(self, action: str, rec: StoredRecord, **extra: Any) -> None:
        self.webhooks.emit({
            "action": action, "issue": self.repo.issue(rec), **extra,
            "repository": self.repo.summary(), "sender": self.repo.user(self.repo.viewer),
        })  # fmt: skip

    async def create_issue(self, request: Request) -> Response:
        token = self._authenticate(request)
        self._repository(request)
        fields = issue_changes(self.repo, await self._body(request), creating=True)
        headers = self._write_limits(token)
        now = self.clock.time()
        record = self.collections["issues"].create({
            "body": None, "assignees": [], "labels": [], "milestone": None, **fields,
            "author": 0, "comments": 0, "locked": False, "state": "open", "state_reason": None,
            "closed_at": None, "closed_by": None, "author_association": "MEMBER", "reactions": 0,
        }, now)  # fmt: skip
        self._changed.add(record.id)
        self.counters.record_create("issues", request.headers.get("idempotency-key"))
        self._event("opened", record)
        url = f"{self.repo.url}/issues/{record.id}"
        body = orjson.dumps(self.repo.issue(record, single=True))
        return Response(body, 201, {**headers, "Location": url}, media_type="application/json")

    async def update_issue(self, request: Request) -> Response:
        token = self._authenticate(request)
        self._repository(request)
        current = self._find(request)
        changes = issue_changes(self.repo, await self._body(request), creating=False,
                                current_state=current.fields["state"])  # fmt: skip
        headers = self._write_limits(token)
        now = self.clock.time()
        if changes.get("state") == "closed":
            changes.update(closed_at=now, closed_by=0)
        elif changes.get("state") == "open":
            changes.update(closed_at=None, closed_by=None)
        updated = self.collections["issues"].update(current.id, changes, now)
        assert updated is not None
        self._changed.add(updated.id)
        edits = {k: {"from": current.fields[k]} for k in ("title", "body")
                 if k in changes and changes[k] != current.fields[k]}  # fmt: skip
        if edits:
            self._event("edited", updated, changes=edits)
        if "state" in changes:
            self._event("closed" if changes["state"] == "closed" else "reopened", updated)
        body = orjson.dumps(self.repo.issue(updated, single=True))
        return Response(body, 200, headers, media_type="application/json")

    async def installation_token(self, request: Request) -> Response:
        """An app (authenticated by its JWT) creates a 1-hour installation token."""
        self.counters.token_requests += 1
        check = self.tokens.check(self.credential(request.headers))
        if check.state is not TokenState.VALID or check.token is None or check.token.kind != APP:
            return error(401, "A JSON web token could not be decoded")
        if request.path_params["installation_id"] != str(self.installation_id):
            return error(404, None, None, "https://docs.github.com/rest/apps/apps")
        token = self.issue_token(INSTALLATION)
        assert token.expires_at is not None
        body = {
            "token": token.value,
            "expires_at": iso(token.expires_at),
            "permissions": {"issues": "write", "metadata": "read"},
            "repository_selection": "selected",
        }  # fmt: skip
        return json_response(body, 201)
