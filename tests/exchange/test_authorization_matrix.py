"""The issue's check, run from outside over HTTP: every refusal rule of the exchange API and combinations of them.
Each denied call answers with the right status and problem code, carries no record data, and is in the audit log
as denied under its request id; clear and masked items leave as the grant says."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import delete, select

from tests.exchange.gateway_world import auth, build_world
from tongban.audit.model import AuditRecord
from tongban.exchange.model import Grant, GrantClient

UNKNOWN = "999999/999999"
MALFORMED = "110105194912310021"  # the standard's invalid example: wrong check character

# fault → (status, code) when it is the first rule broken; the order is the rules' order (call_rules).
RULES = {
    "unknown_resource": (404, "exchange.unknown_resource"),
    "no_grant": (403, "exchange.no_grant"),
    "other_department_client": (403, "exchange.no_grant"),
    "revoked": (403, "exchange.grant_revoked"),
    "expired": (403, "exchange.grant_expired"),
    "item_outside": (403, "exchange.item_not_granted"),
    "missing_official": (422, "exchange.headers_missing"),
    "missing_purpose": (422, "exchange.headers_missing"),
    "missing_case": (422, "exchange.headers_missing"),
    "malformed_key": (422, "exchange.malformed_key"),
}
COMBINATIONS = [
    *[(fault,) for fault in RULES],
    ("unknown_resource", "no_grant"), ("unknown_resource", "malformed_key", "missing_case"),
    ("no_grant", "item_outside"), ("no_grant", "missing_official", "malformed_key"),
    ("other_department_client", "revoked"), ("other_department_client", "missing_purpose"),
    ("revoked", "expired"), ("revoked", "item_outside", "malformed_key"), ("expired", "missing_case"),
    ("expired", "malformed_key"), ("item_outside", "missing_official"), ("item_outside", "malformed_key"),
    ("missing_official", "missing_purpose", "missing_case"), ("missing_purpose", "malformed_key"),
]


def _expected(faults: tuple[str, ...]) -> tuple[int, str]:
    return next(RULES[rule] for rule in RULES if rule in faults)


def _apply(session, world, faults):  # type: ignore[no-untyped-def]
    """The database state and the request (path, headers) that the faults make."""
    grant = session.get(Grant, world.grant.id)
    if "no_grant" in faults:
        session.execute(delete(GrantClient).where(GrantClient.grant_id == grant.id))
        session.delete(grant)
    else:
        if "revoked" in faults:
            grant.revoked_at = dt.datetime.now(dt.UTC)
        if "expired" in faults:
            grant.valid_from, grant.valid_to = dt.date.today() - dt.timedelta(days=30), dt.date.today() - dt.timedelta(days=2)
    session.commit()
    token = world.other_token if "other_department_client" in faults else world.token
    headers = auth(token)
    for name in ("official", "purpose", "case"):
        if f"missing_{name}" in faults:
            headers.pop(f"X-Tongban-{name.title()}")
    code = UNKNOWN if "unknown_resource" in faults else world.people
    key = MALFORMED if "malformed_key" in faults else world.person
    query = "?items=name,ethnicity" if "item_outside" in faults else ""
    return f"/api/v1/exchange/resources/{code}/records/{key}{query}", headers


def _assert_no_record_data(response, world) -> None:  # type: ignore[no-untyped-def]
    """Nothing of the golden records in the answer (``instance`` echoes the path the caller sent, and
    ``request_id`` is random hex that may hold any digits)."""
    text = json.dumps({k: v for k, v in response.json().items() if k not in ("instance", "request_id")},
                      ensure_ascii=False)
    for leaked in ("张三明", "张*明", "138", "1990", "张杨路", "欧阳"):
        assert leaked not in text, leaked


def _audited(session, request_id: str) -> AuditRecord:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(AuditRecord).where(AuditRecord.request_id == request_id))


@pytest.mark.parametrize("faults", COMBINATIONS, ids=["+".join(c) for c in COMBINATIONS])
def test_a_call_breaking_a_rule_is_refused_without_data_and_logged_as_denied(client, session, faults):
    world = build_world(session)
    path, headers = _apply(session, world, faults)
    response = client.get(path, headers=headers)
    status, code = _expected(faults)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    assert "record" not in body and "records" not in body
    _assert_no_record_data(response, world)
    logged = _audited(session, response.headers["X-Tongban-Request-Id"])
    assert logged is not None, "a denied call is missing from the audit log"
    assert (logged.action, logged.outcome, logged.details["rule"], logged.details["status"]) == (
        "exchange.call", "denied", code, status)
    assert logged.details["response_hash"] == response.headers["X-Tongban-Response-Hash"]
    # nobody's data left, but the attempt names the key it asked for (the data-use record shows allowed calls only)
    asked = MALFORMED if "malformed_key" in faults else world.person
    assert logged.details["subjects"] == [asked.strip().upper()[:32]]


@pytest.mark.parametrize("via", ["batch", "query"])
@pytest.mark.parametrize("fault", ["no_grant", "other_department_client", "revoked", "expired", "unknown_resource"])
def test_batches_and_queries_are_refused_by_the_same_rules(client, session, via, fault):
    world = build_world(session)
    _, headers = _apply(session, world, (fault,))
    code = UNKNOWN if fault == "unknown_resource" else world.people
    if via == "batch":
        response = client.post(f"/api/v1/exchange/resources/{code}/records/batch", headers=headers,
                               json={"keys": [world.person, world.person2]})
    else:
        response = client.get(f"/api/v1/exchange/resources/{code}/records?filter[name]=x", headers=headers)
    assert (response.status_code, response.json()["code"]) == RULES[fault]
    _assert_no_record_data(response, world)
    assert _audited(session, response.headers["X-Tongban-Request-Id"]).outcome == "denied"


def test_a_grant_listing_another_departments_client_is_refused_as_the_wrong_department(client, session):
    world = build_world(session)
    session.add(GrantClient(grant_id=world.grant.id, client_id=world.other_client.id))
    session.commit()
    response = client.get(f"/api/v1/exchange/resources/{world.people}/records/{world.person}",
                          headers=auth(world.other_token))
    assert (response.status_code, response.json()["code"]) == (403, "exchange.wrong_department")
    assert _audited(session, response.headers["X-Tongban-Request-Id"]).details["rule"] == "exchange.wrong_department"


def test_a_client_of_the_department_not_listed_on_its_grant_is_refused(client, session):
    from tests.factories import make_client

    world = build_world(session)
    _, token = make_client(session, world.consumer)
    session.commit()
    response = client.get(f"/api/v1/exchange/resources/{world.people}/records/{world.person}", headers=auth(token))
    assert (response.status_code, response.json()["code"]) == (403, "exchange.client_not_listed")


@pytest.mark.parametrize("clear", [[], ["name", "phone"], ["id_number", "name", "birth_date", "phone",
                                                            "household_address"]])
def test_granted_items_leave_clear_or_masked_as_the_grant_says_and_the_call_is_logged(client, session, clear):
    world = build_world(session, clear_items=clear)
    response = client.get(f"/api/v1/exchange/resources/{world.people}/records/{world.person}",
                          headers=auth(world.token))
    assert response.status_code == 200, response.text
    fields = response.json()["record"]["fields"]
    clear_values = {"id_number": world.person, "name": "张三明", "birth_date": "1990-01-01", "phone": "13812345678",
                    "household_address": "上海市浦东新区张杨路100弄5号"}
    for item, value in clear_values.items():
        if item in clear:
            assert fields[item]["value"] == value and fields[item]["masked"] is None
        else:
            assert fields[item]["value"] != value and fields[item]["masked"]
    assert "ethnicity" not in fields and "sex" not in fields  # not granted: not there at all
    logged = _audited(session, response.headers["X-Tongban-Request-Id"])
    assert (logged.outcome, logged.details["subjects"]) == ("allowed", [world.person])
