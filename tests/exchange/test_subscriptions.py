"""Change subscriptions: a department subscribes under a grant to the event types its items cover; a pull returns the
events after the cursor, filtered to its types and to the granted items, masked as the grant says, and audited with
the keys as subjects; pulls store nothing, so a cursor honoured loses and repeats nothing; a grant expired or revoked,
another client, a missing official/purpose/case — refused and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests.exchange.factories import make_build, make_grant, make_person
from tests.factories import citizen_id, credit_code, make_client, make_department, make_resource, make_user
from tests.registry.test_change_feed import log
from tongban.audit.model import AuditRecord, AuditSubject
from tongban.audit.unit_of_work import transaction
from tongban.catalog.drafts import ItemDraft
from tongban.catalog.model import Resource
from tongban.errors import InvalidInput, NotFound, PermissionDenied
from tongban.exchange import subscriptions as subs
from tongban.exchange.model import Grant, MaskingRule
from tongban.identity.model import ApiClient, Department
from tongban.identity.policy import Actor, Role
from tongban.identity.service import actor_for, actor_for_client
from tongban.registry.model import Change, Entity

KEY = "test-platform-secret"
CONTEXT = subs.CallContext("警号 012345", "核查户籍状态变化", "SB-2026-0001")
ITEMS = [ItemDraft("公民身份号码", "id_number", "string", 18, personal=True, sensitivity=3),
         ItemDraft("姓名", "name", "string", 50, personal=True, sensitivity=2),
         ItemDraft("死亡日期", "death_date", "date", personal=True, sensitivity=2),
         ItemDraft("户籍地址", "household_address", "string", 200, personal=True, sensitivity=2),
         ItemDraft("婚姻状况", "marital_status", "string", 2, personal=True, sensitivity=2),
         ItemDraft("联系电话", "phone", "string", 20, personal=True, sensitivity=2)]


@dataclass
class World:
    """A provider with a population resource, a consumer department with an API client, and a grant."""

    police: Department
    consumer: Department
    resource: Resource
    client: ApiClient
    token: str
    grant: Grant

    @property
    def actor(self) -> Actor:
        return actor_for_client(self.client)


def make_world(session: Session, *, items: Sequence[str] = ("id_number", "name", "death_date", "household_address"),
               clear: Sequence[str] = ("id_number", "death_date"), **grant: Any) -> World:
    """The consumer's client holds a grant of ``items`` (``clear`` unmasked); names and addresses mask by rule."""
    police = make_department(session)
    consumer = make_department(session)
    resource = make_resource(session, police, name="户籍人口变动信息", items=ITEMS)
    client, token = make_client(session, consumer)
    for item, rule in (("id_number", "id_number"), ("name", "name"), ("household_address", "address")):
        if session.get(MaskingRule, item) is None:
            session.add(MaskingRule(item_code=item, rule=rule))
    made = make_grant(session, consumer_department_id=consumer.id, resource_id=resource.id, items=list(items),
                      clear_items=list(clear), clients=[client], **grant)
    session.flush()
    return World(police, consumer, resource, client, token, made)


def subscribe(session: Session, world: World, events: Sequence[str] = (), **kwargs: Any) -> subs.Subscribed:
    kwargs.setdefault("context", CONTEXT)
    return subs.subscribe(session, world.actor, grant_id=world.grant.id, events=list(events), platform_key=KEY,
                          **kwargs)


def pull(session: Session, world: World, sub_id: int, cursor: int = 0, **kwargs: Any) -> subs.Pulled:
    kwargs.setdefault("context", CONTEXT)
    return subs.pull(session, world.actor, sub_id, cursor=cursor, **kwargs)


# The rules ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("base", "granted", "types"), [
    ("population", {"id_number", "death_date"}, ["death", "deregistration", "created", "changed"]),
    ("population", {"id_number", "residence_address", "marital_status"},
     ["move", "marriage", "deregistration", "created", "changed"]),
    ("entity", {"credit_code", "registration_status", "domicile"}, ["move", "deregistration", "created", "changed"]),
    ("address", {"address_code", "road_name"}, ["deregistration", "created", "changed"]),
])
def test_a_grant_allows_the_event_types_whose_fields_it_covers(base: str, granted: set[str], types: list[str]):
    assert subs.allowed_types(base, granted) == types


