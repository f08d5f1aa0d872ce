"""The OAuth2 authorization-code flow with PKCE (RFC 6749 §4.1, RFC 7636 S256).

Leaving for the vendor, the server makes a random `state` and PKCE verifier
and keeps them, with the tenant and provider, in a sealed cookie (AES-GCM:
the vendor never sees the verifier, and nobody can forge or read the cookie).
Coming back, the callback's `state` must equal the cookie's (a request the
browser did not start is refused: CSRF), the state is spent once in the store
(a replayed callback is refused, whichever process serves it), and the code
is exchanged with the verifier through the auth layer's token request.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from interlink.auth import OAuth2Client, TokenSet
from interlink.auth._token_response import read_token_response
from interlink.connectors import AuthMethodSpec, RenderContext
from interlink.http import Request, RoutedTransport, Transport
from interlink.server.connect._config import OAuthApp
from interlink.server.connect._signing import Sealer

__all__ = ["FLOW_COOKIE", "Flow", "FlowCookies", "authorize_url", "exchange_code", "s256"]

FLOW_COOKIE = "interlink_connect_flow"


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of `verifier` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class Flow:
    """One authorization in progress, as the sealed cookie carries it."""

    state: str
    verifier: str
    provider: str
    method: str
    tenant_id: str
    actor: str
    redirect_uri: str
    variables: Mapping[str, str]
    return_url: str | None = None

    @classmethod
    def start(
        cls,
        provider: str,
        method: str,
        tenant_id: str,
        actor: str,
        redirect_uri: str,
        variables: Mapping[str, str],
        return_url: str | None,
    ) -> Flow:
        # 32 random bytes each: unguessable state, verifier within RFC 7636's 43..128 chars.
        state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        return cls(
            state, verifier, provider, method, tenant_id, actor, redirect_uri,
            dict(variables), return_url,
        )  # fmt: skip


class FlowCookies:
    """Seals a `Flow` into a cookie value and opens it again."""

    __slots__ = ("_sealer",)

    def __init__(self, secret: bytes) -> None:
        self._sealer = Sealer(secret, "connect-flow")

    def seal(self, flow: Flow, *, expires_at: float) -> str:
        payload: dict[str, Any] = {
            "s": flow.state, "v": flow.verifier, "p": flow.provider, "m": flow.method,
            "t": flow.tenant_id, "a": flow.actor, "r": flow.redirect_uri,
            "x": dict(flow.variables), "u": flow.return_url,
        }  # fmt: skip
        return self._sealer.seal(payload, expires_at=expires_at)

    def open(self, value: str, *, now: float) -> Flow:
        """The flow; `BadTokenError` when the cookie is forged, malformed or expired."""
        data = self._sealer.open(value, now=now)
        return Flow(
            data["s"], data["v"], data["p"], data["m"], data["t"], data["a"], data["r"],
            data["x"], data["u"],
        )  # fmt: skip


def authorize_url(
    method: AuthMethodSpec,
    app: OAuthApp,
    flow: Flow,
    routes: Mapping[str, str],
) -> str:
    """Where to send the browser: the vendor's consent screen, with state and challenge."""
    assert method.authorize_url is not None  # offered only with one
    url = method.authorize_url
    for name, value in flow.variables.items():
        url = url.replace("{" + name + "}", quote(value, safe=""))
    scopes = method.scopes if app.scopes is None else app.scopes
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": flow.redirect_uri,
        "state": flow.state,
        "code_challenge": s256(flow.verifier),
        "code_challenge_method": "S256",
    }
    if scopes:
        params["scope"] = " ".join(scopes)
    url += ("&" if urlsplit(url).query else "?") + urlencode(params)
    if routes:
        url = RoutedTransport(routes, _Unused()).routed(Request.build("GET", url)).url
    return url


async def exchange_code(
    method: AuthMethodSpec,
    app: OAuthApp,
    flow: Flow,
    code: str,
    transport: Transport,
    now: float,
) -> TokenSet:
    """The tokens for `code`, redeemed with the flow's verifier; an `UpstreamError` when the
    vendor refuses (its reason scrubbed of every secret sent)."""
    assert method.token_url is not None
    context = RenderContext(credentials={}, variables=dict(flow.variables))
    client = OAuth2Client(
        method.token_url.render(context),
        app.client_id,
        app.client_secret,
        client_auth=method.client_auth,
        extra_params=method.extra_params,
    )
    request = client.token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow.redirect_uri,
            "code_verifier": flow.verifier,
        }
    )
    response = await transport.send(request)
    return read_token_response(response, now=now, secrets=(*client.secrets(), code, flow.verifier))


class _Unused:
    """A transport nobody sends on: `RoutedTransport.routed` only rewrites URLs."""

    async def send(self, request: Request) -> Any:  # pragma: no cover - never called
        raise AssertionError("not a transport")

    async def aclose(self) -> None:  # pragma: no cover
        return None
