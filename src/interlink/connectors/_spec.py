"""A compiled connector spec: frozen objects holding ready-built pipeline declarations.

Nothing here is parsed again at run time: templates are parsed, paginators,
rate-limit policies, the error contract, the retry policy and the breaker
configuration are built, mappings are compiled and hooks are imported when
the spec loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from interlink.breaker import BreakerConfig
from interlink.connectors._answers import RecordsHook
from interlink.connectors._condition import ConditionSpec
from interlink.connectors._hooks import Hook
from interlink.connectors._templates import RenderContext, Template
from interlink.http import ErrorContract
from interlink.mapping import CompiledMapping
from interlink.pagination import BodyPath, PaginatorSpec
from interlink.ratelimit import Policy
from interlink.retry import RetryPolicy

__all__ = [
    "OPERATIONS",
    "ApiVersionSpec",
    "AuthMethodSpec",
    "ConnectorSpec",
    "Operation",
    "RequestSpec",
    "ResourceSpec",
    "VariableSpec",
    "WebhookSpec",
]

Operation = Literal["list", "incremental", "deleted", "get", "create", "update", "delete"]
OPERATIONS: tuple[Operation, ...] = (
    "list", "incremental", "deleted", "get", "create", "update", "delete",
)  # fmt: skip
LISTINGS: tuple[Operation, ...] = ("list", "incremental", "deleted")
_SECRET_KINDS = frozenset({"credential", "webhook_secret"})


@dataclass(frozen=True, slots=True)
class VariableSpec:
    """A per-connection value used in URLs: given by the user, or read from the token answer.

    `source="auth"`: the value is the token answer's `field` (a dotted path into it), or,
    with `part="host"`, that URL's host (and port); a connection may still give it, which
    it must when its auth method has no token answer. Such a variable is known only once a
    token is, so only `base_url` may use it.
    """

    name: str
    source: Literal["connection", "auth"]
    pattern: str | None = None
    field: str | None = None
    description: str | None = None
    default: str | None = None
    part: Literal["value", "host"] = "value"


@dataclass(frozen=True, slots=True)
class ApiVersionSpec:
    """A pinned API version: in paths as `{api_version}`, or sent in a header."""

    value: str
    placement: Literal["path", "header"]
    header: str | None = None


@dataclass(frozen=True, slots=True)
class AuthMethodSpec:
    """One way a connection can authenticate; `secrets` are templates over its credentials."""

    name: str
    type: str
    secrets: Mapping[str, Template] = field(default_factory=dict)
    placement: Literal["header", "query"] = "header"
    header_name: str | None = None
    prefix: str | None = None
    token_url: Template | None = None
    authorize_url: str | None = None
    client_auth: Literal["client_secret_post", "client_secret_basic"] = "client_secret_basic"
    scopes: tuple[str, ...] = ()
    extra_params: Mapping[str, str] = field(default_factory=dict)
    refresh_ratio: float = 0.8
    credentials: frozenset[str] = frozenset()
    """The credential fields this method reads (templates, plus OAuth's client and tokens)."""

    @property
    def is_oauth(self) -> bool:
        return self.type.startswith("oauth2_")


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One declared request: method, path template, params/json/headers trees, how to read it."""

    method: str
    path: Template
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, Any] = field(default_factory=dict)
    records: BodyPath | None = None
    pagination: PaginatorSpec | None = None
    endpoint: str | None = None
    body_path: BodyPath | None = None
    idempotency_header: str | None = None
    hook: Hook | None = None
    records_hook: RecordsHook | None = None
    """Reshapes the records of each answer before mapping (connectors/_answers.py)."""
    read_back: bool = False
    """create/update: the answer has no record; read it back with `get`."""
    condition: ConditionSpec | None = None
    """update: how the vendor takes the version last read, to refuse overwriting a newer one."""


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """A listable/writable collection of the provider, mapped to one unified model."""

    name: str
    model: str
    id: BodyPath
    mapping: CompiledMapping
    operations: Mapping[Operation, RequestSpec]

    def supports(self, operation: Operation) -> bool:
        return operation in self.operations


@dataclass(frozen=True, slots=True)
class WebhookSpec:
    """How the provider signs webhooks and where an event carries its id, time and object.

    `secret` names where a connection's signing secret is kept: a webhook secret
    (`{webhook_secrets.signing_secret}`: Stripe's whsec_, Shopify's app secret, a
    BambooHR webhook's private key), or an auth credential (`{credentials.client_secret}`:
    HubSpot signs with the app's). `secrets(credentials)` gives a connection's active ones.
    """

    scheme: str
    secret: Template
    event_id: BodyPath | None = None
    occurred_at: Any = None
    object_id: BodyPath | None = None
    event_type: BodyPath | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    """The scheme's settings (`hmac`: header, algorithm, encoding, prefix)."""
    events: BodyPath | None = None
    """Where a delivery holds its events (BambooHR: `employees`); else the body is one
    event, or a JSON array of them."""
    sequence: BodyPath | None = None
    """Where an event carries its per-record sequence number (an integer that grows with
    each change): events are ordered by it, after the vendor's time when there is one."""

    @property
    def secret_names(self) -> frozenset[str]:
        """The stored fields the secret is read from (webhook secrets and credentials)."""
        return frozenset(r.name for r in self.secret.refs if r.kind in _SECRET_KINDS)

    def secrets(self, credentials: Mapping[str, str]) -> tuple[str, ...]:
        """A connection's active signing secrets, newest first: the secret, then, while it
        is being rotated, the one rendered from each `NAME_previous` that is stored.

        A missing secret is a `ConfigError` naming it (`webhook_secrets.signing_secret`).
        """
        found = [self.secret.render(RenderContext(credentials=credentials))]
        names = self.secret_names
        if names and all(f"{n}_previous" in credentials for n in names):
            previous = {**credentials, **{n: credentials[f"{n}_previous"] for n in names}}
            found.append(self.secret.render(RenderContext(credentials=previous)))
        return tuple(dict.fromkeys(s for s in found if s))


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    """A provider, compiled: what `ConnectorRegistry.get(name)` returns."""

    provider: str
    title: str
    base_url: Template
    auth_methods: Mapping[str, AuthMethodSpec]
    default_auth: str
    resources: Mapping[str, ResourceSpec]
    categories: tuple[str, ...] = ()
    docs_url: str | None = None
    variables: Mapping[str, VariableSpec] = field(default_factory=dict)
    api_version: ApiVersionSpec | None = None
    rate_limits: tuple[Policy, ...] = ()
    errors: ErrorContract | None = None
    pagination: PaginatorSpec | None = None
    retry: RetryPolicy | None = None
    breaker: BreakerConfig | None = None
    webhooks: WebhookSpec | None = None
    passthrough: tuple[str, ...] = ()
    hooks: Mapping[str, Hook] = field(default_factory=dict)
    source: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The spec's data as written (for `interlink connectors show --json`)."""

    @property
    def credentials(self) -> frozenset[str]:
        """Every credential field any auth method reads."""
        return frozenset().union(*(m.credentials for m in self.auth_methods.values()))

    @property
    def webhook_secrets(self) -> frozenset[str]:
        """The webhook secrets a connection stores beside its credentials to verify deliveries."""
        if self.webhooks is None:
            return frozenset()
        return frozenset(r.name for r in self.webhooks.secret.refs if r.kind == "webhook_secret")
