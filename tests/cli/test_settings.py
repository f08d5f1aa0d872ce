"""`interlink.settings`: environment over file, and one clear error per kind of bad value."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from interlink.errors import ConfigError
from interlink.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No INTERLINK_* variable of the machine leaks in; the working dir is empty."""
    import os

    for name in list(os.environ):
        if name.startswith("INTERLINK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "interlink.toml"
    path.write_text(text)
    return path


def test_defaults_are_the_embedded_zero_setup_mode() -> None:
    """Without file or variables: SQLite under ./.interlink, in-process state, 8 at once."""
    settings = load_settings()
    assert settings.database_url == "sqlite:///./.interlink/interlink.db"
    assert settings.key_file == Path(".interlink/secret.key")
    assert settings.state == "memory"
    assert settings.concurrency == 8
    assert settings.lookback == timedelta(minutes=5)
    assert settings.routes == {}


def test_the_file_in_the_working_dir_is_read(tmp_path: Path) -> None:
    """./interlink.toml sets values, tables included, with friendly durations."""
    _write(
        tmp_path,
        'concurrency = 3\nlookback = "90s"\nfull_sync_every = "2h"\n'
        '[routes]\n"api.hubapi.com" = "http://127.0.0.1:8900"\n'
        '[intervals]\n"hubspot.contacts" = "2m"\nstripe = 600\n',
    )
    settings = load_settings()
    assert settings.concurrency == 3
    assert settings.lookback == timedelta(seconds=90)
    assert settings.full_sync_every == timedelta(hours=2)
    assert settings.routes == {"api.hubapi.com": "http://127.0.0.1:8900"}
    assert settings.interval_for("hubspot", "contacts") == timedelta(minutes=2)
    assert settings.interval_for("stripe", "customers") == timedelta(minutes=10)
    assert settings.interval_for("github", "issues") == settings.default_interval


def test_environment_wins_over_the_file_and_options_over_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """INTERLINK_X beats the file's x; a command-line override beats both."""
    _write(tmp_path, "concurrency = 3\nstate = 'memory'\n")
    monkeypatch.setenv("INTERLINK_CONCURRENCY", "5")
    monkeypatch.setenv("INTERLINK_ROUTES", '{"api.stripe.com": "http://127.0.0.1:9"}')
    assert load_settings().concurrency == 5
    assert load_settings().routes == {"api.stripe.com": "http://127.0.0.1:9"}
    assert load_settings(concurrency=2).concurrency == 2
    assert load_settings(concurrency=None).concurrency == 5


def test_interlink_settings_names_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$INTERLINK_SETTINGS points at the file to read instead of ./interlink.toml."""
    other = tmp_path / "elsewhere.toml"
    other.write_text('database_url = "sqlite:///x.db"\n')
    monkeypatch.setenv("INTERLINK_SETTINGS", str(other))
    assert load_settings().database_url == "sqlite:///x.db"


def test_a_missing_named_settings_file_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """$INTERLINK_SETTINGS naming no file stops with the variable and the path."""
    monkeypatch.setenv("INTERLINK_SETTINGS", "/nowhere/interlink.toml")
    with pytest.raises(ConfigError, match=r"INTERLINK_SETTINGS: no settings file at /nowhere"):
        load_settings()


def test_invalid_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    """A syntax error in the file is reported with the file and TOML's line."""
    path = _write(tmp_path, "concurrency = \n")
    with pytest.raises(ConfigError, match=r"interlink.toml: is not valid TOML: .*line 1") as info:
        load_settings()
    assert str(path) in str(info.value)


def test_an_unknown_key_in_the_file_lists_the_known_ones(tmp_path: Path) -> None:
    """A typo in a key names the file, the key and the settings that exist."""
    _write(tmp_path, "concurency = 3\n")
    with pytest.raises(ConfigError, match=r"interlink.toml: concurency: is not a setting"):
        load_settings()


def test_a_bad_number_in_the_file_names_file_key_and_expectation(tmp_path: Path) -> None:
    """concurrency = 0 names the file, the key, the bound and the value given."""
    _write(tmp_path, "concurrency = 0\n")
    with pytest.raises(
        ConfigError, match=r"interlink.toml: concurrency: .*greater than or equal to 1 \(got 0\)"
    ):
        load_settings()


def test_a_bad_duration_says_what_a_duration_looks_like(tmp_path: Path) -> None:
    """lookback = '5 minutes' explains the accepted forms."""
    _write(tmp_path, 'lookback = "5 minutes"\n')
    with pytest.raises(ConfigError, match=r"lookback: expected a duration: seconds \(90\), 90s"):
        load_settings()


def test_a_non_positive_interval_is_refused(tmp_path: Path) -> None:
    """An interval of 0 would spin the scheduler: it is named with its key."""
    _write(tmp_path, '[intervals]\n"hubspot.contacts" = 0\n')
    with pytest.raises(ConfigError, match=r"intervals: .*hubspot.contacts.*must be a positive"):
        load_settings()


def test_a_bad_variable_is_named_as_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """INTERLINK_CONCURRENCY=many names the variable, not a file."""
    monkeypatch.setenv("INTERLINK_CONCURRENCY", "many")
    with pytest.raises(ConfigError, match=r"^INTERLINK_CONCURRENCY: .*integer.*\(got 'many'\)"):
        load_settings()


def test_a_mapping_variable_that_is_not_json_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """INTERLINK_ROUTES must hold a JSON object; anything else is named."""
    monkeypatch.setenv("INTERLINK_ROUTES", "api.hubapi.com=http://127.0.0.1:1")
    with pytest.raises(ConfigError, match=r"^INTERLINK_ROUTES: must be a JSON object"):
        load_settings()


def test_a_bad_database_url_is_shown_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unsupported URL is refused, and the password in it is never echoed."""
    monkeypatch.setenv("INTERLINK_DATABASE_URL", "mysql://admin:hunter2@db/x")
    with pytest.raises(ConfigError, match=r"INTERLINK_DATABASE_URL: must be a sqlite") as info:
        load_settings()
    assert "hunter2" not in str(info.value)


def test_bad_state_and_routes_are_refused(tmp_path: Path) -> None:
    """state must be memory or redis://; a route must map a bare host to an http URL."""
    _write(tmp_path, 'state = "memcached://x"\n')
    with pytest.raises(ConfigError, match=r"state: must be 'memory' or a redis:// URL"):
        load_settings()
    _write(tmp_path, '[routes]\n"api.hubapi.com" = "127.0.0.1:8900"\n')
    with pytest.raises(ConfigError, match=r"routes: .*must be an http\(s\):// base URL"):
        load_settings()


def test_a_bad_override_is_named_as_the_option(tmp_path: Path) -> None:
    """A bad command-line value is reported as --option."""
    with pytest.raises(ConfigError, match=r"^--concurrency: "):
        load_settings(concurrency=-1)


def test_settings_are_frozen() -> None:
    """A loaded Settings cannot be changed behind the back of whoever read it."""
    settings = Settings()
    with pytest.raises(Exception, match="frozen"):
        settings.concurrency = 3  # type: ignore[misc]


def test_oauth_apps_are_read_and_their_secret_never_printed(tmp_path: Path) -> None:
    """`[oauth_apps.<provider>]` gives the connect flow its app; the secret stays masked."""
    _write(
        tmp_path,
        '[oauth_apps.salesforce]\nclient_id = "3MVG9"\nclient_secret = "shh-123"\n'
        'scopes = ["api", "refresh_token"]\n',
    )
    settings = load_settings()
    app = settings.oauth_apps["salesforce"]
    assert app.client_id == "3MVG9"
    assert app.client_secret.get_secret_value() == "shh-123"
    assert app.scopes == ("api", "refresh_token")
    assert "shh-123" not in repr(settings)


def test_an_oauth_app_without_its_secret_is_named(tmp_path: Path) -> None:
    """A bad app is one error naming the provider's entry and key, never echoing the secret."""
    _write(tmp_path, '[oauth_apps.salesforce]\nclient_id = "3MVG9"\n')
    with pytest.raises(ConfigError, match=r"oauth_apps: salesforce\.client_secret: Field required"):
        load_settings()
    _write(tmp_path, '[oauth_apps.salesforce]\nclient_id = ""\nclient_secret = "shh-123"\n')
    with pytest.raises(ConfigError, match=r"salesforce\.client_id") as caught:
        load_settings()
    assert "shh-123" not in str(caught.value)
