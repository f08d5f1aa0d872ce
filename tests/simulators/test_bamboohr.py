"""BambooHR: Datasets paging, directory and employee XML/JSON, changed feed, writes,
auth failures in the error header, the 503 throttle, fault shapes, signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import orjson
import pytest
from typer.testing import CliRunner

from interlink._clock import FakeClock
from interlink.cli import app as cli_app
from interlink.simulators import FaultConfig, create_simulator
from interlink.simulators.bamboohr import BambooHRSimulator

GATEWAY = "/api/gateway.php/interlinksim/v1"
EMPLOYEES, DATASET = GATEWAY + "/employees", "/api/v2/datasets/employee/data"
JSON = {"Accept": "application/json"}
ERROR = "x-bamboohr-error-message"


@pytest.fixture
async def bamboo(clock: FakeClock) -> AsyncIterator[BambooHRSimulator]:
    """A 1,200-employee BambooHR on a fake clock."""
    sim = create_simulator("bamboohr", records=1_200, clock=clock)
    assert isinstance(sim, BambooHRSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def api(bamboo: BambooHRSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain client with Basic auth: the API key as user name, "x" as password."""
    transport = httpx2.ASGITransport(app=bamboo.app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="https://api.bamboohr.com", auth=(bamboo.api_key.value, "x")
    ) as c:
        yield c


