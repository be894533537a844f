"""Chinese-aware catalog search with facets and keyset pages — the same results on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import SYSTEM, make_department, make_resource
from tongban.catalog import service as catalog
from tongban.catalog.drafts import ItemDraft
from tongban.catalog.search import Filters, search
from tongban.catalog.terms import query_terms, terms
from tongban.errors import InvalidInput

CATALOG = [
    ("公安局", "户籍人口基本信息", "101001", "unconditional", "本市户籍人口的身份与登记信息。", ["公民身份号码", "姓名"]),
    ("人社局", "社会保险参保信息", "203001", "conditional", "参保人员的参保状态与缴费单位。", ["公民身份号码", "参保状态"]),
    ("住建委", "浦东新区建设工程许可", "209001", "unconditional", "浦东新区核发的建设工程施工许可。", ["许可证号", "项目名称"]),
    ("民政局", "婚姻登记信息", "101002", "conditional", "结婚、离婚登记记录。", ["婚姻状况", "登记日期"]),
    ("规划资源局", "不动产登记信息", "103001", "conditional", "不动产权利人与坐落。", ["不动产单元号", "权利人"]),
    ("公安局", "户籍迁移记录", "101001", "unconditional", "户口迁入迁出记录。", ["迁入地址", "迁出地址"]),
]


@pytest.fixture
def published(session):  # type: ignore[no-untyped-def]
    departments = {}
    for short, name, klass, sharing, abstract, items in CATALOG:
        dept = departments.get(short) or make_department(session, name=f"上海市{short}", short_name=short)
        departments[short] = dept
        extra = {"sharing_condition": "按应用场景授权", "legal_basis": "《政务数据共享条例》"} \
            if sharing == "conditional" else {}
        make_resource(session, dept, name=name, class_code=klass, sharing_type=sharing, abstract=abstract,
                      items=[ItemDraft(n, f"item_{i}", "string", 20) for i, n in enumerate(items)], **extra)
    draft = make_resource(session, departments["公安局"], name="户籍草稿资源", publish=False)
    assert draft.status == "draft"
    return departments


def _names(page):  # type: ignore[no-untyped-def]
    return [r.name for r in page.results]


@pytest.mark.parametrize("query,first", [
    ("浦东", "浦东新区建设工程许可"), ("户籍", "户籍人口基本信息"), ("社保", "社会保险参保信息"),
    ("户口", "户籍人口基本信息"), ("房产", "不动产登记信息"), ("婚姻", "婚姻登记信息"), ("ＰＵＤＯＮＧ浦东", None),
])
def test_chinese_queries_find_the_expected_resource_first(session, published, query, first):
    page = search(session, query)
    if first is None:
        assert page.total == 0
    else:
        assert _names(page)[0] == first


def test_a_name_match_ranks_above_an_abstract_match(session, published):
    assert _names(search(session, "户籍"))[:2] == ["户籍人口基本信息", "户籍迁移记录"]


def test_drafts_are_not_found(session, published):
    assert "户籍草稿资源" not in _names(search(session, "草稿"))


def test_facet_counts_add_up_to_the_total(session, published):
    page = search(session, "信息")
    assert page.total == 4
    for name, counts in page.facets.items():
        assert sum(counts.values()) == page.total, name
    assert page.facets["sharing_type"] == {"conditional": 3, "unconditional": 1}


def test_filters_narrow_the_results(session, published):
    page = search(session, "", Filters(sharing_type="conditional"))
    assert sorted(_names(page)) == ["不动产登记信息", "婚姻登记信息", "社会保险参保信息"]
    page = search(session, "", Filters(department_id=published["公安局"].id, class_code="101"))
    assert sorted(_names(page)) == ["户籍人口基本信息", "户籍迁移记录"]


@pytest.mark.parametrize("sort", ["relevance", "code", "name"])
def test_keyset_pages_cover_everything_once(session, published, sort):
    seen, cursor = [], None
    while True:
        page = search(session, "", sort=sort, cursor=cursor, limit=2)
        seen += [r.code for r in page.results]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(r.code for r in search(session, "", limit=100).results)
    assert len(seen) == len(set(seen)) == 6


@pytest.mark.parametrize("query", ['"户籍" OR 1=1', "户籍'; DROP TABLE catalog_resources; --", "户籍 AND NOT",
                                   "*", "%", "_", "\\", "NEAR(户籍)", "户籍^2", "\x00", "🙂户籍"])
def test_hostile_queries_get_results_or_nothing_never_an_error(session, published, query):
    search(session, query)


def test_a_very_long_query_is_refused_with_a_clear_message(session, published):
    with pytest.raises(InvalidInput) as caught:
        search(session, "户" * 10_000)
    assert caught.value.code == "catalog.query_too_long"


def test_a_forged_cursor_is_refused(session, published):
    with pytest.raises(InvalidInput):
        search(session, "", cursor="not-a-cursor")


def test_a_retired_resource_disappears_from_search(session, published):
    code = search(session, "婚姻").results[0].code
    catalog.retire_resource(session, SYSTEM, code, reason="合并")
    assert search(session, "婚姻").total == 0


@given(st.text(max_size=60))
def test_query_terms_never_exceed_the_limit_and_come_from_the_text(text):
    found = query_terms(text)
    assert len(found) <= 24
    assert set(found) <= set(terms(text))


def test_relevance_pages_follow_one_order_across_pages(session, published):
    whole = [r.code for r in search(session, "信息", limit=100).results]
    pages, cursor = [], None
    while True:
        page = search(session, "信息", cursor=cursor, limit=1)
        pages += [r.code for r in page.results]
        if (cursor := page.next_cursor) is None:
            break
    assert pages == whole and len(whole) == 4


def test_a_lone_character_matches_as_a_prefix(session, published):
    assert set(_names(search(session, "户"))) == {"户籍人口基本信息", "户籍迁移记录"}
    assert _names(search(session, "户 迁移")) == ["户籍迁移记录"]
    assert _names(search(session, "婚 登")) == ["婚姻登记信息"]


@pytest.mark.parametrize("values", [["x", "101001/00001"], [None, None], [1e300, "a"], ["1", {"a": 1}]])
def test_a_well_formed_cursor_with_wrong_values_is_refused(session, published, values):
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    for sort in ("relevance", "code", "name"):
        try:
            search(session, "信息", sort=sort, cursor=cursor)
        except InvalidInput as refused:
            assert refused.code == "catalog.cursor"


def test_search_sees_changes_made_through_another_engine(db_url, session, published):
    """The in-memory store is a cache per engine: a second process's publish, edit and retire show at once."""
    from dataclasses import replace

    from tongban.db import make_engine, make_session_factory

    session.commit()
    assert search(session, "社保").facets["sharing_type"] == {"conditional": 1}  # warm this engine's store
    session.commit()
    other = make_engine(db_url)
    try:
        with make_session_factory(other)() as elsewhere:
            code = search(elsewhere, "社保").results[0].code
            draft = catalog.draft_of(catalog.get_resource(elsewhere, SYSTEM, code))
            catalog.update_resource(elsewhere, SYSTEM, code,
                                    replace(draft, sharing_type="unconditional", sharing_condition=""))
            catalog.submit_resource(elsewhere, SYSTEM, code)
            catalog.approve_resource(elsewhere, SYSTEM, code)
            make_resource(elsewhere, published["公安局"], name="居住证办理信息", class_code="101003")
            catalog.retire_resource(elsewhere, SYSTEM, search(elsewhere, "婚姻").results[0].code, reason="合并")
            elsewhere.commit()
    finally:
        other.dispose()
    assert search(session, "社保").facets["sharing_type"] == {"unconditional": 1}
    assert _names(search(session, "居住证")) == ["居住证办理信息"]
    assert search(session, "婚姻").total == 0
    assert search(session, "").total == 6
