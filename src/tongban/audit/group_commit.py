"""Group commit for high-rate audited calls (the exchange API): many events appended in one statement each and
committed together, while every caller waits for the commit that holds its event — so a caller that answers after
``GroupCommit.write`` returned cannot lose its record, and the log keeps up with thousands of calls a second.

``record_many`` appends events exactly as ``service.record`` appends them one by one (same fields, same canonical
content, same chain; ``verify_chain`` cannot tell the difference); ``GroupCommit`` is the one writer thread that
batches what arrives while it commits the previous batch — no added wait when calls are few.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future

from sqlalchemy import bindparam, insert, update
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from tongban.audit.chain import GENESIS, record_hash
from tongban.audit.model import AuditHead, AuditRecord, AuditSubject
from tongban.audit.service import OUTCOMES, AuditEvent, content_fields
from tongban.db import utcnow

log = logging.getLogger("tongban.audit")


_HEAD = AuditHead.__table__
# Bumping nothing takes the head's lock (the row on PostgreSQL, the write lock on SQLite) and reads where the chain
# ends in one statement; appends stay serialised as in record(). Statements are built once: building costs more
# than running them.
_LOCK_HEAD = (update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq)
              .returning(_HEAD.c.seq, _HEAD.c.hash))
_NEW_HEAD = insert(_HEAD).values(id=1, seq=0, hash=GENESIS)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("last_seq"), hash=bindparam("last_hash"))
_ADD_RECORDS = insert(AuditRecord.__table__)
_ADD_SUBJECTS = insert(AuditSubject.__table__)


def record_many(session: Session | Connection, events: Sequence[AuditEvent], *, now: dt.datetime | None = None) -> int:
    """Append ``events`` in order inside the caller's transaction (never commits); returns the last seq."""
    if not events:
        raise ValueError("no events to record")
    for event in events:
        if event.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {event.outcome!r}")
    conn = session.connection() if isinstance(session, Session) else session
    head = conn.execute(_LOCK_HEAD).first()
    if head is None:
        conn.execute(_NEW_HEAD)
        head = conn.execute(_LOCK_HEAD).first()
    assert head is not None
    seq, prev_hash = head
    rows, subjects = [], []
    for event in events:
        seq += 1
        fields = content_fields(event, now or utcnow())
        digest = record_hash(prev_hash, fields)
        rows.append({"seq": seq, "prev_hash": prev_hash, "hash": digest, **fields})
        subjects += [{"subject": s, "seq": seq} for s in dict.fromkeys(event.subjects)]
        prev_hash = digest
    conn.execute(_ADD_RECORDS, rows)
    if subjects:
        conn.execute(_ADD_SUBJECTS, subjects)
    conn.execute(_MOVE_HEAD, {"last_seq": seq, "last_hash": prev_hash})
    return seq


class GroupCommit:
    """One writer thread appending audit events in batches; ``write`` returns once the event is committed.

    A batch that fails is retried event by event, so one bad event fails alone; a caller whose event could not be
    written gets the exception (and must not answer with data)."""

    def __init__(self, engine: Engine, *, max_batch: int = 500, linger: float = 0.001, timeout: float = 60.0) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._linger = linger
        self._timeout = timeout
        self._queue: queue.SimpleQueue[tuple[AuditEvent, Future[int]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_size = 0
        self.batches = 0  # how many commits, for the statistics and the tests
        self.written = 0

    def submit(self, event: AuditEvent) -> Future[int]:
        """Queue ``event``; the future resolves to its seq once committed."""
        future: Future[int] = Future()
        self._start()
        self._queue.put((event, future))
        return future

    def write(self, event: AuditEvent) -> int:
        """Append ``event`` and wait until it is committed; returns its seq."""
        return self.submit(event).result(self._timeout)

    def close(self) -> None:
        """Write what is queued, then stop the writer."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(self._timeout)

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tongban-audit-group-commit", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            lingered = False
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    if lingered or not self._linger or self._last_size < 2:
                        break
                    lingered = True  # under load: wait a moment for more calls to share the commit
                    time.sleep(self._linger)
                    continue
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._last_size = len(batch)
            self._commit(batch)

    def _commit(self, batch: list[tuple[AuditEvent, Future[int]]]) -> None:
        try:
            with self._engine.begin() as conn:
                last = record_many(conn, [event for event, _ in batch])
        except Exception:
            if len(batch) > 1:
                for one in batch:
                    self._commit([one])
                return
            log.exception("an audit event could not be written")
            batch[0][1].set_exception(RuntimeError("the audit record could not be written"))
            return
        self.batches += 1
        self.written += len(batch)
        first = last - len(batch) + 1
        for n, (_, future) in enumerate(batch):
            future.set_result(first + n)
