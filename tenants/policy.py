"""Roles and what they permit. The one place that decides what a principal may do; row access is
decided by `scoping`, field disclosure by `disclosure`."""

from __future__ import annotations

import enum

from runxin.platform.errors import PermissionDenied
from runxin.tenants.principal import Principal


class Role(enum.StrEnum):
    ADMIN = "ADMIN"  # bureau or school administrator
    DATA_OFFICER = "DATA_OFFICER"  # records and submits data
    VIEWER = "VIEWER"  # reads institutional data


class Permission(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    PERSONAL_OWN = "personal:own"  # personal data of the principal's own tenant's staff
    PERSONAL_DESCENDANTS = "personal:descendants"  # ... and of descendants' staff


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.DATA_OFFICER: frozenset({Permission.READ, Permission.WRITE, Permission.PERSONAL_OWN}),
    Role.VIEWER: frozenset({Permission.READ}),
}


def permissions(principal: Principal) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in principal.roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(role)]
        except ValueError:
            continue  # an unknown role grants nothing (deny by default)
    return frozenset(granted)


def has(principal: Principal, permission: Permission) -> bool:
    return permission in permissions(principal)


def require(principal: Principal | None, permission: Permission) -> Principal:
    """Return the principal if it holds `permission`, else raise PermissionDenied saying what is missing."""
    if principal is None:
        raise PermissionDenied("Sign in first: send an Authorization: Bearer <token> header.")
    if not has(principal, permission):
        roles = ", ".join(sorted(r.value for r, perms in ROLE_PERMISSIONS.items() if permission in perms))
        raise PermissionDenied(
            f"Your role ({', '.join(sorted(principal.roles)) or 'none'}) does not allow {permission.value}; "
            f"ask your bureau for one of: {roles}."
        )
    return principal


def may_read_personal(principal: Principal, record_tenant_path: str) -> bool:
    """May this principal read personal fields of staff at the tenant with this path?"""
    if not principal.covers(record_tenant_path):
        return False
    if record_tenant_path == principal.tenant_path:
        return has(principal, Permission.PERSONAL_OWN)
    return has(principal, Permission.PERSONAL_DESCENDANTS)
