"""The doubts API: a department's system flags a received value with its bearer token, and reads the provider's
answer; bad input is a problem+json naming the field; another department's system may not read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.exchange.test_datause import call, city, person  # noqa: F401  (city is a fixture)
from tests.factories import make_client
from tongban.audit.unit_of_work import transaction
from tongban.exchange import disputes
from tongban.identity.service import actor_for

URL = "/api/v1/exchange/disputes"


@pytest.fixture
def api(session: Session, city: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """The housing department's system received Alice's household address; committed for the app to see."""
    call(session, city["housing"], city["resource"], [city["alice"].id_number], request_id="req-api-1")
    client, token = make_client(session, city["housing"])
    _, stranger = make_client(session)
    city["headers"] = {"Authorization": f"Bearer {token}"}
    city["stranger"] = {"Authorization": f"Bearer {stranger}"}
    city["client_name"] = f"client:{client.key_id}"
    city["provider"] = actor_for(person(session, "data_admin", city["police"]))
    session.commit()
    return city


def _body(api: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"resource": api["resource"].code, "subject": api["alice"].id_number, "item": "household_address",
            "returned_value": "张杨路100弄5号", "claimed_value": "张杨路100弄6号", "reason": "户口簿为6号",
            "request_id": "req-api-1", **overrides}


def test_a_system_raises_a_doubt_and_reads_the_providers_answer(client, sessions, api):
    raised = client.post(URL, json=_body(api), headers=api["headers"])
    assert raised.status_code == 201, raised.text
    body = raised.json()
    number = body["number"]
    assert raised.headers["location"] == f"{URL}/{number}"
    assert body["status"] == "open" and body["provider"] == "上海市公安局" and body["item_name"] == "户籍地址"
    assert dt.date.fromisoformat(body["due_on"]) > dt.date.today() and body["answer"] is None

    with transaction(sessions) as session:
        disputes.answer_dispute(session, api["provider"], number, outcome="rejected", answer="与户籍底册一致，无误")
    read = client.get(f"{URL}/{number}", headers=api["headers"])
    assert read.status_code == 200
    assert (read.json()["status"], read.json()["answer"]) == ("rejected", "与户籍底册一致，无误")


def test_another_departments_system_may_not_read_the_doubt(client, api):
    number = client.post(URL, json=_body(api), headers=api["headers"]).json()["number"]
    refused = client.get(f"{URL}/{number}", headers=api["stranger"])
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{URL}/YY20990101-0001", headers=api["headers"]).status_code == 404


@pytest.mark.parametrize(("overrides", "field"), [
    ({"item": "shoe_size"}, "item"),
    ({"request_id": "req-never"}, "request_id"),
    ({"subject": "440524188001010014", "request_id": None}, "subject"),
    ({"reason": ""}, "reason"),
])
def test_bad_input_is_a_problem_naming_the_field(client, api, overrides, field):
    response = client.post(URL, json=_body(api, **overrides), headers=api["headers"])
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "dispute.invalid" and field in [e["field"] for e in problem["errors"]]


def test_a_malformed_body_is_a_problem_too(client, api):
    response = client.post(URL, json={"resource": "x" * 40}, headers=api["headers"])
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
    assert {"resource", "subject", "item", "reason"} <= {e["field"] for e in response.json()["errors"]}


def test_a_doubt_needs_a_token(client, api):
    response = client.post(URL, json=_body(api))
    assert response.status_code == 401 and response.json()["code"] == "identity.token_required"
