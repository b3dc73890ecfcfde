"""Roles and what they permit; who may read personal data of which tenant's staff."""

from __future__ import annotations

import uuid

import pytest

from runxin.platform.errors import PermissionDenied
from runxin.platform.tree.paths import child_path
from runxin.tenants.policy import ROLE_PERMISSIONS, SCOPES, Permission, Role, allows, has, may_read_personal, permissions, require
from runxin.tenants.principal import Principal

CITY, COUNTY_A, COUNTY_B, SCHOOL_A, SCHOOL_B = (uuid.uuid4() for _ in range(5))
PATHS = {"city": child_path(None, CITY)}
PATHS["county_a"] = child_path(PATHS["city"], COUNTY_A)
PATHS["county_b"] = child_path(PATHS["city"], COUNTY_B)
PATHS["school_a"] = child_path(PATHS["county_a"], SCHOOL_A)
PATHS["school_b"] = child_path(PATHS["county_b"], SCHOOL_B)
OTHER_CITY = child_path(None, uuid.uuid4())


def principal(*roles: str, at: str = "county_a") -> Principal:
    ids = {"city": CITY, "county_a": COUNTY_A, "county_b": COUNTY_B, "school_a": SCHOOL_A, "school_b": SCHOOL_B}
    kind = {"city": "CITY", "county_a": "COUNTY", "county_b": "COUNTY"}.get(at, "SCHOOL")
    return Principal(subject="u", tenant_id=ids[at], tenant_path=PATHS[at], tenant_kind=kind, roles=frozenset(roles))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("ADMIN", set(Permission)),
        ("DATA_OFFICER", {Permission.READ, Permission.WRITE, Permission.PERSONAL_OWN}),
        ("VIEWER", {Permission.READ}),
    ],
)
def test_role_permissions(role: str, expected: set[Permission]) -> None:
    assert permissions(principal(role)) == expected


@pytest.mark.parametrize("roles", [(), ("SUPERUSER",), ("admin",), ("",), ("ADMIN ",)])
def test_unknown_or_missing_roles_grant_nothing(roles: tuple[str, ...]) -> None:
    # Given a principal whose roles are unknown (a typo, a role from another system, wrong case)
    # Then it holds no permission at all (deny by default)
    assert permissions(principal(*roles)) == frozenset()
    assert not has(principal(*roles), Permission.READ)


def test_roles_add_up_and_unknown_ones_are_ignored() -> None:
    assert permissions(principal("VIEWER", "SUPERUSER")) == {Permission.READ}
    assert permissions(principal("VIEWER", "DATA_OFFICER")) == ROLE_PERMISSIONS[Role.DATA_OFFICER]


def test_require_returns_the_principal_when_allowed() -> None:
    who = principal("DATA_OFFICER")
    assert require(who, Permission.WRITE) is who


def test_require_without_principal_says_how_to_sign_in() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require(None, Permission.READ)
    assert "Authorization: Bearer" in caught.value.message


def test_require_names_the_roles_that_would_allow_it() -> None:
    # Given a viewer trying to write
    with pytest.raises(PermissionDenied) as caught:
        require(principal("VIEWER"), Permission.WRITE)
    # Then the message names the missing permission and the roles to ask for
    message = caught.value.message
    assert "does not allow write" in message
    assert "ADMIN, DATA_OFFICER" in message
    assert "(VIEWER)" in message


def test_require_with_no_role_says_none() -> None:
    with pytest.raises(PermissionDenied, match=r"\(none\)"):
        require(principal(), Permission.READ)


@pytest.mark.parametrize(
    ("role", "at", "record", "allowed"),
    [
        # own tenant: admins and data officers, not viewers
        ("ADMIN", "county_a", "county_a", True),
        ("DATA_OFFICER", "county_a", "county_a", True),
        ("VIEWER", "county_a", "county_a", False),
        ("DATA_OFFICER", "school_a", "school_a", True),
        # a descendant: admins only
        ("ADMIN", "county_a", "school_a", True),
        ("ADMIN", "city", "school_b", True),
        ("DATA_OFFICER", "county_a", "school_a", False),
        ("VIEWER", "county_a", "school_a", False),
        # outside the subtree: a sibling, an ancestor, a sibling's child, another city: nobody
        ("ADMIN", "county_a", "county_b", False),
        ("ADMIN", "county_a", "city", False),
        ("ADMIN", "county_a", "school_b", False),
        ("ADMIN", "school_a", "county_a", False),
        ("DATA_OFFICER", "school_a", "school_b", False),
        ("ADMIN", "city", "other_city", False),
    ],
)
def test_may_read_personal(role: str, at: str, record: str, allowed: bool) -> None:
    # Given a principal with one role at one tenant
    who = principal(role, at=at)
    # When it asks for staff personal data of a tenant
    record_path = OTHER_CITY if record == "other_city" else PATHS[record]
    # Then policy allows it only inside its subtree, and for descendants only with PERSONAL_DESCENDANTS
    assert may_read_personal(who, record_path) is allowed


def test_unknown_role_reads_no_personal_data_even_of_its_own_tenant() -> None:
    assert may_read_personal(principal("SUPERUSER"), PATHS["county_a"]) is False


# --- API clients: scopes, never roles --------------------------------------------------------------

def client(*scopes: str, roles: frozenset[str] = frozenset()) -> Principal:
    return Principal(
        subject="rx_app", tenant_id=uuid.uuid4(), tenant_path="/" + "a" * 32 + "/", tenant_kind="COUNTY",
        roles=roles, scopes=frozenset(scopes), client_id="rx_app",
    )


def test_a_client_needs_the_resource_scope() -> None:
    app = client("stations:read")
    assert allows(app, Permission.READ, "stations")
    assert not allows(app, Permission.READ, "staff")
    assert not allows(app, Permission.WRITE, "stations")


def test_a_client_ignores_roles() -> None:
    assert not allows(client(roles=frozenset({"ADMIN"})), Permission.READ, "tenants")


def test_personal_and_audit_scopes_map_to_their_permissions() -> None:
    assert Permission.PERSONAL_DESCENDANTS in permissions(client("staff.personal:read"))
    assert Permission.AUDIT_READ in permissions(client("audit:read"))
    assert Permission.AUDIT_READ not in permissions(client("stations:read"))


def test_scope_vocabulary() -> None:
    assert {"stations:read", "staff:write", "indicators:read", "staff.personal:read", "audit:read"} <= SCOPES
