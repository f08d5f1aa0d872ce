"""The JSON Schema (Draft 2020-12) of connector spec version 1: the one source of truth.

Built from code so that the parts other packages own come from them: each
pagination type's keys are the fields of its declaration class. `x-name`
names what an enum chooses, so errors read "unknown auth type 'oauth3'".
`interlink connectors schema` prints it for editors.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any

from interlink.http._contract import ERROR_KINDS
from interlink.pagination import PAGINATION_TYPES

__all__ = [
    "AUTH_TYPES",
    "CATEGORIES",
    "HTTP_METHODS",
    "SCHEMA_ID",
    "WEBHOOK_SCHEMES",
    "connector_schema",
]

SCHEMA_ID = "https://interlink.dev/schemas/connector-v1.json"
CATEGORIES = ("crm", "hris", "ticketing", "commerce", "accounting", "chat", "files")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
AUTH_TYPES = (
    "api_key",
    "basic",
    "bearer",
    "oauth2_client_credentials",
    "oauth2_refresh_token",
)

WEBHOOK_SCHEMES = (
    "hubspot_v3",
    "stripe",
    "slack_v0",
    "shopify",
    "github_sha256",
    "github",
    "standard_webhooks",
    "svix",
    "zendesk",
    "bamboohr",
    "hmac",
)
"""The signature schemes `interlink.webhooks` verifies (a test keeps the two lists equal)."""

Schema = dict[str, Any]

_STR: Schema = {"type": "string"}
_TEMPLATE: Schema = {"type": "string", "description": "a template: {credentials.NAME}, {variable}"}
_NAME = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}


def _obj(props: Schema, required: tuple[str, ...] = (), **extra: Any) -> Schema:
    out: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def _one_of_by(key: str, choices: dict[str, Schema], name: str, description: str) -> Schema:
    """An object whose `key` picks which of `choices` applies (an if/then per choice)."""
    return {
        "type": "object",
        "description": description,
        "required": [key],
        "properties": {key: {"enum": list(choices), "x-name": name}},
        "allOf": [
            {"if": {"properties": {key: {"const": k}}, "required": [key]}, "then": schema}
            for k, schema in choices.items()
        ],
    }


_OAUTH: Schema = {
    "type": {"const": "x"},
    "token_url": _TEMPLATE,
    "client_auth": {"enum": ["client_secret_post", "client_secret_basic"], "x-name": "client_auth"},
    "scopes": {"type": "array", "items": _STR},
    "extra_params": {"type": "object", "additionalProperties": _STR},
    "refresh_ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
}


def _auth_method() -> Schema:
    kinds = {
        "api_key": _obj(
            {
                "type": {"const": "api_key"},
                "key": _TEMPLATE,
                "in": {"enum": ["header", "query"], "x-name": "key placement"},
                "name": _STR,
                "prefix": _STR,
            },
            ("type", "key", "name"),
        ),
        "basic": _obj(
            {"type": {"const": "basic"}, "username": _TEMPLATE, "password": _TEMPLATE},
            ("type", "username"),
        ),
        "bearer": _obj(
            {"type": {"const": "bearer"}, "token": _TEMPLATE, "prefix": _STR}, ("type", "token")
        ),
        "oauth2_client_credentials": _obj(
            {**_OAUTH, "type": {"const": "oauth2_client_credentials"}}, ("type", "token_url")
        ),
        "oauth2_refresh_token": _obj(
            {**_OAUTH, "type": {"const": "oauth2_refresh_token"}, "authorize_url": _STR},
            ("type", "token_url"),
        ),
    }
    return _one_of_by("type", kinds, "auth type", "one way of authenticating")


_JSON_TYPES = {"str": "string", "int": "integer", "bool": "boolean", "None": "null"}


def _pagination() -> Schema:
    kinds: dict[str, Schema] = {}
    for name, cls in PAGINATION_TYPES.items():
        props: Schema = {"type": {"const": name}}
        required = ["type"]
        for f in fields(cls):  # type: ignore[arg-type]
            if not f.init:
                continue
            options = [o.strip() for o in str(f.type).split("|")]
            if options == ["tuple[str, ...]"]:
                props[f.name] = {"type": "array", "items": _STR}
            else:
                props[f.name] = {"type": [_JSON_TYPES[o] for o in options]}
            if f.default is f.default_factory:  # both MISSING: required
                required.append(f.name)
        kinds[name] = _obj(props, tuple(required))
    return _one_of_by("type", kinds, "pagination type", "how a listing hands out pages")


_DURATION: Schema = {"type": ["number", "string"], "description": "seconds, or 10s, 1m, 1h, 1d"}


def _rate_limit() -> Schema:
    common = {"endpoint": _STR, "scope": {"enum": ["credential", "app"], "x-name": "scope"}}
    kinds = {
        "window": ({"limit": {"type": "integer"}, "per": _DURATION}, ("limit", "per")),
        "token_bucket": (
            {"rate": {"type": "number"}, "per": _DURATION, "burst": {"type": "integer"}},
            ("rate",),
        ),
        "leaky_bucket": (
            {"capacity": {"type": "integer"}, "leak_rate": {"type": "number"}},
            ("capacity", "leak_rate"),
        ),
        "budget": (
            {"limit": {"type": "integer"}, "per": _DURATION, "offset": _DURATION},
            ("limit",),
        ),
    }
    choices = {
        kind: _obj({"kind": {"const": kind}, **props, **common}, ("kind", *req))
        for kind, (props, req) in kinds.items()
    }
    return _one_of_by("kind", choices, "rate-limit kind", "a rate-limit policy")


def _errors() -> Schema:
    kind = {"enum": list(ERROR_KINDS), "x-name": "error kind"}
    return _obj(
        {
            "success_flag": _STR,
            "errors_field": _STR,
            "code": _STR,
            "message": _STR,
            "codes": {"type": "object", "additionalProperties": kind},
            "no_data_statuses": {"type": "array", "items": {"type": "integer"}},
            "failure": kind,
        }
    )


def _request(*, listing: bool) -> Schema:
    props: Schema = {
        "method": {"enum": list(HTTP_METHODS), "x-name": "HTTP method"},
        "path": {"type": "string", "pattern": "^/", "description": "starts with /"},
        "params": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        },
        "headers": {"type": "object", "additionalProperties": _STR},
        "json": {"description": "a JSON body; strings may hold templates"},
        "records": {
            "type": "string",
            "description": "path of the record(s) in the body; $: the body",
        },
        "endpoint": {"type": "string", "description": "names the request for endpoint rate limits"},
        "hook": {
            "type": "string",
            "description": "a hook (declared under hooks) that adjusts the request",
        },
        "records_hook": {
            "type": "string",
            "description": "a hook (declared under hooks) that reshapes the answer's records",
        },
    }
    if listing:
        props["pagination"] = {"$ref": "#/$defs/pagination"}
        return _obj(props, ("path", "records"))
    props["body_path"] = {"type": "string", "description": "wraps the written body (Zoho: data[0])"}
    props["idempotency_header"] = {
        "type": "string",
        "description": "the header carrying an idempotency key, where the vendor supports one",
    }
    props["read_back"] = {
        "type": "boolean",
        "description": "the answer carries no record: read it back with get (create, update)",
    }
    props["condition"] = {
        "type": "object",
        "description": "update: the vendor refuses to overwrite a newer version (see "
        "connectors/_condition.py): version path, and field (+ body) or header",
    }
    return _obj(props, ("path",))


def _resource() -> Schema:
    mapping: Schema = {"type": "object", "description": "a mapping (docs/mapping.md)"}
    return _obj(
        {
            "model": {"type": "string", "pattern": r"^[a-z]+\.[a-z_]+$"},
            "id": _STR,
            "page_size": {"type": "integer", "minimum": 1},
            "list": {"$ref": "#/$defs/list_request"},
            "incremental": {"$ref": "#/$defs/list_request"},
            "deleted": {"$ref": "#/$defs/list_request"},
            "get": {"$ref": "#/$defs/request"},
            "create": {"$ref": "#/$defs/request"},
            "update": {"$ref": "#/$defs/request"},
            "delete": {"$ref": "#/$defs/request"},
            "read": mapping,
            "write": mapping,
            "custom_fields": {  # one source, or several merged (docs/mapping.md)
                "type": ["object", "array"],
                "items": {"type": "object"},
            },
            "ignore": {  # vendor paths strict mode accepts though nothing reads them
                "type": "array",
                "items": _STR,
                "description": "vendor fields the mapping deliberately leaves out (strict mode)",
            },
        },
        ("model", "list", "read"),
    )


def _variable() -> Schema:
    return _obj(
        {
            "from": {"enum": ["connection", "auth"], "x-name": "variable source"},
            "pattern": _STR,
            "field": {"type": "string", "description": "from: auth: the token answer's field"},
            "part": {
                "enum": ["value", "host"],
                "x-name": "variable part",
                "description": "from: auth: the whole value, or the host of the URL it holds",
            },
            "description": _STR,
            "default": _STR,
        },
        ("from",),
    )


@cache
def connector_schema() -> Schema:
    """The JSON Schema of a connector spec (a fresh dict is never needed: treat it as frozen)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Interlink connector spec, version 1",
        "type": "object",
        "additionalProperties": False,
        "required": ["spec_version", "provider", "title", "base_url", "auth", "resources"],
        "properties": {
            "spec_version": {"const": 1},
            "provider": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"},
            "title": {"type": "string", "minLength": 1},
            "docs_url": {"type": "string", "pattern": "^https?://"},
            "categories": {
                "type": "array",
                "items": {"enum": list(CATEGORIES), "x-name": "category"},
                "uniqueItems": True,
            },
            "base_url": {
                "type": "string",
                "pattern": r"^(https?://|\{[A-Za-z_][A-Za-z0-9_]*\})",
                "description": "http(s)://..., or a variable holding such a URL, then a path",
            },
            "variables": {
                "type": "object",
                "propertyNames": _NAME,
                "additionalProperties": {"$ref": "#/$defs/variable"},
            },
            "api_version": _obj(
                {"value": _STR, "in": {"enum": ["path", "header"]}, "header": _STR},
                ("value", "in"),
            ),
            "auth": {
                "if": {"type": "object", "required": ["methods"]},
                "then": _obj(
                    {
                        "default": _STR,
                        "methods": {
                            "type": "object",
                            "minProperties": 1,
                            "propertyNames": _NAME,
                            "additionalProperties": {"$ref": "#/$defs/auth_method"},
                        },
                    },
                    ("default", "methods"),
                ),
                "else": {"$ref": "#/$defs/auth_method"},
            },
            "rate_limits": {"type": "array", "items": {"$ref": "#/$defs/rate_limit"}},
            "errors": {"$ref": "#/$defs/errors"},
            "pagination": {"$ref": "#/$defs/pagination"},
            "retry": _obj(
                {
                    "attempts": {"type": "integer"},
                    "base": {"type": "number"},
                    "cap": {"type": "number"},
                    "total_timeout": {"type": ["number", "null"]},
                }
            ),
            "breaker": _obj(
                {
                    "failure_rate": {"type": "number"},
                    "min_calls": {"type": "integer"},
                    "window": {"type": "number"},
                    "cooldown": {"type": "number"},
                    "half_open_probes": {"type": "integer"},
                    "buckets": {"type": "integer"},
                }
            ),
            "resources": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": _NAME,
                "additionalProperties": {"$ref": "#/$defs/resource"},
            },
            "webhooks": _obj(
                {
                    "scheme": {"enum": list(WEBHOOK_SCHEMES), "x-name": "webhook scheme"},
                    "secret": {
                        "type": "string",
                        "description": "{webhook_secrets.NAME} or {credentials.NAME}",
                    },
                    "options": {
                        "type": "object",
                        "description": "the scheme's settings (hmac: header, algorithm, ...)",
                    },
                    "events": {"type": "string", "description": "where a delivery's events are"},
                    "event_id": _STR,
                    "occurred_at": {"type": ["string", "object"]},
                    "object_id": _STR,
                    "event_type": _STR,
                    "sequence": {
                        "type": "string",
                        "description": "path of the event's per-record sequence number",
                    },
                },
                ("scheme", "secret"),
            ),
            "passthrough": _obj(
                {"allow": {"type": "array", "items": {"type": "string"}}}, ("allow",)
            ),
            "hooks": {
                "type": "object",
                "propertyNames": _NAME,
                "additionalProperties": {
                    "type": "string",
                    "description": "module:function, or an interlink.hooks entry-point name",
                },
            },
        },
        "$defs": {
            "auth_method": _auth_method(),
            "pagination": _pagination(),
            "rate_limit": _rate_limit(),
            "errors": _errors(),
            "list_request": _request(listing=True),
            "request": _request(listing=False),
            "resource": _resource(),
            "variable": _variable(),
        },
    }
