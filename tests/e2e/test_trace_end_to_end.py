"""One trace from a client's HTTP request to the city platform, read off a real OTLP export.

`runxin serve` and `runxin worker` run as processes on a real broker (Redis), exporting over
OTLP/HTTP to a collector stand-in that decodes the protobuf. A client with one trace of its own
sends a school's station change and then the approval chain, each request with its `traceparent`;
the spans the processes export must form that one trace: the API's server span under the client's,
the school's rollup job under it (through the outbox row and the message), the county's under the
school's, the city's under the county's; the delivery job under the city's acceptance, the HTTP
attempt under the job, and the receiver gets a `traceparent` naming that attempt. No span carries
the document, its variables or the payload.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from runxin.cli.tokens import issue_token
from runxin.graphql.ids import encode_id
from runxin.platform.config import Settings
from runxin.platform.rollup.years import live_years
from tests.conftest import IN_CI
from tests.e2e.test_demo import free_port
from tests.e2e.test_demo_chain import ACCEPT, APPROVE, ENDPOINT, RUNXIN, STATION_UPDATE, SUBMIT, rows
from tests.integration.test_broker import BROKERS, reachable
from tests.otlp_collector import OtlpCollector, ReceivedSpan
from tests.receiver import ReceiverServer, ReferenceReceiver

METRICS_TOKEN = "scrape-" + "t0ken"

# Everything a span may say: names, ids, counts and status codes.
ALLOWED_ATTRIBUTES = {
    "graphql.operation.name",
    "messaging.system",
    "messaging.destination.name",
    "messaging.message.id",
    "runxin.job.subject",
    "runxin.delivery.webhook_id",
    "runxin.delivery.attempt",
    "runxin.delivery.outcome",
    "http.response.status_code",
}


def wait_for(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds:g} s"
        time.sleep(0.05)


@pytest.fixture
def redis_url() -> str:
    url = BROKERS["redis"]
    if not reachable(url):
        if IN_CI:
            pytest.fail(f"Redis not reachable at {url}: CI must run the broker tests.")
        pytest.skip(f"Redis not reachable at {url}: start it, or set RUNXIN_TEST_REDIS_URL.")
    return url


@pytest.fixture
def system(tmp_path: Path, redis_url: str) -> Iterator[tuple[str, str, Path, Settings, OtlpCollector]]:
    """A seeded tiny city served by `runxin serve` and one `runxin worker`, both exporting spans."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNXIN_", "OTEL_"))}
    data = tmp_path / "data"
    subprocess.run([RUNXIN, "seed", "--scale", "tiny", "--data-dir", str(data)], env=env, check=True, capture_output=True)
    with OtlpCollector() as collector:
        env |= {
            "RUNXIN_DATA_DIR": str(data),
            "RUNXIN_BROKER_URL": redis_url,
            "RUNXIN_QUEUE_NAMESPACE": f"trace{uuid.uuid4().hex[:8]}",
            "RUNXIN_SWEEP_SECONDS": "0.5",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            # Both processes count into one directory; a scrape of either adds them up.
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
            "RUNXIN_METRICS_TOKEN": METRICS_TOKEN,
            "RUNXIN_WORKER_METRICS_ADDRESS": f"127.0.0.1:{(worker_port := free_port())}",
        }
        (tmp_path / "prometheus").mkdir()
        port = free_port()
        logs = tmp_path / "logs"
        logs.mkdir()
        processes = []
        for name, command in (("api", ["serve", "--port", str(port)]), ("worker", ["worker", "--threads", "2"])):
            with open(logs / f"{name}.log", "wb") as log:
                processes.append(subprocess.Popen([RUNXIN, *command], env=env, stdout=log, stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                pytest.fail("runxin serve did not answer /healthz: " + (logs / "api.log").read_text()[-2000:])
            yield base, f"http://127.0.0.1:{worker_port}", data, Settings.from_env(env_file=None, data_dir=data), collector
        finally:
            # SIGTERM: both flush their span queues on the way out (shutdown_tracing).
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_one_trace_from_the_request_through_the_workers_to_the_city_platform(system) -> None:  # type: ignore[no-untyped-def]
    base, _worker, data, settings, collector = system
    db = data / "runxin.db"
    ((city_id, city),) = rows(db, "SELECT id, code FROM tenant WHERE kind = 'CITY'")
    counties = rows(db, "SELECT id, code FROM tenant WHERE kind = 'COUNTY' ORDER BY code")
    schools = {cid: rows(db, "SELECT id, code FROM tenant WHERE parent_id = ? ORDER BY code", cid) for cid, _ in counties}
    year = live_years(dt.date.today())[-1]
    period = str(year)
    trace_id = secrets.token_hex(16)  # the client's own trace, across all its requests
    client_spans: dict[str, str] = {}  # operation -> the client's span id in the traceparent it sent

    def gql(query: str, variables: dict, code: str, operation: str) -> dict:
        span_id = secrets.token_hex(8)
        client_spans.setdefault(operation, span_id)
        response = httpx.post(
            base + "/graphql",
            json={"query": query, "variables": variables, "operationName": None},
            headers={
                "Authorization": f"Bearer {asyncio.run(issue_token(settings, code, ['ADMIN'], None, 3600))}",
                "traceparent": f"00-{trace_id}-{span_id}-01",
            },
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
        return response.json()["data"]

    # Given a central school's one standard station
    ((station_id, school_id, county_id),) = rows(
        db,
        "SELECT s.id, s.tenant_id, t.parent_id FROM station s JOIN school_profile p ON p.tenant_id = s.tenant_id "
        "JOIN tenant t ON t.id = s.tenant_id WHERE s.status = 'OPERATIONAL' AND p.central_rank AND s.kind != 'BASIC_PLACE' "
        "AND (SELECT count(*) FROM station o WHERE o.tenant_id = s.tenant_id) = 1 ORDER BY s.id LIMIT 1",
    )
    school = rows(db, "SELECT code FROM tenant WHERE id = ?", school_id)[0][0]
    station_global_id = encode_id("Station", uuid.UUID(station_id))
    # When the school suspends it, and the rollups climb to the city
    gql(STATION_UPDATE, {"input": {"id": station_global_id, "status": "SUSPENDED"}}, school, "stationUpdate")
    wait_for(lambda: not rows(db, "SELECT 1 FROM rollup_dirty WHERE generation > done_generation"), 20, "the rollups settle")
    # And the approval chain runs up to the city's acceptance, which writes a delivery to its platform
    receiver = ReceiverServer(ReferenceReceiver()).start()
    try:
        created = gql(ENDPOINT, {"input": {"url": receiver.url}}, city, "endpoint")["deliveryEndpointCreate"]
        receiver.receiver.set_secrets([created["secret"]])
        for county_id_, county_code in counties:
            for _, code in schools[county_id_]:
                gql(SUBMIT, {"input": {"period": period}}, code, "schoolSubmit")
            ids = [encode_id("Tenant", uuid.UUID(sid)) for sid, _ in schools[county_id_]]
            gql(APPROVE, {"input": {"tenantIds": ids, "period": period}}, county_code, "countyApprove")
            gql(SUBMIT, {"input": {"period": period}}, county_code, "countySubmit")
        ids = [encode_id("Tenant", uuid.UUID(cid)) for cid, _ in counties]
        gql(APPROVE, {"input": {"tenantIds": ids, "period": period}}, city, "cityApprove")
        gql(ACCEPT, {"input": {"period": period}}, city, "reportAccept")
        wait_for(lambda: receiver.receiver.received >= 1, 20, "the receiver gets the delivery")
        headers = list(receiver.receiver.traceparents)
    finally:
        receiver.stop()
    wait_for(lambda: any(s.name == "delivery.attempt" for s in collector.trace(trace_id)), 20, "the attempt's span is exported")
    spans = collector.trace(trace_id)
    by_id = {s.span_id: s for s in spans}

    def children(parent: ReceivedSpan, name: str, **attributes: str) -> list[ReceivedSpan]:
        return [
            s
            for s in spans
            if s.parent_span_id == parent.span_id
            and s.name == name
            and all(s.attributes.get(k) == v for k, v in attributes.items())
        ]

    # Then the API's span of the station change is the child of the client's span, in the client's trace
    [request] = [s for s in spans if s.parent_span_id == client_spans["stationUpdate"]]
    assert (request.name, request.kind, request.service) == ("graphql.operation", "SERVER", "runxin-api")
    # And the school's rollup job (worker process) hangs under it, the county's under the school's, the city's under that
    hop = request
    for tenant in (str(uuid.UUID(t)) for t in (school_id, county_id, city_id)):
        found = children(hop, "job rollup_tenant", **{"runxin.job.subject": tenant})
        assert found, f"no rollup job for {tenant} under {hop.name} {hop.attributes}"
        hop = found[0]
        assert (hop.kind, hop.service, hop.attributes["messaging.system"]) == ("CONSUMER", "runxin-worker", "dramatiq")
    # And the delivery job hangs under the city's acceptance, its HTTP attempt under the job
    [accept] = [s for s in spans if s.parent_span_id == client_spans["reportAccept"]]
    [job] = [j for j in children(accept, "job deliver") if children(j, "delivery.attempt")]
    [attempt] = children(job, "delivery.attempt")
    assert (attempt.kind, attempt.service, attempt.attributes["http.response.status_code"]) == ("CLIENT", "runxin-worker", 200)
    assert attempt.attributes["runxin.delivery.outcome"] == "DELIVERED"
    # And the receiver was told the attempt's span as the parent of its own work
    assert f"00-{trace_id}-{attempt.span_id}-01" in headers
    # And every span of the trace has its parent in the trace, or is the API's span under a client span
    for span in spans:
        assert (
            span.parent_span_id in by_id
            or span.parent_span_id in client_spans.values()
            or (span.name == "graphql.operation" and span.parent_span_id)
        ), span
    # And no span carries the document, its variables or the payload: only the attributes listed
    for span in spans:
        assert set(span.attributes) <= ALLOWED_ATTRIBUTES, (span.name, span.attributes)
        text = repr(span.attributes)
        for secret in ("mutation", "SUSPENDED", station_global_id, created["secret"], "figures", '"value"'):
            assert secret not in text, (span.name, secret)


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_the_api_and_the_worker_count_into_one_scrape(system) -> None:  # type: ignore[no-untyped-def]
    base, worker_base, data, settings, _collector = system
    db = data / "runxin.db"
    ((station_id, school),) = rows(
        db, "SELECT s.id, t.code FROM station s JOIN tenant t ON t.id = s.tenant_id WHERE s.status = 'OPERATIONAL' LIMIT 1"
    )
    token = asyncio.run(issue_token(settings, school, ["ADMIN"], None, 3600))
    # When a school changes its station over HTTP, with a named operation
    response = httpx.post(
        base + "/graphql",
        json={
            "query": STATION_UPDATE.replace("mutation (", "mutation Suspend("),
            "operationName": "Suspend",
            "variables": {"input": {"id": encode_id("Station", uuid.UUID(station_id)), "status": "SUSPENDED"}},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    wait_for(lambda: not rows(db, "SELECT 1 FROM rollup_dirty WHERE generation > done_generation"), 20, "the rollups settle")
    # Then a scrape of the API shows the request, and the worker's jobs (another process) beside it
    api = scrape(base)
    assert api[("runxin_graphql_requests_total", (("operation", "Suspend"), ("status", "200")))] == 1
    assert api[("runxin_jobs_total", (("actor", "rollup_tenant"), ("outcome", "ok")))] >= 3  # school, county, city
    assert api[("runxin_rollup_pending", ())] == 0
    # And the worker's own endpoint says the same, and wants the token too
    assert scrape(worker_base)[("runxin_jobs_total", (("actor", "rollup_tenant"), ("outcome", "ok")))] >= 3
    assert httpx.get(worker_base + "/metrics", timeout=10).status_code == 401
    assert httpx.get(base + "/metrics", timeout=10).status_code == 401
