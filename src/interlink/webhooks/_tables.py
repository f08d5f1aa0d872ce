"""The store's webhook tables, under the names this package uses.

The store owns every table and its migrations (0001 the inbox and dead
letters, 0002 `next_attempt_at` and `webhook_versions`); this package reads
and writes them with SQLAlchemy Core, never through the store's `Store` class.
"""

from __future__ import annotations

from interlink.store._tables import dead_letters
from interlink.store._tables import webhook_inbox as inbox
from interlink.store._tables import webhook_versions as versions

__all__ = ["dead_letters", "inbox", "versions"]
