"""Reading student files and what hangs off them: Tenant.studentFiles, Tenant.referrals,
Tenant.screeningRounds, Tenant.crisisPlan, a round's grid, and node(id:)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, select

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Context, Info
from runxin.graphql.loaders import by_id_loader, columns, many_by_key_loader
from runxin.graphql.node import register_node
from runxin.graphql.records import RecordScope, children_of, records_of
from runxin.graphql.students.types import (
    ConcernFollowUpNode,
    ConcernLevel,
    CrisisPlanNode,
    ReferralNode,
    ReferralState,
    ScreeningCount,
    ScreeningLevel,
    ScreeningResultNode,
    ScreeningRoundNode,
    StudentFileNode,
)
from runxin.platform.students.care import ConcernFollowUp, CrisisPlan, Referral, ScreeningResult, ScreeningRound
from runxin.platform.students.models import StudentFile
from runxin.tenants.disclosure import may_read_students, require_own_school, require_student_reader


async def student_files_of(
    info: Info, tenant: Any, args: PageArgs, *, grade: int | None, concern_level: ConcernLevel | None, active: bool | None
) -> Connection[StudentFileNode]:
    require_own_school(info.context.principal, tenant.uuid, tenant.name)
    require_student_reader(info.context.principal)
    context = info.context
    criteria = []
    if grade is not None:
        criteria.append(StudentFile.grade == grade)
    if concern_level is not None:
        criteria.append(StudentFile.concern_level == concern_level.value)
    if active is not None:
        criteria.append(StudentFile.active.is_(active))
    return await records_of(
        info,
        tenant,
        args,
        RecordScope.OWN,
        StudentFile,
        lambda row: StudentFileNode.from_row(row, context),
        where=and_(*criteria) if criteria else None,
    )


async def referrals_of(info: Info, tenant: Any, args: PageArgs, *, state: ReferralState | None) -> Connection[ReferralNode]:
    require_own_school(info.context.principal, tenant.uuid, tenant.name)
    require_student_reader(info.context.principal)
    context = info.context
    return await records_of(
        info,
        tenant,
        args,
        RecordScope.OWN,
        Referral,
        lambda row: ReferralNode.from_row(row, context),
        where=None if state is None else Referral.state == state.value,
    )


async def screening_rounds_of(info: Info, tenant: Any, args: PageArgs, scope: Any) -> Connection[ScreeningRoundNode]:
    return await records_of(info, tenant, args, scope, ScreeningRound, ScreeningRoundNode.from_row)


async def crisis_plan_of(info: Info, tenant: Any) -> CrisisPlanNode | None:
    from runxin.tenants.disclosure import require_detail

    principal = info.context.principal
    if principal is not None:
        require_detail(principal, "schools", beyond_own=tenant.uuid != principal.tenant_id)
    found = await info.context.loader("CrisisPlanByTenantLoader", _one_per_tenant_loader).load(tenant.uuid)
    return found[0] if found else None


def _one_per_tenant_loader(context: Context) -> Any:
    return many_by_key_loader(
        context,
        lambda ids: select(*columns(CrisisPlan)).where(CrisisPlan.tenant_id.in_(ids)),
        lambda row: row.tenant_id,
        CrisisPlanNode.from_row,
    )


async def results_of_student(info: Info, student_id: uuid.UUID) -> list[ScreeningResultNode]:
    context = info.context
    return await children_of(
        info,
        ScreeningResult,
        ScreeningResult.student_id,
        student_id,
        lambda row: ScreeningResultNode.from_row(row, context),
        order_by=ScreeningResult.id.desc(),
    )


async def follow_ups_of_student(info: Info, student_id: uuid.UUID) -> list[ConcernFollowUpNode]:
    context = info.context
    return await children_of(
        info,
        ConcernFollowUp,
        ConcernFollowUp.student_id,
        student_id,
        lambda row: ConcernFollowUpNode.from_row(row, context),
        order_by=ConcernFollowUp.id.desc(),
    )


async def referrals_of_student(info: Info, student_id: uuid.UUID) -> list[ReferralNode]:
    context = info.context
    return await children_of(
        info,
        Referral,
        Referral.student_id,
        student_id,
        lambda row: ReferralNode.from_row(row, context),
        order_by=Referral.id.desc(),
    )


def _own_school(info: Info, screening: ScreeningRoundNode) -> bool:
    principal = info.context.principal
    return principal is None or principal.tenant_id == screening.tenant_uuid


async def results_of_round(info: Info, screening: ScreeningRoundNode) -> list[ScreeningResultNode] | None:
    if not _own_school(info, screening) or not may_read_students(info.context.principal):
        return None
    context = info.context
    return await children_of(
        info,
        ScreeningResult,
        ScreeningResult.round_id,
        screening.uuid,
        lambda row: ScreeningResultNode.from_row(row, context),
        order_by=ScreeningResult.id,
    )


async def round_grid(info: Info, screening: ScreeningRoundNode) -> list[ScreeningCount] | None:
    """The round's students by grade and level, for the school itself; None for anyone else (the
    ORM wall would give them an empty grid, which would read as "nobody screened")."""
    if not _own_school(info, screening):
        return None

    async def load(round_ids: list[uuid.UUID]) -> list[list[ScreeningCount]]:
        rows = await info.context.db.rows(
            select(ScreeningResult.round_id, StudentFile.grade, ScreeningResult.level, func.count(ScreeningResult.id).label("n"))
            .join(StudentFile, StudentFile.id == ScreeningResult.student_id)
            .where(ScreeningResult.round_id.in_(round_ids))
            .group_by(ScreeningResult.round_id, StudentFile.grade, ScreeningResult.level)
            .order_by(StudentFile.grade, ScreeningResult.level)
        )
        grids: dict[uuid.UUID, list[ScreeningCount]] = {i: [] for i in round_ids}
        for row in rows:
            grids[row.round_id].append(ScreeningCount(grade=row.grade, level=ScreeningLevel(row.level), students=row.n))
        return [grids[i] for i in round_ids]

    from strawberry.dataloader import DataLoader

    return await info.context.loader("ScreeningGridByRoundLoader", lambda ctx: DataLoader(load_fn=load)).load(screening.uuid)


def _node(model: type, type_name: str, node_of: Any, *, resource: str, personal: bool) -> Any:
    async def by_id(context: Any, record_id: Any) -> Any:
        if personal and not may_read_students(context.principal):
            return None  # a reading role of the school itself: the children's records are not for it
        build = (lambda row: node_of(row, context)) if personal else node_of
        return await context.loader(f"{type_name}ByIdLoader", lambda ctx: by_id_loader(ctx, model, build)).load(record_id)

    register_node(type_name, by_id, resource=resource)
    return by_id


# The scoping hook keeps student-level rows to their own school: node(id:) of another tenant's is null.
student_by_id = _node(StudentFile, "StudentFile", StudentFileNode.from_row, resource="students", personal=True)
_node(ScreeningResult, "ScreeningResult", ScreeningResultNode.from_row, resource="students", personal=True)
_node(ConcernFollowUp, "ConcernFollowUp", ConcernFollowUpNode.from_row, resource="students", personal=True)
_node(Referral, "Referral", ReferralNode.from_row, resource="students", personal=True)
round_by_id = _node(ScreeningRound, "ScreeningRound", ScreeningRoundNode.from_row, resource="schools", personal=False)
_node(CrisisPlan, "CrisisPlan", CrisisPlanNode.from_row, resource="schools", personal=False)
