"""The portal's pages through the ASGI app: login, lock-out, CSRF, permissions, forms, cookies and headers."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit.model import AuditRecord
from tongban.i18n import gettext
from tongban.identity.model import Department, User
from tongban.standards import id_check_char
from tongban.synth.demo import DemoAccount

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CJK = re.compile(r"[\u4e00-\u9fff]")
GOOD_PASSWORD = "Quiet-River-2024"


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF.search(page)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def zh(msgid: str, **params: Any) -> str:
    """The Chinese text a page shows for ``msgid``; fails when the catalog has no Chinese for it."""
    text = gettext("zh-CN", msgid, **params)
    assert CJK.search(text), f"no Chinese translation for {msgid!r}"
    return text


def text_of(response: Any) -> str:
    return html.unescape(response.text)


def login(client: TestClient, username: str, password: str, *, next: str = "/") -> Any:
    """Post the login form as a browser would (with the page's CSRF token); the response is not followed."""
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password, "next": next},
                       follow_redirects=False)


def log_in(client: TestClient, account: DemoAccount) -> None:
    response = login(client, account.username, account.password)
    assert response.status_code == 303, text_of(response)


def audit_records(sessions: sessionmaker[Session], action: str, **where: Any) -> list[AuditRecord]:
    """The audit records of an action, oldest first, filtered by column values."""
    with sessions() as session:
        stmt = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditRecord, column) == value)
        return list(session.scalars(stmt))


def is_logged_in(client: TestClient) -> bool:
    response = client.get("/account", follow_redirects=False)
    assert response.status_code in (200, 303)
    return response.status_code == 200


# Login ----------------------------------------------------------------------------------------------------------

def test_a_wrong_password_is_refused_in_chinese_and_audited_as_failed(client, demo_accounts, sessions):
    response = login(client, "clerk", "Not-The-Password-1")
    assert response.status_code == 401
    assert zh("Wrong username or password") in text_of(response)
    assert 'value="clerk"' in response.text  # the username is kept in the form
    assert not is_logged_in(client)
    assert [r.outcome for r in audit_records(sessions, "identity.login", target_id="clerk")] == ["failed"]


def test_five_failures_lock_the_account_even_against_the_right_password(client, demo_accounts, sessions):
    clerk = demo_accounts["clerk"]
    for _ in range(5):
        assert login(client, clerk.username, "Not-The-Password-1").status_code == 401
    response = login(client, clerk.username, clerk.password)
    assert response.status_code == 429
    locked = zh("Too many failed logins. Try again in {minutes} minutes.", minutes=15)
    assert locked.split("15")[0] in text_of(response)
    assert not is_logged_in(client)
    records = audit_records(sessions, "identity.login", target_id=clerk.username)
    assert [r.outcome for r in records] == ["failed"] * 5 + ["denied"]
    assert records[-1].details == {"reason": "locked"}


def test_another_account_is_not_locked_by_someones_failures(client, demo_accounts):
    for _ in range(5):
        login(client, "clerk", "Not-The-Password-1")
    log_in(client, demo_accounts["approver"])


def test_a_login_without_csrf_token_is_refused_and_logs_nobody_in(client, demo_accounts, sessions):
    clerk = demo_accounts["clerk"]
    client.get("/login")  # the CSRF cookie is there; only the form field is missing
    response = client.post("/login", data={"username": clerk.username, "password": clerk.password},
                           follow_redirects=False)
    assert response.status_code == 403
    assert zh("The form has expired or was not sent from this site. Reload the page and try again.") \
        in text_of(response)
    assert "tb_session" not in response.cookies
    assert not is_logged_in(client)
    assert audit_records(sessions, "identity.login") == []


def _tampered(value: str) -> str:
    """The signed value with the first signature character changed (the last one may carry only padding bits)."""
    payload, dot, signature = value.rpartition(".")
    assert dot and signature
    return f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def test_a_tampered_csrf_cookie_is_refused(client, demo_accounts):
    clerk = demo_accounts["clerk"]
    token = csrf_token(client.get("/login").text)
    cookie = client.cookies["tb_csrf"]
    client.cookies.clear()
    client.cookies.set("tb_csrf", _tampered(cookie))
    response = client.post("/login", data={"csrf_token": token, "username": clerk.username,
                                           "password": clerk.password}, follow_redirects=False)
    assert response.status_code == 403
    assert "tb_session" not in response.cookies


