"""Small HTTP helpers shared by every vendor module: orjson responses and strict body parsing."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "Reply",
    "RequestError",
    "basic_authorization",
    "basic_credentials",
    "json_response",
    "read_json_object",
]


class RequestError(Exception):
    """The vendor rejects the request with a 4xx; the message says what was wrong.

    Raise it anywhere in a handler: the simulator renders it in the vendor's error shape.
    """

    def __init__(self, message: str, status: int = 400, category: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.category = message, status, category


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or `RequestError` naming what is wrong with it."""
    body = await request.body()
    if not body:
        raise RequestError("The request body is empty; a JSON object was expected.")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestError(f"Invalid input JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RequestError(f"Invalid input JSON: expected an object, got {type(data).__name__}")
    return data


class Reply(Exception):  # noqa: N818 (control flow carrying a response, not an error)
    """Stop handling and answer with this response (an auth failure, a 429...).

    Lets a vendor's shared checks (`authorize`, limits) end a request from deep
    inside a handler without every handler threading responses back up.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """(user, password) from `Authorization: Basic ...`, or None when absent or malformed."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def basic_authorization(user: str, password: str) -> str:
    """The `Authorization` header value for HTTP Basic auth (RFC 7617)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
