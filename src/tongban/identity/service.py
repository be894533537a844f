"""Identity use cases. Each checks the policy, does the work, records the audit event and never commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tongban.audit import ActorRef, AuditEvent, record
from tongban.audit.model import AuditRecord
from tongban.db import utcnow
from tongban.i18n import Msg
from tongban.errors import Conflict, FieldError, InvalidInput, Locked, NotFound, PermissionDenied, Unauthenticated
from tongban.identity import passwords, tokens
from tongban.identity.model import ApiClient, Department, LoginSession, User
from tongban.identity.policy import Action, Actor, Role, Target, decide
from tongban.identity.queries import list_clients, list_departments, list_users
from tongban.identity.throttle import LOCK_FOR, WINDOW, throttle
from tongban.standards import CodeError, parse_citizen_id, parse_credit_code, parse_division_code


LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def actor_ref(actor: Actor) -> ActorRef:
    """How the audit log names an actor."""
    return ActorRef(actor.kind, None if actor.id is None else str(actor.id), actor.name, actor.department_id)


def actor_for(user: User) -> Actor:
    """The policy's view of a logged-in user."""
    return Actor("user", user.id, user.username, Role(user.role), user.department_id)


def actor_for_client(client: ApiClient) -> Actor:
    """The policy's view of an API client."""
    return Actor("client", client.id, f"client:{client.key_id}", None, client.department_id)


def require(
    actor: Actor, action: Action, target: Target | None = None, *, target_id: str | None = None,
    event: str | None = None,
) -> None:
    """Raise PermissionDenied (carrying a 'denied' audit event named ``event``, default the action) unless allowed."""
    decision = decide(actor, action, target)
    if not decision.allowed:
        event_ = AuditEvent(
            action=event or str(action), actor=actor_ref(actor), outcome="denied", target_id=target_id,
            details={"reason": decision.reason},
        )
        raise PermissionDenied(decision.reason, code="identity.permission_denied", audit=event_)


def _code_error(field: str, exc: CodeError) -> InvalidInput:
    return InvalidInput(exc.template, code=exc.rule, params=exc.params,
                        errors=[FieldError(field, exc.template, exc.params, code=exc.rule)])


# Departments -------------------------------------------------------------------------------------------------

def create_department(
    session: Session, actor: Actor, *, name: str, short_name: str, credit_code: str, division_code: str,
    parent_id: int | None = None,
) -> Department:
    """Register a department; codes are validated by GB 32100 / GB 11714 and GB/T 2260."""
    require(actor, Action.DEPARTMENT_MANAGE, target_id=name, event="department.create")
    name, short_name = name.strip(), short_name.strip()
    if not name:
        raise InvalidInput("{field} is required", params={"field": Msg("Name")}, errors=[FieldError("name", "is required")])
    try:
        code = parse_credit_code(credit_code).code
    except CodeError as exc:
        raise _code_error("credit_code", exc) from None
    try:
        division = parse_division_code(division_code).code
    except CodeError as exc:
        raise _code_error("division_code", exc) from None
    if session.scalar(select(Department.id).where(Department.name == name)):
        raise Conflict("A department named {name} already exists", code="identity.department_exists",
                       params={"name": name})
    if session.scalar(select(Department.id).where(Department.credit_code == code)):
        raise Conflict("A department with credit code {code} already exists", code="identity.department_exists",
                       params={"code": code})
    if parent_id is not None and session.get(Department, parent_id) is None:
        raise NotFound("Department {id} does not exist", params={"id": parent_id})
    dept = Department(name=name, short_name=short_name or name, credit_code=code, division_code=division,
                      parent_id=parent_id)
    session.add(dept)
    session.flush()
    record(session, AuditEvent("department.create", actor_ref(actor), target_type="department",
                               target_id=str(dept.id), details={"name": name, "credit_code": code}))
    return dept


# Users --------------------------------------------------------------------------------------------------------

