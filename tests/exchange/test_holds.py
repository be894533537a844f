"""Disclosure holds: a data admin of the department that made an access asks to hide it from its subjects until a
date, with a reason and a legal basis; only the operator's approval hides it, and only until that date (China);
another department's admin cannot hold it; every step is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.exchange.test_datause import call, city, person  # noqa: F401  (city is a fixture)
from tongban.audit import AuditEvent, record
from tongban.audit.model import AuditRecord
from tongban.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tongban.exchange import datause
from tongban.identity.service import actor_for

TODAY = dt.date(2026, 11, 27)
INVESTIGATION = {"reason": "涉嫌骗取住房补贴，正在调查", "legal_basis": "《中华人民共和国个人信息保护法》第三十五条"}


@pytest.fixture
def access(session: Session, city: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """An access by the housing department to Alice's data, its data admin and the operator."""
    city["call"] = call(session, city["housing"], city["resource"], [city["alice"].id_number],
                        purpose="住房补贴资格复核", case_ref="JC2026-007")
    city["admin"] = actor_for(person(session, "data_admin", city["housing"]))
    city["operator"] = actor_for(person(session, "operator"))
    return city


def _visible(session: Session, access: dict[str, Any], today: dt.date) -> bool:
    page = datause.list_data_use(session, actor_for(access["alice"]), today=today)
    return access["call"].seq in [e.seq for e in page.entries]


def _hold(session: Session, access: dict[str, Any], until: dt.date = dt.date(2027, 3, 1), **overrides: Any):  # type: ignore[no-untyped-def]
    values = {**INVESTIGATION, **overrides}
    return datause.request_hold(session, access["admin"], access["call"].seq, values["reason"],
                                values["legal_basis"], until, today=TODAY)


def test_a_requested_hold_hides_nothing_until_the_operator_approves(session, access):
    hold = _hold(session, access)
    assert hold.status == "requested" and _visible(session, access, TODAY)
    datause.decide_hold(session, access["operator"], hold.id, True, "", today=TODAY)
    assert hold.status == "approved" and not _visible(session, access, TODAY)


def test_an_approved_hold_hides_the_access_until_its_disclosure_date(session, access):
    hold = _hold(session, access, until=dt.date(2027, 3, 1))
    datause.decide_hold(session, access["operator"], hold.id, True, "调查期间", today=TODAY)
    assert not _visible(session, access, dt.date(2027, 2, 28))
    assert _visible(session, access, dt.date(2027, 3, 1))  # from the disclosure date it appears
    others = datause.list_data_use(session, actor_for(access["alice"]), today=TODAY)
    assert others.total == 0 and others.years == [] and others.departments == []  # not even in the counts


def test_a_refused_hold_hides_nothing_and_may_be_asked_for_again(session, access):
    hold = _hold(session, access)
    datause.decide_hold(session, access["operator"], hold.id, False, "理由不足：未附立案文书", today=TODAY)
    assert hold.status == "refused" and hold.decision_comment == "理由不足：未附立案文书"
    assert _visible(session, access, TODAY)
    again = _hold(session, access, reason="已立案，附立案决定书编号 2026-118")
    assert again.id == hold.id and again.status == "requested" and again.decision_comment == ""
    with pytest.raises(Conflict):
        _hold(session, access)


def test_a_data_admin_may_not_hold_another_departments_access(session, access):
    police_admin = actor_for(person(session, "data_admin", access["police"]))
    with pytest.raises(PermissionDenied) as refused:
        datause.request_hold(session, police_admin, access["call"].seq, INVESTIGATION["reason"],
                             INVESTIGATION["legal_basis"], dt.date(2027, 1, 1), today=TODAY)
    event = refused.value.audit
    assert (event.action, event.outcome, event.target_id) == ("datause.hold", "denied", str(access["call"].seq))


@pytest.mark.parametrize("role", ["operator", "citizen", "auditor"])
def test_only_a_data_admin_requests_a_hold(session, access, role):
    with pytest.raises(PermissionDenied):
        datause.request_hold(session, actor_for(person(session, role)), access["call"].seq, "x", "y",
                             dt.date(2027, 1, 1), today=TODAY)


