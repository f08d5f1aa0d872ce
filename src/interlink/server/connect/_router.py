"""The connect pages: a hosted picker, OAuth sign-in with PKCE, and a credentials form.

- `POST /v1/connect/tokens` (API key): a short-lived tenant token for one end user.
- `GET /connect?tenant_token=`: the hosted page; pick a provider.
- `GET /connect/{provider}?tenant_token=`: OAuth providers go to the vendor's consent
  screen (after asking for any connection variable, e.g. a Zendesk subdomain);
  credential providers get a form.
- `POST /connect/{provider}`: the form; the credentials are tried with one call first.
- `GET /connect/{provider}/callback`: the vendor sends the browser back here.

Every failure is a page that says what went wrong, and stores nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from interlink._errors import UpstreamError
from interlink.server._services import Services, services
from interlink.server.connect._config import ConnectConfig
from interlink.server.connect._mint import add_mint_route
from interlink.server.connect._oauth import (
    FLOW_COOKIE,
    Flow,
    FlowCookies,
    authorize_url,
    exchange_code,
)
from interlink.server.connect._offers import Offer, offer_for, offers
from interlink.server.connect._pages import PAGE_HEADERS, message, page
from interlink.server.connect._probe import probe
from interlink.server.connect._save import save_connection
from interlink.server.connect._signing import BadTokenError, Sealer
from interlink.server.connect._tenant_tokens import TenantGrant, TenantTokens
from interlink.server.connect._views import (
    FORM_COOKIE,
    credentials_form,
    done,
    hosted_link,
    variables_form,
)

__all__ = ["connect_router"]

_MAX_FORM = 64 * 1024
App = Annotated[Services, Depends(services)]


def connect_router(config: ConnectConfig) -> APIRouter:
    """The connect flow's routes over `config` (mount with `app.include_router`)."""
    tokens = TenantTokens(config.secret)
    flows = FlowCookies(config.secret)
    forms = Sealer(config.secret, "connect-form")
    router = APIRouter()

    add_mint_route(router, config, tokens)

    def grant_of(request: Request, app: Services, token: str | None) -> TenantGrant | Response:
        if not token:
            return message("Not allowed", "This page needs a tenant token.", 401,
                           detail="Open it from the product you are connecting to.")  # fmt: skip
        try:
            return tokens.verify(token, now=app.clock.time())
        except BadTokenError as exc:
            text = {
                "expired": "This link has expired.",
                "forged": "This link is not valid.",
            }.get(exc.reason, "This link is malformed.")
            return message("Not allowed", text, 401,
                           detail="Go back to the product and start connecting again.")  # fmt: skip

    def offer_of(app: Services, grant: TenantGrant, provider: str) -> Offer | None:
        if provider not in app.registry.names() or not grant.allows(provider):
            return None
        return offer_for(app.registry.get(provider), config.apps)

    @router.get("/connect", include_in_schema=False)
    async def hosted(request: Request, app: App, tenant_token: str | None = None) -> Response:
        grant = grant_of(request, app, tenant_token)
        if isinstance(grant, Response):
            return grant
        assert tenant_token is not None
        listed = [
            {
                "name": o.spec.provider,
                "title": o.spec.title,
                "how": "sign in" if o.kind == "oauth" else "API key",
                "categories": ", ".join(o.spec.categories),
                "href": f"/connect/{o.spec.provider}?tenant_token={quote(tenant_token)}",
            }
            for o in offers(app.registry, config.apps, grant.providers)
        ]
        return page("hosted.html", title="Connect an account", providers=listed)

    @router.get("/connect/{provider}", include_in_schema=False)
    async def start(request: Request, provider: str, app: App) -> Response:
        query = dict(request.query_params)
        grant = grant_of(request, app, query.get("tenant_token"))
        if isinstance(grant, Response):
            return grant
        offer = offer_of(app, grant, provider)
        if offer is None:
            return message("Not found", f"{provider!r} cannot be connected here.", 404,
                           link=hosted_link(query), link_text="Choose another service")  # fmt: skip
        if offer.kind == "form":
            secure = _https(request, config)
            return credentials_form(offer, query, forms, grant, None, 200, secure)
        given = {v.name: query.get(v.name, "") for v in offer.variables}
        if offer.variables and (not any(given.values()) or offer.bad_variables(given)):
            problems = offer.bad_variables(given) if any(given.values()) else []
            return variables_form(offer, query, "; ".join(problems) or None)
        flow = Flow.start(
            provider, offer.method.name, grant.tenant_id, grant.actor,
            _public(request, config) + f"/connect/{provider}/callback", given, grant.return_url,
        )  # fmt: skip
        target = authorize_url(offer.method, config.apps[provider], flow, config.browser_routes)
        response = RedirectResponse(target, status_code=303, headers=PAGE_HEADERS)
        expires = app.clock.time() + config.flow_ttl
        sealed = flows.seal(flow, expires_at=expires)
        _cookie(response, _https(request, config), FLOW_COOKIE, sealed,
                f"/connect/{provider}", config.flow_ttl)  # fmt: skip
        return response

    @router.post("/connect/{provider}", include_in_schema=False)
    async def submit(request: Request, provider: str, app: App) -> Response:
        body = await request.body()
        if len(body) > _MAX_FORM:
            return message("Too large", "The form is too large.", 413)
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        grant = grant_of(request, app, form.get("tenant_token"))
        if isinstance(grant, Response):
            return grant
        offer = offer_of(app, grant, provider)
        if offer is None or offer.kind != "form":
            return message("Not found", f"{provider!r} takes no form here.", 404)
        try:
            sealed = forms.open(request.cookies.get(FORM_COOKIE, ""), now=app.clock.time())
        except BadTokenError:
            sealed = {}
        expected = sealed.get("csrf") if sealed.get("p") == provider else None
        if not expected or not hmac.compare_digest(str(expected), form.get("csrf", "")):
            return message("Request refused", "The form could not be verified (CSRF check).",
                           400, detail="Open the connect page again and resubmit.")  # fmt: skip
        variables = {v.name: form.get(v.name, "").strip() for v in offer.variables}
        credentials = {name: form.get(name, "") for name in offer.credentials}
        problems = offer.bad_variables(variables)
        problems += [f"{n.replace('_', ' ').capitalize()} is required"
                     for n, value in credentials.items() if not value]  # fmt: skip
        if not problems:
            refused = await probe(offer.spec, offer.method.name, credentials, variables,
                                  config.transport, app.clock)  # fmt: skip
            if refused is not None:
                problems.append(refused)
        if problems:
            return credentials_form(
                offer, form, forms, grant, "; ".join(problems), 422, _https(request, config)
            )
        row = await save_connection(
            app, config.vault, tenant_id=grant.tenant_id, actor=grant.actor, provider=provider,
            method=offer.method.name, variables=variables, credentials=credentials,
            name=offer.spec.title,
        )  # fmt: skip
        response = done(offer.spec, row.id, grant.return_url)
        response.delete_cookie(FORM_COOKIE, path=f"/connect/{provider}")
        return response

    @router.get("/connect/{provider}/callback", include_in_schema=False)
    async def callback(request: Request, provider: str, app: App) -> Response:
        query = dict(request.query_params)
        now = app.clock.time()
        try:
            flow = flows.open(request.cookies.get(FLOW_COOKIE, ""), now=now)
        except BadTokenError as exc:
            why = "has expired" if exc.reason == "expired" else "was not started in this browser"
            return message("Request refused", f"This sign-in {why}.", 400,
                           detail="Start connecting again from the product.")  # fmt: skip
        state = query.get("state", "")
        if flow.provider != provider or not hmac.compare_digest(flow.state, state):
            return message("Request refused", "The sign-in state does not match (CSRF check).",
                           400, detail="Start connecting again from the product.")  # fmt: skip
        fingerprint = hashlib.sha256(state.encode()).hexdigest()
        claim = await app.store.call(
            request.app.state.idempotency.claim, flow.tenant_id, f"connect-state:{fingerprint}",
            fingerprint,
        )  # fmt: skip
        if claim.outcome != "claimed":
            return message("Request refused", "This sign-in was already used.", 400,
                           detail="Start connecting again from the product.")  # fmt: skip
        spec = app.registry.get(provider)
        offer = offer_for(spec, config.apps)
        if offer is None or offer.kind != "oauth" or offer.method.name != flow.method:
            return message("Not found", f"{provider!r} cannot be connected here.", 404)
        if "error" in query or not query.get("code"):
            reason = query.get("error_description") or query.get("error") or "no code was sent"
            return message("Not connected", f"{spec.title} did not grant access: {reason}.",
                           400, detail="Nothing was stored.")  # fmt: skip
        app_ = config.apps[provider]
        try:
            issued = await exchange_code(
                offer.method, app_, flow, query["code"], config.transport, now
            )
        except UpstreamError as exc:
            detail = exc.to_problem().get("detail") or str(exc)
            return message("Not connected", f"{spec.title} refused the sign-in: {detail}",
                           502, detail="Nothing was stored.")  # fmt: skip
        if not issued.refresh_token:
            return message("Not connected", f"{spec.title} returned no refresh token.", 502,
                           detail="Nothing was stored.")  # fmt: skip
        credentials = {
            "client_id": app_.client_id,
            "client_secret": app_.client_secret,
            "refresh_token": issued.refresh_token,
            "access_token": issued.access_token,
        }
        row = await save_connection(
            app, config.vault, tenant_id=flow.tenant_id, actor=flow.actor, provider=provider,
            method=flow.method, variables=flow.variables, credentials=credentials,
            name=spec.title,
        )  # fmt: skip
        response = done(spec, row.id, flow.return_url)
        response.delete_cookie(FLOW_COOKIE, path=f"/connect/{provider}")
        return response

    return router


def _https(request: Request, config: ConnectConfig) -> bool:
    # Behind a TLS-terminating proxy the request may arrive over http: the public URL says.
    return request.url.scheme == "https" or (config.public_url or "").startswith("https://")


def _public(request: Request, config: ConnectConfig) -> str:
    return (config.public_url or str(request.base_url)).rstrip("/")


def _cookie(response: Response, secure: bool, name: str, value: str, path: str, ttl: float) -> None:
    # Lax, not Strict: the vendor's redirect back is a cross-site top-level navigation,
    # which must carry the cookie; Lax still keeps it off cross-site subrequests and POSTs.
    response.set_cookie(
        name, value, max_age=int(ttl), path=path, httponly=True, samesite="lax",
        secure=secure,
    )  # fmt: skip
