"""The permission policy: role × action, department scoping, ownership, API clients and the system. Pure."""

from __future__ import annotations

import pytest

from tongban.identity.policy import Action, Actor, Decision, Role, Target, allowed, decide, role_needs_department

# The whole policy for logged-in users, written out: Y = allowed, . = denied.
# A staff actor belongs to department 1 and the target is unspecified (no department, no owner).
# Changing the policy must change this table.
POLICY_TABLE = """
action                    citizen enterprise clerk approver data_admin operator auditor
account.view                 Y        Y        Y      Y         Y         Y        Y
identity.change_password     Y        Y        Y      Y         Y         Y        Y
department.list              .        .        Y      Y         Y         Y        Y
department.manage            .        .        .      .         .         Y        .
user.list                    .        .        .      .         .         Y        Y
user.create                  .        .        .      .         .         Y        .
user.set_role                .        .        .      .         .         Y        .
client.list                  .        .        .      .         Y         Y        Y
client.create                .        .        .      .         Y         .        .
client.revoke                .        .        .      .         Y         Y        .
audit.read                   .        .        .      .         .         .        Y
audit.verify                 .        .        .      .         .         .        Y
catalog.read                 .        .        Y      Y         Y         Y        Y
catalog.edit                 .        .        .      .         Y         .        .
catalog.review               .        .        .      .         .         Y        .
catalog.retire               .        .        .      .         Y         Y        .
catalog.move_source          .        .        .      .         .         Y        .
registry.deliver             .        .        .      .         Y         .        .
registry.read                .        .        .      .         Y         Y        Y
registry.build               .        .        .      .         .         Y        .
registry.records             .        .        .      .         .         Y        .
calendar.read                .        .        Y      Y         Y         Y        Y
calendar.load                .        .        .      .         .         Y        .
exchange.read                .        .        .      .         Y         Y        Y
exchange.request             .        .        .      .         Y         .        .
exchange.answer              .        .        .      .         Y         .        .
exchange.revoke              .        .        .      .         Y         Y        .
exchange.arbitrate           .        .        .      .         .         Y        .
exchange.oversee             .        .        .      .         .         Y        Y
exchange.call                .        .        .      .         .         .        .
exchange.subscribe           .        .        .      .         Y         .        .
exchange.masking             .        .        .      .         .         Y        .
dispute.raise                .        .        .      .         Y         .        .
dispute.answer               .        .        .      .         Y         .        .
datause.view                 Y        Y        .      .         .         .        .
datause.hold                 .        .        .      .         Y         .        .
datause.hold_approve         .        .        .      .         .         Y        .
"""


def _parse_table(table: str) -> dict[tuple[Role, Action], bool]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    roles = [Role(name) for name in header[1:]]
    cells: dict[tuple[Role, Action], bool] = {}
    for action_name, *marks in rows:
        assert len(marks) == len(roles), f"row {action_name} has {len(marks)} cells for {len(roles)} roles"
        for role, mark in zip(roles, marks, strict=True):
            assert mark in ("Y", "."), f"unknown mark {mark!r} in row {action_name}"
            cells[(role, Action(action_name))] = mark == "Y"
    return cells


EXPECTED = _parse_table(POLICY_TABLE)
OWN_DEPARTMENT, OTHER_DEPARTMENT = 1, 2


def user(role: Role, *, user_id: int = 7, department_id: int | None = None) -> Actor:
    if department_id is None and role.is_staff:
        department_id = OWN_DEPARTMENT
    return Actor("user", user_id, f"{role.value}-user", role, department_id)


def client(department_id: int = OWN_DEPARTMENT) -> Actor:
    return Actor("client", 3, "client:0123456789ab", None, department_id)


def test_the_table_covers_every_role_and_every_action_exactly_once():
    assert set(EXPECTED) == {(role, action) for role in Role for action in Action}


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_may_take_exactly_the_actions_the_table_allows(role, action):
    decision = decide(user(role), action)
    assert decision.allowed is EXPECTED[(role, action)]
    assert allowed(user(role), action) is decision.allowed


