"""The subject index keeps the log's promise: a data subject's record is one range of ``audit_subjects``, so every
subject a record names in its hashed details must have its index row, and no index row may name a subject its record
does not (or a record that is not in the log). ``check_subject_index`` walks both in sequence order, in batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.audit.chain import Break
from tongban.audit.model import AuditRecord, AuditSubject

KEPT = 100  # problems kept for the report; all are counted


@dataclass(frozen=True)
class SubjectIndexCheck:
    """What the walk found: records that name subjects, index rows, and the (first ``KEPT``) mismatches."""

    records: int  # records naming at least one data subject
    rows: int  # rows of the index
    missing: list[tuple[int, str]] = field(default_factory=list)  # (seq, subject) named in details, no row
    stray: list[tuple[int, str]] = field(default_factory=list)  # (seq, subject) rows their record does not name
    missing_count: int = 0
    stray_count: int = 0
    orphaned: frozenset[int] = frozenset()  # seqs of stray rows whose record is not in the log at all (kept ones)

    @property
    def ok(self) -> bool:
        return not self.missing_count and not self.stray_count

    @property
    def problem(self) -> Break | None:
        """The first mismatch in sequence order, as the chain's verification names problems."""
        firsts = [seq for seq, _ in [*self.missing, *self.stray]]
        if not firsts:
            return None
        seq = min(firsts)
        if self.missing and self.missing[0][0] == seq:
            count = sum(1 for s, _ in self.missing if s == seq)
            return Break("deleted", seq, "the subject index lacks {count} data subject(s) this record names",
                         {"count": count})
        if seq in self.orphaned:
            return Break("inserted", seq, "the subject index names a record that is not in the log")
        return Break("inserted", seq, "the subject index lists a data subject this record does not name")


def _named(details: Any) -> set[str]:
    subjects = details.get("subjects") if isinstance(details, dict) else None
    return {str(s) for s in subjects} if isinstance(subjects, list) else set()


def _record_batches(session: Session, batch: int) -> Iterator[list[tuple[int, Any]]]:
    last = None
    while True:
        stmt = select(AuditRecord.seq, AuditRecord.details).order_by(AuditRecord.seq).limit(batch)
        if last is not None:
            stmt = stmt.where(AuditRecord.seq > last)
        rows = [(seq, details) for seq, details in session.execute(stmt)]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _index_rows(session: Session, after: int | None, upto: int | None) -> dict[int, set[str]]:
    stmt = select(AuditSubject.seq, AuditSubject.subject)
    if after is not None:
        stmt = stmt.where(AuditSubject.seq > after)
    if upto is not None:
        stmt = stmt.where(AuditSubject.seq <= upto)
    found: dict[int, set[str]] = {}
    for seq, subject in session.execute(stmt):
        found.setdefault(seq, set()).add(subject)
    return found


def check_subject_index(session: Session, *, batch: int = 5000) -> SubjectIndexCheck:
    """Compare every record's ``details["subjects"]`` with the index rows of its seq, and find rows without a
    record; reads the log once, ``batch`` records at a time."""
    records = rows = missing_count = stray_count = 0
    missing: list[tuple[int, str]] = []
    stray: list[tuple[int, str]] = []
    orphaned: set[int] = set()

    def note_stray(seq: int, subjects: set[str], *, orphan: bool) -> None:
        nonlocal stray_count
        stray_count += len(subjects)
        for subject in sorted(subjects):
            if len(stray) < KEPT:
                stray.append((seq, subject))
                if orphan:
                    orphaned.add(seq)

    previous: int | None = None
    for chunk in _record_batches(session, batch):
        index = _index_rows(session, previous, chunk[-1][0])
        rows += sum(len(s) for s in index.values())
        present = set()
        for seq, details in chunk:
            present.add(seq)
            named, listed = _named(details), index.get(seq, set())
            records += bool(named)
            for subject in sorted(named - listed):
                missing_count += 1
                if len(missing) < KEPT:
                    missing.append((seq, subject))
            if listed - named:
                note_stray(seq, listed - named, orphan=False)
        for seq in sorted(set(index) - present):
            note_stray(seq, index[seq], orphan=True)
        previous = chunk[-1][0]
    tail = _index_rows(session, previous, None)
    rows += sum(len(s) for s in tail.values())
    for seq in sorted(tail):
        note_stray(seq, tail[seq], orphan=True)
    return SubjectIndexCheck(records, rows, missing, stray, missing_count, stray_count, frozenset(orphaned))
