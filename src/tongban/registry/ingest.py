"""Ingest: a delivered feed becomes a Parquet file of its rows, each with its 1-based data-row number.

Streaming both ways — pyarrow reads the CSV block by block and the Parquet file is written batch by batch — so a
feed larger than memory goes through. Every value stays text exactly as delivered; standardising is the next stage.
A row that cannot be read as a row of the feed (too few or too many fields, a quote never closed, a line that is not
a JSON object) becomes a reject with its data-row number, the rule and its raw text: nothing is lost. While the rows
pass, each column's values that are not blank are counted (the quality report's completeness of the feed) and kept
in the file's metadata (:func:`non_empty`): counted later, they cost a second read of every value.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BATCH = 100_000
NON_EMPTY = b"tongban.non_empty"  # the Parquet metadata key: JSON {column: values not blank}
_BLANK = r"^\p{Zs}*$"  # empty, or nothing but space separators: what DuckDB's trim() leaves empty
_ROW = re.compile(r"Row #(\d+)")  # pyarrow's record number, the header being 1
BLOCK = 8 << 20
REJECT_SCHEMA = pa.schema([("row", pa.int64()), ("rule", pa.string()), ("detail", pa.string()),
                           ("text", pa.string())])


class FeedUnreadable(Exception):
    """The file stops being readable part-way (an unterminated quote, bytes not in its encoding)."""

    def __init__(self, row: int, detail: str) -> None:
        super().__init__(detail)
        self.row = row
        self.detail = detail


@dataclass(frozen=True)
class Ingested:
    """Counts of an ingested feed: rows read = rows kept + rows rejected."""

    rows: int
    rejected: int


def _schema(columns: list[str]) -> pa.Schema:
    return pa.schema([("row", pa.int64()), *((c, pa.string()) for c in columns)])


class _Numbering:
    """Gives kept rows their data-row numbers, skipping the numbers of rejected rows (reported first, in order)."""

    def __init__(self) -> None:
        self.next = 1
        self.rejected: set[int] = set()

    def take(self, count: int) -> np.ndarray:
        ahead = sorted(n for n in self.rejected if n >= self.next)
        candidates = np.arange(self.next, self.next + count + len(ahead), dtype=np.int64)
        if ahead:
            candidates = candidates[~np.isin(candidates, ahead)]
        numbers = candidates[:count]
        self.next = int(numbers[-1]) + 1 if count else self.next
        self.rejected = {n for n in self.rejected if n >= self.next}
        return numbers


def _csv_batches(path: Path, encoding: str, columns: list[str], rejects: list[dict[str, object]],
                 numbering: _Numbering) -> Iterator[pa.RecordBatch]:
    def invalid(row: pacsv.InvalidRow) -> str:
        number = (row.number or 0) - 1  # pyarrow counts the header as row 1
        numbering.rejected.add(number)
        rule = "feed.unterminated_quote" if row.text.count('"') % 2 else "feed.field_count"
        rejects.append({"row": number, "rule": rule,
                        "detail": f"{row.actual_columns}/{row.expected_columns}", "text": row.text})
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=BLOCK, skip_rows=1, column_names=columns,
                                           encoding="utf-8" if encoding == "utf-8-sig" else encoding),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            yield pa.RecordBatch.from_arrays([pa.array(numbering.take(batch.num_rows)), *batch.columns],
                                             schema=_schema(columns))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        detail = str(exc).splitlines()[0][:300]
        where = _ROW.search(detail)
        raise FeedUnreadable(int(where.group(1)) - 1 if where else numbering.next, detail) from None


def _rows_batches(rows: Iterator[tuple[int, list[str] | None, str, str]], columns: list[str],
                  rejects: list[dict[str, object]]) -> Iterator[pa.RecordBatch]:
    """Batches from (row number, values or None, rule, text) tuples (xlsx and JSON Lines)."""
    numbers: list[int] = []
    values: list[list[str]] = [[] for _ in columns]
    for number, row, rule, text in rows:
        if row is None:
            rejects.append({"row": number, "rule": rule, "detail": "", "text": text[:2000]})
            continue
        numbers.append(number)
        for column, value in zip(values, row, strict=True):
            column.append(value)
        if len(numbers) >= BATCH:
            yield _batch(numbers, values, columns)
            numbers, values = [], [[] for _ in columns]
    if numbers:
        yield _batch(numbers, values, columns)


def _batch(numbers: list[int], values: list[list[str]], columns: list[str]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array(numbers, pa.int64()), *(pa.array(v, pa.string()) for v in values)],
                                      schema=_schema(columns))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if getattr(value, "hour", 0) == 0 else value.isoformat()
    return str(value)


def _xlsx_rows(path: Path, columns: list[str]) -> Iterator[tuple[int, list[str] | None, str, str]]:
    from openpyxl import load_workbook

    with path.open("rb") as handle:
        book = load_workbook(handle, read_only=True, data_only=True)
        try:
            for number, row in enumerate(book.worksheets[0].iter_rows(min_row=2, values_only=True), start=1):
                cells = [_cell(v) for v in row]
                while len(cells) > len(columns) and cells[-1] == "":
                    cells.pop()
                if len(cells) > len(columns):
                    yield number, None, "feed.field_count", "\t".join(cells)
                else:
                    yield number, cells + [""] * (len(columns) - len(cells)), "", ""
        finally:
            book.close()


def _jsonl_rows(path: Path, encoding: str, names: dict[str, str],
                columns: list[str]) -> Iterator[tuple[int, list[str] | None, str, str]]:
    number = 0
    with path.open(encoding=encoding) as handle:
        for line in handle:
            if not line.strip():
                continue
            number += 1
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                yield number, None, "feed.bad_json", line
                continue
            if not isinstance(value, dict):
                yield number, None, "feed.not_object", line
                continue
            by_code = {names.get(k.strip(), k.strip()): v for k, v in value.items()}
            yield number, [_cell(by_code.get(c)) for c in columns], "", ""


def ingest_feed(path: Path, fmt: str, encoding: str, columns: list[str], out: Path, rejects_out: Path, *,
                names: dict[str, str] | None = None, progress: Callable[[int], None] | None = None) -> Ingested:
    """Write ``out`` (the rows) and ``rejects_out`` (what could not be read) for one feed, atomically: both files
    appear only when the whole feed has been read. ``names`` maps JSON keys (item names) to item codes."""
    rejects: list[dict[str, object]] = []
    numbering = _Numbering()
    if fmt == "csv":
        batches = _csv_batches(path, encoding, columns, rejects, numbering)
    elif fmt == "xlsx":
        batches = _rows_batches(_xlsx_rows(path, columns), columns, rejects)
    else:
        batches = _rows_batches(_jsonl_rows(path, encoding, names or {}, columns), columns, rejects)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    kept = 0
    present = dict.fromkeys(columns, 0)
    try:
        with pq.ParquetWriter(partial, _schema(columns), compression="zstd") as writer:
            for batch in batches:
                writer.write_batch(batch)
                kept += batch.num_rows
                for column in columns:
                    present[column] += _present(batch.column(column))
                if progress:
                    progress(batch.num_rows)
            writer.add_key_value_metadata({NON_EMPTY: json.dumps(present, ensure_ascii=False).encode()})
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    table = pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA)
    rejects_partial = rejects_out.with_suffix(".partial")
    rejects_out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, rejects_partial)
    os.replace(rejects_partial, rejects_out)
    os.replace(partial, out)
    return Ingested(kept + len(rejects), len(rejects))


def _present(values: pa.Array) -> int:
    """How many of ``values`` are not null and not blank. Only a value of nothing but whitespace can be blank, so
    the regular expression runs on those few."""
    spaced = values.filter(pc.utf8_is_space(values))
    empty = pc.sum(pc.equal(pc.binary_length(values), 0)).as_py() or 0
    blank = (pc.sum(pc.match_substring_regex(spaced, _BLANK)).as_py() or 0) if len(spaced) else 0
    return len(values) - values.null_count - empty - blank


def non_empty(path: Path) -> dict[str, int] | None:
    """Per column of an ingested file, its values that are not blank, as counted while ingesting (None for a file
    ingested before they were counted)."""
    stored = (pq.read_metadata(path).metadata or {}).get(NON_EMPTY)
    return None if stored is None else {str(k): int(v) for k, v in json.loads(stored).items()}
