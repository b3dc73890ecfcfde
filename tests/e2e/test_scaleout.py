"""Two real `runxin serve` processes on one PostgreSQL database and one Redis: the state that must
be one across processes is one. A cost budget spent at A is gone at B; a client assertion used at A
is refused at B; a client disabled (or its scopes narrowed) by the command line is refused (or
narrowed) by both within a second. And `serve --workers 2` itself: its processes share one budget."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import IN_CI, POSTGRES_ADMIN_URL, REDIS_TEST_URL, _admin_sql, _redis_reachable
from tests.e2e.test_demo import free_port

pytestmark = pytest.mark.postgres

RUNXIN = str(Path(sys.executable).with_name("runxin"))
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
VIEWER = {"query": "{ viewer { subject scopes } }"}
BUCKET = 10
# How soon a change made at one process must hold at every other.
PROPAGATION_SECONDS = 1.0


@dataclass
class Cluster:
    env: dict[str, str]
    servers: list[str]  # base URLs
    county: str
    tmp: Path

    def cli(self, *args: str) -> str:
        done = subprocess.run([RUNXIN, *args], env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"runxin {' '.join(args)}: {done.stderr}"
        return done.stdout

    def create_client(self, scopes: str, *extra: str) -> str:
        out = self.cli("clients", "create", "--tenant", self.county, "--name", f"app {uuid.uuid4().hex[:6]}", "--scopes", scopes, *extra)
        return out


def _serve(env: dict[str, str], log: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as sink:
        server = subprocess.Popen([RUNXIN, "serve", "--port", str(port), *args], env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if server.poll() is not None:
            pytest.fail(f"runxin serve exited {server.returncode}: {log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    pytest.fail(f"runxin serve did not answer /healthz: {log.read_text(errors='replace')[-3000:]}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


@pytest.fixture(scope="module")
def cluster(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    problem = _redis_reachable(REDIS_TEST_URL)
    if problem:
        message = f"Redis not reachable at {REDIS_TEST_URL} ({problem})"
        if IN_CI:
            pytest.fail(message + ": CI must run the Redis tests.")
        pytest.skip(message + ": start it, or set RUNXIN_TEST_REDIS_URL.")
    import redis

    tmp = tmp_path_factory.mktemp("scaleout")
    name = f"runxin_scaleout_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    prefix = f"runxin-test-{name}:"
    database_url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
    env |= {
        "RUNXIN_DATA_DIR": str(tmp / "data"),  # one signing key set for both processes
        "RUNXIN_DATABASE_URL": database_url,
        "RUNXIN_REDIS_URL": REDIS_TEST_URL,
        "RUNXIN_REDIS_PREFIX": prefix,
        "RUNXIN_COST_BUCKET": str(BUCKET),
        "RUNXIN_COST_PER_SECOND": "0.001",  # nothing leaks out during a test
    }
    servers: list[subprocess.Popen[bytes]] = []
    try:
        for step in (["db", "upgrade"], ["seed", "--scale", "tiny"]):
            done = subprocess.run([RUNXIN, *step], env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
        county = asyncio.run(_first_county(database_url))
        bases = []
        for which in "ab":
            # One process each (the default with Redis and PostgreSQL would be one per core).
            server, base = _serve(env, tmp / f"server-{which}.log", "--workers", "1")
            servers.append(server)
            bases.append(base)
        yield Cluster(env, bases, county, tmp)
    finally:
        for server in servers:
            _stop(server)
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        client = redis.Redis.from_url(REDIS_TEST_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


async def _first_county(url: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT code FROM tenant WHERE kind = 'COUNTY' ORDER BY code LIMIT 1"))).scalar_one()
    finally:
        await engine.dispose()


def _client_id_and_secret(out: str) -> tuple[str, str | None]:
    client_id = re.search(r"client_id: (\S+)", out)
    secret = re.search(r"client_secret: (\S+)", out)
    assert client_id, out
    return client_id.group(1), secret.group(1) if secret else None


def _client_token(base: str, client_id: str, secret: str) -> str:
    response = httpx.post(base + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def _viewer(base: str, token: str) -> httpx.Response:
    return httpx.post(base + "/graphql", json=VIEWER, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _within(seconds: float, settled: object) -> float:
    """Poll `settled()` until it is true; how long it took (fails past `seconds`, with slack to show the figure)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds + 2:
        if settled():  # type: ignore[operator]
            return time.monotonic() - start
        time.sleep(0.02)
    pytest.fail(f"not settled within {seconds + 2:g} s")


def test_the_cost_budget_is_one_budget_across_both_processes(cluster: Cluster) -> None:
    # Given a user's token and a bucket of 10 points (each request costs at least one)
    a, b = cluster.servers
    token = cluster.cli("token", "--tenant", cluster.county, "--role", "ADMIN", "--subject", f"budget-{uuid.uuid4().hex[:6]}").strip()
    # When ten requests go alternately to A and B
    remaining = []
    for i in range(BUCKET):
        response = _viewer(a if i % 2 == 0 else b, token)
        assert response.status_code == 200, response.text
        remaining.append(response.json()["extensions"]["cost"]["remaining"])
    # Then both charged the one bucket (two per-process buckets would each still have room) ...
    assert remaining == list(range(BUCKET - 1, -1, -1))
    # ... and the next request is refused by either process
    for base in (b, a):
        refused = _viewer(base, token)
        assert refused.status_code == 429, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert int(refused.headers["Retry-After"]) >= 1


