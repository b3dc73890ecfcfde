"""School profile and enrolment rules."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.schools.services import STAGES, TenantRef, validate_enrolment, validate_school_profile
from tests.unit.rules import FOREIGN_SCHOOL, SCHOOL, SIBLING_SCHOOL, TODAY, codes, messages

GOOD = {"category": "21", "stages": "PRIMARY", "central_rank": True, "cluster_centre_id": None}


def with_(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def ref(tenant) -> TenantRef:  # type: ignore[no-untyped-def]
    return TenantRef(tenant.id, tenant.kind, tenant.parent_id)


def test_a_good_profile_passes() -> None:
    assert codes(validate_school_profile, GOOD, SCHOOL) == {}


def test_category_is_required() -> None:
    assert codes(validate_school_profile, with_(category=None), SCHOOL) == {"category": "REQUIRED"}


def test_category_must_be_the_first_two_digits_of_the_code() -> None:
    values = with_(category="31")
    assert codes(validate_school_profile, values, SCHOOL) == {"category": "CATEGORY_MISMATCH"}
    assert "2136000001" in messages(validate_school_profile, values, SCHOOL)


@given(st.lists(st.sampled_from(STAGES), unique=True))
def test_any_set_of_known_stages_passes(stages: list[str]) -> None:
    assert codes(validate_school_profile, with_(stages=",".join(stages)), SCHOOL) == {}


def test_unknown_stages_are_refused() -> None:
    assert codes(validate_school_profile, with_(stages="PRIMARY,UNIVERSITY"), SCHOOL) == {"stages": "STAGE_UNKNOWN"}


def test_a_stage_is_listed_once() -> None:
    assert codes(validate_school_profile, with_(stages="PRIMARY,PRIMARY"), SCHOOL) == {"stages": "DUPLICATE_CODE"}


def test_cluster_centre_may_be_a_school_of_the_same_county() -> None:
    values = with_(cluster_centre_id=SIBLING_SCHOOL.id)
    assert codes(validate_school_profile, values, SCHOOL, cluster_centre=ref(SIBLING_SCHOOL)) == {}


def test_a_school_is_not_its_own_cluster_centre() -> None:
    values = with_(cluster_centre_id=SCHOOL.id)
    assert codes(validate_school_profile, values, SCHOOL, cluster_centre=ref(SCHOOL)) == {"cluster_centre_id": "CLUSTER_CENTRE_INVALID"}


def test_cluster_centre_of_another_county_is_refused() -> None:
    values = with_(cluster_centre_id=FOREIGN_SCHOOL.id)
    assert codes(validate_school_profile, values, SCHOOL, cluster_centre=ref(FOREIGN_SCHOOL)) == {
        "cluster_centre_id": "CLUSTER_CENTRE_INVALID"
    }


def test_cluster_centre_that_is_no_school_or_does_not_exist_is_refused() -> None:
    county = TenantRef(SCHOOL.parent_id, "COUNTY", None)  # type: ignore[arg-type]
    assert codes(validate_school_profile, with_(cluster_centre_id=county.id), SCHOOL, cluster_centre=county) == {
        "cluster_centre_id": "CLUSTER_CENTRE_INVALID"
    }
    assert codes(validate_school_profile, with_(cluster_centre_id=uuid.uuid4()), SCHOOL) == {"cluster_centre_id": "CLUSTER_CENTRE_INVALID"}


# Enrolment


@given(st.integers(2000, TODAY.year + 1), st.integers(0, 20_000))
def test_enrolment_within_range_passes(year: int, students: int) -> None:
    assert codes(validate_enrolment, {"school_year": year, "students": students}, SCHOOL) == {}


@given(st.integers(max_value=1999))
def test_school_year_before_2000_is_refused(year: int) -> None:
    assert codes(validate_enrolment, {"school_year": year, "students": 10}, SCHOOL)["school_year"] in ("TOO_SMALL", "NEGATIVE")


@given(st.integers(min_value=TODAY.year + 2, max_value=9999))
def test_school_year_after_next_year_is_refused(year: int) -> None:
    assert codes(validate_enrolment, {"school_year": year, "students": 10}, SCHOOL) == {"school_year": "TOO_LARGE"}


@given(st.integers(max_value=-1))
def test_negative_students_are_refused(students: int) -> None:
    assert codes(validate_enrolment, {"school_year": 2024, "students": students}, SCHOOL) == {"students": "NEGATIVE"}


@given(st.integers(min_value=20_001))
def test_more_than_20000_students_are_refused(students: int) -> None:
    assert codes(validate_enrolment, {"school_year": 2024, "students": students}, SCHOOL) == {"students": "TOO_LARGE"}


def test_enrolment_fields_are_required() -> None:
    assert codes(validate_enrolment, {}, SCHOOL) == {"school_year": "REQUIRED", "students": "REQUIRED"}