def test_a_csrf_cookie_from_another_browser_does_not_match_the_form(app, client, demo_accounts):
    clerk = demo_accounts["clerk"]
    token = csrf_token(client.get("/login").text)
    other = TestClient(app)
    other.get("/login")
    client.cookies.clear()
    client.cookies.set("tb_csrf", other.cookies["tb_csrf"])
    response = client.post("/login", data={"csrf_token": token, "username": clerk.username,
                                           "password": clerk.password}, follow_redirects=False)
    assert response.status_code == 403


def test_logging_out_needs_the_csrf_token_and_ends_the_session(client, demo_accounts, sessions):
    log_in(client, demo_accounts["clerk"])
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert is_logged_in(client)
    token = csrf_token(client.get("/account").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert not is_logged_in(client)
    assert len(audit_records(sessions, "identity.logout", target_id="clerk")) == 1


# Permissions ----------------------------------------------------------------------------------------------------

def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back(client):
    response = client.get("/admin/users", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/users"
    assert 'name="next" value="/admin/users"' in client.get(response.headers["location"]).text


def test_a_citizen_gets_a_friendly_403_for_the_audit_log_and_the_denial_is_audited(client, demo_accounts, sessions):
    citizen = demo_accounts["citizen"]
    log_in(client, citizen)
    response = client.get("/audit", headers={"X-Request-ID": "req-citizen-audit-1"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    page = text_of(response)
    assert zh("Your role may not do this") in page
    assert "req-citizen-audit-1" in page and zh("Request id") in page
    assert 'class="status-code"' in page
    assert "Traceback" not in page and "PermissionDenied" not in page and 'File "' not in page
    denied = audit_records(sessions, "audit.read", outcome="denied")
    assert len(denied) == 1
    assert denied[0].actor_name == citizen.username
    assert denied[0].request_id == "req-citizen-audit-1"


@pytest.mark.parametrize("role,path", [("data_admin", "/admin/users"), ("clerk", "/clients"), ("operator", "/audit"),
                                       ("auditor", "/admin/departments"), ("enterprise", "/admin/users")])
def test_a_forbidden_page_still_shows_who_is_logged_in(client, demo_accounts, role, path):
    account = demo_accounts[role]
    log_in(client, account)
    response = client.get(path)
    assert response.status_code == 403
    who = re.search(r'data-testid="who">([^<]*)<', response.text)
    assert who and account.display_name in html.unescape(who.group(1))


# Forms ----------------------------------------------------------------------------------------------------------

def _department_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalars(select(Department.id).order_by(Department.id)).first())


def _create_user(client: TestClient, **fields: str) -> Any:
    token = csrf_token(client.get("/admin/users").text)
    return client.post("/admin/users", data={"csrf_token": token, **fields})


def _user_named(sessions: sessionmaker[Session], display_name: str) -> User | None:
    with sessions() as session:
        return session.scalar(select(User).where(User.display_name == display_name))


def test_an_invalid_citizen_id_names_the_field_and_the_check_digit_rule(client, demo_accounts, sessions):
    log_in(client, demo_accounts["operator"])
    response = _create_user(client, role="citizen", display_name="王小二", password=GOOD_PASSWORD,
                            id_number="110105194912310021")
    assert response.status_code == 422
    page = text_of(response)
    expected = id_check_char("11010519491231002")
    assert expected == "X"
    assert zh("ID number") + "：" + zh("check character should be {expected}, not {actual}", expected=expected,
                                       actual="1") in page
    assert 'value="王小二"' in page  # the form keeps what was typed
    assert _user_named(sessions, "王小二") is None


def test_a_weak_password_names_the_password_field(client, demo_accounts, sessions):
    log_in(client, demo_accounts["operator"])
    response = _create_user(client, role="clerk", display_name="周新", username="zhouxin", password="short1",
                            department_id=str(_department_id(sessions)))
    assert response.status_code == 422
    page = text_of(response)
    assert f"<strong>{zh('Password')}</strong>：{zh('must be at least 10 characters long')}" in page
    assert _user_named(sessions, "周新") is None


def test_a_taken_username_is_a_conflict(client, demo_accounts, sessions):
    log_in(client, demo_accounts["operator"])
    response = _create_user(client, role="clerk", display_name="另一个王芳", username="clerk",
                            password=GOOD_PASSWORD, department_id=str(_department_id(sessions)))
    assert response.status_code == 409
    assert zh("The username {username} is taken", username="clerk") in text_of(response)
    assert _user_named(sessions, "另一个王芳") is None


def test_an_operator_creates_a_user_who_can_then_log_in(client, demo_accounts, sessions):
    log_in(client, demo_accounts["operator"])
    response = _create_user(client, role="clerk", display_name="周新", username="zhouxin", password=GOOD_PASSWORD,
                            department_id=str(_department_id(sessions)))
    assert response.status_code == 200
    assert "zhouxin" in response.text
    assert len(audit_records(sessions, "user.create", target_id="zhouxin")) == 1
    client.cookies.clear()
    assert login(client, "zhouxin", GOOD_PASSWORD).status_code == 303


def _change_password(client: TestClient, current: str, new: str) -> Any:
    token = csrf_token(client.get("/account").text)
    return client.post("/account/password", data={"csrf_token": token, "current_password": current,
                                                  "new_password": new, "confirm_password": new})


def test_a_wrong_current_password_is_refused_and_audited(client, demo_accounts, sessions):
    clerk = demo_accounts["clerk"]
    log_in(client, clerk)
    response = _change_password(client, "Not-The-Password-1", GOOD_PASSWORD)
    assert response.status_code == 422
    assert zh("The current password is wrong") in text_of(response)
    failed = audit_records(sessions, "identity.change_password", outcome="failed")
    assert len(failed) == 1 and failed[0].target_id == clerk.username
    assert is_logged_in(client)
    client.cookies.clear()
    assert login(client, clerk.username, clerk.password).status_code == 303  # unchanged


def test_changing_the_password_ends_the_users_other_sessions(app, client, demo_accounts, sessions):
    clerk = demo_accounts["clerk"]
    log_in(client, clerk)
    elsewhere = TestClient(app)
    log_in(elsewhere, clerk)
    assert is_logged_in(elsewhere)

    response = _change_password(client, clerk.password, GOOD_PASSWORD)
    assert response.status_code == 200
    assert zh("Your password has been changed") in text_of(response)
    assert is_logged_in(client)
    assert not is_logged_in(elsewhere)
    assert len(audit_records(sessions, "identity.change_password", outcome="allowed")) == 1

    elsewhere.cookies.clear()
    assert login(elsewhere, clerk.username, clerk.password).status_code == 401
    assert login(elsewhere, clerk.username, GOOD_PASSWORD).status_code == 303


# Cookies, headers, redirects ------------------------------------------------------------------------------------

def _set_cookie(response: Any, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def test_the_session_cookie_is_httponly_and_samesite_lax(client, demo_accounts):
    clerk = demo_accounts["clerk"]
    response = login(client, clerk.username, clerk.password)
    attributes = [part.strip().lower() for part in _set_cookie(response, "tb_session").split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes


def test_the_csrf_cookie_is_httponly_and_samesite_strict(client):
    attributes = [part.strip().lower() for part in _set_cookie(client.get("/login"), "tb_csrf").split(";")]
    assert "httponly" in attributes and "samesite=strict" in attributes


@pytest.mark.parametrize("path", ["/", "/login", "/account", "/no-such-page"])
def test_pages_carry_the_security_headers(client, demo_accounts, path):
    log_in(client, demo_accounts["clerk"])
    response = client.get(path)
    assert response.status_code == (404 if path == "/no-such-page" else 200)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


OFF_SITE = ["https://evil.example", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
            "http:/evil.example", "javascript:alert(1)", " //evil.example"]


def _stays_on_site(location: str) -> bool:
    resolved = urlsplit(urljoin("http://testserver/somewhere", location))
    return resolved.scheme == "http" and resolved.netloc == "testserver" and "\\" not in location


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_redirects_off_site(client, target):
    response = client.get("/lang/en", params={"next": target}, follow_redirects=False)
    assert response.status_code == 303
    assert _stays_on_site(response.headers["location"]), response.headers["location"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(client, demo_accounts, target):
    clerk = demo_accounts["clerk"]
    response = login(client, clerk.username, clerk.password, next=target)
    assert response.status_code == 303
    assert _stays_on_site(response.headers["location"]), response.headers["location"]


def test_the_language_switch_goes_back_and_is_remembered(client):
    response = client.get("/lang/en", params={"next": "/login"}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    page = client.get("/login")
    assert page.headers["content-language"] == "en" and ">Log in</button>" in page.text
    client.get("/lang/zh-CN")
    assert f">{zh('Log in')}</button>" in client.get("/login").text
