"""Creating and moving tenants, with the national code rules checked."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.codes import check_division_code, check_school_code
from runxin.platform.db.base import utcnow
from runxin.platform.errors import Conflict, Invalid, NotFound
from runxin.platform.ids import new_id
from runxin.platform.tree.models import ALLOWED_PARENT, Tenant, TenantKind, TenantParentLink
from runxin.platform.tree.paths import child_path, upper_bound


async def get_tenant(session: AsyncSession, tenant_id: uuid.UUID, *, field: str = "tenantId") -> Tenant:
    """Load a tenant visible to the session's principal, or raise NotFound."""
    tenant = (await session.execute(select(Tenant).where(Tenant.id == tenant_id))).scalar_one_or_none()
    if tenant is None:
        raise NotFound("No tenant with that id in your part of the tree.", field=field)
    return tenant


async def get_tenant_by_code(session: AsyncSession, code: str) -> Tenant | None:
    return (await session.execute(select(Tenant).where(Tenant.code == code))).scalar_one_or_none()


def check_code(kind: TenantKind, code: str, parent: Tenant | None, *, field: str = "code") -> str:
    """Check `code` for a tenant of `kind` under `parent`; return it normalised."""
    if kind is TenantKind.SCHOOL:
        return check_school_code(code, province_prefix=parent.code[:2] if parent is not None else None, field=field)
    return check_division_code(code, kind.value, parent_code=parent.code if parent is not None else None, field=field)


async def create_tenant(
    session: AsyncSession,
    *,
    kind: TenantKind,
    code: str,
    name: str,
    parent: Tenant | None,
    now: dt.datetime | None = None,
) -> Tenant:
    """Add a node under `parent` (None for a root). Flushes; the caller commits."""
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("name", "NAME_LENGTH", "A name is 1 to 200 characters.")
    allowed = ALLOWED_PARENT[kind]
    parent_kind = TenantKind(parent.kind) if parent is not None else None
    if parent_kind not in allowed:
        wanted = " or ".join("no parent" if k is None else k.value for k in allowed)
        raise Invalid("parentId", "PARENT_KIND", f"A {kind.value.lower()} sits under {wanted}, not under a {parent_kind or 'root'}.")
    code = check_code(kind, code, parent)
    if await get_tenant_by_code_system(session, code) is not None:
        raise Conflict(f"Code {code} is already registered; each tenant code is unique.", field="code", code="CODE_TAKEN")
    tenant_id = new_id()
    path = child_path(parent.path if parent else None, tenant_id)
    tenant = Tenant(
        id=tenant_id,
        kind=kind.value,
        code=code,
        name=name,
        parent_id=parent.id if parent else None,
        path=path,
        depth=(parent.depth + 1) if parent else 0,
        root_id=parent.root_id if parent else tenant_id,
    )
    session.add(tenant)
    if parent is not None:
        session.add(TenantParentLink(tenant_id=tenant_id, parent_id=parent.id, valid_from=now or utcnow()))
    try:
        await session.flush()
    except IntegrityError as exc:
        # Another request registered the same code after our check: the caller's transaction
        # must roll back (run_mutation does), and the caller gets a Conflict, not an internal error.
        raise Conflict(f"Code {code} is already registered; each tenant code is unique.", field="code", code="CODE_TAKEN") from exc
    return tenant


async def get_tenant_by_code_system(session: AsyncSession, code: str) -> uuid.UUID | None:
    """The id of the tenant with `code` anywhere in the deployment: codes are unique deployment-wide,
    so uniqueness is checked beyond the caller's scope (and only the id is read)."""
    result = await session.execute(select(Tenant.id).where(Tenant.code == code), execution_options={"system": True})
    return result.scalar_one_or_none()


