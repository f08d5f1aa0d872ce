"""The Shopify Admin REST simulator: customers and orders of one shop, on the leaky bucket."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._http import Reply, RequestError
from interlink.simulators._keyset import ViewById, keyset_page, list_view
from interlink.simulators._ratelimit import LeakyBucket
from interlink.simulators._render import PristineCache
from interlink.simulators._store import Collection, OrderedView, StoredRecord
from interlink.simulators._tokens import Token, TokenState
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.shopify._listing import ListQuery, ShopifyParamError, link_header
from interlink.simulators.shopify._objects import (
    customer_collection,
    first_open_index,
    order_collection,
    render_customer,
    render_order,
)
from interlink.simulators.shopify._wire import (
    INVALID_TOKEN,
    ShopifyWebhooks,
    encode_page_info,
    error_body,
    json_bytes,
)
from interlink.simulators.shopify._writes import WriteEndpoints

__all__ = ["ShopifySimulator"]

API_VERSION = "2024-01"
SHOP_DOMAIN = "interlink-sim.myshopify.com"
OFFLINE, ONLINE = "offline", "online"
ONLINE_TTL = 86_399  # online (per-user) tokens expire after a day, as Shopify's answer says
BUCKET_SIZE, LEAK_RATE = 40, 2.0
_VERSION = re.compile(r"^\d{4}-(01|04|07|10)$|^unstable$")
RENDER: dict[str, Callable[[StoredRecord], dict[str, Any]]] = {
    "customers": render_customer,
    "orders": render_order,
}


CODE_NOT_FOUND = "The authorization code was not found or was already used"
SCOPES = "read_customers,write_customers,read_orders,write_orders"


def _oauth_error(error: str, description: str) -> Response:
    return json_bytes(400, {"error": error, "error_description": description})


def _bounds(value: Any) -> tuple[float | None, float | None]:
    """A [since, before) pair as it travels in a page_info cursor (a JSON list)."""
    return (None, None) if not value else (value[0], value[1])


def _derived(seed: int, label: str) -> str:
    return hashlib.sha256(f"interlink-sim:shopify:{seed}:{label}".encode()).hexdigest()


@register
class ShopifySimulator(Simulator):
    info = SimulatorInfo(
        name="shopify",
        title=f"Shopify Admin REST ({API_VERSION})",
        resources=("customers", "orders"),
        auth="X-Shopify-Access-Token (offline shpat_; online tokens expire in 24 h)",
        pagination='Link header, page_info cursors (rel="next"/"previous"); limit ≤ 250',
        rate_limits="leaky bucket of 40 calls leaking 2/s per app and shop",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        self.client_id = _derived(seed, "client-id")[:32]
        self.client_secret = _derived(seed, "client-secret")[:32]
        self.shop_domain = SHOP_DOMAIN
        super().__init__(**options)
        self.bucket = self.add_limiter(LeakyBucket(BUCKET_SIZE, LEAK_RATE))
        self.cache = PristineCache()
        self.writes = WriteEndpoints(self)
        self.default_token = self.tokens.issue(
            OFFLINE, f"app:{self.client_id}", value="shpat_" + _derived(seed, "token")[:32]
        )

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {
            "customers": customer_collection(self.records, self.seed),
            "orders": order_collection(self.records, self.seed),
        }

    def webhook_format(self) -> WebhookFormat:
        return ShopifyWebhooks(self.client_secret, SHOP_DOMAIN, API_VERSION)

    def routes(self) -> Sequence[BaseRoute]:
        base, w = "/admin/api/{version}", self.writes
        routes: list[BaseRoute] = [
            Route("/admin/oauth/access_token", self.access_token, methods=["POST"])
        ]
        for resource in ("customers", "orders"):
            routes += [
                Route(f"{base}/{resource}.json", self._lister(resource), methods=["GET"]),
                Route(f"{base}/{resource}.json", w.creator(resource), methods=["POST"]),
                Route(f"{base}/{resource}/count.json", self._counter(resource), methods=["GET"]),
                Route(f"{base}/{resource}/{{id:int}}.json", self._reader(resource),
                      methods=["GET"]),
                Route(f"{base}/{resource}/{{id:int}}.json", w.updater(resource),
                      methods=["PUT"]),
                Route(f"{base}/{resource}/{{id:int}}.json", w.deleter(resource),
                      methods=["DELETE"]),
            ]  # fmt: skip
        return routes

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        """Shopify's `{"errors": ...}`; `category` names the field at fault, if any."""
        headers = {"X-Request-Id": str(uuid.uuid4())}
        if status == 429:
            headers["Retry-After"] = "2.0"
            headers["X-Shopify-Shop-Api-Call-Limit"] = f"{BUCKET_SIZE}/{BUCKET_SIZE}"
        if message is not None and status in (404, 405) and category is None:
            message = {404: "Not Found", 405: "Method Not Allowed"}[status]
        return json_bytes(status, error_body(status, message, category), headers)

    def drift_targets(self, payload: Any) -> Iterator[dict[str, Any]]:
        if not isinstance(payload, dict):
            return
        for value in payload.values():
            items = value if isinstance(value, list) else [value]
            yield from (item for item in items if isinstance(item, dict))

    def credential(self, headers: Mapping[str, str]) -> str | None:
        return headers.get("x-shopify-access-token") or None

    def issue_token(self, kind: str | None = None) -> Token:
        """An offline token (default, never expires) or an online one (expires in 24 h)."""
        subject = f"app:{self.client_id}"
        if kind in (None, OFFLINE):
            return self.tokens.issue(OFFLINE, subject, prefix="shpat_")
        if kind == ONLINE:
            return self.tokens.issue(ONLINE, subject, ttl=ONLINE_TTL, prefix="shpua_")
        raise ValueError(f"unknown Shopify token kind {kind!r} (use {OFFLINE!r} or {ONLINE!r})")

    def issue_auth_code(self) -> str:
        """An authorization code, as Shopify's install redirect carries."""
        return self.tokens.issue_code(f"app:{self.client_id}")

    def page_request(self, limit: int) -> PageRequest:
        auth = {"X-Shopify-Access-Token": self.default_token.value}
        return PageRequest("GET", f"/admin/api/{API_VERSION}/customers.json?limit={limit}", auth)

    def reset(self) -> None:
        super().reset()
        self.cache.clear()
        self.writes.reset()

    # -- auth and the leaky bucket ----------------------------------------------------------

    def authorize(self, request: Request) -> dict[str, str]:
        """Check the token and drip into the bucket; returns the headers every answer carries."""
        version = request.path_params.get("version", API_VERSION)
        if not _VERSION.match(version):
            raise Reply(self.error_response(404, "Not Found"))
        check = self.tokens.check(self.credential(request.headers))
        if check.state is not TokenState.VALID or check.token is None:
            # Missing, unknown, expired and revoked (uninstalled) tokens: one 401 body.
            raise Reply(json_bytes(401, {"errors": INVALID_TOKEN},
                                   {"X-Request-Id": str(uuid.uuid4())}))  # fmt: skip
        decision = self.limit(self.bucket, check.token.subject)
        if not decision.allowed:
            raise Reply(self.error_response(429, None))
        headers = {"X-Request-Id": str(uuid.uuid4()), "X-Shopify-API-Version": version}
        if self.rate_limits:
            used = decision.limit - decision.remaining
            headers["X-Shopify-Shop-Api-Call-Limit"] = f"{used}/{decision.limit}"
        return headers

    # -- reading ----------------------------------------------------------------------------

    def view(self, resource: str, filters: dict[str, Any]) -> ViewById:
        """Records matching `filters` by id range, for keyset paging and counting."""
        coll = self.collections[resource]
        updated, created = _bounds(filters.get("updated")), _bounds(filters.get("created"))
        indices: tuple[int, int] | None = None
        where: Callable[[StoredRecord], bool] | None = None
        status = filters.get("status", "open") if resource == "orders" else "any"
        if status in ("open", "closed"):
            boundary = first_open_index(coll.dataset)
            want_closed = status == "closed"
            indices = (0, boundary) if want_closed else (boundary, coll.dataset.size)
            where = lambda r: bool(r.fields.get("closed")) == want_closed  # noqa: E731
        elif status == "cancelled":
            indices, where = (0, 0), lambda r: False  # the simulator cancels no orders
        floor = filters.get("since_id", -1) + 1
        if "ids" in filters:
            wanted = [r for i in filters["ids"] if (r := coll.get(i)) is not None]
            return list_view([(r.id, coll.ref_of(r)) for r in wanted
                              if self._matches(r, filters, where)])  # fmt: skip

        def ids_between(lo: int, hi: int | None) -> OrderedView:
            return coll.by_id(max(lo, floor), hi, modified=updated, created=created,
                              indices=indices, where=where)  # fmt: skip

        return ids_between

    @staticmethod
    def _matches(
        record: StoredRecord, filters: dict[str, Any], where: Callable[[StoredRecord], bool] | None
    ) -> bool:
        for key, t in (("updated", record.modified_at), ("created", record.created_at)):
            low, high = filters.get(key, (None, None))
            if (low is not None and t < low) or (high is not None and t >= high):
                return False
        return record.id > filters.get("since_id", -1) and (where is None or where(record))

    def _lister(self, resource: str) -> Callable[[Request], Any]:
        async def list_records(request: Request) -> Response:
            headers = self.authorize(request)
            query = ListQuery.parse(request.query_params, resource)
            descending = not query.ascending
            after = query.last_id if query.direction == "next" else None
            before = query.last_id if query.direction == "prev" else None
            page = keyset_page(self.view(resource, query.filters), query.limit,
                               descending=descending, after=after, before=before)  # fmt: skip
            coll = self.collections[resource]
            render, fields = RENDER[resource], query.fields

            def encode(record: StoredRecord) -> bytes:
                data = render(record)
                return orjson.dumps(data if fields is None else
                                    {k: v for k, v in data.items() if k in fields})  # fmt: skip

            fragments = self.cache.fragments(coll, page.refs, encode, (resource, fields))
            ids = [coll.resolve(ref).id if ref >= 0 else coll.first_id - 1 - ref
                   for ref in (page.refs[0], page.refs[-1])] if page.refs else []  # fmt: skip
            forward = before is None
            more_next = page.has_more if forward else True
            more_prev = (query.direction is not None) if forward else page.has_more
            cursor = {"resource": resource, "filters": query.filters}
            nxt = prev = None
            if ids and more_next:
                nxt = encode_page_info({"direction": "next", "last_id": ids[1],
                                        "last_value": str(ids[1]), **cursor})  # fmt: skip
            if ids and more_prev:
                prev = encode_page_info({"direction": "prev", "last_id": ids[0],
                                         "last_value": str(ids[0]), **cursor})  # fmt: skip
            url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
            link = link_header(url, query.limit, nxt, prev)
            if link is not None:
                headers["Link"] = link
            body = b'{"' + resource.encode() + b'":[' + b",".join(fragments) + b"]}"
            return Response(body, 200, headers, media_type="application/json")

        return list_records

    def _counter(self, resource: str) -> Callable[[Request], Any]:
        async def count(request: Request) -> Response:
            headers = self.authorize(request)
            params = request.query_params
            if "page_info" in params or "limit" in params or "fields" in params:
                name = next(n for n in ("page_info", "limit", "fields") if n in params)
                raise ShopifyParamError(name, f"{name} is not a parameter of count.json")
            query = ListQuery.parse(params, resource)
            total = len(self.view(resource, query.filters)(0, None))
            return json_bytes(200, {"count": total}, headers)

        return count

    def _reader(self, resource: str) -> Callable[[Request], Any]:
        async def read(request: Request) -> Response:
            headers = self.authorize(request)
            record = self.collections[resource].get(request.path_params["id"])
            if record is None:
                raise RequestError("Not Found", 404)
            data = RENDER[resource](record)
            fields = request.query_params.get("fields")
            if fields:
                wanted = {f.strip() for f in fields.split(",")}
                data = {k: v for k, v in data.items() if k in wanted}
            return json_bytes(200, {resource[:-1]: data}, headers)

        return read

    # -- OAuth ------------------------------------------------------------------------------

    async def access_token(self, request: Request) -> Response:
        """POST /admin/oauth/access_token: an authorization code for an offline token."""
        self.counters.token_requests += 1
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                form = {k: str(v) for k, v in dict(orjson.loads(raw or b"{}")).items()}
            except (orjson.JSONDecodeError, TypeError, ValueError):
                form = {}
        else:
            form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            # guess: the description's wording
            return _oauth_error("invalid_client", "Client credentials are invalid")
        subject = self.tokens.redeem_code(form.get("code", ""))
        if subject is None:
            return _oauth_error("invalid_request", CODE_NOT_FOUND)
        token = self.tokens.issue(OFFLINE, subject, prefix="shpat_")
        return json_bytes(200, {"access_token": token.value, "scope": SCOPES})

    def now_iso(self) -> str:
        """X-Shopify-Triggered-At: UTC with nanoseconds, as Shopify writes it."""
        t = self.clock.time()
        return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%S") + (
            f".{int((t % 1) * 1e9):09d}Z"
        )
