"""A real `runxin serve` on a seeded tiny database, and signed-in principals of every level for it.

For the tests that talk to the server as a client on the network would: the schema fuzzer and the
GraphQL-over-HTTP audit. Development mode (loopback, plain http), its own data directory.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine
from runxin.tenants.tokens import token_service

RUNXIN = str(Path(sys.executable).with_name("runxin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    base_url: str
    data_dir: Path
    env: dict[str, str]
    settings: Settings
    log: Path
    principals: dict[str, str] = field(default_factory=dict)  # name -> bearer token
    requests: int = 0  # how many requests a test that drives the server sends (the fuzzer's budget)

    @property
    def url(self) -> str:
        return self.base_url + "/graphql"

    def rows(self, sql: str, **params: object) -> list[tuple]:  # type: ignore[type-arg]
        """Rows of a query on the served database, read as its owner (outside any tenant scope)."""

        async def read() -> list[tuple]:  # type: ignore[type-arg]
            engine = make_engine(self.settings.database_url)
            try:
                async with engine.connect() as conn:
                    return [tuple(row) for row in await conn.execute(text(sql), params)]
            finally:
                await engine.dispose()

        return asyncio.run(read())

    def runxin(self, *args: str) -> str:
        done = subprocess.run(
            [RUNXIN, *args, "--data-dir", str(self.data_dir)], env=self.env, check=True, capture_output=True, text=True
        )
        return done.stdout

    def client_token(self, tenant_code: str, scopes: str) -> str:
        """Register an API client with `scopes` and get its token from the token endpoint, over HTTP."""
        lines = dict(
            line.split(": ", 1)
            for line in self.runxin(
                "clients", "create", "--tenant", tenant_code, "--name", "Fuzz app", "--scopes", scopes
            ).splitlines()
            if ": " in line
        )
        response = httpx.post(
            self.base_url + "/oauth/token",
            data={"grant_type": "client_credentials", "scope": scopes},
            auth=(lines["client_id"], lines["client_secret"]),
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["access_token"]


def wait_until_serving(base_url: str, log: Path, seconds: float = 60.0) -> None:
    """Wait until `runxin serve` at `base_url` answers /healthz, or fail with its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base_url + "/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"runxin serve did not answer /healthz:\n{log.read_text()[-3000:]}")


@contextmanager
def serve(tmp_path: Path, database_url: str | None = None, **env_overrides: str) -> Iterator[Served]:
    """Seed a tiny city into a fresh data directory (and `database_url`, an empty database, when
    given) and serve it on a free port until the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
    env.update(env_overrides)
    if database_url:
        env["RUNXIN_DATABASE_URL"] = database_url
    data = tmp_path / "data"
    subprocess.run([RUNXIN, "seed", "--scale", "tiny", "--data-dir", str(data)], env=env, check=True, capture_output=True)
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [RUNXIN, "serve", "--port", str(port), "--data-dir", str(data)], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, log)
        old = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("RUNXIN_")}
        try:
            settings = Settings.from_env(env_file=None, data_dir=data, **({"database_url": database_url} if database_url else {}))
        finally:
            os.environ.update(old)
        yield Served(base, data, env, settings, log)
    finally:
        server.terminate()
        server.wait(20)


def people(served: Served) -> dict[str, str]:
    """Tokens for people at every level: ADMIN at the city, a county and a school, and lesser roles."""
    tokens = token_service(served.settings)
    city = served.rows("SELECT id, code FROM tenant WHERE kind = 'CITY' ORDER BY code")[0]
    county = served.rows("SELECT id, code FROM tenant WHERE kind = 'COUNTY' ORDER BY code")[0]
    school = served.rows("SELECT id, code FROM tenant WHERE kind = 'SCHOOL' AND parent_id = :p ORDER BY code", p=county[0])[0]

    def issue(tenant: tuple, *roles: str) -> str:  # type: ignore[type-arg]
        return tokens.issue(
            subject=f"{roles[0].lower()}@{tenant[1]}", tenant_id=uuid.UUID(str(tenant[0])), roles=list(roles), ttl_seconds=3600
        )

    return {
        "city ADMIN": issue(city, "ADMIN"),
        "city AUDITOR": issue(city, "AUDITOR"),
        "county ADMIN": issue(county, "ADMIN"),
        "county DATA_OFFICER": issue(county, "DATA_OFFICER"),
        "school ADMIN": issue(school, "ADMIN"),
        "school VIEWER": issue(school, "VIEWER"),
        "county app (tenants:read schools:read)": served.client_token(county[1], "tenants:read schools:read"),
    }
