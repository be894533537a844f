"""Seeds the demo city: its departments and one demo account per role, with random passwords."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.catalog import service as catalog
from tongban.catalog.bulk import publish_many
from tongban.identity import queries as identity_queries
from tongban.identity import service as identity
from tongban.identity.policy import Actor, Role
from tongban.identity.service import actor_ref
from tongban.standards import id_check_char, make_credit_code
from tongban.synth.catalog import DemoResource
from tongban.synth.city import CITY_DEPARTMENTS, DepartmentSpec, department_credit_code


@dataclass(frozen=True)
class DemoAccount:
    """A demo login printed by ``tongban up``."""

    role: str
    username: str
    password: str
    display_name: str
    department: str | None


def _citizen_id(division: str, birth: str, seq: str) -> str:
    first17 = division + birth + seq
    return first17 + id_check_char(first17)


DEMO_COMPANY_CODE = make_credit_code("9", "1", "310115", "MA1FL0D0")

# role, username, display name, department short name, extra
_ACCOUNTS: tuple[tuple[Role, str | None, str, str | None, dict[str, str]], ...] = (
    (Role.CITIZEN, None, "张明", None, {"id_number": _citizen_id("310115", "19880512", "123")}),
    (Role.ENTERPRISE, "enterprise", "李华（上海浦江示例科技有限公司）", None,
     {"company_credit_code": DEMO_COMPANY_CODE, "company_name": "上海浦江示例科技有限公司"}),
    (Role.CLERK, "clerk", "王芳", "浦东服务中心", {}),
    (Role.APPROVER, "approver", "陈刚", "市场监管局", {}),
    (Role.DATA_ADMIN, "dataadmin", "刘洋", "公安局", {}),
    (Role.OPERATOR, "operator", "赵敏", "大数据中心", {}),
    (Role.AUDITOR, "auditor", "孙丽", "大数据中心", {}),
)


def _password() -> str:
    """A random demo password that passes the strength rule."""
    return f"Tb-{secrets.token_urlsafe(9)}"


def seed_departments(session: Session, actor: Actor, specs: Iterable[DepartmentSpec] = CITY_DEPARTMENTS) -> int:
    """Create the demo city's departments that do not exist yet; returns how many were created."""
    created = 0
    for spec in specs:
        if identity_queries.find_department_by_short_name(session, spec.name):
            continue
        parent = identity_queries.find_department_by_short_name(session, spec.parent) if spec.parent else None
        identity.create_department(session, actor, name=spec.name, short_name=spec.short_name,
                                   credit_code=department_credit_code(spec), division_code=spec.division_code,
                                   parent_id=parent.id if parent else None)
        created += 1
    return created


def seed_accounts(session: Session, actor: Actor) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; returns the new ones with their passwords."""
    made: list[DemoAccount] = []
    for role, username, name, dept_short, extra in _ACCOUNTS:
        login = username or extra["id_number"]
        if identity_queries.username_taken(session, login):
            continue
        dept = identity_queries.find_department_by_short_name(session, dept_short) if dept_short else None
        password = _password()
        identity.create_user(session, actor, username=login, display_name=name, role=str(role), password=password,
                             department_id=dept.id if dept else None, **extra)
        made.append(DemoAccount(str(role), login, password, name, dept.name if dept else None))
    return made



def seed_catalog(session: Session, actor: Actor, resources: Iterable[DemoResource],
                 progress: Callable[[int], None] = lambda n: None) -> int:
    """Publish demo resources that are not in the catalog yet (one audit record for the whole seed)."""
    departments = {d.short_name: d for d in identity_queries.list_departments(session)}
    known = catalog.names_in_use(session)
    created: dict[tuple[int, str], tuple[catalog.Resource, tuple[str, ...]]] = {}
    for demo in resources:
        department = departments[demo.department]
        if (department.id, demo.draft.name) in known:
            continue
        resource = catalog.new_draft(session, actor, copy.deepcopy(demo.draft), department)
        created[(department.id, demo.draft.name)] = (resource, demo.related)
        progress(1)
    codes = {name: resource.code for (_, name), (resource, _) in created.items()}
    for resource, related in created.values():
        resource.related_codes = [codes[name] for name in related if name in codes]
        catalog.publish(session, actor, resource)
    if created:
        record(session, AuditEvent("catalog.seed", actor_ref(actor), target_type="catalog",
                                   details={"resources": len(created)}))
    return len(created)


def seed_generated(session: Session, actor: Actor, resources: Iterable[DemoResource],
                   progress: Callable[[int], None] = lambda n: None) -> int:
    """Publish generated resources in bulk (names already in the catalog are skipped)."""
    departments = {d.short_name: d for d in identity_queries.list_departments(session)}
    known = catalog.names_in_use(session)
    rows = ((departments[r.department], r.draft) for r in resources
            if (departments[r.department].id, r.draft.name) not in known)
    return publish_many(session, actor, rows, progress=progress)
