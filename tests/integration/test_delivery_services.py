"""The outbox of deliveries on real databases: endpoints, idempotent enqueue, the reconciler, replay."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from runxin.platform import doorbell
from runxin.platform.delivery import signing
from runxin.platform.delivery.adx import adx_for_city
from runxin.platform.delivery.models import Delivery, DeliveryEndpoint
from runxin.platform.delivery.payload import figures_for_city, sha256_hex
from runxin.platform.delivery.services import (
    create_endpoint,
    due_delivery_ids,
    enqueue_for_city,
    list_deliveries,
    reconcile,
    replay,
    resolve_delivery_refs,
    rotate_endpoint_secret,
    update_endpoint,
    webhook_id_for,
)
from runxin.platform.errors import Invalid, InvalidMany, NotFound
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import bind_principal
from tests.factories.deliveries import accept_everything, add_endpoint, approve
from tests.factories.tree import make_tree

T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
URL = "https://platform.example.cn/runxin/webhooks"


@pytest.fixture
def rung() -> Iterator[list[str]]:
    """Delivery ids the doorbell rang for (after commit)."""
    keys: list[str] = []
    doorbell.install("delivery", keys.extend)
    yield keys
    doorbell.uninstall("delivery")


async def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_enqueue_is_idempotent_and_rings_after_commit(system_session, rung) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    await accept_everything(system_session, tree.city, tree.counties)
    first, _ = await add_endpoint(system_session, tree.city, URL)
    second, _ = await add_endpoint(system_session, tree.city, URL + "/2")
    # When the city's acceptance is enqueued
    made = await enqueue_for_city(system_session, city_id=tree.city.id, period="2025", version=1, now=T0)
    assert rung == [], "nothing rings before the commit"
    await system_session.commit()
    # Then there is one delivery per endpoint, due now, with a stable id, and the doorbell rang for them
    assert sorted(rung) == sorted(str(d.id) for d in made)
    assert [d.webhook_id for d in made] == [webhook_id_for(first.id, "2025", 1), webhook_id_for(second.id, "2025", 1)]
    assert all(
        d.status == "PENDING" and d.next_attempt_at == T0 and d.payload_sha256 == sha256_hex(d.payload.encode()) for d in made
    )
    # When it is enqueued again (a retried job, the reconciler)
    rung.clear()
    again = await enqueue_for_city(system_session, city_id=tree.city.id, period="2025", version=1, now=T0)
    await system_session.commit()
    # Then the same rows come back, and nothing new is written or rung
    assert [d.id for d in again] == [d.id for d in made]
    assert await count(system_session, Delivery) == 2
    assert rung == []
    # A new version is a new delivery per endpoint
    assert {
        d.id for d in await enqueue_for_city(system_session, city_id=tree.city.id, period="2025", version=2, now=T0)
    }.isdisjoint({d.id for d in made})


async def test_the_payload_carries_the_city_and_its_counties_at_their_approved_versions(system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    other = await make_tree(system_session, city_code="360800", counties=1, schools_per_county=1)
    first, second = tree.counties
    # Given county 1 approved twice, county 2 once, a school, and another city, all with figures
    await approve(system_session, first, version=1, values={"STATION_COVERAGE": 0.1})
    await approve(system_session, first, version=2, values={"STATION_COVERAGE": 0.3})
    await approve(system_session, second, version=1, values={"STATION_COVERAGE": 0.2})
    await approve(system_session, tree.all_schools()[0], version=1, values={"STATION_COVERAGE": 1.0})
    await approve(system_session, other.counties[0], version=1, values={"STATION_COVERAGE": 0.9})
    await approve(system_session, tree.city, version=1, values={"STATION_COVERAGE": 0.25})
    await approve(system_session, tree.city, version=2, values={"STATION_COVERAGE": 0.5})
    # When the city's figures for the period are read
    figures = await figures_for_city(system_session, tree.city.id, "2025")
    pinned = await figures_for_city(system_session, tree.city.id, "2025", version=1)
    # Then they are the city's and its counties' only, each at its latest approved version, city first
    assert [(f.tenant_code, f.tenant_kind, f.version, f.value) for f in figures] == [
        (tree.city.code, "CITY", 2, 0.5),
        (first.code, "COUNTY", 2, 0.3),
        (second.code, "COUNTY", 1, 0.2),
    ]
    assert pinned[0].version == 1 and pinned[0].value == 0.25
    assert await figures_for_city(system_session, tree.city.id, "2024") == []
    # And the same figures read as ADX
    document = await adx_for_city(system_session, tree.city.id, "2025", exported=T0)
    assert 'orgUnit="360700"' in document and 'value="0.5"' in document and 'value="0.3"' in document
    assert other.counties[0].code not in document


async def test_the_reconciler_fills_in_what_is_missing_and_nothing_else(system_session, rung) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    other = await make_tree(system_session, city_code="360800", counties=1, schools_per_county=1)
    # Given the city accepted 2025 (version 2) and reopened 2024 (its version 3 not accepted yet)
    await accept_everything(system_session, tree.city, tree.counties, period="2025", version=2)
    await approve(system_session, tree.city, period="2024", version=3, state="OPEN")
    # ... a county approved, but a city without endpoints, and one endpoint switched off
    await approve(system_session, other.counties[0], period="2025")
    await approve(system_session, other.city, period="2025")
    first, _ = await add_endpoint(system_session, tree.city, URL)
    off, _ = await add_endpoint(system_session, tree.city, URL + "/off")
    await update_endpoint(system_session, off.id, {"active": False})
    await system_session.commit()
    # When the reconciler runs
    created = await reconcile(system_session, now=T0)
    await system_session.commit()
    # Then the accepted period has its delivery at the city's current version, at the active endpoint
    [delivery] = (await system_session.execute(select(Delivery))).scalars().all()
    assert created == [delivery.id] and sorted(rung) == [str(delivery.id)]
    assert (delivery.endpoint_id, delivery.period, delivery.version) == (first.id, "2025", 2)
    city_figures = {f["indicator"]: f for f in json.loads(delivery.payload)["figures"] if f["tenant"] == tree.city.code}
    assert city_figures["STATION_COVERAGE"]["value"] == 0.5 and city_figures["STATION_COVERAGE"]["version"] == 2
    # When it runs again, nothing is created
    assert await reconcile(system_session, now=T0) == []
    # When the city adds an endpoint later, the reconciler sends it what was accepted before
    added, _ = await add_endpoint(system_session, tree.city, URL + "/new")
    created = await reconcile(system_session, now=T0)
    await system_session.commit()
    [late] = [(await system_session.get(Delivery, i)) for i in created]
    assert (late.endpoint_id, late.version) == (added.id, 2)


async def test_endpoints_are_checked_and_say_what_to_do(system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    bad = {
        "ftp://platform.example.cn/in": "URL_SCHEME",
        "platform.example.cn/in": "URL_SCHEME",
        "https://": "URL_INVALID",
        "https://user:pw@platform.example.cn/in": "URL_CREDENTIALS",
        "https://platform.example.cn/in#top": "URL_FRAGMENT",
        "https://platform.example.cn:99999/in": "URL_INVALID",
        "   ": "REQUIRED",
        "https://platform.example.cn/" + "a" * 500: "TOO_LONG",
    }
    for url, code in bad.items():
        with pytest.raises(Invalid) as caught:
            await create_endpoint(system_session, tenant_id=tree.city.id, url=url)
        assert (caught.value.field, caught.value.code) == ("url", code), url
        assert "http" in caught.value.message or code in ("TOO_LONG", "URL_CREDENTIALS", "URL_FRAGMENT")
    with pytest.raises(Invalid) as caught:
        await create_endpoint(system_session, tenant_id=tree.city.id, url=URL, timeout_seconds=120)
    assert caught.value.code == "TOO_LARGE" and "60" in caught.value.message
    with pytest.raises(InvalidMany):
        await create_endpoint(system_session, tenant_id=tree.city.id, url="ftp://x", timeout_seconds=0)
    with pytest.raises(Invalid) as caught:
        await create_endpoint(system_session, tenant_id=tree.counties[0].id, url=URL)
    assert caught.value.code == "TENANT_KIND" and "city" in caught.value.message


async def test_endpoint_updates_and_rotation(system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    created = await create_endpoint(system_session, tenant_id=tree.city.id, url=URL, description="市平台", now=T0)
    endpoint = created.endpoint
    assert signing.live_secrets(signing.load_secrets(endpoint.secrets), T0) == [created.secret]
    updated = await update_endpoint(system_session, endpoint.id, {"url": URL + "/v2", "timeout_seconds": 5, "active": False})
    assert (updated.url, updated.timeout_seconds, updated.active) == (URL + "/v2", 5, False)
    with pytest.raises(Invalid) as caught:
        await update_endpoint(system_session, endpoint.id, {"secrets": "[]"})
    assert caught.value.code == "NOT_CHANGEABLE"
    with pytest.raises(Invalid):
        await update_endpoint(system_session, endpoint.id, {"url": None})
    rotated = await rotate_endpoint_secret(system_session, endpoint.id, now=T0 + dt.timedelta(hours=1))
    live = signing.live_secrets(signing.load_secrets(rotated.endpoint.secrets), T0 + dt.timedelta(hours=2))
    assert live == [rotated.secret, created.secret]
    with pytest.raises(NotFound):
        await rotate_endpoint_secret(system_session, tree.city.id)


async def test_replay_rules(system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    await add_endpoint(system_session, tree.city, URL)
    dead, delivered, in_flight = [
        (await enqueue_for_city(system_session, city_id=tree.city.id, period=p, version=1, now=T0))[0]
        for p in ("2023", "2024", "2025")
    ]
    dead.status, dead.attempts = "DEAD", 11
    delivered.status, delivered.delivered_at = "DELIVERED", T0
    in_flight.leased_until, in_flight.attempts = T0 + dt.timedelta(minutes=1), 1
    await system_session.commit()
    with pytest.raises(Invalid):
        await replay(system_session)
    # Every dead one, and a delivered one named by id; one in flight is left to its sender
    replayed = await replay(system_session, dead=True, delivery_ids=[delivered.id, in_flight.id], now=T0)
    assert {d.id for d in replayed} == {dead.id, delivered.id}
    assert all(d.status == "PENDING" and d.next_attempt_at == T0 and d.delivered_at is None for d in replayed)
    assert dead.attempts_before_replay == 11 and dead.first_attempt_at is None
    # Ids out of reach are refused, saying so
    with pytest.raises(NotFound):
        await replay(system_session, delivery_ids=[tree.city.id])
    # Webhook ids typed at the command line resolve to their deliveries
    assert await resolve_delivery_refs(system_session, [dead.webhook_id, str(delivered.id)]) == [dead.id, delivered.id]
    with pytest.raises(Invalid):
        await resolve_delivery_refs(system_session, ["nonsense"])
    assert [d.id for d in await list_deliveries(system_session, status="PENDING")] == [in_flight.id, delivered.id, dead.id]
    assert await due_delivery_ids(system_session, T0, limit=10) == [dead.id, delivered.id]


async def test_a_city_principal_writes_its_own_endpoints_and_deliveries(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # The approval service enqueues in the city's own accepting transaction (row-level security on PostgreSQL)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    await accept_everything(system_session, tree.city, tree.counties)
    city = Principal(
        subject="admin@city", tenant_id=tree.city.id, tenant_path=tree.city.path, tenant_kind="CITY", roles=frozenset({"ADMIN"})
    )
    county = tree.counties[0]
    async with sessionmaker() as session:
        bind_principal(session, city)
        await create_endpoint(session, tenant_id=tree.city.id, url=URL)
        [delivery] = await enqueue_for_city(session, city_id=tree.city.id, period="2025", version=1)
        await session.commit()
    assert len(json.loads(delivery.payload)["figures"]) == 4
    # A county sees none of it
    async with sessionmaker() as session:
        bind_principal(session, Principal(subject="c", tenant_id=county.id, tenant_path=county.path, tenant_kind="COUNTY"))
        assert (await session.execute(select(Delivery))).scalars().all() == []
        assert (await session.execute(select(DeliveryEndpoint))).scalars().all() == []
