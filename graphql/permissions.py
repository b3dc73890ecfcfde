"""What each root field and mutation needs, declared where the field is declared.

Row access is not decided here (that is `runxin.tenants.scoping`); these checks only ask whether
the principal's roles permit the kind of operation at all. A refusal raises the policy's
PermissionDenied, whose message says which roles would do.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from runxin.tenants.policy import Permission, require


class _Requires(BasePermission):
    permission: Permission

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        require(info.context.principal, self.permission)
        return True


class CanRead(_Requires):
    permission = Permission.READ


class CanWrite(_Requires):
    permission = Permission.WRITE