def create_user(
    session: Session, actor: Actor, *, username: str | None, display_name: str, role: str, password: str,
    department_id: int | None = None, id_number: str | None = None, company_credit_code: str | None = None,
    company_name: str | None = None,
) -> User:
    """Create an account; citizens are identified by their (upgraded) ID number, enterprise users by a company code."""
    require(actor, Action.USER_CREATE)
    problems: list[FieldError] = []
    try:
        role_ = Role(role)
    except ValueError:
        raise InvalidInput("Unknown role {role}", params={"role": role},
                           errors=[FieldError("role", "Unknown role {role}", {"role": role})]) from None
    number = None
    if id_number or role_ is Role.CITIZEN:
        try:
            number = parse_citizen_id(id_number or "").number
        except CodeError as exc:
            raise _code_error("id_number", exc) from None
    company = None
    if role_ is Role.ENTERPRISE:
        try:
            company = parse_credit_code(company_credit_code or "").code
        except CodeError as exc:
            raise _code_error("company_credit_code", exc) from None
    if role_.is_staff and department_id is None:
        problems.append(FieldError("department_id", "staff must belong to a department"))
    if department_id is not None and session.get(Department, department_id) is None:
        problems.append(FieldError("department_id", "Department {id} does not exist", {"id": department_id}))
    username = (username or number or "").strip()
    if not username:
        problems.append(FieldError("username", "is required"))
    if not display_name.strip():
        problems.append(FieldError("display_name", "is required"))
    weak = passwords.weakness(password, username)
    if weak:
        problems.append(FieldError("password", weak))
    if problems:
        raise InvalidInput("The account cannot be created: {count} problem(s)", params={"count": len(problems)},
                           errors=problems)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("The username {username} is taken", code="identity.user_exists", params={"username": username})
    if number and session.scalar(select(User.id).where(User.id_number == number)):
        raise Conflict("An account for this ID number already exists", code="identity.user_exists")
    user = User(
        username=username, display_name=display_name.strip(), role=str(role_),
        department_id=department_id if role_.is_staff else None, id_number=number,
        company_credit_code=company, company_name=(company_name or None), password_hash=passwords.hash_password(password),
    )
    session.add(user)
    session.flush()
    record(session, AuditEvent("user.create", actor_ref(actor), target_type="user", target_id=username,
                               details={"role": str(role_), "department_id": user.department_id}))
    return user


def set_role(session: Session, actor: Actor, *, username: str, role: str, department_id: int | None = None) -> User:
    """Give a user another role (and department, for staff)."""
    require(actor, Action.USER_SET_ROLE, target_id=username)
    user = get_user_by_username(session, username)
    try:
        role_ = Role(role)
    except ValueError:
        raise InvalidInput("Unknown role {role}", params={"role": role},
                           errors=[FieldError("role", "Unknown role {role}", {"role": role})]) from None
    new_department = department_id if department_id is not None else user.department_id
    if role_.is_staff and new_department is None:
        raise InvalidInput("staff must belong to a department", errors=[FieldError("department_id", "is required")])
    if new_department is not None and session.get(Department, new_department) is None:
        raise NotFound("Department {id} does not exist", params={"id": new_department})
    if role_ is Role.CITIZEN and not user.id_number:
        raise InvalidInput("A citizen account needs an ID number", errors=[FieldError("role", "needs an ID number")])
    if role_ is Role.ENTERPRISE and not user.company_credit_code:
        raise InvalidInput("An enterprise account needs a company credit code",
                           errors=[FieldError("role", "needs a company credit code")])
    before = (user.role, user.department_id)
    user.role = str(role_)
    user.department_id = new_department if role_.is_staff else None
    record(session, AuditEvent("user.set_role", actor_ref(actor), target_type="user", target_id=user.username,
                               details={"from": before[0], "to": user.role, "from_department_id": before[1],
                                        "department_id": user.department_id}))
    return user


def get_user_by_username(session: Session, username: str) -> User:
    """The user with this username, or NotFound."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("No user named {username}", params={"username": username})
    return user


# Login, sessions, passwords -----------------------------------------------------------------------------------

def login_throttle(session: Session, username: str, now: dt.datetime):  # type: ignore[no-untyped-def]
    """The throttle state of a username, derived from the audit log's recent login failures."""
    last_ok = session.scalar(
        select(AuditRecord.occurred_at).where(AuditRecord.action == "identity.login", AuditRecord.target_id == username,
                                              AuditRecord.outcome == "allowed").order_by(AuditRecord.seq.desc()).limit(1)
    )
    stmt = select(AuditRecord.occurred_at).where(
        AuditRecord.action == "identity.login", AuditRecord.target_id == username, AuditRecord.outcome == "failed",
        AuditRecord.occurred_at >= now - WINDOW - LOCK_FOR,
    )
    if last_ok is not None:
        stmt = stmt.where(AuditRecord.occurred_at > last_ok)
    return throttle(list(session.scalars(stmt)), now)


