"""Identity use cases on SQLite and PostgreSQL: validation, conflicts, audit in the same transaction, login
throttling from the audit log, permission denials, roles, API clients and password changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD, SYSTEM, citizen_id, credit_code, make_client, make_department, make_user
from tongban.audit.model import AuditRecord
from tongban.audit.queries import AuditFilter
from tongban.audit.service import verify_chain
from tongban.audit.signing import load_or_create_signer
from tongban.audit.unit_of_work import transaction
from tongban.db import utcnow
from tongban.errors import Conflict, InvalidInput, Locked, NotFound, PermissionDenied, Unauthenticated
from tongban.identity import service
from tongban.identity.model import ApiClient, Department, User
from tongban.identity.oversight import search_audit
from tongban.identity.passwords import verify_password
from tongban.identity.policy import Role
from tongban.identity.tokens import digest
from tongban.standards import id_check_char

NEW_PASSWORD = "Another-Horse-43"


def audit(session: Session, action: str, **where: Any) -> list[AuditRecord]:
    stmt = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditRecord, column) == value)
    return list(session.scalars(stmt))


def audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord)) or 0


def other_check_char(code: str) -> str:
    """The code with a wrong last character."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


# Departments ----------------------------------------------------------------------------------------------------

def test_a_department_with_valid_codes_is_created_and_audited(session):
    dept = make_department(session, name="上海市测试局", short_name="测试局", credit_code=credit_code(501))
    session.commit()
    assert session.get(Department, dept.id).credit_code == credit_code(501)
    [row] = audit(session, "department.create")
    assert (row.target_id, row.outcome, row.actor_kind) == (str(dept.id), "allowed", "system")


@pytest.mark.parametrize("field,value,rule", [
    ("credit_code", other_check_char(credit_code(502)), "uscc.checksum"),
    ("credit_code", credit_code(502)[:-1], "uscc.length"),
    ("credit_code", "I" + credit_code(502)[1:], "uscc.charset"),
    ("division_code", "3100", "division.length"),
    ("division_code", "31000A", "division.charset"),
    ("division_code", "310199", "division.unknown"),
])
def test_a_department_with_an_invalid_code_is_refused_naming_the_field_and_rule(session, field, value, rule):
    with pytest.raises(InvalidInput) as caught:
        make_department(session, **{field: value})
    assert caught.value.code == rule
    [problem] = caught.value.errors
    assert (problem.field, problem.code) == (field, rule)
    assert session.scalar(select(func.count()).select_from(Department)) == 0


@pytest.mark.parametrize("clash", ["name", "credit_code"])
def test_a_department_with_a_taken_name_or_credit_code_is_a_conflict(session, clash):
    first = make_department(session)
    with pytest.raises(Conflict) as caught:
        make_department(session, **{clash: getattr(first, clash)})
    assert caught.value.code == "identity.department_exists"


# Users ----------------------------------------------------------------------------------------------------------

def test_a_citizen_with_a_fifteen_digit_id_is_stored_upgraded_and_logs_in_with_the_eighteen_digits(session):
    old = "310115900101123"
    upgraded = "31011519900101123" + id_check_char("31011519900101123")
    user = make_user(session, Role.CITIZEN, id_number=old)
    session.commit()
    assert (user.username, user.id_number) == (upgraded, upgraded)
    assert service.authenticate(session, username=upgraded, password=PASSWORD).id == user.id


@pytest.mark.parametrize("number,rule", [
    (other_check_char(citizen_id(5)), "idcard.checksum"),
    ("31011519900101", "idcard.length"),
    ("99011519900101123" + "4", "idcard.division"),
    ("310115199002301234", "idcard.birth_date"),
])
def test_an_invalid_id_number_is_refused_naming_id_number_and_the_rule(session, number, rule):
    with pytest.raises(InvalidInput) as caught:
        make_user(session, Role.CITIZEN, id_number=number)
    assert caught.value.code == rule
    [problem] = caught.value.errors
    assert (problem.field, problem.code) == ("id_number", rule)


def test_a_citizen_without_an_id_number_is_refused(session):
    with pytest.raises(InvalidInput) as caught:
        make_user(session, Role.CITIZEN, id_number=None)
    assert [e.field for e in caught.value.errors] == ["id_number"]


@pytest.mark.parametrize("role", [r for r in Role if r.is_staff], ids=str)
def test_staff_without_a_department_is_refused(session, role):
    with pytest.raises(InvalidInput) as caught:
        make_user(session, role, department_id=None)
    assert "department_id" in [e.field for e in caught.value.errors]