def test_only_an_allowed_exchange_call_can_be_held(session, access):
    denied = call(session, access["housing"], access["resource"], [access["alice"].id_number], outcome="denied")
    other = record(session, AuditEvent("catalog.edit"))
    for seq in (denied.seq, other.seq, 10_000):
        with pytest.raises(NotFound):
            datause.request_hold(session, access["admin"], seq, "x", "y", dt.date(2027, 1, 1), today=TODAY)


@pytest.mark.parametrize(("overrides", "until", "field", "rule"), [
    ({"reason": "  "}, dt.date(2027, 1, 1), "reason", "datause.reason"),
    ({"legal_basis": ""}, dt.date(2027, 1, 1), "legal_basis", "datause.legal_basis"),
    ({}, None, "hidden_until", "datause.hidden_until"),
    ({}, TODAY, "hidden_until", "datause.hidden_until"),
    ({}, TODAY + dt.timedelta(days=366), "hidden_until", "datause.hold_too_long"),
])
def test_a_hold_needs_a_reason_a_legal_basis_and_a_date_within_the_maximum(session, access, overrides, until,
                                                                           field, rule):
    with pytest.raises(InvalidInput) as bad:
        _hold(session, access, until=until, **overrides)
    assert [(e.field, e.code) for e in bad.value.errors] == [(field, rule)]


def test_the_maximum_is_a_parameter(session, access):
    with pytest.raises(InvalidInput):
        datause.request_hold(session, access["admin"], access["call"].seq, "x", "y", TODAY + dt.timedelta(days=31),
                             max_days=30, today=TODAY)
    hold = datause.request_hold(session, access["admin"], access["call"].seq, "x", "y",
                                TODAY + dt.timedelta(days=365), today=TODAY)
    assert hold.hidden_until == dt.date(2027, 11, 27)


def test_only_the_operator_decides_and_a_refusal_needs_a_comment(session, access):
    hold = _hold(session, access)
    with pytest.raises(PermissionDenied):
        datause.decide_hold(session, access["admin"], hold.id, True, "", today=TODAY)
    with pytest.raises(InvalidInput) as bad:
        datause.decide_hold(session, access["operator"], hold.id, False, " ", today=TODAY)
    assert bad.value.errors[0].field == "comment"
    with pytest.raises(Conflict):  # approving after the disclosure date would hide nothing
        datause.decide_hold(session, access["operator"], hold.id, True, "", today=dt.date(2027, 3, 1))
    datause.decide_hold(session, access["operator"], hold.id, True, "", today=TODAY)
    with pytest.raises(Conflict):
        datause.decide_hold(session, access["operator"], hold.id, False, "改变主意", today=TODAY)


def test_requesting_and_deciding_are_audited(session, access):
    hold = _hold(session, access)
    datause.decide_hold(session, access["operator"], hold.id, True, "同意", today=TODAY)
    events = session.scalars(select(AuditRecord).where(AuditRecord.action.startswith("datause.hold"))
                             .order_by(AuditRecord.seq)).all()
    assert [(e.action, e.target_id) for e in events] == [("datause.hold", str(access["call"].seq)),
                                                         ("datause.hold_decide", str(access["call"].seq))]
    assert events[0].details["legal_basis"] == INVESTIGATION["legal_basis"] and events[1].details["approved"]
    assert all("subjects" not in e.details for e in events)  # a hold names no one to the index


def test_the_operator_sees_every_hold_and_a_data_admin_their_departments(session, access):
    mine = _hold(session, access)
    police_call = call(session, access["police"], access["resource"], [access["bob"].id_number])
    police_admin = actor_for(person(session, "data_admin", access["police"]))
    theirs = datause.request_hold(session, police_admin, police_call.seq, "x", "y", dt.date(2027, 1, 1),
                                  today=TODAY)
    assert [v.hold.id for v in datause.list_holds(session, access["operator"])] == [theirs.id, mine.id]
    [view] = datause.list_holds(session, access["admin"])
    assert view.hold.id == mine.id and view.access is not None and view.access.case_ref == "JC2026-007"
    accesses = datause.list_department_accesses(session, access["admin"])
    assert [a.seq for a in accesses] == [access["call"].seq] and accesses[0].hold is not None
    assert datause.list_department_accesses(session, access["admin"], case_ref="other") == []
