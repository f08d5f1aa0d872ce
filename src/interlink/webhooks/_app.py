"""The intake endpoint: `POST /webhooks/{provider}/{connection_id}`, an ASGI app (Starlette).

Order of checks, cheapest refusal first: the target exists (404), the body is
within the size limit while it streams in (413), the signature and its
timestamp verify (401), the body is JSON and its events are JSON objects where
the provider sends them (400). Then the events are stored
durably and only then acknowledged (200), a redelivery answered 200 too but
stored once. Every refusal is a small `application/problem+json` with a
reason code, never a stack trace, and is counted by provider and reason.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import orjson
import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from interlink._clock import Clock, SystemClock
from interlink._errors import PROBLEM_BASE, StoreError
from interlink.webhooks._batch import GroupCommit
from interlink.webhooks._config import MalformedDeliveryError, WebhookProviders
from interlink.webhooks._inbox import Delivery, Inbox
from interlink.webhooks._metrics import IntakeMetrics
from interlink.webhooks._targets import IntakeTarget
from interlink.webhooks._verify import WebhookVerificationError

__all__ = ["TargetResolver", "WebhookIntake"]

log = structlog.get_logger("interlink.webhooks")
T = TypeVar("T")
PATH = "/webhooks/{provider}/{connection_id}"
_TITLES = {400: "Malformed webhook", 401: "Webhook not verified", 404: "Unknown webhook target",
           405: "Method not allowed", 413: "Webhook too large", 500: "Internal error",
           503: "Webhook not stored"}  # fmt: skip
# Never stored with an event: they authenticate the delivery, they are not part of it.
_SECRET_HEADER = re.compile("signature|hmac|authorization|cookie|token", re.IGNORECASE)


class TargetResolver(Protocol):
    """Finds a delivery's connection (synchronous: called on the intake's worker thread)."""

    providers: WebhookProviders

    def resolve(self, provider: str, connection_id: str) -> IntakeTarget | None: ...

    def cached(self, provider: str, connection_id: str) -> IntakeTarget | None:
        """The target when a recent `resolve` found it (cheap: called on the event loop)."""
        ...


def problem(status: int, reason: str, detail: str, provider: str | None = None) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + "webhook-" + reason.replace("_", "-"),
        "title": _TITLES.get(status, "Webhook refused"),
        "status": status,
        "detail": detail,
        "reason": reason,
    }
    if provider is not None:
        body["provider"] = provider
    return Response(orjson.dumps(body), status, media_type="application/problem+json")


def _is_challenge(document: dict[str, Any]) -> bool:
    return document.get("type") == "url_verification" and isinstance(document.get("challenge"), str)


class _Refused(Exception):  # noqa: N818 - control flow inside the handler only
    def __init__(self, status: int, reason: str, detail: str) -> None:
        self.status, self.reason, self.detail = status, reason, detail


class WebhookIntake:
    """The intake as an ASGI app; mount it in a server or serve it alone."""

    def __init__(
        self,
        inbox: Inbox,
        targets: TargetResolver,
        *,
        clock: Clock | None = None,
        max_body: int = 1024 * 1024,
        metrics: IntakeMetrics | None = None,
        public_url: str | None = None,
    ) -> None:
        self.inbox, self.targets = inbox, targets
        self.metrics = metrics or IntakeMetrics()
        self._clock: Clock = clock or SystemClock()
        self._max_body = max_body
        self._public_url = public_url.rstrip("/") if public_url else None
        # One worker: SQLite has one writer, and reads of connections are quick.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="interlink-intake")
        self._commits = GroupCommit(inbox, self._call)
        self.app = Starlette(
            routes=[Route(PATH, self.receive, methods=["POST"])],
            exception_handlers={HTTPException: self._http_error, Exception: self._crash},
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def close(self) -> None:
        self._db.shutdown(wait=True)

    async def _call(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, lambda: fn(*args, **kw))

    async def receive(self, request: Request) -> Response:
        provider = request.path_params["provider"]
        connection_id = request.path_params["connection_id"]
        try:
            return await self._receive(request, provider, connection_id)
        except _Refused as refused:
            label = provider if self.targets.providers.get(provider) is not None else "unknown"
            self.metrics.rejected(label, refused.reason)
            return problem(refused.status, refused.reason, refused.detail, provider)

    async def _receive(self, request: Request, provider: str, connection_id: str) -> Response:
        if self.targets.providers.get(provider) is None:
            raise _Refused(404, "unknown_provider", f"no provider {provider!r} receives webhooks")
        try:
            target = self.targets.cached(provider, connection_id) or await self._call(
                self.targets.resolve, provider, connection_id
            )
        except StoreError as exc:
            log.warning("webhooks.target_unavailable", provider=provider, error=str(exc))
            raise _Refused(503, "store_unavailable", "the inbox is unavailable; retry") from None
        if target is None:
            raise _Refused(404, "unknown_connection",
                           f"no active {provider} connection {connection_id!r}")  # fmt: skip
        body = await self._body(request)
        scheme = target.webhooks.scheme
        url = self._url(request) if getattr(scheme, "signs_url", False) else ""
        try:
            scheme.verify(
                request.headers, body, target.secrets, self._clock.time(),
                method=request.method, url=url,
            )  # fmt: skip
        except WebhookVerificationError as exc:
            raise _Refused(401, exc.reason, exc.message) from None
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise _Refused(400, "malformed_json", f"the body is not JSON: {exc}") from None
        if not isinstance(document, dict | list):
            raise _Refused(400, "malformed_json", "the body must be a JSON object or array")
        if scheme.name == "slack_v0" and isinstance(document, dict) and _is_challenge(document):
            # Slack checks a new Events API URL by asking it to echo a challenge (signed
            # like any event): answered, not stored, since it is not an event.
            return Response(orjson.dumps({"challenge": document["challenge"]}), 200,
                            media_type="application/json")  # fmt: skip
        return await self._store(request, target, document)

    def _url(self, request: Request) -> str:
        """The URL as the vendor addressed it: behind a proxy, `public_url` + the path."""
        if self._public_url is None:
            return str(request.url)
        query = request.url.query
        return self._public_url + request.url.path + (f"?{query}" if query else "")

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_body:
            raise _Refused(413, "too_large", f"the body exceeds {self._max_body} bytes")
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > self._max_body:  # stop reading: the rest is never buffered
                    raise _Refused(413, "too_large", f"the body exceeds {self._max_body} bytes")
                chunks.append(chunk)
        except ClientDisconnect:
            raise _Refused(400, "incomplete_body", "the sender disconnected mid-body") from None
        return b"".join(chunks)

    async def _store(self, request: Request, target: IntakeTarget, document: Any) -> Response:
        webhooks = target.webhooks
        try:
            events = webhooks.events(document)
        except MalformedDeliveryError as exc:
            raise _Refused(400, "malformed_event", str(exc)) from None
        batch = isinstance(document, list)
        keyed = [
            (webhooks.dedupe_key(target.connection_id, event, request.headers, batch=batch), event)
            for event in events
        ]
        headers = {k: v for k, v in request.headers.items() if not _SECRET_HEADER.search(k)}
        try:
            accepted = await self._commits.accept(
                Delivery(target.provider, target.connection_id, target.tenant_id, headers, keyed)
            )
        except StoreError as exc:
            log.warning("webhooks.store_failed", provider=target.provider, error=str(exc))
            raise _Refused(503, "store_unavailable", "the inbox is unavailable; retry") from None
        self.metrics.received(target.provider, accepted.stored, accepted.duplicates)
        # The outcome travels in headers and the body stays empty: uvicorn writes a
        # response's head and a non-empty body in two syscalls, a bodiless one in one.
        return Response(status_code=200, headers={
            "interlink-stored": str(accepted.stored),
            "interlink-duplicates": str(accepted.duplicates),
        })  # fmt: skip

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        reason = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
        detail = f"{request.method} {request.url.path}: only POST {PATH} is served"
        return problem(status, reason, detail)

    async def _crash(self, request: Request, exc: Exception) -> Response:
        log.error("webhooks.intake_crashed", path=request.url.path, error=repr(exc))
        return problem(500, "internal_error", "the delivery could not be handled; retry later")
