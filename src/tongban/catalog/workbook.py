"""The catalog's file formats: the workbook departments fill in, its CSV twin, and the exports. Pure: no database.

Layout (Chinese headers, row 1 of each sheet):

    资源     one row per resource, keyed by 序号 (a workbook-local key)
    信息项   one row per data item, 资源序号 naming its resource's 序号
    CSV      one flat file, one row per data item: the resource columns, then the item columns

This module holds the layout, the result types and how each kind of cell is read. ``read_workbook`` (in
``workbook_read``) reports every problem it finds as an :class:`ImportProblem` located by sheet, row and Chinese
column header; applying the result, all or nothing, is the service's job. ``template_workbook`` and the
``write_*`` exports live in ``workbook_write``. Messages are English msgids; ``IMPORT_MESSAGES_ZH`` has the Chinese.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import charset_normalizer

from tongban.catalog import vocab
from tongban.catalog.drafts import ResourceDraft
from tongban.errors import FieldError

RESOURCE_SHEET = "资源"
ITEM_SHEET = "信息项"
GUIDE_SHEET = "填写说明"


class Column(NamedTuple):
    """One column of the layout: its header, the field it fills, how its cells are read, whether it must exist."""

    header: str
    field: str
    kind: str
    required: bool


RESOURCE_COLUMNS: tuple[Column, ...] = (
    Column("序号", "key", "key", True),
    Column("资源代码", "code", "code", False),
    Column("资源分类代码", "class_code", "code", True),
    Column("资源名称", "name", "text", True),
    Column("资源提供方", "department", "text", True),
    Column("资源摘要", "abstract", "text", True),
    Column("资源格式", "format", "format", True),
    Column("共享类型", "sharing_type", "sharing_type", True),
    Column("共享条件", "sharing_condition", "text", False),
    Column("共享方式", "share_methods", "share_methods", False),
    Column("开放类型", "open_type", "open_type", True),
    Column("开放条件", "open_condition", "text", False),
    Column("更新周期", "update_cycle", "update_cycle", True),
    Column("法律依据", "legal_basis", "text", False),
    Column("关联资源代码", "related_codes", "codes", False),
    Column("数据量", "record_count", "int", False),
)
ITEM_KEY = Column("资源序号", "key", "key", True)
ITEM_COLUMNS: tuple[Column, ...] = (
    Column("信息项名称", "name", "text", True),
    Column("信息项代码", "code", "code", True),
    Column("数据类型", "data_type", "data_type", True),
    Column("数据长度", "length", "int", False),
    Column("描述", "description", "text", False),
    Column("是否个人信息", "personal", "bool", False),
    Column("敏感级别", "sensitivity", "grade", False),
    Column("是否数源", "authoritative", "bool", False),
)
# Written by exports, set by the platform: accepted on import and ignored.
EXPORT_ONLY_HEADERS: tuple[str, ...] = ("状态", "版本", "发布日期")

HEADER_OF: dict[str, str] = {c.field: c.header for c in RESOURCE_COLUMNS} | {
    f"items.{c.field}": c.header for c in ITEM_COLUMNS}

IMPORT_MESSAGES_ZH: dict[str, str] = {
    "the file is empty": "文件是空的",
    "there are no resources in the file": "文件中没有任何资源",
    "the file is not an Excel workbook (.xlsx) or CSV file": "文件不是 Excel 工作簿（.xlsx）或 CSV 文件",
    "the file is encrypted or in the old .xls format: save it as .xlsx without a password":
        "文件已加密或为旧版 .xls 格式：请另存为不设密码的 .xlsx 文件",
    "the workbook is damaged or incomplete (perhaps cut off while uploading): save it again and upload the whole file":
        "工作簿已损坏或不完整（可能上传中断）：请重新保存后上传完整文件",
    "the text encoding could not be recognised (best guess {encoding}): save the CSV as UTF-8 or GB18030":
        "无法识别文件的文字编码（最接近的是 {encoding}）：请将 CSV 另存为 UTF-8 或 GB18030 编码",
    "the CSV file cannot be read past this row": "CSV 文件从这一行起无法读取",
    "the workbook has no sheet named {name}": "工作簿中没有名为 {name} 的工作表",
    "the column {column} is missing": "缺少列 {column}",
    "the column {column} is not part of the template: remove or rename it": "列 {column} 不在模板中：请删除或改名",
    "column {letter} has data but no header": "第 {letter} 列有数据但没有列名",
    "the column {column} appears more than once": "列 {column} 出现了不止一次",
    "cells {cells} are merged: unmerge them and fill in every cell": "单元格 {cells} 被合并：请取消合并并逐格填写",
    "{key} is already used by row {other}": "{key} 已被第 {other} 行使用",
    "no resource is numbered {key}": "没有序号为 {key} 的资源",
    "{value} is not a known value: use one of {choices}": "{value} 不是可选值：请使用 {choices} 之一",
    "{value} is not a whole number": "{value} 不是整数",
    "{value} differs from {expected} given for resource {key} in row {other}":
        "{value} 与第 {other} 行为序号 {key} 填写的 {expected} 不一致",
}


@dataclass(frozen=True)
class ImportProblem:
    """One problem found in an uploaded file; ``sheet`` and ``row`` are None for whole-file problems."""

    sheet: str | None
    row: int | None
    column: str | None  # the Chinese header
    rule: str
    message: str  # English msgid with {placeholders}
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message.format(**self.params)


@dataclass
class ParsedResource:
    """A resource read from a file, with where it came from."""

    key: str
    code: str | None
    department: str
    draft: ResourceDraft
    sheet: str
    row: int
    item_rows: list[int] = field(default_factory=list)
    item_sheet: str = ITEM_SHEET


@dataclass
class ImportResult:
    """What a file holds and everything wrong with it."""

    resources: list[ParsedResource] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    encoding: str | None = None  # CSV only

    @property
    def ok(self) -> bool:
        """True when nothing is wrong with the file."""
        return not self.problems

    @property
    def item_count(self) -> int:
        """The number of data items read."""
        return sum(len(r.draft.items) for r in self.resources)


@dataclass
class ExportRow:
    """One catalog resource to export."""

    code: str
    department: str
    draft: ResourceDraft
    status: str = "draft"
    version: int = 0
    publish_date: dt.date | None = None


class Header(NamedTuple):
    """Where each known column is in a sheet, the headers as written, and the positions without a header."""

    index: list[tuple[Column, int]]
    names: list[str]
    unlabelled: frozenset[int]


def read_header(sheet: str, cells: Sequence[Any], columns: Sequence[Column]
                ) -> tuple[Header | None, list[ImportProblem]]:
    """The column positions (None when a required header is missing) and the problems of the header row."""
    names = [re.sub(r"\s+", "", cell_text(c)).strip("*＊") for c in cells]
    known, seen, index, problems = {c.header: c for c in columns}, set(), [], []
    for position, name in enumerate(names):
        if name in seen:
            problems.append(ImportProblem(sheet, 1, name, "import.duplicate_column",
                                          "the column {column} appears more than once", {"column": name}))
        elif name in known:
            index.append((known[name], position))
        elif name and name not in EXPORT_ONLY_HEADERS:
            problems.append(ImportProblem(sheet, 1, name, "import.extra_column",
                                          "the column {column} is not part of the template: remove or rename it",
                                          {"column": name}))
        seen.add(name)
    missing = [c.header for c in columns if c.required and c.header not in seen]
    problems += [ImportProblem(sheet, 1, header, "import.missing_header", "the column {column} is missing",
                               {"column": header}) for header in missing]
    return None if missing else Header(index, names, frozenset(i for i, n in enumerate(names) if not n)), problems


_RANK = {c.header: i for i, c in enumerate((*RESOURCE_COLUMNS, ITEM_KEY, *ITEM_COLUMNS))}


def problem_order(problem: ImportProblem) -> tuple[int, int, int]:
    """Whole-file problems first, then the resource sheet (or CSV), then the item sheet; by row, then column."""
    sheet = 0 if problem.sheet is None else 2 if problem.sheet == ITEM_SHEET else 1
    return sheet, problem.row or 0, _RANK.get(problem.column or "", -1)


def locate(resource: ParsedResource, error: FieldError) -> ImportProblem:
    """An ImportProblem at the cell a draft's FieldError is about (``items.*`` errors carry the item's position)."""
    if error.field.startswith("items.") and error.row is not None:
        sheet, row = resource.item_sheet, resource.item_rows[error.row - 1]
    else:
        sheet, row = resource.sheet, resource.row
    return ImportProblem(sheet, row, HEADER_OF.get(error.field), error.code or "catalog.invalid", error.message,
                         dict(error.params))


def decode_csv(data: bytes) -> tuple[str, str, bool] | None:
    """The CSV's text, its encoding, and whether that is only charset-normalizer's guess (None if binary)."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if b"\x00" in data and not utf16:
        return None
    utf8 = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    for encoding, name in [("utf-16", "utf-16")] if utf16 else [("utf-8-sig", utf8), ("gb18030", "gb18030")]:
        try:
            return data.decode(encoding), name, False
        except UnicodeDecodeError:
            continue
    best = None if utf16 else charset_normalizer.from_bytes(data).best()
    return None if best is None else (str(best), best.encoding, True)


