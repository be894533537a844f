"""The calendar's use cases on SQLite and PostgreSQL: seeded from chinese-calendar without overwriting what the
operator loaded, a year loaded from the operator's file (replacing it, audited), refusals audited too, and the
snapshot the arithmetic reads — a deadline into 2027 estimated before 2027 is loaded and exact after."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.exchange.conftest import DATA_ADMIN, OPERATOR, SCHEDULE_2027, schedule_bytes
from tongban.audit.model import AuditRecord
from tongban.audit.unit_of_work import transaction
from tongban.errors import InvalidInput, PermissionDenied
from tongban.exchange import queries, schedule, service
from tongban.exchange.model import CalendarYear, SpecialDay
from tongban.exchange.workdays import Deadline

D = dt.date.fromisoformat
NOTICE = "国务院办公厅关于2027年部分节假日安排的通知 国办发明电〔2026〕x号"


def _audit(sessions, action):  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)))


@pytest.fixture
def seeded(sessions):  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        return service.seed_from_library(session, OPERATOR)


def test_seeding_loads_every_year_the_library_covers_once(sessions, seeded):
    assert seeded[-1] == 2026 and set(seeded) == schedule.library_years()
    with transaction(sessions) as session:
        assert service.seed_from_library(session, OPERATOR) == []  # idempotent
        entry = session.get(CalendarYear, 2026)
        assert entry is not None and entry.source == schedule.library_source() and entry.loaded_by == "operator-test"
        national = session.get(SpecialDay, D("2026-10-01"))
        assert (national.kind, national.name, national.year) == ("holiday", "国庆节", 2026)
    [event] = _audit(sessions, "calendar.seed")
    assert event.outcome == "allowed" and event.details["years"] == seeded


def test_the_snapshot_counts_national_day_and_spring_festival_2026(sessions, seeded):
    with sessions() as session:
        cal = service.snapshot(session)
    assert cal.add_working_days(D("2026-09-24"), 10) == Deadline(D("2026-10-15"), False)
    assert cal.add_working_days(D("2026-02-13"), 10) == Deadline(D("2026-03-05"), False)


def test_a_deadline_into_2027_is_estimated_until_2027_is_loaded_from_the_notice(sessions, seeded):
    with sessions() as session:
        assert service.snapshot(session).add_working_days(D("2026-12-25"), 10) == Deadline(D("2027-01-08"), True)
    with transaction(sessions) as session:
        entry = service.load_file(session, OPERATOR, 2027, schedule_bytes(), "2027.csv", source=NOTICE)
        assert (entry.year, entry.source) == (2027, NOTICE)
    with sessions() as session:
        cal = service.snapshot(session)
    # 1 January 2027 is now a holiday: 28–31 December, 4–8 and 11 January
    assert cal.add_working_days(D("2026-12-25"), 10) == Deadline(D("2027-01-11"), False)
    assert cal.is_working_day(D("2027-01-30")) and not cal.is_working_day(D("2027-02-08"))
    [event] = _audit(sessions, "calendar.load")
    assert (event.outcome, event.target_id, event.actor_name) == ("allowed", "2027", "operator-test")
    assert event.details == {"source": NOTICE, "replaced": None, "holidays": 12, "makeup_workdays": 2}


def test_loading_a_year_again_replaces_its_schedule_and_a_later_seed_keeps_it(sessions, seeded):
    corrected = "日期,类型,名称\n2026-10-01,节假日,国庆节\n2026-10-02,节假日,国庆节\n"
    with transaction(sessions) as session:
        service.load_file(session, OPERATOR, 2026, corrected.encode(), "2026-corrected.csv")
    with transaction(sessions) as session:
        assert service.seed_from_library(session, OPERATOR) == []
        assert session.get(CalendarYear, 2026).source == "2026-corrected.csv"  # the file's name by default
        assert session.scalar(select(func.count()).select_from(SpecialDay).where(SpecialDay.year == 2026)) == 2
        cal = service.snapshot(session)
    assert cal.is_working_day(D("2026-10-05")) and not cal.is_working_day(D("2026-10-10"))  # as the file says
    [event] = _audit(sessions, "calendar.load")
    assert event.details["replaced"] == schedule.library_source()


def test_a_notice_that_moves_the_last_days_of_december_takes_them_over(sessions):
    with transaction(sessions) as session:
        service.seed_from_library(session, OPERATOR, [2022])
        service.load_file(session, OPERATOR, 2023, "日期,类型,名称\n2022-12-31,节假日,元旦\n2023-01-02,节假日,元旦\n"
                          .encode(), "2023.csv")
    with sessions() as session:
        moved = session.get(SpecialDay, D("2022-12-31"))
        assert moved.year == 2023
        view = queries.view_year(session, OPERATOR, 2022)
        assert D("2022-12-31") in [d.day for d in view.days]  # still shown in its own year, set by 2023's notice
        assert session.get(CalendarYear, 2022) is not None


def test_a_bad_file_loads_nothing_and_its_failure_is_audited(sessions, seeded):
    bad = SCHEDULE_2027 + "2027-13-01,节假日,元旦\n2028-01-01,节假日,元旦\n2027-01-01,节假日,元旦\n2027-01-06,补班,\n"
    with pytest.raises(InvalidInput) as caught, transaction(sessions) as session:
        service.load_file(session, OPERATOR, 2027, bad.encode(), "2027.csv", source=NOTICE)
    assert [(e.row, e.field, e.code) for e in caught.value.errors] == [
        (15, "date", "calendar.date_format"), (16, "date", "calendar.date_outside_year"),
        (17, "date", "calendar.duplicate_date"), (18, "kind", "calendar.unknown_kind")]
    with sessions() as session:
        assert session.get(CalendarYear, 2027) is None
        assert session.scalar(select(func.count()).select_from(SpecialDay).where(SpecialDay.year == 2027)) == 0
    [event] = _audit(sessions, "calendar.load")
    assert event.outcome == "failed" and event.details["rules"] == [
        "calendar.date_format", "calendar.date_outside_year", "calendar.duplicate_date", "calendar.unknown_kind"]


def test_a_file_with_a_bad_header_is_refused_and_audited(sessions):
    with pytest.raises(InvalidInput), transaction(sessions) as session:
        service.load_file(session, OPERATOR, 2027, "日期,备注\n2027-01-01,元旦\n".encode(), "2027.csv")
    [event] = _audit(sessions, "calendar.load")
    assert event.outcome == "failed" and set(event.details["rules"]) == {"calendar.unknown_column",
                                                                          "calendar.missing_column"}


def test_only_the_platform_operator_may_load_and_a_refusal_is_audited(sessions):
    with pytest.raises(PermissionDenied), transaction(sessions) as session:
        service.load_file(session, DATA_ADMIN, 2027, schedule_bytes(), "2027.csv")
    with pytest.raises(PermissionDenied), transaction(sessions) as session:
        service.seed_from_library(session, DATA_ADMIN)
    assert [e.outcome for e in _audit(sessions, "calendar.load")] == ["denied"]
    assert [e.outcome for e in _audit(sessions, "calendar.seed")] == ["denied"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CalendarYear)) == 0


def test_a_year_the_library_does_not_cover_cannot_be_seeded(sessions):
    with pytest.raises(InvalidInput) as caught, transaction(sessions) as session:
        service.seed_from_library(session, OPERATOR, [2026, 2031])
    assert caught.value.code == "calendar.not_in_library" and caught.value.params["years"] == "2031"


def test_a_source_is_required(sessions):
    with pytest.raises(InvalidInput) as caught, transaction(sessions) as session:
        service.load_year(session, OPERATOR, 2027, [{"date": "2027-01-01", "kind": "节假日"}], source="  ")
    assert caught.value.code == "calendar.source"


def test_the_year_view_lists_loaded_years_with_their_counts(sessions, seeded):
    with transaction(sessions) as session:
        service.load_file(session, OPERATOR, 2027, schedule_bytes(), "2027.csv", source=NOTICE)
    with sessions() as session:
        view = queries.view_year(session, DATA_ADMIN, 2027)
        assert view.loaded is not None and view.loaded.source == NOTICE
        assert [d.day for d in view.days][:2] == [D("2027-01-01"), D("2027-01-02")]
        assert (view.years[0].entry.year, view.years[0].holidays, view.years[0].makeup_workdays) == (2027, 12, 2)
        assert queries.view_year(session, DATA_ADMIN, 2030).loaded is None