GRANTED = {"id_number", "death_date", "household_address", "marital_status", "credit_code", "registration_status"}


@pytest.mark.parametrize(("base", "change", "fields", "status", "types"), [
    ("population", "created", ["name", "death_date"], None, {"created"}),
    ("population", "retired", [], None, {"deregistration"}),
    ("population", "changed", ["death_date"], None, {"changed", "death"}),
    ("population", "changed", ["household_address", "marital_status"], None, {"changed", "move", "marriage"}),
    ("population", "changed", ["residence_address", "phone"], None, set()),  # nothing granted changed
    ("entity", "changed", ["registration_status"], "注销", {"changed", "deregistration"}),
    ("entity", "changed", ["registration_status"], "吊销", {"changed", "deregistration"}),
    ("entity", "changed", ["registration_status"], "存续", {"changed"}),
])
def test_a_log_entry_is_classified_through_the_grant(base, change, fields, status, types):
    assert subs.classify(base, change, fields, GRANTED, status) == types


# Subscribing -------------------------------------------------------------------------------------------------------

def test_a_client_subscribes_from_now_on_to_the_types_it_names(session):
    world = make_world(session)
    before = log(session, citizen_id(), "changed", ["death_date"])

    made = subscribe(session, world, ["death", "created"])

    sub = made.subscription
    assert (sub.events, sub.base, sub.client_id, sub.start_seq) == (["death", "created"], "population",
                                                                    world.client.id, before.seq)
    assert made.secret is None and sub.webhook_secret is None and sub.official == CONTEXT.official
    assert pull(session, world, sub.id).events == []  # what happened before is not part of it


def test_no_types_named_means_every_type_the_grant_allows(session):
    world = make_world(session)
    assert subscribe(session, world).subscription.events == ["death", "move", "deregistration", "created", "changed"]


def test_a_type_whose_fields_are_not_granted_or_unknown_is_refused_naming_each(session):
    world = make_world(session)
    with pytest.raises(InvalidInput) as refused:
        subscribe(session, world, ["marriage", "birthday", "death"])
    assert [(e.field, e.code) for e in refused.value.errors] == [("events", "exchange.event_type"),
                                                                ("events", "exchange.event_not_granted")]


def test_a_grant_without_the_bases_key_cannot_be_subscribed(session):
    world = make_world(session, items=("name", "death_date"), clear=())
    with pytest.raises(InvalidInput) as refused:
        subscribe(session, world)
    assert refused.value.code == "exchange.subscription_key"


def test_a_client_not_on_the_grant_and_another_departments_client_are_refused(session):
    world = make_world(session)
    unlisted, _ = make_client(session, world.consumer)
    stranger, _ = make_client(session)
    with pytest.raises(PermissionDenied) as not_listed:
        subs.subscribe(session, actor_for_client(unlisted), grant_id=world.grant.id, events=[], platform_key=KEY,
                       context=CONTEXT)
    with pytest.raises(PermissionDenied) as other:
        subs.subscribe(session, actor_for_client(stranger), grant_id=world.grant.id, events=[], platform_key=KEY,
                       context=CONTEXT)
    assert not_listed.value.code == "exchange.client_not_listed"
    assert other.value.code == "identity.permission_denied"


def test_a_data_admin_subscribes_one_of_the_grants_clients_and_gets_the_webhook_secret_once(session):
    world = make_world(session)
    admin = make_user(session, Role.DATA_ADMIN, department_id=world.consumer.id)
    made = subs.subscribe(session, actor_for(admin), grant_id=world.grant.id, events=["death"], platform_key=KEY,
                          client_id=world.client.id, webhook_url="https://mz.example.gov.cn/hooks/deaths",
                          context=subs.CallContext(admin.username, "死亡人员待遇停发", "MZ-2026-7"))
    sub = made.subscription
    assert made.secret and made.secret.startswith("whsec_") and made.secret not in sub.webhook_secret
    assert sub.client_id == world.client.id and sub.official == admin.username