def test_a_weak_password_is_refused_naming_the_password_field(session):
    with pytest.raises(InvalidInput) as caught:
        make_user(session, Role.CLERK, password="short")
    assert [(e.field, e.message) for e in caught.value.errors] == [("password", "must be at least 10 characters long")]


def test_a_taken_username_is_a_conflict(session):
    make_user(session, Role.CLERK, username="wangfang")
    with pytest.raises(Conflict) as caught:
        make_user(session, Role.APPROVER, username="wangfang")
    assert caught.value.code == "identity.user_exists"


def test_a_second_account_for_the_same_id_number_is_a_conflict(session):
    number = citizen_id(7)
    make_user(session, Role.CITIZEN, id_number=number)
    with pytest.raises(Conflict):
        make_user(session, Role.CITIZEN, id_number=number, username="another-login")


def test_a_created_user_never_stores_the_plain_password(session):
    user = make_user(session, Role.CLERK)
    session.commit()
    row = session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user.id}).mappings().one()
    assert all(PASSWORD not in str(value) for value in row.values())
    assert verify_password(row["password_hash"], PASSWORD)


# Every use case audits in the same transaction ---------------------------------------------------------------

@dataclass
class World:
    department: Department
    clerk: User
    client: ApiClient
    session_token: str


@pytest.fixture
def world(session: Session) -> World:
    department = make_department(session)
    clerk = make_user(session, Role.CLERK, department_id=department.id)
    client, _ = make_client(session, department)
    raw = service.start_session(session, clerk, hours=8)
    session.commit()
    return World(department, clerk, client, raw)


@dataclass(frozen=True)
class UseCase:
    action: str
    run: Callable[[Session, World], Any]
    done: Callable[[Session, World], bool] | None  # the use case's own effect is visible


def _user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


USE_CASES = [
    UseCase("department.create", lambda s, w: make_department(s, name="回滚局"),
            lambda s, w: s.scalar(select(Department.id).where(Department.name == "回滚局")) is not None),
    UseCase("user.create", lambda s, w: make_user(s, Role.CLERK, username="rolled-back", department_id=w.department.id),
            lambda s, w: _user(s, "rolled-back") is not None),
    UseCase("user.set_role", lambda s, w: service.set_role(s, SYSTEM, username=w.clerk.username, role="approver"),
            lambda s, w: _user(s, w.clerk.username).role == "approver"),
    UseCase("client.create", lambda s, w: make_client(s, w.department, name="回滚系统"),
            lambda s, w: s.scalar(select(ApiClient.id).where(ApiClient.name == "回滚系统")) is not None),
    UseCase("client.revoke", lambda s, w: service.revoke_api_client(s, SYSTEM, key_id=w.client.key_id),
            lambda s, w: s.scalar(select(ApiClient.revoked_at).where(ApiClient.id == w.client.id)) is not None),
    UseCase("identity.change_password",
            lambda s, w: service.change_password(s, service.actor_for(w.clerk), current=PASSWORD, new=NEW_PASSWORD),
            lambda s, w: verify_password(_user(s, w.clerk.username).password_hash, NEW_PASSWORD)),
    UseCase("identity.logout", lambda s, w: service.logout(s, service.actor_for(w.clerk), w.session_token),
            lambda s, w: service.find_session_user(s, w.session_token) is None),
    UseCase("identity.login", lambda s, w: service.authenticate(s, username=w.clerk.username, password=PASSWORD),
            None),
]


@pytest.mark.parametrize("case", USE_CASES, ids=lambda c: c.action)
def test_every_use_case_writes_its_audit_record_in_the_same_transaction(session, world, case):
    before = audit_count(session)
    case.run(session, world)
    assert audit_count(session) == before + 1
    assert session.scalar(select(AuditRecord.action).order_by(AuditRecord.seq.desc()).limit(1)) == case.action
    if case.done:
        assert case.done(session, world)
    session.rollback()
    assert audit_count(session) == before
    if case.done:
        assert not case.done(session, world)


def test_after_a_rollback_the_chain_continues_without_a_gap(session, world, tmp_path):
    make_department(session, name="回滚局")
    session.rollback()
    make_department(session, name="留存局")
    session.commit()
    result = verify_chain(session, load_or_create_signer(tmp_path / "key.pem"))
    assert result.ok, result.problem
    assert result.records == audit_count(session)


# Login ----------------------------------------------------------------------------------------------------------

