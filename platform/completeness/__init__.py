"""Completeness and timeliness of reporting: which required figures each tenant owes for a period
(requirements.py, the registry), whether each arrived and whether by its deadline (rules.py), and
the per-tenant states and rates over whole subtrees, set-based (service.py).

Layer: platform. It imports the platform's models, periods, tree and the reporting chain's entry
windows, never `runxin.tenants`, `runxin.graphql` or `runxin.workers`. It does not decide who may
see what: run it on a session with a principal bound (or a system session).
"""

from runxin.platform.completeness.requirements import BY_CODE, REQUIRED_FIGURES, OwedPer, RequiredFigure, due_for, has
from runxin.platform.completeness.rules import Deadline, DeadlineRule, FigureState, Rates
from runxin.platform.completeness.service import Completeness, FigureStatus, TenantCompleteness, TenantRow, completeness

__all__ = [
    "BY_CODE",
    "REQUIRED_FIGURES",
    "Completeness",
    "Deadline",
    "DeadlineRule",
    "FigureState",
    "FigureStatus",
    "OwedPer",
    "Rates",
    "RequiredFigure",
    "TenantCompleteness",
    "TenantRow",
    "completeness",
    "due_for",
    "has",
]
