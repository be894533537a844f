"""The sharing pages through the app, on SQLite and PostgreSQL: the consumer applies through the form and reads the
status and history; the provider's inbox shows days left, overdue in red and 估算; answers, refusals without a
reason (422 in the form), arbitration and revocation; every page renders for its roles and refuses the others
(403 in the project's error page); forms check CSRF."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.exchange.test_sharing import (World, ask, at, make_world,  # noqa: F401 (fixture)
                                         quick_passwords)
from tests.factories import PASSWORD, make_user
from tests.web.test_pages import audit_records, csrf_token, login, text_of
from tongban.audit import ActorRef, AuditEvent, record
from tongban.audit.unit_of_work import transaction
from tongban.exchange import sharing
from tongban.exchange.model import Grant, SharingRequest
from tongban.exchange.workdays import today_in_china
from tongban.identity.policy import Actor
from tongban.identity.service import actor_for

SYSTEM = Actor.system("test")


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    return make_world(session)


def _as(client, username: str) -> str:  # type: ignore[no-untyped-def]
    """Log in; returns the CSRF token of the session."""
    assert login(client, username, PASSWORD).status_code == 303
    return csrf_token(client.get("/account").text)


def _submit(sessions, world: World, resource=None, *, now=None, **overrides) -> str:  # type: ignore[no-untyped-def]
    """A request made through the use case, committed; returns its number."""
    now = now or dt.datetime.now(dt.UTC)
    today = (now + dt.timedelta(hours=8)).date().isoformat()
    with transaction(sessions) as s:
        req = sharing.submit_request(s, actor_for(world.consumer_admin), (resource or world.conditional).code,
                                     ask(world, period_from=today, **overrides), now=now)
        return req.number


def _request(sessions, number: str) -> SharingRequest:  # type: ignore[no-untyped-def]
    with sessions() as s:
        found = s.scalar(select(SharingRequest).where(SharingRequest.number == number))
        s.expunge(found)
        return found


# The consumer -------------------------------------------------------------------------------------------------------

def test_the_consumer_finds_a_resource_applies_and_reads_the_status(client, world, sessions):
    token = _as(client, world.consumer_admin.username)
    found = client.get("/exchange/requests/new", params={"q": "居住证"})
    assert found.status_code == 200 and world.conditional.code in found.text
    form = client.get("/exchange/requests/new", params={"resource": world.conditional.code})
    assert 'data-route="conditional"' in form.text and 'value="residence_address"' in form.text
    assert "人社积分系统" in text_of(form)
    sent = client.post("/exchange/requests", data={
        "csrf_token": token, "resource": world.conditional.code, "scenario": "居住证积分审核",
        "purpose": "核验申请人居住登记", "legal_basis": "《居住证暂行条例》", "items": ["id_number", "name"],
        "clear_items": ["id_number"], "period_from": today_in_china().isoformat(),
        "period_to": (today_in_china() + dt.timedelta(days=300)).isoformat(), "expected_volume": "300",
        "client_ids": [str(world.client.id)]}, follow_redirects=False)
    assert sent.status_code == 303, text_of(sent)
    page = client.get(sent.headers["location"])
    text = text_of(page)
    assert page.status_code == 200 and "等待答复" in text and "申请已提交" in text
    assert 'data-action="submit"' in page.text and "个工作日" in text
    listed = text_of(client.get("/exchange/requests"))
    assert re.search(r"GX\d{8}-0001", listed) and "居住证信息" in listed


def test_a_request_with_problems_is_answered_in_the_form_naming_each_field(client, world):
    token = _as(client, world.consumer_admin.username)
    answer = client.post("/exchange/requests", data={
        "csrf_token": token, "resource": world.conditional.code, "scenario": "", "purpose": "核验",
        "period_from": "2026-13-01", "period_to": "2027-01-01"})
    assert answer.status_code == 422
    text = text_of(answer)
    assert "申请无法提交" in text and 'id="scenario-error"' in answer.text and 'id="items-error"' in answer.text
    assert "2026-13-01 不是日期" in text and 'id="client_ids-error"' in answer.text


def test_a_not_shared_resource_shows_that_the_operator_decides(client, world):
    _as(client, world.consumer_admin.username)
    page = client.get("/exchange/requests/new", params={"resource": world.not_shared.code})
    assert 'data-route="arbitration"' in page.text and "由平台运营方裁决" in text_of(page)


# The provider ------------------------------------------------------------------------------------------------------

def test_the_inbox_shows_days_left_overdue_in_red_and_estimated_deadlines(client, world, sessions):
    late = _submit(sessions, world, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    fresh = _submit(sessions, world)
    estimated = _submit(sessions, world, now=at("2026-12-25"))
    _as(client, world.provider_admin.username)
    page = client.get("/exchange/inbox")
    assert page.status_code == 200
    rows = {n: re.search(rf'<tr data-number="{n}"[^>]*>.*?</tr>', page.text, re.S).group(0)  # type: ignore[union-attr]
            for n in (late, fresh, estimated)}
    assert 'class="row-attention"' in rows[late] and 'data-testid="overdue"' in rows[late]
    assert 'data-testid="days-left"' in rows[fresh] and "row-attention" not in rows[fresh]
    assert "估算" in rows[estimated]


def test_the_provider_grants_narrowing_the_items(client, world, sessions):
    number = _submit(sessions, world)
    token = _as(client, world.provider_admin.username)
    page = client.get(f"/exchange/requests/{number}")
    assert 'data-testid="answer-form"' in page.text
    answer = client.post(f"/exchange/requests/{number}/answer", data={
        "csrf_token": token, "decision": "grant", "narrow": "1", "items": ["name"], "rate_limit": "30",
        "reason": "仅限姓名核验"}, follow_redirects=False)
    assert answer.status_code == 303
    with sessions() as s:
        grant = s.scalar(select(Grant))
        assert grant is not None and (grant.items, grant.clear_items, grant.rate_limit) == (["name"], [], 30)
    shown = text_of(client.get(answer.headers["location"]))
    assert "已同意共享" in shown and "仅限姓名核验" in shown


def test_a_refusal_without_a_reason_is_refused_in_the_form_and_audited(client, world, sessions):
    number = _submit(sessions, world)
    token = _as(client, world.provider_admin.username)
    answer = client.post(f"/exchange/requests/{number}/answer", data={"csrf_token": token, "decision": "refuse",
                                                                      "reason": "  "})
    assert answer.status_code == 422
    assert 'id="reason-error"' in answer.text and "请说明理由" in text_of(answer)
    assert _request(sessions, number).status == "submitted"
    assert [r.outcome for r in audit_records(sessions, "exchange.refuse")] == ["failed"]


def test_a_data_admin_of_another_department_cannot_answer(client, world, sessions):
    number = _submit(sessions, world)
    token = _as(client, world.other_admin.username)
    assert client.get(f"/exchange/requests/{number}").status_code == 403
    answer = client.post(f"/exchange/requests/{number}/answer", data={"csrf_token": token, "decision": "grant"})
    assert answer.status_code == 403 and 'class="status-code"' in answer.text
    assert "仅可对本部门执行此操作" in text_of(answer)
    assert _request(sessions, number).status == "submitted"
    assert [r.outcome for r in audit_records(sessions, "exchange.grant")] == ["denied"]


def test_the_consumer_withdraws_and_a_late_answer_is_told_in_the_page(client, world, sessions):
    number = _submit(sessions, world)
    token = _as(client, world.consumer_admin.username)
    assert 'data-testid="withdraw-form"' in client.get(f"/exchange/requests/{number}").text
    done = client.post(f"/exchange/requests/{number}/withdraw", data={"csrf_token": token, "reason": "业务调整"},
                       follow_redirects=False)
    assert done.status_code == 303 and _request(sessions, number).status == "withdrawn"
    client.cookies.clear()
    token = _as(client, world.provider_admin.username)
    late = client.post(f"/exchange/requests/{number}/answer", data={"csrf_token": token, "decision": "grant"})
    assert late.status_code == 409 and "申请已是“已撤回”状态，不能再改为“已同意”" in text_of(late)
    assert 'data-testid="answer-form"' not in late.text and 'data-action="withdraw"' in late.text


def test_an_answer_without_the_csrf_token_is_refused(client, world, sessions):
    number = _submit(sessions, world)
    _as(client, world.provider_admin.username)
    answer = client.post(f"/exchange/requests/{number}/answer", data={"csrf_token": "x", "decision": "grant"})
    assert answer.status_code == 403 and _request(sessions, number).status == "submitted"


# The operator ------------------------------------------------------------------------------------------------------

def test_the_operator_oversees_and_arbitrates_a_not_shared_request(client, world, sessions):
    number = _submit(sessions, world, world.not_shared, items=["id_number"], clear_items=[])
    escalated = _submit(sessions, world, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    with transaction(sessions) as s:
        sharing.sweep(s, SYSTEM)
    token = _as(client, world.operator.username)
    page = client.get("/exchange/oversight")
    assert page.status_code == 200
    assert f'data-number="{number}"' in page.text and f'data-number="{escalated}"' in page.text
    assert 'data-testid="escalated-count">1<' in page.text
    refused = client.post(f"/exchange/requests/{number}/arbitrate", data={"csrf_token": token, "decision": "grant",
                                                                          "legal_basis": ""})
    assert refused.status_code == 422 and 'id="legal_basis-error"' in refused.text
    done = client.post(f"/exchange/requests/{number}/arbitrate", data={
        "csrf_token": token, "decision": "grant", "legal_basis": "《中华人民共和国反恐怖主义法》第十八条"},
        follow_redirects=False)
    assert done.status_code == 303 and _request(sessions, number).status == "granted"
    history = client.get(done.headers["location"]).text
    assert 'data-action="arbitrate"' in history


def test_the_provider_revokes_a_grant_with_a_reason(client, world, sessions):
    _submit(sessions, world, world.unconditional, items=["name"], clear_items=[], legal_basis="")
    with sessions() as s:
        grant_id = s.scalar(select(Grant.id))
    token = _as(client, world.provider_admin.username)
    page = client.get("/exchange/grants")
    assert f'data-testid="revoke-{grant_id}"' in page.text
    missing = client.post(f"/exchange/grants/{grant_id}/revoke", data={"csrf_token": token, "reason": ""})
    assert missing.status_code == 422 and 'id="reason-error"' in missing.text
    done = client.post(f"/exchange/grants/{grant_id}/revoke", data={"csrf_token": token, "reason": "超范围使用"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert 'data-state="revoked"' in client.get("/exchange/grants").text


def test_the_consumer_sees_its_grant_but_may_not_revoke_it(client, world, sessions):
    _submit(sessions, world, world.unconditional, items=["name"], clear_items=[], legal_basis="")
    _as(client, world.consumer_admin.username)
    page = client.get("/exchange/grants")
    assert 'data-testid="held"' in page.text and 'data-testid="revoke-' not in page.text


# Statistics --------------------------------------------------------------------------------------------------------

def test_statistics_draw_requests_answers_and_calls_when_the_gateway_records_them(client, world, sessions):
    _submit(sessions, world, world.unconditional, items=["name"], clear_items=[], legal_basis="")
    number = _submit(sessions, world)
    with transaction(sessions) as s:
        sharing.answer_request(s, actor_for(world.provider_admin), number, decision="refuse", reason="不符合条件")
    _as(client, world.operator.username)
    before = client.get("/exchange/stats")
    assert before.status_code == 200 and 'data-testid="chart-received"' in before.text
    assert 'data-testid="chart-answer"' in before.text and 'data-testid="no-calls"' in before.text
    with transaction(sessions) as s:
        for outcome, latency in (("allowed", 4.0), ("allowed", 6.0), ("denied", None)):
            record(s, AuditEvent("exchange.call", ActorRef("client", str(world.client.id), "client:x",
                                                           world.consumer.id), outcome,
                                 details={} if latency is None else {"latency_ms": latency}))
    after = client.get("/exchange/stats")
    row = re.search(r'<tr data-department="人社测试">.*?</tr>', after.text, re.S).group(0)  # type: ignore[union-attr]
    assert 'data-testid="chart-calls"' in after.text and 'data-testid="chart-latency"' in after.text
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[-3:] == ["3", "1", "5.0"]


# Who may open what -------------------------------------------------------------------------------------------------

PAGES = ["/exchange/requests", "/exchange/requests/new", "/exchange/inbox", "/exchange/grants",
         "/exchange/oversight", "/exchange/stats"]
OPEN = {"data_admin": {"/exchange/requests", "/exchange/requests/new", "/exchange/inbox", "/exchange/grants",
                       "/exchange/stats"},
        "operator": {"/exchange/requests", "/exchange/inbox", "/exchange/grants", "/exchange/oversight",
                     "/exchange/stats"},
        "auditor": {"/exchange/requests", "/exchange/inbox", "/exchange/grants", "/exchange/oversight",
                    "/exchange/stats"}}


@pytest.mark.parametrize("role", ["data_admin", "operator", "auditor", "clerk", "approver", "citizen",
                                  "enterprise"])
def test_each_page_renders_for_its_roles_and_refuses_the_others(client, session, role):
    user = make_user(session, role)
    session.commit()
    _as(client, user.username)
    for path in PAGES:
        response = client.get(path)
        if path in OPEN.get(role, set()):
            assert response.status_code == 200, (path, text_of(response))
            assert 'class="tabs"' in response.text
        else:
            assert response.status_code == 403, path
            assert 'class="status-code">403<' in response.text


def test_the_pages_read_in_english_too(client, world, sessions):
    _submit(sessions, world)
    _as(client, world.provider_admin.username)
    text = text_of(client.get("/exchange/inbox", params={"lang": "en"}))
    assert "Sharing inbox" in text and "Waiting for an answer" in text and "共享申请" not in text
