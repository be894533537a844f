"""CSV files written chunk by chunk: Arrow's C++ writer for the rows, a hand-written header, any encoding.

Values are written bare (``310101…,王芳,女``) as departments' exports usually are; a chunk holding a comma, quote or
line break in some value is written with RFC 4180 quoting instead. The header is written by hand for the same
reason. UTF-8 files are written by Arrow straight into the file; a file in a legacy encoding (GB18030) is rendered
as UTF-8 in memory and transcoded one chunk at a time, which keeps memory bounded while the rows are still written
by the vectorised writer.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pa_csv

_BARE = pa_csv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)
_QUOTED = pa_csv.WriteOptions(include_header=False, quoting_style="needed", batch_size=65_536)


def _render(table: pa.Table) -> bytes:
    """The rows as UTF-8 CSV in memory: bare values, unless one holds a comma, quote or line break."""
    sink = pa.BufferOutputStream()
    try:
        pa_csv.write_csv(table, sink, _BARE)
    except pa.ArrowInvalid:  # Arrow refuses structural characters in bare values
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(table, sink, _QUOTED)
    return sink.getvalue().to_pybytes()


class CsvFile:
    """One CSV file being appended to; ``rows`` counts the data rows written so far."""

    def __init__(self, path: Path, headers: Sequence[str], encoding: str = "utf-8") -> None:
        self.path, self.headers, self.encoding = path, tuple(headers), encoding
        self.rows = 0
        self._utf8 = codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}
        self._out: BinaryIO = path.open("wb")
        self._out.write(",".join(self.headers).encode(encoding) + b"\n")  # utf-8-sig writes the BOM here

    def append(self, table: pa.Table) -> None:
        """Write the table's rows (its columns in header order)."""
        if table.num_rows == 0:
            return
        if self._utf8:
            self._write_utf8(table)
        else:
            self._out.write(_render(table).decode("utf-8").encode(self.encoding))
        self.rows += table.num_rows

    def _write_utf8(self, table: pa.Table) -> None:
        """Straight into the file (three times faster than via memory); on refusal, rewind and quote."""
        start = self._out.tell()
        try:
            pa_csv.write_csv(table, self._out, _BARE)
        except pa.ArrowInvalid:
            self._out.seek(start)
            self._out.truncate()
            pa_csv.write_csv(table, self._out, _QUOTED)

    def close(self) -> None:
        """Flush and close the file."""
        self._out.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
