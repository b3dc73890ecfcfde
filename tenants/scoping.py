"""The one place that scopes data to a principal.

Every ORM statement run on a `ScopedSession` gets loader criteria that keep tenant-owned rows to the
principal's subtree, and tenant rows to the subtree plus its ancestors (a school may see its county's
name, never a sibling). A statement with no principal bound fails unless the session was opened as
a system session (seeding, migrations, background jobs) or the statement opts out with
`execution_options(system=True)`. Writes are checked at flush: a principal may only create or change
records of tenants in its subtree, and `root_id` is filled from the tenant's tree.

On PostgreSQL the same scope is also told to the database, for row-level security (the second wall,
migration 0004): each transaction of a `ScopedSession` begins with one statement that sets
`runxin.tenant_path` (the bound principal's path) and `runxin.system` ('on' for a system session),
both local to the transaction. A session with neither sets both empty, and the policies fail closed.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import Connection, and_, event, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria

from runxin.platform.db.base import SchoolPrivate, TenantOwned
from runxin.platform.errors import NotFound, ScopeMissing
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal

PRINCIPAL_KEY = "principal"
SYSTEM_KEY = "system"
# A statement that only aggregates (the indicator engine's sums) may read the student-level rows
# of the principal's subtree to count them; every other statement sees the principal's own only.
COUNTING_KEY = "counting"
# Set when the principal changes inside a transaction whose settings were already sent.
_STALE_KEY = "database_scope_stale"

# One round trip per transaction. `true`: local to the transaction, so a pooled connection goes back
# with both settings reset to '' and the next transaction sees nothing until it sets them again.
SET_DATABASE_SCOPE = text("SELECT set_config('runxin.tenant_path', :path, true), set_config('runxin.system', :system, true)")
SET_COUNTING = text("SELECT set_config('runxin.counting', :on, true)")


class ScopedSession(Session):
    """The Session class every request and job uses (see `bind_principal` / `as_system`)."""


def bind_principal(session: Any, principal: Principal) -> None:
    """Scope everything this (async or sync) session runs to `principal`."""
    session.info[PRINCIPAL_KEY] = principal
    session.info.pop(SYSTEM_KEY, None)
    _mark_stale(session)


def as_system(session: Any, reason: str) -> None:
    """Let this session see every tenant: for seeding, migrations and system jobs only."""
    session.info[SYSTEM_KEY] = reason
    session.info.pop(PRINCIPAL_KEY, None)
    _mark_stale(session)


def principal_of(session: Any) -> Principal | None:
    return session.info.get(PRINCIPAL_KEY)


def _is_system(session: Session, execution_options: Any = None) -> bool:
    return bool(session.info.get(SYSTEM_KEY)) or bool(execution_options and execution_options.get(SYSTEM_KEY))


def _mark_stale(session: Any) -> None:
    # Rebinding mid-transaction is rare (tests, jobs switching tenant); the next statement resends.
    if session.in_transaction():
        session.info[_STALE_KEY] = True


def _database_scope(session: Session, *, system: bool = False) -> dict[str, str]:
    if system or session.info.get(SYSTEM_KEY):
        return {"path": "", "system": "on"}
    principal: Principal | None = session.info.get(PRINCIPAL_KEY)
    return {"path": principal.tenant_path if principal is not None else "", "system": ""}


@event.listens_for(ScopedSession, "after_begin")
def _tell_database_scope(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    """Send the scope to PostgreSQL's row-level security at the start of every transaction."""
    # Runs for each transaction, so RequestDatabase's session (a read transaction, then a write
    # transaction, each maybe on another pooled connection) is scoped in every one of them. Inside
    # AsyncSession this runs in its greenlet, where the sync Connection API drives asyncpg.
    session.info.pop(_STALE_KEY, None)
    if connection.dialect.name == "postgresql":
        connection.execute(SET_DATABASE_SCOPE, _database_scope(session))


def _run_as_system(state: ORMExecuteState) -> Any:
    """Run one opted-out statement with the database's system setting on, and off again after it."""
    connection = state.session.connection()
    connection.execute(SET_DATABASE_SCOPE, _database_scope(state.session, system=True))
    try:
        # Rows are fetched whole before the setting goes back: asyncpg (and AsyncSession's
        # prebuffering) buffer the result, so the reset cannot cut a read short.
        result = state.invoke_statement()
    except Exception:
        # A failed statement usually aborts the transaction (its end resets the setting) and the
        # reset cannot run; try it anyway, but never let it hide the statement's own error.
        with contextlib.suppress(SQLAlchemyError):
            connection.execute(SET_DATABASE_SCOPE, _database_scope(state.session))
        raise
    connection.execute(SET_DATABASE_SCOPE, _database_scope(state.session))
    return result


def _run_counting(state: ORMExecuteState) -> Any:
    """Run one counting statement with `runxin.counting` on (RLS of student-level tables lets
    it read the subtree), and off again after it, as `_run_as_system` does for the system setting."""
    connection = state.session.connection()
    connection.execute(SET_COUNTING, {"on": "on"})
    try:
        result = state.invoke_statement()
    except Exception:
        with contextlib.suppress(SQLAlchemyError):
            connection.execute(SET_COUNTING, {"on": ""})
        raise
    connection.execute(SET_COUNTING, {"on": ""})
    return result


@event.listens_for(ScopedSession, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> Any:
    session = state.session
    if session.info.get(_STALE_KEY):
        session.info.pop(_STALE_KEY)
        connection = session.connection()  # begins the transaction if needed (after_begin sends it)
        if connection.dialect.name == "postgresql":
            connection.execute(SET_DATABASE_SCOPE, _database_scope(session))
    if _is_system(session, state.execution_options):
        if not session.info.get(SYSTEM_KEY) and _on_postgresql(session):
            # A statement-level opt-out (a uniqueness check across the deployment, the token's
            # tenant lookup): RLS lets this one statement through, and only it.
            return _run_as_system(state)
        return None
    principal: Principal | None = state.session.info.get(PRINCIPAL_KEY)
    if principal is None:
        raise ScopeMissing(
            "This statement touches tenant data but no principal is bound: call bind_principal() "
            "for a request, or as_system() for a system job."
        )
    if state.is_insert:
        raise ScopeMissing("Insert tenant data through the unit of work (session.add), where writes are checked.")
    if not (state.is_select or state.is_update or state.is_delete):
        return None
    lo, hi = principal.subtree_bounds
    ancestors = principal.ancestor_ids
    own = principal.tenant_id
    counting = bool(state.is_select and state.execution_options.get(COUNTING_KEY))
    options = []
    if not counting:
        options.append(with_loader_criteria(SchoolPrivate, lambda cls: cls.tenant_id == own, include_aliases=True))
    state.statement = state.statement.options(
        *options,
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
    if counting and _on_postgresql(session):
        return _run_counting(state)
    return None


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


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
        if not system and isinstance(obj, SchoolPrivate) and obj.tenant_id != principal.tenant_id:  # type: ignore[union-attr]
            # Student-level records are the school's own: a bureau above may not write them either.
            raise NotFound("Student records belong to their school: only the school itself may write them.", field="tenantId")
        if obj.root_id != root_id:
            obj.root_id = root_id


# Installs the data-version listeners (they need ScopedSession and principal_of from above).
from runxin.tenants import versions as _versions  # noqa: E402, F401
