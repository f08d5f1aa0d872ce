"""Vendor simulators: in-repo fakes of real vendor APIs, faithful to each vendor's behaviour.

Every simulator is an ASGI app (in process for tests, on loopback for the demo)
with a lazy seeded dataset, the vendor's pagination, auth, limits, errors and
webhooks, counters a test can read, and fault injection. Simulators never
import Interlink's client code: they are independent servers.

    sim = create_simulator("hubspot", records=2_500, clock=FakeClock())
    transport = httpx2.ASGITransport(app=sim.app)
"""

from __future__ import annotations

from interlink.simulators._base import (
    SIMULATORS,
    PageRequest,
    Simulator,
    SimulatorInfo,
    UnknownSimulatorError,
    create_simulator,
    register,
)
from interlink.simulators._counters import Counters
from interlink.simulators._dataset import Dataset, Rng
from interlink.simulators._faults import (
    PROFILES,
    FaultConfig,
    FaultConfigError,
    FaultInjector,
    SchemaDrift,
)
from interlink.simulators._http import Reply, RequestError, json_response, read_json_object
from interlink.simulators._ratelimit import (
    Decision,
    FixedWindow,
    LeakyBucket,
    Limiter,
    RollingWindow,
    TokenBucket,
)
from interlink.simulators._store import Collection, OrderedView, StoredRecord
from interlink.simulators._tokens import Check, Token, TokenState, TokenStore
from interlink.simulators._webhooks import SentDelivery, WebhookEmitter, WebhookFormat

__all__ = [
    "PROFILES",
    "SIMULATORS",
    "Check",
    "Collection",
    "Counters",
    "Dataset",
    "Decision",
    "FaultConfig",
    "FaultConfigError",
    "FaultInjector",
    "FixedWindow",
    "LeakyBucket",
    "Limiter",
    "OrderedView",
    "PageRequest",
    "Reply",
    "RequestError",
    "Rng",
    "RollingWindow",
    "SchemaDrift",
    "SentDelivery",
    "Simulator",
    "SimulatorInfo",
    "StoredRecord",
    "Token",
    "TokenBucket",
    "TokenState",
    "TokenStore",
    "UnknownSimulatorError",
    "WebhookEmitter",
    "WebhookFormat",
    "create_simulator",
    "json_response",
    "read_json_object",
    "register",
]

# Built-in vendors register themselves on import (after the names above exist,
# since their modules import them from here): one import per vendor, sorted.
from interlink.simulators import (
    bamboohr,
    github,
    hubspot,
    pipedrive,
    salesforce,
    shopify,
    slack,
    stripe,
    zendesk,
    zoho,
)

_VENDORS = (bamboohr, github, hubspot, pipedrive, salesforce, shopify, slack, stripe, zendesk, zoho)
