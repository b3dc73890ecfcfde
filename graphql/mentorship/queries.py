"""Reading mentorship: Tenant.mentorAssignments and Tenant.mentorTeams (the school's own only),
team members and mentor loads through DataLoaders, node(id:)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Context, Info
from runxin.graphql.loaders import by_id_loader, columns, many_by_key_loader
from runxin.graphql.mentorship.types import MentorAssignmentNode, MentorTeamMemberType, MentorTeamNode
from runxin.graphql.node import register_node
from runxin.graphql.student_records import student_records_of
from runxin.platform.mentorship.models import MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.mentorship.services import mentor_loads


def assignment_by_id(context: Context) -> DataLoader[uuid.UUID, MentorAssignmentNode | None]:
    return context.loader(
        "MentorAssignmentByIdLoader", lambda ctx: by_id_loader(ctx, MentorAssignment, MentorAssignmentNode.from_row)
    )


def team_by_id(context: Context) -> DataLoader[uuid.UUID, MentorTeamNode | None]:
    return context.loader("MentorTeamByIdLoader", lambda ctx: by_id_loader(ctx, MentorTeam, MentorTeamNode.from_row))


def members_of_team(context: Context) -> DataLoader[uuid.UUID, list[MentorTeamMemberType]]:
    return context.loader(
        "MentorTeamMembersByTeamLoader",
        lambda ctx: many_by_key_loader(
            ctx,
            lambda ids: select(*columns(MentorTeamMember)).where(MentorTeamMember.team_id.in_(ids)).order_by(MentorTeamMember.id),
            lambda row: row.team_id,
            MentorTeamMemberType.from_row,
        ),
    )


def mentor_load(context: Context) -> DataLoader[tuple[uuid.UUID, int], int]:
    """Mentees per (mentor, school year), for every assignment of a request in one statement."""

    async def load(keys: list[tuple[uuid.UUID, int]]) -> list[int]:
        loads = await context.db.run(lambda session: mentor_loads(session, keys))
        return [loads[key] for key in keys]

    return context.loader("MentorLoadByMentorYearLoader", lambda ctx: DataLoader(load_fn=load))


async def assignments_of(info: Info, tenant: Any, args: PageArgs, school_year: int | None) -> Connection[MentorAssignmentNode]:
    where = None if school_year is None else MentorAssignment.school_year == school_year
    return await student_records_of(info, tenant, args, MentorAssignment, MentorAssignmentNode.from_row, where=where)


async def teams_of(info: Info, tenant: Any, args: PageArgs) -> Connection[MentorTeamNode]:
    return await student_records_of(info, tenant, args, MentorTeam, MentorTeamNode.from_row)


async def _assignment_node(context: Any, assignment_id: Any) -> MentorAssignmentNode | None:
    return await assignment_by_id(context).load(assignment_id)


async def _team_node(context: Any, team_id: Any) -> MentorTeamNode | None:
    return await team_by_id(context).load(team_id)


register_node("MentorAssignment", _assignment_node, resource="mentorship")
register_node("MentorTeam", _team_node, resource="mentorship")
