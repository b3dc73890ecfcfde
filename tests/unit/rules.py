"""Helpers for the domain-rule tests: tenants built in memory, and the problems a validator reports."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from runxin.platform.errors import Invalid, InvalidMany
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.paths import child_path

TODAY = dt.date(2025, 6, 15)


def tenant(kind: str, code: str, parent: Tenant | None = None, name: str | None = None) -> Tenant:
    """A tenant that exists only in memory, with a real path under `parent`."""
    tenant_id = uuid.uuid4()
    return Tenant(
        id=tenant_id,
        kind=kind,
        code=code,
        name=name or f"{kind.lower()} {code}",
        parent_id=parent.id if parent else None,
        path=child_path(parent.path if parent else None, tenant_id),
        depth=parent.depth + 1 if parent else 0,
        root_id=parent.root_id if parent else tenant_id,
    )


CITY = tenant("CITY", "360700")
COUNTY = tenant("COUNTY", "360702", CITY)
OTHER_COUNTY = tenant("COUNTY", "360703", CITY)
SCHOOL = tenant("SCHOOL", "2136000001", COUNTY)
SIBLING_SCHOOL = tenant("SCHOOL", "2136000002", COUNTY)
FOREIGN_SCHOOL = tenant("SCHOOL", "2136000003", OTHER_COUNTY)


def problems(validate: Callable[..., None], values: Mapping[str, Any], owner: Tenant, **kwargs: Any) -> set[tuple[str, str]]:
    """The (field, code) pairs `validate` reports for `values`; empty when they are valid."""
    try:
        validate(values, owner, today=kwargs.pop("today", TODAY), **kwargs)
    except InvalidMany as many:
        return {(e.field, e.code) for e in many.errors}
    except Invalid as one:
        return {(one.field, one.code)}
    return set()


def codes(validate: Callable[..., None], values: Mapping[str, Any], owner: Tenant, **kwargs: Any) -> dict[str, str]:
    """Like `problems`, keyed by field (one problem per field expected)."""
    return dict(problems(validate, values, owner, **kwargs))


def messages(validate: Callable[..., None], values: Mapping[str, Any], owner: Tenant, **kwargs: Any) -> str:
    try:
        validate(values, owner, today=kwargs.pop("today", TODAY), **kwargs)
    except (Invalid, InvalidMany) as error:
        return error.message
    return ""
