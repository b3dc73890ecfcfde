"""The rules a city's disclosure policy sets, as a value every request carries with its principal.

- `detail_resources`: record classes a bureau sees record by record for the tenants under it;
  any other class it sees only as figures (counts, indicators) — its own records always in full.
- `personal_roles`: roles of an ancestor bureau that see the personal fields of descendants'
  staff unmasked (API clients need the `staff.personal:read` scope instead).
- `personal_fields`: which personal fields those roles (and clients) see; the rest stay masked.
  A tenant always sees its own staff's personal data in full (as its roles allow).
- `suppression_threshold`: counts derived from students (a hotline's crisis calls and referrals)
  from 1 to threshold − 1 are hidden from the bureaus above (runxin.platform.suppression).
"""

from __future__ import annotations

from dataclasses import dataclass

from runxin.platform.errors import Invalid
from runxin.platform.suppression import DEFAULT_THRESHOLD

DETAIL_RESOURCES = ("schools", "stations", "centres", "hotlines", "staff", "training", "targets", "recognitions", "courses")
# Never a detail resource, whatever a city's policy says: student-level records stay at the school.
SCHOOL_ONLY_RESOURCES = ("students", "homeschool", "mentorship")
PERSONAL_FIELDS = ("name", "gender", "birth_date", "phone")


@dataclass(frozen=True, slots=True)
class DisclosureRules:
    detail_resources: tuple[str, ...] = DETAIL_RESOURCES
    personal_roles: tuple[str, ...] = ("ADMIN",)
    personal_fields: tuple[str, ...] = PERSONAL_FIELDS
    suppression_threshold: int = DEFAULT_THRESHOLD

    def shows_detail(self, resource: str) -> bool:
        return resource in self.detail_resources


DEFAULT_RULES = DisclosureRules()


def parse_list(text: str, allowed: tuple[str, ...], field: str) -> tuple[str, ...]:
    """A comma-separated list of known names, in a stable order; unknown names are refused."""
    items = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    kept_at_school = [item for item in items if item in SCHOOL_ONLY_RESOURCES]
    if kept_at_school:
        raise Invalid(
            field,
            "STUDENT_DATA_STAYS_AT_SCHOOL",
            f"{', '.join(kept_at_school)} cannot be shown in detail to bureaus: student-level records stay at their "
            "school, and bureaus see them as counts (indicators). Leave it out of the list.",
        )
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise Invalid(field, "NOT_ALLOWED", f"{', '.join(unknown)} not allowed in {field}; use names from {', '.join(allowed)}.")
    return items


def rules_from(
    detail_resources: str, personal_roles: str, personal_fields: str, suppression_threshold: int, *, roles: tuple[str, ...]
) -> DisclosureRules:
    if not 1 <= suppression_threshold <= 50:
        raise Invalid(
            "suppression_threshold", "TOO_LARGE" if suppression_threshold > 50 else "TOO_SMALL",
            f"The suppression threshold is {suppression_threshold}; use 1 (off) to 50 (counts below it are hidden).",
        )
    return DisclosureRules(
        detail_resources=parse_list(detail_resources, DETAIL_RESOURCES, "detail_resources"),
        personal_roles=parse_list(personal_roles, roles, "personal_roles"),
        personal_fields=parse_list(personal_fields, PERSONAL_FIELDS, "personal_fields"),
        suppression_threshold=suppression_threshold,
    )
