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
