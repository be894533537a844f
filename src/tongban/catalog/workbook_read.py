"""Reading the catalog workbook (xlsx) and its flat CSV twin into drafts, reporting every problem by cell.

Worksheets are streamed with expat rather than openpyxl's read-only reader: openpyxl builds every cell through its
descriptor machinery and measured about 4,000 items/s here, below the 5,000 the catalog needs. Only what the
catalog needs is read: values (cached formula results), shared and inline strings, dates by cell style, and the
merged ranges, which follow the cell data in the same stream.
"""

from __future__ import annotations

import csv
import io
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from tongban.catalog import workbook as layout
from tongban.catalog.drafts import ItemDraft, ResourceDraft, check
from tongban.catalog.workbook import ITEM_KEY, ITEM_SHEET, RESOURCE_SHEET, Column, ImportProblem, ImportResult

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
NOT_A_WORKBOOK = "the file is not an Excel workbook (.xlsx) or CSV file"
DAMAGED = ("the workbook is damaged or incomplete (perhaps cut off while uploading): save it again and upload the "
           "whole file")
_DAMAGED_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, IndexError,
                   OverflowError, expat.ExpatError, ElementTree.ParseError)
_ROW, _CELL, _TEXT, _PHONETIC, _MERGE, _STRING = range(1, 7)
_TAGS = {f"{ns}}}{local}": tag for ns in ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                          "http://purl.oclc.org/ooxml/spreadsheetml/main")
         for local, tag in (("row", _ROW), ("c", _CELL), ("v", _TEXT), ("t", _TEXT), ("rPh", _PHONETIC),
                            ("mergeCell", _MERGE), ("si", _STRING))}


class _Package(NamedTuple):
    sheets: dict[str, str]  # title → part
    strings: list[str]
    dates: frozenset[str]  # indices of cell styles whose number format is a date
    epoch: Any


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, part) for a part of the package ("" for the package itself)."""
    folder, _, name = part.rpartition("/")
    out = {}
    for rel in ElementTree.fromstring(zf.read(posixpath.join(folder, "_rels", f"{name}.rels"))).iterfind("{*}*"):
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], target)
    return out


def _package(zf: zipfile.ZipFile) -> _Package | None:
    """The parts of a workbook package, or None when the zip holds no workbook."""
    names = set(zf.namelist())
    book = next((t for kind, t in _rels(zf, "").values() if kind == "officeDocument"), "") if (
        "_rels/.rels" in names) else ""
    if not book.endswith(".xml") or book not in names:
        return None
    root, rels = ElementTree.fromstring(zf.read(book)), _rels(zf, book)
    sheets = {sheet.get("name", ""): rels.get(next((v for k, v in sheet.attrib.items() if k.endswith("}id")), ""),
                                              ("", ""))[1] for sheet in root.iterfind(".//{*}sheet")}
    properties = root.find("{*}workbookPr")
    mac = properties is not None and properties.get("date1904") in ("1", "true")
    parts = {kind: target for kind, target in rels.values()}
    dates = _date_styles(zf.read(parts["styles"])) if "styles" in parts else frozenset()
    package = _Package(sheets, [], dates, CALENDAR_MAC_1904 if mac else CALENDAR_WINDOWS_1900)
    if "sharedStrings" in parts:  # each <si> comes out as a one-cell row
        package.strings.extend(row[0] for _, row in _rows(zf.open(parts["sharedStrings"]), package))
    return package


def _date_styles(xml: bytes) -> frozenset[str]:
    root = ElementTree.fromstring(xml)
    custom = {n.get("numFmtId"): n.get("formatCode", "") for n in root.iterfind(".//{*}numFmt")}
    formats = root.findall("{*}cellXfs/{*}xf")
    return frozenset(str(i) for i, xf in enumerate(formats) if is_date_format(
        custom.get(xf.get("numFmtId", "0")) or BUILTIN_FORMATS.get(int(xf.get("numFmtId", "0")), "")))


@cache
def _column(letters: str) -> int:
    return column_index_from_string(letters)


def _rows(fh: IO[bytes], package: _Package, merges: list[str] | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) for each row with a value; a row's list ends at its last value."""
    done: list[tuple[int, list[Any]]] = []
    row: list[Any] = []
    text: list[str] = []
    row_no = column = phonetic = 0
    kind, style, capture = "n", "", False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, row_no, column, kind, style, capture, phonetic
        tag = _TAGS.get(name)
        if tag == _CELL:
            ref = attrs.get("r")
            column = _column(ref.rstrip("0123456789")) if ref else column + 1
            kind, style = attrs.get("t", "n"), attrs.get("s", "")
            text.clear()
        elif tag == _TEXT:
            capture = not phonetic
        elif tag == _ROW:
            row_no = int(attrs["r"]) if "r" in attrs else row_no + 1
            row, column = [], 0
        elif tag == _PHONETIC:
            phonetic += 1
        elif tag == _MERGE and merges is not None:
            merges.append(attrs.get("ref", ""))
        elif tag == _STRING:
            text.clear()

    def end(name: str) -> None:
        nonlocal capture, phonetic
        tag = _TAGS.get(name)
        if tag == _TEXT:
            capture = False
        elif tag == _CELL:
            value = _value(kind, "".join(text), style, package)
            if value is not None:
                if column > len(row):
                    row.extend([None] * (column - len(row)))
                row[column - 1] = value
        elif tag == _ROW and row:
            done.append((row_no, row))
        elif tag == _PHONETIC:
            phonetic -= 1
        elif tag == _STRING:
            done.append((0, ["".join(text)]))

    def data(chunk: str) -> None:
        if capture:
            text.append(chunk)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    with fh:
        while chunk := fh.read(1 << 16):
            parser.Parse(chunk, False)
            yield from done
            done.clear()
        parser.Parse(b"", True)
    yield from done


