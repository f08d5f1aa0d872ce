"""Variables the token answer fills in: Salesforce's org host comes from `instance_url`.

A spec variable declared `from: auth` is unknown until a token is: requests
are built with a placeholder host under `.invalid` (RFC 6761: it never
resolves, so a request that escaped unfilled fails to connect instead of
reaching a stranger), and this auth flow replaces it in each API request's URL
with the value of the token set it just attached. Only `base_url` may use
such a variable (the loader checks), so the URL is the one place to fill.
A refreshed answer naming another instance moves later calls there.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import urlsplit

from interlink._errors import FatalError
from interlink.auth import Auth, TokenSet
from interlink.connectors import VariableSpec
from interlink.http import Request, Response

__all__ = ["Deferred", "TokenAnswerVariables", "deferred_variable"]

_SUFFIX = ".from-token-answer.invalid"


class TokenAuth(Auth, Protocol):
    """An OAuth flow: it knows the token set it sends."""

    @property
    def tokens(self) -> TokenSet | None: ...


@dataclass(frozen=True, slots=True)
class Deferred:
    """A variable to read from the token answer, and what requests hold until then."""

    variable: VariableSpec
    placeholder: str


def deferred_variable(variable: VariableSpec) -> Deferred:
    """The placeholder of `variable`: a host, or an https URL when the whole value is a URL."""
    host = variable.name.replace("_", "-").lower() + _SUFFIX
    return Deferred(variable, host if variable.part == "host" else f"https://{host}")


class TokenAnswerVariables:
    """Wraps an OAuth flow; fills each API request's placeholders from its token answer."""

    __slots__ = ("_filled", "_inner", "_variables")

    def __init__(self, inner: TokenAuth, variables: Sequence[Deferred]) -> None:
        self._inner = inner
        self._variables = tuple(variables)
        self._filled: tuple[TokenSet | None, dict[str, str]] = (None, {})

    @property
    def tokens(self) -> TokenSet | None:
        return self._inner.tokens

    async def auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        flow = self._inner.auth_flow(request)
        try:
            outgoing = await flow.__anext__()
            while True:
                if outgoing.purpose != "auth":
                    outgoing = self._fill(outgoing)
                response = yield outgoing
                try:
                    outgoing = await flow.asend(response)
                except StopAsyncIteration:
                    return
        finally:
            await flow.aclose()

    def _fill(self, request: Request) -> Request:
        url = request.url
        if _SUFFIX not in url:
            return request
        values = self._values(request)
        for deferred in self._variables:
            url = url.replace(deferred.placeholder, values[deferred.variable.name])
        if not url.startswith(("https://", "http://")):
            raise FatalError(
                "the token answer does not make base_url an http(s) URL", request=request
            )
        return replace(request, url=url)

    def _values(self, request: Request) -> dict[str, str]:
        tokens = self._inner.tokens
        cached_for, values = self._filled
        if tokens is not None and tokens is cached_for:
            return values
        extras = tokens.extras if tokens is not None else {}
        values = {d.variable.name: _value(d.variable, extras, request) for d in self._variables}
        self._filled = (tokens, values)
        return values

    def __repr__(self) -> str:
        names = ", ".join(d.variable.name for d in self._variables)
        return f"<TokenAnswerVariables {names} of {self._inner!r}>"


def _lookup(extras: Mapping[str, Any], path: str) -> Any:
    value: Any = extras
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _value(variable: VariableSpec, extras: Mapping[str, Any], request: Request) -> str:
    field = variable.field or variable.name
    where = f"variables.{variable.name}"
    found = _lookup(extras, field)
    if not isinstance(found, str) or not found:
        raise FatalError(
            f"the token answer has no {field!r}, which {where} (in base_url) is read from; "
            "give the variable with the connection instead",
            request=request,
        )
    value = found
    if variable.part == "host":
        parts = urlsplit(found)
        value = parts.netloc
        if parts.scheme not in ("http", "https") or not value or "@" in value:
            raise FatalError(
                f"the token answer's {field!r} is not a URL with a host", request=request
            )
    if variable.pattern is not None and not re.fullmatch(variable.pattern, value):
        # Never echo it: a value from the vendor lands in URLs that carry credentials.
        raise FatalError(
            f"the token answer's {field!r} does not match {where}.pattern", request=request
        )
    return value
