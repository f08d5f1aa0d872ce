"""The Salesforce REST API simulator: Contact and Account through SOQL and sObject rows."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._consent import ConsentScreen
from interlink.simulators._http import Reply, RequestError, read_json_object
from interlink.simulators._ratelimit import RollingWindow
from interlink.simulators._render import PristineCache
from interlink.simulators._secrets import derived_secret
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Token, TokenState
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.salesforce import _oauth
from interlink.simulators.salesforce._changes import change_event
from interlink.simulators.salesforce._cursor import Cursor, CursorStore, batch, key_of, total
from interlink.simulators.salesforce._ids import decode_id, encode_id
from interlink.simulators.salesforce._oauth import (
    CLIENT_CREDENTIALS,
    LOGIN_HOSTS,
    SESSION,
    SESSION_TIMEOUT,
)
from interlink.simulators.salesforce._objects import (
    SOBJECTS,
    USER_NUMBER,
    SalesforceErrors,
    SObjectType,
)
from interlink.simulators.salesforce._replication import (
    deleted_body,
    minute,
    replication_window,
    updated_body,
)
from interlink.simulators.salesforce._soql import parse_soql
from interlink.simulators.salesforce._wire import (
    LIMIT_EXCEEDED,
    SESSION_EXPIRED,
    ChangeEvents,
    error_response,
    errors_body,
    json_bytes,
    limit_info,
)

__all__ = ["API_VERSION", "SalesforceSimulator"]

API_VERSION = "v59.0"
DAILY_LIMIT = 15_000  # a Developer Edition org's allocation, per rolling 24 hours
DEFAULT_BATCH, MIN_BATCH, MAX_BATCH = 2_000, 200, 2_000
_VERSION = re.compile(r"^v\d{2}\.0$")
_BATCH_SIZE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
_MS = 0.001
_MY_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


@register
class SalesforceSimulator(Simulator):
    info = SimulatorInfo(
        name="salesforce",
        title=f"Salesforce REST API {API_VERSION}",
        resources=tuple(SOBJECTS),
        auth="OAuth2 sessions (2-hour inactivity timeout): code, refresh, client credentials",
        pagination="SOQL query locators (nextRecordsUrl), batches of 2,000 (batchSize 200-2,000)",
        rate_limits=f"{DAILY_LIMIT:,} API calls per rolling 24 h per org (403)",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        my_domain = options.pop("my_domain", "acme")
        if not isinstance(my_domain, str) or not _MY_DOMAIN.match(my_domain):
            raise ValueError(f"my_domain: a DNS label like 'acme', got {my_domain!r}")
        self.instance_url = f"https://{my_domain}.my.salesforce.com"
        """The org's own URL, which token answers from the login servers name."""
        self.client_id = "3MVG9" + derived_secret("salesforce", seed, "consumer-key")[:60]
        self.client_secret = derived_secret("salesforce", seed, "consumer-secret")[:64].upper()
        self.webhook_secret = derived_secret("salesforce", seed, "cdc-signing-secret")[:40]
        self.org_id = encode_id("00D", 1 + seed % 1_000_000)
        self.user_id = encode_id("005", USER_NUMBER)
        super().__init__(**options)
        self.daily = self.add_limiter(RollingWindow(DAILY_LIMIT, 86_400.0))
        self.cache = PristineCache()
        self.cursors = CursorStore()
        self.consent = ConsentScreen(
            "Salesforce", self.tokens, lambda: self.client_id, lambda: "org",
            denied="end-user denied authorization",
        )  # fmt: skip
        """`/services/oauth2/authorize`: the web-server flow's consent screen (PKCE S256)."""
        self.log_start = minute(self.clock.time())  # nothing purged from the delete log since
        self._replay_id = 0
        self.default_token = self.tokens.issue(
            SESSION, "org", ttl=SESSION_TIMEOUT, prefix="",
            value=f"{self.org_id[:15]}!AQ{derived_secret('salesforce', seed, 'session')}",
            refresh_token=f"5Aep861{derived_secret('salesforce', seed, 'refresh')[:80]}",
        )  # fmt: skip

    @property
    def identity_url(self) -> str:
        return f"https://login.salesforce.com/id/{self.org_id}/{self.user_id}"

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {name: t.collection(self.records, self.seed) for name, t in SOBJECTS.items()}

    def webhook_format(self) -> WebhookFormat:
        return ChangeEvents(self.webhook_secret)

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        if status == 429:  # Salesforce's rate-limit answer is a 403, never a 429
            self.counters.rate_limited += 1
            return error_response(403, LIMIT_EXCEEDED, "REQUEST_LIMIT_EXCEEDED")
        return error_response(status, message, category)

    def credential(self, headers: Mapping[str, str]) -> str | None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not value.strip():
            return None
        return value.strip()

    def issue_token(self, kind: str | None = None) -> Token:
        """A session (default, refreshable) or a client-credentials session."""
        prefix = self.org_id[:15] + "!"
        if kind in (None, SESSION):
            return self.tokens.issue(
                SESSION, "org", ttl=SESSION_TIMEOUT, refreshable=True, prefix=prefix
            )
        if kind == CLIENT_CREDENTIALS:
            return self.tokens.issue(CLIENT_CREDENTIALS, "org", ttl=SESSION_TIMEOUT, prefix=prefix)
        raise ValueError(f"unknown Salesforce token kind {kind!r} (use {SESSION!r} or "
                         f"{CLIENT_CREDENTIALS!r})")  # fmt: skip

    def issue_auth_code(self) -> str:
        """An authorization code, as the consent screen would redirect with."""
        return self.tokens.issue_code("org")

    def page_request(self, limit: int) -> PageRequest:
        soql = f"SELECT+Id,FirstName,LastName,Email,SystemModstamp+FROM+Contact+LIMIT+{limit}"
        auth = {"Authorization": f"Bearer {self.default_token.value}"}
        return PageRequest("GET", f"/services/data/{API_VERSION}/query?q={soql}", auth)

    def reset(self) -> None:
        super().reset()
        self.cache.clear()
        self.cursors.clear()

    def routes(self) -> Sequence[BaseRoute]:
        data, sobject = "/services/data/{version}", "/services/data/{version}/sobjects/{sobject}"
        return [
            Route(data + "/query", self.query, methods=["GET"]),
            Route(data + "/queryAll", self.query, methods=["GET"]),
            Route(data + "/query/{cursor}", self.query_more, methods=["GET"]),
            Route(data + "/queryAll/{cursor}", self.query_more, methods=["GET"]),
            Route(data + "/limits", self.limits, methods=["GET"]),
            Route(sobject + "/updated/", self.updated, methods=["GET"]),
            Route(sobject + "/deleted/", self.deleted, methods=["GET"]),
            Route(sobject + "/", self.create, methods=["POST"]),
            Route(sobject, self.create, methods=["POST"]),
            Route(sobject + "/{record_id}", self.one, methods=["GET", "PATCH", "DELETE"]),
            Route("/services/oauth2/authorize", self.consent.page, methods=["GET", "POST"]),
            Route("/services/oauth2/token", self.token, methods=["POST"]),
            Route("/services/oauth2/revoke", self.revoke, methods=["POST"]),
        ]

    # -- auth and limits --------------------------------------------------------------------

    def authorize(self, request: Request) -> dict[str, str]:
        """Check the session and the daily allocation; returns the Sforce-Limit-Info header."""
        check = self.tokens.check(self.credential(request.headers))
        login_server = request.url.hostname in LOGIN_HOSTS
        if check.state is not TokenState.VALID or check.token is None or login_server:
            # The login servers hold no org data: a session is valid only on the org's
            # instance_url (a guess at the exact answer; the refusal itself is documented).
            # Missing, unknown, expired and revoked sessions all read the same on Salesforce.
            raise Reply(error_response(401, SESSION_EXPIRED, "INVALID_SESSION_ID"))
        self.tokens.extend(check.token.value, SESSION_TIMEOUT)  # inactivity timeout slides
        if not _VERSION.match(request.path_params.get("version", API_VERSION)):
            raise RequestError("The requested resource does not exist", 404, "NOT_FOUND")
        if not self.rate_limits:
            return {"Sforce-Limit-Info": f"api-usage=0/{DAILY_LIMIT}"}
        daily = self.limit(self.daily, "org")
        headers = limit_info(daily)
        if not daily.allowed:
            self.counters.rate_limited += 1
            raise Reply(error_response(403, LIMIT_EXCEEDED, "REQUEST_LIMIT_EXCEEDED", headers))
        return headers

    async def token(self, request: Request) -> Response:
        return await _oauth.token(self, request)

    async def revoke(self, request: Request) -> Response:
        return await _oauth.revoke(self, request)

    async def limits(self, request: Request) -> Response:
        headers = self.authorize(request)
        used = self.daily.peek("org", self.clock.time()) if self.rate_limits else None
        remaining = DAILY_LIMIT if used is None else used.remaining
        return json_bytes(200, {"DailyApiRequests": {"Max": DAILY_LIMIT, "Remaining": remaining}},
                          headers)  # fmt: skip

    # -- queries ----------------------------------------------------------------------------

    @staticmethod
    def _batch_size(request: Request) -> int:
        # Sforce-Query-Options: batchSize=N is a hint; Salesforce keeps it within 200..2,000.
        match = _BATCH_SIZE.search(request.headers.get("sforce-query-options", ""))
        return DEFAULT_BATCH if match is None else max(MIN_BATCH, min(MAX_BATCH, int(match[1])))

    async def query(self, request: Request) -> Response:
        headers = self.authorize(request)
        text = request.query_params.get("q")
        if not text:
            raise RequestError("A query string has to be specified", 400, "MALFORMED_QUERY")
        soql = parse_soql(text)
        include_deleted = request.url.path.endswith("/queryAll")
        if include_deleted and soql.order_by_id:
            raise RequestError("The simulator answers queryAll in SystemModstamp order only; "
                               "drop ORDER BY Id", 400, "MALFORMED_QUERY")  # fmt: skip
        if not soql.ordered and not include_deleted:
            # No ORDER BY: any order is valid; Salesforce's is usually Id order, which the
            # simulator answers lazily. queryAll without ORDER BY goes by SystemModstamp.
            soql = replace(soql, order_by_id=True)
        now = self.clock.time()
        collection = self.collections[soql.sobject.name]
        locator = encode_id("01g", self.cursors.next_number())
        cursor = Cursor(locator, soql, include_deleted, round(now + _MS, 3), 0, now)
        cursor.total = total(collection, soql, include_deleted, now)
        return self._serve(request, cursor, 0, headers)

    async def query_more(self, request: Request) -> Response:
        headers = self.authorize(request)
        locator, _, offset = request.path_params["cursor"].rpartition("-")
        cursor = self.cursors.get(locator, self.clock.time())
        if cursor is None or not offset.isdigit() or int(offset) not in cursor.starts:
            raise RequestError("invalid query locator", 400, "INVALID_QUERY_LOCATOR")
        return self._serve(request, cursor, int(offset), headers)

    def _serve(
        self, request: Request, cursor: Cursor, offset: int, headers: dict[str, str]
    ) -> Response:
        q, version = cursor.query, request.path_params["version"]
        collection = self.collections[q.sobject.name]
        take = self._batch_size(request)
        room = None if q.limit is None else q.limit - offset  # rows LIMIT still allows
        take = take if room is None else min(take, room)
        probe = take + 1 if room is None or room > take else take  # one more: is there more?
        refs = batch(collection, cursor, cursor.starts.get(offset), probe) if take > 0 else []
        more = len(refs) > take  # (take already stops at the query's LIMIT)
        refs = refs[:take]
        head = b'{"totalSize":%d,"done":%s' % (cursor.total, b"false" if more else b"true")
        if more:
            following = offset + len(refs)
            cursor.starts[following] = key_of(collection, refs[-1])
            self.cursors.open(cursor)
            kind = "queryAll" if cursor.include_deleted else "query"
            head += b',"nextRecordsUrl":"/services/data/%s/%s/%s-%d"' % (
                version.encode(),
                kind.encode(),
                cursor.locator.encode(),
                following,
            )
        fragments = self.cache.fragments(
            collection, refs,
            lambda rec: q.sobject.render(rec, q.fields, self.user_id, version),
            (q.sobject.name, q.fields, version),
        )  # fmt: skip
        body = head + b',"records":[' + b",".join(fragments) + b"]}"
        return Response(body, 200, headers, media_type="application/json")

    def _sobject(self, request: Request) -> tuple[SObjectType, Collection]:
        sobject = SOBJECTS.get(request.path_params["sobject"])
        if sobject is None:
            raise RequestError("The requested resource does not exist", 404, "NOT_FOUND")
        return sobject, self.collections[sobject.name]

    async def updated(self, request: Request) -> Response:
        headers = self.authorize(request)
        sobject, collection = self._sobject(request)
        window = replication_window(request, self.clock.time())
        return json_bytes(200, updated_body(sobject, collection, window), headers)

    async def deleted(self, request: Request) -> Response:
        headers = self.authorize(request)
        sobject, collection = self._sobject(request)
        window = replication_window(request, self.clock.time())
        return json_bytes(200, deleted_body(sobject, collection, window, self.log_start), headers)

    # -- sObject rows ---------------------------------------------------------------------------

    def _find(self, request: Request, sobject: SObjectType, collection: Collection) -> StoredRecord:
        raw = request.path_params["record_id"]
        number = decode_id(sobject.key_prefix, raw)
        if number is None:
            if request.method == "GET":  # a non-id is tried as an external id on a GET
                message = f"Provided external ID field does not exist or is not accessible: {raw}"
                raise RequestError(message, 404, "NOT_FOUND")
            raise RequestError(f"{sobject.name} ID: id value of incorrect type: {raw}", 400,
                               "MALFORMED_ID")  # fmt: skip
        found = collection.get(number)
        if found is None:
            if collection.get(number, archived=True) is not None:
                raise RequestError("entity is deleted", 404, "ENTITY_IS_DELETED")
            raise RequestError("The requested resource does not exist", 404, "NOT_FOUND")
        return found

    def _values(self, request_body: dict[str, Any], sobject: SObjectType, creating: bool,
                headers: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
        try:
            return sobject.check_write(request_body, creating=creating)
        except SalesforceErrors as exc:
            raise Reply(json_bytes(exc.status, errors_body(exc.errors), headers)) from None

    async def create(self, request: Request) -> Response:
        headers = self.authorize(request)
        sobject, collection = self._sobject(request)
        values = self._values(await read_json_object(request), sobject, True, headers)
        record = collection.create(values, self.clock.time())
        self.counters.record_create(sobject.name, request.headers.get("idempotency-key"))
        self._change(sobject, "CREATE", record, list(values))
        return json_bytes(201, {"id": sobject.record_id(record), "success": True, "errors": []},
                          headers)  # fmt: skip

    async def one(self, request: Request) -> Response:
        headers = self.authorize(request)
        sobject, collection = self._sobject(request)
        found = self._find(request, sobject, collection)
        now = self.clock.time()
        if request.method == "GET":
            wanted = request.query_params.get("fields")
            fields = sobject.fields if wanted is None else tuple(
                sobject.canonical(f) or f for f in wanted.split(",") if f
            )  # fmt: skip
            unknown = [f for f in fields if f not in sobject.fields]
            if unknown:
                raise RequestError(f"No such column '{unknown[0]}' on sobject of type "
                                   f"{sobject.name}", 400, "INVALID_FIELD")  # fmt: skip
            body = sobject.render(found, fields, self.user_id, request.path_params["version"])
            return Response(body, 200, headers, media_type="application/json")
        if request.method == "DELETE":
            archived = collection.archive(found.id, now)
            assert archived is not None
            self._change(sobject, "DELETE", archived, [])
            return Response(status_code=204, headers=headers)
        values = self._values(await read_json_object(request), sobject, False, headers)
        updated = collection.update(found.id, values, now)
        assert updated is not None
        self._change(sobject, "UPDATE", updated, list(values))
        return Response(status_code=204, headers=headers)

    # -- Change Data Capture ------------------------------------------------------------------

    def _change(
        self, sobject: SObjectType, kind: str, record: StoredRecord, changed: list[str]
    ) -> None:
        self._replay_id += 1
        values = sobject.values(record, self.user_id)
        self.webhooks.emit(
            change_event(sobject.name, kind, values, changed, self._replay_id,
                         self.clock.time(), self.user_id)
        )  # fmt: skip
