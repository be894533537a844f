"""Real Chromium through the portal: every demo role logs in, sees exactly its navigation, opens it and logs out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tongban.i18n import gettext
from tongban.identity.policy import Actor, Role, allowed
from tongban.synth.demo import DemoAccount
from tongban.web.render import NAV


def in_browser(test: Callable[..., None]) -> Callable[..., None]:
    """Mark a browser test. The pages run on both backends in test_pages.py; in a browser, SQLite is enough."""
    return pytest.mark.browser(pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)(test))


ROLES = [str(role) for role in Role]

# Pinned by hand so that a policy change which widens or narrows a menu fails here, not only in review.
EXPECTED_NAV: dict[str, list[str]] = {
    "citizen": ["/", "/me/data-use", "/account"],
    "enterprise": ["/", "/me/data-use", "/account"],
    "clerk": ["/", "/catalog", "/catalog/stats", "/account"],
    "approver": ["/", "/catalog", "/catalog/stats", "/account"],
    "data_admin": ["/", "/catalog", "/catalog/mine", "/catalog/stats", "/registry", "/exchange/requests", "/clients",
                   "/account"],
    "operator": ["/", "/catalog", "/catalog/review", "/catalog/stats", "/registry", "/exchange/requests",
                 "/exchange/calendar", "/admin/departments", "/admin/users", "/clients", "/account"],
    "auditor": ["/", "/catalog", "/catalog/stats", "/registry", "/exchange/requests", "/admin/users", "/clients",
                "/audit", "/account"],
}


def _policy_nav(role: str) -> list[str]:
    """The navigation the policy grants a role (staff belong to some department)."""
    role_ = Role(role)
    actor = Actor("user", 1, "someone", role_, 1 if role_.is_staff else None)
    return [item.href for item in NAV if item.action is None or allowed(actor, item.action)]


def _backend(db_url: str) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def screenshots(output_dir: Path) -> Path:
    path = output_dir / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the live server; console errors fail the test."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []

    def _console(msg: Any) -> None:
        where = msg.location.get("url", "")
        if msg.type == "error" and not where.endswith("/favicon.ico"):  # the portal has no favicon; browsers ask
            problems.append(f"console error at {where}: {msg.text}")

    tab.on("console", _console)
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    yield tab
    context.close()
    assert not problems, problems


def _login(page: Any, account: DemoAccount) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.click("main form[action='/login'] button[type=submit]")
    page.wait_for_url("**/")
    expect(page.get_by_test_id("who")).to_contain_text(account.display_name)


def _nav_hrefs(page: Any) -> list[str]:
    return page.locator("nav.mainnav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_the_pinned_navigation_table_matches_the_policy():
    assert {role: _policy_nav(role) for role in ROLES} == EXPECTED_NAV


@in_browser
@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_sees_its_navigation_opens_it_and_logs_out(
    page, demo_accounts, db_url, screenshots: Path, role: str
):
    from playwright.sync_api import expect

    account = demo_accounts[role]
    _login(page, account)
    assert _nav_hrefs(page) == EXPECTED_NAV[role] == _policy_nav(role)

    page.screenshot(path=str(screenshots / f"{role}-{_backend(db_url)}.png"), full_page=True)

    for href in EXPECTED_NAV[role]:
        response = page.goto(href)
        assert response is not None and response.status == 200, (href, response and response.status)
        assert page.url.endswith(href), f"{href} redirected to {page.url}"
        assert page.locator(".status-code").count() == 0, f"{href} shows an error page"
        expect(page.get_by_test_id("who")).to_contain_text(account.display_name)
        expect(page.locator("nav.mainnav a[aria-current=page]")).to_have_attribute("href", href)

    page.click("header form[action='/logout'] button")
    page.wait_for_url("**/")
    expect(page.get_by_test_id("who")).to_have_count(0)
    expect(page.locator("header a[href='/login']")).to_be_visible()
    assert _nav_hrefs(page) == ["/"]
    page.goto("/account")
    assert "/login?next=/account" in page.url


@in_browser
def test_the_portal_is_chinese_by_default_and_switches_to_english(page):
    from playwright.sync_api import expect

    page.goto("/login")
    submit = page.locator("main form[action='/login'] button[type=submit]")
    expect(submit).to_have_text("登录")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    page.click("text=English")
    page.wait_for_url("**/login")
    expect(submit).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(submit).to_have_text("Log in")  # the choice is remembered

    page.click("nav.lang a[lang=zh-CN]")
    expect(submit).to_have_text("登录")


@in_browser
def test_a_data_admin_creates_an_api_client_and_sees_its_token_once(page, demo_accounts, screenshots: Path):
    from playwright.sync_api import expect

    _login(page, demo_accounts["data_admin"])
    page.goto("/clients")
    page.fill("#name", "户籍信息核验系统")
    page.fill("#expires_days", "30")
    page.click("main form[action='/clients'] button[type=submit]")
    shown = page.get_by_test_id("new-token")
    expect(shown).to_be_visible()
    token = page.locator("[data-testid=new-token] pre.token").inner_text().strip()
    assert token.startswith("tbk_")
    expect(page.get_by_test_id("clients")).to_contain_text("户籍信息核验系统")
    page.screenshot(path=str(screenshots / "data_admin-new-token.png"), full_page=True)

    # The token works for the API ...
    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200 and me.json()["name"] == "户籍信息核验系统"

    # ... and is never shown again.
    page.goto("/clients")
    expect(page.get_by_test_id("clients")).to_contain_text("户籍信息核验系统")
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    assert token not in page.content()


@in_browser
def test_the_auditor_verifies_the_whole_chain(page, demo_accounts, screenshots: Path):
    from playwright.sync_api import expect

    _login(page, demo_accounts["auditor"])
    page.goto("/audit")
    expect(page.get_by_test_id("audit-records")).to_contain_text("identity.login")
    page.click("main form[action^='/audit/verify'] button[type=submit]")
    verdict = page.get_by_test_id("verification")
    expect(verdict).to_be_visible()
    expect(verdict).to_have_class("alert ok")
    intact = gettext("zh-CN", "Audit chain intact: {records} records, {checkpoints} signed checkpoints")
    expect(verdict).to_contain_text(intact.split("{")[0].strip())
    page.screenshot(path=str(screenshots / "auditor-verification.png"), full_page=True)


# A small, realistic catalog for the catalog's browser test: (department, name, class, sharing, open, cycle, items).
CITY_CATALOG = [
    ("公安局", "户籍人口基本信息", "101001", "unconditional", "closed", "daily",
     [("公民身份号码", "id_number"), ("姓名", "name"), ("性别", "sex"), ("出生日期", "birth_date"), ("户籍地址", "domicile")]),
    ("民政局", "婚姻登记信息", "101001", "conditional", "closed", "daily",
     [("男方公民身份号码", "husband_id"), ("女方公民身份号码", "wife_id"), ("登记日期", "marriage_date")]),
    ("民政局", "最低生活保障对象信息", "203001", "conditional", "closed", "monthly",
     [("公民身份号码", "recipient_id"), ("保障金额", "benefit_amount")]),
    ("人社局", "社会保险参保信息", "203001", "conditional", "closed", "monthly",
     [("公民身份号码", "insured_id"), ("参保状态", "insured_status"), ("缴费单位", "employer")]),
    ("卫健委", "居民健康档案", "202001", "not_shared", "closed", "realtime",
     [("健康档案编号", "health_record_no"), ("既往病史", "medical_history")]),
    ("市场监管局", "企业登记信息", "102001", "unconditional", "open", "daily",
     [("统一社会信用代码", "credit_code"), ("企业名称", "company_name"), ("法定代表人", "legal_person")]),
    ("税务局", "纳税人登记信息", "102001", "conditional", "closed", "weekly",
     [("纳税人识别号", "taxpayer_id"), ("纳税人名称", "taxpayer_name")]),
    ("规划资源局", "不动产登记信息", "103001", "conditional", "conditional", "daily",
     [("不动产单元号", "estate_unit_no"), ("权利人", "right_holder"), ("坐落", "location")]),
    ("住建委", "浦东新区建设工程许可", "209001", "unconditional", "open", "weekly",
     [("许可证号", "permit_no"), ("项目名称", "project_name")]),
    ("公积金中心", "住房公积金缴存信息", "203002", "conditional", "closed", "monthly",
     [("公民身份号码", "payer_id"), ("缴存基数", "deposit_base")]),
]


def _seed_city_catalog(sessions: Any) -> str:
    """Publish CITY_CATALOG; the first resource gets a second version. Returns that resource's code."""
    import dataclasses

    from tests.factories import SYSTEM, make_resource
    from tongban.audit.unit_of_work import transaction
    from tongban.catalog import service as catalog
    from tongban.catalog.drafts import ItemDraft
    from tongban.identity.queries import find_department_by_short_name

    with transaction(sessions) as session:
        codes = []
        for short, name, klass, sharing, opening, cycle, items in CITY_CATALOG:
            restricted = sharing != "unconditional" or opening != "open"
            codes.append(make_resource(
                session, find_department_by_short_name(session, short), name=name, class_code=klass,
                sharing_type=sharing, open_type=opening, update_cycle=cycle, abstract=f"本市{name}，供政务服务共享使用。",
                share_methods=[] if sharing == "not_shared" else ["api", "table"],
                sharing_condition="用于经授权的政务服务事项办理" if sharing == "conditional" else "",
                open_condition="经申请审核后开放" if opening == "conditional" else "",
                legal_basis="《上海市公共数据和一网通办管理办法》第二十条" if restricted else "",
                items=[ItemDraft(label, code, "string", 50) for label, code in items]).code)
        first = catalog.get_resource(session, SYSTEM, codes[0])
        draft = catalog.draft_of(first)
        draft.items[0] = dataclasses.replace(draft.items[0], length=18, sensitivity=3, personal=True)
        revised = dataclasses.replace(draft, update_cycle="realtime", record_count=24_870_000,
                                      items=[*draft.items, ItemDraft("民族", "ethnicity", "string", 10)])
        catalog.update_resource(session, SYSTEM, first.code, revised)
        catalog.submit_resource(session, SYSTEM, first.code)
        catalog.approve_resource(session, SYSTEM, first.code, comment="同意：补充民族信息项，更新周期改为实时")
    return codes[0]


