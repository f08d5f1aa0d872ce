"""A minimal ASGI webhook receiver for simulator tests: records each request, answers 200."""

from __future__ import annotations

from typing import Any

__all__ = ["Recorder"]


class Recorder:
    """Serve it with the `serving` fixture; `requests` holds (headers, body) in arrival order."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while (message := await receive())["type"] == "http.request":
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.requests.append((headers, body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})
