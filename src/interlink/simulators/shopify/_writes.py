"""Shopify writes: create, update and delete customers and orders, with Shopify's 422s.

Bodies wrap the record (`{"customer": {...}}`); a missing wrapper is a 400
"Required parameter missing or invalid"; validation failures are 422 with
`{"errors": {field: [messages]}}` (a taken email: "has already been taken").
A deleted customer is gone: Shopify keeps no deleted listing for REST, its
`customers/delete` webhook is how an integration hears of it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from interlink.simulators._store import StoredRecord
from interlink.simulators.shopify._listing import ShopifyParamError
from interlink.simulators.shopify._objects import render_customer, render_order
from interlink.simulators.shopify._wire import json_bytes

if TYPE_CHECKING:
    from interlink.simulators.shopify._simulator import ShopifySimulator

__all__ = ["WriteEndpoints"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_INDEX = re.compile(r"\.(\d+)@")  # generated emails carry their record index
CUSTOMER_FIELDS = frozenset({"email", "first_name", "last_name", "phone", "note", "tags",
                             "tax_exempt", "verified_email", "accepts_marketing", "addresses",
                             "currency", "send_email_invite", "send_email_welcome"})  # fmt: skip
ORDER_UPDATE_FIELDS = frozenset({"note", "tags", "email", "phone", "buyer_accepts_marketing"})
ORDER_CREATE_FIELDS = ORDER_UPDATE_FIELDS | {"line_items", "customer", "financial_status"}
_ADDRESS_KEYS = ("address1", "address2", "city", "province", "country", "zip", "phone",
                 "first_name", "last_name", "company", "country_code")  # fmt: skip
TOPICS = {
    "customers": ("customers/create", "customers/update", "customers/delete"),
    "orders": ("orders/create", "orders/updated", "orders/delete"),
}


def _unprocessable(field: str, message: str) -> ShopifyParamError:
    return ShopifyParamError(field, message, 422)


class WriteEndpoints:
    """The POST / PUT / DELETE handlers of one simulator."""

    def __init__(self, sim: ShopifySimulator) -> None:
        self.sim = sim
        self._emails: dict[str, int] = {}  # lower-cased email -> id, for changed customers

    def reset(self) -> None:
        self._emails.clear()

    # -- request bodies ---------------------------------------------------------------------

    @staticmethod
    async def _wrapped(request: Request, key: str) -> dict[str, Any]:
        try:
            data = orjson.loads(await request.body() or b"null")
        except orjson.JSONDecodeError:
            data = None  # Shopify cannot find the wrapper in a body it cannot parse
        record = data.get(key) if isinstance(data, dict) else None
        if not isinstance(record, dict):
            raise ShopifyParamError(key, "Required parameter missing or invalid")
        return record

    def _customer_values(self, body: dict[str, Any], own_id: int | None) -> dict[str, Any]:
        unknown = sorted(set(body) - CUSTOMER_FIELDS - {"id"})
        if unknown:  # stricter than Shopify, which ignores them: a typo should not pass
            raise _unprocessable(unknown[0], "is not a customer attribute")
        values = {k: v for k, v in body.items() if k in CUSTOMER_FIELDS and k != "addresses"}
        values.pop("send_email_invite", None)
        values.pop("send_email_welcome", None)
        email = values.get("email")
        if email is not None:
            if not isinstance(email, str) or not _EMAIL.match(email):
                raise _unprocessable("email", "is invalid")
            existing = self.by_email(email)
            if existing is not None and existing.id != own_id:
                raise _unprocessable("email", "has already been taken")
        if isinstance(body.get("tags"), list):
            values["tags"] = ", ".join(str(t) for t in body["tags"])
        addresses = body.get("addresses")
        if addresses is not None:
            if not isinstance(addresses, list) or not all(isinstance(a, dict) for a in addresses):
                raise _unprocessable("addresses", "is invalid")
            first = addresses[0] if addresses else None
            values["address"] = None if first is None else {
                "id": None, "customer_id": own_id, **{k: first.get(k) for k in _ADDRESS_KEYS},
                "name": " ".join(filter(None, (first.get("first_name"), first.get("last_name")))),
                "province_code": None, "country_name": first.get("country"), "default": True,
            }  # fmt: skip
        return values

    def by_email(self, email: str) -> StoredRecord | None:
        """The live customer with this email (case-insensitive, as Shopify compares)."""
        coll = self.sim.collections["customers"]
        email = email.lower()
        candidates = [self._emails.get(email)]
        match = _EMAIL_INDEX.search(email)
        if match:
            candidates.append(coll.first_id + int(match.group(1)))
        for rid in candidates:
            record = None if rid is None else coll.get(rid)
            if record is not None and str(record.fields.get("email") or "").lower() == email:
                return record
        return None

    def _remember(self, record: StoredRecord) -> None:
        if record.fields.get("email"):
            self._emails[str(record.fields["email"]).lower()] = record.id

    def _order_values(self, body: dict[str, Any], creating: bool) -> dict[str, Any]:
        allowed = ORDER_CREATE_FIELDS if creating else ORDER_UPDATE_FIELDS
        unknown = sorted(set(body) - allowed - {"id"})
        if unknown:
            raise _unprocessable(unknown[0], "cannot be set on an order through this endpoint")
        values = {k: v for k, v in body.items() if k in ORDER_UPDATE_FIELDS}
        if not creating:
            return values
        lines = body.get("line_items")
        if not isinstance(lines, list) or not lines:
            raise _unprocessable("line_items", "must have at least one line item")
        parsed = []
        for n, line in enumerate(lines):
            if not isinstance(line, dict) or not line.get("title") or "price" not in line:
                raise _unprocessable(f"line_items[{n}]", "needs a title and a price")
            try:
                price, quantity = float(line["price"]), int(line.get("quantity", 1))
            except (TypeError, ValueError):
                raise _unprocessable(f"line_items[{n}]", "price or quantity is invalid") from None
            parsed.append(
                {
                    "title": str(line["title"]),
                    "price": f"{price:.2f}",
                    "quantity": quantity,
                    "sku": str(line.get("sku", "")),
                    "k": n,
                }
            )
        customer = body.get("customer")
        owner = None
        if isinstance(customer, dict) and customer.get("id") is not None:
            owner = self.sim.collections["customers"].get(int(customer["id"]))
            if owner is None:
                raise _unprocessable("customer", "not found")
        orders = self.sim.collections["orders"]
        return {
            **values, "number": 1000 + orders.dataset.size + orders.live_records() + 1,
            "customer_id": None if owner is None else owner.id,
            "email": values.get("email") or (owner.fields.get("email") if owner else None),
            "first_name": owner.fields.get("first_name") if owner else None,
            "last_name": owner.fields.get("last_name") if owner else None,
            "line_items": parsed, "financial_status": body.get("financial_status", "paid"),
            "tags": values.get("tags", ""), "closed": False,
        }  # fmt: skip

    # -- webhooks ---------------------------------------------------------------------------

    def _emit(self, topic: str, payload: dict[str, Any]) -> None:
        self.sim.webhooks.emit({"topic": topic, "payload": payload,
                                "triggered_at": self.sim.now_iso(),
                                "event_id": str(uuid.uuid4())})  # fmt: skip

    # -- handlers ---------------------------------------------------------------------------

    def _render(self, resource: str, record: StoredRecord) -> dict[str, Any]:
        return render_customer(record) if resource == "customers" else render_order(record)

    def creator(self, resource: str) -> Callable[[Request], Any]:
        singular = resource[:-1]

        async def create(request: Request) -> Response:
            headers = self.sim.authorize(request)
            body = await self._wrapped(request, singular)
            if resource == "customers":
                values = self._customer_values(body, None)
                if not any(values.get(k) for k in ("email", "phone", "first_name", "last_name")):
                    # guess: the wording of Shopify's "needs a name, phone or email" rule
                    raise _unprocessable("customer", "must have a name, phone number or email")
                values.setdefault("state", "disabled")
            else:
                values = self._order_values(body, creating=True)
            record = self.sim.collections[resource].create(values, self.sim.clock.time())
            if resource == "customers":
                self._remember(record)
            self.sim.counters.record_create(resource, request.headers.get("idempotency-key"))
            rendered = self._render(resource, record)
            self._emit(TOPICS[resource][0], rendered)
            return json_bytes(201, {singular: rendered}, headers)

        return create

    def updater(self, resource: str) -> Callable[[Request], Any]:
        singular = resource[:-1]

        async def update(request: Request) -> Response:
            headers = self.sim.authorize(request)
            coll, rid = self.sim.collections[resource], request.path_params["id"]
            if coll.get(rid) is None:
                return self.sim.error_response(404, "Not Found")
            body = await self._wrapped(request, singular)
            if resource == "customers":
                values = self._customer_values(body, rid)
            else:
                values = self._order_values(body, creating=False)
            record = coll.update(rid, values, self.sim.clock.time())
            assert record is not None
            if resource == "customers":
                self._remember(record)
            rendered = self._render(resource, record)
            self._emit(TOPICS[resource][1], rendered)
            return json_bytes(200, {singular: rendered}, headers)

        return update

    def deleter(self, resource: str) -> Callable[[Request], Any]:
        async def delete(request: Request) -> Response:
            headers = self.sim.authorize(request)
            coll, rid = self.sim.collections[resource], request.path_params["id"]
            if coll.archive(rid, self.sim.clock.time()) is None:
                return self.sim.error_response(404, "Not Found")
            payload: dict[str, Any] = {"id": rid}
            if resource == "customers":  # what Shopify's customers/delete body carries
                payload |= {"phone": None, "addresses": [], "tax_exemptions": [],
                            "email_marketing_consent": None, "sms_marketing_consent": None,
                            "admin_graphql_api_id": f"gid://shopify/Customer/{rid}"}  # fmt: skip
            self._emit(TOPICS[resource][2], payload)
            return json_bytes(200, {}, headers)

        return delete
