"""Named crash points, for the chaos test: the process kills itself with SIGKILL at a named place.

Off unless RUNXIN_CRASH_POINTS is set, e.g. `delivery.after_2xx=0.2,rollup.after_commit=0.1`: each
named point then kills the process with that probability when reached. SIGKILL, not an exception:
no `finally`, no rollback, no ack, exactly what a power cut or the OOM killer does.
"""

from __future__ import annotations

import functools
import os
import random
import signal

ENV = "RUNXIN_CRASH_POINTS"


@functools.cache
def _points(spec: str) -> dict[str, float]:
    points: dict[str, float] = {}
    for item in spec.replace(";", ",").split(","):
        name, _, probability = item.strip().partition("=")
        if name:
            points[name] = float(probability or 1.0)
    return points


def crash_point(name: str) -> None:
    """Die here, with the configured probability, if `name` is an armed crash point."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    probability = _points(spec).get(name)
    if probability and random.random() < probability:
        os.kill(os.getpid(), signal.SIGKILL)
