"""How one provider's webhooks are read: scheme, where an event keeps its id, time and object,
and what each event type means for which resource.

`ProviderWebhooks.from_spec(spec)` builds it from a connector spec's `webhooks:`
block. Routes say what an event type does: `fetch` the record named by the
event (a thin payload is a hint: the record is read through the pipeline),
`upsert` the vendor record the event carries at `record`, `delete` it, or
`ignore` the event. Without declared routes they are inferred from the event
type's first segment (`contact.creation` -> the `contacts` resource; deletion
verbs delete, everything else fetches), which is always correct if not always
the cheapest.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson

from interlink._errors import ConfigError
from interlink.connectors import ConnectorRegistry, ConnectorSpec
from interlink.pagination._paths import BodyPath, compile_path
from interlink.webhooks._schemes import scheme_named
from interlink.webhooks._times import event_time
from interlink.webhooks._verify import SignatureScheme

__all__ = [
    "Action",
    "EventInfo",
    "EventRoute",
    "MalformedDeliveryError",
    "ProviderWebhooks",
    "WebhookProviders",
]

Action = Literal["fetch", "upsert", "delete", "ignore"]
_DELETION = ("delet", "remov", "destroy", "archiv", "trash")
_SEPARATORS = (".", "/", "_")
# Where common vendors name the event type, for a spec that declares no `event_type`.
_TYPE_KEYS = ("subscriptionType", "type", "event_type", "eventType", "topic", "action")
# Headers that identify one delivery, for an event whose body carries no id.
_DELIVERY_IDS = ("webhook-id", "x-github-delivery", "x-shopify-webhook-id",
                 "x-shopify-event-id", "x-zendesk-webhook-invocation-id")  # fmt: skip
_MAX_KEY = 180  # vendor ids longer than this are hashed into the 255-character key column


class MalformedDeliveryError(ValueError):
    """A verified JSON body whose events are not where the provider sends them, or are not
    JSON objects; the message says which and where."""


_JSON_TYPES = {str: "a string", int: "a number", float: "a number", bool: "a boolean",
               list: "an array", dict: "an object", type(None): "null"}  # fmt: skip


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


@dataclass(frozen=True, slots=True)
class EventRoute:
    """What events whose type matches `pattern` (a glob) do to `resource`."""

    pattern: str
    resource: str
    action: Action = "fetch"
    record: BodyPath | None = None
    plain: bool = False
    """Match only event types that are one bare word (BambooHR's `Updated`), no `.`, `/`, `_`."""


@dataclass(frozen=True, slots=True)
class EventInfo:
    """What processing needs from one event: its route, record and version."""

    event_type: str | None
    route: EventRoute | None
    remote_id: str | None
    occurred_at: datetime | None
    sequence: int | None


@dataclass(frozen=True, slots=True)
class ProviderWebhooks:
    """One provider's webhook reading rules, compiled once."""

    provider: str
    scheme: SignatureScheme
    event_id: BodyPath | None = None
    occurred_at: BodyPath | None = None
    object_id: BodyPath | None = None
    event_type: BodyPath | None = None
    routes: tuple[EventRoute, ...] = ()
    spec: ConnectorSpec | None = field(default=None, repr=False, compare=False)
    batch: BodyPath | None = None
    """Where a delivery holds its events (BambooHR's `employees`), when not the body itself."""
    sequence: BodyPath | None = None
    """Where an event carries its per-record sequence number (the spec's `sequence`)."""

    @classmethod
    def from_spec(
        cls,
        spec: ConnectorSpec,
        *,
        routes: Sequence[EventRoute] | None = None,
        scheme: SignatureScheme | None = None,
        scheme_options: Mapping[str, Any] | None = None,
    ) -> ProviderWebhooks:
        hooks = spec.webhooks
        if hooks is None:
            raise ConfigError(f"{spec.provider}.webhooks", "the connector declares no webhooks")
        occurred = hooks.occurred_at
        if isinstance(occurred, Mapping):
            occurred = occurred.get("path")
        occurred_path = None
        if occurred is not None:
            occurred_path = compile_path(str(occurred), where="webhooks.occurred_at")
        declared = routes if routes is not None else _inferred(spec)
        for route in declared:
            if route.resource not in spec.resources:
                problem = f"{route.pattern!r} names unknown resource {route.resource!r}"
                raise ConfigError(f"{spec.provider}.webhooks.routes", problem)
        return cls(
            provider=spec.provider,
            scheme=scheme or scheme_named(hooks.scheme, scheme_options or hooks.options),
            event_id=hooks.event_id,
            occurred_at=occurred_path,
            object_id=hooks.object_id,
            event_type=hooks.event_type,
            routes=tuple(declared),
            spec=spec,
            batch=hooks.events,
            sequence=hooks.sequence,
        )

    def events(self, document: Any) -> list[Any]:
        """The events of one delivery: at the spec's `events` path, or a JSON array (HubSpot,
        Salesforce), or the body as one event.

        A delivery without the declared events array, or with an event that is not a JSON
        object, is a `MalformedDeliveryError` naming what was wrong: it is refused, not stored.
        """
        if self.batch is not None:
            found = self.batch.get(document)
            where = f"the body's {self.batch.source!r} array"
            if not isinstance(found, list):
                what = "is missing" if found is None else f"is {_json_type(found)}"
                raise MalformedDeliveryError(
                    f"{self.provider} delivers its events in a {self.batch.source!r} array; "
                    f"in this body it {what}"
                )
            events = list(found)
        elif isinstance(document, list):
            events, where = list(document), "the body's array"
        else:
            events, where = [document], "the body"
        for n, event in enumerate(events):
            if not isinstance(event, dict):
                raise MalformedDeliveryError(
                    f"event {n} of {where} is {_json_type(event)}, not a JSON object"
                )
        return events

    def dedupe_key(
        self, connection_id: str, event: Any, headers: Mapping[str, str], *, batch: bool
    ) -> str:
        """`{connection}:{vendor event id}`; a delivery id header; else the content's hash."""
        vendor = None if self.event_id is None else self.event_id.get(event)
        if vendor is None and not batch:
            lower = {k.lower(): v for k, v in headers.items()}
            vendor = next((lower[h] for h in _DELIVERY_IDS if lower.get(h)), None)
        if vendor is None or vendor == "":
            digest = hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()
            return f"{connection_id}:sha256:{digest}"
        text = str(vendor)
        if len(text) > _MAX_KEY:
            text = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        return f"{connection_id}:{text}"

    def describe(self, event: Any, headers: Mapping[str, str] | None = None) -> EventInfo:
        """Route, record id and version of `event` (`headers`: its delivery's, as stored)."""
        event_type = self._event_type(event, headers or {})
        route = self._route(event_type)
        remote = None if self.object_id is None else self.object_id.get(event)
        if remote is None and route is not None and route.record is not None:
            record = route.record.get(event)
            remote = record.get("id") if isinstance(record, dict) else None
        occurred = None if self.occurred_at is None else event_time(self.occurred_at.get(event))
        if self.sequence is not None:
            sequence = _integer(self.sequence.get(event))
        elif occurred is not None:
            # Undeclared, an integer event id only breaks ties of the vendor's time: ids are
            # unique, not promised to grow per record, so they never order events alone.
            sequence = _integer(None if self.event_id is None else self.event_id.get(event))
        else:
            sequence = None
        return EventInfo(
            event_type=event_type,
            route=route,
            remote_id=None if remote is None or remote == "" else str(remote),
            occurred_at=occurred,
            sequence=sequence,
        )

    def _event_type(self, event: Any, headers: Mapping[str, str]) -> str | None:
        lower = {k.lower(): v for k, v in headers.items()}
        # Vendors that name the event in a header: Shopify's topic ("customers/update"),
        # GitHub's event, refined by the body's action ("issues.opened").
        if lower.get("x-shopify-topic"):
            return lower["x-shopify-topic"]
        if lower.get("x-github-event"):
            action = event.get("action") if isinstance(event, dict) else None
            kind = lower["x-github-event"]
            return f"{kind}.{action}" if isinstance(action, str) else kind
        if self.event_type is not None:
            value = self.event_type.get(event)
            return None if value is None else str(value)
        if isinstance(event, dict):
            for key in _TYPE_KEYS:
                if isinstance(event.get(key), str):
                    return str(event[key])
        return None

    def _route(self, event_type: str | None) -> EventRoute | None:
        if event_type is None:
            return next((r for r in self.routes if r.pattern == "*" and not r.plain), None)
        bare = not any(sep in event_type for sep in _SEPARATORS)
        lowered = event_type.lower()  # vendors differ in case: Deleted, deleted, DELETED
        for route in self.routes:
            if (bare or not route.plain) and fnmatch.fnmatchcase(lowered, route.pattern.lower()):
                return route
        return None


def _integer(value: Any) -> int | None:
    """A sequence number: an integer, or a string of digits, within a signed 64-bit column."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    return None


def _inferred(spec: ConnectorSpec) -> list[EventRoute]:
    """Routes by naming convention: `contact.*` / `contacts/*` -> the `contacts` resource;
    with a single fetchable resource, a bare verb (`Updated`, `Deleted`) goes to it too."""
    routes: list[EventRoute] = []
    fetchable = [n for n, r in spec.resources.items() if "get" in r.operations]
    for name in fetchable:
        resource = spec.resources[name]
        singular = name.removesuffix("s")
        for stem in dict.fromkeys((singular, name, resource.model.rsplit(".", 1)[-1])):
            for sep in _SEPARATORS:
                for verb in _DELETION:
                    routes.append(EventRoute(f"{stem}{sep}{verb}*", name, "delete"))
                routes.append(EventRoute(f"{stem}{sep}*", name, "fetch"))
    if len(fetchable) == 1:
        (only,) = fetchable
        routes.extend(EventRoute(f"*{verb}*", only, "delete", plain=True) for verb in _DELETION)
        routes.append(EventRoute("*", only, "fetch", plain=True))
    return routes


class WebhookProviders:
    """Each provider's `ProviderWebhooks`, compiled on first use from the connector registry.

    `overrides` replace what a spec says for a provider (declared routes, a
    scheme with settings), and add providers whose specs declare no webhooks.
    """

    def __init__(
        self,
        registry: ConnectorRegistry | None = None,
        *,
        overrides: Mapping[str, ProviderWebhooks] | None = None,
    ) -> None:
        self._registry = registry or ConnectorRegistry.default()
        self._compiled: dict[str, ProviderWebhooks] = dict(overrides or {})

    def get(self, provider: str) -> ProviderWebhooks | None:
        """The provider's webhook rules; None for an unknown provider or one without webhooks."""
        found = self._compiled.get(provider)
        if found is None and provider in self._registry:
            spec = self._registry.get(provider)
            if spec.webhooks is not None:
                found = self._compiled[provider] = ProviderWebhooks.from_spec(spec)
        return found
