"""The store's outbound tables (migration 0003), under the names this package uses."""

from __future__ import annotations

from interlink.store._tables import webhook_attempts as attempts
from interlink.store._tables import webhook_deliveries as deliveries
from interlink.store._tables import webhook_subscriptions as subscriptions

__all__ = ["attempts", "deliveries", "subscriptions"]
