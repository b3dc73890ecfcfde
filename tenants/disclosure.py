"""Field disclosure: which personal fields a principal sees of a record, and how the rest is masked.

Masked fields are not silently dropped: the caller gets null for the value plus the list of masked
field names and the reason, so a client can show "hidden by policy" rather than "unknown".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from runxin.tenants.policy import Permission, has
from runxin.tenants.principal import Principal

MASK_REASON = (
    "Personal data of staff outside your own tenant is visible only to roles the city's disclosure policy allows "
    "(by default ADMIN of an ancestor bureau)."
)


@dataclass(frozen=True, slots=True)
class Disclosure:
    visible: bool
    reason: str | None = None


def staff_disclosure(principal: Principal | None, record_tenant_id: uuid.UUID) -> Disclosure:
    """May `principal` read the personal fields of a staff record it can already see?

    Scoping has put the record in the principal's subtree, so it is either the principal's own
    tenant's or a descendant's.
    """
    if principal is not None:
        needed = Permission.PERSONAL_OWN if record_tenant_id == principal.tenant_id else Permission.PERSONAL_DESCENDANTS
        if has(principal, needed):
            return Disclosure(visible=True)
    return Disclosure(visible=False, reason=MASK_REASON)


def mask_name(name: str) -> str:
    """Keep the first character, as Chinese public notices do: 张三丰 → 张**.

    The mask has a fixed length so it does not tell how long the real name is.
    """
    return name[:1] + "**" if name else ""