def _login_name(raw: str) -> str:
    """Citizens may type their ID number in either form: a 15-digit or lower-case-x number means the 18-digit one."""
    name = raw.strip()
    try:
        return parse_citizen_id(name).number
    except CodeError:
        return name


def authenticate(session: Session, *, username: str, password: str, now: dt.datetime | None = None) -> User:
    """Check a username and password; failures and lock-outs are audited and raise."""
    now = now or utcnow()
    username = _login_name(username)
    anon = ActorRef("anonymous", None, username)
    state = login_throttle(session, username, now)
    if state.locked_until is not None:
        minutes = max(1, int((state.locked_until - now).total_seconds() // 60) + 1)
        raise Locked("Too many failed logins. Try again in {minutes} minutes.", code="identity.locked",
                     params={"minutes": minutes},
                     audit=AuditEvent("identity.login", anon, "denied", "user", username, details={"reason": "locked"}))
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        passwords.dummy_verify(password)
    if user is None or not user.active or not passwords.verify_password(user.password_hash, password):
        raise Unauthenticated("Wrong username or password", code="identity.bad_credentials",
                              params={"delay": state.delay_factor},
                              audit=AuditEvent("identity.login", anon, "failed", "user", username))
    record(session, AuditEvent("identity.login", actor_ref(actor_for(user)), target_type="user", target_id=username))
    return user


def start_session(session: Session, user: User, *, hours: int, now: dt.datetime | None = None) -> str:
    """Open a login session and return its raw token (only its digest is stored)."""
    now = now or utcnow()
    raw = tokens.new_session_token()
    session.add(LoginSession(token_hash=tokens.digest(raw), user_id=user.id, created_at=now,
                             expires_at=now + dt.timedelta(hours=hours)))
    session.flush()
    return raw


def find_session_user(session: Session, raw: str, *, now: dt.datetime | None = None) -> User | None:
    """The user of a live session token, or None."""
    now = now or utcnow()
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == tokens.digest(raw)))
    if row is None or row.ended_at is not None or row.expires_at <= now or not row.user.active:
        return None
    return row.user


def logout(session: Session, actor: Actor, raw: str, *, now: dt.datetime | None = None) -> None:
    """End the session of ``raw`` and audit the logout."""
    session.execute(update(LoginSession).where(LoginSession.token_hash == tokens.digest(raw),
                                               LoginSession.ended_at.is_(None)).values(ended_at=now or utcnow()))
    record(session, AuditEvent("identity.logout", actor_ref(actor), target_type="user", target_id=actor.name))


def change_password(session: Session, actor: Actor, *, current: str, new: str, keep_session: str | None = None) -> None:
    """Change one's own password; every other session of the user ends."""
    require(actor, Action.PASSWORD_CHANGE, Target(owner_user_id=actor.id))
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound("No such user")
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidInput("The current password is wrong", code="identity.bad_credentials",
                           errors=[FieldError("current_password", "is wrong")],
                           audit=AuditEvent(str(Action.PASSWORD_CHANGE), actor_ref(actor), "failed", "user",
                                            user.username, details={"reason": "wrong current password"}))
    weak = passwords.weakness(new, user.username)
    if weak:
        raise InvalidInput("The new password {reason}", code="identity.weak_password", params={"reason": Msg(weak)},
                           errors=[FieldError("new_password", weak)])
    if passwords.verify_password(user.password_hash, new):
        raise InvalidInput("The new password must differ from the current one",
                           errors=[FieldError("new_password", "must differ from the current one")])
    now = utcnow()
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    ended = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep_session:
        ended = ended.where(LoginSession.token_hash != tokens.digest(keep_session))
    session.execute(ended.values(ended_at=now))
    record(session, AuditEvent(str(Action.PASSWORD_CHANGE), actor_ref(actor), target_type="user",
                               target_id=user.username))


# API clients --------------------------------------------------------------------------------------------------

