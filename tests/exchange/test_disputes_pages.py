"""The doubts pages: the consumer's data admin raises a doubt with the form; the provider's data admin finds it in
the inbox with the working days left, answers it, and the consumer reads the answer; a data admin of another
department can neither read nor answer it; a form with problems names each field."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.exchange.test_datause import call, city, person  # noqa: F401  (city is a fixture)
from tests.factories import PASSWORD
from tests.web.test_pages import audit_records, csrf_token, login, text_of
from tongban.identity.model import User


def _as(client: Any, user: User) -> str:
    client.cookies.clear()
    assert login(client, user.username, PASSWORD).status_code == 303
    return csrf_token(client.get("/account").text)


@pytest.fixture
def desk(session: Session, city: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    call(session, city["housing"], city["resource"], [city["alice"].id_number], request_id="req-page-1")
    city["consumer"] = person(session, "data_admin", city["housing"])
    city["provider"] = person(session, "data_admin", city["police"])
    city["stranger"] = person(session, "data_admin")
    session.commit()
    return city


def _raise(client: Any, token: str, desk: dict[str, Any], **overrides: str) -> Any:
    form = {"csrf_token": token, "resource": desk["resource"].code, "subject": desk["alice"].id_number,
            "item": "household_address", "returned_value": "张杨路100弄5号", "claimed_value": "张杨路100弄6号",
            "reason": "申请人出示的户口簿为6号", "request_id": "req-page-1", **overrides}
    return client.post("/exchange/disputes", data=form, follow_redirects=False)


def test_a_doubt_goes_from_the_consumer_to_the_provider_and_the_answer_back(client, desk):
    token = _as(client, desk["consumer"])
    assert 'data-testid="raise-form"' in client.get("/exchange/disputes").text
    raised = _raise(client, token, desk)
    assert raised.status_code == 303
    number = raised.headers["location"].split("/")[-1].split("?")[0]
    shown = client.get(raised.headers["location"])
    assert f"已提出疑义 {number}：上海市公安局 须在" in text_of(shown) and 'data-testid="waiting"' in shown.text
    assert 'data-testid="answer-form"' not in shown.text  # the consumer does not answer its own doubt

    token = _as(client, desk["provider"])
    inbox = client.get("/exchange/disputes")
    assert f'data-number="{number}" data-status="open"' in inbox.text and 'data-testid="days-left"' in inbox.text
    assert "剩余" in text_of(inbox) and "户籍地址" in text_of(inbox)
    detail = client.get(f"/exchange/disputes/{number}")
    assert 'data-testid="answer-form"' in detail.text and "张杨路100弄6号" in text_of(detail)
    answered = client.post(f"/exchange/disputes/{number}/answer",
                           data={"csrf_token": token, "outcome": "confirmed", "answer": "经核查属实，已于源头更正"})
    assert answered.status_code == 200 and f"疑义 {number} 已答复" in text_of(answered)

    _as(client, desk["consumer"])
    page = client.get(f"/exchange/disputes/{number}")
    assert 'data-testid="answer"' in page.text and "经核查属实，已于源头更正" in text_of(page)
    assert "确认有误，将更正" in text_of(page)
    assert f'data-number="{number}" data-status="confirmed"' in client.get("/exchange/disputes").text


def test_a_data_admin_of_another_department_can_neither_read_nor_answer(client, sessions, desk):
    number = _raise(client, _as(client, desk["consumer"]), desk).headers["location"].split("/")[-1].split("?")[0]
    token = _as(client, desk["stranger"])
    assert client.get(f"/exchange/disputes/{number}").status_code == 403
    refused = client.post(f"/exchange/disputes/{number}/answer",
                          data={"csrf_token": token, "outcome": "rejected", "answer": "无误"})
    assert refused.status_code == 403
    assert number not in client.get("/exchange/disputes").text
    for action in ("dispute.view", "dispute.answer"):
        [denial] = audit_records(sessions, action, outcome="denied")
        assert denial.target_id == number and denial.actor_id == str(desk["stranger"].id)


def test_a_form_with_problems_names_each_field(client, desk):
    token = _as(client, desk["consumer"])
    response = _raise(client, token, desk, item="shoe_size", reason="")
    assert response.status_code == 422
    text = text_of(response)
    assert "信息项编码" in text and "理由" in text and "shoe_size" in text
    assert 'value="张杨路100弄6号"' in response.text  # what was typed is kept


def test_an_answer_needs_a_text(client, desk):
    number = _raise(client, _as(client, desk["consumer"]), desk).headers["location"].split("/")[-1].split("?")[0]
    token = _as(client, desk["provider"])
    response = client.post(f"/exchange/disputes/{number}/answer",
                           data={"csrf_token": token, "outcome": "rejected", "answer": " "})
    assert response.status_code == 422 and "答复内容" in text_of(response)


@pytest.mark.parametrize("role", ["citizen", "clerk"])
def test_people_outside_the_exchange_have_no_doubts_page(client, session, desk, role):
    user = person(session, role)
    session.commit()
    _as(client, user)
    assert client.get("/exchange/disputes").status_code == 403


def test_the_operator_sees_every_doubt_and_answers_none(client, session, desk):
    number = _raise(client, _as(client, desk["consumer"]), desk).headers["location"].split("/")[-1].split("?")[0]
    operator = person(session, "operator")
    session.commit()
    _as(client, operator)
    assert f'data-number="{number}"' in client.get("/exchange/disputes").text
    assert 'data-testid="answer-form"' not in client.get(f"/exchange/disputes/{number}").text
