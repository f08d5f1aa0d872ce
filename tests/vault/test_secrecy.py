"""THE secrecy test: a credential stored through the vault is readable nowhere else.

A distinctive secret goes through every vault path (put, get, rotation, the
CLI, every error the vault raises) into a real SQLite file and a real
PostgreSQL schema, with structlog and stdlib logging (SQLAlchemy's statement
and parameter logging included) captured at debug. Then the secret's bytes,
hex and base64 forms (at every alignment) are searched for in the database
file and its WAL, every table's rows, the logs, and every error's str and repr.
"""

from __future__ import annotations

import base64
import logging
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from tests.vault.conftest import add_connection
from typer.testing import CliRunner

from interlink._logging import configure_logging
from interlink.cli import app
from interlink.store import Store
from interlink.vault import FileKeySource, Key, Vault

SECRET = f"sk_live_CANARY_{secrets.token_hex(12)}"


def _forms(secret: str) -> set[bytes]:
    """Every way the secret's bytes could show up: raw, hex, base64 at any alignment."""
    raw = secret.encode()
    forms = {raw, raw.hex().encode(), raw.hex().upper().encode(), secret.encode("utf-16-le")}
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * offset + raw)
            # Keep the characters that depend on the secret's bytes alone.
            start = 4 if offset else 0
            forms.add(text[start:-4])
    return forms


FORMS = _forms(SECRET)


def _leaks(data: bytes) -> list[bytes]:
    return [form for form in FORMS if form in data]


def test_the_forms_searched_for_would_be_found() -> None:
    """The search itself works: each form is found where the secret was written plainly."""
    payload = b'{"api_key": "' + SECRET.encode() + b'"}'
    assert _leaks(payload)
    for offset in range(3):
        assert _leaks(base64.b64encode(b"x" * offset + payload))
    assert _leaks(payload.hex().encode())


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Everything logged at debug, stdlib (with SQLAlchemy's SQL and parameters) and structlog."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy.pool").setLevel(logging.DEBUG)
    configure_logging("debug", json=True)
    lines: list[str] = []
    yield lines
    lines.extend(record.getMessage() for record in caplog.records)
    lines.extend(repr(record.args) for record in caplog.records)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)
    logging.getLogger("sqlalchemy.pool").setLevel(logging.NOTSET)


