"""HRIS: employees."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from interlink.models._base import UnifiedRecord
from interlink.models._common import Address, PhoneNumber

__all__ = ["Employee", "EmploymentStatus", "EmploymentType"]


class EmploymentStatus(StrEnum):
    """Whether the person works there now."""

    ACTIVE = "ACTIVE"
    PENDING = "PENDING"
    """Hired, not started yet."""
    INACTIVE = "INACTIVE"
    """Left, or on a leave the vendor reports as inactive."""


class EmploymentType(StrEnum):
    """The kind of contract."""

    FULL_TIME = "FULL_TIME"
    PART_TIME = "PART_TIME"
    CONTRACTOR = "CONTRACTOR"
    INTERN = "INTERN"
    FREELANCE = "FREELANCE"


class Employee(UnifiedRecord):
    """A person employed by the connected company (BambooHR employee)."""

    model_name: ClassVar[str] = "hris.employee"
    model_version: ClassVar[str] = "1.0"

    employee_number: str | None = None
    """The company's own employee number, not the vendor's id."""
    first_name: str | None = None
    last_name: str | None = None
    preferred_name: str | None = None
    display_name: str | None = None
    work_email: str | None = None
    personal_email: str | None = None
    phone_numbers: list[PhoneNumber] = Field(default_factory=list)
    home_address: Address | None = None
    job_title: str | None = None
    department: str | None = None
    work_location: str | None = None
    manager_id: str | None = None
    """The remote id of the employee's manager."""
    employment_status: EmploymentStatus | None = None
    employment_type: EmploymentType | None = None
    start_date: date | None = None
    termination_date: date | None = None
    date_of_birth: date | None = None
