"""Demo sharing between the demo city's departments, so that the sharing pages are not empty after ``tongban up``:
requests in every state — granted at once, waiting, overdue and escalated, refused, granted with narrowing, waiting
for the operator's arbitration — and a revoked grant, each made through the use cases with a clock set back, so
that their history, audit records, deadlines and statistics are real. Idempotent: nothing happens once any
request exists. The demo departments and resources are those of ``tongban demo seed``; missing ones are skipped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.catalog.model import Resource
from tongban.db import utcnow
from tongban.exchange import sharing
from tongban.exchange.model import Grant, SharingRequest
from tongban.exchange.policy import GrantDraft, RequestDraft
from tongban.identity import queries as identity_queries
from tongban.identity import service as identity
from tongban.identity.policy import Actor


@dataclass(frozen=True)
class DemoRequest:
    """One demo request: who asks whom for what, how many days ago, and what became of it (days ago too)."""

    consumer: str
    provider: str
    resource: str
    scenario: str
    purpose: str
    items: tuple[str, ...]
    days_ago: int
    legal_basis: str = ""
    clear: tuple[str, ...] = ()
    answer: str = ""  # grant | refuse | revoke (granted, then revoked)
    answered_days_ago: int = 0
    reason: str = ""
    narrow_to: tuple[str, ...] = ()


DEMO_REQUESTS = (
    DemoRequest("人社局", "公安局", "户籍人口基本信息", "社会保险待遇资格认证", "核验待遇领取人员的身份和户籍状态",
                ("id_number", "name", "birth_date", "household_address"), 20),
    DemoRequest("人社局", "公安局", "居住证信息", "居住证积分审核", "核验积分申请人的居住证有效期和居住地址",
                ("residence_permit_number", "id_number", "name", "residence_address", "valid_until"), 3,
                legal_basis="《居住证暂行条例》第十二条；《上海市居住证管理办法》", clear=("id_number",)),
    DemoRequest("交通委", "公安局", "驾驶证信息", "道路运输从业人员资格核验", "核验从业资格申请人的准驾车型和记分",
                ("id_number", "name", "driving_license_class", "penalty_points", "driving_license_status"), 25,
                legal_basis="《中华人民共和国道路运输条例》第二十二条"),
    DemoRequest("公安局", "民政局", "婚姻登记信息", "户籍登记婚姻状况变更", "办理户口登记项目变更时核验婚姻状况",
                ("id_number", "name", "marital_status", "registered_on"), 2,
                legal_basis="《中华人民共和国户口登记条例》第十七条"),
    DemoRequest("公安局", "人社局", "社会保险缴费记录", "来沪人员落户审核", "核验落户申请人的社会保险缴费月数",
                ("id_number", "name", "contribution_month", "payment_status"), 12,
                legal_basis="《上海市居住证管理办法》", answer="refuse", answered_days_ago=5,
                reason="申请场景不在共享条件范围内：本资源仅向承担社会救助、住房保障、人才引进和积分落户审核职责的部门共享；"
                       "户籍落户审核请通过人才引进渠道申请。"),
    DemoRequest("税务局", "公安局", "机动车登记信息", "车船税征收", "按车辆识别代号核对车船税纳税人和车辆类型",
                ("plate_number", "vin", "vehicle_type", "owner_name", "owner_id_number", "vehicle_status"), 18,
                legal_basis="《中华人民共和国车船税法》第十一条", answer="grant", answered_days_ago=12,
                reason="按车船税征收需要授权，不含车辆所有人身份号码。",
                narrow_to=("plate_number", "vin", "vehicle_type", "owner_name", "vehicle_status")),
    DemoRequest("公安局", "卫健委", "死亡医学证明", "死亡人员户籍注销", "办理死亡人员户口注销时核验死亡信息",
                ("death_certificate_number", "name", "id_number", "death_date"), 8,
                legal_basis="《中华人民共和国户口登记条例》第八条", answer="grant", answered_days_ago=3),
    DemoRequest("民政局", "卫健委", "严重精神障碍患者管理信息", "特困人员救助供养资格认定",
                "认定特困人员时核验监护和照料需要", ("id_number", "name", "risk_level"), 4,
                legal_basis="《社会救助暂行办法》第十四条；《中华人民共和国精神卫生法》第四条"),
    DemoRequest("公积金中心", "公安局", "户籍人口基本信息", "住房公积金提取", "核验提取申请人的身份信息",
                ("id_number", "name"), 40, answer="revoke", answered_days_ago=10,
                reason="使用部门超出申请的应用场景批量查询，暂停授权待整改。"),
)


def _resource(session: Session, department_id: int, name: str) -> Resource | None:
    return session.scalar(select(Resource).where(Resource.department_id == department_id, Resource.name == name,
                                                 Resource.status == "published"))


def _client(session: Session, actor: Actor, department_id: int, short_name: str, now: dt.datetime) -> int:
    """The department's first active API client, or a new demo one (its token is not kept: it only names the
    department's system in grants)."""
    active = sharing.active_clients(session, department_id, now=now)
    if active:
        return active[0].id
    client, _ = identity.create_api_client(session, actor, name=f"{short_name}业务系统（演示）",
                                           department_id=department_id)
    return client.id


def seed_sharing_demo(session: Session, actor: Actor, *, now: dt.datetime | None = None,
                      time_limit: int = 10) -> int:
    """Create the demo requests and grants between the demo departments unless any request exists; returns how
    many requests were made. Run after the calendar and the catalog are seeded, in the same transaction or later."""
    if session.scalar(select(func.count()).select_from(SharingRequest)):
        return 0
    now = now or utcnow()
    made = 0
    for demo in DEMO_REQUESTS:
        consumer = identity_queries.find_department_by_short_name(session, demo.consumer)
        provider = identity_queries.find_department_by_short_name(session, demo.provider)
        resource = _resource(session, provider.id, demo.resource) if consumer and provider else None
        if consumer is None or resource is None:
            continue
        codes = {i.code for i in resource.items}
        asked = now - dt.timedelta(days=demo.days_ago)
        day = (asked + dt.timedelta(hours=8)).date()
        draft = RequestDraft(
            scenario=demo.scenario, purpose=demo.purpose, legal_basis=demo.legal_basis,
            items=[i for i in demo.items if i in codes], clear_items=[i for i in demo.clear if i in codes],
            expected_volume=500, period_from=day, period_to=day + dt.timedelta(days=364),
            client_ids=[_client(session, actor, consumer.id, consumer.short_name, now)])
        req = sharing.submit_request(session, actor, resource.code, draft, consumer_department_id=consumer.id,
                                     time_limit=time_limit, now=asked)
        made += 1
        answered = now - dt.timedelta(days=demo.answered_days_ago)
        if demo.answer in ("grant", "refuse"):
            narrowed = [i for i in demo.narrow_to if i in codes] or None
            sharing.answer_request(session, actor, req.number, decision=demo.answer, reason=demo.reason,
                                   terms=GrantDraft(items=narrowed, rate_limit=120 if narrowed else None),
                                   now=answered)
        elif demo.answer == "revoke":
            grant = session.scalar(select(Grant).where(Grant.request_id == req.id))
            if grant is not None:
                sharing.revoke_grant(session, actor, grant.id, reason=demo.reason, now=answered)
    sharing.sweep(session, actor, now=now)  # the overdue one is flagged and escalated, close ones reminded
    return made
