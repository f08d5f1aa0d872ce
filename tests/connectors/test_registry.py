"""The registry: built-ins, users' folders, duplicates refused, hooks resolved by reference."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from interlink import ConfigError
from interlink.connectors import (
    PATH_VARIABLE,
    ConnectorRegistry,
    SpecError,
    load_spec,
    load_spec_text,
    validate_path,
)

HERE = Path(__file__).parent
ACME = (HERE / "acme.yaml").read_text()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_builtin_registry_has_hubspot() -> None:
    """The built-in connectors load through the same loader and list by name."""
    registry = ConnectorRegistry.builtin()
    assert "hubspot" in registry.names()
    spec = registry.get("hubspot")
    assert spec.title == "HubSpot CRM"
    assert spec.source is not None
    assert spec.source.name == "connector.yaml"


def test_unknown_provider_is_a_config_error_with_a_suggestion() -> None:
    """get() of a typo names the close match and every known provider."""
    with pytest.raises(
        ConfigError, match=r"unknown provider 'hubspt' \(did you mean 'hubspot'\?\)"
    ):
        ConnectorRegistry.builtin().get("hubspt")


def test_a_folder_loads_its_valid_specs_and_reports_the_invalid(tmp_path: Path) -> None:
    """One good and one bad spec: the good one is registered, the bad one only reported."""
    write(tmp_path, "acme.yaml", ACME)
    write(tmp_path, "broken.yaml", ACME.replace("provider: acme", "provider: broken")
          .replace("type: api_key", "type: oauth3"))  # fmt: skip
    registry = ConnectorRegistry.builtin()
    problems = registry.load_dir(tmp_path)
    assert "acme" in registry
    assert "broken" not in registry
    assert [(Path(p.file).name, p.line, p.path) for p in problems] == [
        ("broken.yaml", 8, "auth.type")
    ]
    assert registry.problems == problems


def test_strict_loading_adds_nothing_when_any_spec_is_bad(tmp_path: Path) -> None:
    """strict=True is all or nothing for the whole folder."""
    write(tmp_path, "acme.yaml", ACME)
    write(tmp_path, "broken.yaml", "spec_version: 1\n")
    registry = ConnectorRegistry()
    with pytest.raises(SpecError):
        registry.load_dir(tmp_path, strict=True)
    assert registry.names() == []


def test_a_user_spec_never_replaces_a_builtin(tmp_path: Path) -> None:
    """A user spec claiming `hubspot` is a problem at its provider line; the built-in stays."""
    write(tmp_path, "hubspot.yaml", ACME.replace("provider: acme", "provider: hubspot"))
    registry = ConnectorRegistry.builtin()
    builtin = registry.get("hubspot")
    problems = registry.load_dir(tmp_path)
    assert registry.get("hubspot") is builtin
    assert [(p.line, p.path) for p in problems] == [(2, "provider")]
    assert "already declared by" in problems[0].message


def test_two_specs_of_one_provider_in_a_folder_keep_the_first(tmp_path: Path) -> None:
    """Within one folder the second spec of a provider is the problem."""
    write(tmp_path, "a.yaml", ACME)
    write(tmp_path, "b.yaml", ACME)
    specs, problems = validate_path(tmp_path)
    assert [s.source.name for s in specs if s.source] == ["a.yaml"]
    assert [Path(p.file).name for p in problems] == ["b.yaml"]


def test_the_environment_variable_adds_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ConnectorRegistry.default() loads INTERLINK_CONNECTORS_PATH after the built-ins."""
    write(tmp_path, "acme.yaml", ACME)
    monkeypatch.setenv(PATH_VARIABLE, str(tmp_path))
    assert {"acme", "hubspot"} <= set(ConnectorRegistry.default().names())


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    """Validating a folder without specs says so instead of passing silently."""
    _, problems = validate_path(tmp_path)
    assert "no connector specs" in problems[0].message


def test_hooks_resolve_by_module_and_function() -> None:
    """`module:function` imports the hook when the spec loads."""
    text = ACME.replace("passthrough:", 'hooks: {since: "hookmod:since_query"}\npassthrough:')
    text = text.replace("list: {path: /contacts, records: data}",
                        "list: {path: /contacts, records: data, hook: since}")  # fmt: skip
    spec = load_spec_text(text)
    from hookmod import since_query

    assert spec.hooks["since"] is since_query
    assert spec.resources["contacts"].operations["list"].hook is since_query


def test_hooks_resolve_by_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare name is looked up in the `interlink.hooks` entry-point group of the installed
    distributions: a real one (a dist-info with entry_points.txt, and its module) on sys.path."""
    (tmp_path / "acme_interlink_hooks.py").write_text("def since(call):\n    return call.request\n")
    info = tmp_path / "acme_interlink_hooks-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-interlink-hooks\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[interlink.hooks]\nacme_since = acme_interlink_hooks:since\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "acme_interlink_hooks", raising=False)
    spec = load_spec_text(ACME.replace("passthrough:", "hooks: {since: acme_since}\npassthrough:"))
    hook = spec.hooks["since"]
    assert (hook.__module__, hook.__name__) == ("acme_interlink_hooks", "since")
    assert metadata.distribution("acme-interlink-hooks").version == "1.0"


def test_a_hook_that_is_not_callable_is_a_load_error() -> None:
    """Naming a constant instead of a function is reported at hooks.NAME."""
    with pytest.raises(SpecError, match=r"hooks\.bad: hook 'hookmod:NOT_CALLABLE' is not callable"):
        load_spec_text(
            ACME.replace("passthrough:", 'hooks: {bad: "hookmod:NOT_CALLABLE"}\npassthrough:')
        )


def test_load_spec_reads_a_file_and_remembers_it() -> None:
    """load_spec keeps the source path on the spec."""
    spec = load_spec(HERE / "acme.yaml")
    assert spec.source == HERE / "acme.yaml"
