"""The Zendesk Support simulator: tickets, users, deleted tickets, incremental exports, OAuth."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._consent import ConsentScreen
from interlink.simulators._http import Reply, RequestError, basic_authorization, read_json_object
from interlink.simulators._ratelimit import FixedWindow, Limiter
from interlink.simulators._render import PristineCache
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Token
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.zendesk._auth import (
    ACCESS_TOKEN_TTL,
    API_TOKEN,
    OAUTH,
    OAuthClient,
    authenticate,
    credential,
)
from interlink.simulators.zendesk._lists import (
    deleted_rows,
    deleted_view,
    export_params,
    list_response,
    start_time,
)
from interlink.simulators.zendesk._pages import (
    ExportPage,
    cursor_export,
    export_cursor,
    parse_export_cursor,
    time_export,
)
from interlink.simulators.zendesk._records import (
    ADMIN_EMAIL,
    USER_FIRST_ID,
    Renderer,
    iso,
    ticket_collection,
    ticket_json,
    user_collection,
    user_json,
)
from interlink.simulators.zendesk._wire import (
    EXPORT_RATE_LIMITED,
    RATE_LIMITED,
    ZendeskWebhooks,
    error_body,
    json_bytes,
    rate_limit_headers,
    rate_limited,
)
from interlink.simulators.zendesk._writes import TicketEvents, check_safe_update, ticket_changes

__all__ = ["ZendeskSimulator"]

ACCOUNT_ID = 12_514_403
ACCOUNT_LIMIT = 700  # requests per minute: the Enterprise plan (Team 200, Growth/Professional 400)
EXPORT_LIMIT = 10  # incremental exports: 10 requests per minute
DELETED_TICKETS_LIMIT = 10  # /api/v2/deleted_tickets: 10 requests per minute
IDEMPOTENCY_TTL = 2 * 3600.0  # Zendesk keeps a ticket-create idempotency key two hours


def _not_found() -> RequestError:
    return RequestError("Not found", 404, "RecordNotFound")


def _derived(seed: int, label: str) -> str:
    """Stable per-seed secrets, so a demo can be configured before the simulator starts."""
    return hashlib.sha256(f"interlink-sim:zendesk:{seed}:{label}".encode()).hexdigest()


def _json_routes(path: str, endpoint: Any, methods: list[str]) -> list[Route]:
    """Zendesk answers every endpoint with and without the `.json` suffix."""
    return [
        Route(path + ".json", endpoint, methods=methods),
        Route(path, endpoint, methods=methods),
    ]


@register
class ZendeskSimulator(Simulator):
    info = SimulatorInfo(
        name="zendesk",
        title="Zendesk Support",
        resources=("tickets", "users", "deleted_tickets"),
        auth="email/token:API_TOKEN basic auth; OAuth bearer (2-h tokens, rotating refresh)",
        pagination="cursor (page[size]/page[after], meta+links); offset (10,000 cap); "
        "incremental exports by start_time: time-based and cursor-based",
        rate_limits="700 / min per account (Enterprise); exports and deleted tickets 10 / min",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        self.oauth = OAuthClient(
            _derived(seed, "client-id")[:24], _derived(seed, "client-secret"), "oauth-client"
        )
        self.webhook_id = "01H" + _derived(seed, "webhook-id")[:23].upper()
        self.signing_secret = _derived(seed, "webhook-secret")[:43] + "="
        super().__init__(**options)
        self.account_limiter = self.add_limiter(FixedWindow(ACCOUNT_LIMIT, 60.0))
        self.export_limiter = self.add_limiter(FixedWindow(EXPORT_LIMIT, 60.0))
        self.deleted_limiter = self.add_limiter(FixedWindow(DELETED_TICKETS_LIMIT, 60.0))
        self.renderer = Renderer(PristineCache())
        self.consent = ConsentScreen(
            "Zendesk", self.tokens, lambda: self.oauth.client_id, lambda: self.oauth.subject
        )
        """`/oauth/authorizations/new`: Zendesk's consent screen (PKCE S256 when sent)."""
        self.events = TicketEvents(ACCOUNT_ID, seed)
        self._idempotency: dict[str, tuple[bytes, int, float]] = {}  # key -> (body, id, at)
        self.default_token = self.tokens.issue(
            API_TOKEN, "account", value=_derived(self.seed, "api-token")[:40]
        )

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {
            "tickets": ticket_collection(self.records, self.seed),
            "users": user_collection(self.records, self.seed),
        }

    def webhook_format(self) -> WebhookFormat:
        return ZendeskWebhooks(self.webhook_id, self.signing_secret)

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        if status == 429:
            return rate_limited(RATE_LIMITED, 60.0, {})
        if status in (404, 405) and category is None:
            message = None  # an unknown path: Zendesk's words, not the router's
        return json_bytes(status, error_body(status, message, category))

    def credential(self, headers: Mapping[str, str]) -> str | None:
        return credential(headers)

    def drift_targets(self, payload: Any) -> Iterator[dict[str, Any]]:
        if not isinstance(payload, dict):
            return
        for name in ("ticket", "user"):
            if isinstance(payload.get(name), dict):
                yield payload[name]
        for name in ("tickets", "users", "deleted_tickets"):
            yield from (r for r in payload.get(name, ()) if isinstance(r, dict))

    def issue_token(self, kind: str | None = None) -> Token:
        """An API token (default; use with `ADMIN_EMAIL/token`) or an expiring OAuth token."""
        if kind in (None, API_TOKEN):
            return self.tokens.issue(API_TOKEN, "account")
        if kind == OAUTH:
            return self.tokens.issue(
                OAUTH, self.oauth.subject, ttl=ACCESS_TOKEN_TTL, refreshable=True
            )
        raise ValueError(f"unknown Zendesk token kind {kind!r} (use {API_TOKEN!r} or {OAUTH!r})")

    def issue_auth_code(self) -> str:
        """An authorization code, as Zendesk's consent screen would redirect with."""
        return self.tokens.issue_code(self.oauth.subject)

    def basic_auth(self, token: str | None = None) -> dict[str, str]:
        """`Authorization` for `user@example.com/token:TOKEN` (default: `default_token`)."""
        secret = token or self.default_token.value
        return {"Authorization": basic_authorization(f"{ADMIN_EMAIL}/token", secret)}

    def page_request(self, limit: int) -> PageRequest:
        return PageRequest("GET", f"/api/v2/tickets.json?page[size]={limit}", self.basic_auth())

    def reset(self) -> None:
        super().reset()
        self.renderer.cache.clear()
        self._idempotency.clear()

    def routes(self) -> Sequence[BaseRoute]:
        return [
            *_json_routes("/api/v2/tickets", self._lister("tickets"), ["GET"]),
            *_json_routes("/api/v2/tickets", self.create_ticket, ["POST"]),
            *_json_routes(
                "/api/v2/tickets/{ticket_id:int}", self.one_ticket, ["GET", "PUT", "DELETE"]
            ),
            *_json_routes("/api/v2/users", self._lister("users"), ["GET"]),
            *_json_routes("/api/v2/users/{user_id:int}", self.one_user, ["GET"]),
            *_json_routes("/api/v2/deleted_tickets", self.deleted_tickets, ["GET"]),
            *_json_routes("/api/v2/incremental/tickets", self.export_by_time, ["GET"]),
            *_json_routes("/api/v2/incremental/tickets/cursor", self.export_by_cursor, ["GET"]),
            Route("/oauth/authorizations/new", self.consent.page, methods=["GET", "POST"]),
            Route("/oauth/tokens", self.oauth_tokens, methods=["POST"]),
        ]

    # -- auth and limits --------------------------------------------------------------------

    def authorize(self, request: Request, endpoint: Limiter | None = None) -> dict[str, str]:
        """Check the credential, the account's per-minute limit and an endpoint's own limit;
        returns the rate-limit headers to send."""
        token = authenticate(self.tokens, request.headers, ADMIN_EMAIL)
        account = self.limit(self.account_limiter, "account")
        headers = rate_limit_headers(account) if self.rate_limits else {}
        if not account.allowed:
            raise Reply(rate_limited(RATE_LIMITED, account.reset_after, headers))
        if endpoint is not None:
            own = self.limit(endpoint, token.subject)
            if not own.allowed:
                message = EXPORT_RATE_LIMITED if endpoint is self.export_limiter else RATE_LIMITED
                raise Reply(rate_limited(message, own.reset_after, headers))
        return headers

    # -- reading ----------------------------------------------------------------------------

    def _lister(self, name: str) -> Callable[[Request], Awaitable[Response]]:
        """The list endpoint of the `tickets` or `users` collection."""
        collection = self.collections[name]

        async def list_records(request: Request) -> Response:
            headers = self.authorize(request)

            def render(refs: list[int]) -> bytes:
                return self.renderer.records(name, collection, refs)

            return list_response(request, name, collection, collection.by_id, render, headers)

        return list_records

    async def one_user(self, request: Request) -> Response:
        headers = self.authorize(request)
        user = self.collections["users"].get(request.path_params["user_id"])
        if user is None:
            raise _not_found()
        return json_bytes(200, {"user": user_json(user)}, headers)

    async def deleted_tickets(self, request: Request) -> Response:
        headers = self.authorize(request, self.deleted_limiter)
        tickets, admin = self.collections["tickets"], self.collections["users"].get(USER_FIRST_ID)
        actor = {"id": USER_FIRST_ID, "name": admin.fields["name"] if admin else "Admin"}
        return list_response(
            request,
            "deleted_tickets",
            tickets,
            lambda low, high: deleted_view(tickets, low, high),
            lambda refs: deleted_rows(tickets, actor, refs),
            headers,
        )

    # -- incremental exports ----------------------------------------------------------------

    def _export_body(self, page: ExportPage, extra: dict[str, Any]) -> bytes:
        tickets = self.renderer.records("tickets", self.collections["tickets"], page.refs)
        return b'{"tickets":[' + tickets + b"]," + orjson.dumps(extra)[1:]

    async def export_by_time(self, request: Request) -> Response:
        headers = self.authorize(request, self.export_limiter)
        per_page, deleted = export_params(request.query_params)
        start = start_time(request.query_params, self.clock.time())
        page = time_export(self.collections["tickets"], start, self.clock.time(), per_page, deleted)
        next_page = str(request.url.include_query_params(start_time=page.end_time))
        body = self._export_body(
            page,
            {
                "next_page": next_page,
                "count": len(page.refs),
                "end_of_stream": page.end_of_stream,
                "end_time": page.end_time,
            },
        )
        return Response(body, 200, headers, media_type="application/json")

    async def export_by_cursor(self, request: Request) -> Response:
        headers = self.authorize(request, self.export_limiter)
        per_page, deleted = export_params(request.query_params)
        raw = request.query_params.get("cursor")
        after = (
            parse_export_cursor(raw)
            if raw
            else (float(start_time(request.query_params, self.clock.time())), 0)
        )
        page = cursor_export(
            self.collections["tickets"], after, self.clock.time(), per_page, deleted
        )
        cursor = export_cursor(page.after)
        after_url = request.url.remove_query_params("start_time")
        body = self._export_body(
            page,
            {
                "after_url": str(after_url.include_query_params(cursor=cursor)),
                "after_cursor": cursor,
                "before_url": None,
                "before_cursor": None,
                "end_of_stream": page.end_of_stream,
            },
        )
        return Response(body, 200, headers, media_type="application/json")

    # -- writing ----------------------------------------------------------------------------

    def _ticket(self, request: Request) -> StoredRecord:
        found = self.collections["tickets"].get(request.path_params["ticket_id"])
        if found is None:
            raise _not_found()
        return found

    def _audit(self, rec: StoredRecord, events: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": rec.id * 1_000 + rec.revision,
            "ticket_id": rec.id,
            "created_at": iso(rec.modified_at),
            "author_id": USER_FIRST_ID,
            "events": [{"type": e["type"].rsplit(".", 1)[1]} for e in events],
        }

    async def create_ticket(self, request: Request) -> Response:
        headers = self.authorize(request)
        body, now = await read_json_object(request), self.clock.time()
        key = request.headers.get("idempotency-key")
        fingerprint = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        saved = self._idempotency.get(key) if key else None
        if key and saved and now - saved[2] < IDEMPOTENCY_TTL:
            if saved[0] != fingerprint:
                raise RequestError(
                    "Request parameters don't match the previously submitted "
                    "request with this Idempotency-Key",
                    400,
                    "IdempotentRequestError",
                )
            rec = self.collections["tickets"].get(saved[1], archived=False)
            rec = rec or self.collections["tickets"].get(saved[1], archived=True)
            assert rec is not None
            replay = {"ticket": ticket_json(rec), "audit": self._audit(rec, [])}
            return json_bytes(201, replay, {**headers, "x-idempotency-lookup": "hit"})
        fields = ticket_changes(body, existing=None, caller_id=USER_FIRST_ID)
        rec = self.collections["tickets"].create(fields, now)
        self.counters.record_create("tickets", key)
        if key:
            self._idempotency[key] = (fingerprint, rec.id, now)
            headers = {**headers, "x-idempotency-lookup": "miss"}
        events = self.events.created(rec, USER_FIRST_ID, now)
        self._emit(events)
        location = f"{request.url.scheme}://{request.url.netloc}/api/v2/tickets/{rec.id}.json"
        return json_bytes(
            201,
            {"ticket": ticket_json(rec), "audit": self._audit(rec, events)},
            {**headers, "Location": location},
        )

    async def one_ticket(self, request: Request) -> Response:
        headers = self.authorize(request)
        found, now = self._ticket(request), self.clock.time()
        tickets = self.collections["tickets"]
        if request.method == "GET":
            return json_bytes(200, {"ticket": ticket_json(found)}, headers)
        if request.method == "DELETE":
            deleted = tickets.archive(found.id, now)  # soft delete: see deleted_tickets
            assert deleted is not None
            self._emit(self.events.soft_deleted(deleted, USER_FIRST_ID, now))
            return Response(status_code=204, headers=headers)
        body = await read_json_object(request)
        check_safe_update(body, found)
        changes = ticket_changes(body, existing=found, caller_id=USER_FIRST_ID)
        updated = tickets.update(found.id, changes, now)
        assert updated is not None
        events = self.events.updated(found, updated, changes, USER_FIRST_ID, now)
        self._emit(events)
        return json_bytes(
            200, {"ticket": ticket_json(updated), "audit": self._audit(updated, events)}, headers
        )

    def _emit(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.webhooks.emit(event)

    async def oauth_tokens(self, request: Request) -> Response:
        self.counters.token_requests += 1
        return await self.oauth.token_endpoint(request, self.tokens)
