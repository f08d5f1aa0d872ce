"""The Zoho CRM v6 simulator: Contacts and Accounts, OAuth tokens, credits, notifications."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._http import Reply, read_json_object
from interlink.simulators._ratelimit import RollingWindow
from interlink.simulators._render import PristineCache
from interlink.simulators._secrets import derived_secret
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Token, TokenState
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.zoho import _oauth
from interlink.simulators.zoho._modules import MODULES, Module, zoho_time
from interlink.simulators.zoho._oauth import ACCESS_TOKEN_TTL, ALL, READ
from interlink.simulators.zoho._paging import TOKEN_TTL, bad_parameter, fetch, parse_listing
from interlink.simulators.zoho._recycle import recycle_bin
from interlink.simulators.zoho._wire import Notifications, error_body, json_bytes, limit_headers
from interlink.simulators.zoho._writes import check_record, records_of, result_status, success

__all__ = ["ZohoSimulator"]

CREDITS = 60_000  # Enterprise edition with 10 licences: 50,000 + 10 x 1,000 per rolling 24 h
MAX_FIELDS = 50
_MS = 0.001


@register
class ZohoSimulator(Simulator):
    info = SimulatorInfo(
        name="zoho",
        title="Zoho CRM v6",
        resources=tuple(MODULES),
        auth="Zoho-oauthtoken (1-hour tokens, refresh at /oauth/v2/token)",
        pagination="page/per_page (200) to 2,000 records, then info.next_page_token",
        rate_limits=f"{CREDITS:,} credits per rolling 24 h (429 TOO_MANY_REQUESTS)",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        self.client_id = "1000." + derived_secret("zoho", seed, "client-id")[:30].upper()
        self.client_secret = derived_secret("zoho", seed, "client-secret")[:42]
        # The notification channel: what `POST /actions/watch` sets (or `webhook_url`).
        self.channel_id = str(1_000_000_068_001 + seed)
        self.channel_token = (
            "TOKEN_FOR_VERIFICATION_" + derived_secret("zoho", seed, "channel")[:24]
        )
        super().__init__(**options)
        self.credits = self.add_limiter(RollingWindow(CREDITS, 86_400.0))
        self.refresh_limiter = self.add_limiter(RollingWindow(10, 600.0))
        self.cache = PristineCache()
        d = derived_secret("zoho", seed, "access-token")
        self.default_refresh_token = f"1000.{d[:32]}.{d[32:64]}"
        self.default_token = self.tokens.issue(
            ALL,
            "org",
            ttl=ACCESS_TOKEN_TTL,
            value=f"1000.{d[:32]}.{d[32:]}"[:70],
            refresh_token=self.default_refresh_token,
        )

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {name: m.collection(self.records, self.seed) for name, m in MODULES.items()}

    def webhook_format(self) -> WebhookFormat:
        return Notifications()

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        return json_bytes(status, error_body(status, message, category))

    def credential(self, headers: Mapping[str, str]) -> str | None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme != "Zoho-oauthtoken" or not value.strip():
            return None
        return value.strip()

    def issue_token(self, kind: str | None = None) -> Token:
        """An access token with a refresh token; kind is its scope (ALL, or READ only)."""
        scope = {None: ALL, ALL: ALL, "all": ALL, READ: READ, "read": READ}.get(kind)
        if scope is None:
            raise ValueError(f"unknown Zoho token kind {kind!r} (use 'all' or 'read')")
        prefix = f"1000.{self.client_id[5:13]}."
        return self.tokens.issue(
            scope, "org", ttl=ACCESS_TOKEN_TTL, refreshable=True, prefix=prefix
        )

    def issue_auth_code(self) -> str:
        """A grant token, as Zoho's consent screen would redirect with."""
        return self.tokens.issue_code("org")

    def page_request(self, limit: int) -> PageRequest:
        fields = "First_Name,Last_Name,Email,Modified_Time"
        auth = {"Authorization": f"Zoho-oauthtoken {self.default_token.value}"}
        return PageRequest("GET", f"/crm/v6/Contacts?fields={fields}&per_page={limit}", auth)

    def reset(self) -> None:
        super().reset()
        self.cache.clear()

    def routes(self) -> Sequence[BaseRoute]:
        module = "/crm/v6/{module}"
        return [
            Route("/crm/v6/actions/watch", self.watch, methods=["POST"]),
            Route(module, self.list_records, methods=["GET"]),
            Route(module, self.write, methods=["POST", "PUT", "DELETE"]),
            Route(module + "/deleted", self.deleted, methods=["GET"]),
            Route(module + "/{record_id}", self.one, methods=["GET", "PUT", "DELETE"]),
            Route("/oauth/v2/token", self.token, methods=["POST"]),
        ]

    # -- auth and credits -------------------------------------------------------------------

    def authorize(
        self, request: Request, *, writing: bool = False, cost: int = 1
    ) -> dict[str, str]:
        """Check the token, its scope and the credits; returns the credit headers."""
        check = self.tokens.check(self.credential(request.headers))
        if check.state is TokenState.MISSING:
            raise Reply(
                self.error_response(401, "Authentication failed", category="AUTHENTICATION_FAILURE")
            )
        if check.state is not TokenState.VALID or check.token is None:
            # Unknown, expired and revoked tokens all read the same on Zoho.
            raise Reply(self.error_response(401, "invalid oauth token", category="INVALID_TOKEN"))
        if writing and check.token.kind != ALL:
            raise Reply(
                self.error_response(
                    401, "invalid oauth scope to access this URL", category="OAUTH_SCOPE_MISMATCH"
                )
            )
        if not self.rate_limits:
            return {}
        now = self.clock.time()
        decision = self.limit(self.credits, "org", peek=True)
        if decision.remaining < cost:
            raise Reply(json_bytes(429, error_body(429, None, None), limit_headers(decision, now)))
        for _ in range(cost):  # a call may cost several credits (writes: 1 per 10 records)
            decision = self.limit(self.credits, "org")
        return limit_headers(decision, now)

    async def token(self, request: Request) -> Response:
        return await _oauth.token(self, request)

    def _module(self, request: Request) -> tuple[Module, Collection]:
        name = request.path_params["module"]
        module = MODULES.get(name)
        if module is None:
            raise Reply(
                self.error_response(
                    400, "the module name given seems to be invalid", category="INVALID_MODULE"
                )
            )
        return module, self.collections[name]

    def _since(self, request: Request) -> float | None:
        raw = request.headers.get("if-modified-since")
        if raw is None:
            return None
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise bad_parameter("If-Modified-Since", f"invalid date: {raw}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return round(parsed.timestamp() + _MS, 3)  # modified strictly after that instant

    # -- reading ----------------------------------------------------------------------------

    def _fields(self, request: Request, module: Module) -> tuple[str, ...]:
        raw = request.query_params.get("fields")
        if not raw:
            raise Reply(
                json_bytes(
                    400,
                    error_body(
                        400,
                        "One of the expected parameter is missing",
                        "REQUIRED_PARAM_MISSING",
                        {"param": "fields"},
                    ),
                )
            )
        fields = tuple(
            dict.fromkeys(f.strip() for f in raw.split(",") if f.strip() and f.strip() != "id")
        )
        unknown = [f for f in fields if f not in module.fields]
        if unknown or len(fields) > MAX_FIELDS:
            message = (
                f"invalid field: {unknown[0]}" if unknown else f"more than {MAX_FIELDS} fields"
            )
            raise bad_parameter("fields", message)
        return fields

    async def list_records(self, request: Request) -> Response:
        headers = self.authorize(request)
        module, collection = self._module(request)
        fields = self._fields(request, module)
        since, now = self._since(request), self.clock.time()
        listing = parse_listing(request, since, now)
        page = fetch(collection, listing, now)
        if not page.refs:  # Zoho: 304 when nothing changed since If-Modified-Since, else 204
            return Response(status_code=304 if since is not None else 204, headers=headers)
        info = {
            "per_page": listing.per_page,
            "next_page_token": None if page.next is None else page.next.token(),
            "count": len(page.refs),
            "sort_by": listing.sort_by,
            "page": listing.page,
            "previous_page_token": None,
            "page_token_expiry": zoho_time(now + TOKEN_TTL) if page.next else None,
            "sort_order": "desc" if listing.descending else "asc",
            "more_records": page.more,
        }
        fragments = self.cache.fragments(
            collection, page.refs, lambda rec: module.render(rec, fields), (module.api_name, fields)
        )
        body = b'{"data":[' + b",".join(fragments) + b'],"info":' + orjson.dumps(info) + b"}"
        return Response(body, 200, headers, media_type="application/json")

    async def one(self, request: Request) -> Response:
        """GET, PUT or DELETE one record by id (`/crm/v6/Contacts/{id}`)."""
        if request.method == "GET":
            headers = self.authorize(request)
            module, collection = self._module(request)
            number = module.number(request.path_params["record_id"])
            record = None if number is None else collection.get(number)
            if record is None:  # Zoho answers an unknown or deleted id with no content
                return Response(status_code=204, headers=headers)
            fields = (
                self._fields(request, module)
                if "fields" in request.query_params
                else tuple(sorted(module.fields - {"id"}))
            )
            body = b'{"data":[' + module.render(record, fields) + b"]}"
            return Response(body, 200, headers, media_type="application/json")
        rid = request.path_params["record_id"]
        if request.method == "DELETE":
            return await self._delete(request, [rid])
        records = records_of(await read_json_object(request))
        return await self._upsert(
            request,
            [{**r, "id": rid} if isinstance(r, dict) else r for r in records[:1]],
            creating=False,
        )

    async def write(self, request: Request) -> Response:
        """POST creates, PUT updates (`{"data": [...]}`), DELETE `?ids=a,b` deletes."""
        if request.method == "DELETE":
            raw = request.query_params.get("ids", "")
            ids = [i for i in raw.split(",") if i]
            if not ids:
                self.authorize(request, writing=True)
                raise bad_parameter(
                    "ids", "One of the expected parameter is missing", "REQUIRED_PARAM_MISSING"
                )
            return await self._delete(request, ids)
        payload = await read_json_object(request)
        return await self._upsert(request, records_of(payload), creating=request.method == "POST")

    async def _upsert(self, request: Request, records: list[Any], *, creating: bool) -> Response:
        headers = self.authorize(request, writing=True, cost=math.ceil(len(records) / 10))
        module, collection = self._module(request)
        results: list[dict[str, Any]] = []
        changed: list[str] = []
        affected: list[dict[str, list[str]]] = []
        now = self.clock.time()
        key = request.headers.get("idempotency-key")
        for index, raw in enumerate(records):
            values = check_record(module, index, raw, creating=creating)
            if "__error__" in values:
                results.append(values["__error__"])
                continue
            record: StoredRecord | None
            if creating:
                record = collection.create(values, now)
                # Zoho has no idempotency keys; the counter keys each record of a batch apart.
                self.counters.record_create(
                    module.api_name, key if len(records) == 1 or key is None else f"{key}#{index}"
                )
            else:
                number = module.number(str(raw.get("id", "")))
                record = None if number is None else collection.update(number, values, now)
                if record is None:
                    results.append(
                        error_body(
                            400,
                            "the related id given seems to be invalid",
                            "INVALID_DATA",
                            {"api_name": "id", "json_path": f"$.data[{index}].id"},
                        )
                    )
                    continue
                affected.append({module.record_id(record): sorted(values)})
            changed.append(module.record_id(record))
            results.append(
                success(
                    "record added" if creating else "record updated", module.modification(record)
                )
            )
        if changed:
            self._notify(module, "insert" if creating else "update", changed, affected)
        return json_bytes(
            result_status(results, 201 if creating else 200), {"data": results}, headers
        )

    async def _delete(self, request: Request, ids: list[str]) -> Response:
        headers = self.authorize(request, writing=True, cost=math.ceil(len(ids) / 100))
        module, collection = self._module(request)
        if len(ids) > 100:
            raise bad_parameter(
                "ids", "the number of ids exceeds the limit of 100", "LIMIT_EXCEEDED"
            )
        results: list[dict[str, Any]] = []
        gone: list[str] = []
        for rid in ids:
            number = module.number(rid)
            record = None if number is None else collection.archive(number, self.clock.time())
            if record is None:
                results.append(
                    error_body(400, "the given id seems to be invalid", "INVALID_DATA", {"id": rid})
                )
                continue
            gone.append(rid)
            results.append(success("record deleted", {"id": rid}))
        if gone:
            self._notify(module, "delete", gone, [])
        return json_bytes(result_status(results, 200), {"data": results}, headers)

    async def deleted(self, request: Request) -> Response:
        """`GET /crm/v6/Contacts/deleted`: the recycle bin (see `_recycle`)."""
        headers = self.authorize(request)
        module, collection = self._module(request)
        since = self._since(request)
        page = recycle_bin(request, module, collection, since)
        if page is None:
            return Response(status_code=304 if since is not None else 204, headers=headers)
        return json_bytes(200, page, headers)

    # -- notifications ------------------------------------------------------------------------

    async def watch(self, request: Request) -> Response:
        """`POST /crm/v6/actions/watch`: subscribe a channel (notify_url, token) to events."""
        headers = self.authorize(request, writing=True)
        body = await read_json_object(request)
        watches = body.get("watch")
        if not isinstance(watches, list) or len(watches) != 1 or not isinstance(watches[0], dict):
            raise bad_parameter("watch", "the simulator takes exactly one watch object")
        watch = watches[0]
        url, channel = watch.get("notify_url"), watch.get("channel_id")
        if not isinstance(url, str) or not url.startswith("http"):
            raise bad_parameter("notify_url", "required field not found", "MANDATORY_NOT_FOUND")
        if channel is None:
            raise bad_parameter("channel_id", "required field not found", "MANDATORY_NOT_FOUND")
        token = watch.get("token")
        if token is not None and (not isinstance(token, str) or len(token) > 50):
            raise bad_parameter("token", "token must be a string of at most 50 characters")
        self.webhooks.url, self.channel_id = url, str(channel)
        self.channel_token = token or ""
        expiry = zoho_time(self.clock.time() + 3_600)  # Zoho's default: one hour
        events = [
            {
                "channel_expiry": expiry,
                "resource_uri": f"{self._api_domain()}/crm/v6/{m}",
                "resource_id": str(MODULES[m].first_id),
                "resource_name": m,
                "channel_id": self.channel_id,
            }
            for m in MODULES
        ]
        message = "Successfully subscribed for actions-watch of the given module"
        return json_bytes(200, {"watch": [success(message, {"events": events})]}, headers)

    def _api_domain(self) -> str:
        return "https://www.zohoapis.com"

    def _notify(
        self, module: Module, operation: str, ids: list[str], affected: list[dict[str, list[str]]]
    ) -> None:
        self.webhooks.emit(
            {
                "server_time": int(self.clock.time() * 1000),
                "query_params": {},
                "module": module.api_name,
                "resource_uri": f"{self._api_domain()}/crm/v6/{module.api_name}",
                "ids": ids,
                "affected_fields": affected,
                "operation": operation,
                "channel_id": self.channel_id,
                "token": self.channel_token,
            }
        )