async def move_tenant(
    session: AsyncSession,
    tenant: Tenant,
    new_parent: Tenant,
    *,
    new_code: str | None = None,
    now: dt.datetime | None = None,
) -> Tenant:
    """Move a subtree under `new_parent`, keeping the old parent link as history.

    The code rules hold after a move as at creation: a county moving to another city takes the
    new division code it is given there (`new_code`), and a school cannot move to another
    province (its code names the province and never changes). Paths of the whole subtree are
    rewritten in one statement; `root_id` of the nodes and of their records follows when the move
    crosses cities.
    """
    if TenantKind(new_parent.kind) not in ALLOWED_PARENT[TenantKind(tenant.kind)]:
        raise Invalid("parentId", "PARENT_KIND", f"A {tenant.kind.lower()} cannot sit under a {new_parent.kind.lower()}.")
    if new_parent.path.startswith(tenant.path):
        raise Invalid("parentId", "PARENT_CYCLE", "A tenant cannot move under itself or its own descendant.")
    # Without a new code, a mismatch is the destination's fault: report it on parentId.
    code = check_code(
        TenantKind(tenant.kind),
        new_code if new_code is not None else tenant.code,
        new_parent,
        field="code" if new_code is not None else "parentId",
    )
    if code != tenant.code:
        if await get_tenant_by_code_system(session, code) is not None:
            raise Conflict(f"Code {code} is already registered; each tenant code is unique.", field="code", code="CODE_TAKEN")
        tenant.code = code
    if tenant.parent_id == new_parent.id:
        await session.flush()
        return tenant
    now = now or utcnow()
    old_parent_id, old_root_id = tenant.parent_id, tenant.root_id
    old_path, new_path = tenant.path, child_path(new_parent.path, tenant.id)
    depth_change = new_parent.depth + 1 - tenant.depth
    link = (
        await session.execute(
            select(TenantParentLink).where(TenantParentLink.tenant_id == tenant.id, TenantParentLink.valid_to.is_(None))
        )
    ).scalar_one_or_none()
    if link is not None:
        link.valid_to = now
    session.add(TenantParentLink(tenant_id=tenant.id, parent_id=new_parent.id, valid_from=now))
    await session.execute(
        update(Tenant)
        .where(Tenant.path >= old_path, Tenant.path < upper_bound(old_path))
        .values(
            path=literal(new_path) + func.substr(Tenant.path, len(old_path) + 1),
            depth=Tenant.depth + depth_change,
            root_id=new_parent.root_id,
        )
        .execution_options(synchronize_session=False)
    )
    if new_parent.root_id != tenant.root_id:
        await _move_records_to_root(session, new_path, new_parent.root_id)
    tenant.parent_id = new_parent.id
    await session.flush()
    # The bulk UPDATE bypassed the identity map: reload every node of the subtree this session
    # holds, so a later move in the same session starts from the new paths.
    await session.execute(
        select(Tenant).where(Tenant.path >= new_path, Tenant.path < upper_bound(new_path)).execution_options(populate_existing=True)
    )
    # The bulk statements passed the unit of work that marks rollups dirty: both parents' figures
    # change (the subtree left one and joined the other), so mark them here, in the move's transaction.
    from runxin.platform.rollup.marking import mark_dirty

    moved = {new_parent.id: new_parent.root_id, tenant.id: new_parent.root_id}
    if old_parent_id is not None:
        moved[old_parent_id] = old_root_id
    await mark_dirty(session, moved, now=now)
    return tenant


async def _move_records_to_root(session: AsyncSession, subtree_path: str, root_id: uuid.UUID) -> None:
    """Records carry their city as root_id: a move across cities rewrites it for the subtree."""
    from runxin.platform.models import tenant_owned_models

    moved = select(Tenant.id).where(Tenant.path >= subtree_path, Tenant.path < upper_bound(subtree_path))
    for model in tenant_owned_models():
        await session.execute(
            update(model)
            .where(model.tenant_id.in_(moved))
            .values(root_id=root_id)
            .execution_options(synchronize_session=False)
        )
