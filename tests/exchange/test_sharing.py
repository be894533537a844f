"""Sharing requests and grants through their use cases, on SQLite and PostgreSQL, with a fake clock: unconditional
resources granted at once, conditional ones answered by the provider within working days (across 国庆节 and a year
not loaded), not-shared ones only through the operator's arbitration, reminders, overdue flags and escalation,
refusals and revocations with reasons, and every step in the history and the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.exchange.factories import count_once_stale
from tests.exchange.conftest import SCHEDULE_2027, schedule_bytes
from tests.factories import make_client, make_department, make_resource, make_user
from tongban.audit.model import AuditRecord
from tongban.catalog.drafts import ItemDraft
from tongban.catalog.model import Resource
from tongban.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tongban.exchange import service as calendar
from tongban.exchange import sharing
from tongban.exchange.model import Grant, GrantClient, RequestEvent, SharingRequest
from tongban.exchange.policy import GrantDraft, RequestDraft
from tongban.identity import passwords
from tongban.identity.model import ApiClient, Department, User
from tongban.identity.policy import Actor
from tongban.identity.service import actor_for, revoke_api_client

SYSTEM = Actor.system("test")
# Thursday 24 September 2026, 10:00 in Shanghai: 中秋节 is the next day, 国庆节 from 1 to 7 October, 10 October worked.
NOW = dt.datetime(2026, 9, 24, 2, 0, tzinfo=dt.UTC)


def at(day: str, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock in Shanghai on ``day``, as the fake clock."""
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(dt.UTC)


@dataclass
class World:
    """Two departments and a third; their data admins, the operator and the auditor; the consumer's API client;
    the provider's resources of each sharing type."""

    provider: Department
    consumer: Department
    other: Department
    provider_admin: User
    consumer_admin: User
    other_admin: User
    operator: User
    auditor: User
    client: ApiClient
    unconditional: Resource
    conditional: Resource
    not_shared: Resource

    def actor(self, who: str) -> Actor:
        return actor_for(getattr(self, who))


PEOPLE_ITEMS = [ItemDraft("公民身份号码", "id_number", "string", 18, personal=True, sensitivity=3),
                ItemDraft("姓名", "name", "string", 50, personal=True, sensitivity=2),
                ItemDraft("居住地址", "residence_address", "string", 200, personal=True, sensitivity=2),
                ItemDraft("签发日期", "issued_on", "date")]


def make_world(session: Session, *, calendar_years: tuple[int, ...] = (2025, 2026)) -> World:
    """The departments, people and resources every sharing test starts from (committed)."""
    if calendar_years:
        calendar.seed_from_library(session, SYSTEM, list(calendar_years))
    provider = make_department(session, name="上海市公安局测试", short_name="公安测试")
    consumer = make_department(session, name="上海市人社局测试", short_name="人社测试")
    other = make_department(session, name="上海市民政局测试", short_name="民政测试")
    admins = [make_user(session, "data_admin", department_id=d.id) for d in (provider, consumer, other)]
    operator, auditor = make_user(session, "operator"), make_user(session, "auditor")
    client, _ = make_client(session, consumer, name="人社积分系统")
    unconditional = make_resource(session, provider)
    conditional = make_resource(session, provider, name="居住证信息", sharing_type="conditional",
                                sharing_condition="仅向人社、教育部门共享", items=PEOPLE_ITEMS)
    not_shared = make_resource(session, provider, name="重点人员信息", sharing_type="not_shared", share_methods=[],
                               items=PEOPLE_ITEMS[:2])
    session.commit()
    return World(provider, consumer, other, *admins, operator, auditor, client, unconditional, conditional,
                 not_shared)


def ask(world: World, **overrides: Any) -> RequestDraft:
    """A valid request of the consumer for the conditional resource's identity items."""
    values: dict[str, Any] = {
        "scenario": "居住证积分审核", "purpose": "核验积分申请人的居住登记情况", "legal_basis": "《居住证暂行条例》第十二条",
        "items": ["id_number", "name", "residence_address"], "clear_items": ["id_number"], "expected_volume": 500,
        "period_from": "2026-10-01", "period_to": "2027-09-30", "client_ids": [world.client.id]}
    values.update(overrides)
    return RequestDraft(**values)


def submit(session: Session, world: World, resource: Resource | None = None, *, now: dt.datetime = NOW,
           **overrides: Any) -> SharingRequest:
    return sharing.submit_request(session, world.actor("consumer_admin"), (resource or world.conditional).code,
                                  ask(world, **overrides), now=now)


