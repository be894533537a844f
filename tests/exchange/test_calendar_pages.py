"""The calendar page: the operator reads the loaded years and a year's days, loads a year from a CSV file (problems
listed by row and field), and computes a deadline; a department's staff read it but may not load (403); CSRF holds."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.exchange.conftest import SCHEDULE_2027, schedule_bytes
from tests.factories import PASSWORD, make_user
from tests.web.test_pages import csrf_token, login, text_of
from tongban.audit.model import AuditRecord
from tongban.audit.unit_of_work import transaction
from tongban.exchange import service
from tongban.exchange.model import CalendarYear
from tongban.identity.policy import Actor

NOTICE = "国办发明电〔2026〕x号"


def _as(client, session, role: str) -> str:  # type: ignore[no-untyped-def]
    """Log in as a new user of ``role``; returns the CSRF token of the session."""
    user = make_user(session, role)
    session.commit()
    assert login(client, user.username, PASSWORD).status_code == 303
    return csrf_token(client.get("/account").text)


def _load(client, token: str, data: bytes = b"", source: str = NOTICE):  # type: ignore[no-untyped-def]
    return client.post("/exchange/calendar", data={"csrf_token": token, "year": "2027", "source": source},
                       files={"file": ("2027.csv", data or schedule_bytes(), "text/csv")})


@pytest.fixture
def seeded(sessions):  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        service.seed_from_library(session, Actor.system("test"), [2025, 2026])


def test_the_operator_reads_a_year_in_chinese(client, session, seeded):
    _as(client, session, "operator")
    page = client.get("/exchange/calendar", params={"year": "2026"})
    assert page.status_code == 200
    text = text_of(page)
    assert "工作日日历" in text and "国庆节" in text and "调休上班" in text and "chinese-calendar" in text
    assert 'data-day="2026-10-10" data-kind="makeup_workday"' in page.text
    assert 'data-testid="load-form"' in page.text
    assert "<script" not in page.text.split("</header>", 1)[1]  # the CSP allows no inline script


def test_the_page_reads_in_english_too(client, session, seeded):
    _as(client, session, "operator")
    text = text_of(client.get("/exchange/calendar", params={"year": "2026", "lang": "en"}))
    assert "Working-day calendar" in text and "Make-up working day" in text and "Saturday" in text
    assert "工作日日历" not in text


def test_the_operator_loads_2027_and_the_deadline_is_no_longer_estimated(client, session, sessions, seeded):
    token = _as(client, session, "operator")
    query = {"from": "2026-12-25", "days": "10"}
    before = client.get("/exchange/calendar", params=query)
    assert 'data-testid="estimated"' in before.text and "2027-01-08" in text_of(before)
    assert "估算" in text_of(before)

    loaded = _load(client, token)
    assert loaded.status_code == 200, text_of(loaded)
    assert f"已从 {NOTICE} 载入 2027 年安排" in text_of(loaded)
    assert 'data-day="2027-02-20" data-kind="makeup_workday"' in loaded.text

    after = client.get("/exchange/calendar", params=query)
    assert 'data-testid="estimated"' not in after.text and "2027-01-11" in text_of(after)
    [event] = [r for r in _records(sessions) if r.outcome == "allowed"]
    assert event.target_id == "2027" and event.actor_kind == "user"


def test_a_bad_file_lists_each_problem_by_row_and_field_and_loads_nothing(client, session, sessions):
    token = _as(client, session, "operator")
    bad = SCHEDULE_2027 + "2027-13-01,节假日,元旦\n2027-01-02,节假日,元旦\n2027-01-04,补班,\n"
    answer = _load(client, token, bad.encode())
    assert answer.status_code == 422
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>", text_of(answer))
    assert rows == [("15", "日期", "2027-13-01 不是日期（应为 YYYY-MM-DD）"),
                    ("16", "日期", "2027-01-02 已在第 2 行列出"),
                    ("17", "类型", "补班 不是日期类型：请填写 节假日 或 调休上班（holiday 或 makeup_workday）")]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CalendarYear)) == 0
    assert [r.outcome for r in _records(sessions)] == ["failed"]


def test_an_upload_without_a_file_is_answered_in_the_form(client, session):
    token = _as(client, session, "operator")
    answer = client.post("/exchange/calendar", data={"csrf_token": token, "year": "2027", "source": ""},
                         files={"file": ("", b"", "application/octet-stream")})
    assert answer.status_code == 422 and "请选择放假安排的 CSV 文件" in text_of(answer)


def test_a_department_user_reads_the_calendar_but_may_not_load(client, session, sessions, seeded):
    token = _as(client, session, "data_admin")
    page = client.get("/exchange/calendar")
    assert page.status_code == 200 and 'data-testid="load-form"' not in page.text
    refused = _load(client, token)
    assert refused.status_code == 403 and "您的角色无权执行此操作" in text_of(refused)
    with sessions() as s:
        assert s.get(CalendarYear, 2027) is None
    [event] = _records(sessions)
    assert event.outcome == "denied"


def test_a_citizen_may_not_open_the_calendar(client, session):
    _as(client, session, "citizen")
    assert client.get("/exchange/calendar").status_code == 403


def test_a_load_without_the_csrf_token_is_refused(client, session, sessions):
    _as(client, session, "operator")
    refused = _load(client, "not-the-token")
    assert refused.status_code == 403
    with sessions() as s:
        assert s.get(CalendarYear, 2027) is None


def test_the_deadline_form_says_what_is_wrong(client, session, seeded):
    _as(client, session, "operator")
    wrong = client.get("/exchange/calendar", params={"from": "2026-02-30", "days": "10"})
    assert wrong.status_code == 200 and 'data-testid="deadline-error"' in wrong.text
    assert "2026-02-30 不是日期" in text_of(wrong)
    too_long = client.get("/exchange/calendar", params={"from": "2026-09-24", "days": "9999"})
    assert 'data-testid="deadline-error"' in too_long.text
    national_day = client.get("/exchange/calendar", params={"from": "2026-09-24", "days": "10"})
    assert "2026-10-15 (星期四)" in text_of(national_day) and 'data-testid="estimated"' not in national_day.text


def _records(sessions):  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == "calendar.load")
                              .order_by(AuditRecord.seq)))
