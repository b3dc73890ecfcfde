"""The one place that scopes data to a principal.

Every ORM statement run on a `ScopedSession` gets loader criteria that keep tenant-owned rows to the
principal's subtree, and tenant rows to the subtree plus its ancestors (a school may see its county's
name, never a sibling). A statement with no principal bound fails unless the session was opened as
a system session (seeding, migrations, background jobs) or the statement opts out with
`execution_options(system=True)`. Writes are checked at flush: a principal may only create or change
records of tenants in its subtree, and `root_id` is filled from the tenant's tree.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from runxin.platform.db.base import TenantOwned
from runxin.platform.errors import NotFound, ScopeMissing
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal

PRINCIPAL_KEY = "principal"
SYSTEM_KEY = "system"


class ScopedSession(Session):
    """The Session class every request and job uses (see `bind_principal` / `as_system`)."""


def bind_principal(session: Any, principal: Principal) -> None:
    """Scope everything this (async or sync) session runs to `principal`."""
    session.info[PRINCIPAL_KEY] = principal
    session.info.pop(SYSTEM_KEY, None)


def as_system(session: Any, reason: str) -> None:
    """Let this session see every tenant: for seeding, migrations and system jobs only."""
    session.info[SYSTEM_KEY] = reason
    session.info.pop(PRINCIPAL_KEY, None)


def principal_of(session: Any) -> Principal | None:
    return session.info.get(PRINCIPAL_KEY)


def _is_system(session: Session, execution_options: Any = None) -> bool:
    return bool(session.info.get(SYSTEM_KEY)) or bool(execution_options and execution_options.get(SYSTEM_KEY))


@event.listens_for(ScopedSession, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if _is_system(state.session, state.execution_options):
        return
    principal: Principal | None = state.session.info.get(PRINCIPAL_KEY)
    if principal is None:
        raise ScopeMissing(
            "This statement touches tenant data but no principal is bound: call bind_principal() "
            "for a request, or as_system() for a system job."
        )
    if state.is_insert:
        raise ScopeMissing("Insert tenant data through the unit of work (session.add), where writes are checked.")
    if not (state.is_select or state.is_update or state.is_delete):
        return
    lo, hi = principal.subtree_bounds
    ancestors = principal.ancestor_ids
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id.in_(select(Tenant.id).where(Tenant.path >= lo, Tenant.path < hi)),
            include_aliases=True,
        ),
        with_loader_criteria(
            Tenant,
            lambda cls: or_(and_(cls.path >= lo, cls.path < hi), cls.id.in_(ancestors)),
            include_aliases=True,
        ),
    )


@event.listens_for(ScopedSession, "before_flush")
def _check_writes(session: Session, _flush_context: Any, _instances: Any) -> None:
    system = _is_system(session)
    principal: Principal | None = session.info.get(PRINCIPAL_KEY)
    if principal is None and not system:
        if session.new or session.dirty or session.deleted:
            raise ScopeMissing("Writes need a principal (bind_principal) or a system session (as_system).")
        return
    owned = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, TenantOwned)]
    tenant_ids = {o.tenant_id for o in owned}
    if not system:
        for node in (*session.new, *session.dirty):
            if isinstance(node, Tenant) and not principal.covers(node.path):  # type: ignore[union-attr]
                raise NotFound(f"Tenant {node.code} is outside your part of the tree.", field="parentId")
    if not tenant_ids:
        return
    rows = session.execute(
        select(Tenant.id, Tenant.path, Tenant.root_id).where(Tenant.id.in_(tenant_ids)),
        execution_options={SYSTEM_KEY: True},
    ).all()
    # Tenants created in this same flush are not in the database yet.
    pending = {o.id: (o.path, o.root_id) for o in session.new if isinstance(o, Tenant)}
    known: dict[uuid.UUID, tuple[str, uuid.UUID]] = {r.id: (r.path, r.root_id) for r in rows} | pending
    for obj in owned:
        if obj.tenant_id not in known:
            raise NotFound("The tenant of this record does not exist.", field="tenantId")
        path, root_id = known[obj.tenant_id]
        if not system and not principal.covers(path):  # type: ignore[union-attr]
            raise NotFound("That tenant is outside your part of the tree.", field="tenantId")
        if obj.root_id != root_id:
            obj.root_id = root_id
