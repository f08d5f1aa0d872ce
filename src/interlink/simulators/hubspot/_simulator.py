"""The HubSpot CRM v3 simulator: contacts, companies, deals; private apps and OAuth."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._http import Reply, RequestError, read_json_object
from interlink.simulators._ratelimit import FixedWindow, RollingWindow
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Check, Token, TokenState
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.hubspot._objects import OBJECT_TYPES, ObjectType, Renderer
from interlink.simulators.hubspot._search import SEARCH_CAP, SearchQuery
from interlink.simulators.hubspot._wire import (
    AUTH_NOT_FOUND,
    HubSpotWebhooks,
    correlation_id,
    error_body,
    json_bytes,
    rate_limit_headers,
    rate_limited_body,
)

__all__ = ["HubSpotSimulator"]

ACCESS_TOKEN_TTL = 1800  # HubSpot OAuth access tokens live 30 minutes
PORTAL_ID = 62515
PRIVATE_APP, OAUTH = "private_app", "oauth"
_EMAIL_INDEX = re.compile(r"\.(\d+)@")  # generated emails carry their record index
_SUBSCRIPTION_IDS = {"creation": 1, "propertyChange": 2, "deletion": 3}


def _derived(seed: int, label: str) -> str:
    """Stable per-seed secrets, so a demo can be configured before the simulator starts."""
    return hashlib.sha256(f"interlink-sim:hubspot:{seed}:{label}".encode()).hexdigest()


@register
class HubSpotSimulator(Simulator):
    info = SimulatorInfo(
        name="hubspot",
        title="HubSpot CRM v3",
        resources=tuple(OBJECT_TYPES),
        auth="private-app token; OAuth2 (30-min tokens + refresh)",
        pagination="cursor (paging.next.after); search: offset, 10,000 cap",
        rate_limits="100 / 10 s per app; 250,000 / day; search 5 / s",
    )

    def __init__(self, **options: Any) -> None:
        self.client_id = _derived(options.get("seed", 0), "client-id")[:32]
        self.client_secret = _derived(options.get("seed", 0), "client-secret")[:32]
        self.app_id = 1_000_000 + options.get("seed", 0) % 1_000_000
        self.token_ttl: float = ACCESS_TOKEN_TTL
        """Seconds an OAuth access token lives (HubSpot's 30 minutes; tests shorten it)."""
        super().__init__(**options)
        self.ten_secondly = self.add_limiter(RollingWindow(100, 10.0))
        self.daily = self.add_limiter(FixedWindow(250_000, 86_400.0))
        self.search_limiter = self.add_limiter(RollingWindow(5, 1.0))
        self.renderer = Renderer()
        self._emails: dict[str, int] = {}  # lower-cased email -> id, for changed contacts
        self._event_id = 0
        seed_secret = _derived(self.seed, "private-app-token")
        s = seed_secret
        token = f"pat-na1-{s[:8]}-{s[8:12]}-{s[12:16]}-{s[16:20]}-{s[20:32]}"
        self.default_token = self.tokens.issue(PRIVATE_APP, "private-app", value=token)

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {name: t.collection(self.records, self.seed) for name, t in OBJECT_TYPES.items()}

    def webhook_format(self) -> WebhookFormat:
        return HubSpotWebhooks(self.client_secret)

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        if status == 429:
            return json_bytes(429, rate_limited_body("TEN_SECONDLY_ROLLING"))
        return json_bytes(status, error_body(status, message, category))

    def drift_targets(self, payload: Any) -> Iterator[dict[str, Any]]:
        records = payload.get("results", [payload]) if isinstance(payload, dict) else []
        for record in records:
            if isinstance(record, dict) and isinstance(record.get("properties"), dict):
                yield record["properties"]

    def issue_token(self, kind: str | None = None) -> Token:
        """A private-app token (default) or an OAuth access token with a refresh token."""
        if kind in (None, PRIVATE_APP):
            return self.tokens.issue(PRIVATE_APP, "private-app", prefix="pat-na1-")
        if kind == OAUTH:
            return self.tokens.issue(
                OAUTH,
                f"oauth-app:{self.app_id}",
                ttl=self.token_ttl,
                refreshable=True,
                prefix="C",
            )
        raise ValueError(f"unknown HubSpot token kind {kind!r} (use {PRIVATE_APP!r} or {OAUTH!r})")

    def issue_auth_code(self) -> str:
        """An authorization code, as HubSpot's consent screen would redirect with."""
        return self.tokens.issue_code(f"oauth-app:{self.app_id}")

    def page_request(self, limit: int) -> PageRequest:
        auth = {"Authorization": f"Bearer {self.default_token.value}"}
        return PageRequest("GET", f"/crm/v3/objects/contacts?limit={limit}", auth)

    def reset(self) -> None:
        super().reset()
        self._emails.clear()

    def routes(self) -> Sequence[BaseRoute]:
        base = "/crm/v3/objects/{object_type}"
        return [
            Route(base, self.list_objects, methods=["GET"]),
            Route(base, self.create_object, methods=["POST"]),
            Route(base + "/search", self.search, methods=["POST"]),
            Route(base + "/{object_id}", self.one_object, methods=["GET", "PATCH", "DELETE"]),
            Route("/oauth/v1/token", self.token, methods=["POST"]),
            Route("/oauth/v1/access-tokens/{token}", self.token_info, methods=["GET"]),
        ]

    # -- auth and limits --------------------------------------------------------------------

    def _auth_error(self, check: Check) -> Response:
        if check.state is TokenState.EXPIRED:
            minutes = int(check.expired_for // 60)
            message = f"The OAuth token used to make this call expired {minutes} minute(s) ago."
            return self.error_response(401, message, category="EXPIRED_AUTHENTICATION")
        if check.state is TokenState.REVOKED:
            message = "The access token used to make this call has been revoked."
            return self.error_response(401, message, category="INVALID_AUTHENTICATION")
        return self.error_response(401, AUTH_NOT_FOUND, category="INVALID_AUTHENTICATION")

    def authorize(self, request: Request, *, search: bool = False) -> dict[str, str]:
        """Check the credential and the limits; returns the rate-limit headers to send."""
        check = self.tokens.check(self.credential(request.headers))
        if check.state is not TokenState.VALID or check.token is None:
            raise Reply(self._auth_error(check))
        token = check.token
        if search and not self.limit(self.search_limiter, token.value).allowed:
            raise Reply(json_bytes(429, rate_limited_body("SECONDLY")))
        interval = self.limit(self.ten_secondly, token.subject)
        daily = None
        if token.kind == PRIVATE_APP:  # OAuth apps have no daily limit; a refusal spends none
            daily = self.limit(self.daily, "account", peek=not interval.allowed)
        headers = rate_limit_headers(interval, daily) if self.rate_limits else {}
        if not interval.allowed:
            raise Reply(json_bytes(429, rate_limited_body("TEN_SECONDLY_ROLLING"), headers))
        if daily is not None and not daily.allowed:
            raise Reply(json_bytes(429, rate_limited_body("DAILY"), headers))
        # HubSpot's search endpoints answer without rate-limit headers.
        return {} if search else headers

    # -- reading ----------------------------------------------------------------------------

    def _object_type(self, request: Request) -> tuple[ObjectType, Collection]:
        name = request.path_params["object_type"]
        otype = OBJECT_TYPES.get(name)
        if otype is None:
            raise RequestError(f"Unable to infer object type from: {name}")
        return otype, self.collections[name]

    @staticmethod
    def _properties(request: Request) -> tuple[str, ...] | None:
        values = request.query_params.getlist("properties")
        if not values:
            return None
        return tuple(p for v in values for p in v.split(",") if p)

    @staticmethod
    def _limit(request: Request, default: int, maximum: int) -> int:
        raw = request.query_params.get("limit", str(default))
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise RequestError(f"limit must be an integer from 1 to {maximum}, got {raw!r}")
        return int(raw)

    @staticmethod
    def _ref_id(collection: Collection, ref: int) -> int:
        index = collection.pristine_index(ref)
        return ref if index is None else collection.first_id + index

    def _page(
        self, fragments: list[bytes], paging: dict[str, Any] | None, total: int | None
    ) -> bytes:
        head = b'{"total":%d,"results":[' % total if total is not None else b'{"results":['
        tail = b"]}" if paging is None else b'],"paging":' + orjson.dumps(paging) + b"}"
        return head + b",".join(fragments) + tail

    async def list_objects(self, request: Request) -> Response:
        headers = self.authorize(request)
        otype, collection = self._object_type(request)
        limit, properties = self._limit(request, 10, 100), self._properties(request)
        after = request.query_params.get("after", "0")
        if not after.isdigit():
            raise RequestError(f"after must be a cursor returned by a previous page, got {after!r}")
        if request.query_params.get("archived", "false") == "true":
            archived = collection.archived_by_id(int(after))[: limit + 1]
            refs = [r.id for r in archived]  # archived records live in the overlay: ref == id
        else:
            refs = collection.by_id(int(after)).refs(0, limit + 1)
        paging = None
        if len(refs) > limit:
            next_after = str(self._ref_id(collection, refs[limit]))
            link = str(request.url.include_query_params(after=next_after))
            paging = {"next": {"after": next_after, "link": link}}
        body = self._page(
            self.renderer.fragments(otype, collection, refs[:limit], properties), paging, None
        )
        return Response(body, 200, headers, media_type="application/json")

    async def search(self, request: Request) -> Response:
        headers = self.authorize(request, search=True)
        otype, collection = self._object_type(request)
        query = SearchQuery.parse(otype, await read_json_object(request))
        if query.offset >= SEARCH_CAP:
            raise RequestError(
                f"Search results are limited to {SEARCH_CAP:,} per query; after={query.offset}."
            )
        view = query.view(collection)
        total = len(view)
        take = max(0, min(query.limit, total - query.offset, SEARCH_CAP - query.offset))
        if query.descending:
            refs = view.refs(total - query.offset - take, take)[::-1]
        else:
            refs = view.refs(query.offset, take)
        end = query.offset + take
        paging = {"next": {"after": str(end)}} if end < total else None
        fragments = self.renderer.fragments(otype, collection, refs, query.properties)
        return Response(
            self._page(fragments, paging, total), 200, headers, media_type="application/json"
        )

    def _find(
        self, otype: ObjectType, collection: Collection, request: Request
    ) -> StoredRecord | None:
        raw = request.path_params["object_id"]
        archived = request.query_params.get("archived", "false") == "true"
        if request.query_params.get("idProperty") == "email" and otype.unique_property == "email":
            found = self._by_email(collection, raw)
            return None if found is None or found.archived != archived else found
        return collection.get(int(raw), archived=archived) if raw.isdigit() else None

    def _by_email(self, collection: Collection, email: str) -> StoredRecord | None:
        email = email.lower()
        candidates = [self._emails.get(email)]
        match = _EMAIL_INDEX.search(email)
        if match:
            candidates.append(collection.first_id + int(match.group(1)))
        for rid in candidates:
            if rid is None:
                continue
            for archived in (False, True):
                rec = collection.get(rid, archived=archived)
                if rec is not None and str(rec.fields.get("email", "")).lower() == email:
                    return rec
        return None

    # -- writing ----------------------------------------------------------------------------

    def _values(self, otype: ObjectType, body: dict[str, Any]) -> dict[str, str]:
        props = body.get("properties")
        if not isinstance(props, dict):
            raise RequestError('Invalid input JSON: "properties" must be an object of values')
        bad = [
            {"isValid": False, "message": f'Property "{k}" does not exist',
             "error": "PROPERTY_DOESNT_EXIST", "name": k}
            for k in props if k not in otype.writable
        ]  # fmt: skip
        bad += [
            {"isValid": False, "message": f"{v!r} is not a valid value for {k}",
             "error": "INVALID_OPTION", "name": k}
            for k, v in props.items() if k in otype.writable and isinstance(v, dict | list)
        ]  # fmt: skip
        if bad:
            raise RequestError(f"Property values were not valid: {orjson.dumps(bad).decode()}")
        return {k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in props.items()}  # fmt: skip

    def _check_unique(
        self, otype: ObjectType, collection: Collection, values: dict[str, str], own_id: int | None
    ) -> None:
        name = otype.unique_property
        if name is None or not values.get(name):
            return
        existing = self._by_email(collection, values[name])
        if existing is not None and not existing.archived and existing.id != own_id:
            message = f"{otype.singular.capitalize()} already exists. Existing ID: {existing.id}"
            raise RequestError(message, 409, "CONFLICT")

    def _remember(self, otype: ObjectType, record: StoredRecord) -> None:
        if otype.unique_property == "email" and record.fields.get("email"):
            self._emails[str(record.fields["email"]).lower()] = record.id

    def _event(self, otype: ObjectType, kind: str, record: StoredRecord, **extra: Any) -> None:
        self._event_id += 1
        self.webhooks.emit({
            "eventId": self._event_id,
            "subscriptionId": _SUBSCRIPTION_IDS[kind],
            "portalId": PORTAL_ID,
            "appId": self.app_id,
            "occurredAt": int(self.clock.time() * 1000),
            "subscriptionType": f"{otype.singular}.{kind}",
            "attemptNumber": 0,
            "objectId": record.id,
            "changeSource": "API",
            **extra,
        })  # fmt: skip

    def _rendered(
        self,
        otype: ObjectType,
        record: StoredRecord,
        status: int,
        headers: dict[str, str],
        properties: Sequence[str] | None = None,
    ) -> Response:
        return json_bytes(status, self.renderer.record(otype, record, properties), headers)

    async def create_object(self, request: Request) -> Response:
        headers = self.authorize(request)
        otype, collection = self._object_type(request)
        values = self._values(otype, await read_json_object(request))
        self._check_unique(otype, collection, values, None)
        record = collection.create(values, self.clock.time())
        self._remember(otype, record)
        self.counters.record_create(otype.name, request.headers.get("idempotency-key"))
        self._event(otype, "creation", record)
        props = sorted(set(values) | set(otype.default_properties))
        return self._rendered(otype, record, 201, headers, props)

    async def one_object(self, request: Request) -> Response:
        headers = self.authorize(request)
        otype, collection = self._object_type(request)
        found = self._find(otype, collection, request)
        if request.method == "GET":
            if found is None:
                raise RequestError("resource not found", 404, "OBJECT_NOT_FOUND")
            return self._rendered(otype, found, 200, headers, self._properties(request))
        if request.method == "DELETE":
            if found is None:
                raw = request.path_params["object_id"]
                if raw.isdigit() and collection.get(int(raw), archived=True) is not None:
                    return Response(status_code=204, headers=headers)  # already archived
                raise RequestError("resource not found", 404, "OBJECT_NOT_FOUND")
            archived = collection.archive(found.id, self.clock.time())
            assert archived is not None
            self._event(otype, "deletion", archived)
            return Response(status_code=204, headers=headers)
        values = self._values(otype, await read_json_object(request))
        if found is None or found.archived:
            raise RequestError("resource not found", 404, "OBJECT_NOT_FOUND")
        self._check_unique(otype, collection, values, found.id)
        updated = collection.update(found.id, values, self.clock.time())
        assert updated is not None
        self._remember(otype, updated)
        for name, value in values.items():
            self._event(otype, "propertyChange", updated, propertyName=name, propertyValue=value)
        return self._rendered(
            otype, updated, 200, headers, sorted(set(values) | set(otype.default_properties))
        )

    # -- OAuth ------------------------------------------------------------------------------

    @staticmethod
    def _oauth_error(status: str, message: str) -> Response:
        return json_bytes(
            400, {"status": status, "message": message, "correlationId": correlation_id()}
        )

    async def token(self, request: Request) -> Response:
        self.counters.token_requests += 1
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        grant = form.get("grant_type")
        if grant not in ("refresh_token", "authorization_code"):
            return self._oauth_error("BAD_GRANT_TYPE", f"unsupported grant_type: {grant!r}")
        if form.get("client_id") != self.client_id:
            return self._oauth_error("BAD_CLIENT_ID", "missing or unknown client id")
        if form.get("client_secret") != self.client_secret:
            return self._oauth_error("BAD_CLIENT_SECRET", "missing or invalid client secret")
        if grant == "refresh_token":
            token = self.tokens.refresh(
                form.get("refresh_token", ""), ttl=self.token_ttl, prefix="C"
            )
            if token is None:
                return self._oauth_error("BAD_REFRESH_TOKEN", "missing or unknown refresh token")
        else:
            subject = self.tokens.redeem_code(form.get("code", ""))
            if subject is None:
                return self._oauth_error("BAD_AUTH_CODE", "missing or unknown auth code")
            token = self.tokens.issue(
                OAUTH, subject, ttl=self.token_ttl, refreshable=True, prefix="C"
            )
        return json_bytes(200, {
            "token_type": "bearer",
            "refresh_token": token.refresh_token,
            "access_token": token.value,
            "expires_in": round(self.token_ttl),
        })  # fmt: skip

    async def token_info(self, request: Request) -> Response:
        check = self.tokens.check(request.path_params["token"])
        if check.state is not TokenState.VALID or check.token is None:
            return self.error_response(
                404, "Token not found or expired", category="OBJECT_NOT_FOUND"
            )
        return json_bytes(200, {
            "token": check.token.value,
            "hub_id": PORTAL_ID,
            "app_id": self.app_id,
            "expires_in": check.token.expires_in(self.clock.time()),
            "scopes": ["crm.objects.contacts.read", "crm.objects.contacts.write",
                       "crm.objects.companies.read", "crm.objects.deals.read"],
            "token_type": "access",
        })  # fmt: skip
