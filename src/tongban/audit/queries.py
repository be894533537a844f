"""Read side of the audit log: filtered, newest-first pages with a keyset cursor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tongban.audit.model import AuditRecord


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor narrows the log to; None means any."""

    actor: str | None = None  # matches actor id or name
    action: str | None = None  # exact, or a prefix ending in '.'
    department_id: int | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    target_id: str | None = None


def list_records(
    session: Session, flt: AuditFilter, *, before_seq: int | None = None, limit: int = 50
) -> list[AuditRecord]:
    """Newest first; pass the last seq of a page as ``before_seq`` for the next."""
    stmt = select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit)
    if flt.actor:
        stmt = stmt.where(or_(AuditRecord.actor_id == flt.actor, AuditRecord.actor_name == flt.actor))
    if flt.action:
        if flt.action.endswith("."):
            stmt = stmt.where(AuditRecord.action.startswith(flt.action, autoescape=True))
        else:
            stmt = stmt.where(AuditRecord.action == flt.action)
    if flt.department_id is not None:
        stmt = stmt.where(AuditRecord.department_id == flt.department_id)
    if flt.outcome:
        stmt = stmt.where(AuditRecord.outcome == flt.outcome)
    if flt.since:
        stmt = stmt.where(AuditRecord.occurred_at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditRecord.occurred_at < flt.until)
    if flt.target_id:
        stmt = stmt.where(AuditRecord.target_id == flt.target_id)
    if before_seq is not None:
        stmt = stmt.where(AuditRecord.seq < before_seq)
    return list(session.scalars(stmt))


def last_verification(session: Session) -> AuditRecord | None:
    """The newest record of a whole-chain verification, if any."""
    return session.scalar(select(AuditRecord).where(AuditRecord.action == "audit.verify")
                          .order_by(AuditRecord.seq.desc()).limit(1))


def list_actions(session: Session) -> list[str]:
    """Every distinct action in the log, for the filter menu."""
    return list(session.scalars(select(AuditRecord.action).distinct().order_by(AuditRecord.action)))
