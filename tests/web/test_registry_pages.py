"""Base-database pages: overview with a build started from the browser, feed delivery, records, quarantine and
doubtful-data notices — each for the roles that may see them."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, make_user
from tests.registry.conftest import csv_bytes, make_city
from tests.web.test_pages import csrf_token, login, text_of
from tongban.identity.model import Department
from tongban.registry.model import Conflict, Entity, QuarantinedRow, Review


@pytest.fixture
def city(sessions, settings, tmp_path):  # type: ignore[no-untyped-def]
    return make_city(sessions, tmp_path, people=200, store=settings.feed_store, registry=settings.registry_dir)


def _as(client, session, role: str, department: str | None = None) -> str:  # type: ignore[no-untyped-def]
    extra = {}
    if department:
        extra["department_id"] = session.scalar(select(Department.id).where(Department.short_name == department))
    user = make_user(session, role, **extra)
    session.commit()
    assert login(client, user.username, PASSWORD).status_code == 303
    return csrf_token(client.get("/account").text)


def _build_from_the_page(client, token: str) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/registry/build", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    deadline = time.monotonic() + 120
    while client.get("/registry/progress").json()["running"]:
        assert time.monotonic() < deadline, "the build did not finish"
        time.sleep(0.2)


def test_the_operator_builds_from_the_overview_and_sees_the_result(client, session, city):
    token = _as(client, session, "operator")
    page = client.get("/registry")
    assert page.status_code == 200 and "人口基础库" in page.text
    _build_from_the_page(client, token)
    job = client.get("/registry/progress").json()
    assert not job["error"] and job["result"]["created"] > 150
    assert set(job["stages"]) == {"ingest", "standardize", "match", "publish"}
    page = client.get("/registry").text
    assert "已发布" in page and 'data-testid="chart-outcomes"' in page
    assert "population_police.csv" in page


def test_a_person_record_shows_where_each_value_came_from(client, session, city):
    token = _as(client, session, "operator")
    _build_from_the_page(client, token)
    key = next(iter(city.truth().values()))
    page = text_of(client.get("/registry/people", params={"id": key}))
    assert key in page and "上海市公安局" in page
    assert client.get("/registry/people", params={"id": "12345"}).status_code == 422


def test_the_quarantine_is_accepted_row_by_row_with_a_reason(client, session, city, sessions):
    token = _as(client, session, "operator")
    _build_from_the_page(client, token)
    with sessions() as s:
        row = s.scalars(select(QuarantinedRow)).first()
    if row is None:
        pytest.skip("this small city has nothing in quarantine")
    assert str(row.row) in client.get("/registry/quarantine").text
    assert client.post(f"/registry/quarantine/{row.id}/accept", data={"csrf_token": token, "justification": ""},
                       follow_redirects=False).status_code == 422
    accepted = client.post(f"/registry/quarantine/{row.id}/accept",
                           data={"csrf_token": token, "justification": "核实为真实号码"}, follow_redirects=False)
    assert accepted.status_code == 303
    with sessions() as s:
        assert s.get(QuarantinedRow, row.id).status == "accepted"


def test_the_health_commission_answers_its_doubtful_data_notices(client, session, city, sessions):
    token = _as(client, session, "operator")
    _build_from_the_page(client, token)
    client.post("/logout", data={"csrf_token": token})
    token = _as(client, session, "data_admin", "卫健委")
    page = client.get("/registry/conflicts")
    assert page.status_code == 200
    with sessions() as s:
        department = s.scalar(select(Department.id).where(Department.short_name == "卫健委"))
        health = s.scalars(select(Conflict).where(Conflict.department_id == department,
                                                  Conflict.status == "open")).all()
        others = s.scalars(select(Conflict).where(Conflict.department_id != department)).all()
    assert health, "the generator injects conflicting birth dates in the health feed"
    shown = text_of(page)
    assert health[0].other_value in shown
    assert all(f"/registry/conflicts/{c.id}\"" not in page.text for c in others)
    answered = client.post(f"/registry/conflicts/{health[0].id}", data={"csrf_token": token, "answer": "corrected"},
                           follow_redirects=False)
    assert answered.status_code == 303
    with sessions() as s:
        assert s.get(Conflict, health[0].id).status == "corrected"


def test_a_department_delivers_a_feed_and_sees_its_problems(client, session, city):
    token = _as(client, session, "data_admin", "公安局")
    bad = csv_bytes(["公民身份号码", "姓名", "血型"], [["11010519491231002X", "张三", "A"]])
    refused = client.post("/registry/feeds", data={"csrf_token": token, "resource": "户籍人口基本信息"},
                          files={"file": ("bad.csv", bad, "text/csv")})
    assert refused.status_code == 422 and "血型" in text_of(refused) and "registry.unknown_column" in refused.text
    good = csv_bytes(["公民身份号码", "姓名"], [["11010519491231002X", "张三"]])
    delivered = client.post("/registry/feeds", data={"csrf_token": token, "resource": "户籍人口基本信息"},
                            files={"file": ("good.csv", good, "text/csv")})
    assert delivered.status_code == 200 and "good.csv" in delivered.text


def test_clerks_do_not_see_the_base(client, session, city):
    _as(client, session, "clerk")
    assert client.get("/registry").status_code == 403


def _twins_and_a_clinic_row(city) -> None:  # type: ignore[no-untyped-def]
    """Two people alike in all but their ID, a clinic's row either could be, and a police row without an ID or a
    name (quarantined)."""
    from tests.registry.test_replay import HEALTH, POLICE, TWIN_A, TWIN_B

    for name, resource, header, rows in (
        ("police_twins.csv", "户籍人口基本信息", POLICE, [
            [TWIN_A, "李建国", "1", "1931-02-03", "01", "上海市杨浦区四平路街道四平路1000号", "2020-01-01"],
            [TWIN_B, "李建国", "1", "1931-02-03", "01", "上海市虹口区曲阳路街道曲阳路20号", "2020-01-01"],
            ["3101041950O101001", "", "1", "1950-01-01", "01", "上海市徐汇区田林街道田林路1号", "2020-01-01"]]),
        ("clinic.csv", "居民健康档案", HEALTH, [["李建国", "男", "1931-02-03", "", "", "", "", "2025-01-01"]]),
    ):
        path = city.feeds / name
        path.write_bytes(csv_bytes(header, rows))
        city.deliver(name, resource, path)


def test_the_operator_settles_the_review_queue_side_by_side(client, session, city, sessions):
    _twins_and_a_clinic_row(city)
    token = _as(client, session, "operator")
    _build_from_the_page(client, token)
    page = client.get("/registry/reviews")
    assert page.status_code == 200 and 'data-testid="review"' in page.text
    shown = text_of(page)
    assert "人工核对" in shown and "李建国" in shown and "clinic.csv" in shown and "建议关联的标准记录" in shown
    with sessions() as s:
        review = s.scalars(select(Review).where(Review.status == "open")).one()
    decided = client.post(f"/registry/reviews/{review.id}", data={"csrf_token": token, "decision": "accept",
                                                                  "note": "病历核对", "base": "population"},
                          follow_redirects=False)
    assert decided.status_code == 303 and decided.headers["location"].startswith("/registry/reviews?base=population")
    with sessions() as s:
        assert s.get(Review, review.id).status == "accepted"
    assert 'data-testid="no-reviews"' in client.get("/registry/reviews").text
    assert client.post(f"/registry/reviews/{review.id}", data={"csrf_token": token, "decision": "reject"},
                       follow_redirects=False).status_code == 404


def test_the_police_corrects_its_quarantined_row_and_the_next_build_replays_it(client, session, city, sessions):
    _twins_and_a_clinic_row(city)
    token = _as(client, session, "operator")
    _build_from_the_page(client, token)
    client.post("/logout", data={"csrf_token": token})
    token = _as(client, session, "data_admin", "公安局")
    with sessions() as s:
        row = s.scalars(select(QuarantinedRow).where(QuarantinedRow.values["name"].as_string() == "")).first() \
            or s.scalars(select(QuarantinedRow)).first()
    page = client.get("/registry/quarantine")
    assert page.status_code == 200 and 'data-testid="correct"' in page.text and "更正并重放" in text_of(page)
    assert "/accept" not in page.text  # accepting as it is is the operator's
    corrected = client.post(f"/registry/quarantine/{row.id}/correct",
                            data={"csrf_token": token, "base": "population", "v:name": "王五"},
                            follow_redirects=False)
    assert corrected.status_code == 303
    with sessions() as s:
        again = s.get(QuarantinedRow, row.id)
        assert again.status == "corrected" and again.corrected == {"name": "王五"}


def test_the_legal_entity_base_has_its_own_tab_and_records(client, session, city, sessions):
    city.deliver_entities()
    city.build("population")
    city.build("entity")
    _as(client, session, "operator")
    page = client.get("/registry", params={"base": "entity"})
    assert page.status_code == 200 and "法人基础库" in text_of(page) and 'data-testid="base-tabs"' in page.text
    with sessions() as s:
        entity = s.scalars(select(Entity).where(Entity.legal_rep_id_number.is_not(None))).first()
    record = client.get("/registry/records", params={"base": "entity", "key": entity.credit_code})
    assert record.status_code == 200 and entity.company_name in text_of(record) and "上海市市场监督管理局" in record.text
    assert client.get("/registry", params={"base": "moon"}).status_code == 404
    assert client.get("/registry/records", params={"base": "entity", "key": "123"}).status_code == 422