DEPARTMENT_SCOPED = [Action.CLIENT_LIST, Action.CLIENT_CREATE, Action.CLIENT_REVOKE, Action.CATALOG_EDIT,
                     Action.CATALOG_RETIRE, Action.REGISTRY_DELIVER, Action.REGISTRY_READ, Action.EXCHANGE_READ,
                     Action.EXCHANGE_REQUEST, Action.EXCHANGE_ANSWER, Action.EXCHANGE_REVOKE,
                     Action.EXCHANGE_SUBSCRIBE, Action.DISPUTE_RAISE, Action.DISPUTE_ANSWER, Action.DATAUSE_HOLD]


@pytest.mark.parametrize("action", DEPARTMENT_SCOPED, ids=str)
def test_a_data_admin_may_act_for_the_own_department(action):
    assert decide(user(Role.DATA_ADMIN), action, Target(department_id=OWN_DEPARTMENT)) == Decision(True)


@pytest.mark.parametrize("action", DEPARTMENT_SCOPED, ids=str)
def test_a_data_admin_may_not_act_for_another_department(action):
    decision = decide(user(Role.DATA_ADMIN), action, Target(department_id=OTHER_DEPARTMENT))
    assert not decision.allowed
    assert decision.reason == "You may only do this for your own department"


@pytest.mark.parametrize("target", [Target(), Target(department_id=OWN_DEPARTMENT)], ids=["no-target", "some-dept"])
def test_a_data_admin_without_a_department_may_not_create_clients_at_all(target):
    admin = Actor("user", 7, "orphan", Role.DATA_ADMIN, None)
    decision = decide(admin, Action.CLIENT_CREATE, target)
    assert not decision.allowed and decision.reason == "You may only do this for your own department"


@pytest.mark.parametrize("action", [Action.CLIENT_LIST, Action.CLIENT_REVOKE], ids=str)
def test_the_operator_is_not_limited_to_one_department_for_clients(action):
    assert decide(user(Role.OPERATOR), action, Target(department_id=OTHER_DEPARTMENT)).allowed


@pytest.mark.parametrize("action", [Action.ACCOUNT_VIEW, Action.PASSWORD_CHANGE], ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_everyone_may_view_and_change_only_the_own_account(role, action):
    me = user(role, user_id=7)
    assert decide(me, action, Target(owner_user_id=7)).allowed
    decision = decide(me, action, Target(owner_user_id=8))
    assert not decision.allowed
    assert decision.reason == "You may only do this for your own account"


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_an_api_client_may_read_the_directory_and_the_catalog_and_edit_its_department_catalog(action):
    decision = decide(client(), action, Target(department_id=OWN_DEPARTMENT))
    assert decision.allowed is (action in (Action.DEPARTMENT_LIST, Action.CATALOG_READ, Action.CATALOG_EDIT,
                                           Action.REGISTRY_DELIVER, Action.REGISTRY_READ, Action.EXCHANGE_CALL,
                                           Action.EXCHANGE_SUBSCRIBE, Action.DISPUTE_RAISE))
    if not decision.allowed:
        assert decision.reason == "API clients may not do this"


@pytest.mark.parametrize("target", [None, Target(department_id=OTHER_DEPARTMENT, owner_user_id=99)],
                         ids=["no-target", "foreign-target"])
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_the_system_may_do_everything(action, target):
    assert decide(Actor.system("test"), action, target) == Decision(True, "")


@pytest.mark.parametrize("actor", [Actor("anonymous", None, "someone", None), Actor("user", 7, "no-role", None)],
                         ids=["anonymous", "user-without-role"])
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_an_actor_without_a_role_may_do_nothing(actor, action):
    decision = decide(actor, action)
    assert not decision.allowed and decision.reason == "Your role may not do this"


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_a_denial_always_carries_a_reason_and_an_approval_never_does(role, action):
    decision = decide(user(role), action, Target(department_id=OTHER_DEPARTMENT, owner_user_id=99))
    if decision.allowed:
        assert decision.reason == ""
    else:
        assert decision.reason.strip()


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_exactly_the_staff_roles_need_a_department(role):
    assert role_needs_department(role) is (role not in (Role.CITIZEN, Role.ENTERPRISE))


def test_an_api_client_edits_only_the_own_department_catalog():
    decision = decide(client(), Action.CATALOG_EDIT, Target(department_id=OTHER_DEPARTMENT))
    assert not decision.allowed and decision.reason == "You may only do this for your own department"
