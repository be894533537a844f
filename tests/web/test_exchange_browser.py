"""Real Chromium through the exchange: a citizen reads exactly the accesses to their own ID number in 我的数据使用记录,
and a data admin applies for another department's conditional resource, which the provider's data admin then finds
in the sharing inbox with its due date. The data is made through the use cases, not the demo seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.exchange.gateway_world import World, build_world
from tests.factories import PASSWORD, citizen_id, make_client, make_resource, make_user
from tests.web import test_browser as shared
from tongban.audit import AuditEvent
from tongban.audit.service import record
from tongban.audit.unit_of_work import transaction
from tongban.catalog.drafts import ItemDraft
from tongban.exchange.model import SharingRequest
from tongban.identity import queries as identity_queries
from tongban.identity.model import Department
from tongban.identity.service import actor_for_client, actor_ref
from tongban.synth.demo import DemoAccount

# The portal's browser fixtures: a fresh context on the live server that fails the test on any console error (a CSP
# violation is one), and the screenshot folder.
page, screenshots = shared.page, shared.screenshots

pytestmark = pytest.mark.browser

ITEMS = [ItemDraft("公民身份号码", "id_number", "string", 18, personal=True, sensitivity=3),
         ItemDraft("姓名", "name", "string", 50, personal=True, sensitivity=2),
         ItemDraft("居住地址", "residence_address", "string", 200, personal=True, sensitivity=2),
         ItemDraft("签发日期", "issued_on", "date")]


def _backend(db_url: str) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgresql"


def _access(session: Session, world: World, subject: str, *, purpose: str, case_ref: str, request_id: str) -> None:
    """One allowed call of the consumer's system for ``subject``, as the gateway audits it."""
    record(session, AuditEvent(
        action="exchange.call", actor=actor_ref(actor_for_client(world.client)), outcome="allowed",
        target_type="resource", target_id=world.people, purpose=purpose, case_ref=case_ref, subjects=(subject,),
        details={"official": "zhangwei01", "items": ["id_number", "name"], "request_id": request_id}))


def test_the_citizen_sees_exactly_the_accesses_to_their_own_id_number(
    page, sessions: sessionmaker[Session], demo_accounts: dict[str, DemoAccount], db_url, screenshots: Path
):
    from playwright.sync_api import expect

    citizen = demo_accounts["citizen"]  # a citizen logs in with their ID number
    with sessions() as session:
        world = build_world(session)
    with transaction(sessions) as session:
        _access(session, world, citizen.username, purpose="居住证办理核验", case_ref="SQ20261127-0042",
                request_id="req-own-1")
        _access(session, world, citizen.username, purpose="社保待遇资格认证", case_ref="SB20261128-0007",
                request_id="req-own-2")
        _access(session, world, citizen_id(77), purpose="他人案件的用途", case_ref="XX20261129-9999",
                request_id="req-other")

    shared._login(page, citizen)
    page.click("nav.mainnav a[href='/me/data-use']")
    page.wait_for_url("**/me/data-use")
    rows = page.get_by_test_id("data-use").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("社保待遇资格认证")  # newest first
    expect(rows.nth(0)).to_contain_text("SB20261128-0007")
    expect(rows.nth(1)).to_contain_text("居住证办理核验")
    expect(rows.nth(1)).to_contain_text("SQ20261127-0042")
    for row in (rows.nth(0), rows.nth(1)):
        expect(row).to_contain_text("市人社局（测试）")
        expect(row).to_contain_text("户籍人口基本信息（测试）")
        expect(row).to_contain_text("zhangwei01")
    main = page.locator("main")
    expect(main).not_to_contain_text("他人案件的用途")
    expect(main).not_to_contain_text("XX20261129-9999")
    page.screenshot(path=str(screenshots / f"exchange-data-use-{_backend(db_url)}.png"), full_page=True)


def test_a_data_admin_applies_for_a_conditional_resource_and_the_provider_sees_it_with_its_due_date(
    page, browser, live_server, sessions: sessionmaker[Session], demo_accounts: dict[str, DemoAccount], db_url,
    screenshots: Path
):
    from playwright.sync_api import expect

    consumer = demo_accounts["data_admin"]  # 公安局's data admin
    with transaction(sessions) as session:
        consumer_department = identity_queries.find_department_by_short_name(session, "公安局")
        assert consumer_department is not None
        make_client(session, consumer_department, name="公安户籍核验系统")
        provider_admin = make_user(session, "data_admin")
        resource = make_resource(session, session.get(Department, provider_admin.department_id),
                                 name="居住证信息（浏览器测试）", sharing_type="conditional",
                                 sharing_condition="仅向公安、人社部门共享", items=ITEMS)
        provider = DemoAccount("data_admin", provider_admin.username or "", PASSWORD, provider_admin.display_name,
                               None)
        code = resource.code

    shared._login(page, consumer)
    page.goto("/exchange/requests/new")
    page.fill("#q", "居住证信息（浏览器测试）")
    page.keyboard.press("Enter")
    page.get_by_test_id("resources").get_by_role("link", name="居住证信息（浏览器测试）").click()
    page.wait_for_url(f"**/exchange/requests/new?resource={code}")
    expect(page.get_by_test_id("route")).to_have_attribute("data-route", "conditional")
    form = page.get_by_test_id("request-form")
    form.locator("#scenario").fill("居住证积分审核")
    form.locator("#purpose").fill("核验积分申请人的居住登记情况")
    form.locator("#legal_basis").fill("《居住证暂行条例》第十二条")
    for item in ("id_number", "name", "residence_address"):
        form.locator(f"input[name=items][value={item}]").check()
    expect(form.locator("input[name=client_ids]").first).to_be_checked()
    with page.expect_navigation(url="**/exchange/requests/*?done=submitted"):
        form.locator("button[type=submit]").click()
    number = page.url.split("/exchange/requests/")[1].split("?")[0]

    with sessions() as session:
        due_on = session.scalar(select(SharingRequest.due_on).where(SharingRequest.number == number))
    assert due_on is not None

    provider_context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                           locale="zh-CN")
    provider_context.set_default_timeout(10_000)
    try:
        inbox = provider_context.new_page()
        shared._login(inbox, provider)
        inbox.goto("/exchange/inbox")
        row = inbox.get_by_test_id("inbox").locator(f"tr[data-number='{number}']")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("居住证信息（浏览器测试）")
        expect(row).to_contain_text("居住证积分审核")
        expect(row).to_contain_text(due_on.isoformat())
        inbox.screenshot(path=str(screenshots / f"exchange-inbox-{_backend(db_url)}.png"), full_page=True)
    finally:
        provider_context.close()
