"""Every error the API answers is RFC 9457 problem details, `application/problem+json`.

Handlers here turn whatever went wrong (a refused request, a validation error,
an unknown route, a vendor failure, a bug) into one small JSON document with
`type`, `title`, `status` and `detail`, plus `provider`, `retryable` and
`upstream_status` when a vendor was involved. A bug answers 500 with a request
id to quote, never a stack trace: the trace goes to the log only.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.responses import Response

from interlink._errors import (
    PROBLEM_BASE,
    ConfigError,
    FatalError,
    MappingError,
    PaginationError,
    UpstreamError,
    VaultError,
)
from interlink.mapping import InvalidWriteError

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_RESPONSES",
    "Problem",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("interlink.server")


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, as every error of the API is answered."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    provider: str | None = None
    retryable: bool | None = None
    upstream_status: int | None = None


_SCHEMA = ProblemDetails.model_json_schema()
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    key: {"description": text, "content": {PROBLEM_JSON: {"schema": _SCHEMA}}}
    for key, text in (
        ("4XX", "The request was refused: problem details say what was wrong and where"),
        ("5XX", "Interlink or the vendor failed: problem details, never a stack trace"),
    )
}
"""Documented on every route: errors are `application/problem+json`."""


class Problem(Exception):  # noqa: N818 - it is the answer, not a failure of the server
    """Raise to answer with problem details: `Problem(404, "not-found", "no record 'x'")`."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extras: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = dict(headers or {})
        self.extras = {k: v for k, v in extras.items() if v is not None}

    def body(self) -> dict[str, Any]:
        return {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extras,
        }


def problem_response(
    body: Mapping[str, Any], status: int, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body), status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


def _callers_data(request: Request, exc: Exception) -> bool:
    if request.method not in ("POST", "PATCH", "PUT"):
        return False
    if isinstance(exc, MappingError):
        return True
    return (
        isinstance(exc, FatalError)
        and not isinstance(exc, PaginationError)
        and exc.upstream_status in (400, 422)
    )


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc.body(), exc.status, exc.headers)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        detail = f"no route {request.url.path}; see /docs for the API"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    else:
        detail = str(exc.detail)
    kind = {404: "not-found", 405: "method-not-allowed"}.get(status, "http-error")
    body = Problem(status, kind, detail).body()
    return problem_response(body, status, exc.headers)


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        head, rest = parts[0], parts[1:]
        return f"{head} {'.'.join(rest)}" if rest else head
    return ".".join(parts) or "request"


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"where": _where(tuple(e.get("loc", ()))), "problem": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['where']}: {e['problem']}" for e in errors[:5])
    body = Problem(422, "invalid-request", detail, title="Invalid request", errors=errors).body()
    return problem_response(body, 422)


async def _upstream(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UpstreamError | MappingError)
    body = exc.to_problem()
    body.setdefault("provider", getattr(exc, "provider", None))
    if _callers_data(request, exc):
        # The vendor (or the reverse mapping) refused what the caller sent: their request is
        # what must change, so it is a 422 like any other invalid input, not a gateway error.
        body["status"] = 422
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    log.info("api.vendor_error", kind=body["type"], status=body["status"], detail=str(exc))
    return problem_response(body, int(body["status"]), headers)


async def _config(request: Request, exc: Exception) -> Response:
    # A connection that cannot be opened (disabled, no credentials, a bad spec variable).
    assert isinstance(exc, ConfigError)
    return problem_response(Problem(409, "connection-unusable", str(exc)).body(), 409)


async def _invalid_write(request: Request, exc: Exception) -> Response:
    # Checked by the client before any I/O: a field the connector cannot write is the caller's.
    assert isinstance(exc, InvalidWriteError)
    where = f"body {exc.field}"
    errors = [{"where": where, "problem": exc.problem}]
    body = Problem(
        422,
        "invalid-request",
        f"{where}: {exc.problem}",
        title="Invalid request",
        errors=errors,
        provider=exc.provider,
    ).body()
    return problem_response(body, 422)


async def _vault(request: Request, exc: Exception) -> Response:
    log.error("api.vault_error", error=str(exc), request_id=_request_id(request))
    detail = "the connection's credentials cannot be opened; an operator must check the vault key"
    return problem_response(Problem(500, "credentials-unavailable", detail).body(), 500)


async def _crash(request: Request, exc: Exception) -> Response:
    request_id = _request_id(request)
    log.error(
        "api.crashed", path=request.url.path, error=repr(exc), request_id=request_id, exc_info=exc
    )
    detail = "the request failed inside Interlink; quote the request id when reporting it"
    body = Problem(500, "internal-error", detail, request_id=request_id).body()
    return problem_response(body, 500)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of `app` as problem details."""
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(UpstreamError, _upstream)
    app.add_exception_handler(MappingError, _upstream)
    app.add_exception_handler(InvalidWriteError, _invalid_write)
    app.add_exception_handler(ConfigError, _config)
    app.add_exception_handler(VaultError, _vault)
    app.add_exception_handler(Exception, _crash)
