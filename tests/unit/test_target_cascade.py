"""The target cascade: which target is in force at a tenant, and why a looser one is refused."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.targets.progress import (
    CASCADE_RULE,
    CoveringTarget,
    binding_inherited,
    effective_targets,
    is_looser,
    strictest,
)
from runxin.platform.targets.services import inherited, validate_target
from runxin.platform.tree.models import Tenant
from tests.unit.rules import CITY, COUNTY, FOREIGN_SCHOOL, OTHER_COUNTY, SCHOOL, codes, messages

Y2025, Y2026, Y2027 = dt.date(2025, 12, 31), dt.date(2026, 12, 31), dt.date(2027, 12, 31)


def target(
    scope: Tenant, value: float, due: dt.date, *, setter: Tenant | None = None, indicator: str = "FULL_TIME_TEACHER_COVERAGE"
) -> CoveringTarget:
    setter = setter or scope
    return CoveringTarget(
        id=uuid.uuid4(),
        indicator=indicator,
        value=value,
        due_date=due,
        scope_id=scope.id,
        scope_path=scope.path,
        scope_name=scope.name,
        set_by_id=setter.id,
        set_by_path=setter.path,
        set_by_name=setter.name,
    )


def values(value: float, due: dt.date, indicator: str = "FULL_TIME_TEACHER_COVERAGE") -> dict[str, object]:
    return {"indicator": indicator, "value": value, "due_date": due, "note": ""}


# --- which target is in force --------------------------------------------------------------------


def test_a_city_target_cascades_to_its_counties_and_schools_only() -> None:
    city = target(CITY, 0.8, Y2025)
    assert effective_targets([city], CITY.path) == {city.indicator: city}
    assert effective_targets([city], SCHOOL.path) == {city.indicator: city}
    other_city = Tenant(id=uuid.uuid4(), path=f"/{uuid.uuid4().hex}/", name="elsewhere")
    assert effective_targets([city], other_city.path) == {}


def test_a_stricter_county_target_wins_in_its_subtree_only() -> None:
    city = target(CITY, 0.8, Y2025)
    county = target(COUNTY, 0.9, Y2025, setter=COUNTY)
    found = [city, county]
    assert effective_targets(found, COUNTY.path)[city.indicator] is county
    assert effective_targets(found, SCHOOL.path)[city.indicator] is county
    assert effective_targets(found, OTHER_COUNTY.path)[city.indicator] is city
    assert effective_targets(found, FOREIGN_SCHOOL.path)[city.indicator] is city
    assert effective_targets(found, CITY.path)[city.indicator] is city


def test_the_same_value_due_earlier_is_stricter() -> None:
    city = target(CITY, 0.8, Y2026)
    county = target(COUNTY, 0.8, Y2025)
    assert strictest([city, county]) is county


def test_a_tie_names_the_target_set_nearest_the_tenant() -> None:
    city = target(CITY, 0.8, Y2025)
    county = target(COUNTY, 0.8, Y2025)
    assert effective_targets([city, county], SCHOOL.path)[city.indicator] is county


def test_each_indicator_has_its_own_target() -> None:
    teachers = target(CITY, 0.8, Y2025)
    stations = target(COUNTY, 1.0, Y2026, indicator="STATION_COVERAGE")
    assert effective_targets([teachers, stations], SCHOOL.path) == {teachers.indicator: teachers, stations.indicator: stations}


scopes = st.sampled_from([CITY, COUNTY, OTHER_COUNTY, SCHOOL])
dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))
covering = st.lists(st.builds(target, scopes, st.floats(0, 1), dates), max_size=8)


@given(covering, st.sampled_from([CITY, COUNTY, OTHER_COUNTY, SCHOOL, FOREIGN_SCHOOL]))
def test_the_target_in_force_covers_the_tenant_and_nothing_covering_it_is_stricter(found, tenant) -> None:  # type: ignore[no-untyped-def]
    chosen = effective_targets(found, tenant.path).get("FULL_TIME_TEACHER_COVERAGE")
    applying = [t for t in found if tenant.path.startswith(t.scope_path)]
    assert (chosen is None) == (not applying)
    if chosen is not None:
        assert chosen.covers(tenant.path)
        assert all((t.value, -t.due_date.toordinal()) <= (chosen.value, -chosen.due_date.toordinal()) for t in applying)


# --- looser targets are refused -------------------------------------------------------------------


def test_looser_is_a_lower_value_due_the_same_day_or_later() -> None:
    city = target(CITY, 0.8, Y2026)
    assert is_looser(0.7, Y2026, city) and is_looser(0.7, Y2027, city)
    assert not is_looser(0.7, Y2025, city)  # an earlier milestone
    assert not is_looser(0.8, Y2027, city) and not is_looser(0.9, Y2027, city)


def test_a_county_target_looser_than_the_citys_is_refused_with_what_to_set() -> None:
    city = target(CITY, 0.8, Y2026, setter=CITY)
    assert codes(validate_target, values(0.7, Y2026), COUNTY, setter=COUNTY, covering=[city]) == {
        "value": "LOOSER_THAN_INHERITED"
    }
    message = messages(validate_target, values(0.7, Y2026), COUNTY, setter=COUNTY, covering=[city])
    assert CITY.name in message and "0.8" in message and "2026-12-31" in message and "set at least 0.8" in message
    # Stricter, or an earlier milestone, passes
    assert codes(validate_target, values(0.9, Y2027), COUNTY, setter=COUNTY, covering=[city]) == {}
    assert codes(validate_target, values(0.7, Y2025), COUNTY, setter=COUNTY, covering=[city]) == {}
    # As does any value for another indicator
    assert codes(validate_target, values(0.1, Y2027, "STATION_COVERAGE"), COUNTY, setter=COUNTY, covering=[city]) == {}


def test_the_target_named_is_the_strictest_one_broken() -> None:
    city = target(CITY, 0.8, Y2026, setter=CITY)
    county = target(COUNTY, 0.9, Y2025, setter=CITY)
    assert binding_inherited(city.indicator, 0.7, Y2027, [city, county]) is county


def test_a_bureau_is_not_bound_by_a_target_set_below_it() -> None:
    own = target(COUNTY, 0.9, Y2026, setter=COUNTY)
    assert inherited([own], CITY) == []
    assert codes(validate_target, values(0.5, Y2027), COUNTY, setter=CITY, covering=[own]) == {}


def test_an_edited_target_is_not_judged_against_itself() -> None:
    own = target(COUNTY, 0.9, Y2026, setter=COUNTY)
    assert codes(validate_target, values(0.5, Y2027), COUNTY, setter=COUNTY, covering=[own], editing=own.id) == {}
    assert codes(validate_target, values(0.5, Y2027), COUNTY, setter=COUNTY, covering=[own]) == {"value": "LOOSER_THAN_INHERITED"}


def test_a_bad_value_is_reported_as_such_not_as_looser() -> None:
    city = target(CITY, 0.8, Y2026, setter=CITY)
    assert codes(validate_target, values(-0.5, Y2026), COUNTY, setter=COUNTY, covering=[city]) == {"value": "NEGATIVE"}


@given(covering, st.floats(0, 1), dates)
def test_a_target_that_passes_is_never_looser_than_what_it_inherits(found, value, due) -> None:  # type: ignore[no-untyped-def]
    applying = [t for t in inherited(found, COUNTY) if COUNTY.path.startswith(t.scope_path)]
    refused = codes(validate_target, values(value, due), COUNTY, setter=COUNTY, covering=applying) != {}
    assert refused == any(value < t.value and due >= t.due_date for t in applying)


def test_the_cascade_is_stated_once() -> None:
    assert "strictest" in CASCADE_RULE and "stricter" in CASCADE_RULE
