"""Deterministic demo and benchmark data: a whole deployment (cities, counties, schools, centres,
hotlines, stations, staff, training and targets) generated from a scale and a seed and written into
an empty database with set-based bulk inserts. Part of platform: it imports only platform modules
and SQLAlchemy, never the tenants, API, worker or CLI layers; `seed_database` is the entry point
the CLI and the benchmarks call, `SCALES` lists the sizes (tiny, city, province)."""

from runxin.platform.seed.scales import SCALES, Scale
from runxin.platform.seed.writer import SeedSummary, seed_database

__all__ = ["SCALES", "Scale", "SeedSummary", "seed_database"]
