"""`/dashboard`: a tenant's connections, runs and dead letters, server-rendered.

Signing in takes an API key (a form) or a tenant token (`?tenant_token=`, as
the product links to it); either becomes a sealed, HTTP-only, SameSite=Strict
session cookie, and the token is dropped from the URL at once. A key session
ends when the key is revoked. State-changing buttons (replay, sign out) are
POST forms carrying the session's CSRF token. Credentials are never shown.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from interlink.breaker import BreakerStore
from interlink.server._services import Services, services
from interlink.server.connect._pages import PAGE_HEADERS, message, page
from interlink.server.connect._signing import BadTokenError, Sealer
from interlink.server.connect._tenant_tokens import TenantTokens
from interlink.server.dashboard._figures import RECENT, overview
from interlink.webhooks import DeadLetters, Inbox

__all__ = ["DashboardConfig", "dashboard_router"]

SESSION_COOKIE = "interlink_dashboard"
App = Annotated[Services, Depends(services)]


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    """`secret` seals sessions and verifies tenant tokens (the connect flow's secret);
    `breakers` is the deployment's shared breaker store, to show each connection's state."""

    secret: bytes = field(repr=False)
    breakers: BreakerStore | None = None
    session_ttl: float = 3600.0


@dataclass(frozen=True, slots=True)
class _Session:
    tenant_id: str
    key_id: str | None
    csrf: str


def dashboard_router(config: DashboardConfig) -> APIRouter:
    """The dashboard's routes (mount with `app.include_router`)."""
    sealer = Sealer(config.secret, "dashboard-session")
    tokens = TenantTokens(config.secret)
    router = APIRouter(include_in_schema=False)

    def sign_in(request: Request, app: Services, tenant_id: str, key_id: str | None) -> Response:
        session = {"t": tenant_id, "k": key_id, "c": secrets.token_urlsafe(24)}
        value = sealer.seal(session, expires_at=app.clock.time() + config.session_ttl)
        response = RedirectResponse("/dashboard", 303, headers=PAGE_HEADERS)
        response.set_cookie(
            SESSION_COOKIE, value, max_age=int(config.session_ttl), path="/dashboard",
            httponly=True, samesite="strict", secure=request.url.scheme == "https",
        )  # fmt: skip
        return response

    async def session_of(request: Request, app: Services) -> _Session | None:
        try:
            data = sealer.open(request.cookies.get(SESSION_COOKIE, ""), now=app.clock.time())
        except BadTokenError:
            return None
        key_id = data.get("k")
        if key_id is not None:
            keys = await app.store.call(app.keys.list, data["t"])
            if not any(k.id == key_id and k.revoked_at is None for k in keys):
                return None  # the key was revoked: so is its session
        return _Session(data["t"], key_id, data["c"])

    async def form(request: Request) -> dict[str, str]:
        body = await request.body()
        return dict(parse_qsl(body[:65536].decode("utf-8", "replace"), keep_blank_values=True))

    @router.get("/dashboard/login")
    async def login_page() -> Response:
        return page("login.html", title="Interlink dashboard", error=None)

    @router.post("/dashboard/login")
    async def login(request: Request, app: App) -> Response:
        secret = (await form(request)).get("api_key", "").strip()
        found = await app.store.call(app.keys.verify, secret) if secret else None
        if found is None:
            return page("login.html", 401, title="Interlink dashboard",
                        error="That API key is unknown or revoked.")  # fmt: skip
        await app.store.audit(f"api_key:{found.id}", "dashboard.sign_in", found.tenant_id, "ok",
                              tenant_id=found.tenant_id)  # fmt: skip
        return sign_in(request, app, found.tenant_id, found.id)

    @router.post("/dashboard/logout")
    async def logout(request: Request, app: App) -> Response:
        session = await session_of(request, app)
        if session is not None and not _csrf_ok(session, await form(request)):
            return message("Request refused", "The form could not be verified (CSRF check).", 400)
        response = RedirectResponse("/dashboard/login", 303, headers=PAGE_HEADERS)
        response.delete_cookie(SESSION_COOKIE, path="/dashboard")
        return response

    @router.get("/dashboard")
    async def dashboard(request: Request, app: App) -> Response:
        token = request.query_params.get("tenant_token")
        if token is not None:
            try:
                grant = tokens.verify(token, now=app.clock.time())
            except BadTokenError as exc:
                return message(
                    "Not allowed", f"This dashboard link is {exc.reason}.", 401,
                    link="/dashboard/login", link_text="Sign in with an API key",
                )  # fmt: skip
            return sign_in(request, app, grant.tenant_id, None)
        session = await session_of(request, app)
        if session is None:
            return RedirectResponse("/dashboard/login", 303, headers=PAGE_HEADERS)
        tenant = await app.store.get_tenant(session.tenant_id)
        if tenant is None:
            return RedirectResponse("/dashboard/login", 303, headers=PAGE_HEADERS)
        now = datetime.fromtimestamp(app.clock.time(), UTC)
        figures = await overview(app.store, tenant.id, breakers=config.breakers, now=now)
        replayed = request.query_params.get("replayed")
        missing = request.query_params.get("missing")
        return page(
            "dashboard.html",
            title="Integrations",
            width="72rem",
            tenant=tenant,
            at=now.strftime("%Y-%m-%d %H:%M:%S UTC"),
            csrf=session.csrf,
            recent=RECENT,
            notice=f"Dead letter {replayed} was put back in the inbox." if replayed else None,
            problem=f"No dead letter {missing} to replay." if missing else None,
            connections=figures.connections,
            runs=figures.runs,
            dead_letters=figures.dead_letters,
        )

    @router.post("/dashboard/dead-letters/{letter_id}/replay")
    async def replay(request: Request, letter_id: str, app: App) -> Response:
        session = await session_of(request, app)
        if session is None:
            return RedirectResponse("/dashboard/login", 303, headers=PAGE_HEADERS)
        if not _csrf_ok(session, await form(request)):
            return message("Request refused", "The form could not be verified (CSRF check).",
                           400, link="/dashboard", link_text="Back to the dashboard")  # fmt: skip
        letters = DeadLetters(Inbox.for_store(app.store.store))
        letter = await app.store.call(letters.get, letter_id)
        # Another tenant's letter is answered exactly as a missing one.
        done = (
            letter is not None
            and letter.tenant_id == session.tenant_id
            and await app.store.call(letters.replay, letter_id)
        )
        actor = f"api_key:{session.key_id}" if session.key_id else "dashboard"
        outcome = "ok" if done else "not_found"
        await app.store.audit(
            actor, "dead_letter.replay", letter_id, outcome, tenant_id=session.tenant_id
        )
        where = "replayed" if done else "missing"
        return RedirectResponse(f"/dashboard?{where}={quote(letter_id)}", 303, headers=PAGE_HEADERS)

    return router


def _csrf_ok(session: _Session, form: dict[str, Any]) -> bool:
    return hmac.compare_digest(session.csrf, str(form.get("csrf", "")))
