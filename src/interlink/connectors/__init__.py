"""Connector specs: each provider declared once, in YAML, compiled into frozen objects.

```python
from interlink.connectors import ConnectorRegistry, load_spec

registry = ConnectorRegistry.builtin()
hubspot = registry.get("hubspot")
hubspot.resources["contacts"].operations["list"].path    # /crm/v3/objects/contacts
spec = load_spec("specs/acme.yaml")    # SpecError lists every problem: file:line: path: message
```

The format is documented in docs/connectors.md; `connector_schema()` is its
JSON Schema (also printed by `interlink connectors schema`).
"""

from __future__ import annotations

from interlink.connectors._condition import ConditionSpec
from interlink.connectors._globs import check_raw_path, compile_glob
from interlink.connectors._hooks import ENTRY_POINT_GROUP, Hook, HookCall
from interlink.connectors._loader import load_spec, load_spec_text, validate_path
from interlink.connectors._problems import SpecError, SpecProblem
from interlink.connectors._registry import BUILTIN_DIR, PATH_VARIABLE, ConnectorRegistry
from interlink.connectors._schema_doc import connector_schema
from interlink.connectors._spec import (
    OPERATIONS,
    ApiVersionSpec,
    AuthMethodSpec,
    ConnectorSpec,
    Operation,
    RequestSpec,
    ResourceSpec,
    VariableSpec,
    WebhookSpec,
)
from interlink.connectors._templates import WATERMARK_FORMATS, RenderContext, Template

__all__ = [
    "BUILTIN_DIR",
    "ENTRY_POINT_GROUP",
    "OPERATIONS",
    "PATH_VARIABLE",
    "WATERMARK_FORMATS",
    "ApiVersionSpec",
    "AuthMethodSpec",
    "ConditionSpec",
    "ConnectorRegistry",
    "ConnectorSpec",
    "Hook",
    "HookCall",
    "Operation",
    "RenderContext",
    "RequestSpec",
    "ResourceSpec",
    "SpecError",
    "SpecProblem",
    "Template",
    "VariableSpec",
    "WebhookSpec",
    "check_raw_path",
    "compile_glob",
    "connector_schema",
    "load_spec",
    "load_spec_text",
    "validate_path",
]
