"""Doubtful data (疑义): a consumer flags a value it received; the provider department answers within a time limit in
working days (holidays and make-up days counted) — confirmed or rejected, with an answer — and the consumer reads it.
Only a value the consumer's department received can be flagged; only the provider's data admin answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.exchange.factories import count_once_stale
from tests.exchange.test_datause import call, city, person  # noqa: F401  (city is a fixture)
from tongban.audit.model import AuditRecord
from tongban.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tongban.exchange import disputes
from tongban.exchange import service as calendar
from tongban.identity.policy import Actor
from tongban.identity.service import actor_for

CHINA = dt.timezone(dt.timedelta(hours=8))
EVE_OF_NATIONAL_DAY = dt.datetime(2026, 9, 30, 10, 0, tzinfo=CHINA)


@pytest.fixture
def doubt(session: Session, city: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """2026's calendar; the housing department received Alice's household address from the police's resource."""
    calendar.seed_from_library(session, Actor.system("test"), [2026])
    city["call"] = call(session, city["housing"], city["resource"], [city["alice"].id_number],
                        items=["name", "household_address"], request_id="req-addr-1")
    city["consumer"] = actor_for(person(session, "data_admin", city["housing"]))
    city["provider"] = actor_for(person(session, "data_admin", city["police"]))
    return city


def raise_(session: Session, doubt: dict[str, Any], actor: Actor | None = None, **overrides: Any):  # type: ignore[no-untyped-def]
    values: dict[str, Any] = {
        "resource_code": doubt["resource"].code, "subject": doubt["alice"].id_number, "item_code": "household_address",
        "returned_value": "上海市浦东新区张杨路100弄5号", "claimed_value": "上海市浦东新区张杨路100弄6号",
        "reason": "申请人出示的户口簿为6号", "now": EVE_OF_NATIONAL_DAY}
    values.update(overrides)
    return disputes.raise_dispute(session, actor or doubt["consumer"], **values)


def test_a_doubt_is_due_five_working_days_later_counted_across_national_day(session, doubt):
    dispute = raise_(session, doubt)
    # 1–7 October are holidays and Saturday 10 October a make-up working day: 8, 9, 10, 12, 13 October
    assert dispute.due_on == dt.date(2026, 10, 13) and not dispute.due_estimated
    assert dispute.number == "YY20260930-0001" and dispute.status == "open"
    assert dispute.provider_department_id == doubt["police"].id
    assert dispute.consumer_department_id == doubt["housing"].id
    assert raise_(session, doubt).number == "YY20260930-0002"


def test_a_number_taken_meanwhile_by_another_doubt_is_skipped_not_a_500(session, doubt, monkeypatch):
    first = raise_(session, doubt)
    stale = count_once_stale(session, monkeypatch, "exchange_disputes")
    second = raise_(session, doubt)
    assert stale and (first.number, second.number) == ("YY20260930-0001", "YY20260930-0002")


def test_the_time_limit_is_a_parameter_and_a_year_not_loaded_makes_it_an_estimate(session, doubt):
    dispute = raise_(session, doubt, time_limit=10, now=dt.datetime(2026, 12, 28, 9, tzinfo=CHINA))
    assert dispute.due_on == dt.date(2027, 1, 11) and dispute.due_estimated  # 2027 counted by weekends only


def test_a_doubt_names_the_call_that_returned_the_value_when_given(session, doubt):
    assert raise_(session, doubt, call_request_id="req-addr-1").call_request_id == "req-addr-1"
    with pytest.raises(InvalidInput) as bad:
        raise_(session, doubt, call_request_id="req-other")
    assert [(e.field, e.code) for e in bad.value.errors] == [("request_id", "dispute.not_received")]


@pytest.mark.parametrize(("overrides", "field", "rule"), [
    ({"item_code": "name", "subject": "440524188001010014"}, "subject", "dispute.not_received"),  # never received
    ({"item_code": "id_number"}, "subject", "dispute.not_received"),  # an item the call did not return
    ({"resource_code": "999999-9999"}, "resource", "dispute.resource"),
    ({"item_code": "shoe_size"}, "item", "dispute.item"),
    ({"reason": "  "}, "reason", "dispute.reason"),
    ({"subject": ""}, "subject", "dispute.subject"),
    ({"claimed_value": "x" * 501}, "claimed_value", "dispute.claimed_value"),
])
def test_a_doubt_needs_a_value_the_department_received_and_a_reason(session, doubt, overrides, field, rule):
    with pytest.raises(InvalidInput) as bad:
        raise_(session, doubt, **overrides)
    assert (field, rule) in [(e.field, e.code) for e in bad.value.errors]
    assert bad.value.audit.action == "dispute.raise" and bad.value.audit.outcome == "failed"


def test_a_refused_call_is_not_a_received_value(session, doubt):
    bob = doubt["bob"].id_number
    call(session, doubt["housing"], doubt["resource"], [bob], outcome="denied")
    with pytest.raises(InvalidInput):
        raise_(session, doubt, subject=bob)


