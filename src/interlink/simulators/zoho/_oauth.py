"""Zoho's accounts server: `POST /oauth/v2/token` (refresh and authorization-code grants).

Answers `{"access_token": "1000.x.y", "scope", "api_domain", "token_type":
"Bearer", "expires_in": 3600}` (plus `refresh_token` for a code). Zoho
answers failures with HTTP 200 and `{"error": "invalid_code"}` (also for an
unknown refresh token), `invalid_client` or `invalid_client_secret`; and it
allows at most 10 access tokens per refresh token in 10 minutes, refusing
more with 400 "Access Denied".
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from interlink.simulators.zoho._wire import json_bytes

if TYPE_CHECKING:
    from interlink.simulators.zoho._simulator import ZohoSimulator

__all__ = ["ACCESS_TOKEN_TTL", "ALL", "READ", "token"]

ACCESS_TOKEN_TTL = 3_600
ALL, READ = "ZohoCRM.modules.ALL", "ZohoCRM.modules.READ"  # token kinds are their scopes
TOO_MANY = "You have made too many requests continuously. Please try again after some time."


async def token(sim: ZohoSimulator, request: Request) -> Response:
    sim.counters.token_requests += 1
    body = (await request.body()).decode("utf-8", "replace")
    form = {**dict(request.query_params), **dict(parse_qsl(body))}  # Zoho takes either
    grant = form.get("grant_type")
    if grant not in ("refresh_token", "authorization_code"):
        return json_bytes(200, {"error": "unsupported_grant_type"})
    if form.get("client_id") != sim.client_id:
        return json_bytes(200, {"error": "invalid_client"})
    if form.get("client_secret") != sim.client_secret:
        return json_bytes(200, {"error": "invalid_client_secret"})
    prefix = f"1000.{sim.client_id[5:13]}."
    if grant == "refresh_token":
        refresh_token = form.get("refresh_token", "")
        if not sim.limit(sim.refresh_limiter, refresh_token).allowed:
            return json_bytes(400, {"error": "Access Denied", "error_description": TOO_MANY})
        issued = sim.tokens.refresh(refresh_token, ttl=ACCESS_TOKEN_TTL, prefix=prefix)
        if issued is None:
            return json_bytes(200, {"error": "invalid_code"})
        answer: dict[str, str | int] = {"access_token": issued.value}
    else:
        subject = sim.tokens.redeem_code(form.get("code", ""))
        if subject is None:
            return json_bytes(200, {"error": "invalid_code"})
        issued = sim.tokens.issue(
            ALL, subject, ttl=ACCESS_TOKEN_TTL, refreshable=True, prefix=prefix
        )
        answer = {"access_token": issued.value, "refresh_token": str(issued.refresh_token)}
    answer.update(
        {
            "scope": issued.kind,
            "api_domain": str(request.base_url).rstrip("/"),
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL,
        }
    )
    return json_bytes(200, answer)
