"""The working-day calendar's fixtures: the library's 2026, a 2027 schedule as the operator would type it from the
State Council's notice, and actors of the roles that may and may not load it."""

from __future__ import annotations

import pytest

from tongban.exchange import schedule
from tongban.exchange.workdays import Calendar
from tongban.identity.policy import Actor, Role

# A made-up 2027 schedule (the real one is announced in late 2026): 元旦 on Friday 1 January with the weekend,
# 春节 from Friday 5 to Saturday 13 February with two make-up Saturdays around it.
SCHEDULE_2027 = """日期,类型,名称
2027-01-01,节假日,元旦
2027-01-02,节假日,元旦
2027-01-03,节假日,元旦
2027-01-30,调休上班,春节
2027-02-05,节假日,春节
2027-02-06,节假日,春节
2027-02-07,节假日,春节
2027-02-08,节假日,春节
2027-02-09,节假日,春节
2027-02-10,节假日,春节
2027-02-11,节假日,春节
2027-02-12,节假日,春节
2027-02-13,节假日,春节
2027-02-20,调休上班,春节
"""

OPERATOR = Actor("user", 901, "operator-test", Role.OPERATOR, 1)
DATA_ADMIN = Actor("user", 902, "dataadmin-test", Role.DATA_ADMIN, 2)


def schedule_bytes(text: str = SCHEDULE_2027, encoding: str = "utf-8-sig") -> bytes:
    """A schedule file as Excel or a text editor would save it."""
    return text.replace("\n", "\r\n").encode(encoding)


def library_calendar(*years: int) -> Calendar:
    """A calendar snapshot of the library's schedule for ``years`` (no database)."""
    days = [d for year in years for d in schedule.library_days(year)]
    return Calendar(frozenset(years), frozenset(d.day for d in days if d.kind == schedule.HOLIDAY),
                    frozenset(d.day for d in days if d.kind == schedule.MAKEUP_WORKDAY))


@pytest.fixture(scope="session")
def cal_2026() -> Calendar:
    """2025 and 2026 loaded from chinese-calendar, 2027 not."""
    return library_calendar(2025, 2026)
