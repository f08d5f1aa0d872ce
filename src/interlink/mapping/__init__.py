"""Declarative mapping between vendor records and unified models, compiled once, pure.

```python
from interlink.mapping import compile_mapping

contacts = compile_mapping(
    "crm.contact",
    provider="hubspot",
    resource="contacts",
    read={
        "remote_id": "id",
        "modified_at": {"path": "properties.lastmodifieddate", "transform": "datetime"},
        "first_name": "properties.firstname",
        "email_addresses": {"path": "properties.email", "transform": "single_email"},
    },
    custom_fields={"from": "properties"},
    write={"properties.firstname": "first_name"},
)
record = contacts.read(payload, "conn-42")        # a dict with every crm.contact field
batch = contacts.read_batch(page, "conn-42")      # .records and .errors (MappingError each)
contacts.validate(record)                         # -> Contact, optional
contacts.write({"first_name": "Ada"})             # {"properties": {"firstname": "Ada"}}

drift = contacts.drift_detector()                 # per (connection, resource)
drift.observe(page)                               # raw records; cheap per record
drift.take()                                      # [DriftFinding(kind, field, detail, count)]
```

The declaration syntax and every transform are in docs/mapping.md.
"""

from __future__ import annotations

from interlink._errors import MappingError
from interlink.mapping._compile import compile_mapping
from interlink.mapping._compiled import CompiledMapping, MappedBatch
from interlink.mapping._dates import parse_datetime
from interlink.mapping._drift import DriftDetector, DriftFinding, DriftKind
from interlink.mapping._problems import MappingConfigError
from interlink.mapping._transforms import TRANSFORMS
from interlink.mapping._write_check import InvalidWriteError

__all__ = [
    "TRANSFORMS",
    "CompiledMapping",
    "DriftDetector",
    "DriftFinding",
    "DriftKind",
    "InvalidWriteError",
    "MappedBatch",
    "MappingConfigError",
    "MappingError",
    "compile_mapping",
    "parse_datetime",
]