@pytest.mark.parametrize("url", ["ftp://mz.example/hook", "https://", "mz.example/hook", "https://a b.example/"])
def test_a_webhook_address_that_is_not_http_is_refused(session, url):
    world = make_world(session)
    with pytest.raises(InvalidInput) as refused:
        subscribe(session, world, webhook_url=url)
    assert refused.value.errors[0].field == "webhook_url"


# Pulling -----------------------------------------------------------------------------------------------------------

def test_a_pull_returns_the_subscribed_events_with_granted_items_only_masked_as_granted(session):
    world = make_world(session)
    sub = subscribe(session, world, ["death", "move"]).subscription
    dead = make_person(session, department_id=world.police.id, name="张三明", death_date=dt.date(2026, 11, 20),
                       household_address="上海市浦东新区张杨路100弄5号")
    moved = make_person(session, department_id=world.police.id, household_address="上海市黄浦区南京东路1号")
    death = log(session, dead.id_number, "changed", ["death_date", "phone"])
    log(session, dead.id_number, "changed", ["phone"])  # phone is not granted: not an event
    log(session, moved.id_number, "changed", ["marital_status"])  # not a type subscribed to
    move = log(session, moved.id_number, "changed", ["household_address"])

    pulled = pull(session, world, sub.id, sub.start_seq)

    assert [e["seq"] for e in pulled.events] == [death.seq, move.seq] and pulled.next_cursor == move.seq
    first = pulled.events[0]
    assert first["key"] == dead.id_number and first["types"] == ["death"] and first["fields"] == ["death_date"]
    assert set(first["values"]) == {"name", "death_date", "household_address"}  # no phone, no marital status
    assert first["values"]["death_date"] == {"value": "2026-11-20", "masked": None, "source": {
        "department_id": world.police.id, "department": world.police.name, "at": "2026-11-01"}}
    assert first["values"]["name"]["value"] == "张*明" and first["values"]["name"]["masked"] == "name"
    assert first["values"]["household_address"]["value"] == "上海市浦东新区张杨路****"
    assert pulled.events[1]["types"] == ["move"]


def test_a_personal_item_without_a_masking_rule_is_hidden_and_the_key_masked_unless_clear(session):
    world = make_world(session, items=("id_number", "marital_status"), clear=())
    sub = subscribe(session, world, ["marriage"]).subscription
    person = make_person(session, marital_status="20")
    log(session, person.id_number, "changed", ["marital_status"])

    [event] = pull(session, world, sub.id).events

    assert event["key"] == person.id_number[:3] + "*" * 11 + person.id_number[-4:]
    assert event["values"]["marital_status"] == {"value": None, "masked": "hide", "source": None}


def test_pulling_again_with_the_same_cursor_returns_the_same_events(session):
    world = make_world(session)
    sub = subscribe(session, world, ["changed"]).subscription
    for _ in range(3):
        log(session, make_person(session).id_number, "changed", ["name"])

    first = pull(session, world, sub.id, limit=2)
    again = pull(session, world, sub.id, limit=2)
    rest = pull(session, world, sub.id, first.next_cursor)

    assert first == again and first.more and len(rest.events) == 1 and not rest.more
    assert sub.cursor == sub.start_seq  # a pull stores nothing


def test_a_pull_is_audited_like_an_exchange_call_with_the_keys_as_subjects(sessions):
    with transaction(sessions) as session:
        world = make_world(session)
        sub_id = subscribe(session, world, ["death"]).subscription.id
        person = make_person(session, death_date=dt.date(2026, 11, 1))
        log(session, person.id_number, "changed", ["death_date"])
        key, code, client_id = person.id_number, world.resource.code, world.client.id
    with transaction(sessions) as session:
        pulled = pull(session, world, sub_id)
    with sessions() as session:
        record = session.scalars(select(AuditRecord).where(AuditRecord.action == "exchange.changes")).one()
        subjects = session.scalars(select(AuditSubject.subject).where(AuditSubject.seq == record.seq)).all()
    assert (record.outcome, record.actor_kind, record.actor_id, record.target_id) == ("allowed", "client",
                                                                                      str(client_id), code)
    assert (record.purpose, record.case_ref, record.details["official"]) == (CONTEXT.purpose, CONTEXT.case,
                                                                             CONTEXT.official)
    assert record.details["items"] == ["id_number", "name", "household_address", "death_date"]
    assert record.details["next_cursor"] == pulled.next_cursor and subjects == [key]


