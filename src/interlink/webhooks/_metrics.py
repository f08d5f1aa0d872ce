"""Prometheus counters of the intake: what was accepted, what was a duplicate, what was refused."""

from __future__ import annotations

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

    def rejected(self, provider: str, reason: str) -> None:
        self.rejections.labels(provider=provider, reason=reason).inc()

    def value(self, name: str, **labels: str) -> float:
        """A counter's current value (0 when never incremented), for tests and the dashboard."""
        return self.registry.get_sample_value(f"{name}_total", labels) or 0.0
