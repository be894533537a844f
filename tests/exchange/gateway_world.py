"""A small world for the exchange API's tests: a provider with a population resource and an entity resource, a
consumer department with an API client and grants, golden records with provenance, and default masking rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tests.exchange.factories import make_build, make_grant, make_person
from tests.factories import SYSTEM, citizen_id, credit_code, make_client, make_department, make_resource
from tongban.catalog.drafts import ItemDraft
from tongban.exchange.masking_rules import seed_masking_rules
from tongban.exchange.model import Grant
from tongban.identity.model import ApiClient, Department
from tongban.registry.model import Entity

PERSON_ITEMS = ["id_number", "name", "birth_date", "phone", "household_address"]
ENTITY_ITEMS = ["credit_code", "company_name", "registration_status", "legal_rep_name"]


@dataclass
class World:
    provider: Department
    consumer: Department
    other: Department
    people: str  # the population resource's code
    companies: str  # the entity resource's code
    people_id: int
    companies_id: int
    client: ApiClient
    token: str
    other_client: ApiClient
    other_token: str
    person: str  # an ID number with a golden record
    person2: str
    absent: str  # a valid ID number without one
    retired: str
    company: str
    grant: Grant
    extra: dict[str, Any] = field(default_factory=dict)


def _person_resource(session: Session, provider: Department):  # type: ignore[no-untyped-def]
    return make_resource(session, provider, name="户籍人口基本信息（测试）", items=[
        ItemDraft("公民身份号码", "id_number", "string", 18, personal=True, sensitivity=3),
        ItemDraft("姓名", "name", "string", 50, personal=True, sensitivity=2),
        ItemDraft("出生日期", "birth_date", "date", personal=True, sensitivity=2),
        ItemDraft("联系电话", "phone", "string", 20, personal=True, sensitivity=3),
        ItemDraft("户籍地址", "household_address", "string", 200, personal=True, sensitivity=3),
        ItemDraft("民族", "ethnicity", "string", 2, personal=True, sensitivity=2),
        ItemDraft("登记日期", "registered_on", "date")])


def _entity_resource(session: Session, provider: Department):  # type: ignore[no-untyped-def]
    return make_resource(session, provider, name="企业登记信息（测试）", class_code="102001", items=[
        ItemDraft("统一社会信用代码", "credit_code", "string", 18),
        ItemDraft("企业名称", "company_name", "string", 200),
        ItemDraft("登记状态", "registration_status", "string", 20),
        ItemDraft("法定代表人姓名", "legal_rep_name", "string", 50, personal=True, sensitivity=2)])


def make_entity(session: Session, build_id: int, department_id: int, **overrides: Any) -> Entity:
    values: dict[str, Any] = {"credit_code": credit_code(), "company_name": "上海示例科技有限公司",
                              "registration_status": "存续", "legal_rep_name": "李四光", "domicile": "上海市浦东新区"}
    values.update(overrides)
    provenance = {f: {"department": department_id, "feed": 2, "row": 1, "at": "2026-10-01"}
                  for f in values if f != "credit_code"}
    entity = Entity(**values, former_names=[], provenance=provenance, build_id=build_id)
    session.add(entity)
    session.flush()
    return entity


def build_world(session: Session, **grant: Any) -> World:
    """The world, committed; the consumer's client holds a grant for the population resource (``grant`` overrides
    its fields)."""
    provider = make_department(session, name="市公安局（测试）")
    consumer = make_department(session, name="市人社局（测试）")
    other = make_department(session, name="市民政局（测试）")
    people, companies = _person_resource(session, provider), _entity_resource(session, provider)
    client, token = make_client(session, consumer)
    other_client, other_token = make_client(session, other)
    build = make_build(session)
    person = make_person(session, build, department_id=provider.id, id_number=citizen_id(11))
    person2 = make_person(session, build, department_id=provider.id, id_number=citizen_id(12), name="欧阳娜娜",
                          phone="13900001111")
    retired = make_person(session, build, department_id=provider.id, id_number=citizen_id(13))
    retired.retired_at = dt.datetime.now(dt.UTC)
    company = make_entity(session, make_build(session, "entity").id, provider.id)
    values: dict[str, Any] = {"items": PERSON_ITEMS, "clients": [client]}
    values.update(grant)
    made = make_grant(session, consumer_department_id=consumer.id, resource_id=people.id, **values)
    seed_masking_rules(session, SYSTEM)
    session.commit()
    return World(provider, consumer, other, people.code, companies.code, people.id, companies.id, client, token,
                 other_client, other_token, person.id_number, person2.id_number, citizen_id(14), retired.id_number,
                 company.credit_code, made)


PERSONAL_HEADERS = {"X-Tongban-Official": "zhangwei01", "X-Tongban-Purpose": "%E5%B1%85%E4%BD%8F%E8%AF%81%E5%8A%9E%E7%90%86",
                    "X-Tongban-Case": "SQ20261127-0042"}


def auth(token: str, **headers: str) -> dict[str, str]:
    """The headers of a call for personal data with ``token``."""
    return {"Authorization": f"Bearer {token}", **PERSONAL_HEADERS, **headers}
