"""Stripe customer endpoints: list, read, create, update, delete; idempotency; events.

Writes take form-encoded parameters, honour `Idempotency-Key`, and append the
Event that Stripe would (`customer.created`, `customer.updated` with
`previous_attributes`, `customer.deleted`), which is also sent as a webhook.
A deleted customer disappears from lists but still reads as
`{"id", "object": "customer", "deleted": true}`, as Stripe answers.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from interlink.simulators._http import Reply
from interlink.simulators._keyset import ViewById, keyset_page, list_view
from interlink.simulators._store import StoredRecord
from interlink.simulators._tokens import Token
from interlink.simulators.stripe._idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyMismatch,
    Saved,
)
from interlink.simulators.stripe._objects import CUSTOMER_IDS, render_customer
from interlink.simulators.stripe._params import StripeParamError, customer_changes, reject_unknown
from interlink.simulators.stripe._query import created_range, cursor, list_limit
from interlink.simulators.stripe._wire import API_VERSION, LOCK_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Callable

    from interlink.simulators.stripe._simulator import StripeSimulator

__all__ = ["CustomerEndpoints"]

LIVE = "live"
_EMAIL_INDEX = re.compile(r"\.(\d+)@")  # generated emails carry their record index
_CUSTOMER_LIST = frozenset({"created", "email", "ending_before", "starting_after", "limit",
                            "expand", "test_clock"})  # fmt: skip


class CustomerEndpoints:
    """The `/v1/customers` handlers of one simulator."""

    def __init__(self, sim: StripeSimulator) -> None:
        self.sim = sim
        self._emails: dict[str, set[int]] = {}  # email -> ids of changed customers
        self._locks: dict[int, float] = {}  # customer id -> locked until (epoch seconds)

    def reset(self) -> None:
        self._emails.clear()
        self._locks.clear()

    def lock(self, number: int, until: float) -> None:
        self._locks[number] = until

    # -- reads --------------------------------------------------------------------------

    async def list_customers(self, request: Request) -> Response:
        token = self.sim.authorize(request)
        params = self.sim._query(request)
        reject_unknown(params, _CUSTOMER_LIST)
        if "test_clock" in params:
            raise StripeParamError(f"No such test clock: '{params['test_clock']}'", "test_clock",
                                   code="resource_missing")  # fmt: skip
        limit, created = list_limit(params), created_range(params)
        at = cursor(params, self.sim._customer_number, "customer")
        coll = self.sim.collections["customers"]
        view: ViewById
        if "email" in params:
            view = list_view(self._with_email(str(params["email"]), created))
        else:
            view = lambda lo, hi: coll.by_id(lo, hi, created=created)  # noqa: E731
        page = keyset_page(view, limit, descending=True, after=at.after, before=at.before)
        refs, has_more = page.refs, page.has_more
        return self.sim._page("customers", render_customer, token, refs, has_more)

    def _with_email(
        self, email: str, created: tuple[float | None, float | None]
    ) -> list[tuple[int, int]]:
        """(id, ref) of the customers with exactly this email (Stripe's filter is
        case-sensitive): generated emails carry their index, changed ones are indexed."""
        coll = self.sim.collections["customers"]
        candidates = set(self._emails.get(email, ()))
        match = _EMAIL_INDEX.search(email)
        if match:
            candidates.add(coll.first_id + int(match.group(1)))
        since, before = created
        return [
            (rec.id, coll.ref_of(rec)) for rid in candidates
            if (rec := coll.get(rid)) is not None and rec.fields.get("email") == email
            and (since is None or rec.created_at >= since)
            and (before is None or rec.created_at < before)
        ]  # fmt: skip

    def _remember_email(self, record: StoredRecord) -> None:
        if record.fields.get("email"):
            self._emails.setdefault(str(record.fields["email"]), set()).add(record.id)

    async def get_customer(self, request: Request) -> Response:
        token = self.sim.authorize(request)
        raw = request.path_params["id"]
        number = CUSTOMER_IDS.decode(raw)
        coll = self.sim.collections["customers"]
        if number is not None and (live := coll.get(number)) is not None:
            return self.sim._send(render_customer(live, token.kind == LIVE))
        if number is not None and coll.get(number, archived=True) is not None:
            return self.sim._send({"id": raw, "object": "customer", "deleted": True})
        raise self.sim._missing("customer", raw)

    def _new_customer_fields(self, number: int) -> dict[str, Any]:
        prefix = hashlib.sha256(f"{self.sim.seed}:{number}".encode()).hexdigest()[:7].upper()
        return {
            "address": None, "balance": 0, "currency": None, "default_source": None,
            "delinquent": False, "description": None, "discount": None, "email": None,
            "invoice_prefix": prefix,
            "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                                 "footer": None, "rendering_options": None},
            "metadata": {}, "name": None, "next_invoice_sequence": 1, "phone": None,
            "preferred_locales": [], "shipping": None, "tax_exempt": "none", "test_clock": None,
        }  # fmt: skip

    async def create_customer(self, request: Request) -> Response:
        token = self.sim.authorize(request, write=True)
        params = await self.sim._form(request)
        request_id = self.sim._request_id()

        def run() -> Response:
            coll = self.sim.collections["customers"]
            changes = customer_changes(params, {})
            fields = {**self._new_customer_fields(coll.live_records()), **changes}
            record = coll.create(fields, self.sim.clock.time())
            self._remember_email(record)
            key = request.headers.get("idempotency-key")
            self.sim.counters.record_create("customers", key)
            rendered = render_customer(record, token.kind == LIVE)
            self._event("customer.created", rendered, request_id, key, token)
            return self.sim._send(rendered, request_id)

        return self._idempotent(request, "/v1/customers", params, request_id, run)

    def _live_customer(self, raw: str) -> StoredRecord:
        number = CUSTOMER_IDS.decode(raw)
        record = None if number is None else self.sim.collections["customers"].get(number)
        if record is None:
            raise self.sim._missing("customer", raw)
        if self._locks.get(record.id, 0.0) > self.sim.clock.time():
            raise Reply(self.sim.error_response(429, LOCK_TIMEOUT, category="lock_timeout"))
        return record

    async def update_customer(self, request: Request) -> Response:
        token = self.sim.authorize(request, write=True)
        params = await self.sim._form(request)
        request_id = self.sim._request_id()
        raw = request.path_params["id"]

        def run() -> Response:
            old = self._live_customer(raw)
            changes = customer_changes(params, old.fields)
            now = self.sim.clock.time()
            updated = self.sim.collections["customers"].update(old.id, changes, now)
            assert updated is not None
            self._remember_email(updated)
            rendered = render_customer(updated, token.kind == LIVE)
            previous = {k: old.fields.get(k) for k in changes if old.fields.get(k) != changes[k]}
            if previous:  # Stripe sends customer.updated only when something changed
                key = request.headers.get("idempotency-key")
                self._event("customer.updated", rendered, request_id, key, token, previous)
            return self.sim._send(rendered, request_id)

        return self._idempotent(request, f"/v1/customers/{raw}", params, request_id, run)

    async def delete_customer(self, request: Request) -> Response:
        token = self.sim.authorize(request, write=True)
        raw = request.path_params["id"]
        record = self._live_customer(raw)
        request_id = self.sim._request_id()
        deleted = self.sim.collections["customers"].archive(record.id, self.sim.clock.time())
        assert deleted is not None
        rendered = render_customer(deleted, token.kind == LIVE)
        self._event("customer.deleted", rendered, request_id, None, token)
        return self.sim._send({"id": raw, "object": "customer", "deleted": True}, request_id)

    # -- idempotency and events -------------------------------------------------------------

    def _idempotent(
        self,
        request: Request,
        endpoint: str,
        params: dict[str, Any],
        request_id: str,
        run: Callable[[], Response],
    ) -> Response:
        key = request.headers.get("idempotency-key")
        if not key:
            return run()
        if len(key) > MAX_KEY_LENGTH:  # the limit is documented; the wording is a guess
            message = f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters long."
            raise StripeParamError(message, "Idempotency-Key")
        fingerprint = orjson.dumps(params, option=orjson.OPT_SORT_KEYS)
        now = self.sim.clock.time()
        try:
            saved = self.sim.idempotency.lookup(key, endpoint, fingerprint, now)
        except IdempotencyMismatch as mismatch:
            if mismatch.same_endpoint:
                message = ("Keys for idempotent requests can only be used with the same "
                           "parameters they were first used with. Try using a key other than "
                           f"'{key}' if you meant to execute a different request.")  # fmt: skip
            else:
                message = ("Keys for idempotent requests can only be used for the same endpoint "
                           f"they were first used for ('{mismatch.saved.endpoint}' vs "
                           f"'{endpoint}'). Try using a key other than '{key}' if you meant to "
                           "execute a different request.")  # fmt: skip
            error = self.sim.error_response(400, message, category="idempotency_error")
            raise Reply(error) from None
        if saved is not None:
            headers = {
                **self.sim._headers(request_id),
                "Idempotency-Key": key,
                "Idempotent-Replayed": "true",
                "Original-Request": saved.request_id,
            }
            return Response(saved.body, saved.status, headers, media_type="application/json")
        try:
            response = run()
        except Reply as reply:  # the endpoint ran and failed: that result is kept too
            response = reply.response
        self.sim.idempotency.save(
            key, Saved(endpoint, fingerprint, response.status_code, bytes(response.body),
                       request_id, now)
        )  # fmt: skip
        response.headers["Idempotency-Key"] = key
        return response

    def _event(
        self,
        kind: str,
        obj: dict[str, Any],
        request_id: str,
        idempotency_key: str | None,
        token: Token,
        previous: dict[str, Any] | None = None,
    ) -> None:
        data: dict[str, Any] = {"object": obj}
        if previous is not None:
            data["previous_attributes"] = previous
        event = self.sim.events.append({
            "object": "event", "api_version": API_VERSION, "created": int(self.sim.clock.time()),
            "data": data, "livemode": token.kind == LIVE,
            "pending_webhooks": 0 if self.sim.webhooks.url is None else 1,
            "request": {"id": request_id, "idempotency_key": idempotency_key}, "type": kind,
        })  # fmt: skip
        self.sim.webhooks.emit(event)
