"""The registry's read API for other contexts: golden records by key with provenance, a batch in one query, a
filtered query in key order with keyset pagination; retired records are never served; keys are checked."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from tests.exchange.factories import make_build, make_person
from tests.factories import citizen_id
from tongban.errors import InvalidInput
from tongban.registry import serving
from tongban.registry.bases import ADDRESS, ENTITY, POPULATION
from tongban.registry.model import Address


@pytest.fixture
def people(session):
    build = make_build(session)
    made = [make_person(session, build, department_id=1, id_number=citizen_id(n), name=f"张{n}明") for n in range(1, 6)]
    made[4].retired_at = dt.datetime.now(dt.UTC)
    session.flush()
    return [p.id_number for p in made]


def test_a_resource_is_served_by_the_base_whose_key_item_it_has():
    assert serving.base_serving(["id_number", "name", "employer_credit_code"]) is POPULATION
    assert serving.base_serving(["credit_code", "company_name"]) is ENTITY
    assert serving.base_serving(["address_code", "road_name"]) is ADDRESS
    assert serving.base_serving(["plate_number", "owner_id_number"]) is None


def test_only_the_key_and_the_base_columns_of_a_resource_are_served():
    assert serving.served_items(POPULATION, ["id_number", "name", "registered_on", "phone"]) == (
        "id_number", "name", "phone")


def test_one_record_comes_with_the_columns_asked_and_their_provenance(session, people):
    found = serving.fetch_one(session, POPULATION, people[0], ["name", "birth_date", "death_date"])
    assert found is not None and found.key == people[0]
    assert found.values == {"name": "张1明", "birth_date": dt.date(1990, 1, 1), "death_date": None}
    assert found.sources["name"] == {"department": 1, "feed": 1, "row": 2, "at": "2026-11-01"}
    assert "death_date" not in found.sources


def test_a_retired_or_unknown_record_is_not_served(session, people):
    assert serving.fetch_one(session, POPULATION, people[4], ["name"]) is None
    assert serving.fetch_one(session, POPULATION, citizen_id(99), ["name"]) is None


def test_a_batch_of_keys_is_one_query_and_leaves_out_retired_and_unknown_records(session, engine, people):
    statements = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        found = serving.fetch(session, POPULATION, [*people, citizen_id(99)], ["name"])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert set(found) == set(people[:4])
    assert len([s for s in statements if "registry_people" in s]) == 1


def test_a_batch_refuses_more_than_a_thousand_keys(session):
    with pytest.raises(ValueError):
        serving.fetch(session, POPULATION, [citizen_id(1)] * 1001, ["name"])


def _address(session, build_id: int, code: str, district: str) -> None:
    session.add(Address(address_code=code, district_code=district, road_name="张杨路", house_number="1",
                        provenance={"road_name": {"department": 2, "feed": 3, "row": 1, "at": "2026-10-01"}},
                        former_names=[], build_id=build_id))


def test_a_query_filters_in_key_order_and_pages_after_the_last_key(session):
    build = make_build(session, "address")
    for n in range(7):
        _address(session, build.id, f"31011500100{n}", "310115" if n % 2 == 0 else "310104")
    session.flush()
    first = serving.query(session, ADDRESS, ["road_name"], filters={"district_code": "310115"}, limit=2)
    assert [g.key for g in first] == ["310115001000", "310115001002"]
    rest = serving.query(session, ADDRESS, ["road_name"], filters={"district_code": "310115"}, after=first[-1].key,
                         limit=10)
    assert [g.key for g in rest] == ["310115001004", "310115001006"]
    assert rest[0].sources["road_name"]["department"] == 2


def test_a_query_on_a_date_column_needs_a_date(session, people):
    with pytest.raises(InvalidInput) as raised:
        serving.query(session, POPULATION, ["name"], filters={"birth_date": "yesterday"})
    assert raised.value.errors[0].field == "filter[birth_date]"
    found = serving.query(session, POPULATION, ["name"], filters={"birth_date": "1990-01-01"})
    assert [g.key for g in found] == sorted(people[:4])


@pytest.mark.parametrize("spec,raw,expected", [
    (POPULATION, "11010519491231002X", "11010519491231002X"),
    (POPULATION, "110105491231002", "11010519491231002X"),
    (POPULATION, " 11010519491231002x ", "11010519491231002X"),
    (ENTITY, "91350200776049653A", "91350200776049653A"),
    (ADDRESS, "310115001002", "310115001002"),
])
def test_a_key_is_checked_and_given_as_stored(spec, raw, expected):
    assert serving.check_key(spec, raw) == expected


@pytest.mark.parametrize("spec,raw,rule", [
    (POPULATION, "110105194912310021", "idcard.checksum"),
    (POPULATION, "11010519491331002X", "idcard.birth_date"),
    (POPULATION, "abc", "idcard.length"),
    (ENTITY, "91350200776049653B", "uscc.checksum"),
    (ADDRESS, "31-01", "address_code.format"),
])
def test_a_malformed_key_is_refused_naming_the_rule(spec, raw, rule):
    with pytest.raises(InvalidInput) as raised:
        serving.check_key(spec, raw, field="keys[3]")
    assert raised.value.errors[0].code == rule and raised.value.errors[0].field == "keys[3]"
