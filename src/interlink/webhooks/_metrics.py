"""Prometheus counters of the intake: what was accepted, what was a duplicate, what was refused."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter

__all__ = ["IntakeMetrics"]


class IntakeMetrics:
    """Counters labelled by provider and reason (or outcome), on `registry`.

    Each intake app gets its own registry unless one is given, so two apps in
    one process (tests, a server with several mounts) never collide.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.rejections = Counter(
            "interlink_webhook_rejections",
            "Webhook deliveries refused, by provider and reason",
            ["provider", "reason"],
            registry=self.registry,
        )
        self.events = Counter(
            "interlink_webhook_events",
            "Webhook events received, by provider and outcome (stored, duplicate)",
            ["provider", "outcome"],
            registry=self.registry,
        )

        self._children: dict[str, tuple[Any, Any]] = {}

    def received(self, provider: str, stored: int, duplicates: int) -> None:
        children = self._children.get(provider)
        if children is None:  # labels() costs a lookup per call: keep each provider's pair
            children = self._children[provider] = (
                self.events.labels(provider=provider, outcome="stored"),
                self.events.labels(provider=provider, outcome="duplicate"),
            )
        if stored:
            children[0].inc(stored)
        if duplicates:
            children[1].inc(duplicates)

    def rejected(self, provider: str, reason: str) -> None:
        self.rejections.labels(provider=provider, reason=reason).inc()

    def value(self, name: str, **labels: str) -> float:
        """A counter's current value (0 when never incremented), for tests and the dashboard."""
        return self.registry.get_sample_value(f"{name}_total", labels) or 0.0