@pytest.mark.parametrize(("grant", "code"), [
    ({"valid_to": dt.date.today() - dt.timedelta(days=2)}, "exchange.grant_expired"),
    ({"valid_from": dt.date.today() + dt.timedelta(days=3)}, "exchange.grant_not_yet_valid"),
    ({"revoked_at": dt.datetime.now(dt.UTC)}, "exchange.grant_revoked"),
])
def test_a_grant_expired_revoked_or_not_yet_valid_refuses_pulls_and_the_refusal_is_audited(sessions, grant, code):
    with transaction(sessions) as session:
        world = make_world(session)
        sub_id = subscribe(session, world).subscription.id
        log(session, make_person(session).id_number, "created")
    with transaction(sessions) as session:
        for name, value in grant.items():
            setattr(session.get(Grant, world.grant.id), name, value)
    with pytest.raises(PermissionDenied) as refused, transaction(sessions) as session:
        pull(session, world, sub_id)
    assert refused.value.code == code
    with sessions() as session:
        record = session.scalars(select(AuditRecord).where(AuditRecord.action == "exchange.changes")).one()
    assert (record.outcome, record.details["reason"]) == ("denied", code)


def test_another_client_of_the_same_department_may_not_pull(session):
    world = make_world(session)
    sub = subscribe(session, world).subscription
    other, _ = make_client(session, world.consumer)
    with pytest.raises(PermissionDenied) as refused:
        subs.pull(session, actor_for_client(other), sub.id, cursor=0, context=CONTEXT)
    assert refused.value.code == "exchange.subscription_client"


@pytest.mark.parametrize("missing", ["official", "purpose", "case"])
def test_personal_data_is_not_pulled_without_the_official_the_purpose_and_the_case(session, missing):
    world = make_world(session)
    sub = subscribe(session, world).subscription
    context = subs.CallContext(**{**CONTEXT.__dict__, missing: ""})
    with pytest.raises(InvalidInput) as refused:
        pull(session, world, sub.id, context=context)
    assert refused.value.code == "exchange.headers_missing"
    assert [e.field for e in refused.value.errors] == [f"X-Tongban-{missing.capitalize()}"]


@pytest.mark.parametrize(("cursor", "limit", "field"), [(-1, 10, "cursor"), (10**9, 10, "cursor"), (0, 0, "limit"),
                                                        (0, 1001, "limit")])
def test_a_cursor_or_limit_out_of_range_is_refused(session, cursor, limit, field):
    world = make_world(session)
    sub = subscribe(session, world).subscription
    with pytest.raises(InvalidInput) as refused:
        pull(session, world, sub.id, cursor, limit=limit)
    assert [e.field for e in refused.value.errors] == [field]


def test_after_unsubscribing_nothing_more_is_pulled(session):
    world = make_world(session)
    sub = subscribe(session, world).subscription
    subs.unsubscribe(session, world.actor, sub.id)
    with pytest.raises(NotFound):
        pull(session, world, sub.id)


