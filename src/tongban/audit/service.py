"""Use cases of the audit log: append an event, sign a checkpoint, verify the whole chain."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from tongban.audit.chain import CONTENT_FIELDS, GENESIS, Break, LinkView, checkpoint_message, find_break, record_hash
from tongban.audit.model import AuditCheckpoint, AuditHead, AuditRecord, AuditSubject
from tongban.audit.signing import Signer
from tongban.audit.subjects import check_subject_index
from tongban.db import utcnow

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("tongban_request_id", default=None)

OUTCOMES = ("allowed", "denied", "failed")


@dataclass(frozen=True)
class ActorRef:
    """Who acted, as the log records it."""

    kind: str  # user | client | system | anonymous
    id: str | None = None
    name: str | None = None
    department_id: int | None = None


SYSTEM = ActorRef("system", None, "system")


@dataclass(frozen=True)
class AuditEvent:
    """An event to be written; built by use cases, written by ``record``."""

    action: str
    actor: ActorRef = SYSTEM
    outcome: str = "allowed"
    target_type: str | None = None
    target_id: str | None = None
    purpose: str | None = None
    case_ref: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = field(default_factory=lambda: _request_id.get())
    subjects: tuple[str, ...] = ()  # whose data it touched: kept in the details and indexed (audit_subjects)


def bind_request(request_id: str | None) -> contextvars.Token[str | None]:
    """Tie the events recorded in this context to a request id."""
    return _request_id.set(request_id)


def unbind_request(token: contextvars.Token[str | None]) -> None:
    """Undo ``bind_request`` when the request ends."""
    _request_id.reset(token)


def current_request_id() -> str | None:
    """The request id bound to this context, if any."""
    return _request_id.get()


def content_fields(event: AuditEvent, now: dt.datetime) -> dict[str, Any]:
    """The content fields of ``event`` as a record stores them and its hash covers (the subjects in the details)."""
    return {
        "occurred_at": now.astimezone(dt.UTC),
        "actor_kind": event.actor.kind,
        "actor_id": event.actor.id,
        "actor_name": event.actor.name,
        "department_id": event.actor.department_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "purpose": event.purpose,
        "case_ref": event.case_ref,
        "outcome": event.outcome,
        "request_id": event.request_id,
        "details": json.loads(json.dumps(
            {**event.details, "subjects": list(event.subjects)} if event.subjects else event.details,
            ensure_ascii=False, default=str)),
    }


def record(session: Session, event: AuditEvent, *, now: dt.datetime | None = None) -> AuditRecord:
    """Append ``event`` to the chain inside the caller's transaction (never commits)."""
    if event.outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {event.outcome!r}")
    bumped = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(AuditHead).values(id=1, seq=1, hash=GENESIS))
    seq, prev_hash = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    fields = content_fields(event, now or utcnow())
    digest = record_hash(prev_hash, fields)
    row = AuditRecord(seq=seq, prev_hash=prev_hash, hash=digest, **fields)
    session.add(row)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=digest))
    session.flush()
    if event.subjects:
        session.execute(insert(AuditSubject), [{"subject": s, "seq": seq} for s in dict.fromkeys(event.subjects)])
    return row


def record_event(session: Session, action: str, **kwargs: Any) -> AuditRecord:
    """Shorthand: build an AuditEvent from keywords and append it."""
    return record(session, AuditEvent(action=action, **kwargs))


def checkpoint(session: Session, signer: Signer, *, now: dt.datetime | None = None) -> AuditCheckpoint | None:
    """Sign the current chain head, unless it is already signed (never commits)."""
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one_or_none()
    if head is None or head.seq == 0:
        return None
    last = session.scalar(select(func.max(AuditCheckpoint.seq)))
    if last is not None and last >= head.seq:
        return None
    signed_at = (now or utcnow()).astimezone(dt.UTC)
    cp = AuditCheckpoint(
        seq=head.seq,
        hash=head.hash,
        signed_at=signed_at,
        key_id=signer.key_id,
        signature=signer.sign(checkpoint_message(head.seq, head.hash, signed_at)),
    )
    session.add(cp)
    session.flush()
    return cp


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the whole chain."""

    records: int
    checkpoints: int
    last_signed_seq: int | None
    problem: Break | None
    checked_at: dt.datetime
    subject_rows: int = 0  # rows of the subject index, each checked against its record

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def unsigned_tail(self) -> int:
        """How many records come after the last signed checkpoint."""
        return self.records - (self.last_signed_seq or 0) if self.ok else 0


def verify_chain(session: Session, signer: Signer, *, batch: int = 5000) -> Verification:
    """Recompute every hash, check every link and every checkpoint signature; name the first problem."""
    views: list[LinkView] = []
    by_seq: dict[int, str] = {}
    stmt = select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=batch)
    for row in session.scalars(stmt):
        fields = {name: getattr(row, name) for name in CONTENT_FIELDS}
        intact = record_hash(row.prev_hash, fields) == row.hash
        views.append(LinkView(row.seq, row.prev_hash, row.hash, intact))
        by_seq[row.seq] = row.hash
        session.expunge(row)
    problem = find_break(views)
    checkpoints = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).all()
    last_signed: int | None = None
    for cp in checkpoints:
        message = checkpoint_message(cp.seq, cp.hash, cp.signed_at)
        if cp.key_id != signer.key_id or not signer.verify(message, cp.signature):
            problem = problem or Break("altered", cp.seq, "checkpoint {checkpoint} signature does not verify",
                                       {"checkpoint": cp.id})
        elif cp.seq not in by_seq:
            problem = problem or Break("deleted", cp.seq, "a signed checkpoint names a record that is gone")
        elif by_seq[cp.seq] != cp.hash:
            problem = problem or Break("altered", cp.seq, "differs from the signed checkpoint")
        else:
            last_signed = cp.seq
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one_or_none()
    last_seq = views[-1].seq if views else 0
    if problem is None and head is not None and head.seq != last_seq:
        problem = Break("deleted", last_seq + 1, "the log ends at {last} but {written} records were written",
                        {"last": last_seq, "written": head.seq})
    index = check_subject_index(session, batch=batch)
    problem = problem or index.problem
    return Verification(len(views), len(checkpoints), last_signed, problem, utcnow(), index.rows)

