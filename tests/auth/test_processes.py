"""Two real OS processes sharing one rotating refresh token refresh it exactly once."""

from __future__ import annotations

import asyncio
import base64
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import orjson
import pytest
from authkit import CLIENT_ID, CLIENT_SECRET, FIRST_REFRESH_TOKEN
from redis.asyncio import Redis

WORKER = Path(__file__).with_name("oauth_worker.py")
CALLS_PER_WORKER = 20


class RotatingProvider:
    """Thread-safe loopback vendor: every refresh rotates; reusing an old token kills the grant."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.refresh_token = FIRST_REFRESH_TOKEN
        self.valid_access: set[str] = set()
        self.token_requests = 0
        self.grant_dead = False

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, object]]:
        user, _, password = (
            base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        )
        if (unquote(user), unquote(password)) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        with self.lock:
            self.token_requests += 1
            number = self.token_requests
        # Answer slowly, so the other process is sure to find the refresh lock taken.
        time.sleep(0.2)
        with self.lock:
            if self.grant_dead or form.get("refresh_token") != self.refresh_token:
                self.grant_dead = True
                return 400, {"error": "invalid_grant"}
            self.refresh_token = f"rt-SECRET-{number}"
            access = f"at-SECRET-{number}"
            self.valid_access.add(access)
        body = {"access_token": access, "refresh_token": self.refresh_token, "expires_in": 3600}
        return 200, body


def handler_for(provider: RotatingProvider) -> type[BaseHTTPRequestHandler]:
    """An HTTP handler class serving `provider`'s token endpoint and API."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            status, body = provider.token(form, self.headers.get("Authorization", ""))
            self.reply(status, body)

        def do_GET(self) -> None:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            with provider.lock:
                ok = token in provider.valid_access
            self.reply(200 if ok else 401, {"results": []} if ok else {"message": "no"})

        def reply(self, status: int, body: dict[str, object]) -> None:
            data = orjson.dumps(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@pytest.fixture
def provider() -> Iterator[tuple[RotatingProvider, str]]:
    """The rotating provider served on a loopback port, and its base URL."""
    vendor = RotatingProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(vendor))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield vendor, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_two_processes_refresh_a_rotating_token_once(
    provider: tuple[RotatingProvider, str], redis_url: str, redis_client: Redis, redis_prefix: str
) -> None:
    """Two worker processes, 20 calls each, one shared grant: one refresh, no burned grant."""
    vendor, base_url = provider
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            base_url,
            redis_url,
            redis_prefix,
            str(CALLS_PER_WORKER),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await worker.communicate() for worker in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
        assert b"SECRET" not in out + err  # nothing the processes logged shows a secret
    results = [orjson.loads(out.splitlines()[-1]) for out, _ in outputs]
    assert vendor.token_requests == 1
    assert not vendor.grant_dead
    for result in results:
        assert result["statuses"] == [200] * CALLS_PER_WORKER
    assert sorted(r["persisted"] for r in results) == [0, 1]  # persisted once, by the refresher
