"""The read side of sharing on SQLite and PostgreSQL: who reads which requests and grants, the inbox's working days
left and overdue flags on a given day, the operator's lists, the request form's choices, and the statistics — time
to answer in working days, grants, and the gateway's calls read from the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.exchange.test_sharing import (World, at, make_world,  # noqa: F401 (fixture)
                                         quick_passwords, submit)
from tests.factories import make_user
from tongban.audit import ActorRef, AuditEvent, record
from tongban.errors import PermissionDenied
from tongban.exchange import sharing, sharing_queries, sharing_stats
from tongban.exchange.model import Grant
from tongban.identity.policy import Actor
from tongban.identity.service import actor_for

SYSTEM = Actor.system("test")


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    return make_world(session)


def test_a_data_admin_lists_only_their_departments_requests(session, world):
    mine = submit(session, world)
    with pytest.raises(PermissionDenied):
        sharing_queries.list_requests(session, world.actor("consumer_admin"), department_id=world.other.id)
    assert [r.request.number for r in sharing_queries.list_requests(session, world.actor("consumer_admin"))] == [
        mine.number]
    assert sharing_queries.list_requests(session, world.actor("other_admin")) == []
    assert [r.request.number for r in sharing_queries.list_requests(session, world.actor("auditor"))] == [mine.number]
    assert sharing_queries.list_requests(session, world.actor("operator"), status="granted") == []


def test_the_inbox_counts_working_days_left_and_flags_overdue_on_the_day(session, world):
    early = submit(session, world)  # due 15 October 2026
    later = submit(session, world, now=at("2026-09-28"), period_from="2026-10-01")  # due 16 October
    free = submit(session, world, world.unconditional, items=["name"], clear_items=[])
    actor = world.actor("provider_admin")
    on_holiday = sharing_queries.provider_inbox(session, actor, today=dt.date(2026, 10, 5))
    assert [(r.request.number, r.days_left, r.overdue) for r in on_holiday.pending] == [
        (early.number, 7, False), (later.number, 8, False)]  # 8, 9 Oct, Saturday 10 Oct worked, 12–15 Oct
    assert [r.request.number for r in on_holiday.decided] == [free.number]
    after = sharing_queries.provider_inbox(session, actor, today=dt.date(2026, 10, 16))
    assert [(r.days_left, r.overdue) for r in after.pending] == [(-1, True), (0, False)]
    assert sharing_queries.provider_inbox(session, world.actor("consumer_admin")).pending == []


def test_a_request_is_read_by_its_two_departments_the_operator_and_the_auditor_only(session, world):
    req = submit(session, world)
    provider = sharing_queries.view_request(session, world.actor("provider_admin"), req.number)
    assert provider.may_answer and not provider.may_withdraw and not provider.may_arbitrate
    assert [i.code for i in provider.items] == ["id_number", "name", "residence_address", "issued_on"]
    assert [c.id for c in provider.clients] == [world.client.id] and [e.action for e in provider.events] == ["submit"]
    consumer = sharing_queries.view_request(session, world.actor("consumer_admin"), req.number.lower())
    assert consumer.may_withdraw and not consumer.may_answer
    operator = sharing_queries.view_request(session, world.actor("operator"), req.number)
    assert not (operator.may_answer or operator.may_arbitrate)
    with pytest.raises(PermissionDenied) as caught:
        sharing_queries.view_request(session, world.actor("other_admin"), req.number)
    assert caught.value.audit.action == "exchange.read"


def test_grants_are_listed_as_held_and_given_with_their_state_on_the_day(session, world):
    free = submit(session, world, world.unconditional, items=["name"], clear_items=[])
    asked = submit(session, world, period_from="2026-11-01")
    sharing.answer_request(session, world.actor("provider_admin"), asked.number, decision="grant")
    first = session.scalar(select(Grant).where(Grant.request_id == free.id))
    sharing.revoke_grant(session, world.actor("operator"), first.id, reason="撤销")
    held = sharing_queries.list_grants(session, world.actor("consumer_admin"), today=dt.date(2026, 10, 8))
    assert [(r.request_number, r.state, r.may_revoke) for r in held.held] == [
        (asked.number, "future", False), (free.number, "revoked", False)]
    assert held.given == [] and held.held[0].clients == [f"人社积分系统 ({world.client.key_id})"]
    given = sharing_queries.list_grants(session, world.actor("provider_admin"), today=dt.date(2026, 11, 2))
    assert [(r.state, r.may_revoke) for r in given.given] == [("active", True), ("revoked", False)]
    everything = sharing_queries.list_grants(session, world.actor("operator"), today=dt.date(2027, 10, 1))
    assert everything.department_id is None and [r.state for r in everything.held] == ["expired", "revoked"]


def test_the_oversight_separates_late_escalated_and_not_shared_requests(session, world):
    late = submit(session, world)
    escalated = submit(session, world, now=at("2026-09-10"), period_from="2026-10-01")
    closed = submit(session, world, world.not_shared, items=["id_number"], clear_items=[])
    sharing.sweep(session, SYSTEM, now=at("2026-10-09"))  # only the second is due by then (24 September)
    view = sharing_queries.oversight(session, world.actor("auditor"), today=dt.date(2026, 10, 16))
    assert [r.request.number for r in view.overdue] == [late.number]
    assert [r.request.number for r in view.escalated] == [escalated.number]
    assert [r.request.number for r in view.arbitration] == [closed.number]
    assert not view.may_arbitrate and sharing_queries.oversight(session, world.actor("operator")).may_arbitrate
    with pytest.raises(PermissionDenied):
        sharing_queries.oversight(session, world.actor("provider_admin"))


def test_the_form_offers_other_departments_resources_and_the_consumers_active_clients(session, world):
    own = make_user(session, "data_admin", department_id=world.provider.id)
    found = sharing_queries.open_request_form(session, actor_for(own), query="居住证")
    assert found.found == [] and found.resource is None  # the provider's own resource is not offered to it
    offered = sharing_queries.open_request_form(session, world.actor("consumer_admin"), query="居住证")
    assert [r.code for r in offered.found] == [world.conditional.code]
    form = sharing_queries.open_request_form(session, world.actor("consumer_admin"), resource=world.not_shared.code)
    assert form.route == "arbitration" and [c.id for c in form.clients] == [world.client.id]
    assert [(i.code, i.personal) for i in form.items] == [("id_number", True), ("name", True)]
    with pytest.raises(PermissionDenied):
        sharing_queries.open_request_form(session, world.actor("operator"))


def _call(session, world: World, outcome: str, latency: float | None = None) -> None:  # type: ignore[no-untyped-def]
    """An exchange API call as the gateway records it."""
    record(session, AuditEvent("exchange.call", ActorRef("client", str(world.client.id), "client:x",
                                                         world.consumer.id), outcome,
                               details={} if latency is None else {"latency_ms": latency}))


def test_statistics_count_requests_answers_in_working_days_grants_and_calls(session, world):
    submit(session, world, world.unconditional, items=["name"], clear_items=[])
    refused = submit(session, world)
    granted = submit(session, world, now=at("2026-09-28"), period_from="2026-10-01")
    submit(session, world)  # still waiting
    sharing.answer_request(session, world.actor("provider_admin"), refused.number, decision="refuse",
                           reason="不符合条件", now=at("2026-09-29"))  # 2 working days
    sharing.answer_request(session, world.actor("provider_admin"), granted.number, decision="grant",
                           now=at("2026-10-09"))  # 29, 30 Sep, 8, 9 Oct: 4 working days across 国庆节
    for outcome, latency in (("allowed", 4.0), ("allowed", 8.0), ("denied", None)):
        _call(session, world, outcome, latency)
    stats = sharing_stats.exchange_statistics(session, world.actor("other_admin"), today=dt.date(2026, 10, 10))
    by = {d.department_id: d for d in stats.departments}
    provider, consumer = by[world.provider.id], by[world.consumer.id]
    assert provider.received == {"granted": 2, "refused": 1, "submitted": 1} and provider.requests_made == 0
    assert provider.answer_days == [2, 4] and provider.median_answer_days == 3
    assert (consumer.requests_made, consumer.grants_held, provider.grants_given) == (4, 2, 2)
    assert (consumer.calls.allowed, consumer.calls.denied, consumer.calls.mean_latency_ms,
            consumer.calls.max_latency_ms) == (2, 1, 6.0, 8.0)
    assert stats.calls_recorded and stats.calls.total == 3 and stats.departments[0] is consumer
    assert stats.requests == {"granted": 2, "refused": 1, "submitted": 1} and stats.median_answer_days == 3


def test_statistics_are_for_staff_who_share_not_for_clerks(session, world):
    clerk = make_user(session, "clerk", department_id=world.consumer.id)
    with pytest.raises(PermissionDenied):
        sharing_stats.exchange_statistics(session, actor_for(clerk))
    assert sharing_stats.exchange_statistics(session, world.actor("auditor")).calls_recorded is False


def test_calls_can_be_counted_since_a_moment(session, world):
    _call(session, world, "allowed", 3.0)
    assert sharing_stats.call_statistics(session)[world.consumer.id].allowed == 1
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert sharing_stats.call_statistics(session, since=later) == {}
