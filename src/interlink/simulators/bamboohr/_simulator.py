"""The BambooHR simulator: employees over the classic gateway API and the Datasets v2 API."""

from __future__ import annotations

import hashlib
import math
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._base import PageRequest, Simulator, SimulatorInfo, register
from interlink.simulators._http import (
    Reply,
    RequestError,
    basic_authorization,
    basic_credentials,
    read_json_object,
)
from interlink.simulators._ratelimit import RollingWindow
from interlink.simulators._render import PristineCache
from interlink.simulators._store import Collection, StoredRecord
from interlink.simulators._tokens import Check, Token, TokenState
from interlink.simulators._webhooks import WebhookFormat
from interlink.simulators.bamboohr._datasets import DatasetQuery
from interlink.simulators.bamboohr._employees import (
    DATASET_FIELDS,
    DIRECTORY_FIELDS,
    FIELDS,
    employees_collection,
    iso,
    parse_iso,
    values,
)
from interlink.simulators.bamboohr._wire import (
    BambooWebhooks,
    error,
    problem,
    wants_json,
    xml_directory,
    xml_employee,
    xml_response,
)

__all__ = ["BambooHRSimulator"]

API_KEY, OAUTH, RESTRICTED = "api_key", "oauth", "restricted"
ACCESS_TOKEN_TTL = 3600
# BambooHR documents no numbers, only that it throttles "too frequent" requests with 503.
# The window below is a guess; Retry-After says when the next request will be accepted.
THROTTLE_LIMIT, THROTTLE_WINDOW = 100, 10.0
GATEWAY = "/api/gateway.php/{company}/v1"


def _derived(seed: int, label: str) -> str:
    return hashlib.sha256(f"interlink-sim:bamboohr:{seed}:{label}".encode()).hexdigest()


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


