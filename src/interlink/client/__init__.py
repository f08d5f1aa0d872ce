"""Connections: a provider's spec plus a customer's credentials, as one resilient client.

```python
import interlink

async with interlink.connect("hubspot", credentials={"access_token": token}) as hubspot:
    async for contact in hubspot.list("crm.contact", modified_after=since):
        ...

with interlink.connect_sync("hubspot", credentials={"access_token": token}) as hubspot:
    contact = hubspot.get("contacts", "1001")
```
"""

from __future__ import annotations

from interlink.client._connect import connect
from interlink.client._connection import Connection, MappedPage, OnError
from interlink.client._sync import SyncConnection, connect_sync

__all__ = ["Connection", "MappedPage", "OnError", "SyncConnection", "connect", "connect_sync"]
