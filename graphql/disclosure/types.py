"""The DisclosurePolicy type."""

from __future__ import annotations

import strawberry

from runxin.platform.disclosure.rules import DEFAULT_RULES, DisclosureRules


@strawberry.type(
    name="DisclosurePolicy",
    description="What a city's bureaus see of the tenants under them. Resources not listed in detailResources are "
    "shown to ancestors as figures only (counts, indicators); a tenant always sees its own records in full.",
)
class DisclosurePolicyType:
    detail_resources: list[str] = strawberry.field(description="Record classes an ancestor bureau sees record by record.")
    personal_roles: list[str] = strawberry.field(
        description="Roles of an ancestor bureau that see descendants' staff personal data unmasked."
    )
    personal_fields: list[str] = strawberry.field(
        description="Personal fields (name, gender, birth_date, phone) those roles see; the others stay masked."
    )
    suppression_threshold: int = strawberry.field(
        description="Counts derived from students (hotline crisis calls, referrals) below this are hidden from the bureaus above."
    )
    is_default: bool = strawberry.field(description="True when the city has not set a policy and the defaults apply.")

    @classmethod
    def of(cls, rules: DisclosureRules) -> "DisclosurePolicyType":
        return cls(
            detail_resources=list(rules.detail_resources),
            personal_roles=list(rules.personal_roles),
            personal_fields=list(rules.personal_fields),
            suppression_threshold=rules.suppression_threshold,
            is_default=rules == DEFAULT_RULES,
        )
