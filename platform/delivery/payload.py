"""What a delivery carries: a city's approved figures for a period, and what the receiver says back.

The figures are absolute values keyed by (tenant code, period, indicator), each with the version of
the approved report it was frozen at, so a receiver keeps the highest version it has seen and a
repeated or late message can never move a value backwards. The city's own figures and each county's
go; schools' do not (the city platform works with the bureaus' figures).

The body is JSON with a fixed key order and no insignificant whitespace, made only from the frozen
snapshots, so the same (city, period, version) gives the same bytes and the same SHA-256 every time
the same snapshots are approved (the body is made once, when the delivery is queued, and kept). A
student-derived figure the tree's suppression pattern hides (platform/disclosure/patterns.py) goes
as state SUPPRESSED with value, numerator and denominator null:

    {"type": "figures.approved", "city": "360700", "period": "2025", "version": 2,
     "figures": [{"tenant": "360700", "tenantKind": "CITY", "period": "2025", "indicator": "...",
                  "version": 2, "value": 0.5, "state": "REPORTED", "numerator": 1.0, "denominator": 2.0,
                  "unitsTotal": 2, "unitsNotReported": 0, "asOf": "2025-...+00:00", "standardsVersion": "2023"}]}

The receiver's answer: any 2xx means the message arrived. A 2xx whose JSON body has a non-empty list
`rejected` of `{"tenant": code, "indicator": code, "reason": text}` is a partial success: the other
figures were taken, these were refused (the delivery is PARTIAL and keeps the list; fixing the data
means a new version, or a replay once the receiver is fixed). Anything else in a 2xx body, or none,
is full success.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, func, or_, select

from runxin.platform.disclosure.patterns import Pattern, is_student_derived, snapshot_patterns
from runxin.platform.indicators.engine import ValueState
from runxin.platform.reporting.models import AggregateSnapshot
from runxin.platform.tree.models import Tenant, TenantKind
from runxin.platform.tree.paths import upper_bound

EVENT_TYPE = "figures.approved"
MAX_REJECTED = 1000
_KIND_ORDER = {TenantKind.CITY.value: 0, TenantKind.COUNTY.value: 1}


def aware(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC (SQLite hands back naive values; they were written in UTC)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class Figure:
    tenant_code: str
    tenant_kind: str
    period: str
    indicator: str
    version: int
    value: float | None
    state: str
    numerator: float | None  # None when SUPPRESSED, as the value and the denominator
    denominator: float | None
    units_total: int
    units_not_reported: int
    as_of: dt.datetime
    standards_version: str

    def as_json(self) -> dict[str, Any]:
        # Insertion order is the wire order: do not sort, do not reorder.
        return {
            "tenant": self.tenant_code,
            "tenantKind": self.tenant_kind,
            "period": self.period,
            "indicator": self.indicator,
            "version": self.version,
            "value": self.value,
            "state": self.state,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "unitsTotal": self.units_total,
            "unitsNotReported": self.units_not_reported,
            "asOf": aware(self.as_of).isoformat(),
            "standardsVersion": self.standards_version,
        }


async def figures_for_city(session: Any, city_id: uuid.UUID, period: str, *, version: int | None = None) -> list[Figure]:
    """The city's and each of its counties' figures of their latest approved version for `period`.

    `version` pins the city's own figures to that version of its report (a delivery of version 3
    carries version 3 even if a version 4 was approved since); the counties' are their latest.
    The caller scopes the session: a system session in the workers, the city's principal in the
    API (which sees its whole subtree). City first, then counties by code, indicators by code.
    """
    city = (await session.execute(select(Tenant.id, Tenant.code, Tenant.path).where(Tenant.id == city_id))).one_or_none()
    if city is None:
        return []
    tenants = {
        row.id: row
        for row in await session.execute(
            select(Tenant.id, Tenant.code, Tenant.kind).where(
                or_(
                    Tenant.id == city.id,
                    and_(Tenant.kind == TenantKind.COUNTY.value, Tenant.path > city.path, Tenant.path < upper_bound(city.path)),
                )
            )
        )
    }
    latest = (
        select(AggregateSnapshot.tenant_id, func.max(AggregateSnapshot.version).label("version"))
        .where(AggregateSnapshot.tenant_id.in_(list(tenants)), AggregateSnapshot.period == period)
        .group_by(AggregateSnapshot.tenant_id)
    )
    versions = {row.tenant_id: row.version for row in await session.execute(latest)}
    if version is not None:
        versions[city.id] = version
    if not versions:
        return []
    wanted = or_(*(and_(AggregateSnapshot.tenant_id == t, AggregateSnapshot.version == v) for t, v in versions.items()))
    rows = list((await session.execute(select(AggregateSnapshot).where(AggregateSnapshot.period == period, wanted))).scalars())
    # The city platform is a reader above the schools: it gets the student-derived figures through
    # the tree's suppression pattern, like every bureau (the pattern covers the schools' cells too).
    patterns = await snapshot_patterns(session, city.id, period)
    figures = [_figure(tenants[s.tenant_id], s, patterns) for s in rows]
    return sorted(figures, key=lambda f: (_KIND_ORDER.get(f.tenant_kind, 9), f.tenant_code, f.indicator))


def _figure(tenant: Any, s: AggregateSnapshot, patterns: Mapping[str, Pattern]) -> Figure:
    pattern = patterns.get(s.indicator)
    hidden = is_student_derived(s.indicator) and (pattern is None or pattern.hides_cell(s.tenant_id, s.state, s.numerator))
    return Figure(
        tenant_code=tenant.code,
        tenant_kind=tenant.kind,
        period=s.period,
        indicator=s.indicator,
        version=s.version,
        value=None if hidden else s.value,
        state=ValueState.SUPPRESSED.value if hidden else s.state,
        numerator=None if hidden else s.numerator,
        denominator=None if hidden else s.denominator,
        units_total=s.units_total,
        units_not_reported=s.units_not_reported,
        as_of=aware(s.as_of),
        standards_version=s.standards_version,
    )


def payload_bytes(city_code: str, period: str, version: int, figures: list[Figure]) -> bytes:
    """The exact body sent: compact JSON, fixed key order, UTF-8 (names and codes are not escaped)."""
    document = {
        "type": EVENT_TYPE,
        "city": city_code,
        "period": period,
        "version": version,
        "figures": [figure.as_json() for figure in figures],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class Receipt:
    """How a 2xx answer reads: DELIVERED, or PARTIAL with the figures the receiver refused."""

    status: str
    rejected: list[dict[str, str]]


def read_receipt(body: bytes) -> Receipt:
    """Read a 2xx body for partial success (see the module docstring); never raises."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Receipt("DELIVERED", [])
    items = document.get("rejected") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return Receipt("DELIVERED", [])
    rejected = [
        {key: str(item.get(key, ""))[:500] for key in ("tenant", "indicator", "reason")}
        for item in items[:MAX_REJECTED]
        if isinstance(item, dict)
    ]
    return Receipt("PARTIAL", rejected) if rejected else Receipt("DELIVERED", [])
