"""The transaction boundary used by entrypoints: commit on success; on a domain error roll back,
then keep the error's audit event (denials and failures are logged even though the work is undone)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from tongban.audit.service import record
from tongban.errors import TongbanError


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work; use cases inside never commit."""
    session = factory()
    try:
        yield session
        session.commit()
    except TongbanError as exc:
        session.rollback()
        if exc.audit is not None:
            record(session, exc.audit)
            session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
