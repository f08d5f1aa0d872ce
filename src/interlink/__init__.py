"""Interlink: many third-party REST APIs, one resilient, unified road."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
