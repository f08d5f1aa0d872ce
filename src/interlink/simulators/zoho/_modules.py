"""Zoho CRM modules (Contacts, Accounts): fields, generated values and rendering.

Records are flat JSON objects keyed by field API name (`First_Name`,
`Mailing_City`), with `id` a 19-digit string, lookups as `{"name", "id"}`,
and times as `2023-11-14T22:13:20+00:00` (whole seconds, with the org's
offset; the simulated org runs on UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import company, person
from interlink.simulators._store import Collection, StoredRecord

__all__ = ["ID_BASE", "MODULES", "OWNER", "Module", "zoho_time"]

ID_BASE = 5_725_767_000_000_000_000  # Zoho ids are 19-digit numbers sharing an org prefix
OWNER = {"name": "Interlink Admin", "id": str(ID_BASE + 1), "email": "admin@interlink.example"}
USER = {"name": OWNER["name"], "id": OWNER["id"]}
ACCOUNTS_FIRST_ID = 5_000_001
LEAD_SOURCES = ("Advertisement", "Cold Call", "Employee Referral", "Online Store", "Partner",
                "Trade Show", "Web Download")  # fmt: skip
ACCOUNT_TYPES = ("Analyst", "Competitor", "Customer", "Distributor", "Investor", "Partner",
                 "Prospect", "Reseller")  # fmt: skip
INDUSTRIES = ("ASP (Application Service Provider)", "Data/Telecom OEM", "ERP", "Government",
              "Large Enterprise", "Management ISV", "Network Equipment", "Non-management ISV",
              "Small/Medium Enterprise", "Storage Equipment")  # fmt: skip
# JSON types of writable fields, named as Zoho names them in INVALID_DATA details.
TEXT, INTEGER, DOUBLE, LOOKUP = "text", "integer", "double", "lookup"


def zoho_time(t: float) -> str:
    """Epoch seconds as Zoho writes times: 2023-11-14T22:13:20+00:00."""
    return datetime.fromtimestamp(int(t), UTC).isoformat()


def _contact(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    return {
        "First_Name": p.first_name,
        "Last_Name": p.last_name,
        "Email": p.email,
        "Phone": p.phone,
        "Mobile": p.phone.replace(" ", "")[:-4] + rng.digits(4),
        "Title": p.job_title,
        "Department": rng.choice(("Sales", "Marketing", "Engineering", "Finance", "Support")),
        "Mailing_City": p.city,
        "Mailing_Country": p.country,
        "Lead_Source": rng.choice(LEAD_SOURCES),
        # Contact i works at generated account i (same seed, same size).
        "Account_Name": {"name": p.company_name, "id": str(ID_BASE + ACCOUNTS_FIRST_ID + i)},
    }


def _account(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    c = company(rng, i)
    return {
        "Account_Name": c.name,
        "Website": f"https://www.{c.domain}",
        "Industry": rng.choice(INDUSTRIES),
        "Account_Type": rng.choice(ACCOUNT_TYPES),
        "Employees": c.employees,
        "Annual_Revenue": float(c.annual_revenue),
        "Billing_City": c.city,
        "Billing_Country": c.country,
        "Phone": c.phone,
    }


@dataclass(frozen=True, slots=True)
class Module:
    api_name: str  # the URL segment and the notification's module: Contacts
    generate: Callable[[Dataset, int], dict[str, Any]]
    first_id: int
    field_types: Mapping[str, str]  # writable fields -> Zoho data type
    required: tuple[str, ...]
    display_field: str  # what the recycle bin shows as display_name

    @property
    def fields(self) -> frozenset[str]:
        """Every field a `fields=` parameter may name."""
        system = ("id", "Owner", "Created_Time", "Modified_Time", "Created_By", "Modified_By")
        extra = ("Full_Name",) if self.api_name == "Contacts" else ()
        return frozenset((*self.field_types, *system, *extra))

    def collection(self, records: int, seed: int) -> Collection:
        dataset = Dataset(f"zoho:{self.api_name}", records, seed)
        return Collection(dataset, self.generate, first_id=self.first_id)

    def record_id(self, rec: StoredRecord) -> str:
        return str(ID_BASE + rec.id)

    def number(self, raw: str) -> int | None:
        """The store id behind a Zoho id string, or None when it is not one."""
        return int(raw) - ID_BASE if raw.isdigit() and int(raw) > ID_BASE else None

    def values(self, rec: StoredRecord) -> dict[str, Any]:
        out: dict[str, Any] = {name: rec.fields.get(name) for name in self.field_types}
        if self.api_name == "Contacts":
            first, last = rec.fields.get("First_Name"), rec.fields.get("Last_Name")
            out["Full_Name"] = " ".join(str(p) for p in (first, last) if p)
        out.update({
            "Owner": OWNER,
            "Created_Time": zoho_time(rec.created_at),
            "Modified_Time": zoho_time(rec.modified_at),
            "Created_By": USER,
            "Modified_By": USER,
            "id": self.record_id(rec),
        })  # fmt: skip
        return out

    def render(self, rec: StoredRecord, fields: Iterable[str]) -> bytes:
        """One record with the requested fields (and `id`, always), as Zoho answers."""
        values = self.values(rec)
        return orjson.dumps({f: values[f] for f in (*fields, "id")})

    def modification(self, rec: StoredRecord) -> dict[str, Any]:
        """The `details` of a successful write: who and when, and the id."""
        return {
            "Modified_Time": zoho_time(rec.modified_at),
            "Modified_By": USER,
            "Created_Time": zoho_time(rec.created_at),
            "id": self.record_id(rec),
            "Created_By": USER,
        }


MODULES: dict[str, Module] = {
    m.api_name: m
    for m in (
        Module(
            "Contacts", _contact, 1_000_001,
            {"First_Name": TEXT, "Last_Name": TEXT, "Email": TEXT, "Phone": TEXT, "Mobile": TEXT,
             "Title": TEXT, "Department": TEXT, "Mailing_City": TEXT, "Mailing_Country": TEXT,
             "Lead_Source": TEXT, "Account_Name": LOOKUP},
            ("Last_Name",), "Full_Name",
        ),
        Module(
            "Accounts", _account, ACCOUNTS_FIRST_ID,
            {"Account_Name": TEXT, "Website": TEXT, "Industry": TEXT, "Account_Type": TEXT,
             "Employees": INTEGER, "Annual_Revenue": DOUBLE, "Billing_City": TEXT,
             "Billing_Country": TEXT, "Phone": TEXT},
            ("Account_Name",), "Account_Name",
        ),
    )
}  # fmt: skip
