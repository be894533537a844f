"""Every API failure has the one RFC 9457 shape, and an unexpected error reveals nothing of its insides."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from tongban.errors import Conflict, FieldError, InvalidInput, PermissionDenied
from tongban.web.errors import MEDIA_TYPE, PROBLEM_TYPE

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "instance", "request_id"}
UNREACHABLE = "postgresql+psycopg://u:hunter2-secret@127.0.0.1:1/x"


def _add_throwaway_routes(app: FastAPI) -> None:
    @app.get("/api/v1/test-boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    @app.get("/api/v1/test-busy")
    def busy() -> None:  # SQLite: another change committed while this transaction was open
        raise OperationalError("INSERT INTO secret_table …", {}, sqlite3.OperationalError("database is locked"))

    @app.get("/api/v1/test-invalid")
    def invalid() -> None:
        raise InvalidInput("The account cannot be created: {count} problem(s)", params={"count": 2}, errors=[
            FieldError("id_number", "check character should be {expected}, not {actual}",
                       {"expected": "X", "actual": "1"}, code="idcard.checksum"),
            FieldError("password", "must be at least 10 characters long", row=3),
        ])

    @app.get("/api/v1/test-conflict")
    def conflict() -> None:
        raise Conflict("The username {username} is taken", code="identity.user_exists", params={"username": "wang"})

    @app.get("/api/v1/test-denied")
    def denied() -> None:
        raise PermissionDenied("Your role may not do this", code="identity.permission_denied")

    @app.get("/api/v1/test-number")
    def number(n: int) -> dict[str, int]:
        return {"n": n}


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    """A client that turns server errors into responses, on an app with a few routes that fail on purpose."""
    _add_throwaway_routes(app)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


# method, path, status, code
FAILURES = [
    ("GET", "/api/v1/me", 401, "identity.token_required"),
    ("GET", "/api/v1/nope", 404, "not_found"),
    ("POST", "/api/v1/me", 405, "method_not_allowed"),
    ("DELETE", "/healthz", 405, "method_not_allowed"),
    ("GET", "/api/v1/test-number?n=abc", 422, "invalid_input"),
    ("GET", "/api/v1/test-invalid", 422, "invalid_input"),
    ("GET", "/api/v1/test-conflict", 409, "identity.user_exists"),
    ("GET", "/api/v1/test-denied", 403, "identity.permission_denied"),
    ("GET", "/api/v1/test-boom", 500, "internal_error"),
    ("GET", "/api/v1/test-busy", 503, "database_busy"),
]


@pytest.mark.parametrize("method,path,status,code", FAILURES, ids=[f"{s}-{p}" for _, p, s, _ in FAILURES])
def test_every_api_failure_is_problem_json_with_exactly_the_documented_keys(api, method, path, status, code):
    response = api.request(method, path, headers={"X-Request-ID": "shape-1"})
    assert response.status_code == status
    assert response.headers["content-type"] == MEDIA_TYPE
    body = response.json()
    assert set(body) - {"errors"} == PROBLEM_KEYS
    assert body["type"] == PROBLEM_TYPE + code
    assert (body["status"], body["code"], body["instance"], body["request_id"]) == (status, code, path.split("?")[0],
                                                                                    "shape-1")
    assert body["title"].strip() and body["detail"].strip()
    if "errors" in body:
        assert body["errors"], "errors is present only when there are some"


def test_domain_field_errors_name_the_field_message_row_and_rule(api):
    body = api.get("/api/v1/test-invalid", params={"lang": "en"}).json()
    assert body["detail"] == "The account cannot be created: 2 problem(s)"
    assert body["errors"] == [
        {"field": "id_number", "message": "check character should be X, not 1", "rule": "idcard.checksum"},
        {"field": "password", "message": "must be at least 10 characters long", "row": 3},
    ]


def test_request_validation_errors_name_the_field(api):
    body = api.get("/api/v1/test-number", params={"n": "abc", "lang": "en"}).json()
    assert [e["field"] for e in body["errors"]] == ["n"]
    assert all(set(e) == {"field", "message"} for e in body["errors"])


def test_a_problem_without_field_errors_has_no_errors_key(api):
    assert "errors" not in api.get("/api/v1/test-conflict").json()


@pytest.mark.parametrize("lang,title", [("en", "Not found"), ("zh-CN", None)])
def test_the_problem_title_follows_the_language(api, lang, title):
    body = api.get("/api/v1/nope", params={"lang": lang}).json()
    if title is None:
        assert body["title"] != "Not found" and body["title"].strip()
    else:
        assert body["title"] == title


def test_an_unexpected_error_is_500_with_a_request_id_and_no_internals(api):
    response = api.get("/api/v1/test-boom", params={"lang": "en"}, headers={"X-Request-ID": "boom-7"})
    assert response.status_code == 500
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["x-request-id"] == "boom-7"
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["request_id"] == "boom-7" and "boom-7" in body["detail"]
    for leak in ("secret detail", "Traceback", "RuntimeError", "test_problem_shape", 'File "'):
        assert leak not in response.text


def test_an_unexpected_error_without_a_request_id_still_gets_one(api):
    body = api.get("/api/v1/test-boom").json()
    assert body["request_id"] and body["request_id"] in body["detail"]


def test_readiness_is_503_problem_json_without_the_password_when_the_database_is_unreachable(api, app, monkeypatch):
    unreachable = create_engine(UNREACHABLE, connect_args={"connect_timeout": 5})
    monkeypatch.setattr(app.state, "engine", unreachable)
    try:
        response = api.get("/readyz")
    finally:
        unreachable.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == MEDIA_TYPE
    body = response.json()
    assert set(body) == PROBLEM_KEYS and body["code"] == "not_ready"
    assert "cannot reach the database" in body["detail"]
    assert "hunter2-secret" not in response.text


def test_readiness_is_503_when_the_database_is_not_migrated(api, app, monkeypatch, tmp_path):
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setattr(app.state, "engine", empty)
    try:
        response = api.get("/readyz")
    finally:
        empty.dispose()
    assert response.status_code == 503
    body = response.json()
    assert set(body) == PROBLEM_KEYS and body["code"] == "not_ready"
    assert "tongban db upgrade" in body["detail"]


def test_a_busy_sqlite_database_is_a_503_to_try_again_not_a_500(api):
    response = api.get("/api/v1/test-busy", params={"lang": "en"})
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    body = response.json()
    assert body["code"] == "database_busy" and "try again" in body["detail"] and "secret_table" not in response.text
    zh = api.get("/api/v1/test-busy").json()
    assert zh["title"] == "系统繁忙" and "稍后再试" in zh["detail"]
