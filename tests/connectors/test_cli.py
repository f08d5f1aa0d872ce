"""`interlink connectors`: list, show, validate (exit codes, file:line output), schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from typer.testing import CliRunner

from interlink.cli import app
from interlink.connectors import BUILTIN_DIR

runner = CliRunner()
ACME = (Path(__file__).parent / "acme.yaml").read_text()


def test_list_shows_every_builtin_as_a_table() -> None:
    """The table has the provider, its title, categories, resources and auth methods."""
    result = runner.invoke(app, ["connectors", "list"])
    assert result.exit_code == 0, result.output
    assert "hubspot" in result.output
    assert "HubSpot CRM" in result.output
    assert "private_app" in result.output


def test_list_json_includes_a_users_folder(tmp_path: Path) -> None:
    """--json is machine-readable; --path adds a folder of user specs."""
    (tmp_path / "acme.yaml").write_text(ACME)
    result = runner.invoke(app, ["connectors", "list", "--json", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = {row["provider"]: row for row in json.loads(result.stdout)}
    assert rows["acme"]["resources"] == ["contacts"]
    assert rows["hubspot"]["auth_methods"] == ["oauth", "private_app"]


def test_show_lists_resources_operations_auth_and_limits() -> None:
    """show NAME --json names each operation's request, the auth methods and the limits."""
    result = runner.invoke(app, ["connectors", "show", "hubspot", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    contacts = shown["resources"]["contacts"]
    assert contacts["model"] == "crm.contact"
    assert contacts["endpoints"]["incremental"] == "POST /crm/v3/objects/contacts/search"
    assert shown["auth"] == {"private_app": "bearer", "oauth": "oauth2_refresh_token"}
    assert "window:100/10s" in shown["rate_limits"]
    table = runner.invoke(app, ["connectors", "show", "hubspot"])
    assert "PATCH /crm/v3/objects/contacts/{id}" in table.output


def test_show_of_an_unknown_provider_exits_2() -> None:
    """A typo is an error on stderr with the known names, exit status 2."""
    result = runner.invoke(app, ["connectors", "show", "nope"])
    assert result.exit_code == 2
    assert "unknown provider 'nope'" in result.output


def test_validate_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    """Every problem is one `file:line: path: message` line; any problem means exit 1."""
    bad = tmp_path / "acme.yaml"
    bad.write_text(ACME.replace("type: api_key", "type: oauth3").replace("fist", "x")
                   .replace("first_name: first", "fist_name: first"))  # fmt: skip
    result = runner.invoke(app, ["connectors", "validate", str(bad)])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"{bad}:8: auth.type: unknown auth type 'oauth3'")
    assert lines[1].startswith(f"{bad}:24: resources.contacts.read.fist_name: ")


def test_validate_ok_exits_0_with_a_summary() -> None:
    """The built-in folder validates: exit 0 and a one-line OK summary."""
    result = runner.invoke(app, ["connectors", "validate", str(BUILTIN_DIR)])
    assert result.exit_code == 0, result.output
    summary = result.stdout.splitlines()[0]  # every built-in, by name: more join over time
    assert summary.startswith("OK: ")
    assert "hubspot" in summary.partition("(")[2]


def test_validate_refuses_a_user_spec_shadowing_a_builtin(tmp_path: Path) -> None:
    """A user spec named like a built-in fails validation instead of replacing it later."""
    (tmp_path / "hubspot.yaml").write_text(ACME.replace("provider: acme", "provider: hubspot"))
    result = runner.invoke(app, ["connectors", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "hubspot.yaml:2: provider: provider 'hubspot' is already declared" in result.stdout


def test_schema_is_a_valid_draft_2020_12_schema_that_accepts_the_builtins() -> None:
    """`schema` prints a JSON Schema every built-in spec satisfies."""
    result = runner.invoke(app, ["connectors", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in BUILTIN_DIR.glob("*/connector.yaml"):
        jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))
