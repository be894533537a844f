"""The auditor's use cases: reading and verifying the audit log (identity decides who may)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.audit.model import AuditRecord
from tongban.audit.queries import AuditFilter, last_verification, list_actions, list_records
from tongban.audit.service import Verification, verify_chain
from tongban.audit.signing import Signer
from tongban.identity.policy import Action, Actor
from tongban.identity.service import actor_ref, require


@dataclass(frozen=True)
class AuditPage:
    """What the auditor's page shows: a page of records, the actions to filter by, the last verification."""

    records: list[AuditRecord]
    actions: list[str]
    last_verification: AuditRecord | None


def search_audit(
    session: Session, actor: Actor, flt: AuditFilter, *, before_seq: int | None = None, limit: int = 50
) -> AuditPage:
    """A page of audit records matching ``flt``, with the filter vocabulary and the last verification."""
    require(actor, Action.AUDIT_READ)
    return AuditPage(list_records(session, flt, before_seq=before_seq, limit=limit), list_actions(session),
                     last_verification(session))


def verify_audit(session: Session, actor: Actor, signer: Signer) -> Verification:
    """Walk the whole chain and record that it was verified, with the result."""
    require(actor, Action.AUDIT_VERIFY)
    result = verify_chain(session, signer)
    problem = result.problem
    record(session, AuditEvent(
        "audit.verify", actor_ref(actor), "allowed" if result.ok else "failed", "audit_log", None,
        details={"records": result.records, "checkpoints": result.checkpoints,
                 "problem": None if problem is None else {"kind": problem.kind, "seq": problem.seq}},
    ))
    return result
