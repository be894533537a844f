"""Working-day arithmetic without a database: 国庆节 and 春节 2026 with their make-up working days, a year end into a
2027 that is not loaded (weekends only, estimated), and properties that hold for any calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.exchange.conftest import library_calendar
from tongban.exchange.workdays import Calendar, Deadline, today_in_china

D = dt.date.fromisoformat


# 国庆节 2026: holidays 1–7 October (and 中秋节 25–27 September); Sunday 20 September and Saturday 10 October worked.

def test_national_day_2026_is_skipped_and_its_make_up_saturday_counts(cal_2026):
    assert not cal_2026.is_working_day(D("2026-10-01")) and not cal_2026.is_working_day(D("2026-10-07"))
    assert cal_2026.is_working_day(D("2026-10-10"))  # a Saturday worked in lieu
    assert cal_2026.is_working_day(D("2026-09-20"))  # a Sunday worked in lieu
    assert not cal_2026.is_working_day(D("2026-09-25"))  # 中秋节, a Friday
    # Thursday 24 September: 28, 29, 30 Sept, then 8, 9, 10 (Sat), 12, 13, 14, 15 Oct
    assert cal_2026.add_working_days(D("2026-09-24"), 10) == Deadline(D("2026-10-15"), False)


@pytest.mark.parametrize("start,n,due", [
    ("2026-09-30", 1, "2026-10-08"),  # the holiday week is skipped
    ("2026-10-09", 1, "2026-10-10"),  # Friday → the make-up Saturday
    ("2026-09-19", 1, "2026-09-20"),  # Saturday → the make-up Sunday
    ("2026-10-10", 1, "2026-10-12"),  # submitted on a make-up day: it does not count, Sunday is off
    ("2026-10-03", 0, "2026-10-03"),  # no time at all
])
def test_single_steps_around_national_day(cal_2026, start, n, due):
    assert cal_2026.add_working_days(D(start), n) == Deadline(D(due), False)


def test_spring_festival_2026_and_its_two_make_up_saturdays(cal_2026):
    # Friday 13 February: Sat 14 (make-up), 15–23 off, 24, 25, 26, 27, Sat 28 (make-up), 2, 3, 4, 5 March
    assert cal_2026.add_working_days(D("2026-02-13"), 10) == Deadline(D("2026-03-05"), False)
    assert cal_2026.working_days_between(D("2026-02-13"), D("2026-03-05")) == 10


def test_into_a_year_not_loaded_only_weekends_count_and_the_deadline_is_estimated(cal_2026):
    # Friday 25 December 2026: 28–31 December, then 1 January 2027 (a Friday, counted: 2027 is not loaded) and 4–8
    result = cal_2026.add_working_days(D("2026-12-25"), 10)
    assert result == Deadline(D("2027-01-08"), True)
    assert cal_2026.years_not_loaded(D("2026-12-25"), result.due) == [2027]
    assert not cal_2026.is_loaded(2027) and cal_2026.is_working_day(D("2027-01-01"))
    assert not cal_2026.is_working_day(D("2027-01-02"))  # Saturday


def test_a_deadline_that_stays_in_loaded_years_is_not_estimated_even_near_the_year_end(cal_2026):
    assert cal_2026.add_working_days(D("2026-12-24"), 5) == Deadline(D("2026-12-31"), False)
    assert cal_2026.add_working_days(D("2026-12-31"), 0) == Deadline(D("2026-12-31"), False)
    assert cal_2026.add_working_days(D("2026-12-31"), 1).estimated


def test_days_left_and_days_overdue(cal_2026):
    due = cal_2026.add_working_days(D("2026-09-24"), 10).due
    assert cal_2026.working_days_between(D("2026-10-09"), due) == 5  # left: 10 (Sat), 12, 13, 14, 15
    assert cal_2026.working_days_between(due, due) == 0  # due today
    assert cal_2026.working_days_between(due, D("2026-10-19")) == 2  # overdue by Friday 16 and Monday 19


def test_a_negative_limit_is_refused(cal_2026):
    with pytest.raises(ValueError):
        cal_2026.add_working_days(D("2026-01-05"), -1)


def test_today_is_the_date_in_china():
    late_utc = dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 January in Beijing
    assert today_in_china(late_utc) == D("2027-01-01")


# Properties --------------------------------------------------------------------------------------------------------

WINDOW = (D("2025-01-01"), D("2027-12-31"))
dates = st.dates(*WINDOW)
limits = st.integers(min_value=0, max_value=60)
LIBRARY = library_calendar(2025, 2026)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    """Any calendar: some years loaded, holidays on any day, make-up days on weekends."""
    loaded = draw(st.frozensets(st.sampled_from([2025, 2026, 2027])))
    holidays = draw(st.frozensets(dates, max_size=60))
    weekends = dates.filter(lambda d: d.weekday() >= 5)
    makeup = draw(st.frozensets(weekends, max_size=15)) - holidays
    return Calendar(loaded, holidays, makeup)


any_calendar = st.one_of(st.just(LIBRARY), calendars())


@settings(max_examples=150, deadline=None)
@given(cal=any_calendar, start=dates, n=limits)
def test_counting_back_from_the_deadline_gives_the_limit(cal, start, n):
    due = cal.add_working_days(start, n).due
    assert cal.working_days_between(start, due) == n
    assert cal.working_days_between(due, start) == -n


@settings(max_examples=150, deadline=None)
@given(cal=any_calendar, start=dates, n=st.integers(min_value=1, max_value=60))
def test_the_deadline_is_a_working_day_after_the_submission(cal, start, n):
    due = cal.add_working_days(start, n).due
    assert due > start and cal.is_working_day(due)
    assert cal.working_days_between(start, due - dt.timedelta(days=1)) == n - 1  # the first day that reaches n


@settings(max_examples=150, deadline=None)
@given(cal=any_calendar, a=dates, b=dates, n=limits, m=limits)
def test_add_working_days_is_monotone_in_the_start_and_the_limit(cal, a, b, n, m):
    first, second = sorted((a, b))
    assert cal.add_working_days(first, n).due <= cal.add_working_days(second, n).due
    assert cal.add_working_days(first, min(n, m)).due <= cal.add_working_days(first, max(n, m)).due


@settings(max_examples=150, deadline=None)
@given(cal=any_calendar, a=dates, b=dates, c=dates)
def test_working_days_between_adds_up(cal, a, b, c):
    assert cal.working_days_between(a, b) + cal.working_days_between(b, c) == cal.working_days_between(a, c)


@settings(max_examples=150, deadline=None)
@given(cal=any_calendar, start=dates, n=limits)
def test_estimated_exactly_when_a_counted_day_lies_in_a_year_not_loaded(cal, start, n):
    result = cal.add_working_days(start, n)
    counted = {(start + dt.timedelta(days=k)).year for k in range(1, (result.due - start).days + 1)}
    assert result.estimated is any(year not in cal.loaded_years for year in counted)


@settings(max_examples=100, deadline=None)
@given(start=dates, n=limits)
def test_where_nothing_is_loaded_only_weekends_are_off(start, n):
    cal = Calendar()
    due = cal.add_working_days(start, n)
    weekdays = sum((start + dt.timedelta(days=k)).weekday() < 5 for k in range(1, (due.due - start).days + 1))
    assert weekdays == n and due.estimated is (n > 0)
