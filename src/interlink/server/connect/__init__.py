"""The connect flow: how a product's end users connect their accounts.

```python
from interlink.server.connect import ConnectConfig, OAuthApp, connect_router

app.include_router(connect_router(ConnectConfig(secret=..., vault=vault, transport=transport,
                                                apps={"salesforce": OAuthApp(id, secret)})))
```

The product mints a tenant token with its API key (`POST /v1/connect/tokens`)
and sends its user's browser to `/connect?tenant_token=...`: a hosted page to
pick a provider, then the vendor's OAuth consent screen (authorization code
with PKCE S256, state bound to the browser) or a credentials form checked with
one vendor call. The tokens are stored encrypted (vault) and the connection is
created. docs/connect.md describes the flow and its security.
"""

from __future__ import annotations

from interlink.server.connect._config import ConnectConfig, OAuthApp, server_secret
from interlink.server.connect._router import connect_router
from interlink.server.connect._signing import BadTokenError
from interlink.server.connect._tenant_tokens import TenantGrant, TenantTokens

__all__ = [
    "BadTokenError",
    "ConnectConfig",
    "OAuthApp",
    "TenantGrant",
    "TenantTokens",
    "connect_router",
    "server_secret",
]
