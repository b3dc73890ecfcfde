"""Field disclosure: which personal fields a principal sees of a record, and how the rest is masked.

Masked fields are not silently dropped: the caller gets null for the value plus the list of masked
field names and the reason, so a client can show "hidden by policy" rather than "unknown".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from runxin.platform.disclosure.models import DisclosurePolicy
from runxin.platform.disclosure.rules import DEFAULT_RULES, PERSONAL_FIELDS, DisclosureRules, rules_from
from runxin.platform.errors import Invalid, PermissionDenied
from runxin.tenants.policy import Permission, Role, has
from runxin.tenants.principal import Principal

PARTIAL_REASON = "The city's disclosure policy shows only some personal fields of staff under you; the others are hidden."
MASK_REASON = (
    "Personal data of staff outside your own tenant is visible only to roles the city's disclosure policy allows "
    "(by default ADMIN of an ancestor bureau)."
)


@dataclass(frozen=True, slots=True)
class Disclosure:
    visible: bool
    reason: str | None = None
    # The personal fields shown (all of them for one's own staff; the city's list for descendants').
    fields: frozenset[str] = frozenset()

    def shows(self, field: str) -> bool:
        return self.visible and field in self.fields


def staff_disclosure(principal: Principal | None, record_tenant_id: uuid.UUID) -> Disclosure:
    """May `principal` read the personal fields of a staff record it can already see?

    Scoping has put the record in the principal's subtree, so it is either the principal's own
    tenant's or a descendant's. For a descendant's, a person also needs one of the roles the
    city's disclosure policy names; an API client needs the personal scope.
    """
    if principal is not None:
        own = record_tenant_id == principal.tenant_id
        needed = Permission.PERSONAL_OWN if own else Permission.PERSONAL_DESCENDANTS
        by_city = own or principal.client_id is not None or bool(principal.roles & set(principal.disclosure.personal_roles))
        if has(principal, needed) and by_city:
            shown = frozenset(PERSONAL_FIELDS if own else principal.disclosure.personal_fields)
            partial = None if own or shown == frozenset(PERSONAL_FIELDS) else PARTIAL_REASON
            return Disclosure(visible=True, reason=partial, fields=shown)
    return Disclosure(visible=False, reason=MASK_REASON)


def require_detail(principal: Principal | None, resource: str, *, beyond_own: bool) -> None:
    """Refuse a descendant's records of a class the city shows its bureaus only as figures."""
    if principal is None or not beyond_own or principal.disclosure.shows_detail(resource):
        return
    raise PermissionDenied(
        f"The city's disclosure policy shows {resource} of the tenants under you as figures only "
        "(counts and indicators); ask for your own tenant's records, or for the figures.",
        code="NOT_DISCLOSED",
    )


def mask_name(name: str) -> str:
    """Keep the first character, as Chinese public notices do: 张三丰 → 张**.

    The mask has a fixed length so it does not tell how long the real name is.
    """
    return name[:1] + "**" if name else ""


async def load_rules(session: Any, root_id: uuid.UUID) -> DisclosureRules:
    """The disclosure rules a city publishes (its policy row, else the defaults).

    Read beyond the caller's scope on purpose: a county must know its city's rules.
    """
    row = (
        await session.execute(
            select(
                DisclosurePolicy.detail_resources,
                DisclosurePolicy.personal_roles,
                DisclosurePolicy.personal_fields,
                DisclosurePolicy.suppression_threshold,
            ).where(DisclosurePolicy.tenant_id == root_id),
            execution_options={"system": True},
        )
    ).first()
    if row is None:
        return DEFAULT_RULES
    return rules_from(row.detail_resources, row.personal_roles, row.personal_fields, row.suppression_threshold, roles=tuple(Role))


async def set_rules(
    session: Any,
    root: Any,
    *,
    detail_resources: str | None,
    personal_roles: str | None,
    personal_fields: str | None = None,
    suppression_threshold: int | None = None,
) -> DisclosurePolicy:
    """Create or change a city's policy (validated; the caller's transaction commits)."""
    if root.parent_id is not None:
        raise Invalid("tenantId", "NOT_A_ROOT", "A disclosure policy is set by a city (the root of its tree), not by a county or school.")
    current = (await session.execute(select(DisclosurePolicy).where(DisclosurePolicy.tenant_id == root.id))).scalar_one_or_none()
    if current is None:
        current = DisclosurePolicy(tenant_id=root.id, root_id=root.root_id)
        session.add(current)
    rules = rules_from(
        detail_resources if detail_resources is not None else (current.detail_resources or ",".join(DEFAULT_RULES.detail_resources)),
        personal_roles if personal_roles is not None else (current.personal_roles or ",".join(DEFAULT_RULES.personal_roles)),
        personal_fields if personal_fields is not None else (current.personal_fields or ",".join(DEFAULT_RULES.personal_fields)),
        suppression_threshold
        if suppression_threshold is not None
        else (current.suppression_threshold or DEFAULT_RULES.suppression_threshold),
        roles=tuple(Role),
    )
    current.detail_resources = ",".join(rules.detail_resources)
    current.personal_roles = ",".join(rules.personal_roles)
    current.personal_fields = ",".join(rules.personal_fields)
    current.suppression_threshold = rules.suppression_threshold
    await session.flush()
    return current


STUDENT_DATA_STAYS_AT_SCHOOL = "STUDENT_DATA_STAYS_AT_SCHOOL"


def require_own_school(principal: Principal | None, tenant_id: uuid.UUID, tenant_name: str = "that school") -> None:
    """Refuse student-level records of any tenant but the principal's own (一生一档 stays at the school).

    A bureau above the school, and an API client of any other tenant, get this refusal rather than
    an empty list, which would read as "no students". They see counts, through the indicators.
    """
    if principal is None or principal.tenant_id == tenant_id:
        return
    raise PermissionDenied(
        f"Student files of {tenant_name} stay at the school: only the school itself reads or writes them. "
        "Bureaus see counts through the indicators (STUDENTS_SCREENED, CONCERN_*, REFERRALS_OPEN ...).",
        code=STUDENT_DATA_STAYS_AT_SCHOOL,
    )


def may_read_students(principal: Principal | None) -> bool:
    """May this principal of the school read its student-level records (names, levels of concern)?

    They are personal data of children: a person needs a role that reads its own tenant's personal
    data (ADMIN, DATA_OFFICER), not merely a reading role (VIEWER, AUDITOR read institutional
    data); an API client needs `students:read`, which the field's permission already asked for.
    """
    return principal is None or principal.client_id is not None or has(principal, Permission.PERSONAL_OWN)


def require_student_reader(principal: Principal | None) -> None:
    if may_read_students(principal):
        return
    raise PermissionDenied(
        f"Student files are children's personal data: your role ({', '.join(sorted(principal.roles)) or 'none'}) "  # type: ignore[union-attr]
        "reads institutional data only; ask your school for ADMIN or DATA_OFFICER.",
    )
