"""Checking credentials before saving them: one real call through the pipeline.

The call reads the first page of the provider's first listable resource with
the given credentials (auth, limits, retries, error contract all apply), so a
wrong key is refused with the vendor's own reason and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from interlink._clock import Clock
from interlink._errors import ConfigError, InterlinkError, UpstreamError
from interlink.client import connect
from interlink.connectors import ConnectorSpec
from interlink.http import Transport
from interlink.state import State

__all__ = ["probe"]


async def probe(
    spec: ConnectorSpec,
    method: str,
    credentials: Mapping[str, str],
    variables: Mapping[str, str],
    transport: Transport,
    clock: Clock,
) -> str | None:
    """None when the credentials work; else why not, in the vendor's words where it gave any."""
    resource = next((n for n, r in spec.resources.items() if r.supports("list")), None)
    try:
        connection = connect(
            spec,
            credentials=credentials,
            variables=variables,
            auth_method=method,
            connection_id=f"probe-{spec.provider}",
            state=State.in_process(clock=clock),  # a probe shares no budget, token or breaker
            transport=_Borrowed(transport),
            clock=clock,
        )
    except ConfigError as exc:
        return str(exc)
    try:
        if resource is None:
            return None  # nothing to read: the spec offers no way to check
        async for _page in connection.pages(resource, max_pages=1):
            break
    except UpstreamError as exc:
        problem = exc.to_problem()
        status = f" (HTTP {exc.upstream_status})" if exc.upstream_status else ""
        return f"{spec.title} refused the credentials{status}: {problem.get('detail') or exc}"
    except InterlinkError as exc:
        return str(exc)
    finally:
        await connection.aclose()
    return None


class _Borrowed:
    """The server's transport, lent to the probe: closing the probe keeps it open."""

    __slots__ = ("send",)

    def __init__(self, inner: Transport) -> None:
        self.send = inner.send

    async def aclose(self) -> None:
        return None