def test_a_successful_login_is_audited_as_allowed(session):
    user = make_user(session, Role.APPROVER)
    session.commit()
    assert service.authenticate(session, username=f"  {user.username} ", password=PASSWORD).id == user.id
    [row] = audit(session, "identity.login")
    assert (row.outcome, row.target_id, row.actor_kind, row.actor_id) == ("allowed", user.username, "user",
                                                                           str(user.id))


@pytest.mark.parametrize("wrong", ["wrong password", "unknown user", "inactive user"])
def test_a_failed_login_raises_unauthenticated_carrying_a_failed_audit_event(session, wrong):
    user = make_user(session, Role.CLERK)
    if wrong == "inactive user":
        user.active = False
    session.commit()
    username = "nobody" if wrong == "unknown user" else user.username
    password = "Wrong-Horse-42" if wrong == "wrong password" else PASSWORD
    with pytest.raises(Unauthenticated) as caught:
        service.authenticate(session, username=username, password=password)
    assert caught.value.code == "identity.bad_credentials"
    event = caught.value.audit
    assert (event.action, event.outcome, event.target_id, event.actor.kind) == ("identity.login", "failed", username,
                                                                                "anonymous")
    assert audit(session, "identity.login") == []  # the use case leaves the recording to the unit of work


def fail_login(sessions: sessionmaker[Session], username: str, password: str = "Wrong-Horse-42",
               now: dt.datetime | None = None) -> Exception:
    """One login attempt through the unit of work; returns the error it raised."""
    with pytest.raises((Unauthenticated, Locked)) as caught:
        with transaction(sessions) as s:
            service.authenticate(s, username=username, password=password, now=now)
    return caught.value


def login(sessions: sessionmaker[Session], username: str, password: str = PASSWORD,
          now: dt.datetime | None = None) -> User:
    with transaction(sessions) as s:
        return service.authenticate(s, username=username, password=password, now=now)


@pytest.fixture
def clerk(session: Session) -> User:
    user = make_user(session, Role.CLERK, username="clerk-wang")
    session.commit()
    return user


def test_a_failed_login_record_survives_the_rollback_of_the_unit_of_work(sessions, clerk):
    fail_login(sessions, clerk.username)
    with sessions() as s:
        [row] = audit(s, "identity.login")
        assert (row.outcome, row.target_id) == ("failed", clerk.username)


def test_each_failed_login_asks_for_a_longer_slow_down(sessions, clerk):
    delays = [fail_login(sessions, clerk.username).params["delay"] for _ in range(5)]
    assert delays == [0.0, 1.0, 2.0, 4.0, 8.0]


def test_five_failed_logins_lock_the_account_even_for_the_right_password(sessions, clerk):
    for _ in range(5):
        assert isinstance(fail_login(sessions, clerk.username), Unauthenticated)
    locked = fail_login(sessions, clerk.username, PASSWORD)
    assert isinstance(locked, Locked)
    assert locked.code == "identity.locked" and 1 <= locked.params["minutes"] <= 16
    with sessions() as s:
        assert [r.details for r in audit(s, "identity.login", outcome="denied")] == [{"reason": "locked"}]


def test_the_lock_is_lifted_sixteen_minutes_later(sessions, clerk):
    for _ in range(5):
        fail_login(sessions, clerk.username)
    assert isinstance(fail_login(sessions, clerk.username, PASSWORD, now=utcnow()), Locked)
    assert login(sessions, clerk.username, now=utcnow() + dt.timedelta(minutes=16)).id == clerk.id


def test_a_successful_login_resets_the_failure_count(sessions, clerk):
    for _ in range(4):
        fail_login(sessions, clerk.username)
    login(sessions, clerk.username)
    for _ in range(4):
        fail_login(sessions, clerk.username)
    assert login(sessions, clerk.username).id == clerk.id


def test_failures_of_one_username_do_not_lock_another(sessions, clerk, session):
    other = make_user(session, Role.CLERK)
    session.commit()
    for _ in range(5):
        fail_login(sessions, clerk.username)
    assert login(sessions, other.username).id == other.id


# Permissions and roles ------------------------------------------------------------------------------------------

DENIED = [
    ("department.create", lambda s, actor, w: service.create_department(
        s, actor, name="越权局", short_name="越权", credit_code=credit_code(900), division_code="310000")),
    ("user.create", lambda s, actor, w: service.create_user(
        s, actor, username="sneaky", display_name="x", role="operator", password=PASSWORD,
        department_id=w.department.id)),
    ("user.set_role", lambda s, actor, w: service.set_role(s, actor, username=w.clerk.username, role="operator")),
    ("client.create", lambda s, actor, w: service.create_api_client(s, actor, name="越权系统")),
    ("user.list", lambda s, actor, w: service.view_users(s, actor)),
    ("audit.read", lambda s, actor, w: search_audit(s, actor, AuditFilter())),
]


