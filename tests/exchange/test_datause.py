"""The data-use record (我的数据使用记录): a citizen sees exactly the accesses to their ID number, an enterprise user
those to their company, each with department, official, resource, items, purpose and case — read from the audit log
through its subject index; refused calls and calls that returned nothing are not accesses; reading is audited."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, citizen_id, make_department, make_resource
from tongban.audit import ActorRef, AuditEvent, record
from tongban.audit.model import AuditRecord
from tongban.catalog.drafts import ItemDraft
from tongban.errors import PermissionDenied
from tongban.exchange import datause
from tongban.identity import passwords
from tongban.identity.model import Department, User
from tongban.identity.service import actor_for
from tongban.standards import make_credit_code

_request_ids = itertools.count(1)
_people = itertools.count(900001)
ITEMS = [ItemDraft("公民身份号码", "id_number", "string", 18, personal=True, sensitivity=3),
         ItemDraft("姓名", "name", "string", 50, personal=True, sensitivity=2),
         ItemDraft("户籍地址", "household_address", "string", 200, personal=True, sensitivity=2)]


def call(session: Session, department: Department, resource: Any, subjects: Sequence[str], *,
         items: Sequence[str] = ("name", "household_address"), purpose: str = "核验申请人身份",
         case_ref: str = "SQ20261127-0001", official: str = "wang.wu", outcome: str = "allowed",
         at: dt.datetime | None = None, request_id: str | None = None, **details: Any) -> AuditRecord:
    """An exchange call audited as the gateway writes it (its client, official, purpose, case, subjects, items)."""
    rid = request_id or f"req-{next(_request_ids)}"
    return record(session, AuditEvent(
        "exchange.call", ActorRef("client", "k1", "居住证办理系统", department.id), outcome, "resource", resource.code,
        purpose, case_ref, {"official": official, "items": list(items) if outcome == "allowed" else [],
                            "request_id": rid, "grant": 1, **details},
        request_id=rid, subjects=tuple(subjects)), now=at)


@functools.cache
def _password_hash() -> str:
    return passwords.hash_password(PASSWORD)


def person(session: Session, role: str, department: Department | None = None) -> User:
    """An account of ``role`` (password ``PASSWORD``), inserted directly: hashing a password per user is slow."""
    n = next(_people)
    values: dict[str, Any] = {"username": f"user{n}", "display_name": f"用户{n}", "role": role,
                              "password_hash": _password_hash()}
    if role == "citizen":
        values["username"] = values["id_number"] = citizen_id()
    elif role == "enterprise":
        values["company_credit_code"] = make_credit_code("9", "1", "310115", f"{n:08d}")
        values["company_name"] = f"示例企业{n}"
    else:
        values["department_id"] = (department or make_department(session)).id
    user = User(**values)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def city(session: Session) -> dict[str, Any]:
    """Two departments, the police's population resource, two citizens and a company's user."""
    police = make_department(session, name="上海市公安局", short_name="市公安局")
    housing = make_department(session, name="上海市住房和城乡建设管理委员会", short_name="市住建委")
    resource = make_resource(session, police, name="户籍人口基本信息", items=ITEMS)
    companies = make_resource(session, police, name="企业登记信息", class_code="201001",
                              items=[ItemDraft("统一社会信用代码", "credit_code", "string", 18),
                                     ItemDraft("企业名称", "company_name", "string", 200)])
    alice, bob, firm = person(session, "citizen"), person(session, "citizen"), person(session, "enterprise")
    session.flush()
    return {"police": police, "housing": housing, "resource": resource, "companies": companies,
            "alice": alice, "bob": bob, "firm": firm}


def _seqs(page: datause.DataUsePage) -> list[int]:
    return [e.seq for e in page.entries]


def test_a_citizen_sees_exactly_the_accesses_to_their_id_with_purpose_and_case(session, city):
    alice, bob, housing, resource = city["alice"], city["bob"], city["housing"], city["resource"]
    only_alice = call(session, housing, resource, [alice.id_number], purpose="住房补贴资格核验",
                      case_ref="ZF2026-0042", official="li.si")
    both = call(session, housing, resource, [bob.id_number, alice.id_number], items=["name"])
    only_bob = call(session, housing, resource, [bob.id_number])

    page = datause.list_data_use(session, actor_for(alice))
    assert _seqs(page) == [both.seq, only_alice.seq] and page.total == 2 and page.kind == "person"
    entry = page.entries[1]
    assert (entry.department, entry.official, entry.system) == ("上海市住房和城乡建设管理委员会", "li.si", "居住证办理系统")
    assert (entry.resource_code, entry.resource_name) == (resource.code, "户籍人口基本信息")
    assert entry.items == ["姓名", "户籍地址"]  # the catalog's names, not the codes
    assert (entry.purpose, entry.case_ref) == ("住房补贴资格核验", "ZF2026-0042")
    assert _seqs(datause.list_data_use(session, actor_for(bob))) == [only_bob.seq, both.seq]


def test_refused_calls_and_calls_that_returned_nothing_are_not_accesses(session, city):
    alice, housing, resource = city["alice"], city["housing"], city["resource"]
    call(session, housing, resource, [alice.id_number], outcome="denied")
    call(session, housing, resource, [alice.id_number], items=[])
    call(session, housing, resource, [alice.id_number, city["bob"].id_number], not_found=[alice.id_number])
    record(session, AuditEvent("registry.other", subjects=(alice.id_number,)))  # not an exchange call
    kept = call(session, housing, resource, [alice.id_number])
    assert _seqs(datause.list_data_use(session, actor_for(alice))) == [kept.seq]


def test_an_enterprise_user_sees_their_companys_accesses(session, city):
    firm, housing = city["firm"], city["housing"]
    mine = call(session, housing, city["companies"], [firm.company_credit_code], items=["company_name"])
    call(session, housing, city["companies"], ["91350200776049653A"], items=["company_name"])
    page = datause.list_data_use(session, actor_for(firm))
    assert page.kind == "company" and page.subject == firm.company_credit_code
    assert _seqs(page) == [mine.seq] and page.entries[0].items == ["企业名称"]


def test_reading_the_record_is_audited(session, city):
    alice = city["alice"]
    shown = call(session, city["housing"], city["resource"], [alice.id_number])
    datause.list_data_use(session, actor_for(alice), year=2099)
    datause.list_data_use(session, actor_for(alice))
    views = session.scalars(select(AuditRecord).where(AuditRecord.action == "datause.view")
                            .order_by(AuditRecord.seq)).all()
    assert [v.details["shown"] for v in views] == [[], [shown.seq]]
    assert views[0].details["year"] == 2099 and views[1].target_id == alice.id_number
    assert views[1].actor_kind == "user" and views[1].actor_id == str(alice.id)
    assert "subjects" not in views[1].details  # a self-view is not an access to list


def test_the_record_filters_by_year_in_china_and_by_department_and_pages(session, city):
    alice, police, housing, resource = city["alice"], city["police"], city["housing"], city["resource"]
    # 17:30 UTC on 31 December is 01:30 on 1 January in China: the access counts for the new year
    new_year = call(session, housing, resource, [alice.id_number], at=dt.datetime(2025, 12, 31, 17, 30, tzinfo=dt.UTC))
    old_year = call(session, police, resource, [alice.id_number], at=dt.datetime(2025, 12, 31, 15, 30, tzinfo=dt.UTC))
    later = [call(session, housing, resource, [alice.id_number], at=dt.datetime(2026, 3, n, 2, tzinfo=dt.UTC))
             for n in range(1, 4)]
    actor = actor_for(alice)

    everything = datause.list_data_use(session, actor)
    assert everything.years == [(2026, 4), (2025, 1)]
    assert everything.departments == [(housing.id, housing.name, 4), (police.id, police.name, 1)]
    assert _seqs(datause.list_data_use(session, actor, year=2025)) == [old_year.seq]
    assert _seqs(datause.list_data_use(session, actor, department_id=police.id)) == [old_year.seq]
    first = datause.list_data_use(session, actor, year=2026, per_page=3)
    second = datause.list_data_use(session, actor, year=2026, per_page=3, page=2)
    assert (first.total, first.pages, second.page) == (4, 2, 2)
    assert _seqs(first) + _seqs(second) == [r.seq for r in reversed(later)] + [new_year.seq]
    assert datause.list_data_use(session, actor, per_page=3, page=99).page == 2  # past the end: the last page
    assert everything.entries[0].local_at.hour == 10  # 02:00 UTC, shown in Beijing time


@pytest.mark.parametrize("role", ["data_admin", "operator", "auditor", "clerk"])
def test_staff_have_no_data_use_record(session, city, role):
    staff = person(session, role)
    with pytest.raises(PermissionDenied) as refused:
        datause.list_data_use(session, actor_for(staff))
    assert refused.value.audit.action == "datause.view" and refused.value.audit.outcome == "denied"