def _exercise(
    store: Store, key_file: Path, errors: list[BaseException], *, cli_url: str | None = None
) -> list[str]:
    """Every vault path, with the secret (and the CLI on `cli_url`); returns what the
    vault's objects and commands rendered."""

    def expect_error(action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:
            errors.append(exc)
        else:
            raise AssertionError(f"{action} should have raised")

    add_connection(store, "conn_secret")
    add_connection(store, "conn_other")
    vault = Vault(store, FileKeySource(key_file))
    credentials = {"api_key": SECRET, "client_secret": SECRET[::-1]}
    vault.put("conn_secret", credentials)
    assert vault.get("conn_secret") == credentials

    row = store.get_credential("conn_secret")
    assert row is not None
    store.put_credential("conn_other", row.key_id, row.blob)  # a blob moved to another connection
    expect_error(lambda: vault.get("conn_other"))
    vault.put("conn_other", {"api_key": "not the secret"})  # so later passes find no stray
    tampered = bytearray(row.blob)
    tampered[-1] ^= 1
    expect_error(lambda: vault.open("conn_secret", bytes(tampered)))
    expect_error(lambda: vault.put("conn_secret", {"api_key": SECRET, "n": 1}))  # type: ignore[dict-item]
    expect_error(lambda: Key.from_text(SECRET, where="INTERLINK_SECRET_KEY"))

    report = vault.rotate(Key.generate())
    assert vault.get("conn_secret") == credentials
    rendered = [repr(vault), repr(vault.keyring), repr(report), str(report), repr(row)]

    if cli_url is not None:
        cli = CliRunner()
        for args in (["vault", "status"], ["vault", "rotate-key", "--json"]):
            result = cli.invoke(app, [*args, "--database", cli_url, "--key-file", str(key_file)])
            assert result.exit_code == 0, result.output
            rendered.append(result.output)

    saved = key_file.read_bytes()
    key_file.unlink()
    expect_error(lambda: Vault(store, FileKeySource(key_file)))  # missing key, data stored
    key_file.write_bytes(saved[:50])
    key_file.chmod(0o600)
    expect_error(lambda: Vault(store, FileKeySource(key_file)))  # corrupt key file
    return rendered


def _error_texts(errors: list[BaseException]) -> list[str]:
    texts: list[str] = []
    for error in errors:
        current: BaseException | None = error
        while current is not None:
            texts += [str(current), repr(current), repr(current.args)]
            current = current.__cause__ or current.__context__
    return texts


def _assert_nowhere(where: str, data: bytes) -> None:
    found = _leaks(data)
    assert not found, f"the secret appears in {where} as {found[0][:12]!r}..."


def test_no_credential_is_readable_in_sqlite_logs_or_errors(
    sqlite_store: Store,
    key_file: Path,
    tmp_path: Path,
    captured_logs: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SQLite file + WAL, every row, every log line and every error are free of the secret."""
    errors: list[BaseException] = []
    database = tmp_path / "interlink.db"
    rendered = _exercise(sqlite_store, key_file, errors, cli_url=f"sqlite:///{database}")
    assert len(errors) == 6
    wal = tmp_path / "interlink.db-wal"
    assert wal.exists()  # WAL mode: recent writes live here until a checkpoint
    for path in (database, wal, tmp_path / "interlink.db-shm"):
        if path.exists():
            _assert_nowhere(str(path), path.read_bytes())
    with closing(sqlite3.connect(database)) as conn:  # every row of every table, as stored
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        assert ("credentials",) in tables
        for (table,) in tables:
            for stored in conn.execute(f'SELECT * FROM "{table}"'):
                _assert_nowhere(f"table {table}", repr(stored).encode())
    sqlite_store.close()  # checkpoint the WAL into the file, then look again
    _assert_nowhere(str(database), database.read_bytes())

    out, err = capsys.readouterr()
    assert "vault.credentials_stored" in err  # structlog output was captured
    _assert_nowhere("structlog output", (out + err).encode())
    _assert_nowhere("stdlib logging", "\n".join(captured_logs).encode())
    _assert_nowhere("errors", "\n".join(_error_texts(errors)).encode())
    _assert_nowhere("reprs and CLI output", "\n".join(rendered).encode())


@pytest.mark.postgres
def test_no_credential_is_readable_in_postgresql_logs_or_errors(
    pg_store: Store,
    pg_schema: str,
    postgres_url: str,
    key_file: Path,
    captured_logs: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every PostgreSQL row (bytea as stored), every log line and every error: no secret."""
    errors: list[BaseException] = []
    rendered = _exercise(pg_store, key_file, errors)
    assert len(errors) == 6
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (pg_schema,),
        ).fetchall()
        assert ("credentials",) in tables
        for (table,) in tables:
            rows = conn.execute(f'SELECT row_to_json(t)::text FROM "{pg_schema}"."{table}" t')
            for (as_json,) in rows:
                _assert_nowhere(f"table {table}", as_json.encode())
        blobs = conn.execute(f'SELECT blob FROM "{pg_schema}".credentials').fetchall()
        assert blobs
        for (blob,) in blobs:
            _assert_nowhere("a credentials blob", bytes(blob))
    out, err = capsys.readouterr()
    assert "vault.credentials_stored" in err
    _assert_nowhere("structlog output", (out + err).encode())
    _assert_nowhere("stdlib logging", "\n".join(captured_logs).encode())
    _assert_nowhere("errors", "\n".join(_error_texts(errors)).encode())
    _assert_nowhere("reprs and CLI output", "\n".join(rendered).encode())
