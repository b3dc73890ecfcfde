"""/metrics after real requests: request counts and latencies per operation, the chain's queue
gauges read from the database, bounded labels, the bearer token, and no tenant data."""

from __future__ import annotations

import datetime as dt
import hashlib

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from runxin.graphql.metrics import OperationLabels, _operation_name
from runxin.platform.config import Settings
from runxin.platform.delivery.models import Delivery
from runxin.platform.ids import new_id
from runxin.platform.metrics import QueueGauges, refusal
from runxin.platform.rollup.models import RollupDirty
from tests.factories.deliveries import add_endpoint
from tests.factories.tree import make_tree

TENANTS = "query TenantList { tenants(first: 5) { nodes { code } } }"


async def scrape(api, token: str | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_requests_are_counted_and_timed_per_operation_and_status(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    before = await scrape(api)
    # When a county runs a named query three times and someone sends a bad token once
    token = api.token_for(tree.counties[0])
    for _ in range(3):
        response = await api.client.post(
            "/graphql", json={"query": TENANTS, "operationName": "TenantList"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
    refused = await api.client.post(
        "/graphql", json={"query": TENANTS, "operationName": "TenantList"}, headers={"Authorization": "Bearer nonsense"}
    )
    assert refused.status_code == 401
    after = await scrape(api)
    # Then each shows under its operation and status, and the latency histogram counted the four
    ok = ("runxin_graphql_requests_total", {"operation": "TenantList", "status": "200"})
    bad = ("runxin_graphql_requests_total", {"operation": "TenantList", "status": "401"})
    assert value(after, ok[0], **ok[1]) - value(before, ok[0], **ok[1]) == 3
    assert value(after, bad[0], **bad[1]) - value(before, bad[0], **bad[1]) == 1
    timed = "runxin_graphql_request_duration_seconds_count"
    assert value(after, timed, operation="TenantList") - value(before, timed, operation="TenantList") == 4
    seconds = "runxin_graphql_request_duration_seconds_sum"
    assert value(after, seconds, operation="TenantList") > value(before, seconds, operation="TenantList")
    # And the scrape itself is not a GraphQL request, nor does it name any tenant
    text = (await api.client.get("/metrics")).text
    for tenant in (tree.city, *tree.counties, *tree.all_schools()):
        assert tenant.code not in text and tenant.name not in text


async def test_queue_gauges_follow_the_outbox_tables(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    endpoint, _secret = await add_endpoint(system_session, tree.city, "http://127.0.0.1:9/webhooks")
    api.app.state.queue_gauges = QueueGauges(max_age=0)  # every scrape reads afresh
    # Given nothing pending (the tree's own marks settled)
    await system_session.execute(update(RollupDirty).values(done_generation=RollupDirty.generation))
    empty = await scrape(api)
    assert value(empty, "runxin_rollup_pending") == 0 and value(empty, "runxin_rollup_oldest_pending_seconds") == 0
    # When a school is marked a minute ago, and a delivery waits for two minutes while another is dead
    now = dt.datetime.now(dt.UTC)
    await system_session.execute(
        update(RollupDirty)
        .where(RollupDirty.tenant_id == tree.all_schools()[0].id)
        .values(generation=RollupDirty.generation + 1, dirty_since=now - dt.timedelta(seconds=60))
    )
    for status, age in (("PENDING", 120), ("DEAD", 3600)):
        payload = "{}"
        system_session.add(
            Delivery(
                id=new_id(), tenant_id=tree.city.id, root_id=tree.city.id, endpoint_id=endpoint.id,
                webhook_id=f"msg_{status.lower()}", event_type="figures.accepted", period="2025", version=1,
                payload=payload, payload_sha256=hashlib.sha256(payload.encode()).hexdigest(), status=status,
                created_at=now - dt.timedelta(seconds=age), updated_at=now,
            )
        )  # fmt: skip
    await system_session.commit()
    busy = await scrape(api)
    # Then the scrape shows one pending mark about a minute old, one pending and one dead delivery,
    # and the lag of the pending one (the dead one is not "undelivered" work the chain still does)
    assert value(busy, "runxin_rollup_pending") == 1
    assert 60 <= value(busy, "runxin_rollup_oldest_pending_seconds") < 90
    assert value(busy, "runxin_deliveries", status="PENDING") == 1
    assert value(busy, "runxin_deliveries", status="DEAD") == 1
    assert 120 <= value(busy, "runxin_delivery_lag_seconds") < 150


def test_the_operation_name_is_the_requests_or_the_documents() -> None:
    post = {"type": "http", "method": "POST"}
    assert _operation_name(post, b'{"query": "{ a }", "operationName": "Given"}') == "Given"
    assert _operation_name(post, b'{"query": "# list\\n  query Listed($x: Int) { a }"}') == "Listed"
    assert _operation_name(post, b'{"query": "{ a }"}') is None
    assert _operation_name(post, b'{"documentId": "sha256:ab"}') == "document"
    assert _operation_name(post, b"[1, 2]") == "other" and _operation_name(post, b"not json") == "other"


def test_operation_labels_are_bounded() -> None:
    labels = OperationLabels(limit=2)
    assert [labels(n) for n in ("A", "B", "A", "C", None, "", "not a name", "x" * 65, 7)] == [
        "A", "B", "A", "other", "anonymous", "anonymous", "other", "other", "other",
    ]  # fmt: skip


async def test_the_token_protects_the_scrape(api) -> None:  # type: ignore[no-untyped-def]
    api.app.state.runtime.settings = api.app.state.runtime.settings.replace(metrics_token="scrape-secret")
    assert (await api.client.get("/metrics")).status_code == 401
    assert (await api.client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
    assert value(await scrape(api, "scrape-secret"), "runxin_rollup_pending") >= 0
    production = Settings.from_env(env_file=None, data_dir=api.app.state.runtime.settings.data_dir).replace(mode="production")
    assert refusal(production, None) is not None and refusal(production, None)[0] == 404  # type: ignore[index]
    assert refusal(production.replace(metrics_token="t"), "Bearer t") is None
