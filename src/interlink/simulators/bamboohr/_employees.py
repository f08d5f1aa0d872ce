"""BambooHR employees: the field catalogue, generated values, and field selection.

BambooHR names fields two ways: API names (`firstName`, `jobTitle`) for the
employee endpoints, and English display names ("First name", "Job title") in the
directory's fieldset and in webhooks. The employee dataset of the Datasets API
uses its own, fully qualified names (`jobInformationJobTitle`). All values are
strings on the wire; dates are `YYYY-MM-DD`; times ISO 8601 with an offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import person
from interlink.simulators._store import Collection, StoredRecord

__all__ = [
    "DATASET_FIELDS",
    "DIRECTORY_FIELDS",
    "FIELDS",
    "Field",
    "employees_collection",
    "iso",
    "parse_iso",
    "values",
]

DEPARTMENTS = ("Engineering", "Sales", "Marketing", "Operations", "Finance", "People")
DIVISIONS = ("North America", "EMEA", "APAC")
LOCATIONS = ("Lindon, Utah", "Remote", "London", "Berlin", "Sydney")
COMPANY_DOMAIN = "interlinksim"


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # API name
    title: str  # display name (directory fieldset, webhooks)
    type: str  # BambooHR field type
    writable: bool = True


FIELDS: Mapping[str, Field] = {
    f.name: f
    for f in (
        Field("displayName", "Display name", "text", writable=False),
        Field("firstName", "First name", "text"),
        Field("lastName", "Last name", "text"),
        Field("preferredName", "Preferred name", "text"),
        Field("jobTitle", "Job title", "list"),
        Field("workPhone", "Work Phone", "phone"),
        Field("mobilePhone", "Mobile Phone", "phone"),
        Field("workEmail", "Work Email", "email"),
        Field("department", "Department", "list"),
        Field("location", "Location", "list"),
        Field("division", "Division", "list"),
        Field("employeeNumber", "Employee #", "text"),
        Field("hireDate", "Hire date", "date"),
        Field("status", "Status", "status"),
        Field("photoUploaded", "Employee has uploaded a photo", "bool", writable=False),
        Field("lastChanged", "Last changed", "timestamp", writable=False),
    )
}
DIRECTORY_FIELDS = ("displayName", "firstName", "lastName", "preferredName", "jobTitle",
                    "workPhone", "mobilePhone", "workEmail", "department", "location",
                    "division", "photoUploaded")  # fmt: skip
# The employee dataset's names (documented: jobInformation*; the others are guesses in
# the same style) -> the API field they read.
DATASET_FIELDS: Mapping[str, str] = {
    "employeeId": "id",
    "employeeNumber": "employeeNumber",
    "firstName": "firstName",
    "lastName": "lastName",
    "preferredName": "preferredName",
    "email": "workEmail",
    "jobInformationJobTitle": "jobTitle",
    "jobInformationDepartment": "department",
    "jobInformationDivision": "division",
    "jobInformationLocation": "location",
    "status": "status",
    "hireDate": "hireDate",
    "lastChanged": "lastChanged",
}


def iso(t: float) -> str:
    """BambooHR timestamps: `2023-11-14T22:13:20+00:00`."""
    return datetime.fromtimestamp(int(t), UTC).isoformat()


def parse_iso(value: str) -> float:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _employee(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    hired = datetime.fromtimestamp(d.created_at(i), UTC).date().isoformat()
    return {
        "firstName": p.first_name,
        "lastName": p.last_name,
        "preferredName": p.first_name if rng.chance(0.8) else p.first_name[:3],
        "jobTitle": p.job_title,
        "workPhone": p.phone,
        "mobilePhone": p.phone[:-4] + rng.digits(4) if rng.chance(0.5) else None,
        "workEmail": f"{p.email.split('@')[0]}@{COMPANY_DOMAIN}.example",
        "department": rng.choice(DEPARTMENTS),
        "location": rng.choice(LOCATIONS),
        "division": rng.choice(DIVISIONS),
        "employeeNumber": str(1_000 + i),
        "hireDate": hired,
        "status": "Active" if rng.chance(0.92) else "Inactive",  # Inactive: terminated
        "photoUploaded": rng.chance(0.4),
    }


def employees_collection(records: int, seed: int) -> Collection:
    # Id 0 is BambooHR's alias for "the API key's own employee", so ids start at 1.
    return Collection(Dataset("employees", records, seed), _employee, first_id=1)


def _wire(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def values(rec: StoredRecord, names: tuple[str, ...]) -> dict[str, str | None]:
    """The named API fields of an employee, as BambooHR's strings (None: empty)."""
    f = rec.fields
    out: dict[str, str | None] = {}
    for name in names:
        if name == "id":
            out[name] = str(rec.id)
        elif name == "displayName":
            shown = f.get("preferredName") or f.get("firstName") or ""
            out[name] = f"{shown} {f.get('lastName') or ''}".strip()
        elif name == "lastChanged":
            out[name] = iso(rec.modified_at)
        else:
            out[name] = _wire(f.get(name))
    return out
