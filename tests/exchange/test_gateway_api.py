"""The exchange API over HTTP: every answer carries a request id and a hash binding it to its request, and is in the
audit log before it leaves; refusals are problem+json (429 with Retry-After); the OpenAPI docs show it all."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from tests.exchange.factories import make_grant
from tests.exchange.gateway_world import PERSONAL_HEADERS, auth, build_world
from tests.factories import PASSWORD, make_user
from tests.web.test_pages import csrf_token, login
from tongban.audit.model import AuditRecord
from tongban.exchange.model import MaskingRule


@pytest.fixture
def world(session):
    return build_world(session)


def _logged(session, response) -> AuditRecord:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(AuditRecord).where(AuditRecord.request_id == response.headers["X-Tongban-Request-Id"]))


def _rehash(response, client_key: str, path: str, query: str = "") -> str:  # type: ignore[no-untyped-def]
    """The hash as a client recomputes it from what it sent and received (docs/exchange.md)."""
    binding = {"request_id": response.headers["X-Tongban-Request-Id"], "method": response.request.method,
               "path": path, "query": query, "client": client_key, "official": "zhangwei01", "purpose": "居住证办理",
               "case": "SQ20261127-0042", "body": response.json()}
    return hashlib.sha256(json.dumps(binding, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def test_a_look_up_is_bound_to_its_request_and_logged_before_it_leaves(client, session, world):
    path = f"/api/v1/exchange/resources/{world.people}/records/{world.person}"
    response = client.get(path, params={"items": "name,phone"}, headers=auth(world.token))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.json()["request_id"] == response.headers["X-Tongban-Request-Id"]
    assert response.headers["X-Tongban-Response-Hash"] == _rehash(response, world.client.key_id, path,
                                                                  "items=name%2Cphone")
    logged = _logged(session, response)
    assert (logged.action, logged.outcome, logged.actor_kind, logged.actor_id) == (
        "exchange.call", "allowed", "client", str(world.client.id))
    assert (logged.purpose, logged.case_ref, logged.target_id) == ("居住证办理", "SQ20261127-0042", world.people)
    assert logged.details["official"] == "zhangwei01" and logged.details["items"] == ["name", "phone"]
    assert logged.details["response_hash"] == response.headers["X-Tongban-Response-Hash"]
    assert logged.details["subjects"] == [world.person] and logged.details["latency_ms"] >= 0


def test_a_batch_over_http_returns_records_and_logs_every_subject(client, session, world):
    response = client.post(f"/api/v1/exchange/resources/{world.people}/records/batch", headers=auth(world.token),
                           json={"keys": [world.person, world.absent, world.person2], "items": ["name"]})
    assert response.status_code == 200, response.text
    assert [r["key"] for r in response.json()["records"]] == [world.person, world.person2]
    assert sorted(_logged(session, response).details["subjects"]) == sorted([world.person, world.person2, world.absent])


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"keys": "310"}'])
def test_a_batch_body_that_is_not_a_key_list_is_refused_and_logged(client, session, world, body):
    response = client.post(f"/api/v1/exchange/resources/{world.people}/records/batch", headers=auth(world.token),
                           content=body)
    assert (response.status_code, response.json()["code"]) == (422, "exchange.invalid_body")
    assert response.json()["errors"][0]["field"] == "keys"
    assert _logged(session, response).outcome == "denied"


def test_a_query_over_http_pages_with_filters(client, session, world):
    make_grant(session, consumer_department_id=world.consumer.id, resource_id=world.companies_id,
               items=["credit_code", "company_name", "registration_status"], clients=[world.client])
    session.commit()
    response = client.get(f"/api/v1/exchange/resources/{world.companies}/records",
                          params={"filter[registration_status]": "存续", "limit": "10"},
                          headers={"Authorization": f"Bearer {world.token}"})
    assert response.status_code == 200, response.text
    assert [r["key"] for r in response.json()["records"]] == [world.company] and response.json()["next"] is None
    assert _logged(session, response).details["filters"] == {"registration_status": "存续"}


def test_the_rate_limit_answers_429_with_retry_after(client, session):
    world = build_world(session, rate_limit=1)
    path = f"/api/v1/exchange/resources/{world.people}/records/{world.person}"
    assert client.get(path, headers=auth(world.token)).status_code == 200
    response = client.get(path, headers=auth(world.token))
    assert (response.status_code, response.json()["code"]) == (429, "exchange.rate_limited")
    assert response.headers["Retry-After"] == "60"
    assert _logged(session, response).details["rule"] == "exchange.rate_limited"


@pytest.mark.parametrize("authorization", [None, "Bearer tbk_000000000000_" + "x" * 40, "Basic abc"])
def test_a_call_without_a_valid_token_is_refused_with_401_and_audited(client, session, world, authorization):
    headers = {**PERSONAL_HEADERS, **({"Authorization": authorization} if authorization else {})}
    response = client.get(f"/api/v1/exchange/resources/{world.people}/records/{world.person}", headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] in ("identity.token_required", "identity.bad_token")
    session.expire_all()
    failed = session.scalars(select(AuditRecord).where(AuditRecord.action == "client.authenticate")).all()
    assert failed and failed[-1].outcome == "failed"


def test_a_revoked_token_is_refused_within_the_token_cache_ttl(client, session, world, monkeypatch):
    from tongban.identity import service as identity
    from tongban.identity.policy import Actor

    path = f"/api/v1/exchange/resources/{world.people}/records/{world.person}"
    assert client.get(path, headers=auth(world.token)).status_code == 200
    identity.revoke_api_client(session, Actor.system("test"), key_id=world.client.key_id)
    session.commit()
    client.app.state.exchange_runtime.state.clients.invalidate()  # what the TTL does within seconds
    assert client.get(path, headers=auth(world.token)).status_code == 401


def test_a_masking_rule_changed_on_the_page_applies_to_the_next_call_and_is_audited(client, session, world):
    operator = make_user(session, "operator")
    session.commit()
    path = f"/api/v1/exchange/resources/{world.people}/records/{world.person}"
    assert client.get(path, headers=auth(world.token)).json()["record"]["fields"]["phone"]["value"] == "138****5678"
    assert login(client, operator.username, PASSWORD).status_code == 303
    page = client.get("/exchange/masking")
    assert page.status_code == 200 and 'data-item="phone"' in page.text
    changed = client.post("/exchange/masking", data={"csrf_token": csrf_token(page.text), "item": "phone",
                                                     "rule": "hide"})
    assert changed.status_code == 200 and "data-testid=\"notice\"" in changed.text
    client.cookies.clear()
    assert client.get(path, headers=auth(world.token)).json()["record"]["fields"]["phone"]["value"] is None
    session.expire_all()
    assert session.get(MaskingRule, "phone").rule == "hide"
    assert session.scalar(select(AuditRecord).where(AuditRecord.action == "exchange.masking")).details == {
        "rule": "hide", "previous": "phone"}


def test_the_masking_page_is_the_operators_only(client, session, world):
    admin = make_user(session, "data_admin")
    session.commit()
    assert login(client, admin.username, PASSWORD).status_code == 303
    assert client.get("/exchange/masking").status_code == 403


def test_an_unknown_masking_rule_is_refused_on_the_page_naming_the_rule(client, session, world):
    operator = make_user(session, "operator")
    session.commit()
    login(client, operator.username, PASSWORD)
    page = client.get("/exchange/masking")
    response = client.post("/exchange/masking", data={"csrf_token": csrf_token(page.text), "item": "phone",
                                                      "rule": "reveal"})
    assert response.status_code == 422 and "reveal" in response.text


def test_the_openapi_docs_describe_the_exchange_with_examples_and_headers(client):
    spec = client.get("/api/openapi.json").json()
    look_up = spec["paths"]["/api/v1/exchange/resources/{code}/records/{key}"]["get"]
    names = {p["name"] for p in look_up["parameters"]}
    assert {"X-Tongban-Official", "X-Tongban-Purpose", "X-Tongban-Case", "items"} <= names
    assert look_up["responses"]["200"]["content"]["application/json"]["example"]["record"]["fields"]
    assert "X-Tongban-Response-Hash" in look_up["responses"]["200"]["headers"]
    assert "exchange.no_grant" in look_up["responses"]["403"]["content"]["application/problem+json"]["examples"]
    batch = spec["paths"]["/api/v1/exchange/resources/{code}/records/batch"]["post"]
    assert batch["requestBody"]["content"]["application/json"]["example"]["keys"]
    query = spec["paths"]["/api/v1/exchange/resources/{code}/records"]["get"]
    assert "filter[item]" in {p["name"] for p in query["parameters"]}
    assert "/api/v1/exchange/bench-floor/{code}/records/{key}" not in spec["paths"]
