"""Pipedrive's wire conventions: the error envelope, burst-limit headers, the daily token
budget and webhooks v2 (HTTP Basic auth, no signature)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from interlink.simulators._http import basic_authorization
from interlink.simulators._ratelimit import Decision

__all__ = [
    "ERROR_INFO",
    "PipedriveWebhooks",
    "TokenBudget",
    "envelope_error",
    "json_bytes",
    "rate_limit_headers",
]

# The long form is what Pipedrive's documented error examples carry; 401s observed live
# carry the short form (see `UNAUTHORIZED`).
ERROR_INFO = "Please check developers.pipedrive.com for more information about Pipedrive API."
_DEFAULT_ERRORS: Mapping[int, str] = {
    400: "Bad request",
    401: "unauthorized access",
    402: "Company account is not open",
    403: "Request not allowed",
    404: "Resource unavailable",
    405: "Method not allowed",
    410: "Old resource permanently unavailable",
    415: "Feature is not enabled",
    422: "Webhooks limit reached",
    429: "Request over limit",
    500: "Internal server error",
    501: "Functionality does not exist",
    503: "Schedule maintenance",
}


def json_bytes(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def envelope_error(status: int, message: str | None, info: str = ERROR_INFO) -> dict[str, Any]:
    """`{"success": false, "error", "errorCode", "error_info", "data", "additional_data"}`.

    Documented in "Responses" (success/error/error_info/data/additional_data); the
    `errorCode` member is what the live API adds (observed on its 401s).
    """
    return {
        "success": False,
        "error": message or _DEFAULT_ERRORS.get(status, "Internal server error"),
        "errorCode": status,
        "error_info": info,
        "data": None,
        "additional_data": None,
    }


def rate_limit_headers(burst: Decision) -> dict[str, str]:
    """`x-ratelimit-limit/-remaining/-reset` (whole seconds until the 2-second window frees)."""
    return {
        "x-ratelimit-limit": str(burst.limit),
        "x-ratelimit-remaining": str(burst.remaining),
        "x-ratelimit-reset": str(max(1, math.ceil(burst.reset_after))),
    }


class TokenBudget:
    """The company's daily API token budget: each request spends its endpoint's token cost.

    Pipedrive: 30,000 base tokens x plan multiplier x seats per day, shared by every
    user and app of the company, reset at the server's midnight (UTC here). Satisfies
    the framework's `Limiter` protocol (cost 1) so `Simulator.reset()` clears it.
    """

    __slots__ = ("_spent", "budget")

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._spent: dict[str, tuple[int, int]] = {}  # key -> (UTC day number, tokens spent)

    def spend(self, key: str, now: float, cost: int, scale: float = 1.0) -> Decision:
        """Spend `cost` tokens if the budget allows it (a refusal spends nothing)."""
        budget = max(1, math.floor(self.budget * scale))
        day = int(now // 86_400)
        current, spent = self._spent.get(key, (day, 0))
        if current != day:
            spent = 0
        reset_after = (day + 1) * 86_400 - now
        if spent + cost > budget:
            return Decision(False, budget, budget - spent, reset_after)
        self._spent[key] = (day, spent + cost)
        return Decision(True, budget, budget - spent - cost, reset_after)

    def acquire(self, key: str, now: float, scale: float = 1.0) -> Decision:
        return self.spend(key, now, 1, scale)

    def peek(self, key: str, now: float, scale: float = 1.0) -> Decision:
        budget = max(1, math.floor(self.budget * scale))
        day = int(now // 86_400)
        current, spent = self._spent.get(key, (day, 0))
        left = budget - (spent if current == day else 0)
        return Decision(left > 0, budget, left, (day + 1) * 86_400 - now)

    def reset(self) -> None:
        self._spent.clear()


class PipedriveWebhooks:
    """Webhooks v2: one JSON object `{meta, data, previous}` per POST.

    Pipedrive signs nothing: a subscription may carry `http_auth_user` /
    `http_auth_password`, sent as HTTP Basic auth on every delivery.
    """

    max_batch = 1

    def __init__(self, user: str | None, password: str | None) -> None:
        self._user, self._password = user, password

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        (event,) = events
        return orjson.dumps(event)

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": "Pipedrive-Webhook"}
        if self._user is not None and self._password is not None:
            headers["Authorization"] = basic_authorization(self._user, self._password)
        return headers


def event_id() -> str:
    return str(uuid.uuid4())