@register
class BambooHRSimulator(Simulator):
    info = SimulatorInfo(
        name="bamboohr",
        title="BambooHR API",
        resources=("employees",),
        auth="Basic (API key as user name, any password); OAuth bearer (1-h tokens)",
        pagination="Datasets v2 page/pageSize (max 1000); changed?since=; directory (all)",
        rate_limits="undocumented; throttled with 503 + Retry-After (here 100 / 10 s per key)",
    )

    def __init__(self, **options: Any) -> None:
        seed = options.get("seed", 0)
        self.company = "interlinksim"
        self.webhook_private_key = _derived(seed, "webhook-private-key")[:32]
        super().__init__(**options)
        self.throttle = self.add_limiter(RollingWindow(THROTTLE_LIMIT, THROTTLE_WINDOW))
        self.cache = PristineCache()  # Datasets rows of untouched employees, by field list
        self.api_key = self.tokens.issue(
            API_KEY, "employee:1", value=_derived(seed, "api-key")[:40]
        )

    # -- framework hooks --------------------------------------------------------------------

    def build_collections(self) -> Mapping[str, Collection]:
        return {"employees": employees_collection(self.records, self.seed)}

    @property
    def employees(self) -> Collection:
        return self.collections["employees"]

    def webhook_format(self) -> WebhookFormat:
        return BambooWebhooks(self.webhook_private_key)

    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        if status == 429:  # BambooHR's throttle is a 503 with Retry-After, not a 429
            return self._throttled(THROTTLE_WINDOW)
        if category and category.startswith("problem:"):
            return problem(status, message, category.removeprefix("problem:") or None)
        return error(status, message)

    def credential(self, headers: Mapping[str, str]) -> str | None:
        """The API key (Basic user name), or an OAuth bearer token."""
        basic = basic_credentials(headers)
        return basic[0] if basic else super().credential(headers)

    def drift_targets(self, payload: Any) -> Iterator[dict[str, Any]]:
        if not isinstance(payload, dict):
            return
        rows = payload.get("employees", payload.get("data"))
        if isinstance(rows, list):
            for row in rows:
                if isinstance(row, dict):
                    yield row.get("fields", row) if isinstance(row.get("fields"), dict) else row
        elif "id" in payload:
            yield payload

    def issue_token(self, kind: str | None = None) -> Token:
        """An API key (default), a key of a user without access ('restricted'), or OAuth."""
        if kind in (None, API_KEY, RESTRICTED):
            return self.tokens.issue(kind or API_KEY, "employee:2", value=secrets.token_hex(20))
        if kind == OAUTH:
            return self.tokens.issue(OAUTH, "employee:1", ttl=ACCESS_TOKEN_TTL, refreshable=True)
        raise ValueError(f"unknown BambooHR credential kind {kind!r}")

    def page_request(self, limit: int) -> PageRequest:
        body = orjson.dumps({"fields": ["employeeId", "firstName", "lastName", "status"],
                             "page": 1, "pageSize": limit})  # fmt: skip
        auth = basic_authorization(self.api_key.value, "x")  # any password will do
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        return PageRequest("POST", "/api/v2/datasets/employee/data", headers, body)

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route(GATEWAY + "/employees/directory", self.directory, methods=["GET"]),
            Route(GATEWAY + "/employees/changed", self.changed, methods=["GET"]),
            Route(GATEWAY + "/employees", self.create, methods=["POST"]),
            Route(GATEWAY + "/employees/{id}", self.read, methods=["GET"]),
            Route(GATEWAY + "/employees/{id}", self.update, methods=["POST"]),
            Route("/api/v2/datasets/{dataset}/data", self.dataset, methods=["POST"]),
        ]

    # -- auth and throttling ----------------------------------------------------------------

    def _throttled(self, retry_after: float) -> Response:
        self.counters.rate_limited += 1  # a 503 the vendor means as "slow down"
        headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
        return error(503, "Too many requests. Please retry after the delay in Retry-After.",
                     headers)  # fmt: skip

    def _auth_error(self, check: Check, v2: bool) -> Response:
        if check.state is TokenState.MISSING:
            status, message = 401, None  # "Your API key is missing."
        elif check.state is TokenState.EXPIRED:
            status, message = 401, "The access token provided has expired."  # guessed wording
        else:  # unknown or revoked keys are equally unknown to BambooHR
            status, message = 401, "Invalid API key."  # guessed wording
        return problem(status, message) if v2 else error(status, message)

    def authorize(self, request: Request, *, write: bool = False, v2: bool = False) -> None:
        company = request.path_params.get("company", self.company)
        if company != self.company:
            raise Reply(error(404, f"Unknown company domain {company!r}."))
        check = self.tokens.check(self.credential(request.headers))
        if check.state is not TokenState.VALID or check.token is None:
            raise Reply(self._auth_error(check, v2))
        if write and check.token.kind == RESTRICTED:
            raise Reply(problem(403, None) if v2 else error(403, None))
        decision = self.limit(self.throttle, check.token.value)
        if not decision.allowed:
            raise Reply(self._throttled(decision.reset_after))

    # -- reading ----------------------------------------------------------------------------

    async def directory(self, request: Request) -> Response:
        """Every active employee with the directory fieldset (BambooHR does not page it)."""
        self.authorize(request)
        records = [r for r in self.employees.by_id().slice(0, self.employees.live_records())
                   if r.fields.get("status") == "Active"]  # fmt: skip
        rows = [values(r, ("id", *DIRECTORY_FIELDS)) for r in records]
        if wants_json(request):
            fieldset = [{"id": n, "type": FIELDS[n].type, "name": FIELDS[n].title}
                        for n in DIRECTORY_FIELDS]  # fmt: skip
            return _json({"fields": fieldset, "employees": rows})
        fieldset_xml = [(n, FIELDS[n].title) for n in DIRECTORY_FIELDS]
        employees = [xml_employee(str(row["id"]), row) for row in rows]
        return xml_response(xml_directory(fieldset_xml, employees))

    def _employee(self, raw: str) -> StoredRecord:
        employee_id = 1 if raw == "0" else int(raw) if raw.isdigit() else -1  # 0: the key's own
        found = self.employees.get(employee_id)
        if found is None:
            raise RequestError(f"Employee {raw} not found.", 404)
        return found

    async def read(self, request: Request) -> Response:
        self.authorize(request)
        found = self._employee(request.path_params["id"])
        raw = request.query_params.get("fields", "firstName,lastName")
        names = tuple(n for n in raw.split(",") if n)
        unknown = [n for n in names if n not in FIELDS]
        if unknown:
            raise RequestError(f"Invalid field(s): {', '.join(unknown)}", 400)
        row = values(found, ("id", *names))
        if wants_json(request):
            return _json(row)
        return xml_response(xml_employee(str(found.id), row))

    async def changed(self, request: Request) -> Response:
        """Employees changed since a time: Inserted, Updated or Deleted, with lastChanged."""
        self.authorize(request)
        raw = request.query_params.get("since")
        if not raw:
            raise RequestError("The 'since' parameter is required (ISO 8601).", 400)
        try:
            since = parse_iso(raw)
        except ValueError:
            raise RequestError(f"Invalid 'since' timestamp: {raw!r} (ISO 8601).", 400) from None
        kind = request.query_params.get("type")
        if kind not in (None, "inserted", "updated", "deleted"):
            raise RequestError(f"Invalid type {kind!r}: use inserted, updated or deleted.", 400)
        view = self.employees.by_modified(since, include_archived=True)
        changes: list[tuple[str, str, str]] = []  # (id, action, lastChanged)
        for rec in view.slice(0, len(view)):
            action = (
                "Deleted" if rec.archived else "Inserted" if rec.created_at >= since else "Updated"
            )
            if kind is None or action.lower() == kind:
                changes.append((str(rec.id), action, iso(rec.modified_at)))
        # "latest": the newest change reported (a guess: the field is not described).
        latest = max((c[2] for c in changes), default=iso(since))
        if wants_json(request):
            employees = {i: {"id": i, "action": a, "lastChanged": t} for i, a, t in changes}
            return _json({"latest": latest, "employees": employees})
        rows = "".join(
            f'<employee id="{i}" action="{a}" lastChanged="{t}"/>' for i, a, t in changes
        )
        return xml_response(f'<employees latest="{latest}">{rows}</employees>')

    async def dataset(self, request: Request) -> Response:
        self.authorize(request, v2=True)
        if request.path_params["dataset"] != "employee":
            name = request.path_params["dataset"]
            raise RequestError(f"Dataset {name!r} not found or not accessible.", 404, "problem:")
        try:
            body = await read_json_object(request)
        except RequestError as exc:
            raise RequestError(exc.message, 400, "problem:INVALID_JSON") from None
        for name in ("page", "pageSize"):  # pagination links carry them in the query string
            if name in request.query_params:
                body[name] = request.query_params[name]
        query = DatasetQuery.parse(body)
        view = query.view(self.employees)
        total = len(view)
        refs = view.refs((query.page - 1) * query.page_size, query.page_size)
        sources = {name: DATASET_FIELDS[name] for name in query.fields}
        wanted = tuple(set(sources.values()))

        def row(rec: StoredRecord) -> bytes:
            got = values(rec, wanted)
            return orjson.dumps({"fields": {name: got[src] for name, src in sources.items()}})

        rows = self.cache.fragments(self.employees, refs, row, query.fields)
        base = f"https://{self.company}.bamboohr.com{request.url.path}"
        links: dict[str, str] = {}
        if query.page > 1:
            links["prev"] = f"{base}?page={query.page - 1}&pageSize={query.page_size}"
        if query.page * query.page_size < total:
            links["next"] = f"{base}?page={query.page + 1}&pageSize={query.page_size}"
        tail = orjson.dumps({"links": links, "meta": query.meta(total)})
        page = b'{"data":[' + b",".join(rows) + b"]," + tail[1:]
        return Response(page, 200, media_type="application/json")

    # -- writing ----------------------------------------------------------------------------

    async def _fields(self, request: Request) -> dict[str, Any]:
        """The body's fields: JSON `{"firstName": ...}` or XML `<employee><field id=...>`."""
        if "xml" in request.headers.get("content-type", ""):
            try:
                root = ET.fromstring(await request.body())  # noqa: S314 (a local test fake)
            except ET.ParseError as exc:
                raise RequestError(f"Malformed XML: {exc}", 400) from None
            fields = {f.get("id", ""): f.text or "" for f in root.iter("field")}
        else:
            fields = await read_json_object(request)
        bad = [k for k in fields if k not in FIELDS or not FIELDS[k].writable]
        if bad:
            raise RequestError(f"Invalid field(s): {', '.join(sorted(bad))}", 400)
        for name, value in fields.items():
            if value is not None and not isinstance(value, str | int | float):
                raise RequestError(f"Field {name} must be a string.", 400)
        return {k: None if v is None else str(v) for k, v in fields.items()}

    async def create(self, request: Request) -> Response:
        """201 with an empty body; the new employee's URL is in Location."""
        self.authorize(request, write=True)
        fields = await self._fields(request)
        missing = [n for n in ("firstName", "lastName") if not fields.get(n)]
        if missing:
            raise RequestError(f"Missing required field(s): {', '.join(missing)}", 400)
        fields.setdefault("status", "Active")
        record = self.employees.create(fields, self.clock.time())
        self.counters.record_create("employees", request.headers.get("idempotency-key"))
        self._event(record, "Created", sorted(fields))
        location = (
            f"https://api.bamboohr.com/api/gateway.php/{self.company}/v1/employees/{record.id}"
        )
        return Response(b"", 201, {"Location": location})

    async def update(self, request: Request) -> Response:
        self.authorize(request, write=True)
        found = self._employee(request.path_params["id"])
        fields = await self._fields(request)
        changed = sorted(k for k, v in fields.items() if found.fields.get(k) != v)
        updated = self.employees.update(found.id, fields, self.clock.time())
        assert updated is not None
        if changed:
            self._event(updated, "Updated", changed)
        return Response(b"", 200)

    def delete_employee(self, employee_id: int) -> StoredRecord | None:
        """Delete an employee as an admin does in the BambooHR app (the API has no delete):
        `changed` then reports it as Deleted and a webhook fires."""
        deleted = self.employees.archive(employee_id, self.clock.time())
        if deleted is not None:
            self._event(deleted, "Deleted", [])
        return deleted

    def _event(self, record: StoredRecord, action: str, changed: list[str]) -> None:
        """One employee entry of a webhook POST: changed fields by display name, and the
        posted fields as {"Display name": {"value": ...}} (the shape BambooHR posts)."""
        posted = values(record, ("firstName", "lastName", "employeeNumber", "jobTitle", "status"))
        self.webhooks.emit({
            "id": str(record.id),
            "action": action,
            "timestamp": iso(self.clock.time()),
            "changedFields": [FIELDS[n].title for n in changed if n in FIELDS],
            "fields": {FIELDS[n].title: {"value": v} for n, v in posted.items()},
        })  # fmt: skip
