"""The indicator engine: each indicator of domain.md defined once (definitions.py) over per-unit
facts (facts.py), computed set-based for many subtrees at once (engine.py), and a school's gaps
against the standard from the same measures (gaps.py).

Layer: platform. It imports the platform's models, tree and standards only, never
`runxin.tenants`, `runxin.graphql` or `runxin.workers`. It does not decide who may see what: run
it on a session with a principal bound (or a system session) and the scoping hook filters the rows.
"""

from runxin.platform.indicators.definitions import BY_CODE, INDICATORS, Indicator, Target, ValueKind
from runxin.platform.indicators.engine import IndicatorValue, TenantRef, ValueState, compute_indicators
from runxin.platform.indicators.facts import Unit
from runxin.platform.indicators.gaps import Gap, school_gaps

__all__ = [
    "BY_CODE",
    "INDICATORS",
    "Gap",
    "Indicator",
    "IndicatorValue",
    "Target",
    "TenantRef",
    "Unit",
    "ValueKind",
    "ValueState",
    "compute_indicators",
    "school_gaps",
]
