"""The Stripe simulator: customers, invoices and the Events API, with secret-key auth."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._http import Reply, RequestError
from interlink.simulators._keyset import keyset_page
from interlink.simulators._ratelimit import RollingWindow
from interlink.simulators._render import PristineCache
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Token, TokenState
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.stripe._customers import CustomerEndpoints
from interlink.simulators.stripe._events import EventLog, EventQuery
from interlink.simulators.stripe._form import parse_form
from interlink.simulators.stripe._idempotency import (
    IdempotencyStore,
)
from interlink.simulators.stripe._ids import IdCodec
from interlink.simulators.stripe._objects import (
    CUSTOMER_IDS,
    INVOICE_IDS,
    customer_collection,
    invoice_collection,
    render_invoice,
)
from interlink.simulators.stripe._params import (
    StripeParamError,
    reject_unknown,
)
from interlink.simulators.stripe._query import created_range, cursor, list_limit
from interlink.simulators.stripe._wire import (
    API_VERSION,
    StripeWebhooks,
    error_object,
    json_bytes,
    redact_key,
)

__all__ = ["StripeSimulator"]

TEST, LIVE = "test", "live"
REQUEST_IDS = IdCodec("req_", 14)
_EMAIL_INDEX = re.compile(r"\.(\d+)@")  # generated emails carry their record index
_CUSTOMER_LIST = frozenset({"created", "email", "ending_before", "starting_after", "limit",
                            "expand", "test_clock"})  # fmt: skip
_INVOICE_LIST = frozenset({"created", "ending_before", "starting_after", "limit", "expand"})
# Real Stripe filters the simulator cannot answer lazily: refused by name, never ignored.
_INVOICE_UNSUPPORTED = frozenset({"customer", "collection_method", "due_date", "status",
                                  "subscription"})  # fmt: skip
_EVENT_LIST = frozenset({"created", "delivery_success", "ending_before", "starting_after",
                         "limit", "expand", "type", "types"})  # fmt: skip


def _derived(seed: int, label: str) -> str:
    """Stable per-seed secrets, so a demo can be configured before the simulator starts."""
    return hashlib.sha256(f"interlink-sim:stripe:{seed}:{label}".encode()).hexdigest()


def _alnum(hex_digest: str, n: int) -> str:
    return base64.b32encode(bytes.fromhex(hex_digest)).decode().rstrip("=")[:n].lower()


@register
class StripeSimulator(Simulator):
    info = SimulatorInfo(
        name="stripe",
        title=f"Stripe API ({API_VERSION})",
        resources=("customers", "invoices", "events"),
        auth="secret key: Bearer, or Basic with the key as user name; rolled keys expire",
        pagination="starting_after / ending_before cursors, has_more; newest first",
        rate_limits="test mode 25 reads + 25 writes / s; live 100 + 100 / s",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        self.webhook_secret = "whsec_" + _alnum(_derived(seed, "webhook-secret"), 32)
        self.account_id = "acct_1" + _alnum(_derived(seed, "account"), 15).upper()
        super().__init__(**options)
        self.test_limiter = self.add_limiter(RollingWindow(25, 1.0))
        self.live_limiter = self.add_limiter(RollingWindow(100, 1.0))
        self.cache = PristineCache()
        self.events = EventLog()
        self.idempotency = IdempotencyStore()
        self.customers = CustomerEndpoints(self)
        self._requests = 0
        key = "sk_test_" + _alnum(_derived(seed, "secret-key"), 24)
        self.default_key = self.tokens.issue(TEST, self.account_id, value=key)

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {
            "customers": customer_collection(self.records, self.seed),
            "invoices": invoice_collection(self.records, self.seed),
        }

    def webhook_format(self) -> WebhookFormat:
        return StripeWebhooks(self.webhook_secret)

    def routes(self) -> Sequence[BaseRoute]:
        c = self.customers
        return [
            Route("/v1/customers", c.list_customers, methods=["GET"]),
            Route("/v1/customers", c.create_customer, methods=["POST"]),
            Route("/v1/customers/{id}", c.get_customer, methods=["GET"]),
            Route("/v1/customers/{id}", c.update_customer, methods=["POST"]),
            Route("/v1/customers/{id}", c.delete_customer, methods=["DELETE"]),
            Route("/v1/invoices", self.list_invoices, methods=["GET"]),
            Route("/v1/invoices/{id}", self.get_invoice, methods=["GET"]),
            Route("/v1/invoices/{id}/void", self.void_invoice, methods=["POST"]),
            Route("/v1/events", self.list_events, methods=["GET"]),
            Route("/v1/events/{id}", self.get_event, methods=["GET"]),
        ]

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        """Stripe's error object; `category` is the error `code` (resource_missing, ...)."""
        if message == HTTPStatus(status).phrase:  # Starlette's 404/405: Stripe's own wording
            message = None
        request_id = self._request_id()
        type_ = "idempotency_error" if category == "idempotency_error" else None
        plain = (None, "idempotency_error", "invalid_request_error")
        code = None if category in plain else category
        body = error_object(status, message, request_id, type_=type_, code=code)
        return json_bytes(status, body, self._headers(request_id))

    def bad_input_response(self, error: RequestError) -> Response:
        if not isinstance(error, StripeParamError):
            return super().bad_input_response(error)
        request_id = self._request_id()
        body = error_object(
            error.status, error.message, request_id, code=error.code, param=error.param
        )
        return json_bytes(error.status, body, self._headers(request_id))

    def credential(self, headers: Mapping[str, str]) -> str | None:
        """Bearer sk_..., or Basic with the key as user name and no password (curl -u sk_...:)."""
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return value.strip() or None
        if scheme.lower() == "basic":
            try:
                user = base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                return None
            return user or None
        return None

    def issue_token(self, kind: str | None = None) -> Token:
        """A new secret key: `test` (default, sk_test_...) or `live` (sk_live_...)."""
        mode = kind or TEST
        if mode not in (TEST, LIVE):
            raise ValueError(f"unknown Stripe key kind {kind!r} (use {TEST!r} or {LIVE!r})")
        return self.tokens.issue(mode, self.account_id, prefix=f"sk_{mode}_")

    def roll_key(self, key: str, expires_in: float) -> Token:
        """Roll a secret key as the Dashboard does: a new key now, the old one working for
        `expires_in` more seconds, then answering 401 api_key_expired."""
        check = self.tokens.check(key)
        if check.token is None:
            raise ValueError("no such key was issued by this simulator")
        new = self.issue_token(check.token.kind)
        self.tokens.issue(check.token.kind, check.token.subject, value=key, ttl=expires_in)
        return new

    def lock(self, customer_id: str, seconds: float) -> None:
        """Hold a customer as a Stripe background process would: writes to it meanwhile are
        429 lock_timeout."""
        number = CUSTOMER_IDS.decode(customer_id)
        if number is None:
            raise ValueError(f"not a customer id: {customer_id!r}")
        self.customers.lock(number, self.clock.time() + seconds)

    def page_request(self, limit: int) -> PageRequest:
        auth = {"Authorization": f"Bearer {self.default_key.value}"}
        return PageRequest("GET", f"/v1/customers?limit={limit}", auth)

    def reset(self) -> None:
        super().reset()
        self.cache.clear()
        self.events.clear()
        self.idempotency.clear()
        self.customers.reset()

    # -- responses, auth, limits ------------------------------------------------------------

    def _request_id(self) -> str:
        self._requests += 1
        return REQUEST_IDS.encode(self._requests)

    @staticmethod
    def _headers(request_id: str) -> dict[str, str]:
        return {"Request-Id": request_id, "Stripe-Version": API_VERSION}

    def _send(self, data: Any, request_id: str | None = None) -> Response:
        body = data if isinstance(data, bytes) else orjson.dumps(data)
        headers = self._headers(request_id or self._request_id())
        return Response(body, 200, headers, media_type="application/json")

    def _fail(self, status: int, message: str, **fields: str | None) -> Reply:
        request_id = self._request_id()
        body = error_object(status, message, request_id, **fields)
        return Reply(json_bytes(status, body, self._headers(request_id)))

    def authorize(self, request: Request, *, write: bool = False) -> Token:
        """The request's key, or a Reply with Stripe's 401 / 429."""
        key = self.credential(request.headers)
        check = self.tokens.check(key)
        if check.state is TokenState.MISSING or key is None:
            raise self._fail(401, error_object(401, None, "")["error"]["message"])
        if check.state is TokenState.EXPIRED:
            raise self._fail(401, f"Expired API Key provided: {redact_key(key)}",
                             code="api_key_expired")  # fmt: skip
        if check.state is not TokenState.VALID or check.token is None:
            # Unknown and revoked (deleted) keys look the same to Stripe's clients.
            raise self._fail(401, f"Invalid API Key provided: {redact_key(key)}")
        token = check.token
        limiter = self.live_limiter if token.kind == LIVE else self.test_limiter
        if not self.limit(limiter, f"{token.subject}:{'write' if write else 'read'}").allowed:
            raise Reply(self.error_response(429, None, category="rate_limit"))
        return token

    # -- request parameters -----------------------------------------------------------------

    @staticmethod
    def _query(request: Request) -> dict[str, Any]:
        return parse_form(request.url.query)

    @staticmethod
    async def _form(request: Request) -> dict[str, Any]:
        body = await request.body()
        if not body:
            return {}
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            # Guess: Stripe reads only form-encoded bodies; we say so rather than ignore it.
            raise StripeParamError(
                f"Invalid request: bodies must be application/x-www-form-urlencoded "
                f"(got {kind or 'no content type'}).", "body",
            )  # fmt: skip
        try:
            return parse_form(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise StripeParamError("Invalid request: the body is not UTF-8.", "body") from None

    def _customer_number(self, value: str) -> int | None:
        """The store id of a customer id we ever issued (live or deleted)."""
        number = CUSTOMER_IDS.decode(value)
        coll = self.collections["customers"]
        if number is None or (coll.get(number) or coll.get(number, archived=True)) is None:
            return None
        return number

    def _missing(self, noun: str, value: str) -> Reply:
        return self._fail(404, f"No such {noun}: '{value}'", code="resource_missing", param="id")

    def _list(self, url: str, fragments: list[bytes], has_more: bool) -> bytes:
        more = b"true" if has_more else b"false"
        return (b'{"object":"list","data":[' + b",".join(fragments) + b'],"has_more":' + more
                + b',"url":"' + url.encode() + b'"}')  # fmt: skip

    def _page(
        self,
        resource: str,
        render: Callable[[StoredRecord, bool], dict[str, Any]],
        token: Token,
        refs: list[int],
        has_more: bool,
    ) -> Response:
        live = token.kind == LIVE
        fragments = self.cache.fragments(
            self.collections[resource], refs, lambda r: orjson.dumps(render(r, live)),
            (resource, live),
        )  # fmt: skip
        return self._send(self._list(f"/v1/{resource}", fragments, has_more))

    # -- invoices and events ----------------------------------------------------------------

    async def list_invoices(self, request: Request) -> Response:
        token = self.authorize(request)
        params = self._query(request)
        for name in params:
            if name in _INVOICE_UNSUPPORTED:
                raise StripeParamError(f"The simulator cannot filter invoices by {name}.", name)
        reject_unknown(params, _INVOICE_LIST)
        limit, created = list_limit(params), created_range(params)
        coll = self.collections["invoices"]

        def resolve(value: str) -> int | None:
            number = INVOICE_IDS.decode(value)
            return number if number is not None and coll.get(number) is not None else None

        at = cursor(params, resolve, "invoice")
        page = keyset_page(lambda lo, hi: coll.by_id(lo, hi, created=created), limit,
                           descending=True, after=at.after, before=at.before)  # fmt: skip
        return self._page("invoices", render_invoice, token, page.refs, page.has_more)

    async def get_invoice(self, request: Request) -> Response:
        token = self.authorize(request)
        raw = request.path_params["id"]
        number = INVOICE_IDS.decode(raw)
        record = None if number is None else self.collections["invoices"].get(number)
        if record is None:
            raise self._missing("invoice", raw)
        return self._send(render_invoice(record, token.kind == LIVE))

    async def void_invoice(self, request: Request) -> Response:
        """Void an open invoice, as Stripe does; `invoice.voided` and `invoice.updated` tell
        the Events API (the only way an incremental listing sees invoices change)."""
        token = self.authorize(request, write=True)
        raw = request.path_params["id"]
        number = INVOICE_IDS.decode(raw)
        invoices = self.collections["invoices"]
        record = None if number is None else invoices.get(number)
        if record is None:
            raise self._missing("invoice", raw)
        if record.fields["status"] != "open":
            message = f"You can only void an open invoice; this one is {record.fields['status']}."
            raise Reply(self.error_response(400, message, category="invoice_not_open"))
        now = self.clock.time()
        updated = invoices.update(record.id, {"status": "void", "voided_at": int(now)}, now)
        assert updated is not None
        rendered = render_invoice(updated, token.kind == LIVE)
        request_id = self._request_id()
        key = request.headers.get("idempotency-key")
        previous = {"status": "open"}
        self.customers._event("invoice.voided", rendered, request_id, key, token, previous)
        self.customers._event("invoice.updated", rendered, request_id, key, token, previous)
        return self._send(rendered, request_id)

    async def list_events(self, request: Request) -> Response:
        self.authorize(request)
        params = self._query(request)
        reject_unknown(params, _EVENT_LIST)
        if "type" in params and "types" in params:
            raise StripeParamError(
                "You may only specify one of these parameters: type, types.", "types"
            )
        types = params.get("types", [params["type"]] if "type" in params else [])
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise StripeParamError("Invalid array: types", "types")
        since, before = created_range(params)
        at = cursor(params, self.events.number, "event")
        data, has_more = self.events.page(
            EventQuery(tuple(types), since, before), self.clock.time(), list_limit(params),
            after=at.after, before=at.before,
        )  # fmt: skip
        return self._send(
            {"object": "list", "data": data, "has_more": has_more, "url": "/v1/events"}
        )

    async def get_event(self, request: Request) -> Response:
        self.authorize(request)
        raw = request.path_params["id"]
        event = self.events.get(raw, self.clock.time())
        if event is None:
            raise self._missing("event", raw)
        return self._send(event)
