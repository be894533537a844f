"""A base's linked rows split by key hash into Parquet parts, so that the work done per key runs a part at a time.

Survivorship, duplicates, conflicts and linkage's latest values per person each group or join every linked row by
its key. Over all rows at once their hash tables outgrow memory at 24 M people and spill (linkage's latest values
alone took 120 s there, over twice its share at 1 M), and each joined the wide rows to their keys again. Written
once, with the key, as files partitioned by ``hash(key) % parts`` in the spill directory, every key's rows are in
one part, and a part's work fits in memory. A row linked later (by linkage) is written to the same part as its
key's other rows, as a second set of files. The files are scratch: removed when the build's matching is done, and
made afresh by the next.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class KeyParts:
    """Sets of rows (``write``), each partitioned by key hash into ``count`` parts under ``directory``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, directory: Path, count: int, columns: Sequence[str]) -> None:
        self.con, self.directory, self.count = con, directory, count
        self.columns = ", ".join(_q(c) for c in dict.fromkeys(columns))
        self.sets: list[str] = []
        self.empty = ""  # a relation of no rows with the parts' columns, for a base with nothing linked

    def write(self, name: str, relation: str) -> None:
        """Write the rows of ``relation`` (a SQL relation with a ``key`` and every column) as the set ``name``."""
        self.con.execute(f"""COPY (SELECT hash(key) % {self.count} AS _part, {self.columns} FROM {relation})
                             TO '{self.directory / name}' (FORMAT parquet, PARTITION_BY (_part))""")
        self.sets.append(name)
        if not self.empty:  # kept as a table: the relation may be a view that is gone by the time it is wanted
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE _key_parts_empty AS SELECT {self.columns} FROM {relation} "
                             "LIMIT 0")
            self.empty = "_key_parts_empty"

    def _files(self, part: int, sets: Sequence[str]) -> list[str]:
        return [f"'{self.directory / s / f'_part={part}'}/*.parquet'" for s in sets
                if (self.directory / s / f"_part={part}").is_dir()]

    def sources(self, *sets: str) -> list[str]:
        """Per part that has rows, a relation of its rows in ``sets`` (default: every set)."""
        every = (self._files(part, sets or self.sets) for part in range(self.count))
        return [f"read_parquet([{', '.join(files)}], union_by_name = true)" for files in every if files]

    def everything(self, *sets: str) -> str:
        """A relation of every row of ``sets`` (default: every set)."""
        files = [f for part in range(self.count) for f in self._files(part, sets or self.sets)]
        return f"read_parquet([{', '.join(files)}], union_by_name = true)" if files else self.empty


@contextmanager
def key_parts(con: duckdb.DuckDBPyConnection, rows: int, per_part: int, columns: Sequence[str]) -> Iterator[KeyParts]:
    """Parts for ``rows`` rows, about ``per_part`` in each, in the spill directory; removed on leaving."""
    (spill,) = con.execute("SELECT current_setting('temp_directory')").fetchone() or ("",)
    root = Path(spill or ".")
    root.mkdir(parents=True, exist_ok=True)
    for left in root.glob("key-parts-*-*"):  # a killed build's
        if not _alive(left.name.split("-")[2]):
            shutil.rmtree(left, ignore_errors=True)
    # a directory of its own: two connections may share a spill directory (tests' in-memory ones use ".tmp")
    directory = Path(tempfile.mkdtemp(prefix=f"key-parts-{os.getpid()}-", dir=root))
    try:
        yield KeyParts(con, directory, max(1, -(-int(rows) // per_part)), columns)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        con.execute("DROP TABLE IF EXISTS _key_parts_empty")


def _alive(pid: str) -> bool:
    """Whether process ``pid`` still runs (a name that is no pid is taken as alive: left alone)."""
    if not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
