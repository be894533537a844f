"""Factories for the exchange's tests: golden records to share, and grants made directly (the sharing workflow's own
tests go through its use cases; the gateway's, the data-use record's and the subscriptions' start from a grant)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tongban.exchange.model import Grant, GrantClient
from tongban.identity.model import ApiClient
from tongban.registry.model import Build, Person

from tests.factories import citizen_id


def make_build(session: Session, base: str = "population") -> Build:
    build = Build(base=base, status="published", finished_at=dt.datetime.now(dt.UTC))
    session.add(build)
    session.flush()
    return build


def make_person(session: Session, build: Build | None = None, *, department_id: int = 1,
                **overrides: Any) -> Person:
    """A golden record of the population base, each field with provenance from ``department_id``'s feed 1."""
    build = build or make_build(session)
    values: dict[str, Any] = {
        "id_number": citizen_id(), "name": "张三明", "sex": "1", "birth_date": dt.date(1990, 1, 1),
        "ethnicity": "01", "household_address": "上海市浦东新区张杨路100弄5号", "phone": "13812345678",
        "marital_status": "20",
    }
    values.update(overrides)
    at = "2026-11-01"
    provenance = {field: {"department": department_id, "feed": 1, "row": n + 1, "at": at}
                  for n, field in enumerate(values) if field != "id_number" and values[field] is not None}
    person = Person(**values, former_names=[], provenance=provenance, build_id=build.id)
    session.add(person)
    session.flush()
    return person


def make_grant(session: Session, *, consumer_department_id: int, resource_id: int, items: list[str],
               clients: list[ApiClient] = (), **overrides: Any) -> Grant:  # type: ignore[assignment]
    """A grant valid from yesterday for a year, usable by ``clients``."""
    today = dt.date.today()
    values: dict[str, Any] = {
        "consumer_department_id": consumer_department_id, "resource_id": resource_id, "items": items,
        "clear_items": [], "purpose": "核验申请人身份", "scenario": "居住证办理",
        "valid_from": today - dt.timedelta(days=1), "valid_to": today + dt.timedelta(days=365), "rate_limit": 600,
    }
    values.update(overrides)
    grant = Grant(**values)
    session.add(grant)
    session.flush()
    for client in clients:
        session.add(GrantClient(grant_id=grant.id, client_id=client.id))
    session.flush()
    return grant


def count_once_stale(session: Session, monkeypatch: Any, table: str) -> list[object]:
    """Make the next read of the highest ``table.number`` see none, as if it ran before another transaction took
    the day's first number; returns the list the stale read is noted in."""
    real, stale = session.scalar, []

    def counted_before_the_other(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        if f"max({table}.number)" in str(statement) and not stale:
            stale.append(statement)
            return None
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(session, "scalar", counted_before_the_other)
    return stale
