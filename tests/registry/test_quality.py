"""The quality report a build measures: the synthetic city's known faults show in the right dimension and field,
timeliness follows the catalog's update cycle, and reading it is permission-checked."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from sqlalchemy import select, update

from tests.factories import SYSTEM
from tests.registry.conftest import City
from tongban.catalog.model import Resource
from tongban.errors import NotFound, PermissionDenied
from tongban.identity.policy import Actor, Role
from tongban.registry.model import Build, Feed
from tongban.registry.quality import DIMENSIONS, figure
from tongban.registry.quality_reads import quality_report
from tongban.registry.workspace import Workspace


def _report(city: City) -> dict:  # type: ignore[type-arg]
    report = city.build()
    with city.sessions() as session:
        build = session.get(Build, report.build_id)
        assert build is not None
        return dict(build.quality)


def _feed(report: dict, filename: str) -> dict:  # type: ignore[type-arg]
    return next(f for f in report["feeds"] if f["filename"] == filename)


def _field(fields: list[dict], item: str | None, dimension: str) -> dict:  # type: ignore[type-arg]
    return next(f for f in fields if f["item"] == item and f["dimension"] == dimension)


def test_a_figure_counts_failures_and_its_rate():
    assert figure(8, 6) == {"checked": 8, "passed": 6, "failed": 2, "rate": 0.75}
    assert figure(0, 0)["rate"] is None


def test_the_build_measures_every_feed_and_the_golden_records_on_six_dimensions(city):
    report = _report(city)
    json.dumps(report)  # stored as JSON, served as JSON
    assert report["base"] == "population" and report["dimensions"] == list(DIMENSIONS)
    assert {f["filename"] for f in report["feeds"]} == {"population_police.csv", "population_hrss.csv",
                                                         "population_civil.csv", "population_health.csv"}
    for feed in report["feeds"]:
        assert set(feed["dimensions"]) == set(DIMENSIONS)
        assert feed["rows"] > 0 and feed["resource"]["update_cycle"]
        for f in feed["fields"]:
            assert f["checked"] == f["passed"] + f["failed"] and f["failed"] >= 0
    for dimension, total in report["overall"].items():
        assert total["checked"] == sum(f["dimensions"][dimension]["checked"] for f in report["feeds"])
    golden = report["golden"]
    assert golden["records"] > 250 and set(golden["filled"]) >= {"name", "birth_date", "phone"}
    assert golden["filled"]["name"] == golden["records"]


def test_completeness_of_a_golden_field_counts_the_records_whose_linked_rows_come_from_a_feed_carrying_it(city):
    report = _report(city)
    feeds = {f["filename"]: f["id"] for f in report["feeds"]}
    with duckdb.connect(str(Workspace.of(city.registry, "population").database), read_only=True) as con:
        def records(*files: str) -> int:
            ids = ", ".join(str(feeds[f]) for f in files)
            (n,) = con.execute(f"SELECT count(DISTINCT key) FROM outcomes WHERE outcome = 'linked' "
                               f"AND feed_id IN ({ids})").fetchone() or (0,)
            return int(n)
        marital, residence = records("population_civil.csv"), records("population_health.csv")
        phone = records("population_hrss.csv", "population_health.csv")
    fields = report["golden"]["fields"]
    assert 0 < marital < report["golden"]["records"]
    assert _field(fields, "marital_status", "completeness")["checked"] == marital
    assert _field(fields, "residence_address", "completeness")["checked"] == residence
    assert _field(fields, "phone", "completeness")["checked"] == phone


def test_known_faults_show_in_their_dimension_and_field(city):
    report = _report(city)
    health = _feed(report, "population_health.csv")
    # Health archives often lack the ID number (15 %) or mistype it (3 %): completeness and accuracy of id_number.
    assert _field(health["fields"], "id_number", "completeness")["rate"] < 0.95
    assert _field(health["fields"], "id_number", "accuracy")["failed"] > 0
    assert _field(health["fields"], "id_number", "completeness")["rate"] < \
        _field(_feed(report, "population_police.csv")["fields"], "id_number", "completeness")["rate"]
    # Conflicting birth dates in the health feed: the ID disagrees (consistency of the feed) and the golden
    # record keeps the police's date with a doubtful-data notice (consistency of the base's birth_date).
    assert _field(health["fields"], "birth_date", "consistency")["failed"] > 0
    golden_birth = _field(report["golden"]["fields"], "birth_date", "consistency")
    assert golden_birth["failed"] > 0 and golden_birth["rate"] < 1
    assert _field(report["golden"]["fields"], "ethnicity", "consistency")["failed"] == 0
    # 15-digit IDs in every feed are conformance findings, not accuracy ones.
    police = _feed(report, "population_police.csv")
    assert _field(police["fields"], "id_number", "conformance")["failed"] > 0


def test_timeliness_follows_the_update_cycle_of_the_catalog(city):
    with city.sessions() as session:  # the social-insurance feed (daily) arrived 3 days ago, the marriage one yearly
        hrss = session.scalar(select(Feed).where(Feed.filename == "population_hrss.csv"))
        civil = session.scalar(select(Feed).where(Feed.filename == "population_civil.csv"))
        assert hrss is not None and civil is not None
        session.execute(update(Feed).where(Feed.id.in_([hrss.id, civil.id]))
                        .values(delivered_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
        session.execute(update(Resource).where(Resource.id == civil.resource_id).values(update_cycle="yearly"))
        session.commit()
    report = _report(city)
    hrss_report, civil_report = _feed(report, "population_hrss.csv"), _feed(report, "population_civil.csv")
    assert hrss_report["delivery"]["on_time"] is False and hrss_report["delivery"]["age_days"] >= 3
    assert hrss_report["dimensions"]["timeliness"]["rate"] == 0
    assert civil_report["delivery"]["on_time"] is True and civil_report["delivery"]["cycle_days"] == 366
    assert _feed(report, "population_police.csv")["dimensions"]["timeliness"]["rate"] == 1
    # Golden values taken from the late feed are late too; the others are not.
    assert _field(report["golden"]["fields"], "insurance_status", "timeliness")["rate"] == 0
    assert _field(report["golden"]["fields"], "sex", "timeliness")["rate"] == 1
    assert hrss_report["delivery"]["newest_row"] and hrss_report["delivery"]["lag_days"] >= 0


def test_a_resource_that_is_not_shared_fails_accessibility(city):
    with city.sessions() as session:
        feed = session.scalar(select(Feed).where(Feed.filename == "population_civil.csv"))
        assert feed is not None
        session.execute(update(Resource).where(Resource.id == feed.resource_id).values(sharing_type="not_shared"))
        session.commit()
    report = _report(city)
    civil = _feed(report, "population_civil.csv")
    assert civil["shared"] is False and civil["dimensions"]["accessibility"]["rate"] == 0
    assert _feed(report, "population_police.csv")["dimensions"]["accessibility"]["rate"] == 1
    assert _field(report["golden"]["fields"], "marital_status", "accessibility")["rate"] == 0


def test_the_report_is_read_from_the_latest_published_build(city):
    with city.sessions() as session:
        assert quality_report(session, SYSTEM, "population") is None
    first = city.build()
    second = city.build()
    with city.sessions() as session:
        report = quality_report(session, SYSTEM, "population")
        assert report is not None and report["build"]["id"] == second.build_id != first.build_id
        with pytest.raises(NotFound):
            quality_report(session, SYSTEM, "nowhere")


def test_a_department_sees_its_own_feeds_and_a_clerk_nothing(city):
    city.build()
    with city.sessions() as session:
        police = session.scalar(select(Feed).where(Feed.filename == "population_police.csv"))
        assert police is not None
        admin = Actor("user", 999, "admin", Role.DATA_ADMIN, police.department_id)
        report = quality_report(session, admin, "population")
        assert report is not None and [f["filename"] for f in report["feeds"]] == ["population_police.csv"]
        assert report["overall"] == _feed(report, "population_police.csv")["dimensions"]
        assert report["golden"]["records"] > 0
        with pytest.raises(PermissionDenied):
            quality_report(session, Actor("user", 998, "clerk", Role.CLERK, police.department_id),
                           "population")
