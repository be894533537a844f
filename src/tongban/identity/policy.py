"""Every permission decision of Tongban: role × action × department/ownership. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The roles a user can hold."""

    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    CLERK = "clerk"
    APPROVER = "approver"
    DATA_ADMIN = "data_admin"
    OPERATOR = "operator"
    AUDITOR = "auditor"

    @property
    def is_staff(self) -> bool:
        return self not in (Role.CITIZEN, Role.ENTERPRISE)


ROLE_LABELS = {
    Role.CITIZEN: "Citizen",
    Role.ENTERPRISE: "Enterprise user",
    Role.CLERK: "Window clerk",
    Role.APPROVER: "Approver",
    Role.DATA_ADMIN: "Department data admin",
    Role.OPERATOR: "Platform operator",
    Role.AUDITOR: "Auditor",
}


class Action(StrEnum):
    """Things an actor may try to do."""

    ACCOUNT_VIEW = "account.view"
    PASSWORD_CHANGE = "identity.change_password"
    DEPARTMENT_LIST = "department.list"
    DEPARTMENT_MANAGE = "department.manage"
    USER_LIST = "user.list"
    USER_CREATE = "user.create"
    USER_SET_ROLE = "user.set_role"
    CLIENT_LIST = "client.list"
    CLIENT_CREATE = "client.create"
    CLIENT_REVOKE = "client.revoke"
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    CATALOG_READ = "catalog.read"
    CATALOG_EDIT = "catalog.edit"
    CATALOG_REVIEW = "catalog.review"
    CATALOG_RETIRE = "catalog.retire"
    CATALOG_SOURCE_MOVE = "catalog.move_source"
    REGISTRY_DELIVER = "registry.deliver"
    REGISTRY_READ = "registry.read"
    REGISTRY_BUILD = "registry.build"
    REGISTRY_RECORDS = "registry.records"
    CALENDAR_READ = "calendar.read"
    CALENDAR_LOAD = "calendar.load"
    EXCHANGE_READ = "exchange.read"  # sharing requests, grants and exchange statistics (a data admin: own department)
    EXCHANGE_REQUEST = "exchange.request"  # apply for another department's resource (consumer)
    EXCHANGE_ANSWER = "exchange.answer"  # grant or refuse a request for one's own resource (provider)
    EXCHANGE_REVOKE = "exchange.revoke"  # revoke a grant (the provider, or the operator)
    EXCHANGE_ARBITRATE = "exchange.arbitrate"  # decide escalated and not-shared requests
    EXCHANGE_OVERSEE = "exchange.oversee"  # every department's requests, overdue ones, statistics
    EXCHANGE_CALL = "exchange.call"  # call the exchange API (what data: the grants decide)
    EXCHANGE_SUBSCRIBE = "exchange.subscribe"  # subscribe to a base's change log under a grant
    EXCHANGE_MASKING = "exchange.masking"  # configure how personal items are masked
    DISPUTE_RAISE = "dispute.raise"  # flag a returned value as wrong (疑义)
    DISPUTE_ANSWER = "dispute.answer"  # answer a flag about one's own data
    DATAUSE_VIEW = "datause.view"  # a citizen's or company's record of who used their data
    DATAUSE_HOLD = "datause.hold"  # ask to hide an access from the data subject until a disclosure date
    DATAUSE_HOLD_APPROVE = "datause.hold_approve"  # approve or refuse such a hold


@dataclass(frozen=True)
class Actor:
    """Who is asking: a logged-in user, an API client, or the system (CLI run by the server's operator)."""

    kind: str  # user | client | system
    id: int | None
    name: str
    role: Role | None
    department_id: int | None = None

    @classmethod
    def system(cls, name: str = "cli") -> Actor:
        return cls("system", None, name, None, None)


@dataclass(frozen=True)
class Target:
    """What the action is about: its department and its owner, when it has them."""

    department_id: int | None = None
    owner_user_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """Allowed or not, with the reason (an English msgid) when not."""

    allowed: bool
    reason: str = ""


ALLOW = Decision(True)

_ANY_USER = frozenset(Role)
_STAFF = frozenset(r for r in Role if r.is_staff)

