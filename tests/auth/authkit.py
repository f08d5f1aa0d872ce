"""Test kit for auth flows: a driver that mirrors the pipeline, and a fake OAuth2 vendor.

Every secret the fake vendor issues or accepts contains "SECRET", so a leak
test only has to look for that word.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote

from interlink._clock import Clock
from interlink.auth import Auth, OAuth2Client
from interlink.http import MockTransport, Request, Response, Transport, respond

TOKEN_URL = "https://id.vendor.test/oauth/token"
API_URL = "https://api.vendor.test/v1/contacts"
CLIENT_ID = "client-123"
CLIENT_SECRET = "cs-SECRET-client"
FIRST_REFRESH_TOKEN = "rt-SECRET-0"

Fault = Callable[[Request], Response]


async def drive(auth: Auth, transport: Transport, request: Request) -> Response:
    """Run one auth flow exactly as the pipeline does; return the last response."""
    flow = auth.auth_flow(request)
    try:
        outgoing = await flow.__anext__()
        while True:
            response = await transport.send(outgoing)
            try:
                outgoing = await flow.asend(response)
            except StopAsyncIteration:
                return response
    finally:
        await flow.aclose()


def api_request() -> Request:
    """A plain GET to the fake vendor's API."""
    return Request.build("GET", API_URL, params={"limit": 10})


def client(**overrides: object) -> OAuth2Client:
    """The OAuth2 client registration the fake vendor knows."""
    fields: dict[str, object] = {
        "token_url": TOKEN_URL,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    fields.update(overrides)
    return OAuth2Client(**fields)  # type: ignore[arg-type]


class FakeVendor:
    """A token endpoint and an API that accepts only the access tokens it issued.

    With `rotate=True` every refresh issues a new refresh token and revokes the
    old one; reusing a revoked refresh token kills the whole grant, as some
    providers do. `token_faults` / `api_faults` queue canned answers; `gate`,
    when set, holds token answers until opened; `events` logs what happened in
    order (tests append their own entries too).
    """

    def __init__(self, clock: Clock, *, expires_in: object = 3600, rotate: bool = False) -> None:
        self.clock = clock
        self.expires_in = expires_in
        self.rotate = rotate
        self.issued = 0
        self.valid_access: set[str] = set()
        self.refresh_token: str | None = FIRST_REFRESH_TOKEN
        self.grant_dead = False
        self.token_requests: list[Request] = []
        self.api_requests: list[Request] = []
        self.token_faults: list[Fault] = []
        self.api_faults: list[int] = []
        self.gate: asyncio.Event | None = None
        self.events: list[str] = []
        self.transport = MockTransport(self.handle)

    async def handle(self, request: Request) -> Response:
        if request.url == TOKEN_URL:
            return await self._token(request)
        return self._api(request)

    async def _token(self, request: Request) -> Response:
        self.token_requests.append(request)
        self.events.append("token-request")
        if self.gate is not None:
            await self.gate.wait()
        if self.token_faults:
            return self.token_faults.pop(0)(request)
        form = dict(parse_qsl((request.content or b"").decode()))
        if not self._client_ok(request, form):
            return respond(request, 401, json={"error": "invalid_client"})
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return respond(request, 200, json=self._issue(refresh=False))
        if grant == "refresh_token":
            if self.grant_dead or form.get("refresh_token") != self.refresh_token:
                self.grant_dead = self.rotate  # reuse of a rotated token burns the grant
                return respond(
                    request,
                    400,
                    json={"error": "invalid_grant", "error_description": "Token is invalid"},
                )
            return respond(request, 200, json=self._issue(refresh=self.rotate))
        return respond(request, 400, json={"error": "unsupported_grant_type"})

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return (unquote(user), unquote(password)) == (CLIENT_ID, CLIENT_SECRET)
        return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET

    def _issue(self, *, refresh: bool) -> dict[str, object]:
        self.issued += 1
        access = f"at-SECRET-{self.issued}"
        self.valid_access.add(access)
        body: dict[str, object] = {"access_token": access, "token_type": "bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        if refresh:
            self.refresh_token = f"rt-SECRET-{self.issued}"
            body["refresh_token"] = self.refresh_token
        return body

    def revoke_access(self) -> None:
        """Invalidate every access token issued so far (the vendor-side 'logout')."""
        self.valid_access.clear()

    def _api(self, request: Request) -> Response:
        self.api_requests.append(request)
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        self.events.append(f"api:{token}")
        if self.api_faults:
            return respond(request, self.api_faults.pop(0), json={"message": "denied"})
        if token not in self.valid_access:
            return respond(request, 401, json={"message": "unauthorized"})
        return respond(request, 200, json={"results": []})

    def used_tokens(self) -> list[str]:
        """The access tokens the API saw, in order."""
        return [
            r.headers.get("Authorization", "").removeprefix("Bearer ") for r in self.api_requests
        ]
