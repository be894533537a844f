"""Altering, deleting, inserting or reordering any audit record makes verification fail and name it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.tampering import lift_append_only

from tongban.audit import AuditEvent, record
from tongban.audit.chain import record_hash
from tongban.audit.model import AuditCheckpoint, AuditRecord
from tongban.audit.service import SYSTEM, checkpoint, verify_chain
from tongban.audit.signing import load_or_create_signer


@pytest.fixture
def signer(tmp_path):
    return load_or_create_signer(tmp_path / "key.pem")


@pytest.fixture
def chain(session: Session) -> Session:
    for i in range(1, 11):
        record(session, AuditEvent(f"test.event{i}", SYSTEM, target_id=str(i), details={"n": i}))
    session.commit()
    lift_append_only(session.connection())
    session.commit()
    return session


@pytest.mark.parametrize("statement", ["UPDATE audit_records SET action = 'x' WHERE seq = 1",
                                       "DELETE FROM audit_records WHERE seq = 1",
                                       "DELETE FROM audit_checkpoints"])
def test_the_database_refuses_to_change_or_delete_audit_records(session, signer, statement):
    record(session, AuditEvent("test.event", SYSTEM))
    checkpoint(session, signer)
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()


def _move(session: Session, seq: int, to: int) -> None:
    session.execute(update(AuditRecord).where(AuditRecord.seq == seq).values(seq=to))


def test_an_untouched_chain_verifies(chain, signer):
    checkpoint(chain, signer)
    result = verify_chain(chain, signer)
    assert result.ok and result.records == 10 and result.checkpoints == 1 and result.unsigned_tail == 0


@pytest.mark.parametrize("column,value", [("action", "test.forged"), ("outcome", "denied"), ("target_id", "99"),
                                          ("details", {"n": 100}), ("actor_name", "someone")])
def test_an_altered_record_is_named(chain, signer, column, value):
    chain.execute(update(AuditRecord).where(AuditRecord.seq == 4).values({column: value}))
    chain.commit()
    problem = verify_chain(chain, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("altered", 4)


def test_a_deleted_record_is_named(chain, signer):
    chain.execute(delete(AuditRecord).where(AuditRecord.seq == 6))
    chain.commit()
    problem = verify_chain(chain, signer).problem
    assert problem is not None and problem.kind == "deleted" and problem.seq == 7
    assert "5" in problem.detail and "7" in problem.detail


def test_deleting_the_newest_records_is_noticed(chain, signer):
    chain.execute(delete(AuditRecord).where(AuditRecord.seq >= 9))
    chain.commit()
    problem = verify_chain(chain, signer).problem
    assert problem is not None and problem.kind == "deleted" and problem.seq == 9


def test_two_swapped_records_are_named_as_reordered(chain, signer):
    _move(chain, 3, 1000)
    _move(chain, 7, 3)
    _move(chain, 1000, 7)
    chain.commit()
    problem = verify_chain(chain, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("reordered", 3)


def test_an_inserted_record_is_named(chain, signer):
    # Make room after record 5 and insert a forged record that links to record 5, as an attacker would.
    for seq in range(10, 5, -1):
        _move(chain, seq, seq + 1)
    prev = chain.scalar(select(AuditRecord.hash).where(AuditRecord.seq == 5))
    template = chain.scalar(select(AuditRecord).where(AuditRecord.seq == 5))
    fields = {c: getattr(template, c) for c in ("occurred_at", "actor_kind", "actor_id", "actor_name",
                                                 "department_id", "target_type", "target_id", "purpose", "case_ref",
                                                 "outcome", "request_id", "details")}
    fields["action"] = "test.forged"
    chain.add(AuditRecord(seq=6, prev_hash=prev, hash=record_hash(prev, fields), **fields))
    chain.commit()
    problem = verify_chain(chain, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("inserted", 6)


def test_rewriting_the_whole_chain_is_caught_by_the_signed_checkpoint(chain, signer):
    checkpoint(chain, signer)
    chain.commit()
    # An attacker re-hashes every record after altering one: links hold, the signature does not.
    rows = chain.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
    prev = rows[0].prev_hash
    for row in rows:
        if row.seq == 2:
            row.action = "test.rewritten"
        fields = {c: getattr(row, c) for c in ("occurred_at", "actor_kind", "actor_id", "actor_name", "department_id",
                                               "action", "target_type", "target_id", "purpose", "case_ref", "outcome",
                                               "request_id", "details")}
        row.prev_hash, row.hash = prev, record_hash(prev, fields)
        prev = row.hash
    chain.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    chain.commit()
    problem = verify_chain(chain, signer).problem
    assert problem is not None and problem.kind == "altered" and problem.seq == 10


def test_a_forged_checkpoint_signature_is_rejected(chain, signer):
    checkpoint(chain, signer)
    chain.execute(update(AuditCheckpoint).values(signature="AAAA"))
    chain.commit()
    problem = verify_chain(chain, signer).problem
    assert problem is not None and "signature" in problem.detail


def test_checkpoint_is_skipped_when_nothing_is_new(chain, signer):
    assert checkpoint(chain, signer) is not None
    assert checkpoint(chain, signer) is None
