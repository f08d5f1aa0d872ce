"""The HTTP pipeline: the single road every vendor call travels."""

from __future__ import annotations

from interlink.http._aiohttp import AiohttpTransport
from interlink.http._asgi import ASGITransport
from interlink.http._classify import classify, decode_json
from interlink.http._contract import ErrorContract
from interlink.http._mock import MockTransport, respond
from interlink.http._models import Request, Response
from interlink.http._routed import RoutedTransport
from interlink.http._transport import Transport

__all__ = [
    "ASGITransport",
    "AiohttpTransport",
    "ErrorContract",
    "MockTransport",
    "Request",
    "Response",
    "RoutedTransport",
    "Transport",
    "classify",
    "decode_json",
    "respond",
]
