"""Plain factory functions with defaults; each goes through the real use case."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from tongban.identity import service
from tongban.identity.model import ApiClient, Department, User
from tongban.identity.policy import Actor, Role
from tongban.standards import id_check_char, make_credit_code

SYSTEM = Actor.system("factory")
PASSWORD = "Correct-Horse-42"
_seq = itertools.count(1)


def credit_code(n: int | None = None, *, division: str = "310000") -> str:
    """A valid credit code, different for each n."""
    n = next(_seq) if n is None else n
    return make_credit_code("1", "1", division, f"{n:08d}")


def citizen_id(n: int | None = None, *, birth: str = "19900101") -> str:
    """A valid 18-digit citizen ID number, different for each n (< 1000)."""
    n = next(_seq) % 1000 if n is None else n
    first17 = f"310115{birth}{n:03d}"
    return first17 + id_check_char(first17)


def make_department(session: Session, **overrides: Any) -> Department:
    n = next(_seq)
    values = {"name": f"测试局{n}", "short_name": f"测试{n}", "credit_code": credit_code(n), "division_code": "310000"}
    values.update(overrides)
    return service.create_department(session, SYSTEM, **values)


def make_user(session: Session, role: Role | str = Role.CLERK, **overrides: Any) -> User:
    role = Role(role)
    n = next(_seq)
    values: dict[str, Any] = {"username": f"user{n}", "display_name": f"用户{n}", "role": str(role),
                              "password": PASSWORD}
    if role.is_staff and "department_id" not in overrides:
        values["department_id"] = make_department(session).id
    if role is Role.CITIZEN:
        values["username"] = None
        values.setdefault("id_number", citizen_id())
    if role is Role.ENTERPRISE:
        values["company_credit_code"] = make_credit_code("9", "1", "310115", f"{n:08d}")
        values["company_name"] = f"示例企业{n}"
    values.update(overrides)
    return service.create_user(session, SYSTEM, **values)


def make_client(session: Session, department: Department | None = None, **overrides: Any) -> tuple[ApiClient, str]:
    department = department or make_department(session)
    values: dict[str, Any] = {"name": "测试系统", "department_id": department.id}
    values.update(overrides)
    return service.create_api_client(session, SYSTEM, **values)


def make_draft(**overrides: Any):  # type: ignore[no-untyped-def]
    """A valid, unconditionally shared resource draft with three items."""
    from tongban.catalog.drafts import ItemDraft, ResourceDraft

    values: dict[str, Any] = {
        "class_code": "101001", "name": "户籍人口基本信息", "abstract": "本市户籍人口的身份与登记信息。",
        "format": "database", "sharing_type": "unconditional", "update_cycle": "daily", "open_type": "closed",
        "legal_basis": "《中华人民共和国个人信息保护法》第三十四条", "share_methods": ["api"],
        "items": [ItemDraft("公民身份号码", "id_number", "string", 18, personal=True, sensitivity=3),
                  ItemDraft("姓名", "name", "string", 50, personal=True, sensitivity=2),
                  ItemDraft("出生日期", "birth_date", "date", personal=True, sensitivity=2)],
    }
    values.update(overrides)
    return ResourceDraft(**values)


def make_resource(session: Session, department: Department | None = None, *, publish: bool = True,
                  **overrides: Any):  # type: ignore[no-untyped-def]
    """A resource of ``department`` (a new one by default), published unless told otherwise."""
    from tongban.catalog import service as catalog

    department = department or make_department(session)
    resource = catalog.create_resource(session, SYSTEM, make_draft(**overrides), department_id=department.id)
    if publish:
        catalog.submit_resource(session, SYSTEM, resource.code)
        catalog.approve_resource(session, SYSTEM, resource.code)
    return resource
