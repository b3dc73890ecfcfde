"""Which audit events a principal may read: those of its own tenant and every descendant.

Audit events are not tenant-owned rows (see runxin.platform.audit.models), so the ORM hook does not
scope them; this predicate is the one place that does. It goes by where the acting principal stood
when the event happened (`tenant_path`, one range scan): never a sibling's or an ancestor's events.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from runxin.platform.audit.models import AuditEvent
from runxin.tenants.policy import Permission, require
from runxin.tenants.principal import Principal


def visible_audit_events(principal: Principal | None) -> ColumnElement[bool]:
    """The condition on AuditEvent for `principal`; PermissionDenied without audit:read."""
    principal = require(principal, Permission.AUDIT_READ)
    lo, hi = principal.subtree_bounds
    return and_(AuditEvent.tenant_path >= lo, AuditEvent.tenant_path < hi)
