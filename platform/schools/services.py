"""School rules: a school's profile (category, stages, rank, cluster centre) and its enrolment."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.codes import VOCATIONAL_CATEGORIES, school_category
from runxin.platform.errors import Invalid
from runxin.platform.recognitions.models import RECOGNITION_LEVELS
from runxin.platform.records import record_values, upsert_record
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.services import get_tenant
from runxin.platform.validation import Checks, join_codes

OWNER_KINDS = ("SCHOOL",)
STAGES = ("PRIMARY", "JUNIOR", "SENIOR", "VOCATIONAL", "SPECIAL", "KINDERGARTEN")
# A school's standing as a model school: the highest level of its recognitions in force, or NONE.
MODEL_SCHOOL_LEVELS = ("NONE", *RECOGNITION_LEVELS)
FIRST_SCHOOL_YEAR = 2000
MAX_STUDENTS = 20_000


class TenantRef(NamedTuple):
    """The little of a tenant that the cluster-centre rule needs."""

    id: uuid.UUID
    kind: str
    parent_id: uuid.UUID | None


def validate_school_profile(
    values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None, cluster_centre: TenantRef | None = None
) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a possible profile of school `tenant`.

    `cluster_centre` is the tenant that `values["cluster_centre_id"]` names, if it exists.
    """
    checks = Checks(values)
    checks.required("category")
    category = values.get("category")
    if category is not None and category != school_category(tenant.code):
        checks.fail(
            "category",
            "CATEGORY_MISMATCH",
            f"Category {category} differs from {school_category(tenant.code)}, the first two digits of school code "
            f"{tenant.code}; a new category needs a new school code.",
        )
    checks.text("stages", min_length=0, max_length=64, label="Stages")
    checks.code_list("stages", STAGES, code="STAGE_UNKNOWN", label="Stages")
    centre_id = values.get("cluster_centre_id")
    if centre_id is not None:
        same_county_school = (
            cluster_centre is not None
            and cluster_centre.id == centre_id
            and cluster_centre.kind == "SCHOOL"
            and cluster_centre.parent_id == tenant.parent_id
        )
        if centre_id == tenant.id:
            checks.fail(
                "cluster_centre_id",
                "CLUSTER_CENTRE_INVALID",
                "A school cannot be its own cluster centre; name another school of its county.",
            )
        elif not same_county_school:
            checks.fail(
                "cluster_centre_id",
                "CLUSTER_CENTRE_INVALID",
                "The cluster centre must be another school of the same county; choose one from the county's schools.",
            )
    checks.raise_if_any()


def validate_enrolment(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise unless `values` are a school's enrolment for one school year."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("school_year", "students")
    checks.number("school_year", minimum=FIRST_SCHOOL_YEAR, maximum=today.year + 1, label="School year")
    checks.number("students", minimum=0, maximum=MAX_STUDENTS, label="Students")
    checks.raise_if_any()


async def _cluster_centre(session: AsyncSession, centre_id: uuid.UUID | None) -> TenantRef | None:
    if centre_id is None:
        return None
    # A school's principal does not see its sibling schools, yet must name one as its cluster centre;
    # ids are unguessable and only kind and parent are read, so this one lookup opts out of scoping.
    row = (
        await session.execute(
            select(Tenant.id, Tenant.kind, Tenant.parent_id).where(Tenant.id == centre_id), execution_options={"system": True}
        )
    ).first()
    return TenantRef(*row) if row is not None else None


async def upsert_school_profile(session: AsyncSession, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> SchoolProfile:
    """Create or change the profile of school `tenant_id`; a new profile takes its category from the code."""
    if "model_school_level" in values:
        raise Invalid(
            "model_school_level",
            "READ_ONLY",
            "A school's model-school level comes from its recognitions in force; the bureau at or above the level "
            "records one with modelSchoolRecognitionCreate. Leave modelSchoolLevel out.",
        )
    tenant = await get_tenant(session, tenant_id)
    existing = (await session.execute(select(SchoolProfile).where(SchoolProfile.tenant_id == tenant.id))).scalar_one_or_none()
    values = dict(values)
    if isinstance(values.get("stages"), str):
        values["stages"] = join_codes(values["stages"])
    if existing is None:
        values.setdefault("category", school_category(tenant.code))
        values.setdefault("vocational", values["category"] in VOCATIONAL_CATEGORIES)
    merged = {**(record_values(existing) if existing is not None else {}), **values}
    centre = await _cluster_centre(session, merged.get("cluster_centre_id"))
    return await upsert_record(
        session,
        SchoolProfile,
        key={"tenant_id": tenant.id},
        tenant_id=tenant.id,
        values=values,
        owner_kinds=OWNER_KINDS,
        validate=functools.partial(validate_school_profile, cluster_centre=centre),
    )


async def record_enrolment(session: AsyncSession, tenant_id: uuid.UUID, school_year: int, students: int) -> SchoolEnrolment:
    """Set the number of students of school `tenant_id` in `school_year` (2025 is 2025-26)."""
    return await upsert_record(
        session,
        SchoolEnrolment,
        key={"tenant_id": tenant_id, "school_year": school_year},
        tenant_id=tenant_id,
        values={"students": students},
        owner_kinds=OWNER_KINDS,
        validate=validate_enrolment,
    )
