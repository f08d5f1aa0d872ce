"""Spec string templates: `{credentials.token}`, `{subdomain}`, `{id}`, `{modified_after:unix_ms}`,
`{webhook_secrets.signing_secret}`.

A template is parsed once at load time into literal text and references;
what a reference may name depends on where the template stands (a `Scope`):
credentials only where auth needs them, webhook secrets (a connection's
signing secrets, which no auth method reads) only in `webhooks.secret`,
`{id}` only in single-record paths,
`{modified_after:...}` only in incremental requests. `{{` and `}}` are
literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from interlink._clock import Clock
from interlink._errors import ConfigError

__all__ = [
    "WATERMARK_FORMATS",
    "RenderContext",
    "Scope",
    "Template",
    "compile_tree",
    "format_watermark",
    "render_tree",
    "tree_templates",
]

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

WATERMARK_FORMATS: Mapping[str, str] = {
    "iso": "2024-01-31T12:00:00Z",
    "iso_ms": "2024-01-31T12:00:00.000Z",
    "unix": "1706702400",
    "unix_ms": "1706702400000",
    "date": "2024-01-31",
    "datetime_space": "2024-01-31 12:00:00",
}
"""`{modified_after:FORMAT}` formats, each with an example."""


def format_watermark(moment: datetime, fmt: str) -> str:
    """`moment` (aware; naive is taken as UTC) written in the vendor's `fmt`."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if fmt == "iso":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "iso_ms":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if fmt == "unix":
        return str(int(moment.timestamp()))
    if fmt == "unix_ms":
        return str(int(moment.timestamp() * 1000))
    if fmt == "date":
        return moment.strftime("%Y-%m-%d")
    if fmt == "datetime_space":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    raise ValueError(f"unknown watermark format {fmt!r}")


@dataclass(frozen=True, slots=True)
class Ref:
    """One `{...}` reference: kind is credential, variable, api_version, id or modified_after."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal strings and references, in order."""

    source: str
    parts: tuple[str | Ref, ...]

    @classmethod
    def parse(cls, source: str, *, where: str) -> Template:
        parts: list[str | Ref] = []
        pos = 0
        for match in _TOKEN.finditer(source):
            parts.append(source[pos : match.start()])
            pos = match.end()
            token = match[0]
            if token in ("{{", "}}"):
                parts.append(token[0])
            elif token in ("{", "}"):
                raise ConfigError(where, f"unbalanced {token!r} in template {source!r}; "
                                  "write '{{' or '}}' for a literal brace")  # fmt: skip
            else:
                parts.append(_ref(match[1], where))
        parts.append(source[pos:])
        return cls(source, tuple(p for p in parts if p != ""))

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))

    @property
    def is_literal(self) -> bool:
        return not self.refs

    def render(self, context: RenderContext) -> str:
        return "".join(p if isinstance(p, str) else context.value(p) for p in self.parts)

    def __str__(self) -> str:
        return self.source


def _ref(text: str, where: str) -> Ref:
    name = text.strip()
    if name.startswith("credentials."):
        field_name = name.removeprefix("credentials.")
        if not _NAME.match(field_name):
            raise ConfigError(where, f"bad credential name in {{{text}}}")
        return Ref("credential", field_name)
    if name.startswith("webhook_secrets."):
        field_name = name.removeprefix("webhook_secrets.")
        if not _NAME.match(field_name):
            raise ConfigError(where, f"bad webhook secret name in {{{text}}}")
        return Ref("webhook_secret", field_name)
    if name == "modified_after" or name.startswith("modified_after:"):
        fmt = name.partition(":")[2] or "iso"
        if fmt not in WATERMARK_FORMATS:
            raise ConfigError(
                where,
                f"unknown watermark format {fmt!r} in {{{text}}}; "
                f"expected one of: {', '.join(WATERMARK_FORMATS)}",
            )
        return Ref("modified_after", fmt)
    if name in ("id", "api_version"):
        return Ref(name, name)
    if not _NAME.match(name):
        raise ConfigError(
            where,
            f"bad template reference {{{text}}}; expected {{credentials.NAME}}, {{variable}}, "
            "{webhook_secrets.NAME}, {api_version}, {id} or {modified_after:FORMAT}",
        )
    return Ref("variable", name)


