"""Who may see and run a city's deliveries: principals of the city itself, never of a county or school.

Delivery rows belong to the city (row scoping alone would show a county an empty log); the refusal
here says why instead. Configuring endpoints and replaying also needs the ADMIN role (a person) or
the deliveries:write scope (an API client): secrets and resends are an administrator's business.
"""

from __future__ import annotations

import functools
from typing import Any

from strawberry.permission import BasePermission

from runxin.platform.errors import PermissionDenied
from runxin.platform.tree.models import TenantKind
from runxin.tenants.policy import Permission, Role, require

RESOURCE = "deliveries"


@functools.cache
def at_city(permission: Permission, *, admin: bool = False) -> type[BasePermission]:
    """The permission class for `permission` on deliveries, at a city (and as its ADMIN when `admin`)."""

    class AtCity(BasePermission):
        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            principal = require(info.context.principal, permission, RESOURCE)
            if principal.tenant_kind != TenantKind.CITY.value:
                raise PermissionDenied(
                    "Deliveries to the city platform are the city bureau's: sign in as a user or client of the city "
                    f"(you act for a {principal.tenant_kind.lower()})."
                )
            if admin and principal.client_id is None and Role.ADMIN.value not in principal.roles:
                raise PermissionDenied(
                    f"Your role ({', '.join(sorted(principal.roles)) or 'none'}) does not configure deliveries; "
                    "ask the city's administrators (ADMIN)."
                )
            return True

    AtCity.__name__ = AtCity.__qualname__ = f"AtCity_{permission.name}{'_ADMIN' if admin else ''}"
    return AtCity