@pytest.mark.parametrize("action,attempt", DENIED, ids=[a for a, _ in DENIED])
def test_a_permission_denial_raises_and_through_the_unit_of_work_leaves_a_denied_record(sessions, world, action,
                                                                                         attempt):
    actor = service.actor_for(world.clerk)
    with pytest.raises(PermissionDenied) as caught:
        with transaction(sessions) as s:
            attempt(s, actor, world)
    assert caught.value.code == "identity.permission_denied"
    assert caught.value.message == "Your role may not do this"
    with sessions() as s:
        [row] = audit(s, action, outcome="denied")
        assert (row.actor_kind, row.actor_id, row.details) == ("user", str(world.clerk.id),
                                                               {"reason": "Your role may not do this"})
        assert _user(s, "sneaky") is None


def test_a_data_admin_creates_clients_for_the_own_department_only(session):
    own, other = make_department(session), make_department(session)
    admin = service.actor_for(make_user(session, Role.DATA_ADMIN, department_id=own.id))
    client, _ = service.create_api_client(session, admin, name="人口比对")
    assert client.department_id == own.id
    with pytest.raises(PermissionDenied) as caught:
        service.create_api_client(session, admin, name="越权", department_id=other.id)
    assert caught.value.message == "You may only do this for your own department"


def test_a_data_admin_revokes_clients_of_the_own_department_only(session):
    own, other = make_department(session), make_department(session)
    admin = service.actor_for(make_user(session, Role.DATA_ADMIN, department_id=own.id))
    mine, _ = make_client(session, own)
    theirs, _ = make_client(session, other)
    assert service.revoke_api_client(session, admin, key_id=mine.key_id).revoked_at is not None
    with pytest.raises(PermissionDenied):
        service.revoke_api_client(session, admin, key_id=theirs.key_id)


def test_setting_a_role_changes_it_and_audits_from_and_to(session):
    first, second = make_department(session), make_department(session)
    user = make_user(session, Role.CLERK, department_id=first.id)
    service.set_role(session, SYSTEM, username=user.username, role="approver", department_id=second.id)
    session.commit()
    assert (_user(session, user.username).role, _user(session, user.username).department_id) == ("approver", second.id)
    [row] = audit(session, "user.set_role")
    assert row.target_id == user.username
    assert row.details == {"from": "clerk", "to": "approver", "from_department_id": first.id,
                           "department_id": second.id}


def test_a_staff_member_made_citizen_needs_an_id_number(session):
    user = make_user(session, Role.CLERK)
    with pytest.raises(InvalidInput):
        service.set_role(session, SYSTEM, username=user.username, role="citizen")


@pytest.mark.parametrize("username,role,error", [("ghost", "clerk", NotFound), (None, "emperor", InvalidInput)],
                         ids=["unknown-user", "unknown-role"])
def test_setting_a_role_of_an_unknown_user_or_to_an_unknown_role_fails(session, username, role, error):
    user = make_user(session, Role.CLERK)
    with pytest.raises(error):
        service.set_role(session, SYSTEM, username=username or user.username, role=role)


# API clients ----------------------------------------------------------------------------------------------------

def test_an_api_client_token_is_shown_once_and_stored_only_as_a_hash(session):
    client, token = make_client(session)
    session.commit()
    assert token.startswith(f"tbk_{client.key_id}_")
    row = session.execute(text("SELECT * FROM api_clients WHERE id = :id"), {"id": client.id}).mappings().one()
    assert row["token_hash"] == digest(token)
    secret = token.rsplit("_", 1)[1]
    assert all(token not in str(v) and secret not in str(v) for v in row.values())
    logged = session.execute(text("SELECT * FROM audit_records")).mappings().all()
    assert all(secret not in str(v) for rec in logged for v in rec.values())


def test_a_valid_token_authenticates_its_client_and_notes_the_use(session):
    client, token = make_client(session)
    session.commit()
    assert client.last_used_at is None
    found = service.authenticate_client(session, token)
    assert found.id == client.id and found.last_used_at is not None


def _token_problem(session: Session, token: str, **kwargs: Any) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        service.authenticate_client(session, token, **kwargs)
    assert caught.value.code == "identity.bad_token"
    event = caught.value.audit
    assert (event.action, event.outcome) == ("client.authenticate", "failed")
    assert event.details == {"reason": caught.value.message}
    return caught.value


