"""The built-in BambooHR connector against the BambooHR simulator, in process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from tests.connectors._simkit import (
    builtin_spec,
    fetch_json,
    open_builtin,
    running,
    update_then_list_changed,
)

import interlink
from interlink import AuthError, FakeClock, FatalError, NotFoundError, PermissionDeniedError
from interlink.models import Employee, EmploymentStatus
from interlink.ratelimit import Window
from interlink.simulators._http import basic_authorization
from interlink.simulators.bamboohr import BambooHRSimulator

RECORDS = 1200
DATASET = "POST /api/v2/datasets/{dataset}/data"
GATEWAY = "/api/gateway.php/interlinksim/v1"


@pytest.fixture
async def bamboohr(clock: FakeClock) -> AsyncIterator[BambooHRSimulator]:
    """A BambooHR simulator with 1,200 employees on the fake clock."""
    async with running("bamboohr", clock, records=RECORDS) as sim:
        assert isinstance(sim, BambooHRSimulator)
        yield sim


def _open(sim: BambooHRSimulator, clock: FakeClock, key: str | None = None) -> interlink.Connection:
    credentials = {"api_key": key or sim.api_key.value}
    return open_builtin(sim, clock, credentials=credentials, variables={"company": sim.company})


@pytest.fixture
async def connection(
    bamboohr: BambooHRSimulator, clock: FakeClock
) -> AsyncIterator[interlink.Connection]:
    async with _open(bamboohr, clock) as conn:
        yield conn


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_employees_and_declares_the_throttle_window() -> None:
    """Employees map to hris.employee; writes read the record back; 100 calls per 10 s."""
    spec = builtin_spec("bamboohr")
    employees = spec.resources["employees"]
    assert employees.model == "hris.employee"
    assert set(employees.operations) == {"list", "incremental", "get", "create", "update"}
    assert employees.operations["create"].read_back
    assert employees.operations["update"].read_back
    assert spec.rate_limits == (Window(100, 10.0),)
    assert spec.auth_methods[spec.default_auth].type == "basic"


async def test_a_dataset_page_and_a_get_answer_both_map(bamboohr: BambooHRSimulator) -> None:
    """1,000 dataset rows (dataset names) and one get answer (API names) map without an error,
    to the same fields."""
    spec = builtin_spec("bamboohr")
    mapping = spec.resources["employees"].mapping
    auth = {"Authorization": basic_authorization(bamboohr.api_key.value, "x")}
    body = {**spec.raw["resources"]["employees"]["list"]["json"], "pageSize": 1000}
    page = await fetch_json(bamboohr, "/api/v2/datasets/employee/data", auth, method="POST",
                            json=body)  # fmt: skip
    batch = mapping.read_batch(page["data"], "conn-1")
    assert len(batch.records) == 1000
    assert batch.errors == []
    fields = spec.raw["resources"]["employees"]["get"]["params"]["fields"]
    headers = {**auth, "Accept": "application/json"}
    flat = await fetch_json(bamboohr, f"{GATEWAY}/employees/1?fields={fields}", headers)
    one = mapping.read(flat, "conn-1")
    same = ("remote_id", "first_name", "last_name", "work_email", "job_title", "department",
            "work_location", "employment_status", "start_date", "modified_at")  # fmt: skip
    assert {k: one[k] for k in same} == {k: batch.records[0][k] for k in same}


# -- end to end -----------------------------------------------------------------------------


async def test_list_reads_every_employee_once_through_dataset_links(
    connection: interlink.Connection, bamboohr: BambooHRSimulator
) -> None:
    """All 1,200 employees, inactive ones included, arrive once over 3 dataset pages."""
    employees = [e async for e in connection.list("employees")]
    assert len({e.remote_id for e in employees}) == RECORDS == len(employees)
    assert bamboohr.counters.count(route=DATASET) == 3
    assert {e.employment_status for e in employees} == {
        EmploymentStatus.ACTIVE,
        EmploymentStatus.INACTIVE,
    }
    first = employees[0]
    assert isinstance(first, Employee)
    raw = first.remote_data["fields"]
    assert (first.remote_id, first.first_name) == (raw["employeeId"], raw["firstName"])
    assert first.start_date == date.fromisoformat(raw["hireDate"])
    assert first.custom_fields == {"jobInformationDivision": raw["jobInformationDivision"]}


async def test_get_reads_the_gateway_as_json(connection: interlink.Connection) -> None:
    """get asks the gateway for JSON and maps its API names, phones included."""
    employee = await connection.get("hris.employee", "1")
    assert isinstance(employee, Employee)
    assert employee.display_name == employee.remote_data["displayName"]
    assert employee.phone_numbers[0].phone_number == employee.remote_data["workPhone"]
    assert employee.custom_fields["division"] == employee.remote_data["division"]


async def test_incremental_listing_filters_the_dataset_on_last_changed(
    connection: interlink.Connection, clock: FakeClock
) -> None:
    """modified_after returns only the employees changed since the watermark."""
    values = {"job_title": "Staff Engineer"}
    ids, changed = await update_then_list_changed(connection, clock, "employees", values)
    assert sorted(e.remote_id for e in changed) == sorted(ids)
    assert all(e.job_title == "Staff Engineer" for e in changed)


async def test_create_and_update_read_the_record_back(
    connection: interlink.Connection, bamboohr: BambooHRSimulator
) -> None:
    """Create (201, empty, Location) and update (200, empty) return the record read with get."""
    created = await connection.create(
        "employees",
        {"first_name": "Ada", "last_name": "Lovelace", "work_email": "ada@example.test",
         "start_date": "2024-02-01"},
    )  # fmt: skip
    assert isinstance(created, Employee)
    assert created.remote_id == str(RECORDS + 1)
    assert created.start_date == date(2024, 2, 1)
    assert created.employment_status is EmploymentStatus.ACTIVE
    updated = await connection.update("employees", created.remote_id, {"job_title": "Analyst"})
    assert (updated.first_name, updated.job_title) == ("Ada", "Analyst")
    assert bamboohr.counters.count(route="GET /api/gateway.php/{company}/v1/employees/{id}") == 2


async def test_vendor_errors_arrive_as_the_error_tree(
    connection: interlink.Connection, bamboohr: BambooHRSimulator, clock: FakeClock
) -> None:
    """Unknown employee: NotFoundError; a missing required field: FatalError; a key whose
    user may not write: PermissionDeniedError; an unknown key: AuthError."""
    with pytest.raises(NotFoundError):
        await connection.get("employees", "999999")
    with pytest.raises(FatalError):
        await connection.create("employees", {"first_name": "Only"})
    async with _open(bamboohr, clock, bamboohr.issue_token("restricted").value) as restricted:
        with pytest.raises(PermissionDeniedError):
            await restricted.update("employees", "1", {"job_title": "Nope"})
    async with _open(bamboohr, clock, "0" * 40) as unknown:
        with pytest.raises(AuthError):
            await unknown.get("employees", "1")


async def test_the_window_paces_more_calls_than_bamboohr_accepts(
    connection: interlink.Connection, bamboohr: BambooHRSimulator
) -> None:
    """150 reads at one fake instant are paced by 100 per 10 s: BambooHR never throttles."""
    for remote_id in range(1, 151):
        await connection.get("employees", str(remote_id))
    assert bamboohr.counters.count(route="GET /api/gateway.php/{company}/v1/employees/{id}") == 150
    assert bamboohr.counters.rate_limited == 0


async def test_passthrough_reaches_the_gateway(connection: interlink.Connection) -> None:
    """A raw gateway call (the directory, as JSON) goes through the pipeline."""
    response = await connection.request(
        "GET", f"{GATEWAY}/employees/directory", headers={"Accept": "application/json"}
    )
    assert response.json()["employees"]
