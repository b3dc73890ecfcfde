"""The query cost rule: what documents cost, and the leaky bucket's arithmetic (no database, no sleeps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphql import GraphQLSchema, parse, validate
from runxin.graphql.cost import Cost, CostLimiter, LeakyBuckets, measure
from runxin.platform.sharedstate import MemoryState
from runxin.graphql.schema import build_schema
from runxin.platform.config import Settings


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    settings = Settings(data_dir=Path("/nonexistent"), database_url="sqlite+aiosqlite:///:memory:")
    return build_schema(settings)._schema


def cost(schema: GraphQLSchema, document: str, variables: dict | None = None, operation: str | None = None) -> Cost:
    parsed = parse(document)
    assert not validate(schema, parsed), validate(schema, parsed)
    return measure(schema, parsed, variables, operation)


def test_leaves_are_free_and_objects_cost_one(schema) -> None:  # type: ignore[no-untyped-def]
    measured = cost(schema, '{ viewer { subject roles tenant { code name parent { code } } } }')
    assert (measured.requested_nodes, measured.units, measured.points) == (0, 3, 1)


def test_connections_multiply_and_nested_connections_multiply_again(schema) -> None:  # type: ignore[no-untyped-def]
    # 100 schools × 10 stations each: 100 + 1,000 nodes
    measured = cost(schema, '{ tenants(first: 100) { nodes { stations(first: 10) { nodes { name } } } } }')
    assert measured.requested_nodes == 100 + 1_000
    # tenants 1 + nodes 100 + stations 100 + their nodes 1,000
    assert measured.units == 1 + 100 + 100 + 1_000
    assert measured.points == 13  # 1,201 / 100, rounded up
    assert measured.heaviest[0] == ("tenants.nodes.stations", 1_000)


def test_page_sizes_come_from_variables_and_are_capped_at_100(schema) -> None:  # type: ignore[no-untyped-def]
    document = "query ($n: Int, $m: Int = 7) { tenants(first: $n) { nodes { children(last: $m) { nodes { code } } } } }"
    assert cost(schema, document, {"n": 20}).requested_nodes == 20 + 20 * 7
    assert cost(schema, document, {"n": 20, "m": 1}).requested_nodes == 20 + 20
    assert cost(schema, document, {"n": 5000, "m": 5000}).requested_nodes == 100 + 100 * 100


def test_each_alias_of_a_connection_counts(schema) -> None:  # type: ignore[no-untyped-def]
    document = "{ a: tenants(first: 50) { nodes { code } } b: tenants(first: 50) { nodes { code } } c: tenants(first: 50) { nodes { code } } }"
    measured = cost(schema, document)
    assert measured.requested_nodes == 150
    assert {path for path, _ in measured.heaviest} == {"a", "b", "c"}


def test_fragments_and_inline_fragments_are_expanded(schema) -> None:  # type: ignore[no-untyped-def]
    document = """
        query { tenants(first: 10) { nodes { ...Schools ... on Tenant { staff(first: 3) { nodes { name } } } } } }
        fragment Schools on Tenant { children(first: 4) { ...Names } }
        fragment Names on TenantConnection { nodes { code } }
    """
    assert cost(schema, document).requested_nodes == 10 + 40 + 30


def test_skip_and_include_follow_their_variables(schema) -> None:  # type: ignore[no-untyped-def]
    document = """query ($s: Boolean!, $i: Boolean!) { tenants(first: 10) { nodes {
        children(first: 10) @skip(if: $s) { nodes { code } }
        ... on Tenant @include(if: $i) { stations(first: 5) { nodes { name } } }
    } } }"""
    assert cost(schema, document, {"s": False, "i": True}).requested_nodes == 10 + 100 + 50
    assert cost(schema, document, {"s": True, "i": True}).requested_nodes == 10 + 50
    assert cost(schema, document, {"s": True, "i": False}).requested_nodes == 10


def test_only_the_named_operation_is_costed(schema) -> None:  # type: ignore[no-untyped-def]
    document = "query Small { tenants(first: 1) { nodes { code } } } query Big { tenants(first: 100) { nodes { code } } }"
    assert cost(schema, document, operation="Small").requested_nodes == 1
    assert cost(schema, document, operation="Big").requested_nodes == 100
    assert cost(schema, document, operation="Missing").requested_nodes == 0  # refused by graphql-core, runs nothing


def test_a_list_argument_sizes_its_list(schema) -> None:  # type: ignore[no-untyped-def]
    document = "query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Tenant { children(first: 10) { nodes { code } } } } }"
    assert cost(schema, document, {"ids": ["a", "b", "c"]}).requested_nodes == 3 + 30


def test_variables_that_do_not_coerce_cost_nothing(schema) -> None:  # type: ignore[no-untyped-def]
    document = "query ($n: Int!) { tenants(first: $n) { nodes { code } } }"
    assert cost(schema, document, {"n": "many"}).requested_nodes == 0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_bucket_fills_refuses_and_leaks() -> None:
    # Given a bucket of 10 points that leaks 2 per second
    clock = Clock()
    buckets = LeakyBuckets(capacity=10, per_second=2, clock=clock)
    # When 8 points are taken, then 3 more
    assert (await buckets.take("k", 8)).remaining == 2
    refused = await buckets.take("k", 3)
    # Then the 3 do not fit: the bucket must leak 1 point, half a second
    assert not refused.allowed and refused.remaining == 2 and refused.retry_after == pytest.approx(0.5)
    # ... and after half a second they do, and nothing was charged for the refusal
    clock.now += 0.5
    taken = await buckets.take("k", 3)
    assert taken.allowed and taken.remaining == 0
    # ... and after 5 s the bucket is empty again, never below empty
    clock.now += 60
    assert await buckets.remaining("k") == 10
    # ... while another key never shared any of it
    assert await buckets.remaining("other") == 10


async def test_idle_buckets_are_swept_when_there_are_many() -> None:
    clock = Clock()
    state = MemoryState(clock)
    state.SWEEP_AT = 3  # type: ignore[misc]
    buckets = LeakyBuckets(capacity=10, per_second=1, state=state)
    for key in "abc":
        await buckets.take(key, 5)
    clock.now += 100
    await buckets.take("d", 1)
    assert set(state._buckets) == {"d"}


async def test_the_limiter_refuses_over_the_node_limit_and_over_the_whole_bucket() -> None:
    class P:
        client_id = None
        subject = "u"
        tenant_id = "t"

    limiter = CostLimiter(max_nodes=1000, buckets=LeakyBuckets(capacity=50, per_second=1, clock=Clock()))
    assert (await limiter.admit(Cost(requested_nodes=1001, units=10), P())).refused == "MAX_NODES_EXCEEDED"
    assert (await limiter.admit(Cost(requested_nodes=10, units=5_100), P())).refused == "MAX_COST_EXCEEDED"
    fine = await limiter.admit(Cost(requested_nodes=10, units=4_000), P())
    assert fine.refused is None and fine.cost == 40 and fine.remaining == 10
    limited = await limiter.admit(Cost(requested_nodes=10, units=2_000), P())
    assert limited.refused == "RATE_LIMITED" and limited.retry_after_seconds == 10
    assert "retry in 10 s" in limiter.refusal(Cost(10, 2_000), limited).message


def test_fragment_fan_out_is_counted_in_linear_time() -> None:
    from runxin.graphql.fanout import expanded_selections

    # Given 40 fragments that each spread the next twice: 2^40 selections in 120 tokens
    document = parse(
        "query { ...F0 } "
        + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
        + " fragment F40 on Query { viewer { subject } }"
    )
    # Then the count is exact, and comes at once
    assert expanded_selections(document) == 2 * 2**40
    assert expanded_selections(parse("{ viewer { subject tenant { code } } }")) == 4


def test_cost_settings_are_read_and_checked(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from runxin.platform.errors import ConfigurationError

    monkeypatch.setenv("RUNXIN_MAX_NODES", "1000")
    monkeypatch.setenv("RUNXIN_COST_BUCKET", "50")
    monkeypatch.setenv("RUNXIN_COST_PER_SECOND", "2.5")
    monkeypatch.setenv("RUNXIN_TRUSTED_DOCUMENTS_FILE", str(tmp_path / "docs.json"))
    monkeypatch.setenv("RUNXIN_TRUSTED_DOCUMENT_CLIENTS", "mis, hr")
    settings = Settings.from_env(env_file=None, data_dir=tmp_path)
    assert (settings.max_nodes, settings.cost_bucket, settings.cost_per_second) == (1000, 50, 2.5)
    assert settings.trusted_document_clients == frozenset({"mis", "hr"})
    monkeypatch.delenv("RUNXIN_TRUSTED_DOCUMENTS_FILE")
    with pytest.raises(ConfigurationError, match="RUNXIN_TRUSTED_DOCUMENTS_FILE"):
        Settings.from_env(env_file=None, data_dir=tmp_path)
    monkeypatch.setenv("RUNXIN_COST_PER_SECOND", "0")
    with pytest.raises(ConfigurationError, match="RUNXIN_COST_PER_SECOND"):
        Settings.from_env(env_file=None, data_dir=tmp_path)