def test_a_revoked_token_is_refused_as_revoked(session):
    client, token = make_client(session)
    service.revoke_api_client(session, SYSTEM, key_id=client.key_id)
    session.commit()
    assert "revoked" in str(_token_problem(session, token))


def test_an_expired_token_is_refused_as_expired(session):
    client, token = make_client(session, expires_at=utcnow() + dt.timedelta(days=1))
    session.commit()
    assert service.authenticate_client(session, token).id == client.id
    problem = _token_problem(session, token, now=utcnow() + dt.timedelta(days=2))
    assert "expired" in str(problem)
    assert problem.audit.target_id == client.key_id


def test_a_wrong_secret_with_a_right_key_id_is_refused_as_invalid(session):
    client, _ = make_client(session)
    session.commit()
    problem = _token_problem(session, f"tbk_{client.key_id}_{'x' * 43}")
    assert str(problem) == "The API token is not valid"
    assert problem.audit.target_id == client.key_id


@pytest.mark.parametrize("token", ["", "garbage", "tbk_0123456789ab_" + "x" * 43])
def test_a_malformed_or_unknown_token_is_refused_as_invalid(session, token):
    assert str(_token_problem(session, token)) == "The API token is not valid"


def test_revoking_twice_is_a_conflict_and_an_unknown_key_is_not_found(session):
    client, _ = make_client(session)
    service.revoke_api_client(session, SYSTEM, key_id=client.key_id)
    with pytest.raises(Conflict):
        service.revoke_api_client(session, SYSTEM, key_id=client.key_id)
    with pytest.raises(NotFound):
        service.revoke_api_client(session, SYSTEM, key_id="000000000000")


def test_a_client_cannot_be_created_already_expired(session):
    with pytest.raises(InvalidInput):
        make_client(session, expires_at=utcnow() - dt.timedelta(seconds=1))


# Password changes -------------------------------------------------------------------------------------------------

def test_changing_the_password_ends_the_other_sessions_but_keeps_the_current_one(session):
    user = make_user(session, Role.CLERK)
    current, *others = [service.start_session(session, user, hours=8) for _ in range(3)]
    session.commit()
    service.change_password(session, service.actor_for(user), current=PASSWORD, new=NEW_PASSWORD,
                            keep_session=current)
    session.commit()
    assert service.find_session_user(session, current).id == user.id
    assert [service.find_session_user(session, raw) for raw in others] == [None, None]
    assert service.authenticate(session, username=user.username, password=NEW_PASSWORD).id == user.id
    with pytest.raises(Unauthenticated):
        service.authenticate(session, username=user.username, password=PASSWORD)


def test_changing_the_password_without_a_current_session_ends_them_all(session):
    user = make_user(session, Role.CLERK)
    raws = [service.start_session(session, user, hours=8) for _ in range(2)]
    service.change_password(session, service.actor_for(user), current=PASSWORD, new=NEW_PASSWORD)
    assert [service.find_session_user(session, raw) for raw in raws] == [None, None]


def test_another_users_sessions_survive_a_password_change(session):
    user, other = make_user(session, Role.CLERK), make_user(session, Role.CLERK)
    theirs = service.start_session(session, other, hours=8)
    service.change_password(session, service.actor_for(user), current=PASSWORD, new=NEW_PASSWORD)
    assert service.find_session_user(session, theirs).id == other.id


@pytest.mark.parametrize("current,new,code", [
    ("Wrong-Horse-42", NEW_PASSWORD, "identity.bad_credentials"),
    (PASSWORD, "short", "identity.weak_password"),
    (PASSWORD, PASSWORD, "invalid_input"),
], ids=["wrong-current", "weak-new", "unchanged"])
def test_a_password_change_is_refused_for_a_wrong_current_weak_or_unchanged_password(session, current, new, code):
    user = make_user(session, Role.CLERK)
    with pytest.raises(InvalidInput) as caught:
        service.change_password(session, service.actor_for(user), current=current, new=new)
    assert caught.value.code == code


def test_a_session_stops_working_when_it_expires(session):
    user = make_user(session, Role.CLERK)
    raw = service.start_session(session, user, hours=8)
    assert service.find_session_user(session, raw, now=utcnow() + dt.timedelta(hours=7)).id == user.id
    assert service.find_session_user(session, raw, now=utcnow() + dt.timedelta(hours=9)) is None

