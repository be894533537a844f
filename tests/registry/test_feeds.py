"""Delivering feeds: kept unchanged under their checksum, registered once, refused with every problem named."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.factories import SYSTEM, make_department, make_resource
from tongban.audit.model import AuditRecord
from tongban.catalog.drafts import ItemDraft
from tongban.errors import InvalidInput, NotFound, PermissionDenied
from tongban.identity.policy import Actor, Role
from tongban.registry.model import Feed
from tongban.registry.service import deliver_feed, list_feeds

ITEMS = [ItemDraft("公民身份号码", "id_number", "string", 18, personal=True, sensitivity=3),
         ItemDraft("姓名", "name", "string", 50, personal=True, sensitivity=2),
         ItemDraft("性别", "sex", "string", 1, personal=True, sensitivity=2),
         ItemDraft("登记日期", "registered_on", "date")]
ROWS = "310101199003071234,张三,1,2020-01-02\r\n310104198512120021,李四,2,2021-03-04\r\n"


@pytest.fixture
def resource(session):  # type: ignore[no-untyped-def]
    police = make_department(session, name="上海市公安局", short_name="公安局")
    return make_resource(session, police, name="户籍人口基本信息", items=ITEMS)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "feeds"


@pytest.fixture
def admin(resource) -> Actor:  # type: ignore[no-untyped-def]
    return Actor("user", 1, "公安数据管理员", Role.DATA_ADMIN, resource.department_id)


def _deliver(session, actor, resource, name: str, data: bytes, store: Path):  # type: ignore[no-untyped-def]
    return deliver_feed(session, actor, resource.code, name, io.BytesIO(data), store=store)


def _csv(header: str = "公民身份号码,姓名,性别,登记日期", encoding: str = "utf-8-sig") -> bytes:
    return (header + "\r\n" + ROWS).encode(encoding)


def test_a_feed_is_kept_unchanged_under_its_checksum_and_audited(session, resource, admin, store):
    data = _csv()
    feed = _deliver(session, admin, resource, "population_police.csv", data, store).feed
    assert feed.sha256 == hashlib.sha256(data).hexdigest()
    assert (store / feed.stored_as).read_bytes() == data
    assert (feed.format, feed.encoding, feed.columns, feed.missing) == (
        "csv", "utf-8-sig", ["id_number", "name", "sex", "registered_on"], [])
    assert (feed.department_id, feed.delivered_by, feed.status) == (resource.department_id, "公安数据管理员", "received")
    events = session.scalars(select(AuditRecord).where(AuditRecord.action == "registry.deliver")).all()
    assert [(e.outcome, e.target_id) for e in events] == [("allowed", str(feed.id))]
    assert list(store.joinpath("incoming").iterdir()) == []


def test_the_same_file_delivered_twice_is_recognised(session, resource, admin, store):
    first = _deliver(session, admin, resource, "a.csv", _csv(), store)
    again = _deliver(session, admin, resource, "renamed.csv", _csv(), store)
    assert again.repeated and again.feed.id == first.feed.id
    assert session.scalar(select(func.count()).select_from(Feed)) == 1


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"),
                                               ("gbk", "gb18030")])
def test_csv_encodings_are_detected(session, resource, admin, store, encoding, expected):
    feed = _deliver(session, admin, resource, "f.csv", _csv(encoding=encoding), store).feed
    assert feed.encoding == expected
    assert codecs.decode((store / feed.stored_as).read_bytes(), expected).startswith("公民身份号码")


def test_headers_may_be_item_codes_and_a_subset(session, resource, admin, store):
    feed = _deliver(session, admin, resource, "f.csv", _csv("id_number, 姓名 ,SEX"), store).feed
    assert (feed.columns, feed.missing) == (["id_number", "name", "sex"], ["registered_on"])


def test_xlsx_and_json_lines_feeds(session, resource, admin, store):
    book = Workbook()
    book.active.append(["公民身份号码", "姓名"])
    book.active.append(["310101199003071234", "张三"])
    out = io.BytesIO()
    book.save(out)
    xlsx = _deliver(session, admin, resource, "f.xlsx", out.getvalue(), store).feed
    assert (xlsx.format, xlsx.columns) == ("xlsx", ["id_number", "name"])
    lines = "\n".join(json.dumps({"公民身份号码": "310101199003071234", "性别": "1"}, ensure_ascii=False)
                      for _ in range(3)).encode()
    jsonl = _deliver(session, admin, resource, "f.jsonl", lines, store).feed
    assert (jsonl.format, jsonl.columns) == ("jsonl", ["id_number", "sex"])


@pytest.mark.parametrize("name,data,rules", [
    ("f.csv", _csv("公民身份号码,姓名,血型"), [("column 3", "registry.unknown_column")]),
    ("f.csv", _csv("公民身份号码,姓名,姓名"), [("column 3", "registry.duplicate_column")]),
    ("f.csv", _csv("公民身份号码,,性别"), [("column 2", "registry.empty_header")]),
    ("f.csv", b"", [("file", "registry.empty")]),
    ("f.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, [("file", "registry.xls")]),
    ("f.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, [("file", "registry.xls")]),
    ("f.xlsx", _csv(), [("file", "registry.not_xlsx")]),
    ("f.pdf", b"%PDF-1.7", [("file", "registry.format")]),
    ("f.xlsx", b"PK\x03\x04truncated", [("file", "registry.unreadable")]),
    ("f.jsonl", b"{not json", [("file", "registry.unreadable")]),
])
def test_a_bad_file_is_refused_naming_each_problem_and_nothing_is_kept(session, resource, admin, store, name,
                                                                       data, rules):
    with pytest.raises(InvalidInput) as refused:
        _deliver(session, admin, resource, name, data, store)
    assert [(e.field, e.code) for e in refused.value.errors] == rules
    assert refused.value.audit is not None and refused.value.audit.outcome == "failed"
    assert session.scalar(select(func.count()).select_from(Feed)) == 0
    assert [p for p in store.rglob("*") if p.is_file()] == []


def test_only_the_provider_department_delivers(session, resource, admin, store):
    stranger = Actor("user", 2, "别的部门", Role.DATA_ADMIN, make_department(session).id)
    with pytest.raises(PermissionDenied):
        _deliver(session, stranger, resource, "f.csv", _csv(), store)
    own_system = Actor("client", 3, "client:abc", None, resource.department_id)
    assert _deliver(session, own_system, resource, "f.csv", _csv(), store).feed.id
    assert [p for p in store.joinpath("incoming").iterdir()] == []


def test_an_unknown_or_unpublished_resource_is_not_found(session, resource, admin, store):
    draft = make_resource(session, make_department(session), name="草稿资源", publish=False)
    for code in ("999999/000001", draft.code):
        with pytest.raises(NotFound):
            deliver_feed(session, SYSTEM, code, "f.csv", io.BytesIO(_csv()), store=store)


def test_the_resource_may_be_named_instead_of_coded(session, resource, store):
    feed = deliver_feed(session, SYSTEM, "户籍人口基本信息", "f.csv", io.BytesIO(_csv()), store=store).feed
    assert feed.resource_id == resource.id


def test_data_admins_list_their_own_feeds_the_operator_all(session, resource, admin, store):
    _deliver(session, admin, resource, "f.csv", _csv(), store)
    other_dept = make_department(session)
    other = make_resource(session, other_dept, name="婚姻登记信息", class_code="101003", items=ITEMS)
    _deliver(session, SYSTEM, other, "g.csv", _csv(), store)
    assert [f.filename for f in list_feeds(session, admin)] == ["f.csv"]
    operator = Actor("user", 5, "运营", Role.OPERATOR, None)
    assert [f.filename for f in list_feeds(session, operator)] == ["g.csv", "f.csv"]
