"""Suppression patterns: which student-derived figures of a tree are hidden from everyone above the school.

One pattern per (tree root, code, year, standard) for the live figures, and per (tree root, code,
period) for the approved snapshots, computed over the WHOLE tree: every tenant's figure and every
school's (platform/suppression.py `suppress_tree`). So every reader sees the same hidden set, and a
county's answer is a subset of the city's published cells with the same cells hidden: combining the
answers of two readers reveals no more than the city's answer alone, which reveals nothing small.

Who sees what: a school's own people see its own figures as they are (the school keeps the files);
every other reader — its county, its city, and every API client, the school's own included — gets
each student-derived figure through `shown`, which hides the pattern's cells (state SUPPRESSED,
value, numerator and denominator null, so nothing divides back to the count).

Cost: a pattern needs every figure of the tree. It is read with a system session, once per root,
per data version of the root (platform/dataversion.py: `subtree_writes` of the root moves with
every write anywhere in the tree, the EPOCH row with writes of unknown reach) and kept in
`PATTERNS`, so the requests between two writes in the city share one computation, however many
tenants they ask for. A computation is one statement for the tree's tenants and one read of the
schools' figures — a lookup in the rollups when they are settled, else one engine statement for
all the schools (platform/rollup/reading.py) — and the sums above the schools are added up here,
as the engine adds them (a count's parent is the sum of its children, exactly).

A figure read at a different moment than its pattern (a write in between) is hidden too when it
differs from the figure the pattern was computed from (`shown`): hiding more never makes a hidden
cell derivable, and a changed cell is not derivable from cells that did not change (the old and
the new figures both satisfy the sums and agree on every published cell).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.dataversion import EPOCH, DataVersion
from runxin.platform.disclosure.models import DisclosurePolicy
from runxin.platform.disclosure.rules import DEFAULT_RULES
from runxin.platform.indicators.definitions import BY_CODE, INDICATORS
from runxin.platform.indicators.engine import IndicatorValue, Sums, TenantRef, ValueState, value_of
from runxin.platform.reporting.models import AggregateSnapshot
from runxin.platform.rollup.reading import indicator_values
from runxin.platform.standards import Standard
from runxin.platform.suppression import suppress_tree
from runxin.platform.tree.models import Tenant, TenantKind
from runxin.platform.tree.paths import ancestor_ids

STUDENT_DERIVED: tuple[str, ...] = tuple(indicator.code for indicator in INDICATORS if indicator.student_derived)
# A per-statement opt-out of the scoping hook (the literal of tenants.scoping.SYSTEM_KEY: platform
# does not import the tenants layer): the tree's figures are read beyond the reader's subtree, to
# decide what the reader may see of its own.
SYSTEM = {"system": True}


def is_student_derived(code: str) -> bool:
    indicator = BY_CODE.get(code)
    return indicator is not None and indicator.student_derived


def root_of(path: str) -> uuid.UUID:
    """The root of the tree a tenant with this path is in."""
    return ancestor_ids(path)[0]


@dataclass(frozen=True, slots=True)
class Pattern:
    """The hidden cells of one code over one tree, and the figures they were decided on."""

    hidden: frozenset[uuid.UUID]
    figures: Mapping[uuid.UUID, tuple[str, float]]  # tenant -> (state, numerator) the pattern saw

    def hides(self, value: IndicatorValue) -> bool:
        """Is this figure hidden: in the pattern, or not the figure the pattern was decided on?"""
        return self.hides_cell(value.tenant_id, value.state.value, value.numerator)

    def hides_cell(self, tenant_id: uuid.UUID, state: str, numerator: float | None) -> bool:
        seen = self.figures.get(tenant_id)
        return tenant_id in self.hidden or seen is None or seen != (state, numerator)


Tree = Mapping[uuid.UUID, uuid.UUID | None]  # each tenant's parent (None for the root)


def pattern_of(parent_of: Tree, values: Mapping[uuid.UUID, IndicatorValue], threshold: int) -> Pattern:
    """The pattern of one code over a tree: `values` by tenant (a tenant without one is not published)."""
    counts: dict[uuid.UUID, int | None] = {}
    fixed: list[uuid.UUID] = []
    for tenant_id in parent_of:
        value = values.get(tenant_id)
        if value is None:
            counts[tenant_id] = None
        elif value.state is ValueState.REPORTED:
            counts[tenant_id] = round(value.numerator or 0)
        else:
            # Not reported or not applicable adds 0 to its parent, and the units say so whatever is
            # hidden: a known cell, never worth hiding.
            counts[tenant_id] = 0
            fixed.append(tenant_id)
    hidden = suppress_tree(counts, parent_of, threshold=threshold, fixed=fixed)
    figures = {t: (v.state.value, v.numerator) for t, v in values.items() if v.numerator is not None}
    return Pattern(hidden=frozenset(hidden), figures=figures)  # type: ignore[arg-type]


def suppressed(value: IndicatorValue) -> IndicatorValue:
    """The figure as a reader who may not see it gets it: SUPPRESSED, with nothing to divide."""
    return dataclasses.replace(value, numerator=None, denominator=None, value=None, state=ValueState.SUPPRESSED)


def shown(value: IndicatorValue, patterns: Mapping[str, Pattern], *, own_school: uuid.UUID | None) -> IndicatorValue:
    """`value` as this reader sees it: `own_school` is the reader's tenant when it is a school read by
    its own people (who see its own figures whole), else None."""
    if not is_student_derived(value.indicator) or value.state is ValueState.SUPPRESSED or value.tenant_id == own_school:
        return value
    pattern = patterns.get(value.indicator)
    return suppressed(value) if pattern is None or pattern.hides(value) else value


class PatternCache:
    """Patterns by (database, root, what, threshold, data version of the root), least recently used out."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[tuple[Any, ...], dict[str, Pattern]] = OrderedDict()
        # Computations under way: the batches of one page (a tenant's figures, then its children's)
        # resolve concurrently, and would otherwise each compute the same pattern.
        self._computing: dict[tuple[Any, ...], asyncio.Future[dict[str, Pattern]]] = {}
        self._max = max_entries
        self.computed = 0  # how many patterns were computed rather than found (tests pin it)

    async def get_or_compute(
        self, key: tuple[Any, ...], compute: Callable[[], Awaitable[dict[str, Pattern]]]
    ) -> dict[str, Pattern]:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        computing = self._computing.get(key)
        if computing is not None and computing.get_loop() is asyncio.get_running_loop():
            return await asyncio.shield(computing)
        future: asyncio.Future[dict[str, Pattern]] = asyncio.get_running_loop().create_future()
        self._computing[key] = future
        try:
            patterns = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a waiter re-raises it, nobody else must be told it was lost
            raise
        finally:
            if self._computing.get(key) is future:
                del self._computing[key]
        future.set_result(patterns)
        self.computed += 1
        self._entries[key] = patterns
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return patterns


