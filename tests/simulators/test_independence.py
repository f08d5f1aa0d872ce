"""Simulators stand beside the client stack: they never import the code they test."""

from __future__ import annotations

import ast
from pathlib import Path

import interlink.simulators

ALLOWED = ("interlink.simulators", "interlink._clock")


def test_simulators_import_no_client_code() -> None:
    """Every interlink import under interlink/simulators is the simulators' own, or the clock."""
    root = Path(interlink.simulators.__file__).parent
    offenders: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("interlink") and not name.startswith(ALLOWED):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno} imports {name}")
    assert offenders == []
    assert len(list(root.rglob("*.py"))) > 20  # the walk really saw the vendors
