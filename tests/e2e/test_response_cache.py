"""The response cache over HTTP: a hit keeps every guarantee, and a write invalidates exactly.

The oracle: after any sequence of writes, every answer the cached app gives equals the answer of the
same app with the cache off, over the same database.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from runxin.graphql.app import create_app
from runxin.graphql.ids import encode_id
from runxin.platform.audit.models import AuditEvent
from runxin.platform.config import Settings
from runxin.tenants.tokens import TokenService, load_or_create_key
from tests.e2e.conftest import Api
from tests.factories.tree import make_tree

STAFF_LIST = """
query ($code: String!) {
  tenant(code: $code) { staff(first: 50, scope: SUBTREE) { nodes { name phone personalDataMasked tenant { code } } } }
}
"""
SCHOOLS = """
query ($code: String!) {
  tenants(under: $code, kind: SCHOOL, first: 100) { nodes { code staffCounts { fullTime partTime total } } }
}
"""
INDICATORS = """
query ($code: String!) {
  tenant(code: $code) { indicators(codes: ["FULL_TIME_TEACHER_COVERAGE"]) { value state numerator denominator } }
}
"""
CREATE = """
mutation ($input: StaffCreateInput!) { staffCreate(input: $input) { staff { id } userErrors { code message } } }
"""


async def add_teacher(api: Api, school: Any, *, as_: Any, name: str = "张老师", kind: str = "FULL_TIME") -> None:
    variables = {"input": {"tenantId": encode_id("Tenant", school.id), "kind": kind, "name": name, "phone": "13812345678"}}
    body = await api.gql(CREATE, variables, as_=as_)
    assert body["data"]["staffCreate"]["userErrors"] == [], body


def cache_of(api: Api) -> Any:
    return api.app.state.runtime.response_cache


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    # Buckets that hardly refill, so that what each request is charged shows in what remains.
    return Settings.from_env(env_file=None, data_dir=tmp_path / "data", database_url=database_url, cost_per_second=0.001)


@pytest.fixture
async def uncached(settings: Settings) -> AsyncIterator[Api]:
    """The same app with the cache off, over the same database and signing key."""
    app = create_app(settings.replace(response_cache_mb=0))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runxin.test") as client:
            tokens = TokenService(load_or_create_key(settings.key_path), settings.token_issuer, settings.token_audience, 600)
            yield Api(client=client, tokens=tokens, app=app)


async def test_a_hit_is_charged_and_audited_like_the_execution(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county whose school has a teacher, read by the county's administrator (personal data shown)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county, school = tree.counties[0], tree.all_schools()[0]
    await add_teacher(api, school, as_=school)
    token = api.token_for(county, "ADMIN")
    # When the same document is asked twice
    first = (await api.post(STAFF_LIST, {"code": county.code}, token=token)).json()
    hits = cache_of(api).hits
    second = (await api.post(STAFF_LIST, {"code": county.code}, token=token)).json()
    # Then the second answer came from the cache, equal to the first, and was charged again
    assert cache_of(api).hits == hits + 1
    assert second["data"] == first["data"] and second["data"]["tenant"]["staff"]["nodes"][0]["phone"] == "13812345678"
    charged = first["extensions"]["cost"]["cost"]
    assert second["extensions"]["cost"]["cost"] == charged
    assert second["extensions"]["cost"]["remaining"] == first["extensions"]["cost"]["remaining"] - charged
    # And both reads of the personal data are on record, with the same disclosure
    events = (
        (await system_session.execute(select(AuditEvent).where(AuditEvent.subject == f"user@{county.code}").order_by(AuditEvent.occurred_at)))
        .scalars()
        .all()
    )
    assert len(events) == 2
    assert events[0].personal_fields_read == events[1].personal_fields_read != []
    assert events[1].outcome == "ok"


async def test_a_write_invalidates_what_it_can_change_and_nothing_else(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given two counties, and county A's school list in the cache
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    county_a, county_b = tree.counties
    token = api.token_for(county_a, "ADMIN")
    await api.post(SCHOOLS, {"code": county_a.code}, token=token)
    # When a school of county B writes, county A's answer is still the cached one
    await add_teacher(api, tree.schools[county_b.code][0], as_=tree.schools[county_b.code][0])
    hits = cache_of(api).hits
    await api.post(SCHOOLS, {"code": county_a.code}, token=token)
    assert cache_of(api).hits == hits + 1
    # When a school of county A writes, the next answer is computed afresh and shows the write
    school = tree.schools[county_a.code][1]
    await add_teacher(api, school, as_=school)
    hits = cache_of(api).hits
    body = (await api.post(SCHOOLS, {"code": county_a.code}, token=token)).json()
    assert cache_of(api).hits == hits
    counts = {n["code"]: n["staffCounts"]["fullTime"] for n in body["data"]["tenants"]["nodes"]}
    assert counts[school.code] == 1


async def test_the_principal_is_part_of_the_key(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a teacher, read by the county's administrator first (personal data disclosed)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county, school = tree.counties[0], tree.all_schools()[0]
    await add_teacher(api, school, as_=school)
    admin = (await api.post(STAFF_LIST, {"code": county.code}, token=api.token_for(county, "ADMIN"))).json()
    # When a viewer of the same county asks the same document
    viewer = (await api.post(STAFF_LIST, {"code": county.code}, token=api.token_for(county, "VIEWER"))).json()
    # Then the viewer's answer is masked as policy says, not the administrator's cached one
    assert admin["data"]["tenant"]["staff"]["nodes"][0]["personalDataMasked"] is False
    assert viewer["data"]["tenant"]["staff"]["nodes"][0]["personalDataMasked"] is True
    assert viewer["data"]["tenant"]["staff"]["nodes"][0]["phone"] is None


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_cached_answers_equal_uncached_ones_after_random_writes(api, uncached, system_session, seed: int) -> None:  # type: ignore[no-untyped-def]
    # Given a city with two counties of two schools, and readers at every level with two roles
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    rng = random.Random(seed)
    tenants = [tree.city, *tree.counties, *tree.all_schools()]
    county_of = {s.id: county for county in tree.counties for s in tree.schools[county.code]}
    checked = hits = 0
    for step in range(40):
        if rng.random() < 0.3:
            # When a school or its county writes a teacher of the school
            school = rng.choice(tree.all_schools())
            writer = rng.choice([school, county_of[school.id]])
            await add_teacher(api, school, as_=writer, name=f"教师{step}", kind=rng.choice(["FULL_TIME", "PART_TIME"]))
            continue
        reader, role = rng.choice(tenants), rng.choice(["ADMIN", "VIEWER"])
        document = rng.choice([STAFF_LIST, SCHOOLS, INDICATORS])
        variables = {"code": reader.code}
        before = cache_of(api).hits
        cached = await api.post(document, variables, token=api.token_for(reader, role))
        hits += cache_of(api).hits - before
        fresh = await uncached.post(document, variables, token=uncached.token_for(reader, role))
        # Then the cached app answers exactly as the uncached one
        assert cached.status_code == fresh.status_code
        assert cached.json().get("data") == fresh.json().get("data"), (step, reader.code, role, document)
        checked += 1
    assert checked > 10 and hits > 0  # the sequence exercised the cache, not only its misses


async def test_an_answer_superseded_by_a_newer_version_is_dropped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from runxin.graphql.response_cache import CachedAnswer, ResponseCache, VersionReader
    from runxin.platform.audit.collector import AuditCollector

    cache = ResponseCache(VersionReader(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"), max_bytes=1_000_000, ttl_seconds=60)
    answer = CachedAnswer(b"{}", None, "query", None, AuditCollector(), 300)
    old, new, other = ("q", None, b"", "p", (0, 1), "d"), ("q", None, b"", "p", (0, 2), "d"), ("q", None, b"", "p2", (0, 1), "d")
    # Given an answer of version (0, 1), and one of another principal
    cache.put(old, answer)
    cache.put(other, answer)
    # When the same document's answer of version (0, 2) is kept
    cache.put(new, answer)
    # Then the older one is gone (it can never be asked for again), the other principal's stays
    assert cache.get(old) is None and cache.get(new) is answer and cache.get(other) is answer
    assert len(cache) == 2
    await cache.close()


async def test_concurrent_misses_compute_the_answer_once(api, system_session) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from tests.e2e.counting import StatementCounter

    # Given a county with schools, and its list not yet in the cache
    tree = await make_tree(system_session, counties=1, schools_per_county=3)
    county = tree.counties[0]
    token = api.token_for(county, "ADMIN")
    await api.post("{ viewer { subject } }", token=token)  # the caller's place, looked up once
    # When ten identical requests arrive together
    with StatementCounter(api) as counter:
        answers = await asyncio.gather(*(api.post(SCHOOLS, {"code": county.code}, token=token) for _ in range(10)))
    # Then all get the same answer, computed by one of them (the others waited for it)
    assert {a.status_code for a in answers} == {200}
    assert len({str(a.json()["data"]) for a in answers}) == 1
    with StatementCounter(api) as once:
        await api.post(SCHOOLS, {"code": county.code}, token=api.token_for(county, "VIEWER"))  # a miss of its own
    assert counter.count == once.count
