"""The SQLite serving database's connection settings."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from tongban.db import make_engine


def test_the_write_ahead_log_is_cut_back_after_a_transaction_larger_than_its_limit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'serving.db'}")
    wal = tmp_path / "serving.db-wal"
    try:
        with engine.begin() as conn:  # a publish: one transaction of 80 MB
            conn.execute(text("CREATE TABLE records (body BLOB)"))
            conn.execute(text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80) "
                              "INSERT INTO records SELECT zeroblob(1048576) FROM n"))
        assert wal.stat().st_size > 80 * 2**20
        with engine.begin() as conn:  # the next writer, once the log is checkpointed, starts it again
            conn.execute(text("INSERT INTO records VALUES (x'00')"))
        assert wal.stat().st_size <= 64 * 2**20
    finally:
        engine.dispose()
