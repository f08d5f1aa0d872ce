"""What a vendor said when a call failed: its error code and message, secret-free.

Runs only on the failure path. Vendors disagree on where the words go, so
the common shapes are tried in order unless a contract names the paths.
Some vendors echo the request back in their error (URL, token included), so
every message is scrubbed of the request's own credential values.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, quote_plus, urlsplit

import orjson

from interlink._redact import REDACTED, SENSITIVE_HEADERS, SENSITIVE_PARAMS
from interlink._types import JSON
from interlink.http._models import Request, Response

__all__ = ["describe", "peek_body", "scrub_secrets"]

MESSAGE_LIMIT = 300
_CODE_KEYS = ("code", "errorCode", "error_code")
_NESTED_CODE_KEYS = (*_CODE_KEYS, "type")
_MESSAGE_KEYS = ("message", "error_description")
_NESTED_MESSAGE_KEYS = ("message", "detail", "title", "description")
_FALLBACK_MESSAGE_KEYS = ("detail", "title", "error_message", "msg", "description")
_TOKEN_ENDPOINT_KEYS = ("error", "error_description")
_SHORTEST_SECRET = 4  # shorter values would shred ordinary words


def describe(
    body: JSON, code_path: tuple[str | int, ...] = (), message_path: tuple[str | int, ...] = ()
) -> tuple[str | None, str | None]:
    """The vendor's (error code, message) in `body`, each None when absent."""
    code = _scalar(_at(body, code_path)) if code_path else None
    message = _scalar(_at(body, message_path)) if message_path else None
    if code is None or message is None:
        guessed_code, guessed_message = _guess(body)
        code = code if code is not None else guessed_code
        message = message if message is not None else guessed_message
    return (_clip(code) if code else None), (_clip(message) if message else None)


def peek_body(response: Response) -> JSON:
    """An error response's body: decoded JSON when it is JSON, else a short text."""
    content = response.content
    if not content or content.isspace():
        return None
    data: JSON
    if content.lstrip()[:1] in (b"{", b"["):
        try:
            data = orjson.loads(content)
        except orjson.JSONDecodeError:
            data = _short_text(content)
    else:
        data = _short_text(content)
    if response.request.purpose == "auth":
        # A token endpoint's body can hold credentials: keep only the OAuth error fields.
        if not isinstance(data, dict):
            return None
        return {k: data[k] for k in _TOKEN_ENDPOINT_KEYS if k in data}
    return data


def scrub_secrets(text: str, request: Request) -> str:
    """`text` with every credential value the request carried replaced."""
    for secret in _secrets(request):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _guess(body: JSON) -> tuple[str | None, str | None]:
    if isinstance(body, list):  # Salesforce: [{"message": ..., "errorCode": ...}]
        return _guess(body[0]) if body else (None, None)
    if isinstance(body, str):
        return None, body
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    errors = body.get("errors")
    nested: dict[str, JSON] | None = None
    if isinstance(error, dict):  # Stripe: {"error": {"message", "code", "type"}}
        nested = error
    elif isinstance(errors, list) and errors and isinstance(errors[0], dict):
        nested = errors[0]
    code = _first(body, _CODE_KEYS)
    if code is None and nested is not None:
        code = _first(nested, _NESTED_CODE_KEYS)
    if code is None and isinstance(error, str) and error and " " not in error:
        code = error  # Slack and OAuth: {"error": "invalid_auth"}
    message = _first(body, _MESSAGE_KEYS)
    if message is None and nested is not None:
        message = _first(nested, _NESTED_MESSAGE_KEYS)
    if message is None and isinstance(error, str):
        message = _scalar(error)
    if message is None and isinstance(errors, list) and errors:
        message = _scalar(errors[0])
    if message is None and isinstance(errors, dict) and errors:  # Rails: {"email": ["is taken"]}
        field, problems = next(iter(errors.items()))
        first = problems[0] if isinstance(problems, list) and problems else problems
        message = f"{field}: {_scalar(first) or ''}".rstrip(": ")
    if message is None:
        message = _first(body, _FALLBACK_MESSAGE_KEYS)
    return code, message


def _at(body: JSON, path: tuple[str | int, ...]) -> JSON:
    for part in path:
        if isinstance(part, int) and isinstance(body, list):
            body = body[part] if -len(body) <= part < len(body) else None
        elif isinstance(body, dict):
            body = body.get(str(part))
        else:
            return None
    return body


def _first(data: dict[str, JSON], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = _scalar(data.get(key))
        if value is not None:
            return value
    return None


def _scalar(value: JSON) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _clip(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _short_text(content: bytes) -> str | None:
    """A readable line from a plain-text or HTML body (an error page, a proxy's 502)."""
    text = content[: MESSAGE_LIMIT * 16].decode("utf-8", errors="replace")
    lowered = text.lower()
    start = lowered.find("<title>")
    if start != -1:
        end = lowered.find("</title>", start)
        if end != -1:
            text = html.unescape(text[start + len("<title>") : end])
    elif lowered.lstrip().startswith(("<!doctype", "<html")):
        text = _strip_tags(text)
    collapsed = " ".join(text.split())
    return _clip(collapsed) if collapsed else None


def _strip_tags(text: str) -> str:
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "<":
            depth += 1
        elif char == ">" and depth:
            depth -= 1
            out.append(" ")
        elif not depth:
            out.append(char)
    return html.unescape("".join(out))


def _secrets(request: Request) -> list[str]:
    marked = request.sensitive
    found: list[str] = []
    for name, value in request.headers.items():
        lowered = name.lower()
        if lowered in SENSITIVE_HEADERS or lowered in marked:
            found.append(value)
            _, _, credential = value.partition(" ")  # "Bearer <token>", "Basic <b64>"
            found.append(credential)
    url = urlsplit(request.url)
    pairs = [*request.params.items(), *parse_qsl(url.query, keep_blank_values=True)]
    for name, value in pairs:
        lowered = name.lower()
        if lowered in SENSITIVE_PARAMS or lowered in marked:
            found.append(value)
            found.append(quote_plus(value))  # as echoed inside a URL
    found.extend(part for part in (url.username, url.password) if part)
    # Longest first, so a whole "Bearer xyz" goes before its "xyz".
    return sorted({s for s in found if len(s) >= _SHORTEST_SECRET}, key=len, reverse=True)
