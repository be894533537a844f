"""The catalog's pages through the ASGI app: search with facets and pages, detail with diffs, the editor, review,
the department's list with returned comments, and statistics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.factories import SYSTEM, make_draft, make_resource
from tests.web.test_pages import csrf_token, log_in, text_of, zh
from tongban.audit.unit_of_work import transaction
from tongban.catalog import service as catalog
from tongban.catalog.drafts import ItemDraft
from tongban.identity.queries import find_department_by_short_name

RESTRICTED = {"sharing_condition": "经授权的政务服务场景", "legal_basis": "《上海市公共数据管理办法》第二十条"}
HREF = re.compile(r'href="(/catalog[^"]*)"')


@pytest.fixture
def other_client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A second browser, for a second person."""
    with TestClient(app) as c:
        yield c


def seed(sessions, short_name: str, *specs: dict[str, Any]) -> list[str]:  # type: ignore[no-untyped-def]
    """Publish resources of a demo department; returns their codes."""
    with transaction(sessions) as session:
        department = find_department_by_short_name(session, short_name)
        return [make_resource(session, department, **spec).code for spec in specs]


def links(page: str, text: str) -> list[str]:
    """The hrefs of the links whose visible text contains ``text``."""
    return [unquote(href).replace("&amp;", "&") for href, inner in
            re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', page, re.S) if text in re.sub(r"<[^>]+>", "", inner)]


def result_names(page: str) -> list[str]:
    block = page.split('data-testid="results"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<h2><a href="/catalog/r/[^"]+">([^<]+)</a></h2>', block)


# Access -------------------------------------------------------------------------------------------------------

def test_a_citizen_is_refused_the_catalog(client, demo_accounts):
    log_in(client, demo_accounts["citizen"])
    for path in ("/catalog", "/catalog/stats", "/catalog/mine", "/catalog/review", "/catalog/new"):
        assert client.get(path).status_code == 403, path


def test_the_catalog_asks_to_log_in_first(client):
    response = client.get("/catalog", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# Search -------------------------------------------------------------------------------------------------------

@pytest.fixture
def catalog_of_25(sessions, demo_accounts):  # type: ignore[no-untyped-def]
    police = seed(sessions, "公安局", *[{"name": f"户籍专题资源{n:02d}", "update_cycle": "daily"} for n in range(15)])
    civil = seed(sessions, "民政局", *[{"name": f"婚姻登记专题{n:02d}", "class_code": "101002", "sharing_type":
                                         "conditional", "update_cycle": "monthly", **RESTRICTED} for n in range(10)])
    return police + civil


def test_search_shows_facets_with_counts_that_filter_and_unfilter(client, demo_accounts, catalog_of_25):
    log_in(client, demo_accounts["clerk"])
    page = text_of(client.get("/catalog"))
    assert zh("{count} resources found", count=25) in page
    facets = page.split('data-testid="facets"', 1)[1].split("</aside>", 1)[0]
    assert re.search(r"上海市公安局|公安局</span><span class=\"count\">15<", facets)
    assert re.search(r"有条件共享</span><span class=\"count\">10<", facets)
    assert re.search(r"每月</span><span class=\"count\">10<", facets)

    [conditional] = links(facets, "有条件共享")
    filtered = text_of(client.get(conditional))
    assert zh("{count} resources found", count=10) in filtered
    assert all(name.startswith("婚姻登记专题") for name in result_names(filtered))
    assert 'data-testid="active-filters"' in filtered
    chips = filtered.split('data-testid="active-filters"', 1)[1].split("</p>", 1)[0]
    [remove] = [unquote(h).replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', chips)][:1]
    assert zh("{count} resources found", count=25) in text_of(client.get(remove))


def test_search_words_find_and_rank_and_the_query_stays_in_the_box(client, demo_accounts, catalog_of_25):
    log_in(client, demo_accounts["data_admin"])
    page = text_of(client.get("/catalog", params={"q": "婚姻"}))
    assert zh("{count} resources found", count=10) in page
    assert 'value="婚姻"' in page


def test_keyset_pages_cover_every_result_once(client, demo_accounts, catalog_of_25):
    log_in(client, demo_accounts["clerk"])
    seen: list[str] = []
    path: str | None = "/catalog?sort=name"
    pages = 0
    while path:
        page = text_of(client.get(path))
        seen += result_names(page)
        following = re.search(r'<a class="button small" href="([^"]+)" rel="next"', page)
        path = following.group(1).replace("&amp;", "&") if following else None
        pages += 1
    assert pages == 2 and len(seen) == 25 and len(set(seen)) == 25 and seen == sorted(seen)


@pytest.mark.parametrize("params", [{"q": "x" * 10_000}, {"q": "户" * 2_000}, {"cursor": "not-a-cursor"}, {"sort": "'; DROP TABLE x"},
                                    {"q": '"户籍" OR 1=1 --'}])
def test_bad_searches_are_answered_inline_never_with_a_500(client, demo_accounts, catalog_of_25, params):
    log_in(client, demo_accounts["clerk"])
    response = client.get("/catalog", params=params)
    assert response.status_code in (200, 422)
    assert 'role="search"' in response.text  # the search box is still there
    if response.status_code == 422:
        assert 'data-testid="search-error"' in response.text


def test_sharing_types_are_labelled_in_the_configured_vocabulary(settings, demo_accounts, sessions):
    from tongban.web.app import create_app

    seed(sessions, "民政局", {"name": "婚姻登记信息", "sharing_type": "conditional", **RESTRICTED})
    shanghai = create_app(settings.model_copy(update={"sharing_vocabulary": "shanghai"}))
    with TestClient(shanghai) as c:
        log_in(c, demo_accounts["clerk"])
        page = text_of(c.get("/catalog"))
    assert "授权共享" in page and "有条件共享" not in page


# Detail -------------------------------------------------------------------------------------------------------

def test_the_detail_page_shows_metadata_items_and_the_diff_between_versions(client, demo_accounts, sessions):
    [code] = seed(sessions, "公安局", {"name": "户籍人口基本信息"})
    with transaction(sessions) as session:
        items = make_draft().items + [ItemDraft("民族", "ethnicity", "string", 10)]
        catalog.update_resource(session, SYSTEM, code, make_draft(update_cycle="weekly", items=items))
        catalog.submit_resource(session, SYSTEM, code)
        catalog.approve_resource(session, SYSTEM, code, comment="同意修订")
    log_in(client, demo_accounts["approver"])
    response = client.get(f"/catalog/r/{code}")
    assert response.status_code == 200
    page = text_of(response)
    assert "户籍人口基本信息" in page and "上海市公安局" in page and "基础信息资源目录 › 人口" in page
    assert page.count('<span class="num">') == 13  # the 13 core metadata elements
    assert "id_number" in page and "ethnicity" in page and "公民身份号码" in page
    assert zh("Version {version}", version=2) in page
    diff = page.split('data-testid="versions"', 1)[1]
    assert "每日" in diff and "每周" in diff and zh("Data item added") in diff
    assert "同意修订" in page  # the review trail keeps the comment
    assert 'data-testid="edit"' not in page and 'data-testid="review-box"' not in page


def test_an_unknown_code_is_a_404_page(client, demo_accounts):
    log_in(client, demo_accounts["clerk"])
    assert client.get("/catalog/r/101001/999999").status_code == 404
    assert client.get("/catalog/r/not-a-code").status_code == 404


# The editor and the review cycle ------------------------------------------------------------------------------

def editor_form(page: str, **values: str) -> dict[str, str]:
    form = {"csrf_token": csrf_token(page), "row_count": "5", "blank_rows": "5", "class_prefix": "101",
            "class_mu": "001", "class_ximu": "", "name": "出生医学证明信息", "abstract": "本市签发的出生医学证明。",
            "format": "database", "update_cycle": "daily", "record_count": "", "related_codes": "",
            "sharing_type": "unconditional", "share_methods": "api", "sharing_condition": "", "open_type": "closed",
            "open_condition": "", "legal_basis": "《中华人民共和国母婴保健法》", "intent": "save",
            "item-1-name": "新生儿姓名", "item-1-code": "newborn_name", "item-1-data_type": "string",
            "item-1-length": "50", "item-1-sensitivity": "2", "item-1-personal": "1",
            "item-2-name": "出生日期", "item-2-code": "Birth Date", "item-2-data_type": "date",
            "item-2-length": "", "item-2-sensitivity": "2"}
    form.update(values)
    return form


def test_a_data_admin_registers_submits_and_the_operator_returns_then_approves(
    client, other_client, demo_accounts, sessions
):
    log_in(client, demo_accounts["data_admin"])
    log_in(other_client, demo_accounts["operator"])
    new = client.get("/catalog/new")
    assert new.status_code == 200 and new.text.count('name="item-') >= 5 * 8

    # A bad item code in row 2: refused, naming the row and the field, and everything typed is kept.
    bad = client.post("/catalog/new", data=editor_form(new.text))
    assert bad.status_code == 422
    page = text_of(bad)
    assert zh("Row {row}", row=2) + " · " + zh("Data item code") in page
    assert 'id="item-row-2" class="row-error"' in page and 'id="item-row-1" class="row-error"' not in page
    assert 'value="Birth Date"' in page and 'value="出生医学证明信息"' in page and 'value="newborn_name"' in page

    good = client.post("/catalog/new", data=editor_form(new.text, **{"item-2-code": "birth_date"}),
                       follow_redirects=False)
    assert good.status_code == 303
    detail_path = good.headers["location"].split("?")[0]
    code = detail_path.removeprefix("/catalog/r/")
    detail = text_of(client.get(good.headers["location"]))
    assert "草稿" in detail and 'data-testid="done"' in detail
    assert 'action="/catalog/r/' + code + '/submit"' in detail

    submitted = client.post(f"{detail_path}/submit", data={"csrf_token": csrf_token(detail)}, follow_redirects=False)
    assert submitted.status_code == 303
    queue = text_of(other_client.get("/catalog/review"))
    assert "出生医学证明信息" in queue and zh("New resource") in queue

    # Returning needs a comment; with one, the department sees it on its list.
    empty = other_client.post(f"{detail_path}/return", data={"csrf_token": csrf_token(queue), "comment": " ",
                                                              "back": "review"})
    assert empty.status_code == 422 and zh("Comment") in text_of(empty)
    returned = other_client.post(f"{detail_path}/return", follow_redirects=False,
                                 data={"csrf_token": csrf_token(queue), "comment": "请补充记录数", "back": "review"})
    assert returned.status_code == 303 and returned.headers["location"].startswith("/catalog/review?done=returned")
    mine = text_of(client.get("/catalog/mine"))
    attention = mine.split('data-testid="returned"', 1)[1].split("</section>", 1)[0]
    assert "请补充记录数" in attention and "出生医学证明信息" in attention

    # The admin fixes it and submits again; the operator approves it; it is published and found by search.
    edit = client.get(f"{detail_path}/edit")
    assert edit.status_code == 200 and 'value="birth_date"' in edit.text
    saved = client.post(f"{detail_path}/edit", data=editor_form(edit.text, **{"item-2-code": "birth_date",
                                                                              "record_count": "120000"}),
                        follow_redirects=False)
    assert saved.status_code == 303
    client.post(f"{detail_path}/submit", data={"csrf_token": csrf_token(edit.text)})
    approved = other_client.post(f"{detail_path}/approve", data={"csrf_token": csrf_token(queue), "comment": "同意"},
                                 follow_redirects=False)
    assert approved.status_code == 303
    published = text_of(other_client.get(approved.headers["location"]))
    assert zh("{code} is approved and published.", code=code) in published and "已发布" in published
    assert "120,000" in published
    assert "出生医学证明信息" in result_names(text_of(client.get("/catalog", params={"q": "出生医学"})))
    assert "请补充记录数" not in text_of(client.get("/catalog/mine")).split('data-testid="my-resources"')[0]


def test_the_more_rows_button_keeps_what_was_typed_and_adds_five_empty_rows(client, demo_accounts):
    log_in(client, demo_accounts["data_admin"])
    new = client.get("/catalog/new").text
    response = client.post("/catalog/new", data=editor_form(new, intent="more"))
    assert response.status_code == 200
    page = text_of(response)
    assert 'name="item-12-name"' in page and 'name="item-13-name"' not in page  # 2 typed + 10 empty
    assert 'value="newborn_name"' in page and 'data-testid="row-error"' not in page


def test_an_unreadable_number_is_named_with_its_row(client, demo_accounts):
    log_in(client, demo_accounts["data_admin"])
    new = client.get("/catalog/new").text
    response = client.post("/catalog/new", data=editor_form(new, **{"item-1-length": "五十",
                                                                    "item-2-code": "birth_date"}))
    assert response.status_code == 422
    assert zh("Row {row}", row=1) + " · " + zh("Length") in text_of(response)


def test_a_published_resource_is_revised_and_the_revision_shows_its_diff(client, other_client, demo_accounts,
                                                                          sessions):
    [code] = seed(sessions, "公安局", {"name": "户籍人口基本信息"})
    log_in(client, demo_accounts["data_admin"])
    edit = client.get(f"/catalog/r/{code}/edit")
    assert edit.status_code == 200 and 'value="id_number"' in edit.text
    form = editor_form(edit.text, name="户籍人口基本信息（修订）", row_count="8", **{
        "item-1-code": "id_number", "item-2-code": "name", "item-3-name": "出生日期", "item-3-code": "birth_date",
        "item-3-data_type": "date", "item-4-name": "民族", "item-4-code": "ethnicity", "item-4-data_type": "string"})
    response = client.post(f"/catalog/r/{code}/edit", data=form, follow_redirects=False)
    assert response.status_code == 303, text_of(response).split('role="alert"')[-1][:600]
    assert "done=revised" in response.headers["location"]
    client.post(f"/catalog/r/{code}/submit", data={"csrf_token": csrf_token(edit.text)})

    log_in(other_client, demo_accounts["operator"])
    queue = text_of(other_client.get("/catalog/review"))
    assert zh("Revision of version {version}", version=1) in queue
    assert "户籍人口基本信息（修订）" in queue and "ethnicity" in queue
    public = text_of(other_client.get(f"/catalog/r/{code}"))
    assert 'data-testid="revision"' in public and 'data-testid="review-box"' in public


def test_another_departments_admin_may_not_edit(client, demo_accounts, sessions):
    [code] = seed(sessions, "民政局", {"name": "婚姻登记信息", "sharing_type": "conditional", **RESTRICTED})
    log_in(client, demo_accounts["data_admin"])  # 公安局
    assert client.get(f"/catalog/r/{code}/edit").status_code == 403
    page = text_of(client.get(f"/catalog/r/{code}"))
    assert 'data-testid="edit"' not in page and 'data-testid="submit"' not in page


# Statistics ---------------------------------------------------------------------------------------------------

def test_the_statistics_page_draws_charts_and_shows_the_legal_basis_figure(client, demo_accounts, sessions):
    seed(sessions, "公安局", {"name": "户籍人口基本信息"}, {"name": "出入境证件信息", "sharing_type": "not_shared",
                                                             "share_methods": [], **RESTRICTED})
    seed(sessions, "民政局", {"name": "婚姻登记信息", "sharing_type": "conditional", **RESTRICTED})
    log_in(client, demo_accounts["auditor"])
    response = client.get("/catalog/stats")
    assert response.status_code == 200
    page = text_of(response)
    assert page.count("<svg") == 3 and page.count("<title id=") == 3 and page.count("<desc id=") == 3
    assert 'data-testid="chart-sharing"' in page and "<details>" in page
    unfounded = page.split('data-testid="unfounded"', 1)[1].split("</div>", 1)[0]
    assert 'class="figure">0<' in unfounded and zh("Restrictions without a legal basis") in unfounded
    assert 'class="stat good"' in page
    assert 'data-testid="total-resources">3<' in page and 'data-testid="total-items">9<' in page
    table = page.split('data-testid="department-table"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"上海市公安局</th><td class=\"num\">2</td><td class=\"num\">6</td>"
                     r"<td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td>", table)
