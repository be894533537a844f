"""Rows a build could not settle: quarantined rows corrected by their department and replayed, or accepted by the
operator as they are; rows matching left for a clerk, whose answer holds in every later build. Each decision is
audited and shows in the lineage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import SYSTEM
from tests.registry.conftest import City, csv_bytes
from tongban.audit.model import AuditRecord
from tongban.errors import InvalidInput, NotFound, PermissionDenied
from tongban.identity.policy import Actor, Role
from tongban.registry import reads, service
from tongban.registry.model import Feed, Person, QuarantinedRow, Review
from tongban.standards.idcard import id_check_char

POLICE = ["公民身份号码", "姓名", "性别", "出生日期", "民族", "户籍地址", "登记日期"]
HEALTH = ["姓名", "性别", "出生日期", "公民身份号码", "居住地址", "联系电话", "死亡日期", "更新日期"]
OPERATOR = Actor("user", 90, "运营", Role.OPERATOR, None)


def _id(body17: str) -> str:
    return body17 + id_check_char(body17)


TWIN_A, TWIN_B = _id("31010119310203997"), _id("31010519310203995")
NAMELESS = _id("31010419500101001")


def _deliver(city: City, tmp_path: Path, name: str, resource: str, header: list[str], rows: list[list[str]]) -> int:
    path = tmp_path / name
    path.write_bytes(csv_bytes(header, rows))
    return city.deliver(name, resource, path)


def _outcome(city: City, filename: str, row: int) -> tuple[object, ...]:
    with city.sessions() as session:
        return next(r[2:] for r in reads.lineage(session, SYSTEM, city.registry, "population")
                    if r[0] == filename and r[1] == row)


def _admin(city: City, feed_id: int) -> Actor:
    with city.sessions() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        return Actor("user", 91, "公安数据管理员", Role.DATA_ADMIN, feed.department_id)


@pytest.fixture
def extra(city: City, tmp_path: Path) -> dict[str, int]:
    """A second police register with twins alike in all but their ID and a row with a malformed ID and no name,
    and a clinic's rows: one for either twin."""
    police = _deliver(city, tmp_path, "police_extra.csv", "户籍人口基本信息", POLICE, [
        [TWIN_A, "李建国", "1", "1931-02-03", "01", "上海市杨浦区四平路街道四平路1000号", "2020-01-01"],
        [TWIN_B, "李建国", "1", "1931-02-03", "01", "上海市虹口区曲阳路街道曲阳路20号", "2020-01-01"],
        ["31010419500101O01", "", "1", "1950-01-01", "01", "上海市徐汇区田林街道田林路1号", "2020-01-01"],
        [NAMELESS, "", "1", "1950-01-01", "01", "上海市徐汇区田林街道田林路2号", "2020-01-01"],
    ])
    clinic = _deliver(city, tmp_path, "clinic.csv", "居民健康档案", HEALTH, [
        ["李建国", "男", "1931-02-03", "", "", "", "", "2025-01-01"],
    ])
    return {"police": police, "clinic": clinic}


def test_a_corrected_row_is_replayed_and_links(city, extra):
    city.build()
    assert _outcome(city, "police_extra.csv", 3)[0] == "quarantined"
    with city.sessions() as session:
        row = session.scalars(select(QuarantinedRow).where(QuarantinedRow.feed_id == extra["police"],
                                                           QuarantinedRow.row == 3)).one()
    admin = _admin(city, extra["police"])
    with city.sessions.begin() as session:
        with pytest.raises(InvalidInput):
            service.correct_quarantined(session, admin, row.id, {"id_number": row.values["id_number"]})
        with pytest.raises(InvalidInput):
            service.correct_quarantined(session, admin, row.id, {"salary": "1"})
        with pytest.raises(PermissionDenied):
            service.correct_quarantined(session, Actor("user", 92, "别人", Role.DATA_ADMIN, 10_000), row.id,
                                        {"name": "王五"})
        service.correct_quarantined(session, admin, row.id, {"sex": "男"})  # and still no ID nor name
    city.build()
    assert _outcome(city, "police_extra.csv", 3)[0] == "quarantined"
    with city.sessions.begin() as session:
        again = session.get(QuarantinedRow, row.id)
        assert again is not None and again.status == "open"  # back on the department's list, with the reasons
        assert {"name.missing"} <= {r["rule"] for r in again.reasons}
        service.correct_quarantined(session, admin, row.id, {"id_number": _id("31010419500101003"), "name": "王五"})
    city.build()
    assert _outcome(city, "police_extra.csv", 3)[:2] == ("linked", _id("31010419500101003"))
    with city.sessions() as session:
        person = session.get(Person, _id("31010419500101003"))
        assert person is not None and person.name == "王五"
        assert session.get(QuarantinedRow, row.id).status == "corrected"
        assert session.scalars(select(AuditRecord).where(AuditRecord.action == "registry.quarantine_correct")).all()


def test_an_accepted_row_joins_as_it_is(city, extra):
    city.build()
    assert _outcome(city, "police_extra.csv", 4)[0] == "quarantined"  # no name: a hard rule
    with city.sessions.begin() as session:
        row = session.scalars(select(QuarantinedRow).where(QuarantinedRow.feed_id == extra["police"],
                                                           QuarantinedRow.row == 4)).one()
        service.accept_quarantined(session, OPERATOR, row.id, justification="户籍档案核实：姓名待补录")
    city.build()
    assert _outcome(city, "police_extra.csv", 4)[:2] == ("linked", NAMELESS)