def test_a_department_does_not_doubt_its_own_data(session, doubt):
    call(session, doubt["police"], doubt["resource"], [doubt["alice"].id_number])
    with pytest.raises(InvalidInput) as bad:
        raise_(session, doubt, doubt["provider"])
    assert bad.value.errors[0].code == "dispute.own_resource"


@pytest.mark.parametrize("role", ["operator", "citizen", "clerk"])
def test_only_a_departments_data_admin_or_system_raises_a_doubt(session, doubt, role):
    with pytest.raises(PermissionDenied):
        raise_(session, doubt, actor_for(person(session, role)))


def test_the_provider_answers_and_the_consumer_reads_the_answer(session, doubt):
    number = raise_(session, doubt).number
    answer = "经核查户籍底册，地址应为6号，已于源头更正"
    later = dt.datetime(2026, 10, 9, 15, tzinfo=CHINA)
    disputes.answer_dispute(session, doubt["provider"], number, outcome="confirmed", answer=answer, now=later)
    view = disputes.get_dispute(session, doubt["consumer"], number, today=dt.date(2026, 10, 9))
    assert (view.dispute.status, view.dispute.answer) == ("confirmed", answer)
    assert view.provider == "上海市公安局" and view.item_name == "户籍地址" and not view.answered_late
    assert view.days_left is None and not view.overdue


def test_a_data_admin_of_another_department_cannot_answer(session, doubt):
    number = raise_(session, doubt).number
    for actor in (doubt["consumer"], actor_for(person(session, "data_admin")), actor_for(person(session, "operator"))):
        with pytest.raises(PermissionDenied) as refused:
            disputes.answer_dispute(session, actor, number, outcome="rejected", answer="数据无误")
        assert refused.value.audit.action == "dispute.answer"
    assert disputes.get_dispute(session, doubt["provider"], number).dispute.status == "open"


def test_an_answer_needs_an_outcome_and_a_text_and_is_given_once(session, doubt):
    number = raise_(session, doubt).number
    with pytest.raises(InvalidInput) as bad:
        disputes.answer_dispute(session, doubt["provider"], number, outcome="maybe", answer=" ")
    assert {e.field for e in bad.value.errors} == {"outcome", "answer"}
    disputes.answer_dispute(session, doubt["provider"], number, outcome="rejected", answer="与户籍底册一致")
    with pytest.raises(Conflict):
        disputes.answer_dispute(session, doubt["provider"], number, outcome="confirmed", answer="改为确认")
    with pytest.raises(NotFound):
        disputes.answer_dispute(session, doubt["provider"], "YY20990101-0001", outcome="confirmed", answer="x")


def test_another_department_may_not_read_a_doubt(session, doubt):
    number = raise_(session, doubt).number
    with pytest.raises(PermissionDenied):
        disputes.get_dispute(session, actor_for(person(session, "data_admin")), number)
    assert disputes.get_dispute(session, actor_for(person(session, "auditor")), number).dispute.number == number


def test_the_lists_show_days_left_and_flag_overdue_doubts(session, doubt):
    number = raise_(session, doubt).number
    [due] = disputes.list_disputes(session, doubt["provider"], box="received", today=dt.date(2026, 10, 9))
    assert (due.days_left, due.overdue) == (3, False)  # 10, 12 and 13 October
    [late] = disputes.list_disputes(session, doubt["consumer"], box="raised", today=dt.date(2026, 10, 15))
    assert late.overdue and late.overdue_days == 2 and late.days_left is None and late.dispute.number == number
    assert disputes.list_disputes(session, doubt["provider"], box="raised") == []
    with pytest.raises(PermissionDenied):
        disputes.list_disputes(session, doubt["provider"], box="all")
    [seen] = disputes.list_disputes(session, actor_for(person(session, "operator")), box="all")
    assert seen.dispute.number == number
    disputes.answer_dispute(session, doubt["provider"], number, outcome="confirmed", answer="已更正",
                            now=dt.datetime(2026, 10, 15, 9, tzinfo=CHINA))
    [answered] = disputes.list_disputes(session, doubt["consumer"], box="raised", today=dt.date(2026, 10, 15))
    assert not answered.overdue and answered.answered_late


def test_raising_answering_and_reading_are_audited(session, doubt):
    number = raise_(session, doubt).number
    disputes.answer_dispute(session, doubt["provider"], number, outcome="confirmed", answer="已更正")
    disputes.get_dispute(session, doubt["consumer"], number)
    events = session.scalars(select(AuditRecord).where(AuditRecord.action.startswith("dispute."))
                             .order_by(AuditRecord.seq)).all()
    assert [(e.action, e.target_id, e.actor_id) for e in events] == [
        ("dispute.raise", number, str(doubt["consumer"].id)), ("dispute.answer", number, str(doubt["provider"].id)),
        ("dispute.view", number, str(doubt["consumer"].id))]
    assert events[0].details["due_on"] == "2026-10-13" and events[1].details["outcome"] == "confirmed"


def test_an_old_15_digit_id_number_names_the_same_person(session, doubt):
    call(session, doubt["housing"], doubt["resource"], ["11010519491231002X"], items=["household_address"])
    assert raise_(session, doubt, subject="110105491231002").subject == "11010519491231002X"