def create_api_client(
    session: Session, actor: Actor, *, name: str, department_id: int | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiClient, str]:
    """Create a client for the actor's department; returns the token, which is never shown again."""
    department_id = department_id if department_id is not None else actor.department_id
    require(actor, Action.CLIENT_CREATE, Target(department_id=department_id), target_id=name)
    if department_id is None or session.get(Department, department_id) is None:
        raise NotFound("Department {id} does not exist", params={"id": department_id})
    if not name.strip():
        raise InvalidInput("{field} is required", params={"field": Msg("Name")}, errors=[FieldError("name", "is required")])
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput("The expiry must be in the future", errors=[FieldError("expires_at", "must be in the future")])
    key_id, token = tokens.new_api_token()
    client = ApiClient(key_id=key_id, name=name.strip(), department_id=department_id, token_hash=tokens.digest(token),
                       created_by=actor.id, expires_at=expires_at)
    session.add(client)
    session.flush()
    record(session, AuditEvent("client.create", actor_ref(actor), target_type="api_client", target_id=key_id,
                               details={"name": client.name, "department_id": department_id,
                                        "expires_at": expires_at.isoformat() if expires_at else None}))
    return client, token


def revoke_api_client(session: Session, actor: Actor, *, key_id: str) -> ApiClient:
    """Revoke a client at once; its token stops working."""
    client = session.scalar(select(ApiClient).where(ApiClient.key_id == key_id))
    if client is None:
        raise NotFound("No API client {key_id}", params={"key_id": key_id})
    require(actor, Action.CLIENT_REVOKE, Target(department_id=client.department_id), target_id=key_id)
    if client.revoked_at is not None:
        raise Conflict("API client {key_id} is already revoked", params={"key_id": key_id})
    client.revoked_at = utcnow()
    client.revoked_by = actor.id
    record(session, AuditEvent("client.revoke", actor_ref(actor), target_type="api_client", target_id=key_id))
    return client


def authenticate_client(session: Session, token: str, *, now: dt.datetime | None = None) -> ApiClient:
    """The client owning a bearer token; unknown, revoked and expired tokens raise Unauthenticated (audited)."""
    now = now or utcnow()
    key_id = tokens.split_api_token(token)
    client = session.scalar(select(ApiClient).where(ApiClient.key_id == key_id)) if key_id else None
    reason = None
    if client is None or not tokens.same_digest(token, client.token_hash):
        reason = "The API token is not valid"
    elif client.revoked_at is not None:
        reason = "The API token has been revoked"
    elif client.expires_at is not None and client.expires_at <= now:
        reason = "The API token has expired"
    if reason is not None:
        ref = ActorRef("client", key_id, f"client:{key_id}" if key_id else None,
                       client.department_id if client else None)
        raise Unauthenticated(reason, code="identity.bad_token",
                              audit=AuditEvent("client.authenticate", ref, "failed", "api_client", key_id,
                                               details={"reason": reason}))
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        client.last_used_at = now  # at most one write a minute, not one per call
    return client


# Read use cases (permission-checked wrappers over queries) ----------------------------------------------------

def view_departments(session: Session, actor: Actor) -> list[Department]:
    """The department directory, for staff and API clients."""
    require(actor, Action.DEPARTMENT_LIST)
    return list_departments(session)


def manage_departments(session: Session, actor: Actor) -> list[Department]:
    """The department directory, for the operator who maintains it."""
    require(actor, Action.DEPARTMENT_MANAGE)
    return list_departments(session)


def view_users(session: Session, actor: Actor, *, role: str | None = None, department_id: int | None = None,
               query: str | None = None) -> list[User]:
    """Accounts, for the operator and the auditor."""
    require(actor, Action.USER_LIST)
    return list_users(session, role=role, department_id=department_id, query=query)


def view_clients(session: Session, actor: Actor) -> list[ApiClient]:
    """API clients: a data admin sees the own department's, the operator and auditor all."""
    require(actor, Action.CLIENT_LIST, Target(department_id=actor.department_id))
    return list_clients(session, department_id=actor.department_id if actor.role is Role.DATA_ADMIN else None)



def view_account(session: Session, actor: Actor) -> tuple[User, list[AuditRecord]]:
    """One's own account and its ten latest sign-ins (successful or not), from the audit log."""
    require(actor, Action.ACCOUNT_VIEW, Target(owner_user_id=actor.id))
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound("No such user")
    logins = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "identity.login", AuditRecord.target_id == user.username)
        .order_by(AuditRecord.seq.desc()).limit(10)
    )
    return user, list(logins)
