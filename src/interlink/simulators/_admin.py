"""Admin endpoints under `/_sim`: what a test or the demo can do to a running simulator.

GET  /_sim                   name, resources, records, seed, current faults
GET  /_sim/counters          the counters (see `Counters.snapshot`)
GET  /_sim/faults            the current fault config
PUT  /_sim/faults            replace it: a full config, or {"profile": "chaos", ...overrides}
POST /_sim/faults            change only the given settings
POST /_sim/tokens            issue a credential: {"kind": "..."} (optional)
POST /_sim/revoke            revoke {"token": "..."} or {"all": true}
POST /_sim/reset             pristine data, zero counters, no faults (credentials survive)
PUT  /_sim/webhooks          {"url": "http://127.0.0.1:.../hook"} or {"url": null}
POST /_sim/webhooks/flush    deliver queued webhook events now
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interlink.simulators._faults import FaultConfig, FaultConfigError
from interlink.simulators._http import RequestError, json_response, read_json_object

if TYPE_CHECKING:
    from interlink.simulators._base import Simulator

__all__ = ["admin_routes"]


def admin_routes(sim: Simulator) -> list[BaseRoute]:
    async def info(request: Request) -> Response:
        return json_response(
            {
                **asdict(sim.info),
                "records": sim.records,
                "seed": sim.seed,
                "rate_limits": sim.rate_limits,
                "faults": sim.faults.config.to_json(),
                "webhook_url": sim.webhooks.url,
            }
        )

    async def counters(request: Request) -> Response:
        return json_response(sim.counters.snapshot())

    async def faults(request: Request) -> Response:
        if request.method != "GET":
            data = await read_json_object(request)
            base = sim.faults.config if request.method == "POST" else None
            try:
                sim.faults.configure(FaultConfig.from_json(data, base))
            except FaultConfigError as exc:
                raise RequestError(f"Bad fault config: {exc}") from None
        return json_response(sim.faults.config.to_json())

    async def tokens(request: Request) -> Response:
        data = await read_json_object(request) if await request.body() else {}
        kind = data.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise RequestError("kind: expected a string")
        try:
            token = sim.issue_token(kind)
        except (ValueError, NotImplementedError) as exc:
            raise RequestError(str(exc)) from None
        return json_response(asdict(token), 201)

    async def revoke(request: Request) -> Response:
        data = await read_json_object(request)
        if data.get("all") is True:
            return json_response({"revoked": sim.tokens.revoke_all()})
        token = data.get("token")
        if not isinstance(token, str):
            raise RequestError('expected {"token": "..."} or {"all": true}')
        if not sim.tokens.revoke(token):
            raise RequestError("no such token was issued by this simulator", 404)
        return json_response({"revoked": 1})

    async def reset(request: Request) -> Response:
        sim.reset()
        return Response(status_code=204)

    async def webhooks(request: Request) -> Response:
        data = await read_json_object(request)
        url = data.get("url", ...)
        if url is not None and (not isinstance(url, str) or not url.startswith("http")):
            raise RequestError('expected {"url": "http://..."} or {"url": null}')
        sim.webhooks.url = url
        return json_response({"url": url})

    async def flush(request: Request) -> Response:
        sent = await sim.webhooks.flush()
        return json_response({"deliveries": [{"status": d.status, "error": d.error} for d in sent]})

    return [
        Route("/_sim", info, methods=["GET"]),
        Route("/_sim/counters", counters, methods=["GET"]),
        Route("/_sim/faults", faults, methods=["GET", "PUT", "POST"]),
        Route("/_sim/tokens", tokens, methods=["POST"]),
        Route("/_sim/revoke", revoke, methods=["POST"]),
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/webhooks", webhooks, methods=["PUT"]),
        Route("/_sim/webhooks/flush", flush, methods=["POST"]),
    ]
