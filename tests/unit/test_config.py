"""Settings: defaults, precedence (overrides, environment, .env, default), and failing fast naming the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from runxin.platform.config import Settings
from runxin.platform.errors import ConfigurationError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No RUNXIN_* key from the developer's shell, and a working directory without a .env file."""
    import os

    for key in list(os.environ):
        if key.startswith("RUNXIN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(tmp_path: Path) -> None:
    # Given an empty environment
    # When settings are read
    settings = Settings.from_env()
    # Then the documented defaults apply, with the database in the data directory
    assert settings.mode == "development" and not settings.production
    assert settings.data_dir == (tmp_path / ".data").resolve()
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path.resolve() / '.data' / 'runxin.db'}"
    assert settings.key_path == settings.data_dir / "signing-key.json"
    assert (settings.token_issuer, settings.token_audience, settings.token_ttl_seconds) == ("runxin-local", "runxin-api", 900)
    assert settings.standards_version == "2023"
    assert (settings.max_query_depth, settings.max_aliases, settings.max_tokens) == (12, 30, 4000)
    assert settings.introspection and settings.graphiql
    assert settings.broker_url == ""


def test_nothing_is_created_when_settings_are_read(tmp_path: Path) -> None:
    Settings.from_env()
    assert not (tmp_path / ".data").exists()


def test_precedence_override_then_environment_then_env_file_then_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given a .env file and an environment that both set some keys
    (tmp_path / ".env").write_text(
        "RUNXIN_TOKEN_ISSUER=from-file\nRUNXIN_TOKEN_AUDIENCE=from-file\nRUNXIN_MAX_ALIASES=7\n"
    )
    monkeypatch.setenv("RUNXIN_TOKEN_ISSUER", "from-env")
    monkeypatch.setenv("RUNXIN_MAX_ALIASES", "9")
    # When settings are read, with one explicit override (a CLI flag)
    settings = Settings.from_env(max_aliases=11)
    # Then the override beats the environment, the environment beats the file, the file the default
    assert settings.max_aliases == 11
    assert settings.token_issuer == "from-env"
    assert settings.token_audience == "from-file"
    assert settings.max_tokens == 4000


def test_env_file_can_be_switched_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RUNXIN_TOKEN_ISSUER=from-file\n")
    assert Settings.from_env(env_file=None).token_issuer == "runxin-local"


def test_data_dir_moves_the_default_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RUNXIN_DATA_DIR", str(tmp_path / "var"))
    settings = Settings.from_env()
    assert settings.database_url.endswith(f"{tmp_path.resolve() / 'var' / 'runxin.db'}")


def test_settings_are_frozen() -> None:
    settings = Settings.from_env()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.mode = "production"  # type: ignore[misc]
    assert settings.replace(max_aliases=3).max_aliases == 3 and settings.max_aliases == 30


@pytest.mark.parametrize(
    ("key", "value", "hint"),
    [
        ("RUNXIN_MODE", "staging", "development, production"),
        ("RUNXIN_DATABASE_URL", "mysql://root@localhost/runxin", "sqlite+aiosqlite:///PATH"),
        ("RUNXIN_DATABASE_URL", "postgresql://postgres@localhost/runxin", "postgresql+asyncpg://"),
        ("RUNXIN_TOKEN_TTL_SECONDS", "ten minutes", "int"),
        ("RUNXIN_TOKEN_TTL_SECONDS", "30", "between 60 and 3600"),
        ("RUNXIN_TOKEN_TTL_SECONDS", "86400", "between 60 and 3600"),
        ("RUNXIN_STANDARDS_VERSION", "2019", "2023, 2023-lenient"),
        ("RUNXIN_MAX_QUERY_DEPTH", "deep", "int"),
        ("RUNXIN_INTROSPECTION", "maybe", "true or false"),
    ],
)
def test_invalid_values_fail_naming_the_key(monkeypatch: pytest.MonkeyPatch, key: str, value: str, hint: str) -> None:
    # Given one invalid key
    monkeypatch.setenv(key, value)
    # When settings are read at start-up
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env()
    # Then the error names the key and says what a valid value looks like
    assert key in caught.value.message
    assert hint in caught.value.message


def test_invalid_key_in_env_file_fails_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RUNXIN_MODE=prod\n")
    with pytest.raises(ConfigurationError, match="RUNXIN_MODE"):
        Settings.from_env()


@pytest.mark.parametrize("value", ["true", "1", "yes", "on", "TRUE"])
def test_booleans_accept_the_usual_spellings(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("RUNXIN_MODE", "production")
    monkeypatch.setenv("RUNXIN_GRAPHIQL", value)
    assert Settings.from_env().graphiql is True


def test_production_turns_introspection_and_graphiql_off(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given production mode and no explicit choice
    monkeypatch.setenv("RUNXIN_MODE", "production")
    # When settings are read
    settings = Settings.from_env()
    # Then the schema is not browsable
    assert settings.production
    assert settings.introspection is False
    assert settings.graphiql is False


def test_production_keeps_an_explicit_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNXIN_MODE", "production")
    monkeypatch.setenv("RUNXIN_INTROSPECTION", "true")
    settings = Settings.from_env()
    assert settings.introspection is True and settings.graphiql is False


def test_development_can_switch_them_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNXIN_INTROSPECTION", "false")
    monkeypatch.setenv("RUNXIN_GRAPHIQL", "0")
    settings = Settings.from_env()
    assert settings.introspection is False and settings.graphiql is False


def test_mode_override_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNXIN_MODE", "development")
    settings = Settings.from_env(mode="production")
    assert settings.production and settings.introspection is False


def test_invalid_override_is_validated_too() -> None:
    with pytest.raises(ConfigurationError, match="RUNXIN_TOKEN_TTL_SECONDS"):
        Settings.from_env(token_ttl_seconds=5)


def test_the_replica_url_needs_postgresql_on_both_sides(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match="RUNXIN_DATABASE_REPLICA_URL"):
        Settings.from_env(env_file=None, data_dir=tmp_path, database_replica_url="postgresql+asyncpg://u@h:5432/db")


def test_the_redis_url_must_be_redis(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match="RUNXIN_REDIS_URL"):
        Settings.from_env(env_file=None, data_dir=tmp_path, redis_url="memcached://h:11211")
