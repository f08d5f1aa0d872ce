"""Webhooks from vendors: verified, de-duplicated, persisted before acknowledged, applied in order.

```python
from interlink.webhooks import Inbox, StoreTargets, WebhookIntake, WebhookProcessor
from interlink.webhooks import WebhookProviders

inbox = Inbox.for_store(store)
providers = WebhookProviders(registry)
intake = WebhookIntake(inbox, StoreTargets(store._engine, providers, vault.get))   # ASGI app
processor = WebhookProcessor(inbox, providers, StoreConnections(...))
await processor.drain()
```

Signature schemes stand alone too: `scheme_named("stripe").verify(headers, body, secrets, now)`.
"""

from interlink.webhooks._app import TargetResolver, WebhookIntake
from interlink.webhooks._config import (
    EventInfo,
    EventRoute,
    MalformedDeliveryError,
    ProviderWebhooks,
    WebhookProviders,
)
from interlink.webhooks._deliveries import Attempt, OutboundDelivery, list_attempts, list_deliveries
from interlink.webhooks._dlq import DeadLetter, DeadLetters
from interlink.webhooks._hmac import HmacSignature
from interlink.webhooks._hubspot import HubSpotV3
from interlink.webhooks._inbox import Accepted, Inbox, InboxEvent
from interlink.webhooks._metrics import IntakeMetrics
from interlink.webhooks._missed import MissedWebhooks, missed_webhooks
from interlink.webhooks._outbound import DeliveryStats, OutboundDispatcher
from interlink.webhooks._processor import ConnectionOpener, ProcessStats, WebhookProcessor
from interlink.webhooks._schemes import SCHEMES, scheme_named
from interlink.webhooks._secret_rotation import SubscriptionSecrets
from interlink.webhooks._slack import SlackV0
from interlink.webhooks._standard import StandardWebhooks
from interlink.webhooks._stripe import StripeSignature
from interlink.webhooks._subscriptions import SECRET_PURPOSE, Subscription, Subscriptions
from interlink.webhooks._targets import IntakeTarget, StoreTargets, secrets_from
from interlink.webhooks._verify import Reason, Secret, SignatureScheme, WebhookVerificationError

__all__ = [
    "SCHEMES",
    "SECRET_PURPOSE",
    "Accepted",
    "Attempt",
    "ConnectionOpener",
    "DeadLetter",
    "DeadLetters",
    "DeliveryStats",
    "EventInfo",
    "EventRoute",
    "HmacSignature",
    "HubSpotV3",
    "Inbox",
    "InboxEvent",
    "IntakeMetrics",
    "IntakeTarget",
    "MalformedDeliveryError",
    "MissedWebhooks",
    "OutboundDelivery",
    "OutboundDispatcher",
    "ProcessStats",
    "ProviderWebhooks",
    "Reason",
    "Secret",
    "SignatureScheme",
    "SlackV0",
    "StandardWebhooks",
    "StoreTargets",
    "StripeSignature",
    "Subscription",
    "SubscriptionSecrets",
    "Subscriptions",
    "TargetResolver",
    "WebhookIntake",
    "WebhookProcessor",
    "WebhookProviders",
    "WebhookVerificationError",
    "list_attempts",
    "list_deliveries",
    "missed_webhooks",
    "scheme_named",
    "secrets_from",
]