def _value(kind: str, text: str, style: str, package: _Package) -> Any:
    if kind == "s":
        return package.strings[int(text)] if text else None
    if kind == "b":
        return text == "1"
    if kind != "n":  # inlineStr, str (a formula's text), e (an error like #N/A), d (ISO date)
        return text
    if not text:
        return None
    try:
        number: float = int(text)
    except ValueError:
        number = float(text)
    return from_excel(number, package.epoch) if style in package.dates else number


class _Reader:
    """Turns rows into ParsedResources, collecting problems as it goes."""

    def __init__(self, *, csv_cells: bool) -> None:
        self.parsers = layout.CSV_PARSERS if csv_cells else layout.PARSERS
        self.problems: list[ImportProblem] = []
        self.resources: dict[str, layout.ParsedResource] = {}
        self.first: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
        self.stray_seen: set[tuple[str, int]] = set()

    def report(self, sheet: str | None, row: int | None, column: str | None, rule: str, message: str,
               **params: Any) -> None:
        self.problems.append(ImportProblem(sheet, row, column, rule, message, params))

    def row(self, sheet: str, row_no: int, row: Sequence[Any], header: layout.Header,
            index: Iterable[tuple[Column, int]] | None = None) -> dict[str, Any]:
        """The parsed cells of a row; data under no header is reported once per column."""
        if len(row) > len(header.names) or header.unlabelled:
            for position, value in enumerate(row):
                if ((position >= len(header.names) or position in header.unlabelled) and layout.filled(value)
                        and (sheet, position) not in self.stray_seen):
                    self.stray_seen.add((sheet, position))
                    letter = get_column_letter(position + 1)
                    self.report(sheet, row_no, letter, "import.extra_column",
                                "column {letter} has data but no header", letter=letter)
        return self.values(sheet, row_no, row, header.index if index is None else index)

    def values(self, sheet: str, row_no: int, row: Sequence[Any], index: Iterable[tuple[Column, int]]
               ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for column, position in index:
            value = row[position] if position < len(row) else None
            try:
                out[column.field] = self.parsers[column.kind](value)
            except layout.CellError as bad:
                self.report(sheet, row_no, column.header, bad.rule, bad.message, **bad.params)
                out[column.field] = bad.fallback
        return out

    def resource(self, sheet: str, row_no: int, fields: dict[str, Any], item_sheet: str
                 ) -> layout.ParsedResource | None:
        key = fields.pop("key")
        if not key:
            self.report(sheet, row_no, "序号", "import.missing_key", "is required")
            return None
        if key in self.resources:
            self.report(sheet, row_no, "序号", "import.duplicate_key", "{key} is already used by row {other}",
                        key=key, other=self.resources[key].row)
            return None
        code, department = fields.pop("code", "") or None, fields.pop("department")
        if not department:
            self.report(sheet, row_no, "资源提供方", "catalog.required", "is required")
        draft = ResourceDraft(**{"class_code": "", "name": "", "abstract": "", "format": "", "sharing_type": "",
                                 "update_cycle": "", "open_type": "", **fields})
        self.resources[key] = parsed = layout.ParsedResource(key, code, department, draft, sheet, row_no, [],
                                                             item_sheet)
        return parsed

    def item(self, sheet: str, row_no: int, fields: dict[str, Any], resource: layout.ParsedResource | None = None
             ) -> None:
        key = fields.pop("key", None)
        if resource is None and not key:
            self.report(sheet, row_no, ITEM_KEY.header, "import.missing_key", "is required")
        elif resource is None and key not in self.resources:
            self.report(sheet, row_no, ITEM_KEY.header, "import.orphan_item", "no resource is numbered {key}", key=key)
        else:
            resource = resource or self.resources[key]
            resource.draft.items.append(ItemDraft(**{"name": "", "code": "", "data_type": "", **fields}))
            resource.item_rows.append(row_no)

    def finish(self, result: ImportResult) -> ImportResult:
        """Check every draft (skipping cells already reported), then sort all problems by sheet, row and column."""
        at_fault = {(p.sheet, p.row, p.column) for p in self.problems}
        for resource in self.resources.values():
            for error in check(resource.draft):
                problem = layout.locate(resource, error)
                if (problem.sheet, problem.row, problem.column) not in at_fault:
                    self.problems.append(problem)
        if not self.resources and not self.problems:
            self.report(None, None, None, "import.empty", "there are no resources in the file")
        result.resources = list(self.resources.values())
        result.problems = sorted(self.problems, key=layout.problem_order)
        return result


def _read_xlsx(data: bytes, result: ImportResult) -> ImportResult:
    reader = _Reader(csv_cells=False)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            package = _package(archive)
            if package is None:
                reader.report(None, None, None, "import.not_a_workbook", NOT_A_WORKBOOK)
            else:
                _read_sheets(reader, archive, package)
    except _DAMAGED_ERRORS:
        reader.problems, reader.resources = [], {}
        reader.report(None, None, None, "import.truncated", DAMAGED)
    return reader.finish(result)


def _read_sheets(reader: _Reader, archive: zipfile.ZipFile, package: _Package) -> None:
    columns = {RESOURCE_SHEET: layout.RESOURCE_COLUMNS, ITEM_SHEET: (ITEM_KEY, *layout.ITEM_COLUMNS)}
    for name in (name for name in columns if name not in package.sheets):
        reader.report(None, None, None, "import.missing_sheet", "the workbook has no sheet named {name}", name=name)
    if reader.problems:
        return
    merges: dict[str, list[str]] = {name: [] for name in columns}
    rows = {name: _rows(archive.open(package.sheets[name]), package, merges[name]) for name in columns}
    headers = {}
    for name in columns:
        row_no, cells = next(rows[name], (1, []))
        headers[name], problems = layout.read_header(name, cells if row_no == 1 else [], columns[name])
        reader.problems += problems
    for name, header in headers.items():
        if all(headers.values()):
            for row_no, row in rows[name]:
                if any(map(layout.filled, row)):
                    fields = reader.row(name, row_no, row, header)
                    if name == RESOURCE_SHEET:
                        reader.resource(name, row_no, fields, ITEM_SHEET)
                    else:
                        reader.item(name, row_no, fields)
        for _ in rows[name]:  # the merged ranges follow the cell data
            pass
        names = header.names if header else []
        for ref in merges[name]:
            min_col, min_row, _, _ = range_boundaries(ref)
            label = names[min_col - 1] if min_col <= len(names) and names[min_col - 1] else get_column_letter(min_col)
            reader.report(name, min_row, label, "import.merged_cells",
                          "cells {cells} are merged: unmerge them and fill in every cell", cells=ref)


def _read_csv(data: bytes, sheet: str, result: ImportResult) -> ImportResult:
    reader = _Reader(csv_cells=True)
    decoded = layout.decode_csv(data)
    if decoded is None:
        reader.report(None, None, None, "import.not_a_workbook", NOT_A_WORKBOOK)
        return reader.finish(result)
    text, result.encoding, guessed = decoded
    first_line = text.split("\n", 1)[0]
    rows = csv.reader(io.StringIO(text, newline=""),
                      delimiter="\t" if "\t" in first_line and "," not in first_line else ",")
    columns = (*layout.RESOURCE_COLUMNS, *layout.ITEM_COLUMNS)
    try:
        cells = next(rows, [])
        if guessed and not {re.sub(r"\s+", "", c) for c in cells} & {c.header for c in columns}:
            reader.report(None, None, None, "import.encoding", "the text encoding could not be recognised (best "
                          "guess {encoding}): save the CSV as UTF-8 or GB18030", encoding=result.encoding)
            return reader.finish(result)
        header, problems = layout.read_header(sheet, cells, columns)
        reader.problems += problems
        if header is not None:
            _read_csv_rows(reader, sheet, rows, header)
    except csv.Error:
        reader.report(sheet, rows.line_num, None, "import.malformed", "the CSV file cannot be read past this row")
    return reader.finish(result)


def _read_csv_rows(reader: _Reader, sheet: str, rows: Iterable[list[str]], header: layout.Header) -> None:
    key_at = next(p for c, p in header.index if c.field == "key")
    res_index = [(c, p) for c, p in header.index if c in layout.RESOURCE_COLUMNS]
    item_index = [(c, p) for c, p in header.index if c in layout.ITEM_COLUMNS]
    for row_no, row in enumerate(rows, start=2):
        if not any(map(layout.filled, row)):
            continue
        key = layout.parse_key(row[key_at]) if key_at < len(row) else ""
        if not key:
            reader.report(sheet, row_no, "序号", "import.missing_key", "is required")
            continue
        raw = tuple(row[p] if p < len(row) else "" for _, p in res_index)
        resource = reader.resources.get(key)
        if resource is None:
            fields = reader.row(sheet, row_no, row, header, res_index)
            resource = reader.resource(sheet, row_no, dict(fields), sheet)
            if resource is None:
                continue
            reader.first[key] = (raw, fields)
        elif raw != reader.first[key][0]:
            _compare(reader, sheet, row_no, row, res_index, resource)
        if any(layout.filled(row[p]) for _, p in item_index if p < len(row)):
            reader.item(sheet, row_no, reader.row(sheet, row_no, row, header, item_index), resource)


def _compare(reader: _Reader, sheet: str, row_no: int, row: Sequence[str], index: list[tuple[Column, int]],
             resource: layout.ParsedResource) -> None:
    """A repeated resource cell must say what the resource's first row said."""
    first_raw, first = reader.first[resource.key]
    for (column, position), first_cell in zip(index, first_raw, strict=True):
        cell = row[position] if position < len(row) else ""
        if not layout.filled(cell):
            continue
        if reader.values(sheet, row_no, row, [(column, position)])[column.field] != first[column.field]:
            reader.report(sheet, row_no, column.header, "import.conflicting_value",
                          "{value} differs from {expected} given for resource {key} in row {other}",
                          value=layout.cell_text(cell), expected=layout.cell_text(first_cell), key=resource.key,
                          other=resource.row)


def read_workbook(source: bytes | str | os.PathLike[str], *, filename: str) -> ImportResult:
    """Read a catalog workbook (.xlsx) or flat CSV, chosen by content; every problem is reported, none raised."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if not data.strip():
        return ImportResult(problems=[ImportProblem(None, None, None, "import.empty", "the file is empty")])
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, ImportResult())
    if data.startswith(OLE2_MAGIC):
        return ImportResult(problems=[ImportProblem(None, None, None, "import.encrypted", "the file is encrypted or "
                                                    "in the old .xls format: save it as .xlsx without a password")])
    return _read_csv(data, filename or "CSV", ImportResult())
