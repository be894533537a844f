"""The JSON API for department systems, on SQLite and PostgreSQL: probes, OpenAPI, bearer tokens, audit."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.factories import SYSTEM, make_client, make_department
from tongban.audit.model import AuditRecord
from tongban.db import migration_state, utcnow
from tongban.identity import service
from tongban.identity.model import ApiClient

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "instance", "request_id"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Probes and documentation -----------------------------------------------------------------------------------------

def test_the_liveness_probe_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_readiness_probe_names_the_database_and_its_revision(client, engine):
    response = client.get("/readyz")
    assert response.status_code == 200
    _, head = migration_state(engine)
    assert response.json() == {"status": "ready", "database": engine.dialect.name, "revision": head}


def test_the_openapi_document_lists_the_identity_endpoints(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/me", "/api/v1/departments"} <= set(paths)
    assert "get" in paths["/api/v1/me"] and "get" in paths["/api/v1/departments"]


def test_the_interactive_api_documentation_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "/api/openapi.json" in response.text


# Bearer tokens --------------------------------------------------------------------------------------------------

def test_calling_without_a_token_is_401_problem_json_asking_for_a_bearer_token(client):
    response = client.get("/api/v1/me", params={"lang": "en"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert (body["status"], body["code"], body["instance"]) == (401, "identity.token_required", "/api/v1/me")
    assert body["detail"] == "An API token is required: send Authorization: Bearer <token>"


def test_a_call_without_a_token_is_audited_as_a_failed_authentication(client, session):
    client.get("/api/v1/departments")
    rows = session.scalars(select(AuditRecord).where(AuditRecord.action == "client.authenticate")).all()
    assert [(r.outcome, r.actor_kind, r.details["path"]) for r in rows] == [("failed", "anonymous", "/api/v1/departments")]


def _revoked(session: Session) -> str:
    client, token = make_client(session)
    service.revoke_api_client(session, SYSTEM, key_id=client.key_id)
    return token


def _expired(session: Session) -> str:
    client, token = make_client(session, expires_at=utcnow() + dt.timedelta(days=1))
    session.flush()
    session.execute(update(ApiClient).where(ApiClient.id == client.id)
                    .values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    return token


def _wrong_secret(session: Session) -> str:
    client, _ = make_client(session)
    return f"tbk_{client.key_id}_{'x' * 43}"


BAD_TOKENS: dict[str, Callable[[Session], str]] = {
    "malformed": lambda session: "garbage",
    "unknown": lambda session: "tbk_0123456789ab_" + "x" * 43,
    "wrong-secret": _wrong_secret,
    "revoked": _revoked,
    "expired": _expired,
}
BAD_TOKEN_DETAILS = {
    "malformed": "The API token is not valid",
    "unknown": "The API token is not valid",
    "wrong-secret": "The API token is not valid",
    "revoked": "The API token has been revoked",
    "expired": "The API token has expired",
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_a_bad_token_is_401_problem_json_saying_what_is_wrong(client, session, kind):
    token = BAD_TOKENS[kind](session)
    session.commit()
    response = client.get("/api/v1/me", params={"lang": "en"}, headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert (body["code"], body["detail"]) == ("identity.bad_token", BAD_TOKEN_DETAILS[kind])


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_missing_malformed_revoked_and_expired_tokens_get_distinct_answers(client, session, lang):
    tokens = {kind: BAD_TOKENS[kind](session) for kind in ("malformed", "revoked", "expired")}
    session.commit()
    answers = [client.get("/api/v1/me", params={"lang": lang}).json()]
    answers += [client.get("/api/v1/me", params={"lang": lang}, headers=bearer(t)).json() for t in tokens.values()]
    assert len({(a["code"], a["detail"]) for a in answers}) == 4
    assert len({a["code"] for a in answers}) == 2  # token_required, bad_token


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_every_failed_token_call_leaves_a_failed_client_authenticate_record(client, session, kind):
    token = BAD_TOKENS[kind](session)
    session.commit()
    response = client.get("/api/v1/departments", headers={**bearer(token), "X-Request-ID": f"req-{kind}"})
    assert response.status_code == 401
    session.expire_all()
    [row] = session.scalars(select(AuditRecord).where(AuditRecord.action == "client.authenticate"))
    assert (row.outcome, row.actor_kind, row.request_id) == ("failed", "client", f"req-{kind}")
    assert row.details == {"reason": BAD_TOKEN_DETAILS[kind]}


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "tbk_0123456789ab_" + "x" * 43],
                         ids=["basic", "bearer-without-token", "bearer-blank", "token-without-scheme"])
def test_a_request_without_a_bearer_token_is_told_to_send_one(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "identity.token_required"
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_valid_token_identifies_its_client_and_department(client, session):
    department = make_department(session, name="上海市公安局", short_name="公安局")
    api_client, token = make_client(session, department, name="人口信息比对系统")
    session.commit()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"key_id": api_client.key_id, "name": "人口信息比对系统", "department_id": department.id,
                               "department": "上海市公安局", "expires_at": None}


def test_a_successful_call_notes_when_the_client_was_last_used(client, session):
    api_client, token = make_client(session)
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    session.expire_all()
    assert session.get(ApiClient, api_client.id).last_used_at is not None


def test_the_department_list_returns_every_department_with_its_codes(client, session):
    departments = [make_department(session) for _ in range(3)]
    _, token = make_client(session, departments[0])
    session.commit()
    response = client.get("/api/v1/departments", headers=bearer(token))
    assert response.status_code == 200
    listed = {d["id"]: d for d in response.json()}
    assert set(listed) == {d.id for d in departments}
    for d in departments:
        assert listed[d.id] == {"id": d.id, "name": d.name, "short_name": d.short_name, "credit_code": d.credit_code,
                                "division_code": d.division_code, "parent_id": None}


def test_the_department_list_needs_a_token(client):
    response = client.get("/api/v1/departments")
    assert response.status_code == 401 and response.json()["code"] == "identity.token_required"


def test_an_unknown_api_path_is_404_problem_json(client):
    response = client.get("/api/v1/nope", params={"lang": "en"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert (body["code"], body["title"], body["instance"]) == ("not_found", "Not found", "/api/v1/nope")


# Request ids ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/healthz", "/api/v1/me", "/api/v1/nope"])
def test_the_request_id_sent_is_echoed_in_the_header_and_problem(client, path):
    response = client.get(path, headers={"X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    if response.status_code >= 400:
        assert response.json()["request_id"] == "trace-42"


def test_a_request_without_an_id_gets_a_fresh_one(client):
    first, second = client.get("/api/v1/me"), client.get("/api/v1/me")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.json()["request_id"] == first.headers["x-request-id"]


def test_an_overlong_request_id_is_cut_to_64_characters(client):
    response = client.get("/healthz", headers={"X-Request-ID": "r" * 500})
    assert response.headers["x-request-id"] == "r" * 64
