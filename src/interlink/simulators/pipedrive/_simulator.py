"""The Pipedrive simulator: persons and organizations over API v1 and v2; API tokens and OAuth."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._http import Reply, RequestError, basic_credentials, read_json_object
from interlink.simulators._ratelimit import RollingWindow
from interlink.simulators._render import PristineCache
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Check, Token, TokenState
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.pipedrive._entities import (
    COMPANY_DOMAIN,
    COMPANY_ID,
    ENTITIES,
    OWNERS,
    Entity,
    iso_ms,
    v1_time,
)
from interlink.simulators.pipedrive._input import write_values
from interlink.simulators.pipedrive._reads import (
    V2Query,
    recents_view,
    start_limit,
    v1_page,
)
from interlink.simulators.pipedrive._wire import (
    PipedriveWebhooks,
    TokenBudget,
    envelope_error,
    event_id,
    json_bytes,
    rate_limit_headers,
)

__all__ = ["PipedriveSimulator"]

API_TOKEN, OAUTH = "api_token", "oauth"
ACCESS_TOKEN_TTL = 3600  # Pipedrive OAuth access tokens: expires_in 3600
# Burst limits per token per rolling 2 s on the Growth plan (API token 40, OAuth app 160).
BURST_API_TOKEN, BURST_OAUTH, BURST_WINDOW = 40, 160, 2.0
# Daily budget: 30,000 base tokens x plan multiplier 2 (Growth) x 5 seats.
DAILY_BUDGET = 30_000 * 2 * 5
# Token costs Pipedrive lists: single entity 2, list 20, update 10, delete 6. Creating
# is priced like an update (a guess: the table lists no create cost).
COST_GET, COST_LIST, COST_WRITE, COST_DELETE = 2, 20, 10, 6
_LIVE_401_INFO = "Please check developers.pipedrive.com"  # what a live 401 carries


def _derived(seed: int, label: str) -> str:
    return hashlib.sha256(f"interlink-sim:pipedrive:{seed}:{label}".encode()).hexdigest()


@register
class PipedriveSimulator(Simulator):
    info = SimulatorInfo(
        name="pipedrive",
        title="Pipedrive API v1/v2",
        resources=tuple(ENTITIES),
        auth="api_token (query or x-api-token); OAuth2 bearer (1-h tokens + refresh)",
        pagination="v1 start/limit (max 500); v2 cursor; recents since_timestamp",
        rate_limits="40 / 2 s per API token, 160 / 2 s per OAuth token; 300,000 tokens / day",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        self.client_id = _derived(seed, "client-id")[:16]
        self.client_secret = _derived(seed, "client-secret")[:40]
        # The webhook subscription's http_auth_user / http_auth_password.
        self.webhook_user = "interlink"
        self.webhook_password = _derived(seed, "webhook-password")[:24]
        super().__init__(**options)
        self.burst_api_token = self.add_limiter(RollingWindow(BURST_API_TOKEN, BURST_WINDOW))
        self.burst_oauth = self.add_limiter(RollingWindow(BURST_OAUTH, BURST_WINDOW))
        self.budget = TokenBudget(DAILY_BUDGET)
        self.limiters.append(self.budget)
        # v1 JSON of untouched generated records; a person's embeds its organization's
        # name, so any organization change clears it (see `_changed`).
        self.cache = PristineCache()
        token = _derived(seed, "api-token")[:40]  # stable per seed, for the demo
        self.api_token = self.tokens.issue(API_TOKEN, str(OWNERS[0][0]), value=token)
        self._webhook_id = 1_000 + seed % 1_000

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {name: e.collection(self.records, self.seed) for name, e in ENTITIES.items()}

    def webhook_format(self) -> WebhookFormat:
        return PipedriveWebhooks(self.webhook_user, self.webhook_password)

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        info = _LIVE_401_INFO if status == 401 else None
        body = envelope_error(status, message, info) if info else envelope_error(status, message)
        return json_bytes(status, body)

    def credential(self, headers: Mapping[str, str]) -> str | None:
        """An OAuth bearer token, or an API token in the `x-api-token` header.

        (The `api_token` query parameter is read by `authorize`; the revoke fault,
        which sees headers only, cannot revoke a token sent that way.)
        """
        return super().credential(headers) or headers.get("x-api-token") or None

    def drift_targets(self, payload: Any) -> Iterator[dict[str, Any]]:
        data = payload.get("data") if isinstance(payload, dict) else None
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict):
                inner = item.get("data") if "item" in item else item  # recents wrap items
                if isinstance(inner, dict):
                    yield inner

    def issue_token(self, kind: str | None = None) -> Token:
        """An API token (default) or an OAuth access token with a refresh token."""
        if kind in (None, API_TOKEN):
            # Pipedrive API tokens are 40 hex characters, one per user.
            return self.tokens.issue(API_TOKEN, str(OWNERS[1][0]), value=secrets.token_hex(20))
        if kind == OAUTH:
            return self.tokens.issue(
                OAUTH, str(OWNERS[0][0]), ttl=ACCESS_TOKEN_TTL, refreshable=True,
                prefix=f"{COMPANY_ID}:{OWNERS[0][0]}:",
            )  # fmt: skip
        raise ValueError(f"unknown Pipedrive token kind {kind!r} (use {API_TOKEN!r} or {OAUTH!r})")

    def issue_auth_code(self) -> str:
        """An authorization code, as Pipedrive's consent screen would redirect with."""
        return self.tokens.issue_code(str(OWNERS[0][0]))

    def page_request(self, limit: int) -> PageRequest:
        path = f"/api/v1/persons?start=0&limit={limit}&api_token={self.api_token.value}"
        return PageRequest("GET", path, {})

    def reset(self) -> None:
        super().reset()
        self.cache.clear()

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/api/v1/recents", self.recents, methods=["GET"]),
            Route("/api/v1/{entity}", self.v1_list, methods=["GET"]),
            Route("/api/v1/{entity}", self.create, methods=["POST"]),
            Route("/api/v1/{entity}/{id}", self.v1_one, methods=["GET", "PUT", "DELETE"]),
            Route("/api/v2/{entity}", self.v2_list, methods=["GET"]),
            Route("/api/v2/{entity}/{id}", self.v2_get, methods=["GET"]),
            Route("/oauth/token", self.token, methods=["POST"]),
        ]

    # -- auth and limits --------------------------------------------------------------------

    def _auth_error(self, check: Check) -> Response:
        # Pipedrive answers every credential failure with the same 401 envelope; OAuth
        # tokens name the reason (wording from the Marketplace status-code table).
        if check.state is TokenState.EXPIRED:
            return self.error_response(401, "Invalid token: access token has expired")
        if check.state is TokenState.REVOKED and check.token and check.token.kind == OAUTH:
            return self.error_response(401, "Invalid token: access token is invalid")
        return self.error_response(401, "unauthorized access")

    def authorize(self, request: Request, cost: int) -> dict[str, str]:
        """Check the credential, the burst limit and the daily budget; returns limit headers."""
        value = self.credential(request.headers) or request.query_params.get("api_token")
        check = self.tokens.check(value)
        if check.state is not TokenState.VALID or check.token is None:
            raise Reply(self._auth_error(check))
        token = check.token
        burst_limiter = self.burst_oauth if token.kind == OAUTH else self.burst_api_token
        burst = self.limit(burst_limiter, token.value)  # burst limits are per token
        headers = rate_limit_headers(burst) if self.rate_limits else {}
        if not burst.allowed:
            raise Reply(json_bytes(429, envelope_error(429, None), headers))
        if self.rate_limits:  # the budget is the company's, shared by every token
            scale = self.faults.config.limit_scale
            if not self.budget.spend("company", self.clock.time(), cost, scale).allowed:
                raise Reply(json_bytes(429, envelope_error(429, None), headers))
        return headers

    # -- reading ----------------------------------------------------------------------------

    def _entity(self, request: Request) -> tuple[Entity, Collection]:
        name = request.path_params["entity"]
        entity = ENTITIES.get(name)
        if entity is None:
            raise RequestError(f"Unknown endpoint: /{name}", 404)
        return entity, self.collections[name]

    def _org(self, org_id: int) -> StoredRecord | None:
        orgs = self.collections["organizations"]
        return orgs.get(org_id) or orgs.get(org_id, archived=True)

    def _v1(self, entity: Entity, rec: StoredRecord) -> dict[str, Any]:
        return entity.v1(rec, self._org)

    def _find(self, collection: Collection, raw: str) -> StoredRecord | None:
        if not raw.isdigit():
            return None
        rid = int(raw)
        return collection.get(rid) or collection.get(rid, archived=True)

    def _not_found(self, entity: Entity) -> RequestError:
        return RequestError(f"{entity.title} not found", 404)

    async def v1_list(self, request: Request) -> Response:
        headers = self.authorize(request, COST_LIST)
        entity, collection = self._entity(request)
        start, limit = start_limit(request.query_params)
        refs = collection.by_id().refs(start, limit + 1)
        fragments = self.cache.fragments(
            collection, refs[:limit], lambda r: orjson.dumps(self._v1(entity, r)), entity.name
        )
        body = v1_page(fragments, start, limit, len(refs) > limit)
        return Response(body, 200, headers, media_type="application/json")

    async def recents(self, request: Request) -> Response:
        headers = self.authorize(request, COST_LIST)
        items = request.query_params.get("items", "")
        entity = next((e for e in ENTITIES.values() if e.item == items), None)
        if entity is None:
            # Pipedrive mixes all item types when `items` is absent; the simulator serves
            # one type per query rather than answer a mixed feed wrongly.
            known = ", ".join(e.item for e in ENTITIES.values())
            raise RequestError(f"Parameter 'items' must be one of {known}, got {items!r}")
        collection = self.collections[entity.name]
        view, since = recents_view(collection, request.query_params)
        start, limit = start_limit(request.query_params)
        records = view.slice(start, limit + 1)
        page = records[:limit]
        data = [{"item": entity.item, "id": r.id, "data": self._v1(entity, r)} for r in page]
        last = v1_time(page[-1].modified_at) if page else since
        extra = {"since_timestamp": since, "last_timestamp_on_page": last}
        body = v1_page([orjson.dumps(d) for d in data], start, limit, len(records) > limit, extra)
        return Response(body, 200, headers, media_type="application/json")

    async def v2_list(self, request: Request) -> Response:
        headers = self.authorize(request, COST_LIST // 2)  # v2 endpoints cost less
        entity, collection = self._entity(request)
        records, next_cursor = V2Query.parse(request.query_params).page(collection)
        body = {
            "success": True,
            "data": [entity.v2(r) for r in records],
            "additional_data": {"next_cursor": next_cursor},
        }
        return json_bytes(200, body, headers)

    async def v2_get(self, request: Request) -> Response:
        headers = self.authorize(request, COST_GET // 2)
        entity, collection = self._entity(request)
        found = self._find(collection, request.path_params["id"])
        if found is None:
            raise self._not_found(entity)
        return json_bytes(200, {"success": True, "data": entity.v2(found)}, headers)

    async def v1_one(self, request: Request) -> Response:
        method = request.method
        cost = {"GET": COST_GET, "PUT": COST_WRITE, "DELETE": COST_DELETE}[method]
        headers = self.authorize(request, cost)
        entity, collection = self._entity(request)
        found = self._find(collection, request.path_params["id"])
        if method == "GET":
            if found is None:
                raise self._not_found(entity)
            # A deleted record still reads, flagged active_flag false, until it is purged.
            body = {"success": True, "data": self._v1(entity, found), "additional_data": None}
            return json_bytes(200, body, headers)
        if found is None or found.archived:
            raise self._not_found(entity)
        if method == "DELETE":
            deleted = collection.archive(found.id, self.clock.time())
            assert deleted is not None
            self._changed(entity)
            self._event(entity, "delete", deleted, None, entity.v2(found))
            return json_bytes(200, {"success": True, "data": {"id": found.id}}, headers)
        values = write_values(entity, await read_json_object(request), create=False)
        updated = collection.update(found.id, values, self.clock.time())
        assert updated is not None
        self._changed(entity)
        before, after = entity.v2(found), entity.v2(updated)
        previous = {k: v for k, v in before.items() if after.get(k) != v and k != "update_time"}
        self._event(entity, "change", updated, after, previous)
        return json_bytes(200, {"success": True, "data": self._v1(entity, updated)}, headers)

    # -- writing ----------------------------------------------------------------------------

    def _changed(self, entity: Entity) -> None:
        if entity.item == "organization":  # persons embed organization names
            self.cache.clear()

    async def create(self, request: Request) -> Response:
        headers = self.authorize(request, COST_WRITE)
        entity, collection = self._entity(request)
        values = write_values(entity, await read_json_object(request), create=True)
        record = collection.create(values, self.clock.time())
        self.counters.record_create(entity.name, request.headers.get("idempotency-key"))
        self._event(entity, "create", record, entity.v2(record), None)
        return json_bytes(201, {"success": True, "data": self._v1(entity, record)}, headers)

    def _event(
        self,
        entity: Entity,
        action: str,
        record: StoredRecord,
        data: dict[str, Any] | None,
        previous: dict[str, Any] | None,
    ) -> None:
        """A webhooks v2 event: `data` is the current state (null on delete), `previous`
        the changed fields' old values (the last state on delete, null on create)."""
        now = self.clock.time()
        meta = {
            "action": action,
            "entity": entity.item,
            "company_id": str(COMPANY_ID),
            "correlation_id": event_id(),
            "entity_id": str(record.id),
            "id": event_id(),
            "is_bulk_edit": False,
            "timestamp": iso_ms(now),
            "type": "general",
            "user_id": str(OWNERS[0][0]),
            "version": "2.0",
            "webhook_id": str(self._webhook_id),
            "webhook_owner_id": str(OWNERS[0][0]),
            "change_source": "api",
            "attempt": 1,
            "host": f"{COMPANY_DOMAIN}.pipedrive.com",
            "permitted_user_ids": [str(o[0]) for o in OWNERS],
        }
        self.webhooks.emit({"meta": meta, "data": data, "previous": previous})

    # -- OAuth ------------------------------------------------------------------------------

    @staticmethod
    def _oauth_error(message: str, status: int = 400) -> Response:
        # Messages from Pipedrive's OAuth status-code table; the JSON wrapping is a guess.
        return json_bytes(status, {"success": False, "message": message})

    async def token(self, request: Request) -> Response:
        """`POST /oauth/token`: client credentials as HTTP Basic, a form-encoded grant."""
        self.counters.token_requests += 1
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            return self._oauth_error(
                "Invalid request: content must be application/x-www-form-urlencoded"
            )
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        client = basic_credentials(request.headers)
        if client is None:
            return self._oauth_error("Invalid client: cannot retrieve client credentials", 401)
        if client != (self.client_id, self.client_secret):
            return self._oauth_error("Invalid client: client is invalid", 401)
        grant = form.get("grant_type")
        if not grant:
            return self._oauth_error("Missing parameter: grant_type")
        if grant == "refresh_token":
            token = self.tokens.refresh(form.get("refresh_token", ""), ttl=ACCESS_TOKEN_TTL,
                                        prefix=f"{COMPANY_ID}:{OWNERS[0][0]}:")  # fmt: skip
            if token is None:
                return self._oauth_error("Invalid grant: refresh_token is invalid")
        elif grant == "authorization_code":
            subject = self.tokens.redeem_code(form.get("code", ""))
            if subject is None:
                return self._oauth_error("Invalid grant: authorization_code is invalid")
            token = self.tokens.issue(OAUTH, subject, ttl=ACCESS_TOKEN_TTL, refreshable=True,
                                      prefix=f"{COMPANY_ID}:{subject}:")  # fmt: skip
        else:
            return self._oauth_error("Unsupported grant type: grant_type is invalid")
        return json_bytes(200, {
            "access_token": token.value,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL,
            "refresh_token": token.refresh_token,
            "scope": "base,contacts:full",
            "api_domain": f"https://{COMPANY_DOMAIN}.pipedrive.com",
        })  # fmt: skip
