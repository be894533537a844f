"""The subscriptions API for department systems: subscribe with a bearer token (the webhook secret shown once), pull
events with a cursor, unsubscribe; personal data refused without the official, purpose and case headers; an expired
grant, another client, no token — problem+json; all in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from tests.exchange.factories import make_person
from tests.exchange.test_subscriptions import World, make_world
from tests.factories import make_client
from tests.registry.test_change_feed import log
from tongban.audit.model import AuditRecord
from tongban.audit.unit_of_work import transaction
from tongban.exchange.model import Grant

PROBLEM = "application/problem+json"
HEADERS = {"X-Tongban-Official": "012345", "X-Tongban-Purpose": quote("死亡人员待遇停发"),
           "X-Tongban-Case": "MZ-2026-0007"}


def call(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **HEADERS, **extra}


@pytest.fixture
def world(sessions) -> World:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        return make_world(session)


def _subscribe(client, world: World, **body) -> dict:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/exchange/subscriptions", headers=call(world.token),
                           json={"grant_id": world.grant.id, **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_system_subscribes_pulls_with_its_cursor_and_unsubscribes(client, sessions, world):
    made = _subscribe(client, world, events=["death"])
    assert made["events"] == ["death"] and made["base"] == "population" and made["webhook_secret"] is None
    with transaction(sessions) as session:
        person = make_person(session, death_date=dt.date(2026, 11, 20))
        death = log(session, person.id_number, "changed", ["death_date"])
        key = person.id_number

    url = f"/api/v1/exchange/subscriptions/{made['id']}/events"
    page = client.get(url, params={"cursor": made["cursor"]}, headers=call(world.token))
    assert page.status_code == 200, page.text
    body = page.json()
    assert [(e["seq"], e["key"], e["types"]) for e in body["events"]] == [(death.seq, key, ["death"])]
    assert body["events"][0]["values"]["death_date"]["value"] == "2026-11-20"
    assert body["next_cursor"] == death.seq and body["more"] is False
    later = client.get(url, params={"cursor": body["next_cursor"]}, headers=call(world.token)).json()
    assert later["events"] == [] and later["next_cursor"] == death.seq

    with sessions() as session:
        record = session.scalars(select(AuditRecord).where(AuditRecord.action == "exchange.changes",
                                                           AuditRecord.outcome == "allowed")).first()
    assert record.purpose == "死亡人员待遇停发" and record.details["subjects"] == [key]
    assert record.details["response_hash"] == page.headers["X-Tongban-Response-Hash"]
    assert re.fullmatch(r"[0-9a-f]{64}", page.headers["X-Tongban-Response-Hash"])
    assert page.headers["X-Tongban-Request-Id"] == page.headers["X-Request-ID"] == record.request_id

    assert client.delete(f"/api/v1/exchange/subscriptions/{made['id']}", headers=call(world.token)).status_code == 204
    gone = client.get(url, headers=call(world.token))
    assert gone.status_code == 404 and gone.headers["content-type"] == PROBLEM


def test_a_webhook_subscription_shows_its_secret_once(client, world):
    made = _subscribe(client, world, events=["death"], webhook_url="https://mz.example.gov.cn/hooks")
    assert made["webhook_secret"].startswith("whsec_") and made["webhook_url"] == "https://mz.example.gov.cn/hooks"


@pytest.mark.parametrize("missing", ["X-Tongban-Official", "X-Tongban-Purpose", "X-Tongban-Case"])
def test_a_pull_of_personal_data_without_the_call_headers_is_refused_naming_the_header(client, world, missing):
    made = _subscribe(client, world)
    headers = {k: v for k, v in call(world.token).items() if k != missing}
    response = client.get(f"/api/v1/exchange/subscriptions/{made['id']}/events", headers=headers,
                          params={"lang": "en"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "exchange.headers_missing" and [e["field"] for e in problem["errors"]] == [missing]


def test_subscribing_without_the_call_headers_is_refused_too(client, world):
    response = client.post("/api/v1/exchange/subscriptions", json={"grant_id": world.grant.id},
                           headers={"Authorization": f"Bearer {world.token}"})
    assert response.status_code == 422 and response.json()["code"] == "exchange.headers_missing"


def test_an_expired_grant_is_403_problem_json_and_audited_as_denied(client, sessions, world):
    made = _subscribe(client, world)
    with transaction(sessions) as session:
        session.get(Grant, world.grant.id).valid_to = dt.date.today() - dt.timedelta(days=3)
    response = client.get(f"/api/v1/exchange/subscriptions/{made['id']}/events", headers=call(world.token))
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "exchange.grant_expired"
    with sessions() as session:
        denied = session.scalars(select(AuditRecord).where(AuditRecord.outcome == "denied")).all()
    assert [r.action for r in denied] == ["exchange.changes"]


def test_another_departments_system_may_neither_subscribe_nor_pull(client, sessions, world):
    made = _subscribe(client, world)
    with transaction(sessions) as session:
        _, stranger = make_client(session)
    pulled = client.get(f"/api/v1/exchange/subscriptions/{made['id']}/events", headers=call(stranger))
    subscribed = client.post("/api/v1/exchange/subscriptions", headers=call(stranger),
                             json={"grant_id": world.grant.id})
    assert pulled.status_code == subscribed.status_code == 403


def test_an_event_type_the_grant_does_not_cover_is_422_naming_the_field(client, world):
    response = client.post("/api/v1/exchange/subscriptions", headers=call(world.token),
                           json={"grant_id": world.grant.id, "events": ["marriage"]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "events"


def test_without_a_token_the_api_answers_401(client, world):
    response = client.get("/api/v1/exchange/subscriptions/1/events")
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM


def test_the_subscription_endpoints_and_their_headers_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/exchange/subscriptions"]
    pull = paths["/api/v1/exchange/subscriptions/{subscription_id}/events"]["get"]
    assert {p["name"] for p in pull["parameters"]} >= {"cursor", "limit", "X-Tongban-Official", "X-Tongban-Purpose",
                                                       "X-Tongban-Case"}
    assert "delete" in paths["/api/v1/exchange/subscriptions/{subscription_id}"]
    assert "X-Tongban-Signature" in paths["/api/v1/exchange/subscriptions"]["post"]["description"]
