"""`interlink tenants` and `interlink connections`: add, list, remove, test, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from interlink.cli import app
from interlink.cli._fleet import Fleet
from interlink.store import open_store

SECRET = "pat-na1-0f3c9e7d-distinctive-secret"
# HubSpot's answer to a token it does not know (its real wording, kept by the simulator).
HUBSPOT_REFUSAL = "Authentication credentials not found. This API supports OAuth 2.0 authentication"


def _tenant(cli: CliRunner, name: str = "Acme") -> str:
    result = cli.invoke(app, ["tenants", "create", name, "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def _add(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, ["connections", "add", *args, "--json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def test_tenants_create_and_list(cli: CliRunner, cli_env: Path) -> None:
    """A created tenant is listed, as a table and as JSON."""
    tenant_id = _tenant(cli)
    listed = cli.invoke(app, ["tenants", "list", "--json"])
    assert [t["id"] for t in json.loads(listed.stdout)] == [tenant_id]
    assert "Acme" in cli.invoke(app, ["tenants", "list"]).stdout


def test_tenants_set_require_if_match(cli: CliRunner, cli_env: Path) -> None:
    """`tenants set` turns require_if_match on and off (listed in settings, audited); without
    a flag or for an unknown tenant it exits 2 naming what is wrong and changes nothing."""
    tenant_id = _tenant(cli)
    on = cli.invoke(app, ["tenants", "set", "Acme", "--require-if-match", "--json"])
    assert on.exit_code == 0, on.output
    assert json.loads(on.stdout)["settings"] == {"require_if_match": True}
    listed = json.loads(cli.invoke(app, ["tenants", "list", "--json"]).stdout)
    assert listed[0]["settings"] == {"require_if_match": True}
    off = cli.invoke(app, ["tenants", "set", tenant_id, "--no-require-if-match"])
    assert off.exit_code == 0, off.output
    assert "If-Match not required" in off.stdout
    bare = cli.invoke(app, ["tenants", "set", "Acme"])
    assert bare.exit_code == 2
    assert "--require-if-match" in bare.output
    unknown = cli.invoke(app, ["tenants", "set", "Nobody", "--require-if-match"])
    assert unknown.exit_code == 2
    assert "no tenant 'Nobody'" in unknown.output
    listed = json.loads(cli.invoke(app, ["tenants", "list", "--json"]).stdout)
    assert [t["settings"] for t in listed] == [{"require_if_match": False}]
    audit = json.loads(cli.invoke(app, ["audit", "--json"]).stdout)
    assert [(e["action"], e["target"]) for e in audit] == [("tenant.update", tenant_id)] * 2


def test_add_seals_the_credentials_and_never_prints_them(cli: CliRunner, cli_env: Path) -> None:
    """`add` stores the connection and its credentials in the vault; no output shows them."""
    _tenant(cli)
    result = cli.invoke(
        app, ["connections", "add", "hubspot", "--tenant", "Acme",
              "--credential", f"access_token={SECRET}", "--name", "main"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added connection conn_" in result.stdout
    listing = cli.invoke(app, ["connections", "list", "--json"])
    (row,) = json.loads(listing.stdout)
    assert (row["provider"], row["name"], row["auth_method"]) == ("hubspot", "main", "private_app")
    for output in (result.output, listing.output, cli.invoke(app, ["connections", "list"]).output):
        assert SECRET not in output
    store = open_store(f"sqlite:///{cli_env / 'interlink.db'}")
    try:
        sealed = store.get_credential(row["id"])
        assert sealed is not None
        assert SECRET.encode() not in sealed.blob
    finally:
        store.close()


def test_add_reads_a_credentials_file_and_variables(cli: CliRunner, cli_env: Path) -> None:
    """--credentials-file gives the credentials as JSON; --variable the spec's variables."""
    _tenant(cli)
    path = cli_env / "zendesk.json"
    path.write_text(json.dumps({"email": "ops@acme.test", "api_token": SECRET}))
    connection_id = _add(
        cli, "zendesk", "--tenant", "Acme", "--credentials-file", str(path),
        "--variable", "subdomain=acme",
    )  # fmt: skip
    listed = json.loads(cli.invoke(app, ["connections", "list", "--json"]).stdout)
    assert listed[0]["id"] == connection_id
    assert listed[0]["variables"] == {"subdomain": "acme"}


def test_remove_deletes_and_a_missing_connection_is_an_error(cli: CliRunner, cli_env: Path) -> None:
    """`remove ID` deletes it; removing it again exits 1 naming the id."""
    _tenant(cli)
    connection_id = _add(cli, "hubspot", "--tenant", "Acme", "--credential", "access_token=x")
    assert cli.invoke(app, ["connections", "remove", connection_id]).exit_code == 0
    assert json.loads(cli.invoke(app, ["connections", "list", "--json"]).stdout) == []
    again = cli.invoke(app, ["connections", "remove", connection_id])
    assert again.exit_code == 1
    assert f"no connection {connection_id!r}" in again.output


