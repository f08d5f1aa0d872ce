"""The HTTP pipeline: the single road every vendor call travels."""

from __future__ import annotations

from interlink.http._mock import MockTransport, respond
from interlink.http._models import Request, Response
from interlink.http._transport import Transport

__all__ = ["MockTransport", "Request", "Response", "Transport", "respond"]
