"""Use cases of the working-day calendar: seed years from the chinese-calendar library, load a year's schedule from
the operator's file when the State Council announces it, and read the calendar for the arithmetic of time limits.
They never commit; each load is audited in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.db import utcnow
from tongban.errors import FieldError, InvalidInput
from tongban.exchange import schedule
from tongban.exchange.model import CalendarYear, SpecialDay
from tongban.exchange.workdays import Calendar
from tongban.identity.policy import Action, Actor
from tongban.identity.service import actor_ref, require

SOURCE_LENGTH = 200


def may_load(actor: Actor, year: int | None = None) -> None:
    """Refuse (audited) unless ``actor`` may load a year's schedule — for a page that refuses an upload before
    reading it."""
    require(actor, Action.CALENDAR_LOAD, target_id=None if year is None else str(year), event="calendar.load")


def snapshot(session: Session) -> Calendar:
    """The whole calendar as it is now, for ``add_working_days`` and ``working_days_between``."""
    years = frozenset(session.scalars(select(CalendarYear.year)))
    holidays, makeup = set(), set()
    for day, kind in session.execute(select(SpecialDay.day, SpecialDay.kind)):
        (holidays if kind == schedule.HOLIDAY else makeup).add(day)
    return Calendar(years, frozenset(holidays), frozenset(makeup))


def seed_from_library(session: Session, actor: Actor, years: Iterable[int] | None = None) -> list[int]:
    """Load the chinese-calendar library's schedule for every year it covers (or the years named) that is not
    loaded yet — a year the operator loaded is never overwritten; returns the years seeded."""
    require(actor, Action.CALENDAR_LOAD, target_id="library", event="calendar.seed")
    covered = schedule.library_years()
    wanted = sorted(covered if years is None else set(years))
    missing = [year for year in wanted if year not in covered]
    if missing:
        raise InvalidInput("{source} has no schedule for {years}: load it from the State Council's notice",
                           code="calendar.not_in_library",
                           params={"source": schedule.library_source(), "years": ", ".join(map(str, missing))},
                           errors=[FieldError("year", "is not in {source}", {"source": schedule.library_source()},
                                              code="calendar.not_in_library")])
    loaded = set(session.scalars(select(CalendarYear.year)))
    seeded = [year for year in wanted if year not in loaded]
    for year in seeded:
        _replace(session, year, schedule.library_days(year), source=schedule.library_source(), by=actor.name)
    if seeded:
        record(session, AuditEvent("calendar.seed", actor_ref(actor), target_type="calendar",
                                   target_id=f"{seeded[0]}-{seeded[-1]}",
                                   details={"years": seeded, "source": schedule.library_source()}))
    return seeded


def load_year(session: Session, actor: Actor, year: int, rows: Sequence[Mapping[str, str]], *,
              source: str) -> CalendarYear:
    """Replace one year's schedule with the rows of the operator's file (日期, 类型, 名称), every row checked first:
    the whole file is loaded or, naming each problem's row, field and rule, none of it."""
    may_load(actor, year)
    source = " ".join(source.split())
    try:
        schedule.check_year(year)
        if not source or len(source) > SOURCE_LENGTH:
            raise InvalidInput("Say where the schedule comes from (the notice, at most {max} characters)",
                               code="calendar.source", params={"max": SOURCE_LENGTH},
                               errors=[FieldError("source", "is required, at most {max} characters",
                                                  {"max": SOURCE_LENGTH}, code="calendar.source")])
        days = schedule.check_rows(year, rows)
    except InvalidInput as exc:
        exc.audit = _failed(actor, year, source, exc)
        raise
    previous = session.get(CalendarYear, year)
    replaced = previous.source if previous is not None else None
    entry = _replace(session, year, days, source=source, by=actor.name)
    record(session, AuditEvent("calendar.load", actor_ref(actor), target_type="calendar_year", target_id=str(year),
                               details={"source": source, "replaced": replaced,
                                        "holidays": sum(d.kind == schedule.HOLIDAY for d in days),
                                        "makeup_workdays": sum(d.kind == schedule.MAKEUP_WORKDAY for d in days)}))
    return entry


def load_file(session: Session, actor: Actor, year: int, data: bytes, filename: str, *,
              source: str | None = None) -> CalendarYear:
    """Load a year's schedule from the bytes of the operator's CSV file (``load_year``); the source defaults to the
    file's name. A file that is not a schedule is refused, and the refusal audited, before any row is read."""
    may_load(actor, year)
    try:
        rows = schedule.read_csv(data, filename)
    except InvalidInput as exc:
        exc.audit = _failed(actor, year, source or filename, exc)
        raise
    return load_year(session, actor, year, rows, source=source or filename)


def _failed(actor: Actor, year: int, source: str, exc: InvalidInput) -> AuditEvent:
    return AuditEvent("calendar.load", actor_ref(actor), "failed", "calendar_year", str(year),
                      details={"source": source, "rules": sorted({e.code or exc.code for e in exc.errors})
                               or [exc.code]})


def _replace(session: Session, year: int, days: Sequence[schedule.Day], *, source: str, by: str) -> CalendarYear:
    """The year's days become ``days``; a day another year's schedule had set is taken over (the later notice)."""
    dates = [d.day for d in days]
    session.execute(delete(SpecialDay).where(or_(SpecialDay.year == year, SpecialDay.day.in_(dates))))
    entry = session.get(CalendarYear, year)
    if entry is None:
        entry = CalendarYear(year=year)
        session.add(entry)
    entry.source, entry.loaded_at, entry.loaded_by = source, utcnow(), by
    session.flush()
    session.add_all(SpecialDay(day=d.day, year=year, kind=d.kind, name=d.name) for d in days)
    session.flush()
    return entry
