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
    "citizen": ["/", "/account"],
    "enterprise": ["/", "/account"],
    "clerk": ["/", "/account"],
    "approver": ["/", "/account"],
    "data_admin": ["/", "/clients", "/account"],
    "operator": ["/", "/admin/departments", "/admin/users", "/clients", "/account"],
    "auditor": ["/", "/admin/users", "/clients", "/audit", "/account"],
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
