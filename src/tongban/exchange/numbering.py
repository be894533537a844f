"""Day-numbered records people quote (GX20261127-0001 for a sharing request, YY20261127-0001 for a doubt): the
day's next number, taken in a savepoint so that one taken meanwhile by a concurrent submission is skipped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session


def add_numbered(session: Session, row: Any, column: InstrumentedAttribute[str], prefix: str, *,
                 tries: int = 5) -> None:
    """Add ``row`` with ``number`` = ``prefix`` and the next four-digit sequence after the highest ``column``
    starting with ``prefix``; on a clash (the unique number taken meanwhile) try the next one."""
    for attempt in range(tries):
        last = session.scalar(select(func.max(column)).where(column.like(prefix + "%")))
        row.number = f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return
        except IntegrityError:
            if attempt == tries - 1:
                raise
