"""Which tables feed the indicators: read off the fact families' own statements, so a new fact
(a table joined or probed by `facts.py`) marks tenants dirty without anyone keeping a list."""

from __future__ import annotations

import functools

from sqlalchemy import Table, true
from sqlalchemy.sql.util import find_tables

from runxin.platform.indicators.facts import FAMILIES
from runxin.platform.standards import STANDARDS


@functools.cache
def input_tables() -> frozenset[Table]:
    """Every table any fact family reads (the tenant table included), subqueries and all."""
    tables: set[Table] = set()
    for family in FAMILIES.values():
        for standard in STANDARDS.values():
            statement = family(year=2000, standard=standard, where=[true()])
            tables |= {t for t in find_tables(statement, check_columns=True, include_aliases=True) if isinstance(t, Table)}
    return frozenset(tables)
