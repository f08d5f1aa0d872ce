"""Shopify Admin REST, simulated: see `ShopifySimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.shopify._simulator import ShopifySimulator
from interlink.simulators.shopify._wire import hmac_sha256_base64

__all__ = ["ShopifySimulator", "hmac_sha256_base64"]
