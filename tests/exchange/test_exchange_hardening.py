"""Hardening of the exchange found in review: each test names a way data or an audit record could have slipped."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.exchange.factories import make_person
from tests.exchange.gateway_world import auth, build_world
from tests.exchange.test_subscriptions import CONTEXT, KEY, make_world
from tests.exchange.test_webhooks import Clock, Receiver, hooked, run
from tests.factories import make_user
from tests.registry.test_change_feed import log
from tongban.audit import record
from tongban.audit.model import AuditRecord
from tongban.audit.unit_of_work import transaction
from tongban.errors import InvalidInput, TongbanError
from tongban.exchange import datause, disputes, gateway
from tongban.exchange import subscriptions as subs
from tongban.exchange.gateway_state import GatewayState
from tongban.identity.model import ApiClient
from tongban.identity.policy import Role
from tongban.identity.service import actor_for, actor_for_client


def _call(world, client=None):  # type: ignore[no-untyped-def]
    client = client or world.client
    return gateway.Call(client.id, client.key_id, client.department_id, "req-review", "zhangwei01", "居住证办理",
                        "SQ-1")


# 1. Subscriptions: personal data granted in clear is pulled without official, purpose and case -------------------

CLEAR = ("id_number", "name", "death_date")


def test_a_pull_of_personal_items_granted_in_clear_still_needs_official_purpose_and_case(session):
    world = make_world(session, items=CLEAR, clear=CLEAR)
    sub = subs.subscribe(session, world.actor, grant_id=world.grant.id, events=["death"], platform_key=KEY,
                         context=CONTEXT).subscription
    person = make_person(session, death_date=dt.date(2026, 11, 20))
    log(session, person.id_number, "changed", ["death_date"])

    with pytest.raises(InvalidInput) as refused:  # the exchange API refuses this (call_rules.check_headers)
        subs.pull(session, world.actor, sub.id, cursor=sub.start_seq, context=subs.CallContext())
    assert refused.value.code == "exchange.headers_missing"


def test_subscribing_to_personal_items_granted_in_clear_needs_official_purpose_and_case(session):
    world = make_world(session, items=CLEAR, clear=CLEAR)
    with pytest.raises(InvalidInput) as refused:
        subs.subscribe(session, world.actor, grant_id=world.grant.id, events=["death"], platform_key=KEY,
                       context=subs.CallContext())
    assert refused.value.code == "exchange.headers_missing"


# 2. A refused pull (cursor past the log, limit out of range, malformed query) is not in the audit log ----------

def test_a_pull_refused_for_its_cursor_is_in_the_audit_log(sessions):
    with transaction(sessions) as session:
        world = make_world(session)
        sub_id = subs.subscribe(session, world.actor, grant_id=world.grant.id, events=["death"], platform_key=KEY,
                                context=CONTEXT).subscription.id
        actor = world.actor
    with pytest.raises(InvalidInput), transaction(sessions) as session:
        subs.pull(session, actor, sub_id, cursor=10**9, context=CONTEXT)
    with sessions() as session:
        outcomes = session.scalars(select(AuditRecord.outcome).where(AuditRecord.action == "exchange.changes")).all()
    assert outcomes, "a refused pull is missing from the audit log"


def test_a_pull_with_a_malformed_cursor_over_http_is_in_the_audit_log(client, sessions):
    with transaction(sessions) as session:
        world = make_world(session)
        sub_id = subs.subscribe(session, world.actor, grant_id=world.grant.id, events=["death"], platform_key=KEY,
                                context=CONTEXT).subscription.id
        token = world.token
    response = client.get(f"/api/v1/exchange/subscriptions/{sub_id}/events", params={"cursor": "abc"},
                          headers=auth(token))
    assert response.status_code == 422
    with sessions() as session:
        logged = session.scalars(select(AuditRecord).where(AuditRecord.action == "exchange.changes")).all()
    assert logged, "a refused pull is missing from the audit log"


# 3. A batch key not found is recorded as an access: the citizen sees it, and a doubt may be raised on it --------

def test_a_batch_key_that_was_not_found_is_not_an_access_in_the_citizens_record(session):
    world = build_world(session)
    citizen = make_user(session, Role.CITIZEN, id_number=world.absent)
    answer = gateway.look_up_batch(session, GatewayState(ttl=0, grant_ttl=0), _call(world), world.people,
                                   {"keys": [world.person, world.absent], "items": ["name"]})
    assert [r["key"] for r in answer.body["records"]] == [world.person] and answer.body["not_found"] == [world.absent]
    record(session, answer.event)

    shown = datause.list_data_use(session, actor_for(citizen)).entries
    assert shown == [], "no data of this citizen left, yet the record lists an access"


def test_no_doubt_can_be_raised_about_a_key_a_batch_did_not_find(session):
    world = build_world(session)
    answer = gateway.look_up_batch(session, GatewayState(ttl=0, grant_ttl=0), _call(world), world.people,
                                   {"keys": [world.person, world.absent], "items": ["name"]})
    record(session, answer.event)
    with pytest.raises(InvalidInput):  # datause/disputes read details["not_found"], which the gateway never writes
        disputes.raise_dispute(session, actor_for_client(world.client), resource_code=world.people,
                               subject=world.absent, item_code="name", returned_value=None, claimed_value="王五",
                               reason="查无此人", call_request_id=None)


# 4. Webhook deliveries go on for an API client that has expired ---------------------------------------------------

def test_no_webhook_batch_leaves_for_an_expired_api_client(sessions):
    hook = hooked(sessions)
    now = dt.datetime.now(dt.UTC)
    with transaction(sessions) as session:
        session.get(ApiClient, hook.world.client.id).expires_at = now - dt.timedelta(days=1)
    receiver = Receiver()
    run(sessions, receiver, Clock(now))
    assert receiver.got == [], "personal data was pushed to the webhook of an expired API client"


# 5. A denied call names nobody: attempts on a citizen's record cannot be found by subject ------------------------

def test_a_denied_look_up_names_the_key_it_asked_for_among_its_subjects(session):
    world = build_world(session)
    with pytest.raises(TongbanError) as refused:
        gateway.look_up(session, GatewayState(ttl=0, grant_ttl=0), _call(world, world.other_client), world.people,
                        world.person)
    assert refused.value.code == "exchange.no_grant"
    assert refused.value.audit.subjects == (world.person,)
