"""disclosurePolicyUpdate: a city's administrators set what its bureaus see under them."""

from __future__ import annotations

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.disclosure.types import DisclosurePolicyType
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, run_mutation
from runxin.graphql.permissions import requires
from runxin.platform.disclosure.rules import rules_from
from runxin.platform.errors import PermissionDenied
from runxin.platform.tree.services import get_tenant
from runxin.tenants.disclosure import set_rules
from runxin.tenants.policy import Permission, Role

UNSET = strawberry.UNSET


@strawberry.input
class DisclosurePolicyUpdateInput:
    tenant_id: strawberry.ID = strawberry.field(description="The city's Tenant id.")
    detail_resources: list[str] | None = UNSET
    personal_roles: list[str] | None = UNSET
    personal_fields: list[str] | None = UNSET
    suppression_threshold: int | None = UNSET


@strawberry.type
class DisclosurePolicyPayload:
    policy: DisclosurePolicyType | None
    user_errors: list[UserError]


@strawberry.type
class DisclosureMutation:
    @strawberry.mutation(
        permission_classes=[requires(Permission.POLICY_WRITE)],
        description="Set the city's disclosure policy (its administrators only); fields left out keep their value.",
    )
    async def disclosure_policy_update(self, info: Info, input: DisclosurePolicyUpdateInput) -> DisclosurePolicyPayload:
        principal = info.context.principal

        async def action(session):  # type: ignore[no-untyped-def]
            root = await get_tenant(session, id_arg(input.tenant_id, "Tenant", "tenant_id"))
            if root.id != principal.tenant_id:  # type: ignore[union-attr]
                raise PermissionDenied("Only the city's own administrators set its disclosure policy.", field="tenantId")
            return await set_rules(
                session,
                root,
                detail_resources=None if input.detail_resources in (None, UNSET) else ",".join(input.detail_resources),  # type: ignore[arg-type]
                personal_roles=None if input.personal_roles in (None, UNSET) else ",".join(input.personal_roles),  # type: ignore[arg-type]
                personal_fields=None if input.personal_fields in (None, UNSET) else ",".join(input.personal_fields),  # type: ignore[arg-type]
                suppression_threshold=None if input.suppression_threshold in (None, UNSET) else input.suppression_threshold,  # type: ignore[arg-type]
            )

        def to_type(row):  # type: ignore[no-untyped-def]
            return DisclosurePolicyType.of(rules_from(row.detail_resources, row.personal_roles, row.personal_fields, row.suppression_threshold, roles=tuple(Role)))

        policy, errors = await run_mutation(info, action, to_type)
        if policy is not None:
            info.context.forget_principals()  # the next request carries the new rules
        return DisclosurePolicyPayload(policy=policy, user_errors=errors)
