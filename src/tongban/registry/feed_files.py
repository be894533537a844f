"""What a delivered feed file is: its format, its text encoding and its header, read without loading the file.

A department delivers CSV (UTF-8 with or without BOM, or GB18030/GBK), Excel (.xlsx) or JSON Lines. The header must
name the resource's data items, by Chinese name or by item code; anything else is refused with the column and rule.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes
from openpyxl.utils.exceptions import InvalidFileException

from tongban.errors import FieldError

SAMPLE = 1 << 20  # bytes read to decide the encoding
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_OLE = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted (password-protected) workbook


@dataclass(frozen=True)
class Item:
    """A data item the header may name."""

    code: str
    name: str


@dataclass(frozen=True)
class Header:
    """The columns of a feed file, as item codes in file order, and the resource's items it lacks."""

    format: str
    encoding: str
    columns: list[str]
    missing: list[str]


def _problem(field: str, rule: str, message: str, **params: object) -> FieldError:
    return FieldError(field, message, code=rule, params=params)


def file_format(filename: str, head: bytes) -> tuple[str | None, FieldError | None]:
    """The feed format from the file name, checked against the first bytes."""
    fmt = FORMATS.get(Path(filename).suffix.lower())
    if head.startswith(_OLE):
        return None, _problem("file", "registry.xls", "An old .xls or a password-protected workbook: save it as .xlsx "
                                                        "without a password")
    if fmt is None:
        return None, _problem("file", "registry.format", "Deliver CSV, .xlsx or JSON Lines (.jsonl), not {name}",
                              name=Path(filename).suffix or filename)
    if fmt == "xlsx" and not head.startswith(b"PK\x03\x04"):
        return None, _problem("file", "registry.not_xlsx", "The file is named .xlsx but is not an Excel workbook")
    return fmt, None


def text_encoding(sample: bytes, *, whole: bool) -> str | None:
    """The encoding of a CSV or JSON Lines sample: a BOM, else strict UTF-8, else GB18030, else a detector's guess.

    ``whole`` says the sample is the entire file (a multi-byte character cut at the end of a partial sample is not
    an error)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for candidate in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(candidate)().decode(sample, final=whole)
            return candidate
        except UnicodeDecodeError:
            continue
    best = from_bytes(sample).best()
    return best.encoding if best is not None else None


def _csv_header(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding, newline="") as handle:
        return next(csv.reader(handle), [])


def _jsonl_header(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding) as handle:
        for line in handle:
            if line.strip():
                value = json.loads(line)
                return list(value) if isinstance(value, dict) else []
    return []


def _xlsx_header(path: Path) -> list[str]:
    from openpyxl import load_workbook

    with path.open("rb") as handle:  # a file object: the stored name has no .xlsx for openpyxl to check
        workbook = load_workbook(handle, read_only=True, data_only=True)
        try:
            for row in workbook.worksheets[0].iter_rows(max_row=1, values_only=True):
                return ["" if v is None else str(v) for v in row]
            return []
        finally:
            workbook.close()


def read_header(path: Path, fmt: str, encoding: str) -> list[str]:
    """The header names of a feed file; raises ValueError when the file cannot be read as its format."""
    try:
        if fmt == "csv":
            return _csv_header(path, encoding)
        if fmt == "jsonl":
            return _jsonl_header(path, encoding)
        return _xlsx_header(path)
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error, zipfile.BadZipFile, KeyError, OSError,
            InvalidFileException) as exc:
        raise ValueError(str(exc)) from exc


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def map_columns(names: Sequence[str], items: Sequence[Item]) -> tuple[list[str], list[str], list[FieldError]]:
    """(item codes in file order, item codes the file lacks, problems) for a header."""
    lookup: dict[str, str] = {}
    for item in items:
        lookup[_key(item.name)] = item.code
        lookup[_key(item.code)] = item.code
    codes: list[str] = []
    problems: list[FieldError] = []
    for number, name in enumerate(names, start=1):
        code = lookup.get(_key(name))
        if not name.strip():
            problems.append(_problem(f"column {number}", "registry.empty_header", "The header is empty",
                                     column=number))
        elif code is None:
            problems.append(_problem(f"column {number}", "registry.unknown_column",
                                     "{name} is not a data item of this resource", column=number, name=name))
        elif code in codes:
            problems.append(_problem(f"column {number}", "registry.duplicate_column", "{name} appears twice",
                                     column=number, name=name))
        else:
            codes.append(code)
    if not names:
        problems.append(_problem("header", "registry.no_header", "The file has no header row"))
    missing = [item.code for item in items if item.code not in codes]
    return codes, missing, problems


def inspect(path: Path, filename: str, items: Sequence[Item]) -> tuple[Header | None, list[FieldError]]:
    """Everything the registry needs to know about a stored file before it accepts it as a feed."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE)
        whole = not handle.read(1)
    if not sample:
        return None, [_problem("file", "registry.empty", "The file is empty")]
    fmt, problem = file_format(filename, sample)
    if problem is not None or fmt is None:
        return None, [problem] if problem else []
    encoding = "" if fmt == "xlsx" else text_encoding(sample, whole=whole)
    if encoding is None:
        return None, [_problem("file", "registry.encoding",
                               "Cannot tell the text encoding: save the file as UTF-8 or GB18030")]
    try:
        names = read_header(path, fmt, encoding)
    except ValueError:
        return None, [_problem("file", "registry.unreadable", "The file cannot be read as {format}",
                               format=fmt.upper())]
    codes, missing, problems = map_columns(names, items)
    return (Header(fmt, encoding, codes, missing) if not problems else None), problems


def sample_text(data: bytes, encoding: str) -> str:
    """A short, safe preview of a text file's beginning (for reports)."""
    return io.TextIOWrapper(io.BytesIO(data[:400]), encoding=encoding, errors="replace").read()
