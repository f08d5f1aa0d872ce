"""Zendesk credentials: `email/token:API_TOKEN` basic auth, OAuth bearer tokens, `/oauth/tokens`.

Failures look different by scheme, as on Zendesk: basic auth (or none) gets
`401 {"error": "Couldn't authenticate you"}`; a bearer token Zendesk will not
accept (unknown, expired or revoked alike) gets the OAuth layer's
`401 {"error": "invalid_token", "error_description": ...}`. Password basic auth
is refused: Zendesk has turned it off for the API in favour of API tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response

from interlink.simulators._http import Reply, basic_credentials
from interlink.simulators._tokens import CodeGrant, Token, TokenState, TokenStore
from interlink.simulators.zendesk._wire import AUTH_FAILED, INVALID_TOKEN, json_bytes

__all__ = ["ACCESS_TOKEN_TTL", "API_TOKEN", "OAUTH", "OAuthClient", "authenticate", "credential"]

API_TOKEN, OAUTH = "api_token", "oauth"
ACCESS_TOKEN_TTL = 7_200  # expiring OAuth access tokens; Zendesk lets apps pick 300 s..2 days
_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="Web Password"'}
_BEARER_CHALLENGE = {
    "WWW-Authenticate": 'Bearer realm="Doorkeeper", error="invalid_token", '
    f'error_description="{INVALID_TOKEN["error_description"]}"'
}
_INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)
_UNSUPPORTED_GRANT = "The authorization grant type is not supported by the authorization server."
_INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication "
    "included, or unsupported authentication method."
)


def credential(headers: Mapping[str, str]) -> str | None:
    """The secret a request carries: the API token of `email/token:TOKEN`, or a bearer token."""
    basic = basic_credentials(headers)
    if basic is not None:
        user, password = basic
        return password if user.endswith("/token") and password else None
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def authenticate(tokens: TokenStore, headers: Mapping[str, str], agent_email: str) -> Token:
    """The valid credential behind a request, or a `Reply` with Zendesk's 401."""
    scheme = headers.get("authorization", "").partition(" ")[0].lower()
    check = tokens.check(credential(headers))
    token = check.token
    if scheme == "bearer":
        if check.state is TokenState.VALID and token is not None and token.kind == OAUTH:
            return token
        raise Reply(json_bytes(401, INVALID_TOKEN, _BEARER_CHALLENGE))
    basic = basic_credentials(headers)
    email = basic[0].removesuffix("/token").lower() if basic else ""
    if (
        check.state is TokenState.VALID
        and token is not None
        and token.kind == API_TOKEN
        and email == agent_email  # API tokens act as a user of the account
    ):
        return token
    raise Reply(json_bytes(401, {"error": AUTH_FAILED}, _BASIC_CHALLENGE))


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """The one OAuth client registered on the simulated account."""

    client_id: str
    client_secret: str
    subject: str  # whom its tokens are metered as

    @staticmethod
    async def _params(request: Request) -> dict[str, Any]:
        # Zendesk documents a JSON body; form-encoded (what most OAuth libraries send) works too.
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                data = orjson.loads(raw or b"{}")
            except orjson.JSONDecodeError:
                data = None
            return data if isinstance(data, dict) else {}
        return dict(parse_qsl(raw.decode("utf-8", "replace")))

    async def token_endpoint(self, request: Request, tokens: TokenStore) -> Response:
        """`POST /oauth/tokens`: authorization_code and (rotating) refresh_token grants."""
        params = await self._params(request)
        grant = params.get("grant_type")
        if grant not in ("authorization_code", "refresh_token"):
            return json_bytes(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": _UNSUPPORTED_GRANT,
                },
            )
        if (params.get("client_id"), params.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return json_bytes(
                401, {"error": "invalid_client", "error_description": _INVALID_CLIENT}
            )
        if grant == "refresh_token":
            # Zendesk's refresh tokens are single use: each refresh returns a new one.
            token = tokens.refresh(
                str(params.get("refresh_token", "")), ttl=ACCESS_TOKEN_TTL, rotate=True
            )
        else:
            # Any refusal (unknown code, another redirect URI, a wrong PKCE verifier) is one
            # invalid_grant, as Doorkeeper answers.
            redeemed = tokens.redeem(
                str(params.get("code", "")),
                client_id=str(params.get("client_id", "")),
                redirect_uri=_text(params.get("redirect_uri")),
                code_verifier=_text(params.get("code_verifier")),
            )
            token = None
            if isinstance(redeemed, CodeGrant):
                token = tokens.issue(
                    OAUTH, redeemed.subject, ttl=ACCESS_TOKEN_TTL, refreshable=True
                )
        if token is None:
            return json_bytes(400, {"error": "invalid_grant", "error_description": _INVALID_GRANT})
        return json_bytes(
            200,
            {
                "access_token": token.value,
                "token_type": "bearer",
                "scope": "read write",
                "refresh_token": token.refresh_token,
                "expires_in": ACCESS_TOKEN_TTL,
            },
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
