"""Secrets never reach a log or an error message; secret settings may come from files.

The secrets: API client secrets, access tokens (ours and tampered ones), webhook signing secrets,
and the passwords in the database and broker URLs. The log test captures every logger at DEBUG
while the requests that handle secrets run, then looks for each secret in every captured line.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import httpx
import pytest

from runxin.platform.config import Settings
from runxin.platform.credentials import redact_url
from runxin.platform.delivery.sender import Claim, post
from runxin.platform.errors import ConfigurationError
from runxin.tenants.clients import create_client
from runxin.workers.broker import make_broker
from tests.e2e.test_delivery import CREATE
from tests.factories.tree import make_tree

PASSWORD = "pw-7Hq2-never-shown"


def captured(caplog: pytest.LogCaptureFixture) -> str:
    lines = [caplog.text]
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


async def test_no_secret_reaches_a_log(api, system_session, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    app = await create_client(system_session, tenant_code=tree.city.code, name="City MIS", scopes="tenants:read")
    await system_session.commit()
    client_id, secrets = app.client.client_id, [app.secret]
    form = {"grant_type": "client_credentials", "scope": "tenants:read"}
    # The token endpoint, with the right secret and a wrong one.
    issued = await api.client.post("/oauth/token", data=form, auth=(client_id, app.secret))
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    wrong = "rxs_" + uuid.uuid4().hex * 2
    refused = await api.client.post("/oauth/token", data={**form, "client_id": client_id, "client_secret": wrong})
    assert refused.status_code == 401 and wrong not in refused.text
    # GraphQL with the token, a tampered token, and a person's token.
    tampered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    person = api.token_for(tree.city)
    assert (await api.post("{ viewer { subject } }", token=token)).status_code == 200
    denied = await api.post("{ viewer { subject } }", token=tampered)
    assert denied.status_code == 401 and tampered not in denied.text and token[:40] not in denied.text
    # A webhook signing secret, made and answered once.
    made = await api.gql(CREATE, {"i": {"url": "https://platform.example.cn/in"}}, as_=tree.city)
    signing_secret = made["data"]["deliveryEndpointCreate"]["secret"]
    assert signing_secret
    # A delivery that cannot be sent (a broken URL) is logged with its traceback: never its secret.
    claim = Claim(
        uuid.uuid4(), uuid.uuid4(), 1, "msg_x", "http://[::1", b"{}", [signing_secret], 1.0, None, dt.datetime.now(dt.UTC)
    )
    async with httpx.AsyncClient() as client:
        result = await post(client, claim)
    assert result.status_code is None
    secrets += [token, wrong, tampered, person, signing_secret]
    text = captured(caplog)
    assert "could not be sent" in text  # the capture saw the logs of these requests
    for secret in secrets:
        assert secret not in text
        # Half a secret is still a leak (a log line cut short, or one part of a token).
        assert secret[: len(secret) // 2] not in text or len(secret) < 16


def test_urls_in_messages_show_no_password(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"mysql://app:{PASSWORD}@db:3306/runxin"
    monkeypatch.setenv("RUNXIN_DATABASE_URL", url)
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env_file=None, data_dir=tmp_path)
    assert PASSWORD not in caught.value.message and "app:***@db" in caught.value.message
    with pytest.raises(ConfigurationError) as caught:
        make_broker(f"kafka://app:{PASSWORD}@broker:9092")
    assert PASSWORD not in caught.value.message and "***" in caught.value.message
    assert (
        redact_url(f"postgresql+asyncpg://runxin_app:{PASSWORD}@db:5432/runxin")
        == "postgresql+asyncpg://runxin_app:***@db:5432/runxin"
    )
    assert redact_url("sqlite+aiosqlite:////data/runxin.db") == "sqlite+aiosqlite:////data/runxin.db"


def test_secret_settings_come_from_files(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for key in ("RUNXIN_DATABASE_URL", "RUNXIN_BROKER_URL"):
        monkeypatch.delenv(key, raising=False)
        monkeypatch.delenv(f"{key}_FILE", raising=False)
    db_file, broker_file = tmp_path / "db", tmp_path / "broker"
    db_file.write_text(f"postgresql+asyncpg://runxin_app:{PASSWORD}@db:5432/runxin\n")
    broker_file.write_text(f"amqp://runxin:{PASSWORD}@mq:5672/\n")
    monkeypatch.setenv("RUNXIN_DATABASE_URL_FILE", str(db_file))
    monkeypatch.setenv("RUNXIN_BROKER_URL_FILE", str(broker_file))
    settings = Settings.from_env(env_file=None, data_dir=tmp_path)
    assert settings.database_url == f"postgresql+asyncpg://runxin_app:{PASSWORD}@db:5432/runxin"
    assert settings.broker_url == f"amqp://runxin:{PASSWORD}@mq:5672/"
    # Both the key and its file: refused, naming both.
    monkeypatch.setenv("RUNXIN_DATABASE_URL", "sqlite+aiosqlite:///x.db")
    with pytest.raises(ConfigurationError, match="Both RUNXIN_DATABASE_URL and RUNXIN_DATABASE_URL_FILE"):
        Settings.from_env(env_file=None, data_dir=tmp_path)
    monkeypatch.delenv("RUNXIN_DATABASE_URL")
    # A file that is not there: the path is named, and what to do.
    monkeypatch.setenv("RUNXIN_DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env_file=None, data_dir=tmp_path)
    assert (
        "RUNXIN_DATABASE_URL_FILE" in caught.value.message
        and "missing" in caught.value.message
        and "point it at" in caught.value.message
    )


async def test_database_errors_do_not_carry_statement_parameters(database_url: str) -> None:
    # A failing statement's exception text (logged with its traceback as an unexpected error) names
    # the SQL but never the values bound to it, which may be secrets or personal data.
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from runxin.platform.db.engine import make_engine

    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as caught:
                await connection.execute(text("SELECT no_such_column FROM tenant WHERE code = :code"), {"code": PASSWORD})
    finally:
        await engine.dispose()
    assert "no_such_column" in str(caught.value) and PASSWORD not in str(caught.value)
