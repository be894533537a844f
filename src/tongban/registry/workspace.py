"""A base's working directory: ingested and standardised feeds, the DuckDB file, and the build lock.

DuckDB runs file-backed with a memory limit and a spill directory, so a build larger than memory spills to disk
instead of failing; the lock is an OS file lock, released by the kernel even when a build is killed with -9.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from tongban.errors import Conflict


@dataclass(frozen=True)
class Workspace:
    """Paths of one base's batch work under the data directory."""

    root: Path

    @classmethod
    def of(cls, registry_dir: Path, base: str) -> Workspace:
        return cls(registry_dir / base)

    def ingested(self, feed_id: int) -> Path:
        return self.root / "ingested" / f"{feed_id}.parquet"

    def rejects(self, feed_id: int) -> Path:
        return self.root / "ingested" / f"{feed_id}.rejects.parquet"

    @property
    def database(self) -> Path:
        return self.root / "work.duckdb"

    @property
    def library(self) -> Path:
        """The standardised rows of the published standard addresses: the address base writes it after each
        publish, and the other bases link their addresses to it."""
        return self.root / "library.parquet"

    @property
    def pending_library(self) -> Path:
        """The library of a build not yet published (renamed to :attr:`library` once it is)."""
        return self.root / "library.pending.parquet"

    @property
    def spill(self) -> Path:
        return self.root / "spill"

    def connect(self, *, memory_limit: str = "4GB", threads: int | None = None) -> duckdb.DuckDBPyConnection:
        """The base's DuckDB database, bounded in memory and spilling to disk."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.spill.mkdir(exist_ok=True)
        con = duckdb.connect(str(self.database))
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{self.spill}'")
        con.execute("SET preserve_insertion_order = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        return con

    @contextmanager
    def lock(self, base: str) -> Iterator[None]:
        """Hold the base's build lock, or refuse at once naming the process that holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "build.lock"
        with path.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "?"
                raise Conflict("A build of the {base} base is already running (process {pid})",
                               code="registry.build_running", params={"base": base, "pid": holder}) from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def load_rows(con: duckdb.DuckDBPyConnection, name: str, schema: dict[str, pa.DataType], rows: Any) -> None:
    """Temporary DuckDB table ``name`` holding ``rows`` (tuples in the order of ``schema``), moved as one Arrow
    table: an INSERT per row into DuckDB costs milliseconds."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    arrow = pa.table({c: pa.array(list(v), type=t) for (c, t), v in zip(schema.items(), columns, strict=True)})
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM arrow")  # DuckDB reads the local ``arrow``
