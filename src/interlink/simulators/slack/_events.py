"""Events API envelopes: what Slack POSTs to an app's Request URL when something changes."""

from __future__ import annotations

from typing import Any

from interlink.simulators.slack._objects import Workspace, b36

__all__ = ["Envelopes"]


class Envelopes:
    """Wraps events in Slack's `event_callback` envelope with unique `event_id`s."""

    __slots__ = ("_sequence", "_verification_token", "_workspace")

    def __init__(self, workspace: Workspace, verification_token: str) -> None:
        self._workspace, self._verification_token = workspace, verification_token
        self._sequence = 0

    def wrap(self, event: dict[str, Any], now: float) -> dict[str, Any]:
        self._sequence += 1
        w = self._workspace
        return {
            "token": self._verification_token,  # the legacy verification token
            "team_id": w.team_id,
            "api_app_id": w.app_id,
            "event": {**event, "event_ts": event.get("event_ts", f"{now:.6f}")},
            "type": "event_callback",
            "event_id": "Ev" + b36(36**8 + self._sequence).rjust(9, "0"),
            "event_time": int(now),
            "authed_users": [w.bot_user_id],
            "authorizations": [{
                "enterprise_id": None, "team_id": w.team_id, "user_id": w.bot_user_id,
                "is_bot": True, "is_enterprise_install": False,
            }],
            "is_ext_shared_channel": False,
        }  # fmt: skip

    def reset(self) -> None:
        self._sequence = 0