@in_browser
def test_a_data_admin_registers_a_resource_the_operator_approves_it_and_search_finds_it(
    page, demo_accounts, sessions, screenshots: Path
):
    from playwright.sync_api import expect

    revised = _seed_city_catalog(sessions)
    _login(page, demo_accounts["data_admin"])
    page.goto("/catalog/mine")
    page.get_by_test_id("new-resource").click()
    page.wait_for_url("**/catalog/new")
    page.select_option("#class_prefix", "101")
    page.fill("#class_mu", "002")
    page.fill("#name", "居住证办理信息")
    page.fill("#abstract", "来沪人员居住证的申领、签注和变更记录。")
    page.select_option("#sharing_type", "conditional")
    page.fill("#sharing_condition", "用于积分落户、子女入学等政务服务事项")
    page.fill("#legal_basis", "《居住证暂行条例》第十三条")
    page.fill("input[name=item-1-name]", "居住证号码")
    page.fill("input[name=item-1-code]", "residence_permit_no")
    page.fill("input[name=item-1-length]", "20")
    page.get_by_test_id("more-rows").click()  # no JavaScript: the form comes back with five more empty rows
    expect(page.locator("input[name=item-10-name]")).to_be_visible()
    expect(page.locator("input[name=item-1-code]")).to_have_value("residence_permit_no")
    for n, (label, code) in enumerate([("持证人公民身份号码", "holder_id"), ("居住地址", "residence_address")], start=2):
        page.fill(f"input[name=item-{n}-name]", label)
        page.fill(f"input[name=item-{n}-code]", code)
    page.check("input[name=item-2-personal]")
    page.select_option("select[name=item-2-sensitivity]", "3")
    page.get_by_test_id("save").click()
    page.wait_for_url("**/catalog/r/101002/*")
    expect(page.get_by_test_id("done")).to_be_visible()
    code = page.get_by_test_id("code").inner_text().strip()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_contain_text("待审核")
    page.click("header form[action='/logout'] button")

    _login(page, demo_accounts["operator"])
    page.goto("/catalog/review")
    entry = page.locator(f"[data-testid=queue-entry][data-code='{code}']")
    expect(entry).to_contain_text("居住证办理信息")
    entry.locator("form[action$='/approve'] button[type=submit]").click()
    expect(page.get_by_test_id("done")).to_contain_text(code)
    expect(page.get_by_test_id("queue-empty")).to_be_visible()

    page.goto("/catalog")
    page.fill("#q", "居住证")
    page.press("#q", "Enter")
    expect(page.get_by_test_id("results")).to_contain_text("居住证办理信息")
    page.fill("#q", "信息")
    page.press("#q", "Enter")
    expect(page.get_by_test_id("facets")).to_be_visible()
    page.screenshot(path=str(screenshots / "catalog-search.png"), full_page=True)

    page.get_by_role("link", name="居住证办理信息").click()
    expect(page.get_by_test_id("status")).to_contain_text("已发布")
    expect(page.get_by_test_id("items")).to_contain_text("residence_permit_no")
    page.screenshot(path=str(screenshots / "catalog-detail.png"), full_page=True)

    page.goto(f"/catalog/r/{revised}")
    expect(page.get_by_test_id("versions")).to_contain_text("ethnicity")
    page.screenshot(path=str(screenshots / "catalog-detail-history.png"), full_page=True)

    page.goto("/catalog/stats")
    expect(page.get_by_test_id("unfounded")).to_contain_text("0")
    expect(page.get_by_test_id("chart-sharing")).to_be_visible()
    page.screenshot(path=str(screenshots / "catalog-stats.png"), full_page=True)
