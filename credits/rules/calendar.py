"""Working days for the public-notice period (公示): weekends and holidays excluded, make-up days included."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def is_working_day(day: dt.date, *, holidays: Iterable[dt.date] = (),
                   extra_working_days: Iterable[dt.date] = ()) -> bool:
    """Monday to Friday unless a holiday; a listed make-up day (调休) works even on a weekend."""
    if day in set(extra_working_days):
        return True
    return day.weekday() < 5 and day not in set(holidays)


def notice_end(start: dt.date, days: int, *, holidays: Iterable[dt.date] = (),
               extra_working_days: Iterable[dt.date] = ()) -> dt.date:
    """The last day of a notice of `days` working days posted on `start` (counting from the next working day)."""
    holidays, extra = frozenset(holidays), frozenset(extra_working_days)
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays=holidays, extra_working_days=extra):
            left -= 1
    return day
