"""The catalog API for department systems: search, read, drafts of the own department, export."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.factories import make_client, make_department, make_draft, make_resource

DRAFT = {
    "class_code": "101001", "name": "户籍人口基本信息", "abstract": "本市户籍人口的身份与登记信息。",
    "format": "database", "sharing_type": "unconditional", "update_cycle": "daily", "open_type": "closed",
    "legal_basis": "《中华人民共和国个人信息保护法》第三十四条", "share_methods": ["api"],
    "items": [{"name": "公民身份号码", "code": "id_number", "data_type": "string", "length": 18, "personal": True}],
}


def _token(session: Session, department=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = make_client(session, department)
    return {"Authorization": f"Bearer {token}"}


def test_a_department_system_registers_and_submits_its_own_draft(client, session):
    police = make_department(session, name="上海市公安局", short_name="公安局")
    headers = _token(session, police)
    session.commit()
    created = client.post("/api/v1/catalog/resources", json=DRAFT, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["code"], body["status"], body["department"]) == ("101001/000001", "draft", "上海市公安局")
    submitted = client.post(f"/api/v1/catalog/submissions/{body['code']}", headers=headers)
    assert submitted.json()["status"] == "submitted"


def test_a_bad_draft_is_a_422_problem_naming_each_field_and_rule(client, session):
    headers = _token(session)
    session.commit()
    bad = {**DRAFT, "sharing_type": "conditional", "legal_basis": "", "format": "纸质"}
    response = client.post("/api/v1/catalog/resources", json=bad, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    rules = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert {("legal_basis", "catalog.legal_basis_required"), ("format", "catalog.format")} <= rules


def test_search_and_get_by_code(client, session):
    resource = make_resource(session, name="社会保险参保信息", class_code="203001")
    headers = _token(session)
    session.commit()
    found = client.get("/api/v1/catalog/resources", params={"q": "社保"}, headers=headers).json()
    assert found["total"] == 1 and found["results"][0]["code"] == resource.code
    assert sum(found["facets"]["sharing_type"].values()) == 1
    one = client.get(f"/api/v1/catalog/resources/{resource.code}", headers=headers)
    assert one.status_code == 200 and [i["code"] for i in one.json()["items"]] == ["id_number", "name",
                                                                                   "birth_date"]


def test_a_very_long_query_is_a_clear_4xx(client, session):
    headers = _token(session)
    session.commit()
    response = client.get("/api/v1/catalog/resources", params={"q": "户" * 3_000}, headers=headers)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


def test_another_departments_draft_is_not_found(client, session):
    draft = make_resource(session, publish=False)
    headers = _token(session)
    session.commit()
    assert client.get(f"/api/v1/catalog/resources/{draft.code}", headers=headers).status_code == 404


def test_export_formats(client, session):
    make_resource(session, name="婚姻登记信息")
    headers = _token(session)
    session.commit()
    as_json = client.get("/api/v1/catalog/export", params={"format": "json"}, headers=headers)
    assert as_json.status_code == 200 and "婚姻登记信息" in as_json.text
    as_csv = client.get("/api/v1/catalog/export", params={"format": "csv"}, headers=headers)
    assert as_csv.content.startswith("\ufeff".encode()) and "婚姻登记信息" in as_csv.content.decode("utf-8-sig")
    as_xlsx = client.get("/api/v1/catalog/export", params={"format": "xlsx"}, headers=headers)
    assert as_xlsx.content[:4] == b"PK\x03\x04"


def test_without_a_token_the_catalog_api_is_401(client):
    assert client.get("/api/v1/catalog/resources").status_code == 401


def _submitted(session: Session, department=None) -> str:  # type: ignore[no-untyped-def]
    from tests.factories import SYSTEM
    from tongban.catalog import service as catalog

    resource = make_resource(session, department or make_department(session), publish=False)
    catalog.submit_resource(session, SYSTEM, resource.code)
    return resource.code


def _logged_in(client, session, role: str, **user) -> str:  # type: ignore[no-untyped-def]
    """Log a new user of ``role`` in; returns the CSRF token the browser holds."""
    from tests.factories import PASSWORD, make_user
    from tests.web.test_pages import csrf_token, login

    user = make_user(session, role, **user)
    session.commit()
    assert login(client, user.username, PASSWORD).status_code == 303
    return csrf_token(client.get("/account").text)


def test_the_operator_approves_and_returns_through_the_api(client, session, sessions):
    from tests.web.test_pages import audit_records

    first, second = _submitted(session), _submitted(session)
    session.commit()
    token = _logged_in(client, session, "operator")
    headers = {"X-CSRF-Token": token}
    approved = client.post(f"/api/v1/catalog/reviews/{first}", json={"decision": "approve"}, headers=headers)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["version"]) == ("published", 1)
    assert client.get("/api/v1/catalog/resources", params={"q": "户籍"}).json()["total"] == 1

    no_comment = client.post(f"/api/v1/catalog/reviews/{second}", json={"decision": "return"}, headers=headers)
    assert no_comment.status_code == 422
    assert no_comment.json()["errors"][0]["field"] == "comment"
    returned = client.post(f"/api/v1/catalog/reviews/{second}", json={"decision": "return", "comment": "补充法律依据"},
                           headers=headers)
    assert returned.json()["status"] == "returned"
    assert {r.outcome for r in audit_records(sessions, "catalog.approve")} == {"allowed"}
    assert len(audit_records(sessions, "catalog.return")) == 1


def test_a_browser_call_without_the_csrf_header_is_refused(client, session):
    code = _submitted(session)
    session.commit()
    _logged_in(client, session, "operator")
    response = client.post(f"/api/v1/catalog/reviews/{code}", json={"decision": "approve"})
    assert response.status_code == 403
    assert response.json()["code"] == "web.csrf"


def test_department_systems_and_data_admins_cannot_review(client, session, sessions):
    from tests.web.test_pages import audit_records

    own = make_department(session)
    code = _submitted(session, own)
    headers = _token(session, own)
    session.commit()
    by_token = client.post(f"/api/v1/catalog/reviews/{code}", json={"decision": "approve"}, headers=headers)
    assert by_token.status_code == 403
    token = _logged_in(client, session, "data_admin", department_id=own.id)
    by_admin = client.post(f"/api/v1/catalog/reviews/{code}", json={"decision": "approve"},
                           headers={"X-CSRF-Token": token})
    assert by_admin.status_code == 403
    assert [r.outcome for r in audit_records(sessions, "catalog.approve")] == ["denied", "denied"]