# How each kind of cell is read: trimmed, full-width digits made ASCII, labels or codes for vocabularies.

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SPLIT = re.compile(r"[、,，;；/]+")
_SPLIT_CODES = re.compile(r"[、,，;；\s]+")  # not "/": resource codes contain it
_INTEGER = re.compile(r"[+-]?\d+")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")  # how write_csv guards text against formula injection
UNKNOWN = "{value} is not a known value: use one of {choices}"
_LABELS: dict[str, Iterable[str]] = {
    "format": vocab.FORMATS.values(), "data_type": vocab.DATA_TYPES.values(),
    "share_method": vocab.SHARE_METHODS.values(), "open_type": vocab.OPEN_TYPES.values(),
    "update_cycle": vocab.UPDATE_CYCLES.values(),
    "sharing_type": [label for table in vocab.SHARING_TYPES.values() for label in table.values()],
}
_FLAGS = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False, "true": True, "false": False,
          "1": True, "0": False}
_GRADES = {form: grade for grade, label in vocab.SENSITIVITY.items() for form in (
    label, label.replace("（", "(").replace("）", ")"), f"{label[0]}级", label[0], f"{grade}级")}


class CellError(Exception):
    """A cell that cannot be read: the rule and message to report, and a ``fallback`` to stand in for it."""

    def __init__(self, rule: str, message: str, fallback: Any, **params: Any) -> None:
        super().__init__(rule)
        self.rule, self.message, self.fallback, self.params = rule, message, fallback, params


