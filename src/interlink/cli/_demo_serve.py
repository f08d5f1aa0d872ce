"""The demo's last act: the unified REST API over the records it just synced.

The server is the one `interlink serve` runs (API, scheduler, webhook intake),
on the demo's store, with the vendors' hosts still routed to the simulators, so
reads come from the store and writes and the passthrough reach the simulated
vendors. The demo tenant gets an API key, printed once with a ready `curl`.
"""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape as rich_escape

from interlink._errors import ConfigError

if TYPE_CHECKING:
    from interlink.cli._demo import DemoContext

__all__ = ["serve_api"]

HOST = "127.0.0.1"


async def serve_api(
    context: DemoContext, port: int, console: Console, *, stop: asyncio.Event | None = None
) -> None:
    """Serve the API on 127.0.0.1:`port` until Ctrl-C (or `stop` is set)."""
    import uvicorn

    from interlink.server import ApiKeys
    from interlink.server._runtime import app_from_settings

    with socket.socket() as probe:  # a clear line instead of uvicorn's exit on a taken port
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise ConfigError(
                "--port",
                f"cannot serve on {HOST}:{port} ({exc.strerror}): pass --port N, or "
                "--no-serve to skip serving",
            ) from None
    issued = ApiKeys(context.store).create(context.tenant_id, "interlink demo")
    app = app_from_settings(context.settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False)
    )
    base = f"http://{HOST}:{port}"
    console.print(
        f"\nserving the unified API on {base} (docs at {base}/docs); Ctrl-C stops\n"
        f"  curl -H 'Authorization: Bearer {rich_escape(issued.secret)}' "
        f"'{base}/v1/crm/contacts?page_size=2'",
        highlight=False,
        soft_wrap=True,
    )
    serving = asyncio.create_task(server.serve())
    if stop is None:
        await serving
        return
    waiting = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    waiting.cancel()
    await serving
