"""Webhook intake: events/s accepted (verify, persist, acknowledge) vs a bare endpoint.

Two loopback servers, one after the other, each in its own process under the
same uvicorn and Starlette: (a) a bare endpoint that only answers 200; (b)
Interlink's intake, which resolves the connection, verifies the Stripe
signature (`t=,v1=`), parses the JSON, stores the event in the SQLite inbox
(WAL) and only then answers 200. The store is a group commit: the deliveries
that arrive while one transaction commits share the next one, and each request
is answered only after the commit holding its event. The same client (aiohttp,
64 concurrent senders) posts the same signed one-event deliveries to both.
Bar: >= 1,000 events/s accepted and ratio (b/a) >= 0.4. Both servers run
with the collector tuning `interlink serve` applies (`interlink._collector`).

Each round measures both servers; a round's ratio divides its own two figures.
The figures reported are those of the round with the median ratio (all three
from that one round); every round is in the JSON. After each round the inbox
is counted: its rows and its distinct event ids must both equal the events
sent (exactly once: none lost, none stored twice). The last line is one JSON
object.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import multiprocessing
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from _loopback import free_port

EVENTS = 6000
CONCURRENCY = 64
ROUNDS = 3
SECRET = "whsec_bench_0123456789abcdef"
CONNECTION = "conn_bench"
PATH = f"/webhooks/stripe/{CONNECTION}"


def _bare_app() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def ok(request: Any) -> Response:
        return Response(status_code=200)

    return Starlette(routes=[Route("/webhooks/{provider}/{connection_id}", ok, methods=["POST"])])


def _intake_app(root: Path) -> Any:
    import dataclasses

    from interlink.connectors import ConnectorRegistry, Template, WebhookSpec
    from interlink.pagination._paths import compile_path
    from interlink.store import open_store
    from interlink.vault import FileKeySource, Vault
    from interlink.webhooks import (
        EventRoute,
        Inbox,
        ProviderWebhooks,
        StoreTargets,
        WebhookIntake,
        WebhookProviders,
    )

    store = open_store(f"sqlite:///{root / 'interlink.db'}")
    vault = Vault(store, FileKeySource(root / "secret.key"))
    tenant = store.create_tenant("Bench")
    store.create_connection(
        tenant.id, "stripe", auth_method="default", variables={}, connection_id=CONNECTION
    )
    vault.put(CONNECTION, {"api_key": "sk_test_bench", "webhook_secret": SECRET})
    spec = ConnectorRegistry.builtin().get("stripe")
    declared = WebhookSpec(
        scheme="stripe",
        secret=Template.parse("{credentials.webhook_secret}", where="webhooks.secret"),
        event_id=compile_path("id", where="event_id"),
        occurred_at="created",
        object_id=compile_path("data.object.id", where="object_id"),
        event_type=compile_path("type", where="event_type"),
    )
    webhooks = ProviderWebhooks.from_spec(
        dataclasses.replace(spec, webhooks=declared),
        routes=[EventRoute("customer.*", "customers", "upsert",
                           record=compile_path("data.object", where="routes"))],
    )  # fmt: skip
    providers = WebhookProviders(overrides={"stripe": webhooks})
    inbox = Inbox.for_store(store)
    return WebhookIntake(inbox, StoreTargets(store._engine, providers, vault.get))


def _serve(kind: str, port: int, root: str) -> None:
    import uvicorn

    from interlink import _collector

    # Both servers with the collector tuning `interlink serve` applies (interlink._collector;
    # the intake's store opening freezes what it set up), so the ratio compares the work.
    _collector.enable()
    app = _bare_app() if kind == "bare" else _intake_app(Path(root))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False,
                lifespan="off")  # fmt: skip


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def _deliveries(round_: int) -> list[tuple[bytes, dict[str, str]]]:
    now = int(time.time())
    out = []
    for i in range(EVENTS):
        event = {
            "id": f"evt_{round_}_{i:08d}", "object": "event", "type": "customer.updated",
            "created": now, "api_version": "2023-08-16", "livemode": False,
            "data": {"object": {"id": f"cus_{i % 500:05d}", "object": "customer",
                                "email": f"person{i}@example.com", "name": f"Person {i}"}},
        }  # fmt: skip
        body = orjson.dumps(event)
        signature = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256)
        headers = {"Content-Type": "application/json",
                   "Stripe-Signature": f"t={now},v1={signature.hexdigest()}"}  # fmt: skip
        out.append((body, headers))
    return out


async def _send(url: str, deliveries: list[tuple[bytes, dict[str, str]]]) -> float:
    import aiohttp

    queue = iter(deliveries)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def sender() -> None:
            for body, headers in queue:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{response.status}: {await response.text()}")

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))
        return time.perf_counter() - started


def _run(kind: str, root: Path, round_: int) -> float:
    port = free_port()
    proc = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(kind, port, str(root)), daemon=True
    )
    proc.start()
    try:
        _wait(port)
        deliveries = _deliveries(round_)
        return EVENTS / asyncio.run(_send(f"http://127.0.0.1:{port}{PATH}", deliveries))
    finally:
        proc.terminate()
        proc.join(10)


def _stored(root: Path) -> tuple[int, int]:
    """The inbox's rows and distinct event ids (a duplicate shows as rows > ids)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{root / 'interlink.db'}")
    with engine.connect() as conn:
        rows, ids = conn.execute(
            text("SELECT count(*), count(DISTINCT event_id) FROM webhook_inbox")
        ).one()
    engine.dispose()
    return int(rows or 0), int(ids or 0)


def main() -> None:
    rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(ROUNDS):
            root = Path(tmp) / f"round{round_}"
            root.mkdir()
            bare = _run("bare", root, round_)
            intake = _run("intake", root, round_)
            rows, ids = _stored(root)
            if (rows, ids) != (EVENTS, EVENTS):
                raise SystemExit(f"round {round_}: {rows} rows and {ids} distinct event ids "
                                 f"in the inbox, expected {EVENTS} of each")  # fmt: skip
            rounds.append({"bare_eps": bare, "intake_eps": intake, "ratio": intake / bare})
    # The median round by ratio: its three figures belong together (one round's pair).
    chosen = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
    print(f"{EVENTS:,} one-event Stripe deliveries, {CONCURRENCY} concurrent senders, "
          f"uvicorn + Starlette on loopback, {ROUNDS} rounds")  # fmt: skip
    for n, r in enumerate(rounds):
        print(f"  round {n}: bare {r['bare_eps']:>8,.0f}/s  intake {r['intake_eps']:>8,.0f}/s  "
              f"ratio {r['ratio']:.2f}")  # fmt: skip
    print("the round with the median ratio:")
    bare, intake, ratio = chosen["bare_eps"], chosen["intake_eps"], chosen["ratio"]
    print(f"  bare endpoint (answers 200)                        {bare:>10,.0f} events/s")
    print(f"  intake (verify, store in SQLite inbox, answer 200) {intake:>10,.0f} events/s")
    print(f"  ratio (intake / bare, same round)                  {ratio:>10.2f}")
    print(json.dumps({"bench": "webhooks", "events": EVENTS, "concurrency": CONCURRENCY,
                      "bare_eps": round(bare), "intake_eps": round(intake),
                      "ratio": round(ratio, 3),
                      "rounds": [{k: round(v, 3) if k == "ratio" else round(v)
                                  for k, v in r.items()} for r in rounds]}))  # fmt: skip


if __name__ == "__main__":
    main()
