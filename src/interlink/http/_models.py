"""The request and response that travel the pipeline.

Both are frozen, slotted dataclasses: a stage that changes a request (auth
adding a header, a paginator moving a cursor) makes a new one with `replace`.
Their reprs never show credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import orjson

from interlink._redact import redact_url
from interlink._types import JSON, HeaderMap

__all__ = ["Request", "Response", "encode_json"]

Purpose = Literal["api", "auth"]


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to a vendor.

    `params` are merged into the URL's query by the transport. `sensitive`
    names headers and query parameters whose values are credentials (beyond
    the well-known ones) so that reprs, logs and errors redact them.
    `purpose` is "auth" for token-endpoint calls, which bypass the vendor's API
    rate limits and breaker. `idempotency_key` makes a POST or PATCH safe to
    retry; `endpoint` names the declared endpoint for per-endpoint limits.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    timeout: float | None = None
    purpose: Purpose = "api"
    endpoint: str | None = None
    idempotency_key: str | None = None
    sensitive: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, object] | None = None,
        json: JSON = None,
        content: bytes | None = None,
        **kwargs: object,
    ) -> Request:
        """Build a request, encoding `json` with orjson and stringifying params."""
        hdrs = dict(headers or {})
        if json is not None:
            if content is not None:
                raise ValueError("Request.build: give either json= or content=, not both")
            content = encode_json(json)
            hdrs.setdefault("Content-Type", "application/json")
        str_params = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        return cls(
            method.upper(),
            url,
            headers=hdrs,
            params=str_params,
            content=content,
            **kwargs,  # type: ignore[arg-type]
        )

    def with_headers(self, headers: Mapping[str, str], *, sensitive: str | None = None) -> Request:
        """Return a copy with `headers` added (overriding same-named ones)."""
        merged = {**self.headers, **headers}
        marks = self.sensitive | {sensitive.lower()} if sensitive else self.sensitive
        return self._evolve(merged, self.params, marks)

    def with_params(self, params: Mapping[str, object], *, sensitive: str | None = None) -> Request:
        """Return a copy with query `params` added (None removes a parameter)."""
        merged = dict(self.params)
        for key, value in params.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = _param(value)
        marks = self.sensitive | {sensitive.lower()} if sensitive else self.sensitive
        return self._evolve(self.headers, merged, marks)

    def _evolve(
        self, headers: Mapping[str, str], params: Mapping[str, str], sensitive: frozenset[str]
    ) -> Request:
        # Positional construction: dataclasses.replace costs ~4x more, on every page.
        return Request(
            self.method,
            self.url,
            headers,
            params,
            self.content,
            self.timeout,
            self.purpose,
            self.endpoint,
            self.idempotency_key,
            sensitive,
        )

    @property
    def full_url(self) -> str:
        """The URL with `params` appended to its query."""
        if not self.params:
            return self.url
        joiner = "&" if urlsplit(self.url).query else "?"
        return f"{self.url}{joiner}{urlencode(self.params)}"

    @property
    def redacted_url(self) -> str:
        """`full_url` with credentials replaced: safe for logs and errors."""
        return redact_url(self.full_url, self.sensitive)

    @property
    def is_idempotent(self) -> bool:
        """True when sending this request twice has the effect of sending it once."""
        return self.method in _IDEMPOTENT or self.idempotency_key is not None

    def to_json(self) -> dict[str, Any]:
        """This request as JSON-ready data for a checkpoint, without credentials."""
        from interlink.http._serialize import request_to_json

        return request_to_json(self)

    @classmethod
    def from_json(cls, data: Any) -> Request:
        """The request `to_json` wrote (a `ConfigError` for anything else)."""
        from interlink.http._serialize import request_from_json

        return request_from_json(data)

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.redacted_url}>"


_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _param(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    return str(value)


def _decimal_text(value: Decimal) -> str:
    # Positional notation, every digit kept: str() would write 1E+2, which vendors refuse.
    if not value.is_finite():
        raise ValueError(f"a Decimal {value} has no JSON or query form: amounts must be finite")
    return format(value, "f")


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return orjson.Fragment(_decimal_text(value).encode())
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_json(data: JSON) -> bytes:
    """`data` as JSON bytes; a `Decimal` is an exact JSON number (`12.50`, never a float).

    Raises `ValueError` naming the problem for what JSON cannot carry (NaN, an object).
    """
    try:
        return orjson.dumps(data, default=_json_default)
    except orjson.JSONEncodeError as exc:
        cause = exc.__cause__
        raise ValueError(f"request body is not JSON: {cause or exc}") from None


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP response, fully read. `headers` look up case-insensitively."""

    status: int
    headers: HeaderMap
    content: bytes
    request: Request
    elapsed: float = 0.0

    def json(self) -> JSON:
        """Decode the body as JSON (raises orjson.JSONDecodeError, a ValueError)."""
        return orjson.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def __repr__(self) -> str:
        return f"<Response [{self.status}] {self.request.method} {self.request.redacted_url}>"
