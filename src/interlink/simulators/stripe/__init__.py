"""Stripe, simulated: see `StripeSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.stripe._simulator import StripeSimulator
from interlink.simulators.stripe._wire import stripe_signature

__all__ = ["StripeSimulator", "stripe_signature"]
