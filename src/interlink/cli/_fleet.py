"""The demo's vendors: simulators served on loopback ports, and how to connect to each.

```python
async with Fleet.serve(["hubspot", "stripe"], records=1_000, faults="chaos") as fleet:
    transport = RoutedTransport(fleet.routes, AiohttpTransport())
    fleet.credentials("stripe")        # the simulator's own valid key
```

Each vendor keeps its real host (`api.hubapi.com`); `routes` maps those hosts to
the loopback servers, so the built-in connectors run unchanged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from interlink.simulators import PROFILES, FaultConfig, Simulator, create_simulator

__all__ = ["DEMO_VENDORS", "Fleet", "VendorSetup", "demo_faults"]

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class VendorSetup:
    """How the demo connects to one vendor's simulator."""

    provider: str
    host: str
    credentials: Callable[[Any], dict[str, str]]
    collections: Mapping[str, str]
    """Connector resource -> the simulator collection that holds its records."""
    variables: Mapping[str, str] = dataclasses.field(default_factory=dict)


DEMO_VENDORS: Mapping[str, VendorSetup] = {
    setup.provider: setup
    for setup in (
        VendorSetup(
            "hubspot",
            "api.hubapi.com",
            lambda s: {"access_token": s.default_token.value},
            {"contacts": "contacts"},
        ),
        VendorSetup(
            "salesforce",
            "acme.my.salesforce.com",
            lambda s: {"access_token": s.default_token.value},
            {"contacts": "Contact", "accounts": "Account"},
            {"instance": "acme.my.salesforce.com"},
        ),
        VendorSetup(
            "pipedrive",
            "api.pipedrive.com",
            lambda s: {"api_token": s.api_token.value},
            {"persons": "persons", "organizations": "organizations"},
        ),
        VendorSetup(
            "zendesk",
            "acme.zendesk.com",
            lambda s: {"email": "user@example.com", "api_token": s.default_token.value},
            {"tickets": "tickets", "users": "users"},
            {"subdomain": "acme"},
        ),
        VendorSetup(
            "stripe",
            "api.stripe.com",
            lambda s: {"api_key": s.default_key.value},
            {"customers": "customers", "invoices": "invoices"},
        ),
        VendorSetup(
            "github",
            "api.github.com",
            lambda s: {"token": s.default_token.value},
            {"issues": "issues"},
            {"owner": "acme-corp", "repo": "platform"},
        ),
    )
}


def demo_faults(profile: str | FaultConfig) -> FaultConfig:
    """The fault profile the demo's vendors run with (a profile name or a config).

    Credential revocation is left out: a revoked API key is not a fault any client can
    survive (the customer has to reconnect), and the demo shows what can be survived.
    """
    config = PROFILES[profile] if isinstance(profile, str) else profile
    return dataclasses.replace(config, revoke_rate=0.0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Fleet:
    """Simulators serving on loopback for the duration of `Fleet.serve(...)`."""

    def __init__(self, simulators: Mapping[str, Simulator], bases: Mapping[str, str]) -> None:
        self.simulators = dict(simulators)
        self.bases = dict(bases)

    @property
    def routes(self) -> dict[str, str]:
        """Vendor host -> loopback base URL, for `RoutedTransport`."""
        return {DEMO_VENDORS[p].host: base for p, base in self.bases.items()}

    def credentials(self, provider: str) -> dict[str, str]:
        """Valid credentials for the provider's simulator (its default key or token)."""
        return DEMO_VENDORS[provider].credentials(self.simulators[provider])

    def variables(self, provider: str) -> dict[str, str]:
        return dict(DEMO_VENDORS[provider].variables)

    def resources(self, provider: str) -> list[str]:
        """The provider's resources the demo syncs."""
        return list(DEMO_VENDORS[provider].collections)

    def expected(self, provider: str, resource: str) -> int:
        """How many live records the vendor holds for `resource` now."""
        collection = DEMO_VENDORS[provider].collections[resource]
        return self.simulators[provider].collections[collection].live_records()

    def faults_survived(self) -> dict[str, int]:
        """Faults injected by all the vendors, by kind, plus 429s their limits answered."""
        total: dict[str, int] = {}
        for sim in self.simulators.values():
            for kind, count in sim.counters.faults.items():
                if count:
                    total[kind] = total.get(kind, 0) + count
            # Every 429 answered is counted; those not injected came from the vendor's limits.
            limited = sim.counters.rate_limited - sim.counters.faults.get("error_429", 0)
            if limited > 0:
                total["429 (limit)"] = total.get("429 (limit)", 0) + limited
        return total

    @classmethod
    @asynccontextmanager
    async def serve(
        cls,
        providers: Sequence[str],
        *,
        records: int,
        faults: str | FaultConfig = "none",
        seed: int = 0,
    ) -> AsyncIterator[Fleet]:
        """Start one uvicorn server per provider on a free 127.0.0.1 port; stop them after."""
        import uvicorn

        unknown = [p for p in providers if p not in DEMO_VENDORS]
        if unknown:
            raise ValueError(f"no demo setup for {unknown[0]!r}; known: {', '.join(DEMO_VENDORS)}")
        config = demo_faults(faults)
        sims = {
            p: create_simulator(p, records=records, faults=config, seed=seed) for p in providers
        }
        servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
        bases: dict[str, str] = {}
        try:
            for provider, sim in sims.items():
                port = _free_port()
                server = uvicorn.Server(
                    uvicorn.Config(sim.app, host=HOST, port=port, log_level="critical",
                                   lifespan="on", forwarded_allow_ips=HOST)
                )  # fmt: skip
                task = asyncio.create_task(server.serve(), name=f"simulator {provider}")
                servers.append((server, task))
                while not server.started:  # uvicorn offers no event to await
                    if task.done():
                        task.result()  # surfaces a bind error
                    await asyncio.sleep(0.01)
                bases[provider] = f"http://{HOST}:{port}"
            yield cls(sims, bases)
        finally:
            for server, _ in servers:
                server.should_exit = True
            await asyncio.gather(*(task for _, task in servers), return_exceptions=True)
