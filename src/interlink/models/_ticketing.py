"""Ticketing: tickets and the agents or end users who file and work them."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from interlink.models._base import UnifiedRecord, UtcDatetime

__all__ = ["Ticket", "TicketPriority", "TicketStatus", "TicketingUser"]


class TicketStatus(StrEnum):
    """Where a ticket stands. Vendors' finer states map onto these four."""

    OPEN = "OPEN"
    """New or waiting for the team."""
    IN_PROGRESS = "IN_PROGRESS"
    """Someone is working on it."""
    ON_HOLD = "ON_HOLD"
    """Waiting on the requester or a third party (Zendesk pending/hold)."""
    CLOSED = "CLOSED"
    """Solved, closed or done."""


class TicketPriority(StrEnum):
    """How urgent a ticket is."""

    URGENT = "URGENT"
    HIGH = "HIGH"
    NORMAL = "NORMAL"
    LOW = "LOW"


class Ticket(UnifiedRecord):
    """A support ticket or issue (Zendesk ticket, GitHub issue)."""

    model_name: ClassVar[str] = "ticketing.ticket"
    model_version: ClassVar[str] = "1.0"

    name: str | None = None
    """The subject or title."""
    description: str | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    ticket_type: str | None = None
    """The vendor's type label (`incident`, `question`, `bug`)."""
    assignees: list[str] = Field(default_factory=list)
    """Remote ids of the users (ticketing.user) assigned."""
    creator_id: str | None = None
    """Remote id of the user who filed it."""
    account_id: str | None = None
    contact_id: str | None = None
    parent_ticket_id: str | None = None
    due_date: UtcDatetime | None = None
    completed_at: UtcDatetime | None = None
    tags: list[str] = Field(default_factory=list)
    ticket_url: str | None = None
    """Where a person opens it in the vendor's UI."""


class TicketingUser(UnifiedRecord):
    """An agent or end user of a ticketing system."""

    model_name: ClassVar[str] = "ticketing.user"
    model_version: ClassVar[str] = "1.0"

    name: str | None = None
    email_address: str | None = None
    is_active: bool | None = None
    is_agent: bool | None = None
    """True for the team's agents, false for end users who file tickets."""
    teams: list[str] = Field(default_factory=list)
    """Remote ids (or names, where the vendor has no ids) of the user's teams or groups."""
