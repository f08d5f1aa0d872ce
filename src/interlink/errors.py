"""The public error tree: `interlink._errors` re-exported whole (see its docstring for the drawing).

One list of names, kept in `_errors.__all__`, so the two cannot drift apart.
"""

from __future__ import annotations

from interlink import _errors
from interlink._errors import *  # noqa: F403 - the curated list is _errors.__all__

__doc__ = _errors.__doc__
__all__ = _errors.__all__
