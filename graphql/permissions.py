"""What each field and mutation needs, declared where the field is declared.

Row access is not decided here (that is `runxin.tenants.scoping`); these checks only ask whether
the principal may do this kind of operation on this resource at all (`tenants.policy.allows`).
A refusal raises the policy's PermissionDenied, whose message says which role or scope would do.
"""

from __future__ import annotations

import functools
from typing import Any

from strawberry.permission import BasePermission

from runxin.tenants.policy import Permission, require


@functools.cache
def requires(permission: Permission, resource: str | None = None) -> type[BasePermission]:
    """The permission class for `permission` on `resource` (one class per pair, made once)."""

    class Requires(BasePermission):
        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            require(info.context.principal, permission, resource)
            return True

    Requires.__name__ = Requires.__qualname__ = f"Requires_{permission.name}_{resource or 'any'}"
    return Requires


def can_read(resource: str) -> type[BasePermission]:
    return requires(Permission.READ, resource)


def can_write(resource: str) -> type[BasePermission]:
    return requires(Permission.WRITE, resource)


CanRead = can_read("tenants")
