"""The subject index keeps the log's promise: every data subject a record names has its index row, and no index
row names a subject its record does not, or a record that is not in the log."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from tests.tampering import lift_append_only
from tongban.audit import AuditEvent, record
from tongban.audit.model import AuditSubject
from tongban.audit.service import SYSTEM
from tongban.audit.subjects import check_subject_index

ALICE, BOB, CAROL = "11010519491231002X", "440524188001010014", "91350200776049653A"


@pytest.fixture
def log(session: Session) -> Session:
    record(session, AuditEvent("test.login", SYSTEM))
    record(session, AuditEvent("exchange.call", SYSTEM, subjects=(ALICE, BOB)))
    record(session, AuditEvent("exchange.call", SYSTEM, subjects=(CAROL,)))
    record(session, AuditEvent("exchange.call", SYSTEM, subjects=(ALICE, ALICE)))  # named twice, indexed once
    session.commit()
    lift_append_only(session.connection())
    session.commit()
    return session


def test_an_untouched_log_has_every_subject_indexed(log):
    result = check_subject_index(log)
    assert result.ok and result.problem is None
    assert (result.records, result.rows) == (3, 4)


@pytest.mark.parametrize("batch", [1, 2, 5000])
def test_a_deleted_index_row_is_found_and_named_by_its_record(log, batch):
    log.execute(delete(AuditSubject).where(AuditSubject.subject == BOB))
    log.commit()
    result = check_subject_index(log, batch=batch)
    assert not result.ok and result.missing == [(2, BOB)] and result.missing_count == 1
    problem = result.problem
    assert problem is not None and (problem.kind, problem.seq, problem.params) == ("deleted", 2, {"count": 1})


def test_an_index_row_naming_a_subject_its_record_does_not_is_found(log):
    log.execute(insert(AuditSubject).values(subject=CAROL, seq=2))
    log.commit()
    result = check_subject_index(log)
    assert result.stray == [(2, CAROL)] and result.problem is not None
    assert (result.problem.kind, result.problem.seq) == ("inserted", 2)
    assert "does not name" in result.problem.template


@pytest.mark.parametrize("seq", [1, 99])  # a record that names no subject; one past the end of the log
def test_an_index_row_without_its_record_is_found(log, seq):
    log.execute(insert(AuditSubject).values(subject=ALICE, seq=seq))
    log.commit()
    result = check_subject_index(log, batch=2)
    assert result.stray == [(seq, ALICE)] and result.problem is not None
    assert (result.problem.kind, result.problem.seq) == ("inserted", seq)


def test_the_first_problem_in_sequence_order_is_named(log):
    log.execute(delete(AuditSubject).where(AuditSubject.subject == ALICE, AuditSubject.seq == 4))
    log.execute(insert(AuditSubject).values(subject=BOB, seq=3))
    log.commit()
    result = check_subject_index(log, batch=1)
    assert result.missing_count == 1 and result.stray_count == 1
    assert result.problem is not None and (result.problem.kind, result.problem.seq) == ("inserted", 3)
