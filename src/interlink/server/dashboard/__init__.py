"""The dashboard: the health of a tenant's integrations, server-rendered at `/dashboard`.

```python
from interlink.server.dashboard import DashboardConfig, dashboard_router

app.include_router(dashboard_router(DashboardConfig(secret, breakers=state.breakers)))
```

Connections with health, last sync, records, error rate, 429s, breaker state,
drift and missed webhooks; recent runs; the webhook dead-letter queue with a
replay button. Signed in with an API key or a tenant token; never shows a
credential. docs/dashboard.md describes every figure.
"""

from __future__ import annotations

from interlink.server.dashboard._figures import ConnectionFigures, Overview, overview
from interlink.server.dashboard._router import DashboardConfig, dashboard_router

__all__ = ["ConnectionFigures", "DashboardConfig", "Overview", "dashboard_router", "overview"]
