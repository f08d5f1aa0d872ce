"""Unified models: one canonical shape per kind of record, whatever the vendor.

```python
from interlink.models import MODELS, model_fields, model_for

Contact = model_for("crm.contact")
Contact.model_version                     # "1.0"
"email_addresses[].email_address" in model_fields("crm.contact")   # True
Contact.model_json_schema()               # for OpenAPI
```

Every record carries `id` (stable uuid5 of connection, model and remote id,
see `record_id`), `remote_id`, `provider`, `connection_id`, `created_at`,
`modified_at` (UTC), `remote_was_deleted`, `remote_data` (the vendor payload
as received) and `custom_fields`. See docs/models.md.
"""

from __future__ import annotations

from interlink.models._accounting import Invoice, InvoiceStatus, InvoiceType
from interlink.models._base import RECORD_NAMESPACE, Part, UnifiedRecord, UtcDatetime, record_id
from interlink.models._chat import ChatUser
from interlink.models._commerce import Customer, LineItem, Order, OrderStatus
from interlink.models._common import (
    Address,
    AddressType,
    EmailAddress,
    EmailAddressType,
    PhoneNumber,
    PhoneNumberType,
)
from interlink.models._crm import Company, Contact, Deal, DealStatus, LifecycleStage
from interlink.models._fields import PROVENANCE_FIELDS, FieldShape, field_shapes, model_fields
from interlink.models._files import File
from interlink.models._hris import Employee, EmploymentStatus, EmploymentType
from interlink.models._registry import MODELS, model_for
from interlink.models._ticketing import Ticket, TicketingUser, TicketPriority, TicketStatus
from interlink.models._writable import READ_ONLY_FIELDS, write_body

__all__ = [
    "MODELS",
    "PROVENANCE_FIELDS",
    "READ_ONLY_FIELDS",
    "RECORD_NAMESPACE",
    "Address",
    "AddressType",
    "ChatUser",
    "Company",
    "Contact",
    "Customer",
    "Deal",
    "DealStatus",
    "EmailAddress",
    "EmailAddressType",
    "Employee",
    "EmploymentStatus",
    "EmploymentType",
    "FieldShape",
    "File",
    "Invoice",
    "InvoiceStatus",
    "InvoiceType",
    "LifecycleStage",
    "LineItem",
    "Order",
    "OrderStatus",
    "Part",
    "PhoneNumber",
    "PhoneNumberType",
    "Ticket",
    "TicketPriority",
    "TicketStatus",
    "TicketingUser",
    "UnifiedRecord",
    "UtcDatetime",
    "field_shapes",
    "model_fields",
    "model_for",
    "record_id",
    "write_body",
]