def test_an_entity_deregistered_is_an_event_and_one_still_registered_is_not(session):
    samr = make_department(session)
    consumer = make_department(session)
    items = [ItemDraft("统一社会信用代码", "credit_code", "string", 18), ItemDraft("企业名称", "company_name", "string", 200),
             ItemDraft("登记状态", "registration_status", "string", 20)]
    resource = make_resource(session, samr, name="企业登记信息", class_code="201001", items=items)
    client, _ = make_client(session, consumer)
    grant = make_grant(session, consumer_department_id=consumer.id, resource_id=resource.id,
                       items=["credit_code", "registration_status"], clients=[client])
    actor = actor_for_client(client)
    sub = subs.subscribe(session, actor, grant_id=grant.id, events=["deregistration"], platform_key=KEY)
    build = make_build(session, "entity").id
    codes = []
    for status in ("注销", "存续"):
        code = credit_code()
        session.add(Entity(credit_code=code, company_name="某公司", registration_status=status, former_names=[],
                           provenance={}, build_id=build))
        codes.append(code)
        log(session, code, "changed", ["registration_status"], base="entity")
    session.flush()

    pulled = subs.pull(session, actor, sub.subscription.id, cursor=0, context=subs.CallContext())

    assert [(e["key"], e["types"], e["values"]["registration_status"]["value"]) for e in pulled.events] == [
        (codes[0], ["deregistration"], "注销")]  # not personal: no official, purpose or case needed


def test_an_entitys_legal_representative_is_a_subject_of_the_pull_too(sessions):
    with transaction(sessions) as session:
        samr, consumer = make_department(session), make_department(session)
        items = [ItemDraft("统一社会信用代码", "credit_code", "string", 18),
                 ItemDraft("法定代表人身份证号", "legal_rep_id_number", "string", 18, personal=True, sensitivity=3)]
        resource = make_resource(session, samr, name="法定代表人信息", class_code="201001", items=items)
        client, _ = make_client(session, consumer)
        grant = make_grant(session, consumer_department_id=consumer.id, resource_id=resource.id,
                           items=["credit_code", "legal_rep_id_number"], clear_items=["legal_rep_id_number"],
                           clients=[client])
        actor = actor_for_client(client)
        sub_id = subs.subscribe(session, actor, grant_id=grant.id, events=["changed"], platform_key=KEY,
                                context=CONTEXT).subscription.id
        code, rep = credit_code(), citizen_id()
        session.add(Entity(credit_code=code, legal_rep_id_number=rep, former_names=[], provenance={},
                           build_id=make_build(session, "entity").id))
        log(session, code, "changed", ["legal_rep_id_number"], base="entity")
    with transaction(sessions) as session:
        [event] = subs.pull(session, actor, sub_id, cursor=0, context=CONTEXT).events
    with sessions() as session:
        record = session.scalars(select(AuditRecord).where(AuditRecord.action == "exchange.changes")).one()
    assert event["values"]["legal_rep_id_number"]["value"] == rep
    assert record.details["subjects"] == [code, rep]


# The cursor's promise --------------------------------------------------------------------------------------------

_steps = st.lists(st.one_of(
    st.tuples(st.just("publish"), st.lists(st.sampled_from(["death_date", "phone", "household_address", "created",
                                                            "retired", "entity"]), min_size=1, max_size=5)),
    st.tuples(st.just("pull"), st.integers(min_value=1, max_value=3))), max_size=12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps, events=st.sets(st.sampled_from(subs.EVENT_TYPES[:2] + subs.EVENT_TYPES[3:]), min_size=1))
def test_pulls_honouring_the_cursor_return_the_filtered_log_exactly_once_in_order(session, steps, events):
    session.execute(delete(Change))
    world = make_world(session)
    sub = subscribe(session, world, sorted(events, key=subs.EVENT_TYPES.index)).subscription
    people = [make_person(session).id_number for _ in range(3)]
    session.commit()
    cursor, got, n = 0, [], 0
    for kind, arg in steps + [("pull", 1000)]:
        if kind == "publish":
            for what in arg:
                n += 1
                if what == "entity":
                    log(session, credit_code(), "created", base="entity")
                elif what in ("created", "retired"):
                    log(session, people[n % 3], what)
                else:
                    log(session, people[n % 3], "changed", [what])
            session.commit()
            continue
        pulled = pull(session, world, sub.id, cursor, limit=arg)
        got += [e["seq"] for e in pulled.events]
        cursor = pulled.next_cursor

    granted = set(world.grant.items)
    expected = [c.seq for c in session.scalars(select(Change).where(Change.base == "population", Change.seq >
                                                                   sub.start_seq).order_by(Change.seq))
                if subs.classify("population", c.change, c.fields, granted) & set(sub.events)]
    assert got == expected
