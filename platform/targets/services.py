"""Target rules: an indicator value to reach by a date, set by a bureau for its own subtree or a part of it."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid, PermissionDenied
from runxin.platform.records import create_record, get_record, update_record
from runxin.platform.targets.models import Target
from runxin.platform.targets.progress import CoveringTarget, binding_inherited, looser_message
from runxin.platform.targets.reading import covering_targets
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.services import get_tenant
from runxin.platform.validation import Checks

# A target may apply to any part of the tree; only bureaus set them (domain.md: "the bureau's goals").
OWNER_KINDS = ("PROVINCE", "CITY", "COUNTY", "SCHOOL")
SETTER_KINDS = ("PROVINCE", "CITY", "COUNTY")
FIRST_DUE_DATE, LAST_DUE_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
# Values of a non-ratio indicator are bounded by what is plausible for it.
MEAN_MAXIMA = {"CREDITS_PER_TEACHER": 500, "ALL_TEACHER_CREDITS_PER_TEACHER": 500}


@dataclass(frozen=True, slots=True)
class IndicatorBounds:
    minimum: float
    maximum: float | None
    unit: str  # COUNTY, SCHOOL or TEACHER: what the indicator counts


def indicator_bounds() -> dict[str, IndicatorBounds]:
    """Every known indicator code with the values a target for it may take."""
    # Imported here, not at module level: the indicator engine reads targets, and this keeps the two
    # domains free of an import cycle.
    from runxin.platform.indicators.definitions import INDICATORS

    return {
        d.code: IndicatorBounds(0, 1 if str(d.value_kind) == "RATIO" else MEAN_MAXIMA.get(d.code), str(d.unit))
        for d in INDICATORS
    }


def inherited(covering: Iterable[CoveringTarget], setter: Tenant, *, editing: uuid.UUID | None = None) -> list[CoveringTarget]:
    """The targets a new one for a scope inherits: those covering the scope set by `setter` or a bureau
    above it (the target being edited aside). A target set lower down never binds a bureau above it:
    the city is not refused because a county asks more of itself."""
    return [t for t in covering if t.id != editing and setter.path.startswith(t.set_by_path)]


def validate_target(
    values: Mapping[str, Any],
    tenant: Tenant,
    *,
    today: dt.date | None = None,
    setter: Tenant | None = None,
    covering: Iterable[CoveringTarget] = (),
    editing: uuid.UUID | None = None,
) -> None:
    """Raise Invalid/InvalidMany unless `values` are a target for the subtree of `tenant` set by `setter`,
    no looser than a target it inherits (`covering`: the targets whose scope covers `tenant`)."""
    checks = Checks(values)
    checks.required("indicator", "value", "due_date")
    checks.text("note", min_length=0, max_length=300, label="Note")
    indicator = values.get("indicator")
    bounds = indicator_bounds()
    if indicator is not None and indicator not in bounds:
        checks.fail("indicator", "INDICATOR_UNKNOWN", f"{indicator!r} is not an indicator; use one of {', '.join(sorted(bounds))}.")
    elif indicator is not None:
        limits = bounds[indicator]
        checks.number("value", minimum=limits.minimum, maximum=limits.maximum, label=f"A {indicator} target")
        if limits.unit == "COUNTY" and tenant.kind == "SCHOOL":
            checks.fail(
                "indicator",
                "INDICATOR_SCOPE",
                f"{indicator} counts counties; set it for a county or above, not for a school.",
            )
    due_date = values.get("due_date")
    if due_date is not None and not FIRST_DUE_DATE <= due_date <= LAST_DUE_DATE:
        checks.fail(
            "due_date",
            "DATE_OUT_OF_RANGE",
            f"due_date {due_date.isoformat()} is outside {FIRST_DUE_DATE.isoformat()} to {LAST_DUE_DATE.isoformat()}; "
            "enter the day the target should be reached.",
        )
    if setter is not None:
        if setter.kind not in SETTER_KINDS:
            checks.fail(
                "set_by_id",
                "SETTER_KIND",
                f"Targets are set by a bureau ({', '.join(k.lower() for k in SETTER_KINDS)}), not by a {setter.kind.lower()}.",
            )
        elif not tenant.path.startswith(setter.path):
            checks.fail(
                "tenant_id",
                "SCOPE_OUTSIDE_SETTER",
                f"{setter.name or setter.code} can set targets for itself and the tenants below it only; "
                "choose one of those as the scope.",
            )
    # Compared only once the three values are sound, so a bad value is reported for what it is.
    judged = ("indicator", "value", "due_date")
    if setter is not None and not checks.errors and all(values.get(key) is not None for key in judged):
        binding = binding_inherited(
            values["indicator"], float(values["value"]), values["due_date"], inherited(covering, setter, editing=editing)
        )
        if binding is not None:
            checks.fail("value", "LOOSER_THAN_INHERITED", looser_message(binding, tenant.name or tenant.code))
    checks.raise_if_any()


async def create_target(
    session: AsyncSession, *, setter_tenant_id: uuid.UUID, scope_tenant_id: uuid.UUID, values: Mapping[str, Any]
) -> Target:
    """Add a target of `setter_tenant_id` (the caller's tenant) for the subtree of `scope_tenant_id`."""
    setter = await get_tenant(session, setter_tenant_id, field="set_by_id")
    scope = await get_tenant(session, scope_tenant_id)
    covering = await covering_targets(session, [scope])
    return await create_record(
        session,
        Target,
        tenant_id=scope.id,
        values={**values, "set_by_id": setter.id},
        owner_kinds=OWNER_KINDS,
        validate=functools.partial(validate_target, setter=setter, covering=covering),
    )


async def update_target(
    session: AsyncSession, target_id: uuid.UUID, changes: Mapping[str, Any], *, editor_tenant_id: uuid.UUID
) -> Target:
    """Change a target; only its setter (or a tenant above the setter) may."""
    if "set_by_id" in changes:
        raise Invalid("set_by_id", "READ_ONLY", "A target keeps the tenant that set it; create a new target instead.")
    target = await get_record(session, Target, target_id)
    setter = await get_tenant(session, target.set_by_id, field="set_by_id")
    editor = await get_tenant(session, editor_tenant_id, field="editor_tenant_id")
    if not setter.path.startswith(editor.path):
        raise PermissionDenied(
            f"This target was set by {setter.name or setter.code}; ask them to change it, or set your own target.",
            field="set_by_id",
            code="NOT_TARGET_SETTER",
        )
    # Only a change of what the target asks is judged against the targets above: a target that a
    # stricter one set later has overtaken keeps its note editable.
    covering: list[CoveringTarget] = []
    if changes.keys() & {"indicator", "value", "due_date"}:
        covering = await covering_targets(session, [await get_tenant(session, target.tenant_id)])
    validate = functools.partial(validate_target, setter=setter, covering=covering, editing=target.id)
    return await update_record(session, Target, target_id, changes=changes, validate=validate)