def history(session: Session, req: SharingRequest) -> list[str]:
    return list(session.scalars(select(RequestEvent.action).where(RequestEvent.request_id == req.id)
                                .order_by(RequestEvent.at, RequestEvent.id)))


def audited(session: Session, number: str) -> list[tuple[str, str]]:
    return [(r.action, r.outcome) for r in session.scalars(
        select(AuditRecord).where(AuditRecord.target_id == number).order_by(AuditRecord.seq))]


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: these tests make several accounts each and are not about passwords."""
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


# Submitting ---------------------------------------------------------------------------------------------------------

def test_an_unconditional_resource_is_granted_at_once_and_still_recorded(session, world):
    req = submit(session, world, world.unconditional, items=["id_number", "name"], clear_items=[], legal_basis="")
    assert (req.route, req.status, req.due_on, req.number) == ("unconditional", "granted", None, "GX20260924-0001")
    grant = session.scalar(select(Grant).where(Grant.request_id == req.id))
    assert grant is not None and grant.items == ["id_number", "name"] and grant.created_by is None
    assert list(session.scalars(select(GrantClient.client_id))) == [world.client.id]
    assert history(session, req) == ["submit", "grant_at_once"]
    assert audited(session, req.number) == [("exchange.request", "allowed"), ("exchange.grant", "allowed")]


def test_asking_an_unconditional_resources_personal_items_in_clear_goes_to_the_provider(session, world):
    req = submit(session, world, world.unconditional, items=["id_number", "name"], clear_items=["name"])
    assert (req.route, req.status, req.due_on) == ("conditional", "submitted", dt.date(2026, 10, 15))


def test_a_conditional_request_is_due_ten_working_days_later_across_national_day(session, world):
    req = submit(session, world)
    assert (req.route, req.status, req.time_limit) == ("conditional", "submitted", 10)
    # 25 Sep 中秋节 and 1–7 Oct 国庆节 are off, Saturday 10 Oct is worked: the 10th working day is 15 October.
    assert (req.due_on, req.due_estimated) == (dt.date(2026, 10, 15), False)
    assert history(session, req) == ["submit"]


def test_numbers_count_the_requests_of_each_day_in_china(session, world):
    first = submit(session, world)
    second = submit(session, world, world.unconditional, clear_items=[], items=["name"])
    late_evening = submit(session, world, now=at("2026-09-24", 23))
    next_day = submit(session, world, now=at("2026-09-25", 0), period_from="2026-10-01")
    assert [r.number for r in (first, second, late_evening, next_day)] == [
        "GX20260924-0001", "GX20260924-0002", "GX20260924-0003", "GX20260925-0001"]


def test_a_number_taken_meanwhile_by_another_submission_is_skipped(session, world, monkeypatch):
    first = submit(session, world)
    stale = count_once_stale(session, monkeypatch, "exchange_requests")
    second = submit(session, world)
    assert stale and (first.number, second.number) == ("GX20260924-0001", "GX20260924-0002")
    assert history(session, second) == ["submit"]


def test_a_deadline_into_a_year_not_loaded_is_estimated_until_the_year_is_loaded(session, world):
    req = submit(session, world, now=at("2026-12-25"), period_from="2027-01-01")
    assert (req.due_on, req.due_estimated) == (dt.date(2027, 1, 8), True)  # weekends only in 2027
    calendar.load_file(session, SYSTEM, 2027, schedule_bytes(SCHEDULE_2027), "2027.csv", source="国办发明电〔2026〕x号")
    report = sharing.sweep(session, SYSTEM, now=at("2026-12-28"))
    assert report.redated == [req.number]
    assert (req.due_on, req.due_estimated) == (dt.date(2027, 1, 11), False)  # 1 January 2027 is 元旦
    assert history(session, req) == ["submit", "deadline"]
    assert sharing.sweep(session, SYSTEM, now=at("2026-12-28")).nothing


def test_a_not_shared_resource_needs_a_legal_basis_and_goes_to_the_operator(session, world):
    with pytest.raises(InvalidInput) as caught:
        submit(session, world, world.not_shared, legal_basis="", items=["id_number"], clear_items=[])
    assert [e.field for e in caught.value.errors] == ["legal_basis"]
    req = submit(session, world, world.not_shared, items=["id_number"], clear_items=[])
    assert (req.route, req.status, req.due_on) == ("arbitration", "submitted", None)
    with pytest.raises(Conflict) as refused:
        sharing.answer_request(session, world.actor("provider_admin"), req.number, decision="grant")
    assert refused.value.code == "exchange.arbitration_only"
    answer = sharing.arbitrate_request(session, world.actor("operator"), req.number, decision="grant",
                                       legal_basis="《中华人民共和国反恐怖主义法》第十八条", now=at("2026-09-28"))
    assert answer.request.status == "granted" and answer.grant is not None
    assert answer.request.decision_reason.startswith("《中华人民共和国反恐怖主义法》")
    assert history(session, req) == ["submit", "arbitrate"]


def test_arbitration_without_a_legal_basis_is_refused(session, world):
    req = submit(session, world, world.not_shared, items=["id_number"], clear_items=[])
    with pytest.raises(InvalidInput) as caught:
        sharing.arbitrate_request(session, world.actor("operator"), req.number, decision="grant", legal_basis=" ")
    assert caught.value.code == "exchange.legal_basis_required" and caught.value.errors[0].field == "legal_basis"
    assert caught.value.audit.outcome == "failed"
    assert req.status == "submitted"


@pytest.mark.parametrize("who", ["provider_admin", "operator", "auditor"])
def test_only_a_data_admin_requests_for_their_department(session, world, who):
    with pytest.raises(PermissionDenied) as caught:
        sharing.submit_request(session, world.actor(who), world.conditional.code, ask(world), now=NOW,
                               consumer_department_id=world.consumer.id)
    assert caught.value.audit.action == "exchange.request" and caught.value.audit.outcome == "denied"


def test_a_department_does_not_request_its_own_resource(session, world):
    with pytest.raises(InvalidInput) as caught:
        sharing.submit_request(session, world.actor("provider_admin"), world.conditional.code, ask(world), now=NOW)
    assert caught.value.code == "exchange.own_resource"


def test_the_clients_must_be_the_consumers_own_and_active(session, world):
    stranger, _ = make_client(session, world.other)
    with pytest.raises(InvalidInput) as caught:
        submit(session, world, client_ids=[world.client.id, stranger.id])
    assert [(e.field, e.code) for e in caught.value.errors] == [("client_ids", "exchange.client")]
    revoke_api_client(session, SYSTEM, key_id=world.client.key_id)
    with pytest.raises(InvalidInput):
        submit(session, world)


def test_an_unknown_or_unpublished_resource_cannot_be_requested(session, world):
    draft_only = make_resource(session, world.provider, publish=False, name="草稿资源")
    for code in ("999999/999999", draft_only.code):
        with pytest.raises(NotFound):
            submit(session, world, Resource(code=code))


# Answering ---------------------------------------------------------------------------------------------------------

def test_the_provider_grants_narrowing_items_period_and_rate(session, world):
    req = submit(session, world)
    answer = sharing.answer_request(
        session, world.actor("provider_admin"), req.number, decision="grant", reason="仅限积分审核",
        terms=GrantDraft(items=["id_number", "name"], clear_items=[], period_to="2027-03-31", rate_limit=60),
        now=at("2026-09-29"))
    grant = answer.grant
    assert grant is not None and answer.request.status == "granted"
    assert (grant.items, grant.clear_items, grant.valid_from, grant.valid_to, grant.rate_limit) == (
        ["id_number", "name"], [], dt.date(2026, 10, 1), dt.date(2027, 3, 31), 60)
    assert (grant.purpose, grant.scenario, grant.created_by) == (req.purpose, req.scenario, world.provider_admin.id)
    assert history(session, req) == ["submit", "grant"]
    assert audited(session, req.number)[-1] == ("exchange.grant", "allowed")


def test_a_refusal_without_a_reason_is_refused_and_audited_as_failed(session, world):
    req = submit(session, world)
    with pytest.raises(InvalidInput) as caught:
        sharing.answer_request(session, world.actor("provider_admin"), req.number, decision="refuse", reason=" ")
    assert caught.value.status == 422 and [e.field for e in caught.value.errors] == ["reason"]
    assert (caught.value.audit.action, caught.value.audit.outcome) == ("exchange.refuse", "failed")
    sharing.answer_request(session, world.actor("provider_admin"), req.number, decision="refuse",
                           reason="申请场景不在共享条件范围内", now=at("2026-09-28"))
    assert (req.status, req.decision_reason) == ("refused", "申请场景不在共享条件范围内")
    assert history(session, req) == ["submit", "refuse"]


@pytest.mark.parametrize("who", ["other_admin", "consumer_admin", "operator", "auditor"])
def test_only_the_providers_data_admin_answers(session, world, who):
    req = submit(session, world)
    with pytest.raises(PermissionDenied) as caught:
        sharing.answer_request(session, world.actor(who), req.number, decision="grant")
    assert (caught.value.audit.action, caught.value.audit.outcome) == ("exchange.grant", "denied")
    assert req.status == "submitted"


def test_a_decided_request_cannot_be_answered_again(session, world):
    req = submit(session, world)
    sharing.answer_request(session, world.actor("provider_admin"), req.number, decision="grant")
    with pytest.raises(Conflict) as caught:
        sharing.answer_request(session, world.actor("provider_admin"), req.number, decision="refuse", reason="晚了")
    assert caught.value.code == "exchange.request_state"


def test_the_consumer_withdraws_a_pending_request(session, world):
    req = submit(session, world)
    with pytest.raises(PermissionDenied):
        sharing.withdraw_request(session, world.actor("provider_admin"), req.number)
    sharing.withdraw_request(session, world.actor("consumer_admin"), req.number, reason="业务调整")
    assert req.status == "withdrawn" and history(session, req) == ["submit", "withdraw"]
    with pytest.raises(Conflict):
        sharing.answer_request(session, world.actor("provider_admin"), req.number, decision="grant")


def test_a_grant_goes_only_to_the_clients_still_active(session, world):
    second, _ = make_client(session, world.consumer, name="人社第二系统")
    req = submit(session, world, client_ids=[world.client.id, second.id])
    revoke_api_client(session, SYSTEM, key_id=second.key_id)
    grant = sharing.answer_request(session, world.actor("provider_admin"), req.number, decision="grant").grant
    assert grant is not None
    assert list(session.scalars(select(GrantClient.client_id).where(GrantClient.grant_id == grant.id))) == [
        world.client.id]


# The time limit ----------------------------------------------------------------------------------------------------

def test_reminder_overdue_and_escalation_follow_the_fake_clock_once_each(session, world):
    req = submit(session, world)  # due 15 October
    assert sharing.sweep(session, SYSTEM, remind_days_before=2, now=at("2026-10-12")).nothing  # 3 working days left
    reminded = sharing.sweep(session, SYSTEM, remind_days_before=2, now=at("2026-10-13"))
    assert reminded.reminded == [req.number] and not reminded.overdue
    assert sharing.sweep(session, SYSTEM, remind_days_before=2, now=at("2026-10-15", 23)).nothing  # due today
    late = sharing.sweep(session, SYSTEM, remind_days_before=2, now=at("2026-10-16", 0))
    assert (late.overdue, late.escalated) == ([req.number], [req.number])
    assert req.overdue_at == at("2026-10-16", 0) and req.escalated_at is not None
    again = sharing.sweep(session, SYSTEM, remind_days_before=2, now=at("2026-10-19"))
    assert again.nothing
    assert history(session, req) == ["submit", "remind", "overdue", "escalate"]
    assert [a for a, _ in audited(session, req.number)] == ["exchange.request", "exchange.remind",
                                                            "exchange.overdue", "exchange.escalate"]


def test_an_escalated_request_is_arbitrated_by_the_operator_and_may_still_be_answered_until_then(session, world):
    req = submit(session, world)
    with pytest.raises(Conflict) as early:
        sharing.arbitrate_request(session, world.actor("operator"), req.number, decision="grant", legal_basis="x")
    assert early.value.code == "exchange.not_escalated"
    sharing.sweep(session, SYSTEM, now=at("2026-10-16"))
    answer = sharing.arbitrate_request(session, world.actor("operator"), req.number, decision="refuse",
                                       legal_basis="《政务数据共享条例》第十五条：申请超出履职需要", now=at("2026-10-19"))
    assert answer.request.status == "refused" and answer.request.decided_by == world.operator.id
    assert history(session, req)[-1] == "arbitrate"


def test_only_the_operator_sweeps_and_arbitrates(session, world):
    req = submit(session, world, world.not_shared, items=["id_number"], clear_items=[])
    for who in ("provider_admin", "auditor"):
        with pytest.raises(PermissionDenied):
            sharing.sweep(session, world.actor(who), now=NOW)
        with pytest.raises(PermissionDenied):
            sharing.arbitrate_request(session, world.actor(who), req.number, decision="grant", legal_basis="x")


# Revoking ----------------------------------------------------------------------------------------------------------

def test_the_provider_revokes_a_grant_with_a_reason_and_it_shows_in_the_history(session, world):
    req = submit(session, world, world.unconditional, items=["name"], clear_items=[])
    grant = session.scalar(select(Grant).where(Grant.request_id == req.id))
    with pytest.raises(InvalidInput):
        sharing.revoke_grant(session, world.actor("provider_admin"), grant.id, reason="")
    with pytest.raises(PermissionDenied):
        sharing.revoke_grant(session, world.actor("consumer_admin"), grant.id, reason="不再需要")
    sharing.revoke_grant(session, world.actor("provider_admin"), grant.id, reason="使用部门超范围使用",
                         now=at("2026-10-08"))
    assert grant.revoked_at == at("2026-10-08") and grant.revoke_reason == "使用部门超范围使用"
    assert history(session, req) == ["submit", "grant_at_once", "revoke"]
    with pytest.raises(Conflict):
        sharing.revoke_grant(session, world.actor("operator"), grant.id, reason="再次撤销")


def test_the_operator_revokes_any_grant(session, world):
    req = submit(session, world, world.unconditional, items=["name"], clear_items=[])
    grant = session.scalar(select(Grant).where(Grant.request_id == req.id))
    sharing.revoke_grant(session, world.actor("operator"), grant.id, reason="数据安全事件处置")
    assert grant.revoked_by == world.operator.id


def test_every_step_is_audited_in_the_same_transaction(session, world):
    before = session.scalar(select(func.count()).select_from(AuditRecord))
    req = submit(session, world)
    sharing.answer_request(session, world.actor("provider_admin"), req.number, decision="grant")
    grant = session.scalar(select(Grant).where(Grant.request_id == req.id))
    sharing.revoke_grant(session, world.actor("operator"), grant.id, reason="撤销")
    session.commit()
    assert session.scalar(select(func.count()).select_from(AuditRecord)) - before == len(history(session, req)) == 3


# Demo data ---------------------------------------------------------------------------------------------------------

def test_the_demo_seeds_requests_in_every_state_once(session):
    from tongban.exchange.demo import DEMO_REQUESTS, seed_sharing_demo
    from tongban.synth.catalog_real import DEMO_CATALOG
    from tongban.synth.demo import seed_catalog, seed_departments

    seed_departments(session, SYSTEM)
    seed_catalog(session, SYSTEM, DEMO_CATALOG)
    calendar.seed_from_library(session, SYSTEM, [2025, 2026])
    assert seed_sharing_demo(session, SYSTEM, now=at("2026-11-27")) == len(DEMO_REQUESTS)
    requests = session.scalars(select(SharingRequest).order_by(SharingRequest.id)).all()
    assert {(r.route, r.status) for r in requests} == {
        ("unconditional", "granted"), ("conditional", "submitted"), ("conditional", "refused"),
        ("conditional", "granted"), ("arbitration", "submitted")}
    assert [r.escalated_at is not None for r in requests].count(True) == 1
    assert session.scalar(select(func.count()).select_from(Grant).where(Grant.revoked_at.is_not(None))) == 1
    assert seed_sharing_demo(session, SYSTEM) == 0


# The serving process's sweep ---------------------------------------------------------------------------------------

def _jobs(settings, sessions, sender=None):  # type: ignore[no-untyped-def]
    from tongban.audit.signing import load_or_create_signer
    from tongban.web import background

    return {job.name: job for job in background.jobs(settings, sessions, load_or_create_signer(
        settings.audit_key_path), sender)}


def test_the_web_server_sweeps_every_interval_as_the_system_and_the_command_then_finds_nothing(
        session, sessions, world, settings):
    req = submit(session, world, now=at("2026-10-01"))  # due 22 October 2026: long past on any clock running this
    session.commit()
    settings = settings.model_copy(update={"sweep_interval_seconds": 600})
    job = _jobs(settings, sessions)["sharing sweep"]
    assert job.every_seconds == 600
    job.run()
    session.expire_all()
    assert req.overdue_at is not None and req.escalated_at is not None
    assert history(session, req)[-2:] == ["overdue", "escalate"]
    sweeper = session.scalar(select(AuditRecord).where(AuditRecord.action == "exchange.overdue"))
    assert (sweeper.actor_kind, sweeper.actor_name) == ("system", "sweeper")
    assert sharing.sweep(session, SYSTEM, remind_days_before=2).nothing


@pytest.mark.parametrize("sweep, webhook, sender, expected", [
    (3600, 30, object(), {"audit checkpoint", "sharing sweep", "webhook delivery"}),
    (0, 30, object(), {"audit checkpoint", "webhook delivery"}),
    (3600, 0, object(), {"audit checkpoint", "sharing sweep"}),
    (3600, 30, None, {"audit checkpoint", "sharing sweep"}),
])
def test_an_interval_of_0_leaves_the_job_to_cron(sessions, settings, sweep, webhook, sender, expected):
    settings = settings.model_copy(update={"sweep_interval_seconds": sweep, "webhook_interval_seconds": webhook})
    assert set(_jobs(settings, sessions, sender)) == expected
