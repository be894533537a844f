"""Read side of the working-day calendar: the loaded years with their sources, and one year's special days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tongban.exchange.model import CalendarYear, SpecialDay
from tongban.exchange.schedule import check_year
from tongban.identity.policy import Action, Actor
from tongban.identity.service import require


@dataclass(frozen=True)
class LoadedYear:
    """A loaded year: where its schedule comes from, who loaded it and when, and how many special days it has."""

    entry: CalendarYear
    holidays: int
    makeup_workdays: int


@dataclass(frozen=True)
class YearView:
    """One year as people read it: whether it is loaded and from where, and its special days in date order — those
    its schedule set, and those in the year that the next year's notice set (元旦 may start in December)."""

    year: int
    loaded: CalendarYear | None
    days: list[SpecialDay]
    years: list[LoadedYear]


def loaded_years(session: Session) -> list[LoadedYear]:
    """Every loaded year, newest first, with its counts of holidays and make-up working days."""
    counts: dict[tuple[int, str], int] = {
        (year, kind): n for year, kind, n in session.execute(
            select(SpecialDay.year, SpecialDay.kind, func.count()).group_by(SpecialDay.year, SpecialDay.kind))}
    return [LoadedYear(entry, counts.get((entry.year, "holiday"), 0), counts.get((entry.year, "makeup_workday"), 0))
            for entry in session.scalars(select(CalendarYear).order_by(CalendarYear.year.desc()))]


def view_year(session: Session, actor: Actor, year: int) -> YearView:
    """A year's schedule (empty and not loaded when nobody has loaded it) and the list of loaded years."""
    require(actor, Action.CALENDAR_READ, target_id=str(year), event="calendar.read")
    check_year(year)
    in_year = SpecialDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
    days = list(session.scalars(select(SpecialDay).where(or_(SpecialDay.year == year, in_year))
                                .order_by(SpecialDay.day)))
    return YearView(year, session.get(CalendarYear, year), days, loaded_years(session))
