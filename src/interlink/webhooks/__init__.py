"""Webhooks from vendors: verified, de-duplicated, persisted before acknowledged, applied in order.

```python
from interlink.webhooks import scheme_named

scheme = scheme_named("stripe")
scheme.verify(request_headers, raw_body, secrets=[current, previous], now=time.time())
```
"""

from interlink.webhooks._hmac import HmacSignature
from interlink.webhooks._hubspot import HubSpotV3
from interlink.webhooks._schemes import SCHEMES, scheme_named
from interlink.webhooks._slack import SlackV0
from interlink.webhooks._standard import StandardWebhooks
from interlink.webhooks._stripe import StripeSignature
from interlink.webhooks._verify import Reason, Secret, SignatureScheme, WebhookVerificationError

__all__ = [
    "SCHEMES",
    "HmacSignature",
    "HubSpotV3",
    "Reason",
    "Secret",
    "SignatureScheme",
    "SlackV0",
    "StandardWebhooks",
    "StripeSignature",
    "WebhookVerificationError",
    "scheme_named",
]
