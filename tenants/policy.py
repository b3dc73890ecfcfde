"""Roles, scopes and what they permit. The one place that decides what a principal may do; row
access is decided by `scoping`, field disclosure by `disclosure`.

People act through roles held at their tenant: ADMIN (a bureau administrator at a city or county,
a school administrator at a school), DATA_OFFICER (records and submits data), VIEWER (reads
institutional data), AUDITOR (reads data and the audit log). API clients act through the scopes
registered for them (`<resource>:read`, `<resource>:write`, `staff.personal:read`, `audit:read`)
and never through roles. Anything not granted is denied.
"""

from __future__ import annotations

import enum

from runxin.platform.errors import PermissionDenied
from runxin.tenants.principal import Principal


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    DATA_OFFICER = "DATA_OFFICER"
    VIEWER = "VIEWER"
    AUDITOR = "AUDITOR"


class Permission(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    PERSONAL_OWN = "personal:own"  # personal data of the principal's own tenant's staff
    PERSONAL_DESCENDANTS = "personal:descendants"  # ... and of descendants' staff
    AUDIT_READ = "audit:read"
    POLICY_WRITE = "policy:write"  # a city's disclosure policy: people only, never a client scope
    APPROVE = "approve"  # approve, return, accept and reopen the reports of the level below


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.DATA_OFFICER: frozenset({Permission.READ, Permission.WRITE, Permission.PERSONAL_OWN}),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT_READ}),
}

# What API clients may be granted: coarse resource scopes, read or write each.
RESOURCES = (
    "tenants",
    "schools",
    "stations",
    "centres",
    "hotlines",
    "staff",
    "training",
    "targets",
    "recognitions",
    "indicators",
    "reports",  # reports, entry windows, late reports and reporting completeness (Tenant.reportingCompleteness)
    "deliveries",
    # Student-level records (SchoolPrivate): a school's own only, never a bureau's detail resource.
    "homeschool",
    "mentorship",
    # Student files, screening results, follow-ups and referrals: only ever the client's own
    # school's (never a detail resource for the bureaus above, platform/disclosure/rules.py).
    "students",
    "courses",  # classes, their term hours, and school activities
)
PERSONAL_SCOPE = "staff.personal:read"
AUDIT_SCOPE = "audit:read"
APPROVE_SCOPE = "reports:approve"
SCOPES = frozenset(
    {f"{resource}:{action}" for resource in RESOURCES for action in ("read", "write")}
    | {PERSONAL_SCOPE, AUDIT_SCOPE, APPROVE_SCOPE}
)


def _scope_permissions(scopes: frozenset[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    if any(s.endswith(":read") and s.split(":")[0] in RESOURCES for s in scopes):
        granted.add(Permission.READ)
    if any(s.endswith(":write") for s in scopes):
        granted.add(Permission.WRITE)
    if PERSONAL_SCOPE in scopes:
        granted |= {Permission.PERSONAL_OWN, Permission.PERSONAL_DESCENDANTS}
    if AUDIT_SCOPE in scopes:
        granted.add(Permission.AUDIT_READ)
    if APPROVE_SCOPE in scopes:
        granted.add(Permission.APPROVE)
    return frozenset(granted)


def permissions(principal: Principal) -> frozenset[Permission]:
    """What the principal may do at all: a client by its scopes, a person by its roles."""
    if principal.client_id is not None:
        return _scope_permissions(principal.scopes)
    granted: set[Permission] = set()
    for role in principal.roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(role)]
        except ValueError:
            continue  # an unknown role grants nothing (deny by default)
    return frozenset(granted)


def has(principal: Principal, permission: Permission) -> bool:
    return permission in permissions(principal)


def scope_for(permission: Permission, resource: str) -> str:
    if permission is Permission.APPROVE:
        return APPROVE_SCOPE
    return f"{resource}:{'write' if permission is Permission.WRITE else 'read'}"


def allows(principal: Principal, permission: Permission, resource: str | None = None) -> bool:
    """May the principal do `permission` on `resource` (a client also needs the resource's scope)?"""
    if not has(principal, permission):
        return False
    if principal.client_id is None or resource is None:
        return True
    return scope_for(permission, resource) in principal.scopes


def require(principal: Principal | None, permission: Permission, resource: str | None = None) -> Principal:
    """Return the principal if it may do `permission` (on `resource`), else raise PermissionDenied saying what is missing."""
    if principal is None:
        raise PermissionDenied("Sign in first: send an Authorization: Bearer <token> header.")
    if allows(principal, permission, resource):
        return principal
    if principal.client_id is not None:
        needed = scope_for(permission, resource) if resource else permission.value
        raise PermissionDenied(
            f"This client's scopes ({' '.join(sorted(principal.scopes)) or 'none'}) do not include {needed}; "
            "ask the bureau to register it for the client."
        )
    roles = ", ".join(sorted(r.value for r, perms in ROLE_PERMISSIONS.items() if permission in perms))
    raise PermissionDenied(
        f"Your role ({', '.join(sorted(principal.roles)) or 'none'}) does not allow {permission.value}; "
        f"ask your bureau for one of: {roles}."
    )


def may_read_personal(principal: Principal, record_tenant_path: str) -> bool:
    """May this principal read personal fields of staff at the tenant with this path?"""
    if not principal.covers(record_tenant_path):
        return False
    if record_tenant_path == principal.tenant_path:
        return has(principal, Permission.PERSONAL_OWN)
    return has(principal, Permission.PERSONAL_DESCENDANTS)
