"""Read side of identity: lists for the administration pages, API and CLI."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from tongban.identity.model import ApiClient, Department, User


def list_departments(session: Session) -> list[Department]:
    """Every department, city-level first, then by division and name."""
    return list(session.scalars(select(Department).order_by(Department.parent_id.is_not(None), Department.division_code,
                                                            Department.id)))


def find_department_by_short_name(session: Session, short_name: str) -> Department | None:
    """A department by its short name or full name, or None."""
    return session.scalar(select(Department).where(or_(Department.short_name == short_name,
                                                       Department.name == short_name)))


def username_taken(session: Session, username: str) -> bool:
    """Whether an account with this username exists."""
    return session.scalar(select(User.id).where(User.username == username)) is not None


def list_users(session: Session, *, role: str | None = None, department_id: int | None = None,
               query: str | None = None, limit: int = 200) -> list[User]:
    """Users filtered by role, department and a name/username fragment."""
    stmt = select(User).options(selectinload(User.department)).order_by(User.role, User.username).limit(limit)
    if role:
        stmt = stmt.where(User.role == role)
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(or_(User.username.like(like), User.display_name.like(like)))
    return list(session.scalars(stmt))


def count_users_by_department(session: Session) -> dict[int, int]:
    """How many staff accounts each department has."""
    rows = session.execute(select(User.department_id, func.count()).where(User.department_id.is_not(None))
                           .group_by(User.department_id))
    return {dept: n for dept, n in rows}


def list_clients(session: Session, *, department_id: int | None = None) -> list[ApiClient]:
    """API clients, newest first, optionally of one department."""
    stmt = select(ApiClient).options(selectinload(ApiClient.department)).order_by(ApiClient.created_at.desc())
    if department_id is not None:
        stmt = stmt.where(ApiClient.department_id == department_id)
    return list(session.scalars(stmt))
