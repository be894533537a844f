"""The pages: a citizen reads 我的数据使用记录 (in Chinese, by year, paged) and sees only their own accesses; a data
admin asks for a hold on one of the department's accesses, the operator approves it, and the citizen no longer sees
the access; staff have no data-use record; forms check CSRF."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.exchange.test_datause import call, city, person  # noqa: F401  (city is a fixture)
from tests.factories import PASSWORD
from tests.web.test_pages import audit_records, csrf_token, login, text_of
from tongban.exchange.workdays import today_in_china
from tongban.identity.model import User


def _as(client: Any, user: User) -> str:
    """Log in as ``user``; returns the session's CSRF token."""
    assert login(client, user.username, PASSWORD).status_code == 303
    return csrf_token(client.get("/account").text)


@pytest.fixture
def accesses(session: Session, city: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    alice, bob = city["alice"], city["bob"]
    city["mine"] = call(session, city["housing"], city["resource"], [alice.id_number], purpose="住房补贴资格核验",
                        case_ref="ZF2026-0042", official="li.si")
    city["theirs"] = call(session, city["housing"], city["resource"], [bob.id_number], case_ref="ZF2026-0999")
    city["admin"] = person(session, "data_admin", city["housing"])
    city["operator"] = person(session, "operator")
    session.commit()
    return city


def test_a_citizen_reads_their_record_in_chinese(client, accesses):
    _as(client, accesses["alice"])
    page = client.get("/me/data-use")
    assert page.status_code == 200
    text = text_of(page)
    assert "我的数据使用记录" in text and "上海市住房和城乡建设管理委员会" in text and "li.si" in text
    assert "户籍人口基本信息" in text and "姓名、户籍地址" in text
    assert "住房补贴资格核验" in text and "ZF2026-0042" in text and "12345" in text
    assert f'data-seq="{accesses["mine"].seq}"' in page.text
    assert "ZF2026-0999" not in text and f'data-seq="{accesses["theirs"].seq}"' not in page.text
    assert accesses["alice"].id_number not in text  # the page shows the number masked
    assert "<script" not in page.text.split("</header>", 1)[1]


def test_the_record_pages_and_filters_by_year(client, session, accesses):
    alice = accesses["alice"]
    for n in range(25):
        call(session, accesses["police"], accesses["resource"], [alice.id_number], case_ref=f"GA-{n:02d}",
             at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n))
    session.commit()
    _as(client, alice)
    first = text_of(client.get("/me/data-use", params={"year": "2025"}))
    assert "25 次" in first and "GA-24" in first and "GA-04" not in first and "ZF2026-0042" not in first
    second = client.get("/me/data-use", params={"year": "2025", "page": "2"})
    assert "GA-04" in text_of(second) and "GA-05" not in text_of(second)
    assert 'rel="prev"' in second.text and "year=2025" in second.text
    english = text_of(client.get("/me/data-use", params={"lang": "en"}))
    assert "My data-use record" in english and "26 accesses" in english


def test_staff_have_no_data_use_record_and_visitors_must_log_in(client, accesses):
    assert client.get("/me/data-use", follow_redirects=False).status_code == 303
    _as(client, accesses["admin"])
    assert client.get("/me/data-use").status_code == 403


def test_a_held_access_disappears_once_the_operator_approves(client, accesses):
    seq = accesses["mine"].seq
    until = (today_in_china() + dt.timedelta(days=60)).isoformat()
    token = _as(client, accesses["admin"])
    page = client.get("/exchange/holds")
    assert page.status_code == 200 and f'data-seq="{seq}"' in page.text and "ZF2026-0042" in text_of(page)
    asked = client.post("/exchange/holds", data={"csrf_token": token, "seq": str(seq), "reason": "涉嫌骗补，正在调查",
                                                 "legal_basis": "《个人信息保护法》第三十五条", "hidden_until": until})
    assert asked.status_code == 200 and f"已申请延迟告知记录 {seq}" in text_of(asked)
    [hold_id] = [int(part.split('"')[1]) for part in asked.text.split("data-hold=")[1:]]

    client.cookies.clear()
    _as(client, accesses["alice"])
    assert f'data-seq="{seq}"' in client.get("/me/data-use").text  # requested, not approved: still shown

    client.cookies.clear()
    token = _as(client, accesses["operator"])
    holds = client.get("/exchange/holds")
    assert f'data-testid="decide-{hold_id}"' in holds.text and "涉嫌骗补，正在调查" in text_of(holds)
    decided = client.post(f"/exchange/holds/{hold_id}/decide", data={"csrf_token": token, "decision": "approve"})
    assert decided.status_code == 200 and 'data-status="approved"' in decided.text

    client.cookies.clear()
    _as(client, accesses["alice"])
    assert f'data-seq="{seq}"' not in client.get("/me/data-use").text


def test_a_hold_form_with_problems_names_each_field(client, accesses):
    token = _as(client, accesses["admin"])
    response = client.post("/exchange/holds", data={"csrf_token": token, "seq": str(accesses["mine"].seq),
                                                    "reason": "", "legal_basis": "",
                                                    "hidden_until": "2099-01-01"})
    assert response.status_code == 422
    text = text_of(response)
    assert "理由" in text and "法律依据" in text and "告知日期" in text
    assert client.post("/exchange/holds", data={"csrf_token": token, "seq": "1", "hidden_until": "not-a-date"}
                       ).status_code == 422


def test_another_departments_admin_cannot_hold_the_access(client, session, sessions, accesses):
    other = person(session, "data_admin", accesses["police"])
    session.commit()
    token = _as(client, other)
    response = client.post("/exchange/holds", data={"csrf_token": token, "seq": str(accesses["mine"].seq),
                                                    "reason": "x", "legal_basis": "y",
                                                    "hidden_until": (today_in_china() + dt.timedelta(days=9)).isoformat()})
    assert response.status_code == 403
    [denial] = audit_records(sessions, "datause.hold", outcome="denied")
    assert denial.target_id == str(accesses["mine"].seq) and denial.actor_id == str(other.id)


def test_hold_forms_check_csrf(client, accesses):
    _as(client, accesses["operator"])
    assert client.post("/exchange/holds/1/decide", data={"decision": "approve"}).status_code == 403
