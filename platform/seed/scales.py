"""How much data each seeding scale makes. Only sizes differ: every proportion (central-rank
share, staffing gaps, training rates) is the same at every scale, so a tiny seed is a faithful
miniature of a province."""

from __future__ import annotations

from dataclasses import dataclass

from runxin.platform.seed.names import CITIES_PER_PROVINCE, CITY_NAMES

# GB/T 2260 province-level codes, the seed's own province (36) first so that every scale of one
# province is unchanged; Taiwan, Hong Kong and Macao (71, 81, 82) are not in the national systems.
PROVINCES = tuple("36 11 12 13 14 15 21 22 23 31 32 33 34 35 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split())


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    cities: int
    counties: int
    schools: int
    description: str
    # Provinces beyond the first (36) take GB/T 2260's other province codes in order; one province
    # keeps the named cities of names.CITY_NAMES, several name the rest from a syllable pool.
    provinces: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.provinces <= len(PROVINCES):
            raise ValueError(f"scale {self.name}: 1 to {len(PROVINCES)} provinces, got {self.provinces}")
        most = len(CITY_NAMES) if self.provinces == 1 else CITIES_PER_PROVINCE * self.provinces
        if not self.provinces <= self.cities <= most:
            raise ValueError(f"scale {self.name}: {self.provinces} to {most} cities, got {self.cities}")
        if self.counties < self.cities:
            raise ValueError(f"scale {self.name}: every city needs a county ({self.counties} < {self.cities})")
        # Each county needs enough schools for a central school and a small one to exist.
        if self.schools < 5 * self.counties:
            raise ValueError(f"scale {self.name}: at least 5 schools per county")


# Staff and attendance follow from the schools: about 4 staff per school and 13 attendance rows
# per school, i.e. province ≈ 60,000 staff and ≈ 200,000 attendance rows, national ≈ 0.9 and 2.7 million.
SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", cities=1, counties=2, schools=20, description="1 city, 2 counties, 20 schools: tests and quick demos"),
    "city": Scale("city", cities=1, counties=12, schools=1_200, description="1 city (360700), 12 counties, 1,200 schools"),
    "province": Scale(
        "province", cities=13, counties=100, schools=15_000, description="13 cities, 100 counties, 15,000 schools: benchmarks"
    ),
    # China's order of magnitude: 31 provinces, 333 prefecture-level cities, about 2,850 counties
    # and 210,000 primary and secondary schools. Not for tests: minutes and gigabytes on PostgreSQL.
    "national": Scale(
        "national",
        cities=333,
        counties=2_850,
        schools=210_000,
        provinces=31,
        description="31 provinces, 333 cities, 2,850 counties, 210,000 schools: capacity planning (PostgreSQL)",
    ),
}
