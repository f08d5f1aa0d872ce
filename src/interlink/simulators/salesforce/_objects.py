"""Salesforce sObjects (Contact, Account): fields, generated values, rendering, write checks.

Records read `{"attributes": {"type", "url"}, "Id", ...fields}`; times are
`2023-11-14T22:13:20.123+0000`. `LastModifiedDate` and `SystemModstamp` are the
same instant here (they differ on a real org only when the system, not a user,
touches a record). A deleted record keeps its fields, reads `IsDeleted: true`
in `queryAll`, and its `SystemModstamp` moves to the deletion time.
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
from interlink.simulators.salesforce._ids import encode_id

__all__ = ["SOBJECTS", "FieldError", "SObjectType", "SalesforceErrors", "sf_time"]

LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
ACCOUNT_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other")
INDUSTRIES = ("Technology", "Healthcare", "Finance", "Retail", "Transportation", "Media",
              "Energy", "Food & Beverage", "Education")  # fmt: skip
ACCOUNT_FIRST_ID = 5_000_001
USER_NUMBER = 1  # the integration user that owns everything
SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                 "LastModifiedById", "SystemModstamp", "OwnerId")  # fmt: skip
MODIFIED_FIELDS = ("SystemModstamp", "LastModifiedDate")  # filterable and sortable


def sf_time(t: float) -> str:
    """Epoch seconds as Salesforce writes datetimes: 2023-11-14T22:13:20.123+0000."""
    return (
        datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{round(t * 1000) % 1000:03d}+0000"
    )


def _contact(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    return {
        "FirstName": p.first_name,
        "LastName": p.last_name,
        "Email": p.email,
        "Phone": p.phone,
        "Title": p.job_title,
        "Department": rng.choice(("Sales", "Marketing", "Engineering", "Finance", "Operations")),
        "MailingCity": p.city,
        "MailingCountry": p.country,
        "LeadSource": rng.choice(LEAD_SOURCES),
        # Contacts belong to a generated account: record i to account i (same seed, same size).
        "AccountId": encode_id("001", ACCOUNT_FIRST_ID + i),
    }


def _account(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    c = company(rng, i)
    return {
        "Name": c.name,
        "Website": f"https://www.{c.domain}",
        "Industry": rng.choice(INDUSTRIES),
        "Type": rng.choice(ACCOUNT_TYPES),
        "NumberOfEmployees": c.employees,
        "AnnualRevenue": float(c.annual_revenue),
        "BillingCity": c.city,
        "BillingCountry": c.country,
        "Phone": c.phone,
    }


@dataclass(frozen=True, slots=True)
class FieldError:
    """One entry of Salesforce's error array."""

    error_code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SObjectType:
    name: str  # the API name: Contact
    key_prefix: str  # 003
    generate: Callable[[Dataset, int], dict[str, Any]]
    first_id: int
    required: tuple[str, ...]  # required on create
    field_types: Mapping[str, type]  # writable fields and their JSON types (str, int, float)
    derived: Callable[[Mapping[str, Any]], dict[str, Any]]  # read-only computed fields

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field, in the order a full record reads."""
        sample = self.derived({})
        return (*SYSTEM_FIELDS[:1], *sample, *self.field_types, *SYSTEM_FIELDS[1:])

    def canonical(self, name: str) -> str | None:
        """The field's API name, matched case-insensitively as SOQL does, or None."""
        lowered = name.lower()
        return next((f for f in self.fields if f.lower() == lowered), None)

    def collection(self, records: int, seed: int) -> Collection:
        return Collection(Dataset(self.name, records, seed), self.generate, first_id=self.first_id)

    def record_id(self, rec: StoredRecord) -> str:
        return encode_id(self.key_prefix, rec.id)

    def values(self, rec: StoredRecord, user_id: str) -> dict[str, Any]:
        """Every field of a record by API name."""
        return {
            "Id": self.record_id(rec),
            **self.derived(rec.fields),
            **{name: rec.fields.get(name) for name in self.field_types},
            "IsDeleted": rec.archived,
            "CreatedDate": sf_time(rec.created_at),
            "CreatedById": user_id,
            "LastModifiedDate": sf_time(rec.modified_at),
            "LastModifiedById": user_id,
            "SystemModstamp": sf_time(rec.modified_at),
            "OwnerId": user_id,
        }

    def render(self, rec: StoredRecord, fields: Iterable[str], user_id: str, version: str) -> bytes:
        """One record as JSON: `attributes` first, then the fields asked for, in that order."""
        values = self.values(rec, user_id)
        url = f"/services/data/{version}/sobjects/{self.name}/{values['Id']}"
        out: dict[str, Any] = {"attributes": {"type": self.name, "url": url}}
        out.update((f, values[f]) for f in fields)
        return orjson.dumps(out)

    def check_write(self, body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        """The fields to store, or RequestError carrying Salesforce's error array."""
        errors: list[FieldError] = []
        for name, value in body.items():
            api_name = self.canonical(name)
            if api_name is None:
                errors.append(FieldError(
                    "INVALID_FIELD", f"No such column '{name}' on sobject of type {self.name}"
                ))  # fmt: skip
            elif api_name not in self.field_types:
                errors.append(FieldError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {api_name}. Please check the security "
                    "settings of this field and verify that it is read/write for your profile "
                    "or permission set.",
                    (api_name,),
                ))  # fmt: skip
            elif value is not None and not _fits(value, self.field_types[api_name]):
                errors.append(FieldError(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{api_name}: value not of required type: {value}", (api_name,),
                ))  # fmt: skip
        stored = {self.canonical(k): v for k, v in body.items()}
        missing = [f for f in self.required if (creating or f in stored) and not stored.get(f)]
        if missing:
            errors.append(FieldError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]", tuple(missing),
            ))  # fmt: skip
        if errors:
            raise SalesforceErrors(400, errors)
        return {k: v for k, v in stored.items() if k is not None}


class SalesforceErrors(Exception):  # noqa: N818 (carries a response body, like Reply)
    """A write refused with several Salesforce errors at once; the handler renders them."""

    def __init__(self, status: int, errors: list[FieldError]) -> None:
        super().__init__(errors[0].message)
        self.status, self.errors = status, errors


def _fits(value: Any, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)


def _contact_derived(fields: Mapping[str, Any]) -> dict[str, Any]:
    first, last = fields.get("FirstName"), fields.get("LastName")
    return {"Name": " ".join(str(p) for p in (first, last) if p) or None}


SOBJECTS: dict[str, SObjectType] = {
    t.name: t
    for t in (
        SObjectType(
            "Contact", "003", _contact, 1_000_001, ("LastName",),
            {"FirstName": str, "LastName": str, "Email": str, "Phone": str, "Title": str,
             "Department": str, "MailingCity": str, "MailingCountry": str, "LeadSource": str,
             "AccountId": str},
            _contact_derived,
        ),
        SObjectType(
            "Account", "001", _account, ACCOUNT_FIRST_ID, ("Name",),
            {"Name": str, "Website": str, "Industry": str, "Type": str,
             "NumberOfEmployees": int, "AnnualRevenue": float, "BillingCity": str,
             "BillingCountry": str, "Phone": str},
            lambda fields: {},
        ),
    )
}  # fmt: skip
