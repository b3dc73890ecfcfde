"""When to try a delivery again, when to give up, and when to leave an endpoint alone: pure functions.

The schedule is Svix's, in spirit: the first attempt at once, then retries after 5 s, 5 min, 30 min,
2 h, 5 h, 10 h, 10 h, 14 h, 20 h and 24 h, each stretched or shrunk by up to 20 % at random so that
deliveries failed together do not come back together. That is about 3.6 days nominally and at least
68.5 h with the worst jitter; a delivery only dies once the schedule is exhausted *and* 72 h have
passed since its first attempt, so a last attempt is made at the 72 h mark when the jitter ran short.

A 429 or 503 with Retry-After is honoured: the next attempt is not before the time it names (capped at
6 h, so a receiver cannot park a delivery for a week), nor before the schedule's own delay.

The circuit breaker is per endpoint: after 5 consecutive failed attempts it opens for 60 s, doubling
with every further failure up to 30 min. Once the time is up it is half-open: one attempt goes through
as a probe; its success closes the breaker, its failure opens it again for longer.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import enum
import random
from dataclasses import dataclass

SCHEDULE: tuple[dt.timedelta, ...] = tuple(
    dt.timedelta(seconds=s)
    for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600)
)
JITTER = 0.2
MIN_LIFETIME = dt.timedelta(hours=72)
RETRY_AFTER_CAP = dt.timedelta(hours=6)
THROTTLE_STATUSES = frozenset({429, 503})

BREAKER_THRESHOLD = 5
BREAKER_BASE = dt.timedelta(seconds=60)
BREAKER_MAX = dt.timedelta(minutes=30)


def jittered(delay: dt.timedelta, rng: random.Random | None = None) -> dt.timedelta:
    """`delay` stretched or shrunk by up to JITTER, at random."""
    factor = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return delay * factor


def parse_retry_after(value: str | None, now: dt.datetime) -> dt.timedelta | None:
    """A Retry-After header (delay-seconds or an HTTP date) as a delay from `now`, capped at RETRY_AFTER_CAP.

    None when absent or unreadable; a date in the past is no delay at all.
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        delay = dt.timedelta(seconds=int(text))
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete form may come without a zone
            when = when.replace(tzinfo=dt.UTC)
        delay = max(when - now, dt.timedelta(0))
    return min(delay, RETRY_AFTER_CAP)


def next_attempt_at(
    attempts: int,
    *,
    now: dt.datetime,
    first_attempt_at: dt.datetime,
    retry_after: dt.timedelta | None = None,
    rng: random.Random | None = None,
) -> dt.datetime | None:
    """When to try again after `attempts` failed attempts of the current schedule; None: the delivery is dead.

    `attempts` counts from the start of the schedule (the first attempt is 1); `retry_after` is the
    receiver's parsed Retry-After, if it sent one.
    """
    attempts = max(attempts, 1)
    if attempts <= len(SCHEDULE):
        delay = jittered(SCHEDULE[attempts - 1], rng)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return now + delay
    deadline = first_attempt_at + MIN_LIFETIME
    if now >= deadline:
        return None
    # The schedule ran out early (short jitter): one more attempt when the 72 h are up.
    return max(deadline, now + (retry_after or dt.timedelta(0)))


def schedule_span(rng: random.Random | None = None) -> dt.timedelta:
    """How long the whole schedule takes with `rng`'s jitter (before the 72 h floor), for tests and docs."""
    return sum((jittered(delay, rng) for delay in SCHEDULE), dt.timedelta(0))


class CircuitState(enum.StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(frozen=True, slots=True)
class Breaker:
    """An endpoint's breaker as stored: consecutive failures, and until when nothing is tried."""

    consecutive_failures: int = 0
    open_until: dt.datetime | None = None

    def state(self, now: dt.datetime) -> CircuitState:
        if self.consecutive_failures < BREAKER_THRESHOLD:
            return CircuitState.CLOSED
        if self.open_until is not None and now < self.open_until:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN

    def probing(self, now: dt.datetime, lease: dt.timedelta) -> Breaker:
        """The breaker while a half-open probe is in flight: open to everyone else until the probe's lease ends
        (if the prober dies, the breaker is half-open again then)."""
        return Breaker(self.consecutive_failures, now + lease)

    def after_success(self) -> Breaker:
        return Breaker(0, None)

    def after_failure(self, now: dt.datetime) -> Breaker:
        failures = self.consecutive_failures + 1
        if failures < BREAKER_THRESHOLD:
            return Breaker(failures, None)
        return Breaker(failures, now + open_for(failures))


def open_for(failures: int) -> dt.timedelta:
    """How long the breaker stays open after `failures` consecutive failures (at least the threshold)."""
    doublings = min(failures - BREAKER_THRESHOLD, 16)  # 2**16 minutes is far past the cap already
    return min(BREAKER_BASE * (2**doublings), BREAKER_MAX)