def test_a_clerk_settles_a_row_two_people_fit(city, extra):
    city.build()
    assert _outcome(city, "clinic.csv", 1) == ("review", "", "match.review")
    with city.sessions() as session:
        queue = reads.reviews(session, OPERATOR, "population")
    review = next(v for v in queue if v.review.feed_id == extra["clinic"])
    assert review.review.candidate in (TWIN_A, TWIN_B) and review.review.values["name"] == "李建国"
    assert review.candidate["id_number"] == review.review.candidate  # the record beside the row
    with city.sessions.begin() as session:
        with pytest.raises(PermissionDenied):
            service.decide_review(session, _admin(city, extra["police"]), review.review.id, decision="accept")
    with city.sessions.begin() as session:
        service.decide_review(session, OPERATOR, review.review.id, decision="accept", note="门诊病历核对")
        with pytest.raises(NotFound):
            service.decide_review(session, OPERATOR, review.review.id, decision="reject")
    city.build()
    assert _outcome(city, "clinic.csv", 1)[:2] == ("linked", review.review.candidate)
    city.build()  # and it stays so
    assert _outcome(city, "clinic.csv", 1)[:2] == ("linked", review.review.candidate)
    with city.sessions() as session:
        assert session.get(Review, review.review.id).status == "accepted"
        (audit,) = session.scalars(select(AuditRecord).where(AuditRecord.action == "registry.review",
                                                             AuditRecord.outcome == "allowed")).all()
        assert audit.details["decision"] == "accepted" and audit.details["note"] == "门诊病历核对"


def test_an_accepted_row_whose_key_is_no_key_is_matched_instead(city, tmp_path):
    feed = _deliver(city, tmp_path, "police_odd.csv", "户籍人口基本信息", POLICE, [
        ["1234", "", "1", "1950-01-01", "01", "上海市徐汇区田林街道田林路3号", "2020-01-01"],
        ["310104500101001", "", "1", "1950-01-01", "01", "上海市徐汇区田林街道田林路4号", "2020-01-01"]])
    city.build()
    with city.sessions.begin() as session:
        for row in session.scalars(select(QuarantinedRow).where(QuarantinedRow.feed_id == feed)):
            service.accept_quarantined(session, OPERATOR, row.id, justification="核实")
    city.build()  # a key that is no key does not break the build: the row is matched like any without one
    assert _outcome(city, "police_odd.csv", 1)[0] == "review"
    assert _outcome(city, "police_odd.csv", 2)[:2] == ("linked", NAMELESS)  # a 15-digit ID: its upgrade
    city.build()


def test_a_row_its_file_could_not_give_is_neither_corrected_nor_accepted(city, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_bytes("公民身份号码,姓名\n".encode() + f"{NAMELESS},王五,多余\n".encode())
    feed = city.deliver("ragged.csv", "户籍人口基本信息", path)
    city.build()
    with city.sessions.begin() as session:
        row = session.scalars(select(QuarantinedRow).where(QuarantinedRow.feed_id == feed)).one()
        with pytest.raises(InvalidInput):
            service.accept_quarantined(session, OPERATOR, row.id, justification="核实")
        with pytest.raises(InvalidInput):
            service.correct_quarantined(session, _admin(city, feed), row.id, {"name": "王五"})


def test_a_base_with_nobody_resolved_yet_builds(sessions, tmp_path):
    from tests.registry.conftest import make_city

    empty = make_city(sessions, tmp_path, people=50, deliver=False)
    _deliver(empty, tmp_path, "clinic_only.csv", "居民健康档案", HEALTH, [
        ["李建国", "男", "1931-02-03", "", "", "", "", "2025-01-01"],
        ["王五", "男", "1950-01-01", "", "", "", "", "2025-01-01"]])
    report = empty.build()
    assert report.published.created == 0 and sum(c.get("review", 0) for c in report.feeds.values()) == 2


def test_a_failure_after_the_publish_commits_leaves_the_build_published_and_the_next_one_clean(city, extra,
                                                                                              monkeypatch):
    from tongban.registry import build as build_module
    from tongban.registry.model import Build

    real = build_module._fold
    monkeypatch.setattr(build_module, "_fold", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        city.build()
    monkeypatch.setattr(build_module, "_fold", real)
    with city.sessions() as session:
        assert [b.status for b in session.scalars(select(Build).order_by(Build.id))] == ["published"]
        reviews = session.scalars(select(Review)).all()
    city.build()  # settles the first build's fold, then builds: no review or notice twice
    with city.sessions() as session:
        assert len(session.scalars(select(Review)).all()) == len(reviews)
        assert [b.status for b in session.scalars(select(Build).order_by(Build.id))] == ["published", "published"]


def test_a_retired_or_missing_record_cannot_be_accepted_for_a_review(city, extra):
    city.build()
    with city.sessions.begin() as session:
        review = session.scalars(select(Review)).first()
        person = session.get(Person, review.candidate)
        person.retired_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with city.sessions.begin() as session:
        with pytest.raises(InvalidInput):
            service.decide_review(session, OPERATOR, review.id, decision="accept")
