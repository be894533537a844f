"""Writing the catalog's files: the fill-in template, and exports to xlsx, CSV and JSON that re-import as they were."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tongban.catalog import vocab
from tongban.catalog.drafts import ItemDraft, ResourceDraft
from tongban.catalog.workbook import (
    EXPORT_ONLY_HEADERS,
    GUIDE_SHEET,
    ITEM_COLUMNS,
    ITEM_KEY,
    ITEM_SHEET,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    Column,
    ExportRow,
)

CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")
EXAMPLE_DEPARTMENT = "公安局"  # a short name of the demo city, so the example imports as is
EXAMPLE = ResourceDraft(
    class_code="101001", name="户籍人口基本信息", abstract="本市户籍人口的身份、出生和户籍登记基本信息。",
    format="database", sharing_type="conditional", update_cycle="daily", open_type="closed",
    items=[
        ItemDraft("公民身份号码", "id_number", "string", 18, "18 位公民身份号码（GB 11643）", True, 3, True),
        ItemDraft("姓名", "name", "string", 50, "户籍登记的姓名", True, 3, True),
        ItemDraft("出生日期", "birth_date", "date", 8, "格式 YYYYMMDD", True, 2, True),
    ],
    share_methods=["api", "table"], sharing_condition="仅向依法履行人口管理、社会保障职责的部门共享",
    legal_basis="《中华人民共和国个人信息保护法》第三十四条；《中华人民共和国居民身份证法》", record_count=24_870_000,
)

_GUARD = re.compile(r"'*[=+\-@\t\r]")  # cells Excel would run as formulas; the reader drops the added quote
_WIDTHS = {"资源名称": 28, "资源摘要": 40, "资源提供方": 18, "共享条件": 30, "开放条件": 30, "法律依据": 36,
           "关联资源代码": 24, "信息项名称": 20, "信息项代码": 18, "描述": 30, "资源代码": 20, "资源分类代码": 14}
_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_GUIDE: dict[str, str] = {
    "序号": "本工作簿内资源的编号，如 1、2、3 或 R1；不可重复。信息项表用“资源序号”指向它。",
    "资源代码": "更新已登记的资源时填写其资源代码；新资源留空，由平台按分类代码加顺序码生成。",
    "资源分类代码": "类（1 位）+项（2 位）+目（3 位），可再加细目（3 位），如 101001 表示基础目录·人口·第 001 目。",
    "资源名称": "信息资源名称，不超过 200 字。",
    "资源提供方": "提供资源的部门全称或简称。",
    "资源摘要": "资源的内容、范围和用途。",
    "资源格式": "、".join(vocab.FORMATS.values()) + " 之一。",
    "共享类型": "国家：无条件共享、有条件共享、不予共享；上海：无条件共享、授权共享、非共享。",
    "共享条件": "有条件共享（授权共享）时必填：向谁共享、在什么条件下共享。",
    "共享方式": "接口、库表、文件中的一项或多项，多项用顿号“、”分隔；无条件或有条件共享时必填。",
    "开放类型": "、".join(vocab.OPEN_TYPES.values()) + " 之一。",
    "开放条件": "有条件开放时必填。",
    "更新周期": "、".join(vocab.UPDATE_CYCLES.values()) + " 之一。",
    "法律依据": "共享类型不是无条件共享，或开放类型不是无条件开放时必填：写明法律、行政法规或政策依据。",
    "关联资源代码": "相关资源的资源代码，多个用顿号“、”分隔。",
    "数据量": "记录条数，整数。",
    "资源序号": "该信息项所属资源在“资源”表中的序号。",
    "信息项名称": "中文名称，如 公民身份号码。",
    "信息项代码": "稳定的英文标识：小写字母、数字和下划线，以字母开头，如 id_number。",
    "数据类型": "、".join(vocab.DATA_TYPES.values()) + " 之一。",
    "数据长度": "最大长度，1 至 100000 的整数；日期等可留空。",
    "描述": "信息项的含义、取值和格式说明。",
    "是否个人信息": "是 或 否。",
    "敏感级别": "1 至 4，或 " + "、".join(vocab.SENSITIVITY.values()) + "。",
    "是否数源": "本部门是否为该信息项的权威来源（数源）：是 或 否。",
}
_RULES = (
    "每个资源在“资源”表占一行，用“序号”标识；它的每个信息项在“信息项”表占一行，用“资源序号”指向资源。",
    "带底色的列必须保留；不要增加、删除或改名列，不要合并单元格。示例行可以删除或覆盖。",
    "共享类型为有条件共享/不予共享（上海：授权共享/非共享），或开放类型不是无条件开放时，必须填写法律依据。",
    "一数一源：同一信息项代码在全市目录中只能有一个数源部门；已有数源时，再声明数源会被拒绝。",
    "信息项代码一律小写，同一资源内不可重复。",
    "请从下拉列表中选择中文名称（也接受英文代码，如 conditional）。多个值用顿号“、”、逗号或分号分隔。",
    "也可以导入 CSV（UTF-8 或 GB18030 编码）：一行一个信息项，先是资源各列（不含资源序号），后是信息项各列；"
    "同一资源的各行用相同的序号，资源各列可只在第一行填写。",
)


def _labels(draft: ResourceDraft, vocabulary: str) -> dict[str, Any]:
    return {
        "format": vocab.FORMATS.get(draft.format, draft.format),
        "sharing_type": vocab.SHARING_TYPES[vocabulary].get(draft.sharing_type, draft.sharing_type),
        "share_methods": "、".join(vocab.SHARE_METHODS.get(m, m) for m in draft.share_methods),
        "open_type": vocab.OPEN_TYPES.get(draft.open_type, draft.open_type),
        "update_cycle": vocab.UPDATE_CYCLES.get(draft.update_cycle, draft.update_cycle),
        "related_codes": "、".join(draft.related_codes),
    }


def _resource_cells(key: Any, code: str, department: str, draft: ResourceDraft, vocabulary: str) -> list[Any]:
    values = vars(draft) | _labels(draft, vocabulary) | {"key": key, "code": code, "department": department}
    return [None if values[c.field] == "" else values[c.field] for c in RESOURCE_COLUMNS]


def _item_cells(item: ItemDraft) -> list[Any]:
    values = vars(item) | {
        "data_type": vocab.DATA_TYPES.get(item.data_type, item.data_type),
        "personal": "是" if item.personal else "否", "authoritative": "是" if item.authoritative else "否",
        "sensitivity": vocab.SENSITIVITY.get(item.sensitivity, item.sensitivity),
    }
    return [None if values[c.field] == "" else values[c.field] for c in ITEM_COLUMNS]


def _export_cells(row: ExportRow) -> list[Any]:
    return [vocab.STATUSES.get(row.status, row.status), row.version,
            row.publish_date.isoformat() if row.publish_date else None]


def _lay_out(sheet: Any, headers: list[str]) -> None:
    sheet.freeze_panes = "A2"
    for position, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = _WIDTHS.get(header, 14)


def _header_cells(sheet: Any, headers: list[str], required: set[str]) -> list[WriteOnlyCell]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, header)
        cell.font = _HEADER_FONT
        if header in required:
            cell.fill = _REQUIRED_FILL
        cells.append(cell)
    return cells


def _xlsx_cells(sheet: Any, values: list[Any]) -> list[Any]:
    """Strings stay strings: no formulas or error codes from text, no characters XML cannot hold."""
    cells: list[Any] = []
    for value in values:
        if isinstance(value, str) and (value[:1] in ("=", "#") or ILLEGAL_CHARACTERS_RE.search(value)):
            value = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
            value.data_type = "s"
        cells.append(value)
    return cells


def _sheets(book: Workbook, *, export: bool) -> tuple[Any, Any]:
    resource_headers = [c.header for c in RESOURCE_COLUMNS] + (list(EXPORT_ONLY_HEADERS) if export else [])
    item_headers = [ITEM_KEY.header] + [c.header for c in ITEM_COLUMNS]
    required = {c.header for c in (*RESOURCE_COLUMNS, ITEM_KEY, *ITEM_COLUMNS) if c.required}
    sheets = []
    for title, headers in ((RESOURCE_SHEET, resource_headers), (ITEM_SHEET, item_headers)):
        sheet = book.create_sheet(title)
        _lay_out(sheet, headers)
        sheet.append(_header_cells(sheet, headers, required))
        sheets.append(sheet)
    return sheets[0], sheets[1]


def write_xlsx(resources: Iterable[ExportRow], *, vocabulary: str = "national") -> bytes:
    """The resources as a workbook in the import layout (plus status, version and publish date)."""
    book = Workbook(write_only=True)
    resource_sheet, item_sheet = _sheets(book, export=True)
    for key, row in enumerate(resources, start=1):
        cells = _resource_cells(key, row.code, row.department, row.draft, vocabulary) + _export_cells(row)
        resource_sheet.append(_xlsx_cells(resource_sheet, cells))
        for item in row.draft.items:
            item_sheet.append(_xlsx_cells(item_sheet, [key, *_item_cells(item)]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_guard(column: Column, value: Any) -> Any:
    if value is None:
        return ""
    return "'" + value if column.kind == "text" and _GUARD.match(value) else value


def write_csv(resources: Iterable[ExportRow], *, encoding: str = "utf-8-sig", vocabulary: str = "national") -> bytes:
    """The resources as the flat CSV layout, one row per data item; UTF-8 with BOM opens correctly in Excel."""
    if encoding not in CSV_ENCODINGS:
        raise ValueError(f"encoding must be one of {CSV_ENCODINGS}")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in (*RESOURCE_COLUMNS, *ITEM_COLUMNS)] + list(EXPORT_ONLY_HEADERS))
    for key, row in enumerate(resources, start=1):
        head = [_csv_guard(c, v) for c, v in zip(RESOURCE_COLUMNS, _resource_cells(
            key, row.code, row.department, row.draft, vocabulary), strict=True)]
        tail = ["" if v is None else v for v in _export_cells(row)]
        for item in row.draft.items or [None]:
            body = [""] * len(ITEM_COLUMNS) if item is None else [
                _csv_guard(c, v) for c, v in zip(ITEM_COLUMNS, _item_cells(item), strict=True)]
            writer.writerow(head + body + tail)
    return out.getvalue().encode(encoding)


def write_json(resources: Iterable[ExportRow]) -> bytes:
    """The resources as a JSON document of codes (not labels), UTF-8."""
    documents = [{"code": row.code, "department": row.department, "status": row.status, "version": row.version,
                  "publish_date": row.publish_date.isoformat() if row.publish_date else None, **row.draft.as_dict()}
                 for row in resources]
    return json.dumps({"resources": documents}, ensure_ascii=False, indent=2).encode("utf-8")


def _dropdown(sheet: Any, headers: list[str], header: str, labels: Iterable[str]) -> None:
    letter = get_column_letter(headers.index(header) + 1)
    validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                                showErrorMessage=True, errorStyle="warning", errorTitle="不在下拉列表中",
                                error="建议从下拉列表中选择；英文代码也可以导入。")
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}1048576")


def _guide(book: Workbook) -> None:
    sheet = book.create_sheet(GUIDE_SHEET)
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 16, 10
    sheet.column_dimensions["C"].width, sheet.column_dimensions["D"].width = 8, 90
    sheet.append(["填写规则"])
    sheet["A1"].font = _HEADER_FONT
    for number, rule in enumerate(_RULES, start=1):
        sheet.append([f"{number}.", None, None, rule])
    sheet.append([])
    sheet.append(["列名", "工作表", "必填", "说明"])
    for cell in sheet[sheet.max_row]:
        cell.font = _HEADER_FONT
    for title, columns in ((RESOURCE_SHEET, RESOURCE_COLUMNS), (ITEM_SHEET, (ITEM_KEY, *ITEM_COLUMNS))):
        for column in columns:
            sheet.append([column.header, title, "是" if column.required else "", _GUIDE[column.header]])
    for row in sheet.iter_rows(min_row=2):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")


def template_workbook(*, vocabulary: str = "national") -> bytes:
    """The workbook departments fill in: two sheets with dropdowns, one example resource, and a guide."""
    book = Workbook()
    book.remove(book.active)
    resource_sheet, item_sheet = _sheets(book, export=False)
    resource_sheet.append(_resource_cells(1, "", EXAMPLE_DEPARTMENT, EXAMPLE, vocabulary))
    for item in EXAMPLE.items:
        item_sheet.append([1, *_item_cells(item)])
    resource_headers = [c.header for c in RESOURCE_COLUMNS]
    item_headers = [ITEM_KEY.header] + [c.header for c in ITEM_COLUMNS]
    for header, labels in (("资源格式", vocab.FORMATS.values()),
                           ("共享类型", vocab.SHARING_TYPES[vocabulary].values()),
                           ("开放类型", vocab.OPEN_TYPES.values()), ("更新周期", vocab.UPDATE_CYCLES.values())):
        _dropdown(resource_sheet, resource_headers, header, labels)
    for header, labels in (("数据类型", vocab.DATA_TYPES.values()), ("是否个人信息", ("是", "否")),
                           ("敏感级别", vocab.SENSITIVITY.values()), ("是否数源", ("是", "否"))):
        _dropdown(item_sheet, item_headers, header, labels)
    _guide(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
