"""Group commit of audit events: appended exactly as one by one (the chain verifies, the subject index holds),
each writer returns once its event is committed, and one bad event fails alone."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tongban.audit import ActorRef, AuditEvent, record
from tongban.audit.group_commit import GroupCommit, record_many
from tongban.audit.model import AuditRecord, AuditSubject
from tongban.audit.service import verify_chain
from tongban.audit.signing import load_or_create_signer
from tongban.audit.subjects import check_subject_index
from tongban.audit.unit_of_work import transaction


def _event(n: int, **overrides) -> AuditEvent:  # type: ignore[no-untyped-def]
    values = {"action": "exchange.call", "actor": ActorRef("client", "1", "client:abc", 3), "target_type": "resource",
              "target_id": "101001/000001", "purpose": "居住证办理", "case_ref": f"SQ-{n}", "request_id": f"r{n}",
              "details": {"items": ["name"], "n": n}, "subjects": (f"31011519900101{n:04d}",)}
    values.update(overrides)
    return AuditEvent(**values)


def test_events_appended_together_verify_like_events_appended_one_by_one(sessions, tmp_path):
    with transaction(sessions) as session:
        record(session, _event(0))
    with transaction(sessions) as session:
        last = record_many(session, [_event(n) for n in range(1, 6)])
    with transaction(sessions) as session:
        record(session, _event(6))
    with sessions() as session:
        result = verify_chain(session, load_or_create_signer(tmp_path / "key.pem"))
        assert result.ok and result.records == 7 and last == 6
        assert check_subject_index(session).ok
        assert session.scalar(select(func.count()).select_from(AuditSubject)) == 7
        fifth = session.scalar(select(AuditRecord).where(AuditRecord.seq == 5))
        assert fifth.details == {"items": ["name"], "n": 4, "subjects": ["310115199001010004"]}
        assert (fifth.case_ref, fifth.request_id, fifth.outcome) == ("SQ-4", "r4", "allowed")


def test_an_unknown_outcome_is_refused_before_anything_is_written(sessions):
    with transaction(sessions) as session, pytest.raises(ValueError):
        record_many(session, [_event(1), _event(2, outcome="maybe")])


def test_every_writer_returns_once_its_event_is_committed(sessions, engine, tmp_path):
    log = GroupCommit(engine)
    seqs: list[int] = []

    def write(start: int) -> None:
        for n in range(start, start + 25):
            seqs.append(log.write(_event(n)))
            with sessions() as session:  # visible to another connection as soon as write() returned
                assert session.scalar(select(AuditRecord.request_id).where(AuditRecord.seq == seqs[-1])) == f"r{n}"

    threads = [threading.Thread(target=write, args=(k * 100,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    assert sorted(seqs) == list(range(1, 101))
    assert log.written == 100 and log.batches <= 100
    with sessions() as session:
        assert verify_chain(session, load_or_create_signer(tmp_path / "key.pem")).ok


def test_an_event_that_cannot_be_written_fails_alone(engine, sessions):
    log = GroupCommit(engine)
    bad = log.submit(_event(1, target_id="x" * 500, details={"n": 1}))  # longer than the column on PostgreSQL
    good = log.submit(_event(2))
    assert good.result(30) >= 1
    if engine.dialect.name == "postgresql":
        with pytest.raises(RuntimeError):
            bad.result(30)
    log.close()
