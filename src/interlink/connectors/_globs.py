"""Passthrough allow-lists: glob patterns over raw paths (`/crm/v3/**`).

`*` matches within one path segment, `**` across segments. A pattern is a
path (it starts with `/`, has no query, fragment, `..` or whitespace), so a
spec cannot allow more than it shows. A requested path is normalised the
same way before matching: `..`, `//`, `?` and `#` are refused, not resolved.
"""

from __future__ import annotations

import re

from interlink._errors import ConfigError

__all__ = ["PathGlob", "check_raw_path", "compile_glob"]

PathGlob = re.Pattern[str]
_BAD = re.compile(r"[?#\s\\]")


def _problem(path: str) -> str | None:
    if not path.startswith("/"):
        return "must be a path starting with '/'"
    if _BAD.search(path):
        return "must be a bare path: no query, fragment, backslash or whitespace"
    segments = path.split("/")[1:]
    if any(s in (".", "..") for s in segments):
        return "must not contain '.' or '..' segments"
    if "" in segments[:-1]:
        return "must not contain empty segments ('//')"
    return None


def compile_glob(pattern: str, *, where: str) -> PathGlob:
    """A compiled allow pattern; a pattern that is not a path is a `ConfigError`."""
    problem = _problem(pattern)
    if problem is not None:
        raise ConfigError(where, f"{pattern!r} {problem}")
    if re.search(r"\*\*\*|[^/]\*\*|\*\*[^/]", pattern):
        raise ConfigError(where, f"{pattern!r}: '**' must be a whole segment ('/a/**')")
    regex = ""
    for token in re.split(r"(\*\*|\*)", pattern):
        regex += {"**": ".*", "*": "[^/]*"}.get(token, re.escape(token))
    if pattern.endswith("/**"):  # `/crm/v3/**` also allows `/crm/v3` itself
        regex = regex[: -len("/.*")] + "(?:/.*)?"
    return re.compile(regex)


def check_raw_path(path: str) -> str | None:
    """Why `path` cannot be sent through the passthrough, or None when it is a clean path."""
    return _problem(path)