async def dataset_walk(api: httpx2.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row, following links.next (which carries page and pageSize)."""
    rows: list[dict[str, Any]] = []
    page = (await api.post(DATASET, json=body)).json()
    while True:
        rows += [r["fields"] for r in page["data"]]
        if "next" not in page["links"]:
            return rows
        page = (await api.post(page["links"]["next"], json=body)).json()


# -- reading ----------------------------------------------------------------------------------


async def test_dataset_walk_finds_every_employee_once(api: httpx2.AsyncClient) -> None:
    """Datasets v2 page/pageSize with links.next visits all 1,200 employees once."""
    rows = await dataset_walk(api, {"fields": ["employeeId", "firstName"], "pageSize": 500})
    assert [int(r["employeeId"]) for r in rows] == list(range(1, 1_201))
    first = (await api.post(DATASET, json={"fields": ["employeeId"], "page": 2})).json()
    assert first["meta"] == {"page": 2, "pageSize": 100, "totalPages": 12, "totalItems": 1_200}
    assert set(first["links"]) == {"prev", "next"}


async def test_dataset_bad_requests_are_rfc7807(api: httpx2.AsyncClient) -> None:
    """pageSize > 1000, orderBy outside fields (UE-1001), an unsupported filter: problem+json."""
    too_big = await api.post(DATASET, json={"fields": ["firstName"], "pageSize": 1_001})
    assert too_big.status_code == 400
    assert too_big.headers["content-type"] == "application/problem+json"
    assert "pageSize" in too_big.json()["detail"]
    assert too_big.headers["x-request-id"]
    order = await api.post(DATASET, json={"fields": ["firstName"], "orderBy": "lastName asc"})
    assert (order.status_code, order.json()["code"]) == (400, "UE-1001")
    bad_filter = await api.post(DATASET, json={"fields": ["firstName"], "filter": "x eq 'y'"})
    assert (bad_filter.status_code, bad_filter.json()["code"]) == (422, "INVALID_FILTER")
    assert (await api.post("/api/v2/datasets/nope/data", json={})).status_code == 404


async def test_directory_is_bamboohr_xml_by_default_and_json_on_request(
    api: httpx2.AsyncClient,
) -> None:
    """<directory><fieldset>...<employees><employee id=...>; JSON has fields + employees."""
    response = await api.get(EMPLOYEES + "/directory")
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "directory"
    fieldset = [f.get("id") for f in root.iterfind("fieldset/field")]
    assert fieldset[:3] == ["displayName", "firstName", "lastName"]
    employees = root.find("employees")
    assert employees is not None
    first = employees[0]
    assert first.get("id")
    assert {f.get("id") for f in first} >= {"firstName", "workEmail", "department"}
    as_json = (await api.get(EMPLOYEES + "/directory", headers=JSON)).json()
    assert as_json["fields"][0] == {"id": "displayName", "type": "text", "name": "Display name"}
    assert len(as_json["employees"]) == len(employees)  # active employees only
    assert len(employees) < 1_200


async def test_get_employee_with_fields(api: httpx2.AsyncClient) -> None:
    """?fields= selects fields; id 0 is the key's own employee; bad field / id name the problem."""
    xml = ET.fromstring((await api.get(EMPLOYEES + "/7", params={"fields": "jobTitle"})).content)
    assert (xml.tag, xml.get("id"), xml[0].get("id")) == ("employee", "7", "jobTitle")
    me = (await api.get(EMPLOYEES + "/0", headers=JSON)).json()
    assert set(me) == {"id", "firstName", "lastName"}
    assert me["id"] == "1"
    bad = await api.get(EMPLOYEES + "/7", params={"fields": "firstName,salary"})
    assert (bad.status_code, bad.headers[ERROR]) == (400, "Invalid field(s): salary")
    missing = await api.get(EMPLOYEES + "/99999")
    assert missing.status_code == 404
    assert "99999" in missing.headers[ERROR]


# -- writing and the changed feed --------------------------------------------------------------


async def test_create_update_delete_and_the_changed_feed(
    api: httpx2.AsyncClient, bamboo: BambooHRSimulator, clock: FakeClock
) -> None:
    """changed?since= reports exactly the Inserted, Updated and Deleted employees since then."""
    clock.advance(60)
    since = "2023-11-14T22:14:20+00:00"
    created = await api.post(EMPLOYEES, json={"firstName": "Ada", "lastName": "Byron"},
                             headers={"Idempotency-Key": "hire-1"})  # fmt: skip
    assert created.status_code == 201
    assert created.content == b""
    new_id = created.headers["location"].rsplit("/", 1)[1]
    assert created.headers["location"].endswith(f"/interlinksim/v1/employees/{new_id}")
    clock.advance(5)
    assert (await api.post(EMPLOYEES + "/12", json={"jobTitle": "CTO"})).status_code == 200
    clock.advance(5)
    assert bamboo.delete_employee(30) is not None
    feed = (await api.get(EMPLOYEES + "/changed", params={"since": since}, headers=JSON)).json()
    assert feed["employees"] == {
        new_id: {"id": new_id, "action": "Inserted", "lastChanged": since},
        "12": {"id": "12", "action": "Updated", "lastChanged": "2023-11-14T22:14:25+00:00"},
        "30": {"id": "30", "action": "Deleted", "lastChanged": "2023-11-14T22:14:30+00:00"},
    }
    assert feed["latest"] == "2023-11-14T22:14:30+00:00"
    xml = ET.fromstring((await api.get(EMPLOYEES + "/changed", params={"since": since})).content)
    assert [(e.get("id"), e.get("action")) for e in xml] == [
        (new_id, "Inserted"), ("12", "Updated"), ("30", "Deleted"),
    ]  # fmt: skip
    only = await api.get(EMPLOYEES + "/changed", params={"since": since, "type": "deleted"},
                         headers=JSON)  # fmt: skip
    assert list(only.json()["employees"]) == ["30"]
    assert (await api.get(EMPLOYEES + "/30")).status_code == 404
    job = (await api.get(EMPLOYEES + "/12", params={"fields": "jobTitle"}, headers=JSON)).json()
    assert job["jobTitle"] == "CTO"
    assert bamboo.counters.created_by_idempotency_key == {"hire-1": 1}


async def test_dataset_last_changed_filter_is_exact(
    api: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """filter "lastChanged ge T" returns exactly the employees changed at or after T."""
    clock.advance(3_600)
    for eid in (900, 4, 77):
        clock.advance(2)
        await api.post(f"{EMPLOYEES}/{eid}", json={"department": "Finance"})
    body = {"fields": ["employeeId", "lastChanged"], "orderBy": "lastChanged asc",
            "filter": "lastChanged ge '2023-11-14T23:13:21Z'", "pageSize": 2}  # fmt: skip
    rows = await dataset_walk(api, body)
    assert [r["employeeId"] for r in rows] == ["900", "4", "77"]
    strictly = {**body, "filter": "lastChanged gt '2023-11-14T23:13:22Z'"}
    assert [r["employeeId"] for r in await dataset_walk(api, strictly)] == ["4", "77"]


async def test_xml_create_and_bad_writes(api: httpx2.AsyncClient) -> None:
    """An XML body creates; a missing lastName, an unknown field and bad XML are 400s naming it."""
    xml = b'<employee><field id="firstName">Grace</field><field id="lastName">Hopper</field>'
    xml += b"</employee>"
    created = await api.post(EMPLOYEES, content=xml, headers={"content-type": "text/xml"})
    assert created.status_code == 201
    missing = await api.post(EMPLOYEES, json={"firstName": "Solo"})
    assert (missing.status_code, missing.headers[ERROR]) == (
        400, "Missing required field(s): lastName",
    )  # fmt: skip
    unknown = await api.post(EMPLOYEES + "/3", json={"favouriteColour": "teal"})
    assert "favouriteColour" in unknown.headers[ERROR]
    broken = await api.post(EMPLOYEES, content=b"<employee>", headers={"content-type": "text/xml"})
    assert broken.status_code == 400
    assert "XML" in broken.headers[ERROR]


# -- auth and throttling ----------------------------------------------------------------------


async def test_auth_failures_carry_the_error_header(
    api: httpx2.AsyncClient, bamboo: BambooHRSimulator, clock: FakeClock
) -> None:
    """Missing, unknown, revoked and expired credentials are 401; a user without access 403."""
    missing = await api.get(EMPLOYEES + "/directory", auth=None)
    assert (missing.status_code, missing.headers[ERROR]) == (401, "Your API key is missing.")
    unknown = await api.get(EMPLOYEES + "/directory", auth=("0" * 40, "x"))
    assert (unknown.status_code, unknown.headers[ERROR]) == (401, "Invalid API key.")
    revoked = bamboo.issue_token()
    bamboo.tokens.revoke(revoked.value)
    gone = await api.get(EMPLOYEES + "/directory", auth=(revoked.value, "x"))
    assert (gone.status_code, gone.headers[ERROR]) == (401, "Invalid API key.")
    oauth = bamboo.issue_token("oauth")
    bearer = {"Authorization": f"Bearer {oauth.value}"}
    assert (await api.get(EMPLOYEES + "/1", headers=bearer, auth=None)).status_code == 200
    clock.advance(3_600)
    expired = await api.get(EMPLOYEES + "/1", headers=bearer, auth=None)
    assert (expired.status_code, expired.headers[ERROR]) == (
        401, "The access token provided has expired.",
    )  # fmt: skip
    restricted = bamboo.issue_token("restricted")
    denied = await api.post(EMPLOYEES, json={"firstName": "A", "lastName": "B"},
                            auth=(restricted.value, "x"))  # fmt: skip
    assert denied.status_code == 403
    assert "privileges" in denied.headers[ERROR]
    v2 = await api.post(DATASET, json={"fields": ["firstName"]}, auth=None)
    assert (v2.status_code, v2.json()["status"]) == (401, 401)


async def test_too_frequent_requests_get_503_with_retry_after(
    api: httpx2.AsyncClient, bamboo: BambooHRSimulator, clock: FakeClock
) -> None:
    """BambooHR throttles with 503 + Retry-After (not 429); the window then rolls on."""
    statuses = []
    for _ in range(101):
        statuses.append((await api.get(EMPLOYEES + "/1")).status_code)
        clock.advance(0.05)
    assert statuses == [200] * 100 + [503]
    throttled = await api.get(EMPLOYEES + "/1")
    assert throttled.status_code == 503
    assert int(throttled.headers["retry-after"]) == 5
    assert throttled.headers[ERROR]
    assert bamboo.counters.rate_limited == 2
    clock.advance(10)
    assert (await api.get(EMPLOYEES + "/1")).status_code == 200


async def test_fault_shapes_are_bamboohrs(
    api: httpx2.AsyncClient, bamboo: BambooHRSimulator
) -> None:
    """An injected 429 is BambooHR's 503 throttle; 200-with-error carries the error header;
    drift rewrites directory and dataset rows."""
    bamboo.faults.configure(FaultConfig(error_rates={429: 1.0}))
    injected = await api.get(EMPLOYEES + "/1")
    assert injected.status_code == 503
    assert "retry-after" in injected.headers
    bamboo.faults.configure(FaultConfig(error_body_rate=1.0))
    odd = await api.get(EMPLOYEES + "/1")
    assert odd.status_code == 200
    assert odd.headers[ERROR]
    bamboo.faults.configure(FaultConfig.from_json({"drift": {"rename": {"firstName": "first"}}}))
    directory = (await api.get(EMPLOYEES + "/directory", headers=JSON)).json()
    assert all("first" in e and "firstName" not in e for e in directory["employees"])
    rows = (await api.post(DATASET, json={"fields": ["firstName"], "pageSize": 3})).json()
    assert all("first" in r["fields"] for r in rows["data"])


# -- webhooks ---------------------------------------------------------------------------------


async def test_webhooks_are_signed_hmac_sha256_of_body_plus_timestamp(
    api: httpx2.AsyncClient, bamboo: BambooHRSimulator, webhook_receiver: Any
) -> None:
    """X-BambooHR-Signature = hex(HMAC-SHA256(private key, body + X-BambooHR-Timestamp))."""
    bamboo.webhooks.url, received = webhook_receiver
    await api.post(EMPLOYEES + "/5", json={"firstName": "Tefi"})
    bamboo.delete_employee(6)
    await bamboo.webhooks.flush()
    assert len(received) == 1  # one firing, both changes batched
    headers, body = received[0]
    timestamp = headers["x-bamboohr-timestamp"]
    expected = hmac.new(
        bamboo.webhook_private_key.encode(), body + timestamp.encode(), hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["x-bamboohr-signature"], expected)
    assert headers["user-agent"] == "BambooHR-WebHooks/1.0 (+https://www.bamboohr.com)"
    employees = orjson.loads(body)["employees"]
    assert [(e["id"], e["action"]) for e in employees] == [("5", "Updated"), ("6", "Deleted")]
    assert employees[0]["changedFields"] == ["First name"]
    assert employees[0]["fields"]["First name"] == {"value": "Tefi"}


# -- plumbing ---------------------------------------------------------------------------------


async def test_counters_and_the_company_in_the_path(
    api: httpx2.AsyncClient, bamboo: BambooHRSimulator
) -> None:
    """Requests are counted by route and status; another company's domain is a 404."""
    await api.get(EMPLOYEES + "/1")
    other = await api.get("/api/gateway.php/othercorp/v1/employees/1")
    assert other.status_code == 404
    route = "GET /api/gateway.php/{company}/v1/employees/{id}"
    assert bamboo.counters.count(route=route, status=200) == 1
    assert bamboo.counters.count(route=route, status=404) == 1


def test_simulate_list_shows_bamboohr() -> None:
    """`interlink simulate --list` names bamboohr and its employees resource."""
    result = CliRunner().invoke(cli_app, ["simulate", "--list"])
    assert result.exit_code == 0
    assert "bamboohr" in result.output


async def test_a_million_employees_page_lazily(clock: FakeClock) -> None:
    """The last Datasets page of a million employees answers at once with the right ids."""
    sim = create_simulator("bamboohr", records=1_000_000, clock=clock)
    assert isinstance(sim, BambooHRSimulator)
    transport = httpx2.ASGITransport(app=sim.app)
    async with (
        sim,
        httpx2.AsyncClient(
            transport=transport, base_url="https://api.bamboohr.com", auth=(sim.api_key.value, "x")
        ) as c,
    ):
        body = {"fields": ["employeeId"], "page": 1_000, "pageSize": 1_000}
        page = (await c.post(DATASET, json=body)).json()
    assert page["meta"]["totalPages"] == 1_000
    assert "next" not in page["links"]
    assert page["data"][-1]["fields"]["employeeId"] == "1000000"
