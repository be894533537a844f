"""The quality report page and its JSON: rendered in Chinese and English with charts, the same figures as JSON and
through the API (problem+json before the first build), refused to those who may not see the base."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import SYSTEM, make_client
from tests.registry.conftest import make_city
from tests.web.test_pages import text_of
from tests.web.test_registry_pages import _as
from tongban.identity.model import Department
from tongban.registry.build import build_base


@pytest.fixture
def city(sessions, settings, tmp_path):  # type: ignore[no-untyped-def]
    return make_city(sessions, tmp_path, people=200, store=settings.feed_store, registry=settings.registry_dir)


@pytest.fixture
def built(city, settings):  # type: ignore[no-untyped-def]
    return build_base(city.sessions, SYSTEM, "population", store=settings.feed_store,
                      registry_dir=settings.registry_dir, memory_limit="1GB")


def test_before_any_build_the_page_says_so_and_the_api_answers_404(client, session, city):
    _as(client, session, "operator")
    page = client.get("/registry/quality")
    assert page.status_code == 200 and 'data-testid="no-report"' in page.text
    assert client.get("/registry/quality.json").json() == {}
    missing = client.get("/api/v1/registry/quality/population")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["code"] == "registry.no_quality_report"


def test_the_operator_reads_the_report_in_chinese_with_charts(client, session, built):
    _as(client, session, "operator")
    page = client.get("/registry/quality")
    assert page.status_code == 200
    text = text_of(page)
    assert "质量报告" in text and "规范性" in text and "可访问性" in text and "时效性" in text
    assert 'data-testid="chart-sources"' in page.text and 'data-testid="chart-golden"' in page.text
    assert "population_health.csv" in text and "公民身份号码" in text and "每日" in text
    assert "<script" not in page.text.split("</header>", 1)[1]  # the CSP allows no inline script


def test_the_report_reads_in_english_too(client, session, built):
    _as(client, session, "operator")
    text = text_of(client.get("/registry/quality", params={"lang": "en"}))
    assert "Quality report" in text and "Conformance" in text and "Accessibility" in text
    assert "Citizen ID number" in text and "质量报告" not in text


def test_the_json_has_every_feed_every_dimension_and_per_field_figures(client, session, built):
    _as(client, session, "operator")
    report = client.get("/registry/quality.json").json()
    assert report["build"]["id"] == built.build_id
    assert report["dimensions"] == ["conformance", "completeness", "accuracy", "consistency", "timeliness",
                                    "accessibility"]
    assert set(report["overall"]) == set(report["dimensions"])
    assert len(report["feeds"]) == 4
    feed = report["feeds"][0]
    assert {"id", "filename", "department", "resource", "rows", "rejected", "delivery", "dimensions",
            "fields"} <= set(feed)
    assert {"checked", "passed", "failed", "rate"} <= set(feed["fields"][0])
    assert set(report["golden"]) == {"records", "filled", "dimensions", "fields"}
    assert client.get("/api/v1/registry/quality/population").json()["feeds"] == report["feeds"]


def test_a_department_system_reads_its_own_feeds_through_the_api(client, session, built):
    police = session.scalar(select(Department).where(Department.short_name == "公安局"))
    _, token = make_client(session, police)
    session.commit()
    answer = client.get("/api/v1/registry/quality/population", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert [f["filename"] for f in answer.json()["feeds"]] == ["population_police.csv"]
    unknown = client.get("/api/v1/registry/quality/nowhere", headers={"Authorization": f"Bearer {token}"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "registry.unknown_base"


@pytest.mark.parametrize("role", ["clerk", "citizen"])
def test_those_who_may_not_see_the_base_are_refused(client, session, built, role):
    _as(client, session, role)
    assert client.get("/registry/quality").status_code == 403
    assert client.get("/registry/quality.json").status_code == 403
    refused = client.get("/api/v1/registry/quality/population")
    assert refused.status_code == 403 and refused.json()["code"] == "identity.permission_denied"