PATTERNS = PatternCache()


async def live_patterns(
    session: AsyncSession,
    root_id: uuid.UUID,
    *,
    year: int,
    standard: Standard,
    live_years: Sequence[int],
    codes: Iterable[str] = STUDENT_DERIVED,
) -> dict[str, Pattern]:
    """The patterns of the live figures of `codes` over the tree of `root_id` (read beyond any scope)."""
    wanted = tuple(sorted(code for code in set(codes) if is_student_derived(code)))
    if not wanted:
        return {}
    threshold, version = await _threshold_and_version(session, root_id)
    key = (_database(session), root_id, "live", year, standard.version, wanted, threshold, version)

    async def compute() -> dict[str, Pattern]:
        parent_of, refs = await _tree(session, root_id)
        schools = [ref for ref in refs.values() if ref.kind == TenantKind.SCHOOL.value]
        read = await indicator_values(session, schools, year=year, standard=standard, codes=wanted, live_years=live_years)
        patterns = {}
        for code in wanted:
            sums = _sums_up(parent_of, {school.id: read[school.id, code] for school in schools if (school.id, code) in read})
            values = {t: value_of(t, code, s, year=year, standard=standard, as_of=_epoch_time()) for t, s in sums.items()}
            patterns[code] = pattern_of(parent_of, values, threshold)
        return patterns

    return await PATTERNS.get_or_compute(key, compute)


async def snapshot_patterns(
    session: AsyncSession, root_id: uuid.UUID, period: str, *, codes: Iterable[str] = STUDENT_DERIVED
) -> dict[str, Pattern]:
    """The patterns of the latest approved snapshots of `period` over the tree of `root_id`.

    A tenant without an approved snapshot of the period has no published cell: it is an unknown
    of the sums, protected like a small count (its figure is not known here)."""
    wanted = tuple(sorted(code for code in set(codes) if is_student_derived(code)))
    if not wanted:
        return {}
    threshold, version = await _threshold_and_version(session, root_id)
    key = (_database(session), root_id, "snapshot", period, wanted, threshold, version)
    return await PATTERNS.get_or_compute(key, lambda: _snapshot_patterns(session, root_id, period, wanted, threshold))