def test_an_unknown_provider_is_named_with_a_suggestion(cli: CliRunner, cli_env: Path) -> None:
    """A misspelt provider exits 2, suggests the close one and lists the known."""
    _tenant(cli)
    result = cli.invoke(app, ["connections", "add", "hubspt", "--tenant", "Acme"])
    assert result.exit_code == 2
    assert "unknown provider 'hubspt'" in result.output
    assert "did you mean 'hubspot'" in result.output


def test_a_credential_without_equals_is_refused_without_echoing_it(
    cli: CliRunner, cli_env: Path
) -> None:
    """--credential SECRET (no key=) exits 2 naming the option and position, not the value."""
    _tenant(cli)
    result = cli.invoke(
        app, ["connections", "add", "hubspot", "--tenant", "Acme", "--credential", SECRET]
    )
    assert result.exit_code == 2
    assert "--credential: expected key=value, got item 1" in result.output
    assert SECRET not in result.output


def test_a_credential_the_auth_method_does_not_read_is_refused(
    cli: CliRunner, cli_env: Path
) -> None:
    """An unknown credential key names the key and what the method reads."""
    _tenant(cli)
    result = cli.invoke(
        app, ["connections", "add", "hubspot", "--tenant", "Acme", "--credential", "token=x"]
    )
    assert result.exit_code == 2
    assert "'token' is not read by hubspot's private_app auth (reads: access_token)" in (
        result.output
    )


def test_missing_credentials_variables_and_tenant_are_named(cli: CliRunner, cli_env: Path) -> None:
    """No credential, a missing required variable, an unknown tenant: each exits 2, named."""
    _tenant(cli)
    none = cli.invoke(app, ["connections", "add", "hubspot", "--tenant", "Acme"])
    assert none.exit_code == 2
    assert "hubspot's private_app auth needs access_token" in none.output
    zendesk = cli.invoke(
        app, ["connections", "add", "zendesk", "--tenant", "Acme",
              "--credential", "email=a@b.test", "--credential", "api_token=x"],
    )  # fmt: skip
    assert zendesk.exit_code == 2
    assert "variables.subdomain: is required by zendesk" in zendesk.output
    nobody = cli.invoke(
        app,
        ["connections", "add", "hubspot", "--tenant", "Nobody", "--credential", "access_token=x"],
    )
    assert nobody.exit_code == 2
    assert "no tenant 'Nobody'" in nobody.output
    assert json.loads(cli.invoke(app, ["connections", "list", "--json"]).stdout) == []


def test_a_bad_credentials_file_is_named(cli: CliRunner, cli_env: Path) -> None:
    """A credentials file that is not a JSON object of strings exits 2 naming file and line."""
    _tenant(cli)
    path = cli_env / "creds.json"
    path.write_text('{"access_token": ')
    result = cli.invoke(
        app, ["connections", "add", "hubspot", "--tenant", "Acme", "--credentials-file", str(path)]
    )
    assert result.exit_code == 2
    assert f"--credentials-file: {path} is not JSON (line 1" in result.output
    path.write_text('{"access_token": 42}')
    result = cli.invoke(
        app, ["connections", "add", "hubspot", "--tenant", "Acme", "--credentials-file", str(path)]
    )
    assert result.exit_code == 2
    assert "access_token must be a string, not int" in result.output


def test_test_reads_the_first_page_through_the_pipeline(cli: CliRunner, hubspot: Fleet) -> None:
    """`connections test` on good credentials makes one call and reports the first page."""
    _tenant(cli)
    token = hubspot.credentials("hubspot")["access_token"]
    connection_id = _add(
        cli, "hubspot", "--tenant", "Acme", "--credential", f"access_token={token}"
    )
    result = cli.invoke(app, ["connections", "test", connection_id])
    assert result.exit_code == 0, result.output
    assert "ok: hubspot answered 100 record(s) on the first page of contacts (1 request(s))" in (
        result.output
    )


def test_test_with_wrong_credentials_fails_with_the_vendors_reason(
    cli: CliRunner, hubspot: Fleet
) -> None:
    """A token the vendor refuses exits 1 with HubSpot's own words, never the token."""
    _tenant(cli)
    connection_id = _add(
        cli, "hubspot", "--tenant", "Acme", "--credential", f"access_token={SECRET}"
    )
    result = cli.invoke(app, ["connections", "test", connection_id])
    assert result.exit_code == 1
    assert "AuthError" in result.output
    assert "401" in result.output
    assert HUBSPOT_REFUSAL in result.output  # the vendor's own message, not just its status
    assert SECRET not in result.output
