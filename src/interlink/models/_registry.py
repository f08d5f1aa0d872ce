"""The registry of unified models by name (`crm.contact`), with did-you-mean errors."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from interlink._errors import ConfigError
from interlink.models._accounting import Invoice
from interlink.models._base import UnifiedRecord
from interlink.models._chat import ChatUser
from interlink.models._commerce import Customer, Order
from interlink.models._crm import Company, Contact, Deal
from interlink.models._files import File
from interlink.models._hris import Employee
from interlink.models._ticketing import Ticket, TicketingUser

__all__ = ["MODELS", "model_for", "suggest"]

MODELS: Mapping[str, type[UnifiedRecord]] = MappingProxyType(
    {
        model.model_name: model
        for model in (
            Contact,
            Company,
            Deal,
            Employee,
            Ticket,
            TicketingUser,
            Customer,
            Order,
            Invoice,
            ChatUser,
            File,
        )
    }
)
"""Every unified model by its name: `MODELS["crm.contact"] is Contact`."""


def suggest(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when `name` is a likely typo of one of `known`, else ''."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def model_for(name: str, *, where: str = "model") -> type[UnifiedRecord]:
    """The model class named `name`; a `ConfigError` at `where` naming the known ones otherwise."""
    model = MODELS.get(name)
    if model is None:
        raise ConfigError(
            where,
            f"unknown unified model {name!r}{suggest(name, MODELS)}; "
            f"expected one of: {', '.join(sorted(MODELS))}",
        )
    return model
