"""How much data each seeding scale makes. Only sizes differ: every proportion (central-rank
share, staffing gaps, training rates) is the same at every scale, so a tiny seed is a faithful
miniature of a province."""

from __future__ import annotations

from dataclasses import dataclass

from runxin.platform.seed.names import CITY_NAMES


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    cities: int
    counties: int
    schools: int
    description: str

    def __post_init__(self) -> None:
        if not 1 <= self.cities <= len(CITY_NAMES):
            raise ValueError(f"scale {self.name}: 1 to {len(CITY_NAMES)} cities, got {self.cities}")
        if self.counties < self.cities:
            raise ValueError(f"scale {self.name}: every city needs a county ({self.counties} < {self.cities})")
        # Each county needs enough schools for a central school and a small one to exist.
        if self.schools < 5 * self.counties:
            raise ValueError(f"scale {self.name}: at least 5 schools per county")


# Staff and attendance follow from the schools: about 4 staff per school and 13 attendance rows
# per school, i.e. province ≈ 60,000 staff and ≈ 200,000 attendance rows.
SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", cities=1, counties=2, schools=20, description="1 city, 2 counties, 20 schools: tests and quick demos"),
    "city": Scale("city", cities=1, counties=12, schools=1_200, description="1 city (360700), 12 counties, 1,200 schools"),
    "province": Scale(
        "province", cities=13, counties=100, schools=15_000, description="13 cities, 100 counties, 15,000 schools: benchmarks"
    ),
}
