"""Build small tenant trees with valid codes for tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.tree.models import Tenant, TenantKind
from runxin.platform.tree.services import create_tenant

_sequence = itertools.count(1)


@dataclass
class Tree:
    city: Tenant
    counties: list[Tenant] = field(default_factory=list)
    schools: dict[str, list[Tenant]] = field(default_factory=dict)  # county code -> schools

    def all_schools(self) -> list[Tenant]:
        return [s for schools in self.schools.values() for s in schools]


async def make_tree(
    session: AsyncSession, *, city_code: str = "360700", counties: int = 2, schools_per_county: int = 2, category: str = "21"
) -> Tree:
    """A city with `counties` counties of `schools_per_county` schools each (a system session)."""
    city = await create_tenant(session, kind=TenantKind.CITY, code=city_code, name=f"测试市{city_code}", parent=None)
    tree = Tree(city=city)
    for c in range(1, counties + 1):
        county = await create_tenant(
            session, kind=TenantKind.COUNTY, code=f"{city_code[:4]}{c:02d}", name=f"测试县{c}", parent=city
        )
        tree.counties.append(county)
        tree.schools[county.code] = []
        for _ in range(schools_per_county):
            n = next(_sequence)
            school = await create_tenant(
                session,
                kind=TenantKind.SCHOOL,
                code=f"{category}{city_code[:2]}{n:06d}",
                name=f"测试学校{n}",
                parent=county,
            )
            tree.schools[county.code].append(school)
    await session.commit()
    return tree
