"""The exchange gateway's use cases: granted items only, masked unless clear, each field with its provenance; the
audit event names the client, official, purpose, case, items and data subjects; refusals carry a denied event."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.exchange.gateway_world import ENTITY_ITEMS, build_world
from tests.exchange.factories import make_grant
from tongban.errors import InvalidInput, Locked, NotFound, PermissionDenied, TongbanError
from tongban.exchange import gateway
from tongban.exchange.call_rules import canonical, clean_header, response_hash
from tongban.exchange.gateway_state import GatewayState


@pytest.fixture
def world(session):
    return build_world(session)


def _call(world, client=None, **headers):  # type: ignore[no-untyped-def]
    client = client or world.client
    values = {"official": "zhangwei01", "purpose": "居住证办理", "case": "SQ-1", **headers}
    return gateway.Call(client.id, client.key_id, client.department_id, "req-1", **values)


def _state() -> GatewayState:
    return GatewayState(ttl=0, grant_ttl=0)


def test_a_look_up_returns_the_granted_items_masked_with_their_source(session, world):
    answer = gateway.look_up(session, _state(), _call(world), world.people, world.person)
    fields = answer.body["record"]["fields"]
    assert answer.status == 200 and answer.body["record"]["key"] == world.person
    assert set(fields) == {"id_number", "name", "birth_date", "phone", "household_address"}
    assert fields["id_number"]["value"] == world.person[:3] + "*" * 11 + world.person[-4:]
    assert fields["name"] == {"value": "张*明", "masked": "name", "source": {
        "department_id": world.provider.id, "department": world.provider.name, "at": "2026-11-01"}}
    assert fields["phone"]["value"] == "138****5678"
    assert fields["birth_date"]["value"] == "1990"
    assert fields["household_address"]["value"] == "上海市浦东新区张杨路****"


def test_the_allowed_call_is_described_by_its_audit_event(session, world):
    event = gateway.look_up(session, _state(), _call(world), world.people, world.person, items="name").event
    assert (event.action, event.outcome, event.target_type, event.target_id) == (
        "exchange.call", "allowed", "resource", world.people)
    assert event.actor.kind == "client" and event.actor.id == str(world.client.id)
    assert event.actor.department_id == world.consumer.id
    assert (event.purpose, event.case_ref, event.request_id) == ("居住证办理", "SQ-1", "req-1")
    assert event.subjects == (world.person,)
    assert event.details["official"] == "zhangwei01" and event.details["items"] == ["name"]
    assert event.details["grant"] == world.grant.id and event.details["status"] == 200


def test_items_the_grant_says_clear_leave_unmasked(session, world):
    world.grant.clear_items = ["name", "phone"]
    session.commit()
    fields = gateway.look_up(session, _state(), _call(world), world.people, world.person2).body["record"]["fields"]
    assert fields["name"] == {**fields["name"], "value": "欧阳娜娜", "masked": None}
    assert fields["phone"]["value"] == "13900001111"
    assert fields["id_number"]["masked"] == "id_number"


def test_a_personal_item_without_a_rule_leaves_hidden(session, world):
    world.grant.items = [*world.grant.items, "ethnicity"]
    session.commit()
    fields = gateway.look_up(session, _state(), _call(world), world.people, world.person).body["record"]["fields"]
    assert fields["ethnicity"] == {"value": None, "masked": "hide", "source": None}


def test_only_the_items_asked_for_are_returned(session, world):
    fields = gateway.look_up(session, _state(), _call(world), world.people, world.person, items="name, phone")
    assert list(fields.body["record"]["fields"]) == ["name", "phone"]


def test_an_item_not_held_in_the_base_is_refused_with_422(session, world):
    world.grant.items = [*world.grant.items, "registered_on"]
    session.commit()
    with pytest.raises(InvalidInput) as raised:
        gateway.look_up(session, _state(), _call(world), world.people, world.person, items="registered_on")
    assert raised.value.code == "exchange.item_not_served"


@pytest.mark.parametrize("key", ["retired", "absent"])
def test_a_retired_or_missing_record_is_a_404_audited_as_failed(session, world, key):
    with pytest.raises(NotFound) as raised:
        gateway.look_up(session, _state(), _call(world), world.people, getattr(world, key))
    assert raised.value.code == "exchange.not_found"
    assert raised.value.audit.outcome == "failed" and raised.value.audit.subjects == (getattr(world, key),)


def test_a_batch_returns_the_records_in_the_order_asked_and_names_those_not_found(session, world):
    keys = [world.person2, world.absent, world.person, world.person2, world.retired]
    answer = gateway.look_up_batch(session, _state(), _call(world), world.people, {"keys": keys, "items": ["name"]})
    assert [r["key"] for r in answer.body["records"]] == [world.person2, world.person]
    assert answer.body["not_found"] == [world.absent, world.retired]
    assert [r["fields"]["name"]["value"] for r in answer.body["records"]] == ["欧阳*娜", "张*明"]
    assert set(answer.event.subjects) == {world.person, world.person2, world.absent, world.retired}
    assert (answer.event.details["keys"], answer.event.details["found"]) == (4, 2)


@pytest.mark.parametrize("payload,field", [
    (None, "keys"), ({"keys": []}, "keys"), ({"keys": ["1"] * 1001}, "keys"), ({"keys": [1, 2]}, "keys"),
    ({"keys": ["x"], "items": "name"}, "items"),
])
def test_a_batch_body_of_the_wrong_shape_is_refused_naming_the_field(session, world, payload, field):
    with pytest.raises(InvalidInput) as raised:
        gateway.look_up_batch(session, _state(), _call(world), world.people, payload)
    assert raised.value.code == "exchange.invalid_body" and raised.value.errors[0].field == field
    assert raised.value.audit.outcome == "denied"


def test_one_malformed_key_refuses_the_batch_naming_each(session, world):
    with pytest.raises(InvalidInput) as raised:
        gateway.look_up_batch(session, _state(), _call(world), world.people,
                              {"keys": [world.person, "110105194912310021", "abc"]})
    assert raised.value.code == "exchange.malformed_key"
    assert [e.field for e in raised.value.errors] == ["keys[1]", "keys[2]"]
    assert raised.value.audit.details["rule"] == "exchange.malformed_key"


def _entity_grant(session, world, items):  # type: ignore[no-untyped-def]
    make_grant(session, consumer_department_id=world.consumer.id, resource_id=world.companies_id, items=items,
               clients=[world.client])
    session.commit()


def test_a_query_of_a_non_personal_grant_pages_in_key_order_without_headers(session, world):
    _entity_grant(session, world, ["credit_code", "company_name", "registration_status"])
    call = _call(world, official=None, purpose=None, case=None)
    answer = gateway.query_records(session, _state(), call, world.companies, filters={"registration_status": "存续"},
                                   limit="1")
    assert [r["key"] for r in answer.body["records"]] == [world.company]
    assert answer.body["records"][0]["fields"]["company_name"]["value"] == "上海示例科技有限公司"
    assert answer.body["next"] is None and answer.event.subjects == (world.company,)
    empty = gateway.query_records(session, _state(), call, world.companies, filters={}, after=world.company)
    assert empty.body["records"] == []


def test_a_query_is_refused_when_the_grant_has_personal_items(session, world):
    _entity_grant(session, world, ENTITY_ITEMS)
    with pytest.raises(PermissionDenied) as raised:
        gateway.query_records(session, _state(), _call(world), world.companies, filters={})
    assert raised.value.code == "exchange.personal_query" and "legal_rep_name" in raised.value.params["items"]


def test_a_query_of_people_is_refused_since_their_keys_are_personal(session, world):
    with pytest.raises(PermissionDenied) as raised:
        gateway.query_records(session, _state(), _call(world), world.people, filters={})
    assert raised.value.code == "exchange.personal_query"


@pytest.mark.parametrize("limit", ["0", "1001", "ten", "-1"])
def test_a_query_limit_outside_one_to_a_thousand_is_refused(session, world, limit):
    with pytest.raises(InvalidInput) as raised:
        gateway.query_records(session, _state(), _call(world), world.companies, filters={}, limit=limit)
    assert raised.value.code == "exchange.invalid_limit"


def test_the_rate_limit_refuses_the_call_after_the_grants_calls_a_minute(session, world):
    world.grant.rate_limit = 2
    session.commit()
    clock = [100.0]
    state = GatewayState(ttl=0, grant_ttl=0, clock=lambda: clock[0])
    for _ in range(2):
        gateway.look_up(session, state, _call(world), world.people, world.person)
    with pytest.raises(Locked) as raised:
        gateway.look_up(session, state, _call(world), world.people, world.person)
    assert raised.value.code == "exchange.rate_limited" and raised.value.params["retry_after"] == 30
    assert raised.value.audit.outcome == "denied" and raised.value.audit.details["retry_after"] == 30
    clock[0] += 30
    assert gateway.look_up(session, state, _call(world), world.people, world.person).status == 200


def test_a_revoked_grant_stops_calls_once_the_cached_grant_is_older_than_its_ttl(session, world):
    clock = [0.0]
    state = GatewayState(ttl=0, grant_ttl=1.0, clock=lambda: clock[0])
    gateway.look_up(session, state, _call(world), world.people, world.person)
    world.grant.revoked_at = dt.datetime.now(dt.UTC)
    session.commit()
    clock[0] += 1.0
    with pytest.raises(PermissionDenied) as raised:
        gateway.look_up(session, state, _call(world), world.people, world.person)
    assert raised.value.code == "exchange.grant_revoked"


def test_a_look_up_of_non_personal_items_needs_no_headers_and_names_the_company(session, world):
    _entity_grant(session, world, ["credit_code", "company_name"])
    call = _call(world, official=None, purpose=None, case=None)
    answer = gateway.look_up(session, _state(), call, world.companies, world.company)
    assert answer.body["record"]["fields"]["company_name"]["value"] == "上海示例科技有限公司"
    assert answer.event.subjects == (world.company,)


def test_a_refusal_is_a_domain_error_with_a_denied_event(session, world):
    with pytest.raises(TongbanError) as raised:
        gateway.look_up(session, _state(), _call(world, client=world.other_client), world.people, world.person)
    event = raised.value.audit
    assert raised.value.code == "exchange.no_grant" and raised.value.status == 403
    assert event.outcome == "denied" and event.subjects == (world.person,) and event.details["rule"] == "exchange.no_grant"
    assert event.actor.department_id == world.other.id


@pytest.mark.parametrize("raw,expected", [
    ("SQ-1", "SQ-1"), ("%E5%B1%85%E4%BD%8F%E8%AF%81", "居住证"), ("居住证".encode().decode("latin-1"), "居住证"),
    ("  ", None), (None, None), ("100%", "100%"), ("%zz", "%zz"),
])
def test_a_header_value_is_read_as_utf8_text(raw, expected):
    assert clean_header(raw) == expected


def test_the_response_hash_is_sha256_of_the_canonical_json_of_the_binding():
    body = canonical({"record": {"key": "k", "fields": {"name": {"value": "张*明"}}}, "request_id": "r"})
    binding = {"request_id": "r", "method": "GET", "path": "/p", "query": "items=name", "client": "abc",
               "official": "o", "purpose": "居住证办理", "case": None, "body": json.loads(body)}
    expected = hashlib.sha256(json.dumps(binding, sort_keys=True, ensure_ascii=False,
                                         separators=(",", ":")).encode()).hexdigest()
    assert response_hash(request_id="r", method="GET", path="/p", query="items=name", client="abc", official="o",
                         purpose="居住证办理", case=None, body=body) == expected



_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


def _standard(value):  # type: ignore[no-untyped-def]
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


@settings(max_examples=300, deadline=None)
@given(value=_JSON | st.dictionaries(st.integers(), st.dates() | st.datetimes(), max_size=3))
def test_canonical_json_is_the_standard_library_form(value):
    """The body a client hashes is sorted keys, no spaces, UTF-8 unescaped, dates as text. orjson writes it and
    must give what the standard library gives, beyond-64-bit integers and keys not text included; a float may be
    spelt otherwise (0.00001 for 1e-05) but reads back the same — the hash covers the bytes as sent."""
    try:
        _standard(value).encode()
    except UnicodeEncodeError:  # a lone surrogate: not text that can leave as UTF-8 at all
        return
    assert json.loads(canonical(value)) == json.loads(_standard(value))
    if not _has_float(value):
        assert canonical(value) == _standard(value)


def _has_float(value) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return isinstance(value, list) and any(_has_float(v) for v in value)
