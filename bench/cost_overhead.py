"""What the query cost rule adds to a request: costing the two read-path benchmark queries.

    python bench/cost_overhead.py

Times `measure` (variables coerced, fragments expanded, cost and nodes counted) and the fragment
fan-out count on the already parsed and validated documents, which is all the rule adds per request
(the bucket is one dict lookup). Prints microseconds per call.
"""

from __future__ import annotations

import timeit
from pathlib import Path

from read_path import CITY_INDICATORS, COUNTY_SCHOOLS

from graphql import parse
from runxin.graphql.cost import measure
from runxin.graphql.fanout import expanded_selections
from runxin.graphql.schema import build_schema
from runxin.platform.config import Settings


def main() -> None:
    schema = build_schema(Settings(data_dir=Path(".data"), database_url="sqlite+aiosqlite:///:memory:"))._schema
    for name, query in (("city per-county indicators", CITY_INDICATORS), ("county first 100 schools + staff counts", COUNTY_SCHOOLS)):
        document = parse(query)
        cost = measure(schema, document, {"code": "360700"}, None)
        runs = 20_000
        costing = min(timeit.repeat(lambda document=document: measure(schema, document, {"code": "360700"}, None), number=runs, repeat=5)) / runs
        fanout = min(timeit.repeat(lambda document=document: expanded_selections(document), number=runs, repeat=5)) / runs
        print(
            f"{name:42s} nodes {cost.requested_nodes:5d}  cost {cost.points:3d}   "
            f"measure {costing * 1e6:6.1f} µs   fan-out count {fanout * 1e6:5.1f} µs"
        )


if __name__ == "__main__":
    main()
