"""Who is asking: a user or an API client acting for one tenant, with roles and scopes.

Independent of how the token was obtained (local signing today, OAuth2/OIDC later): the API builds
a Principal from verified claims plus the tenant's current place in the tree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from runxin.platform.disclosure.rules import DEFAULT_RULES, DisclosureRules
from runxin.platform.tree.paths import ancestor_ids, upper_bound


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    tenant_id: uuid.UUID
    tenant_path: str
    tenant_kind: str
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    client_id: str | None = None
    # What the principal's city publishes to its bureaus (its disclosure policy, or the defaults).
    disclosure: DisclosureRules = DEFAULT_RULES

    @property
    def subtree_bounds(self) -> tuple[str, str]:
        """[lo, hi) of the paths this principal's tenant and its descendants have."""
        return self.tenant_path, upper_bound(self.tenant_path)

    @property
    def ancestor_ids(self) -> list[uuid.UUID]:
        """Strict ancestors of the principal's tenant, root first."""
        return ancestor_ids(self.tenant_path)[:-1]

    def covers(self, path: str) -> bool:
        """Is the node at `path` the principal's tenant or one of its descendants?"""
        return path.startswith(self.tenant_path)