def test_a_client_assertion_used_at_one_process_is_refused_at_the_other(cluster: Cluster) -> None:
    # Given an app registered with its public key (private_key_jwt)
    a, b = cluster.servers
    key = ECKey.generate_key("P-256", auto_kid=True)
    jwks = cluster.tmp / f"jwks-{uuid.uuid4().hex[:6]}.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    client_id, _ = _client_id_and_secret(cluster.create_client("tenants:read", "--auth", "private_key_jwt", "--jwks-file", str(jwks)))

    def assertion() -> str:
        now = int(time.time())
        # The issuer is an accepted audience at every process (each one's own URL differs).
        claims = {"iss": client_id, "sub": client_id, "aud": "runxin-local", "iat": now, "exp": now + 60, "jti": uuid.uuid4().hex}
        return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)

    def token_request(base: str, signed: str) -> httpx.Response:
        form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER, "client_assertion": signed}
        return httpx.post(base + "/oauth/token", data=form, timeout=10)

    # When one assertion is used at A, then replayed at B (and at A)
    signed = assertion()
    first = token_request(a, signed)
    assert first.status_code == 200, first.text
    for base in (b, a):
        replay = token_request(base, signed)
        # Then every process refuses the replay
        assert replay.status_code == 401, replay.text
        assert "already used" in replay.json()["error_description"]
    # ... while a fresh assertion still works at B
    assert token_request(b, assertion()).status_code == 200


def test_a_disabled_client_is_refused_by_every_process_within_a_second(cluster: Cluster) -> None:
    # Given an app's token, good at both processes
    a, b = cluster.servers
    client_id, secret = _client_id_and_secret(cluster.create_client("tenants:read"))
    assert secret is not None
    token = _client_token(a, client_id, secret)
    assert _viewer(a, token).status_code == 200 and _viewer(b, token).status_code == 200
    # When the bureau disables the app from the command line (another process again)
    cluster.cli("clients", "disable", client_id)
    # Then its live token is refused by both processes within a second
    took = _within(PROPAGATION_SECONDS, lambda: all(_viewer(base, token).status_code == 401 for base in (a, b)))
    assert took <= PROPAGATION_SECONDS, f"took {took:.2f} s"
    refused = _viewer(b, token).json()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and "disabled" in refused["errors"][0]["message"]
    # ... and it gets no new token
    assert httpx.post(b + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)).status_code == 401


def test_narrowed_scopes_hold_at_every_process_within_a_second(cluster: Cluster) -> None:
    # Given an app with two scopes and a token carrying both, seen so at both processes
    a, b = cluster.servers
    client_id, secret = _client_id_and_secret(cluster.create_client("tenants:read centres:read"))
    assert secret is not None
    token = _client_token(a, client_id, secret)
    for base in (a, b):
        assert _viewer(base, token).json()["data"]["viewer"]["scopes"] == ["centres:read", "tenants:read"]
    # When its registration is narrowed to one scope
    cluster.cli("clients", "set-scopes", client_id, "--scopes", "centres:read")

    def narrowed() -> bool:
        return all(_viewer(base, token).json()["data"]["viewer"]["scopes"] == ["centres:read"] for base in (a, b))

    # Then the live token carries only that one, at both processes, within a second
    took = _within(PROPAGATION_SECONDS, narrowed)
    assert took <= PROPAGATION_SECONDS, f"took {took:.2f} s"


@pytest.mark.slow
def test_serve_with_two_workers_shares_one_budget(cluster: Cluster) -> None:
    # Given `runxin serve --workers 2` on the same database and Redis
    log_path = cluster.tmp / "workers.log"
    server, base = _serve(cluster.env, log_path, "--workers", "2")
    try:
        # (the first process may answer before the second has started)
        for _ in range(600):
            if log_path.read_text(errors="replace").count("Application startup complete") == 2:
                break
            time.sleep(0.1)
        token = cluster.cli("token", "--tenant", cluster.county, "--role", "VIEWER", "--subject", f"w-{uuid.uuid4().hex[:6]}").strip()
        # When more requests than the bucket holds arrive, on fresh connections (spread over the processes)
        statuses = [_viewer(base, token).status_code for _ in range(BUCKET + 2)]
        # Then exactly one budget was spent
        assert statuses == [200] * BUCKET + [429, 429]
        log = log_path.read_text(errors="replace")
        assert len(set(re.findall(r"Started server process \[(\d+)\]", log))) == 2, log[-3000:]
        # ... by two processes, each running the embedded chain beside the others without an error
        assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
    finally:
        _stop(server)