async def _snapshot_patterns(
    session: AsyncSession, root_id: uuid.UUID, period: str, wanted: tuple[str, ...], threshold: int
) -> dict[str, Pattern]:
    parent_of, _ = await _tree(session, root_id)
    snapshot = AggregateSnapshot
    latest = (
        select(snapshot.tenant_id.label("tenant_id"), func.max(snapshot.version).label("version"))
        .where(snapshot.root_id == root_id, snapshot.period == period)
        .group_by(snapshot.tenant_id)
        .subquery()
    )
    statement = (
        select(snapshot.tenant_id, snapshot.indicator, snapshot.state, snapshot.numerator)
        .join(latest, and_(latest.c.tenant_id == snapshot.tenant_id, latest.c.version == snapshot.version))
        .where(snapshot.period == period, snapshot.indicator.in_(wanted))
    )
    by_code: dict[str, dict[uuid.UUID, IndicatorValue]] = {code: {} for code in wanted}
    for row in await session.execute(statement, execution_options=SYSTEM):
        by_code[row.indicator][row.tenant_id] = _figure(row.tenant_id, row.indicator, row.state, row.numerator)
    return {code: pattern_of(parent_of, by_code[code], threshold) for code in wanted}


async def _threshold_and_version(session: AsyncSession, root_id: uuid.UUID) -> tuple[int, tuple[int, int]]:
    """The city's suppression threshold (its disclosure policy's, else the default) and the tree's
    data version (writes of unknown reach, writes anywhere under the root): one statement, the
    whole cost of a request whose pattern is already kept."""

    def counter(column: Any, tenant_id: uuid.UUID) -> Any:
        return select(column).where(DataVersion.tenant_id == tenant_id).scalar_subquery()

    row = (
        await session.execute(
            select(
                select(DisclosurePolicy.suppression_threshold)
                .where(DisclosurePolicy.tenant_id == root_id)
                .scalar_subquery()
                .label("threshold"),
                counter(DataVersion.own_writes, EPOCH).label("epoch"),
                counter(DataVersion.subtree_writes, root_id).label("tree"),
            ),
            execution_options=SYSTEM,
        )
    ).one()
    threshold = row.threshold if row.threshold is not None else DEFAULT_RULES.suppression_threshold
    return threshold, (row.epoch or 0, row.tree or 0)


async def _tree(
    session: AsyncSession, root_id: uuid.UUID
) -> tuple[dict[uuid.UUID, uuid.UUID | None], dict[uuid.UUID, TenantRef]]:
    rows = await session.execute(
        select(Tenant.id, Tenant.parent_id, Tenant.path, Tenant.depth, Tenant.kind).where(Tenant.root_id == root_id),
        execution_options=SYSTEM,
    )
    parent_of: dict[uuid.UUID, uuid.UUID | None] = {}
    refs: dict[uuid.UUID, TenantRef] = {}
    for row in rows:
        parent_of[row.id] = row.parent_id if row.id != root_id else None
        refs[row.id] = TenantRef(id=row.id, path=row.path, depth=row.depth, kind=row.kind)
    return parent_of, refs


def _sums_up(parent_of: Tree, schools: Mapping[uuid.UUID, IndicatorValue]) -> dict[uuid.UUID, Sums]:
    """Every tenant's sums from its schools' figures: the engine's own arithmetic, exact for counts."""
    sums = {tenant_id: Sums() for tenant_id in parent_of}
    for school_id, value in schools.items():
        own = Sums(value.units_total, value.units_not_reported, value.numerator or 0.0)
        tenant: uuid.UUID | None = school_id
        while tenant is not None and tenant in sums:
            sums[tenant] = sums[tenant] + own
            tenant = parent_of[tenant]
    return sums


def _figure(tenant_id: uuid.UUID, code: str, state: str, numerator: float) -> IndicatorValue:
    return IndicatorValue(
        tenant_id=tenant_id,
        indicator=code,
        numerator=numerator,
        denominator=None,
        value=None,
        state=ValueState(state),
        units_total=0,
        units_not_reported=0,
        as_of=_epoch_time(),
        standards_version="",
        year=0,
    )


def _epoch_time() -> dt.datetime:
    # Patterns compare states and counts only; their figures' time is never shown.
    return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _database(session: AsyncSession) -> str:
    # Patterns are kept per process: the key names the database, since ids and versions are per database.
    bind = session.get_bind()
    return str(bind.url)
