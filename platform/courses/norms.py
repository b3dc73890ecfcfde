"""What the standard asks of one class in one term, from its teaching weeks.

- Mental-health class hours: `class_hours_per_week_required` per teaching week, a part hour counted
  whole: 19 weeks at 1 every 2 weeks need 10 hours (9.5 would leave the last fortnight without one).
- Class-meeting hours on mental health: `class_meeting_hours_per_month` for every complete month of
  teaching, a month being 4 teaching weeks: 19 weeks hold 4 such months and need 4 meetings.

The indicator statements (platform/indicators/courses.py) say the same in SQL; the tests hold the
two to each other.
"""

from __future__ import annotations

import math

from runxin.platform.standards import Standard

WEEKS_PER_MONTH = 4


def hours_required(teaching_weeks: int, standard: Standard) -> int:
    """Mental-health class hours a class owes for a term of `teaching_weeks`."""
    return math.ceil(teaching_weeks * standard.class_hours_per_week_required)


def meeting_hours_required(teaching_weeks: int, standard: Standard) -> int:
    """Class-meeting hours on mental health a class owes for a term of `teaching_weeks`."""
    return (teaching_weeks // WEEKS_PER_MONTH) * standard.class_meeting_hours_per_month


def term_meets_hours(teaching_weeks: int, hours: int, standard: Standard) -> bool:
    return hours >= hours_required(teaching_weeks, standard)


def term_meets_meetings(teaching_weeks: int, meeting_hours: int, standard: Standard) -> bool:
    return meeting_hours >= meeting_hours_required(teaching_weeks, standard)
