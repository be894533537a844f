"""Slow-down and lock-out after failed logins. Pure: failure times in, a Throttle out."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.identity.throttle import LOCK_AFTER, LOCK_FOR, WINDOW, Throttle, throttle

NOW = dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.UTC)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def failures_ago(*ages_in_minutes: float) -> list[dt.datetime]:
    return [NOW - minutes(age) for age in ages_in_minutes]


def test_the_rule_is_five_failures_within_fifteen_minutes_lock_for_fifteen_minutes():
    assert (LOCK_AFTER, WINDOW, LOCK_FOR) == (5, minutes(15), minutes(15))


def test_no_failures_means_no_delay_and_no_lock():
    assert throttle([], NOW) == Throttle(0.0, None)


@pytest.mark.parametrize("count,factor", [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0)])
def test_the_slow_down_factor_doubles_with_each_recent_failure(count, factor):
    assert throttle(failures_ago(*range(count)), NOW) == Throttle(factor, None)


@given(st.lists(st.integers(min_value=0, max_value=60 * 60), max_size=30))
def test_the_slow_down_factor_never_exceeds_eight(ages_in_seconds):
    state = throttle([NOW - dt.timedelta(seconds=s) for s in ages_in_seconds], NOW)
    assert 0.0 <= state.delay_factor <= 8.0


@pytest.mark.parametrize("ages", [(0, 0, 0, 0, 0), (0, 1, 2, 3, 4), (1, 4, 8, 11, 14.9)],
                         ids=["burst", "one-a-minute", "spread"])
def test_five_failures_within_fifteen_minutes_lock_the_account(ages):
    state = throttle(failures_ago(*ages), NOW)
    assert state.locked_until is not None and state.locked_until > NOW
    assert state.delay_factor == 0.0


def test_the_lock_lasts_fifteen_minutes_from_the_fifth_failure():
    fifth = NOW - minutes(2)
    state = throttle(failures_ago(6, 5, 4, 3, 2), NOW)
    assert state.locked_until == fifth + LOCK_FOR


@pytest.mark.parametrize("later", [minutes(1), minutes(10), minutes(12.9)])
def test_the_account_stays_locked_until_the_lock_expires(later):
    failures = failures_ago(14, 10, 6, 3, 2)  # the fifth, two minutes ago, locks until 13 minutes from now
    assert throttle(failures, NOW + later).locked_until == NOW + minutes(13)


@pytest.mark.parametrize("later", [minutes(13), minutes(16), minutes(60)])
def test_the_lock_expires(later):
    failures = failures_ago(14, 10, 6, 3, 2)
    assert throttle(failures, NOW + later).locked_until is None


@given(st.lists(st.integers(min_value=0, max_value=45 * 60), min_size=LOCK_AFTER, max_size=12),
       st.integers(min_value=0, max_value=40 * 60))
def test_a_lock_holds_at_every_moment_until_the_time_it_names(ages_in_seconds, wait_seconds):
    failures = [NOW - dt.timedelta(seconds=s) for s in ages_in_seconds]
    state = throttle(failures, NOW)
    if state.locked_until is None:
        return
    later = NOW + dt.timedelta(seconds=wait_seconds)
    expected = state.locked_until if later < state.locked_until else None
    assert throttle(failures, later).locked_until == expected


@pytest.mark.parametrize("ages", [(20, 20, 20, 20, 0), (16, 17, 18, 19, 0), (15, 15, 15, 15, 0)],
                         ids=["four-long-ago", "four-just-outside", "four-on-the-edge"])
def test_failures_older_than_the_window_do_not_count(ages):
    assert throttle(failures_ago(*ages), NOW) == Throttle(1.0, None)


def test_five_failures_spread_over_more_than_the_window_do_not_lock():
    assert throttle(failures_ago(16, 10, 6, 3, 0), NOW) == Throttle(8.0, None)
    assert throttle(failures_ago(20, 10, 6, 3, 0), NOW) == Throttle(8.0, None)


def test_the_order_of_the_failures_does_not_matter():
    ages = (3, 0, 14, 7, 1)
    assert throttle(failures_ago(*ages), NOW) == throttle(failures_ago(*sorted(ages)), NOW)