def cell_text(value: Any) -> str:
    """A cell as trimmed text (whole floats without ".0", dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def filled(value: Any) -> bool:
    """Whether a cell holds anything but whitespace."""
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _token(value: Any) -> str:
    return cell_text(value).translate(_DIGITS)


def parse_key(value: Any) -> str:
    """A 序号: numbers lose leading zeros so 1, 1.0 and "001" are one key."""
    token = _token(value)
    return str(int(token)) if token.isascii() and token.isdigit() else token


def _csv_text(value: Any) -> str:
    text = cell_text(value)
    return text[1:] if _ESCAPED.match(text) else text


def _choice(kind: str) -> Callable[[Any], str]:
    table, choices = vocab.PARSE[kind], "、".join(dict.fromkeys(_LABELS[kind]))

    def parse(value: Any) -> str:
        token = _token(value)
        if not token:
            raise CellError("catalog.required", "is required", "")
        code = table.get(token) or table.get(token.lower())
        if code is None:
            raise CellError("import.unknown_value", UNKNOWN, token, value=token, choices=choices)
        return code

    return parse


_share_method = _choice("share_method")


def _share_methods(value: Any) -> list[str]:
    methods, unknown = [], None
    for token in filter(None, (t.strip() for t in _SPLIT.split(_token(value)))):
        try:
            methods.append(_share_method(token))
        except CellError as bad:
            methods.append(token)
            unknown = unknown or bad
    if unknown:
        raise CellError(unknown.rule, unknown.message, list(dict.fromkeys(methods)), **unknown.params)
    return list(dict.fromkeys(methods))


def _codes(value: Any) -> list[str]:
    return [t for t in _SPLIT_CODES.split(_token(value)) if t]


def _number(value: Any, *, empty: int | None, fallback: int | None) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    token = _token(value).replace(",", "").replace("，", "")
    if not token:
        return empty
    if _INTEGER.fullmatch(token):
        return int(token)
    raise CellError("import.not_a_number", "{value} is not a whole number", fallback, value=cell_text(value))


def _int(value: Any) -> int | None:
    return _number(value, empty=None, fallback=None)


def _grade(value: Any) -> int | None:
    grade = _GRADES.get(_token(value))
    if grade is not None:
        return grade
    try:
        return _number(value, empty=1, fallback=1)
    except CellError:
        raise CellError("import.unknown_value", UNKNOWN, 1, value=cell_text(value),
                        choices="1、2、3、4、" + "、".join(vocab.SENSITIVITY.values())) from None


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    flag = _FLAGS.get(_token(value).lower())
    if flag is None and filled(value):
        raise CellError("import.unknown_value", UNKNOWN, False, value=cell_text(value), choices="是、否")
    return bool(flag)


PARSERS: dict[str, Callable[[Any], Any]] = {
    "key": parse_key, "code": _token, "text": cell_text, "int": _int, "bool": _flag, "grade": _grade,
    "share_methods": _share_methods, "codes": _codes,
    **{kind: _choice(kind) for kind in ("format", "sharing_type", "open_type", "update_cycle", "data_type")},
}
CSV_PARSERS = PARSERS | {"text": _csv_text}


from tongban.catalog.workbook_read import read_workbook  # noqa: E402
from tongban.catalog.workbook_write import template_workbook, write_csv, write_json, write_xlsx  # noqa: E402

__all__ = [
    "EXPORT_ONLY_HEADERS", "IMPORT_MESSAGES_ZH", "ITEM_COLUMNS", "ITEM_SHEET", "RESOURCE_COLUMNS", "RESOURCE_SHEET",
    "Column", "ExportRow", "ImportProblem", "ImportResult", "ParsedResource", "locate", "read_workbook",
    "template_workbook", "write_csv", "write_json", "write_xlsx",
]