@dataclass(frozen=True, slots=True)
class Scope:
    """What the templates at one place of a spec may name."""

    credentials: frozenset[str] = frozenset()
    variables: frozenset[str] = frozenset()
    api_version: bool = False
    record_id: bool = False
    watermark: bool = False
    allow_credentials: bool = False
    webhook_secrets: bool = False
    """True only for `webhooks.secret`."""
    deferred: frozenset[str] = frozenset()
    """Variables read from the token answer: known only once a token is, so refused here."""

    def check(self, template: Template, where: str) -> None:
        """Raise `ConfigError` for the first reference this scope does not allow."""
        for ref in template.refs:
            problem = self._problem(ref)
            if problem:
                raise ConfigError(where, f"{problem} in template {template.source!r}")

    def _problem(self, ref: Ref) -> str | None:
        if ref.kind == "credential":
            if not self.allow_credentials:
                return "credentials may not be used here (only in auth and webhooks)"
            if ref.name not in self.credentials:
                known = ", ".join(sorted(self.credentials)) or "none"
                return f"undeclared credential {ref.name!r} (the auth methods read: {known})"
        elif ref.kind == "webhook_secret" and not self.webhook_secrets:
            return "webhook secrets may only be used in webhooks.secret"
        elif ref.kind == "variable" and ref.name in self.deferred:
            return (
                f"variable {ref.name!r} is read from the token answer (from: auth), "
                "so it may only be used in base_url"
            )
        elif ref.kind == "variable" and ref.name not in self.variables:
            known = ", ".join(sorted(self.variables)) or "none"
            return f"undeclared variable {ref.name!r} (declared: {known})"
        elif ref.kind == "api_version" and not self.api_version:
            return "{api_version} needs `api_version: {value: ..., in: path}`"
        elif ref.kind == "id" and not self.record_id:
            return "{id} is only available in get, update and delete requests"
        elif ref.kind == "modified_after" and not self.watermark:
            return "{modified_after} is only available in incremental requests"
        return None


@dataclass(frozen=True, slots=True)
class RenderContext:
    """The values templates are filled with when a request is built."""

    credentials: Mapping[str, str] = field(default_factory=dict)
    variables: Mapping[str, str] = field(default_factory=dict)
    api_version: str | None = None
    record_id: str | None = None
    modified_after: datetime | None = None
    clock: Clock | None = field(default=None, compare=False)
    """The connection's clock: what "now" is for hooks (None: the system's)."""

    def value(self, ref: Ref) -> str:
        if ref.kind == "credential":
            return _required(self.credentials, ref.name, "credential")
        if ref.kind == "webhook_secret":  # stored with the connection's credentials
            return _required(self.credentials, ref.name, "webhook_secret")
        if ref.kind == "variable":
            return _required(self.variables, ref.name, "variable")
        if ref.kind == "api_version" and self.api_version is not None:
            return self.api_version
        if ref.kind == "id" and self.record_id is not None:
            return self.record_id
        if ref.kind == "modified_after" and self.modified_after is not None:
            return format_watermark(self.modified_after, ref.name)
        raise ConfigError(ref.kind, "has no value for this request")

    def with_(self, **changes: Any) -> RenderContext:
        return RenderContext(**{**_fields(self), **changes})


def _fields(context: RenderContext) -> dict[str, Any]:
    return {name: getattr(context, name) for name in RenderContext.__dataclass_fields__}


def _required(values: Mapping[str, str], name: str, kind: str) -> str:
    value = values.get(name)
    if value is None:
        raise ConfigError(f"{kind}s.{name}", "is required by this connector, but was not given")
    return str(value)


def compile_tree(value: Any, *, where: str) -> Any:
    """JSON data with every string that holds a reference or brace parsed into a `Template`."""
    if isinstance(value, str):
        return Template.parse(value, where=where) if "{" in value or "}" in value else value
    if isinstance(value, Mapping):
        return {k: compile_tree(v, where=f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [compile_tree(v, where=f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def tree_templates(value: Any, where: str) -> Iterator[tuple[Template, str]]:
    """Every template in a compiled tree, with its place."""
    if isinstance(value, Template):
        yield value, where
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from tree_templates(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from tree_templates(v, f"{where}[{i}]")


def render_tree(value: Any, context: RenderContext) -> Any:
    """A compiled tree with its templates filled in (plain JSON data)."""
    if isinstance(value, Template):
        return value.render(context)
    if isinstance(value, Mapping):
        return {k: render_tree(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_tree(v, context) for v in value]
    return value
