"""Working days in China: public holidays and make-up working days (调休) from the loaded calendar, weekends only
where a year is not loaded — and then every result says it is an estimate. Pure, no I/O.

The convention for time limits: the day a request is submitted does not count; a limit of n working days ends at
the end of the n-th working day after it. ``working_days_between(a, b)`` counts the working days in (a, b] (negative
when b is before a), so ``working_days_between(start, add_working_days(start, n).due) == n``; with ``a`` today and
``b`` the due date it is the working days left (0: due today), with ``a`` the due date and ``b`` today a positive
value is how many working days a request is overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

ONE_DAY = dt.timedelta(days=1)
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")  # China has one time zone and no daylight saving


def today_in_china(now: dt.datetime | None = None) -> dt.date:
    """The date in China at ``now`` (default: the current time), which is what working days are counted in."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(CHINA_TIME).date()


class Deadline(NamedTuple):
    """The last day of a time limit, and whether a year it runs through has no loaded schedule (weekends only)."""

    due: dt.date
    estimated: bool


@dataclass(frozen=True)
class Calendar:
    """A snapshot of the working-day calendar: the years whose schedule is loaded and their special days."""

    loaded_years: frozenset[int] = frozenset()
    holidays: frozenset[dt.date] = frozenset()
    makeup_workdays: frozenset[dt.date] = frozenset()

    def is_loaded(self, year: int) -> bool:
        """Whether the year's schedule is loaded (otherwise its days are counted by weekends only)."""
        return year in self.loaded_years

    def is_working_day(self, day: dt.date) -> bool:
        """A listed holiday is not a working day, a listed make-up day is; any other day is one from Monday to
        Friday."""
        if day in self.holidays:
            return False
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The end of the n-th working day after ``start`` (``start`` itself does not count); estimated when a day
        between them lies in a year that is not loaded."""
        if n < 0:
            raise ValueError("a time limit cannot be negative")
        day, left = start, n
        while left:
            day += ONE_DAY
            if self.is_working_day(day):
                left -= 1
        return Deadline(day, bool(self.years_not_loaded(start, day)))

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """The working days in (a, b]; the negative count of those in (b, a] when b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count

    def years_not_loaded(self, a: dt.date, b: dt.date) -> list[int]:
        """The years not loaded among the days after the earlier date up to the later one (those counted)."""
        first, last = sorted((a, b))
        if first == last:
            return []
        return [year for year in range((first + ONE_DAY).year, last.year + 1) if year not in self.loaded_years]
