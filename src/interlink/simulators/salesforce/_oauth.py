"""`POST /services/oauth2/token` and `/services/oauth2/revoke`, Salesforce's way.

Grants: `authorization_code` (answers with a refresh token; the code is bound to the
client, the redirect URI and, when the consent screen got one, the PKCE challenge), `refresh_token`
(a new access token; the refresh token stays the same) and
`client_credentials`. Answers carry `access_token`, `instance_url` (the org's
My Domain URL when the login servers answer, `SalesforceSimulator.instance_url`), `id` (the
identity URL), `token_type`, `issued_at` (epoch ms) and `signature` =
base64(HMAC-SHA256(consumer secret, id + issued_at)); no `expires_in`:
Salesforce sessions end after a period of inactivity (two hours by default),
which the simulator emulates by sliding the expiry on every API call.
Failures are 400 `{"error", "error_description"}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from interlink.simulators._tokens import CodeGrant, CodeRefusal
from interlink.simulators.salesforce._wire import json_bytes, oauth_error, token_signature

LOGIN_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})

if TYPE_CHECKING:
    from interlink.simulators.salesforce._simulator import SalesforceSimulator

__all__ = ["revoke", "token"]

SESSION_TIMEOUT = 2 * 3600.0  # Salesforce's default session timeout (inactivity)
SESSION, CLIENT_CREDENTIALS = "session", "client_credentials"
_REFUSALS = {
    CodeRefusal.UNKNOWN: ("invalid_grant", "invalid authorization code"),
    CodeRefusal.CLIENT_MISMATCH: ("invalid_grant", "invalid authorization code"),
    CodeRefusal.REDIRECT_MISMATCH: (
        "redirect_uri_mismatch",
        "redirect_uri must match configuration",
    ),
    CodeRefusal.VERIFIER_MISSING: ("invalid_grant", "invalid code verifier"),
    CodeRefusal.VERIFIER_MALFORMED: ("invalid_grant", "invalid code verifier"),
    CodeRefusal.VERIFIER_MISMATCH: ("invalid_grant", "invalid code verifier"),
}
"""Salesforce's answers to a code it will not redeem (web-server flow with PKCE)."""


async def _form(request: Request) -> dict[str, str]:
    # Salesforce takes the parameters in the body or in the query string.
    body = (await request.body()).decode("utf-8", "replace")
    return {**dict(request.query_params), **dict(parse_qsl(body))}


async def token(sim: SalesforceSimulator, request: Request) -> Response:
    sim.counters.token_requests += 1
    form = await _form(request)
    grant = form.get("grant_type")
    if grant not in ("authorization_code", "refresh_token", "client_credentials"):
        return oauth_error("unsupported_grant_type", "grant type not supported")
    if form.get("client_id") != sim.client_id:
        return oauth_error("invalid_client_id", "client identifier invalid")
    if form.get("client_secret") != sim.client_secret:
        return oauth_error("invalid_client", "invalid client credentials")
    prefix = sim.org_id[:15] + "!"
    if grant == "refresh_token":
        issued = sim.tokens.refresh(
            form.get("refresh_token", ""), ttl=SESSION_TIMEOUT, prefix=prefix
        )
        if issued is None:
            return oauth_error("invalid_grant", "expired access/refresh token")
        refresh_token = None  # Salesforce does not rotate refresh tokens
    elif grant == "authorization_code":
        redeemed = sim.tokens.redeem(
            form.get("code", ""),
            client_id=form.get("client_id"),
            redirect_uri=form.get("redirect_uri"),
            code_verifier=form.get("code_verifier"),
        )
        if not isinstance(redeemed, CodeGrant):
            return oauth_error(*_REFUSALS[redeemed])
        issued = sim.tokens.issue(
            SESSION, redeemed.subject, ttl=SESSION_TIMEOUT, refreshable=True, prefix=prefix
        )
        refresh_token = issued.refresh_token
    else:
        issued = sim.tokens.issue(CLIENT_CREDENTIALS, "org", ttl=SESSION_TIMEOUT, prefix=prefix)
        refresh_token = None
    issued_at = str(int(sim.clock.time() * 1000))
    identity = sim.identity_url
    body: dict[str, str] = {"access_token": issued.value}
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    body.update({
        "signature": token_signature(sim.client_secret, identity, issued_at),
        "scope": "api refresh_token" if grant != "client_credentials" else "api",
        "instance_url": _instance_url(sim, request),
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
    })  # fmt: skip
    return json_bytes(200, body)


def _instance_url(sim: SalesforceSimulator, request: Request) -> str:
    """The org's URL: what the login servers name; on the instance itself (or on loopback,
    where the simulator is both) the URL the token request reached."""
    if request.url.hostname in LOGIN_HOSTS:
        return sim.instance_url
    return str(request.base_url).rstrip("/")


async def revoke(sim: SalesforceSimulator, request: Request) -> Response:
    """Revoking an access token ends the session and its refresh token (the grant)."""
    value = (await _form(request)).get("token", "")
    if sim.tokens.revoke(value):
        return Response(status_code=200)
    return oauth_error("unsupported_token_type", "this token type is not supported")