# Who may do what at all; department scoping is applied after this table.
_GRANTS: dict[Action, frozenset[Role]] = {
    Action.ACCOUNT_VIEW: _ANY_USER,
    Action.PASSWORD_CHANGE: _ANY_USER,
    Action.DEPARTMENT_LIST: _STAFF,
    Action.DEPARTMENT_MANAGE: frozenset({Role.OPERATOR}),
    Action.USER_LIST: frozenset({Role.OPERATOR, Role.AUDITOR}),
    Action.USER_CREATE: frozenset({Role.OPERATOR}),
    Action.USER_SET_ROLE: frozenset({Role.OPERATOR}),
    Action.CLIENT_LIST: frozenset({Role.DATA_ADMIN, Role.OPERATOR, Role.AUDITOR}),
    Action.CLIENT_CREATE: frozenset({Role.DATA_ADMIN}),
    Action.CLIENT_REVOKE: frozenset({Role.DATA_ADMIN, Role.OPERATOR}),
    Action.AUDIT_READ: frozenset({Role.AUDITOR}),
    Action.AUDIT_VERIFY: frozenset({Role.AUDITOR}),
    Action.CATALOG_READ: _STAFF,
    Action.CATALOG_EDIT: frozenset({Role.DATA_ADMIN}),
    Action.CATALOG_REVIEW: frozenset({Role.OPERATOR}),
    Action.CATALOG_RETIRE: frozenset({Role.DATA_ADMIN, Role.OPERATOR}),
    Action.CATALOG_SOURCE_MOVE: frozenset({Role.OPERATOR}),
    Action.REGISTRY_DELIVER: frozenset({Role.DATA_ADMIN}),
    Action.REGISTRY_READ: frozenset({Role.DATA_ADMIN, Role.OPERATOR, Role.AUDITOR}),
    Action.REGISTRY_BUILD: frozenset({Role.OPERATOR}),
    Action.REGISTRY_RECORDS: frozenset({Role.OPERATOR}),
    Action.CALENDAR_READ: _STAFF,
    Action.CALENDAR_LOAD: frozenset({Role.OPERATOR}),
    Action.EXCHANGE_READ: frozenset({Role.DATA_ADMIN, Role.OPERATOR, Role.AUDITOR}),
    Action.EXCHANGE_REQUEST: frozenset({Role.DATA_ADMIN}),
    Action.EXCHANGE_ANSWER: frozenset({Role.DATA_ADMIN}),
    Action.EXCHANGE_REVOKE: frozenset({Role.DATA_ADMIN, Role.OPERATOR}),
    Action.EXCHANGE_ARBITRATE: frozenset({Role.OPERATOR}),
    Action.EXCHANGE_OVERSEE: frozenset({Role.OPERATOR, Role.AUDITOR}),
    Action.EXCHANGE_CALL: frozenset(),  # API clients only
    Action.EXCHANGE_SUBSCRIBE: frozenset({Role.DATA_ADMIN}),
    Action.EXCHANGE_MASKING: frozenset({Role.OPERATOR}),
    Action.DISPUTE_RAISE: frozenset({Role.DATA_ADMIN}),
    Action.DISPUTE_ANSWER: frozenset({Role.DATA_ADMIN}),
    Action.DATAUSE_VIEW: frozenset({Role.CITIZEN, Role.ENTERPRISE}),
    Action.DATAUSE_HOLD: frozenset({Role.DATA_ADMIN}),
    Action.DATAUSE_HOLD_APPROVE: frozenset({Role.OPERATOR}),
}

# What a department system may do with its token (grants to data come with the exchange).
_CLIENT_ACTIONS = frozenset({Action.DEPARTMENT_LIST, Action.CATALOG_READ, Action.CATALOG_EDIT,
                             Action.REGISTRY_DELIVER, Action.REGISTRY_READ, Action.EXCHANGE_CALL,
                             Action.EXCHANGE_SUBSCRIBE, Action.DISPUTE_RAISE})
_CLIENT_OWN_DEPARTMENT = frozenset({Action.CATALOG_EDIT, Action.REGISTRY_DELIVER, Action.REGISTRY_READ,
                                    Action.EXCHANGE_CALL, Action.EXCHANGE_SUBSCRIBE, Action.DISPUTE_RAISE})

# Actions a department-scoped role may only take on its own department's things.
_OWN_DEPARTMENT_ONLY = {
    (Role.DATA_ADMIN, Action.CLIENT_LIST),
    (Role.DATA_ADMIN, Action.CLIENT_CREATE),
    (Role.DATA_ADMIN, Action.CLIENT_REVOKE),
    (Role.DATA_ADMIN, Action.CATALOG_EDIT),
    (Role.DATA_ADMIN, Action.CATALOG_RETIRE),
    (Role.DATA_ADMIN, Action.REGISTRY_DELIVER),
    (Role.DATA_ADMIN, Action.REGISTRY_READ),
    (Role.DATA_ADMIN, Action.EXCHANGE_READ),
    (Role.DATA_ADMIN, Action.EXCHANGE_REQUEST),
    (Role.DATA_ADMIN, Action.EXCHANGE_ANSWER),
    (Role.DATA_ADMIN, Action.EXCHANGE_REVOKE),
    (Role.DATA_ADMIN, Action.EXCHANGE_SUBSCRIBE),
    (Role.DATA_ADMIN, Action.DISPUTE_RAISE),
    (Role.DATA_ADMIN, Action.DISPUTE_ANSWER),
    (Role.DATA_ADMIN, Action.DATAUSE_HOLD),
}

# Actions on one's own things only.
_OWNER_ONLY = {Action.ACCOUNT_VIEW, Action.PASSWORD_CHANGE}


def decide(actor: Actor, action: Action, target: Target | None = None) -> Decision:
    """Whether ``actor`` may take ``action`` on ``target``."""
    if actor.kind == "system":
        return ALLOW
    if actor.kind == "client":
        if action not in _CLIENT_ACTIONS:
            return Decision(False, "API clients may not do this")
        if action in _CLIENT_OWN_DEPARTMENT and (target or Target()).department_id not in (None, actor.department_id):
            return Decision(False, "You may only do this for your own department")
        return ALLOW
    if actor.kind != "user" or actor.role is None:
        return Decision(False, "Your role may not do this")
    if actor.role not in _GRANTS.get(action, frozenset()):
        return Decision(False, "Your role may not do this")
    target = target or Target()
    if action in _OWNER_ONLY and target.owner_user_id not in (None, actor.id):
        return Decision(False, "You may only do this for your own account")
    if (actor.role, action) in _OWN_DEPARTMENT_ONLY:
        if actor.department_id is None or target.department_id not in (None, actor.department_id):
            return Decision(False, "You may only do this for your own department")
    return ALLOW


def allowed(actor: Actor, action: Action, target: Target | None = None) -> bool:
    """Shorthand for ``decide(...).allowed`` (navigation, buttons)."""
    return decide(actor, action, target).allowed


def role_needs_department(role: Role) -> bool:
    """Staff belong to a department; citizens and enterprise users do not."""
    return role.is_staff
