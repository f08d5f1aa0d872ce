"""The unified REST API: one FastAPI app over every tenant's connections.

```python
from interlink.server import create_app

app = create_app(astore, StoreConnections(astore, vault), runner=runner)
# uvicorn.run(app) -- or `interlink serve`
```

docs/api.md documents every endpoint, authentication, errors, idempotency
and concurrency control.
"""

from __future__ import annotations

from interlink.server._app import create_app
from interlink.server._idempotency import IdempotencyKeys
from interlink.server._keys import ApiKey, ApiKeys, IssuedKey
from interlink.server._metrics import MeteredTransport, Metrics, SyncMetrics
from interlink.server._problems import Problem

__all__ = [
    "ApiKey",
    "ApiKeys",
    "IdempotencyKeys",
    "IssuedKey",
    "MeteredTransport",
    "Metrics",
    "Problem",
    "SyncMetrics",
    "create_app",
]
