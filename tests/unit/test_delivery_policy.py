"""The retry schedule, Retry-After and the circuit breaker: pure rules, property-tested."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.delivery import policy
from runxin.platform.delivery.policy import Breaker, CircuitState

T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


class Extreme(random.Random):
    """Jitter always at one end."""

    def __init__(self, end: float) -> None:
        super().__init__(0)
        self.end = end

    def uniform(self, a: float, b: float) -> float:
        return a if self.end < 0 else b


def run_schedule(rng: random.Random, retry_after: dt.timedelta | None = None) -> list[dt.datetime]:
    """The times of every attempt of a delivery that always fails, until it is dead."""
    now, times = T0, [T0]
    attempts = 1
    while (when := policy.next_attempt_at(attempts, now=now, first_attempt_at=T0, retry_after=retry_after, rng=rng)) is not None:
        assert when >= now
        now = when
        times.append(now)
        attempts += 1
        assert attempts < 100, "the schedule never ends"
    return times


def test_the_schedule_spans_at_least_three_days_even_with_the_shortest_jitter() -> None:
    shortest = run_schedule(Extreme(-1))
    longest = run_schedule(Extreme(+1))
    assert shortest[-1] - T0 >= dt.timedelta(hours=72)
    assert policy.schedule_span(Extreme(-1)) < dt.timedelta(hours=72) <= policy.schedule_span(Extreme(+1))
    # The 72 h floor adds one last attempt when the jitter ran short; otherwise 1 + 10 retries
    assert len(shortest) == len(policy.SCHEDULE) + 2
    assert len(longest) == len(policy.SCHEDULE) + 1


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_any_jitter_gives_at_least_72_hours_and_then_death(seed: int) -> None:
    times = run_schedule(random.Random(seed))
    assert times[-1] - T0 >= dt.timedelta(hours=72)
    assert times[-1] - T0 <= dt.timedelta(hours=72) + dt.timedelta(hours=24) * 1.2 + dt.timedelta(hours=1)
    # And no attempt is made more than 20 % off its nominal delay
    for number, (before, after) in enumerate(itertools.pairwise(times[: len(policy.SCHEDULE) + 1]), start=1):
        nominal = policy.SCHEDULE[number - 1]
        assert nominal * 0.8 <= after - before <= nominal * 1.2


@given(st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=10 * 24 * 3600))
def test_death_needs_both_the_schedule_exhausted_and_72_hours(attempts: int, elapsed_seconds: int) -> None:
    now = T0 + dt.timedelta(seconds=elapsed_seconds)
    when = policy.next_attempt_at(attempts, now=now, first_attempt_at=T0, rng=random.Random(1))
    dead = when is None
    assert dead == (attempts > len(policy.SCHEDULE) and now - T0 >= policy.MIN_LIFETIME)


def test_retry_after_in_seconds_or_as_a_date_is_honoured_and_capped() -> None:
    assert policy.parse_retry_after("120", T0) == dt.timedelta(seconds=120)
    assert policy.parse_retry_after("Mon, 05 Jan 2026 08:10:00 GMT", T0) == dt.timedelta(minutes=10)
    assert policy.parse_retry_after("Mon, 05 Jan 2026 07:00:00 GMT", T0) == dt.timedelta(0)
    assert policy.parse_retry_after(str(7 * 24 * 3600), T0) == policy.RETRY_AFTER_CAP
    for junk in (None, "", "soon", "-5", "1.5"):
        assert policy.parse_retry_after(junk, T0) is None
    # The first retry is 5 s, but a receiver asking for 2 minutes gets 2 minutes
    when = policy.next_attempt_at(1, now=T0, first_attempt_at=T0, retry_after=dt.timedelta(seconds=120), rng=random.Random(1))
    assert when == T0 + dt.timedelta(seconds=120)
    # And a short Retry-After never brings a later retry forward
    when = policy.next_attempt_at(5, now=T0, first_attempt_at=T0, retry_after=dt.timedelta(seconds=1), rng=Extreme(-1))
    assert when == T0 + policy.SCHEDULE[4] * 0.8


def test_the_breaker_opens_after_five_failures_and_doubles_to_thirty_minutes() -> None:
    breaker = Breaker()
    for _ in range(policy.BREAKER_THRESHOLD - 1):
        breaker = breaker.after_failure(T0)
        assert breaker.state(T0) is CircuitState.CLOSED
    breaker = breaker.after_failure(T0)
    assert breaker.state(T0) is CircuitState.OPEN
    assert breaker.open_until == T0 + dt.timedelta(seconds=60)
    # Once the time is up it is half-open: one probe may go
    later = T0 + dt.timedelta(seconds=61)
    assert breaker.state(later) is CircuitState.HALF_OPEN
    probing = breaker.probing(later, dt.timedelta(seconds=40))
    assert probing.state(later) is CircuitState.OPEN  # everyone else waits for the probe
    # A failed probe opens it again for twice as long
    again = probing.after_failure(later)
    assert again.open_until == later + dt.timedelta(seconds=120)
    # ... up to 30 minutes
    for _ in range(20):
        again = again.after_failure(later)
    assert again.open_until == later + policy.BREAKER_MAX
    # A success closes it
    assert again.after_success() == Breaker(0, None)
    assert again.after_success().state(later) is CircuitState.CLOSED


@given(st.lists(st.booleans(), max_size=40))
def test_the_breaker_is_closed_exactly_when_the_last_failures_are_fewer_than_five(outcomes: list[bool]) -> None:
    breaker = Breaker()
    for ok in outcomes:
        breaker = breaker.after_success() if ok else breaker.after_failure(T0)
    run = 0
    for ok in reversed(outcomes):
        if ok:
            break
        run += 1
    assert breaker.consecutive_failures == run
    assert (breaker.state(T0) is CircuitState.CLOSED) == (run < policy.BREAKER_THRESHOLD)
    assert breaker.state(T0 + policy.BREAKER_MAX) is not CircuitState.OPEN
