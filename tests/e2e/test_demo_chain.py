"""The chain as the demo runs it: `runxin serve` on the embedded default (the worker in-process, no
broker), a school's station change reaching its county's and city's rollups, the approval chain over
HTTP, and the reference receiver getting the accepted figures once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from runxin.cli.tokens import issue_token
from runxin.graphql.ids import encode_id
from runxin.platform.config import Settings
from runxin.platform.rollup.years import live_years
from tests.e2e.test_demo import free_port
from tests.receiver import ReceiverServer, ReferenceReceiver

RUNXIN = str(Path(sys.executable).with_name("runxin"))
STATION_UPDATE = "mutation ($input: StationUpdateInput!) { stationUpdate(input: $input) { userErrors { code message } } }"
SUBMIT = "mutation ($input: ReportSubmitInput!) { reportSubmit(input: $input) { userErrors { code message } } }"
APPROVE = "mutation ($input: ReportApproveInput!) { reportApprove(input: $input) { userErrors { field code message } } }"
ACCEPT = "mutation ($input: ReportAcceptInput!) { reportAccept(input: $input) { userErrors { code message } } }"
ENDPOINT = """mutation ($input: DeliveryEndpointCreateInput!) {
  deliveryEndpointCreate(input: $input) { secret userErrors { code message } } }"""
INDICATORS = "query ($code: String!, $year: Int) { tenant(code: $code) { indicators(year: $year) { indicator value state } } }"


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:  # WAL: reads alongside the server's writes
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
    data = tmp_path / "data"
    subprocess.run([RUNXIN, "seed", "--scale", "tiny", "--data-dir", str(data)], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [RUNXIN, "serve", "--port", str(port), "--data-dir", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("runxin serve did not answer /healthz")
        yield base, data, Settings.from_env(env_file=None, data_dir=data)
    finally:
        server.terminate()
        server.wait(20)
        if server.stderr is not None:
            server.stderr.close()


def test_the_demo_chain_from_a_station_to_the_city_platform(served) -> None:  # type: ignore[no-untyped-def]
    base, data, settings = served
    db = data / "runxin.db"
    ((city_id, city),) = rows(db, "SELECT id, code FROM tenant WHERE kind = 'CITY'")
    counties = rows(db, "SELECT id, code FROM tenant WHERE kind = 'COUNTY' ORDER BY code")
    schools = {cid: rows(db, "SELECT id, code FROM tenant WHERE parent_id = ? ORDER BY code", cid) for cid, _ in counties}
    year = live_years(dt.date.today())[-1]
    period = str(year)

    def token(code: str, role: str = "ADMIN") -> str:
        return asyncio.run(issue_token(settings, code, [role], None, 3600))

    def gql(query: str, variables: dict, code: str) -> dict:
        response = httpx.post(
            base + "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token(code)}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    # Given a central school with one standard station, and the city's STATION_COVERAGE rollup
    ((station_id, school_id, county_id),) = rows(
        db,
        "SELECT s.id, s.tenant_id, t.parent_id FROM station s JOIN school_profile p ON p.tenant_id = s.tenant_id "
        "JOIN tenant t ON t.id = s.tenant_id WHERE s.status = 'OPERATIONAL' AND p.central_rank AND s.kind != 'BASIC_PLACE' "
        "AND (SELECT count(*) FROM station o WHERE o.tenant_id = s.tenant_id) = 1 ORDER BY s.id LIMIT 1",
    )

    def numerator(tenant_id: str) -> float:
        found = rows(
            db,
            "SELECT numerator FROM aggregate WHERE tenant_id = ? AND indicator = 'STATION_COVERAGE' AND year = ?",
            tenant_id,
            year,
        )
        return found[0][0] if found else -1.0

    before = (numerator(county_id), numerator(city_id))
    school_code = rows(db, "SELECT code FROM tenant WHERE id = ?", school_id)[0][0]
    # When the school suspends its station
    answer = gql(
        STATION_UPDATE, {"input": {"id": encode_id("Station", uuid.UUID(station_id)), "status": "SUSPENDED"}}, school_code
    )
    assert answer["stationUpdate"]["userErrors"] == []
    changed = time.perf_counter()
    # Then its county's and its city's rollups follow, with no one asking (the demo promises a second)
    while (numerator(county_id), numerator(city_id)) != (before[0] - 1, before[1] - 1):
        assert time.perf_counter() - changed < 10, "the rollups did not follow"
        time.sleep(0.01)
    lag = time.perf_counter() - changed
    print(f"station change reached the city rollup in {lag * 1000:.0f} ms")

    # Given the city's platform at the reference receiver
    receiver = ReceiverServer(ReferenceReceiver()).start()
    try:
        created = gql(ENDPOINT, {"input": {"url": receiver.url}}, city)["deliveryEndpointCreate"]
        assert created["userErrors"] == []
        receiver.receiver.set_secrets([created["secret"]])
        # When every school submits, each county approves its schools in one go and submits, and the city accepts
        for county_id_, county_code in counties:
            for _, code in schools[county_id_]:
                assert gql(SUBMIT, {"input": {"period": period}}, code)["reportSubmit"]["userErrors"] == []
            ids = [encode_id("Tenant", uuid.UUID(sid)) for sid, _ in schools[county_id_]]
            assert gql(APPROVE, {"input": {"tenantIds": ids, "period": period}}, county_code)["reportApprove"]["userErrors"] == []
            assert gql(SUBMIT, {"input": {"period": period}}, county_code)["reportSubmit"]["userErrors"] == []
        ids = [encode_id("Tenant", uuid.UUID(cid)) for cid, _ in counties]
        assert gql(APPROVE, {"input": {"tenantIds": ids, "period": period}}, city)["reportApprove"]["userErrors"] == []
        assert gql(ACCEPT, {"input": {"period": period}}, city)["reportAccept"]["userErrors"] == []
        # Then the receiver gets the accepted figures, once
        deadline = time.monotonic() + 15
        while receiver.receiver.received == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # room for a duplicate to show up, were one sent
        assert receiver.receiver.received == 1 and receiver.receiver.refused == 0
        # And they are the figures the API shows for the city and each county
        got = receiver.receiver.snapshot()
        for code in [city, *(c for _, c in counties)]:
            shown = gql(INDICATORS, {"code": code, "year": year}, city)["tenant"]["indicators"]
            for value in shown:
                figure = got[(code, period, value["indicator"])]
                assert (figure.state, figure.value) == (value["state"], value["value"]), (code, value)
    finally:
        receiver.stop()
