"""The catalog's files: the template, xlsx and CSV imports with every problem located, and the exports. Pure."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import string
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from tongban.catalog.drafts import ItemDraft, ResourceDraft
from tongban.catalog.workbook import (
    EXPORT_ONLY_HEADERS,
    IMPORT_MESSAGES_ZH,
    ITEM_COLUMNS,
    ITEM_KEY,
    ITEM_SHEET,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    ExportRow,
    ImportResult,
    locate,
    read_workbook,
    template_workbook,
    write_csv,
    write_json,
    write_xlsx,
)
from tongban.catalog.workbook_write import EXAMPLE, EXAMPLE_DEPARTMENT
from tongban.errors import FieldError

RES_HEADERS = [c.header for c in RESOURCE_COLUMNS]
ITEM_HEADERS = [ITEM_KEY.header] + [c.header for c in ITEM_COLUMNS]
FLAT_HEADERS = RES_HEADERS + ITEM_HEADERS[1:]

RESOURCES: list[dict[str, Any]] = [
    {"序号": 1, "资源分类代码": "101001", "资源名称": "户籍人口基本信息", "资源提供方": "市公安局",
     "资源摘要": "户籍人口的身份信息", "资源格式": "数据库", "共享类型": "有条件共享", "共享条件": "依职责申请",
     "共享方式": "接口、库表", "开放类型": "不予开放", "更新周期": "每日", "法律依据": "《个人信息保护法》第三十四条",
     "数据量": 24870000},
    {"序号": 2, "资源代码": "102001/000007", "资源分类代码": "102001", "资源名称": "企业登记信息",
     "资源提供方": "市场监管局", "资源摘要": "企业设立、变更和注销登记", "资源格式": "电子表格", "共享类型": "无条件共享",
     "共享方式": "接口", "开放类型": "无条件开放", "更新周期": "每周", "关联资源代码": "101001/000001、101001/000002"},
    {"序号": 3, "资源分类代码": "203001", "资源名称": "不动产登记信息", "资源提供方": "规划资源局",
     "资源摘要": "不动产权利登记", "资源格式": "服务接口", "共享类型": "不予共享", "开放类型": "有条件开放",
     "开放条件": "经权利人授权", "更新周期": "实时", "法律依据": "《不动产登记暂行条例》"},
]
ITEMS: list[dict[str, Any]] = [
    {"资源序号": 1, "信息项名称": "公民身份号码", "信息项代码": "id_number", "数据类型": "字符型", "数据长度": 18,
     "是否个人信息": "是", "敏感级别": "三级（敏感）", "是否数源": "是"},
    {"资源序号": 1, "信息项名称": "姓名", "信息项代码": "name", "数据类型": "字符型", "数据长度": 50,
     "描述": "户籍登记的姓名", "是否个人信息": "是", "敏感级别": 3},
    {"资源序号": 2, "信息项名称": "统一社会信用代码", "信息项代码": "credit_code", "数据类型": "字符型", "数据长度": 18,
     "是否数源": "是"},
    {"资源序号": 2, "信息项名称": "成立日期", "信息项代码": "founded_on", "数据类型": "日期型"},
    {"资源序号": 3, "信息项名称": "不动产单元号", "信息项代码": "unit_number", "数据类型": "字符型", "数据长度": 28,
     "敏感级别": "二级"},
]
EXPECTED_DRAFTS = [
    ResourceDraft("101001", "户籍人口基本信息", "户籍人口的身份信息", "database", "conditional", "daily", "closed",
                  [ItemDraft("公民身份号码", "id_number", "string", 18, "", True, 3, True),
                   ItemDraft("姓名", "name", "string", 50, "户籍登记的姓名", True, 3, False)],
                  ["api", "table"], "依职责申请", "", "《个人信息保护法》第三十四条", [], 24870000),
    ResourceDraft("102001", "企业登记信息", "企业设立、变更和注销登记", "spreadsheet", "unconditional", "weekly", "open",
                  [ItemDraft("统一社会信用代码", "credit_code", "string", 18, "", False, 1, True),
                   ItemDraft("成立日期", "founded_on", "date", None, "", False, 1, False)],
                  ["api"], related_codes=["101001/000001", "101001/000002"]),
    ResourceDraft("203001", "不动产登记信息", "不动产权利登记", "service", "not_shared", "realtime", "conditional",
                  [ItemDraft("不动产单元号", "unit_number", "string", 28, "", False, 2, False)],
                  open_condition="经权利人授权", legal_basis="《不动产登记暂行条例》"),
]


def make_xlsx(resources: list[dict[str, Any]] = RESOURCES, items: list[dict[str, Any]] = ITEMS, *,
              resource_headers: list[str] = RES_HEADERS, item_headers: list[str] = ITEM_HEADERS,
              edit: Callable[[Workbook], None] | None = None) -> bytes:
    """A workbook as a department would fill it in; ``edit`` changes it before saving."""
    book = Workbook()
    for sheet, headers, rows in ((book.active, resource_headers, resources),
                                 (book.create_sheet(ITEM_SHEET), item_headers, items)):
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h) for h in headers] + row.get("beyond", []))
    book.active.title = RESOURCE_SHEET
    if edit:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_csv(resources: list[dict[str, Any]] = RESOURCES, items: list[dict[str, Any]] = ITEMS, *,
             encoding: str = "utf-8-sig", headers: list[str] = FLAT_HEADERS, repeat: bool = False) -> bytes:
    """The flat CSV: resource columns on a resource's first row only (or on every row), then its items."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    for resource in resources:
        mine = [i for i in items if i["资源序号"] == resource["序号"]] or [{}]
        for n, item in enumerate(mine):
            cells = resource if n == 0 or repeat else {"序号": resource["序号"]}
            writer.writerow([cells.get(h, item.get(h, "")) if h in RES_HEADERS else item.get(h, "")
                             for h in headers])
    return out.getvalue().encode(encoding)


def changed(rows: list[dict[str, Any]], index: int, **cells: Any) -> list[dict[str, Any]]:
    return [row | cells if n == index else row for n, row in enumerate(rows)]


def located(result: ImportResult) -> set[tuple[str | None, int | None, str | None, str]]:
    return {(p.sheet, p.row, p.column, p.rule) for p in result.problems}


def drafts(result: ImportResult) -> list[tuple[str, str | None, str, ResourceDraft]]:
    return [(r.key, r.code, r.department, r.draft) for r in result.resources]


def export_rows(expected: list[ResourceDraft] = EXPECTED_DRAFTS) -> list[ExportRow]:
    return [ExportRow(f"10100{n}/00000{n}", f"部门{n}", draft, "published", n, dt.date(2025, 1, n))
            for n, draft in enumerate(expected, start=1)]


# --- the template -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("vocabulary", ["national", "shanghai"])
def test_the_template_reads_back_as_exactly_its_example_resource(vocabulary):
    result = read_workbook(template_workbook(vocabulary=vocabulary), filename="模板.xlsx")
    assert result.problems == []
    assert drafts(result) == [("1", None, EXAMPLE_DEPARTMENT, EXAMPLE)]
    assert (result.resources[0].sheet, result.resources[0].row, result.resources[0].item_rows) == (
        RESOURCE_SHEET, 2, [2, 3, 4])


@pytest.mark.parametrize(("vocabulary", "label"), [("national", "有条件共享"), ("shanghai", "授权共享")])
def test_the_template_offers_dropdowns_in_the_chosen_sharing_vocabulary(vocabulary, label):
    book = load_workbook(io.BytesIO(template_workbook(vocabulary=vocabulary)))
    assert book.sheetnames == [RESOURCE_SHEET, ITEM_SHEET, "填写说明"]
    resources, items = book[RESOURCE_SHEET], book[ITEM_SHEET]
    sharing = get_column_letter(RES_HEADERS.index("共享类型") + 1)
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in resources.data_validations.dataValidation}
    assert label in lists[f"{sharing}2"]
    assert len(items.data_validations.dataValidation) == 4
    assert resources[f"{sharing}2"].value == label


def test_the_template_has_bold_frozen_headers_widths_and_a_guide_naming_every_column_and_rule():
    book = load_workbook(io.BytesIO(template_workbook()))
    for sheet in (book[RESOURCE_SHEET], book[ITEM_SHEET]):
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
    assert book[RESOURCE_SHEET].column_dimensions["D"].width == 28
    guide = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert all(header in guide for header in RES_HEADERS + ITEM_HEADERS)
    assert "法律依据" in guide and "一数一源" in guide and "小写" in guide


# --- the same resources in every format -------------------------------------------------------------------

@pytest.mark.parametrize(("data", "encoding"), [
    (make_xlsx(), None),
    (make_csv(encoding="utf-8-sig"), "utf-8-sig"),
    (make_csv(encoding="utf-8"), "utf-8"),
    (make_csv(encoding="gb18030"), "gb18030"),
    (make_csv(encoding="gbk"), "gb18030"),
    (make_csv(encoding="gb18030", repeat=True), "gb18030"),
    (make_csv(encoding="utf-16"), "utf-16"),
], ids=["xlsx", "utf-8-bom", "utf-8", "gb18030", "gbk", "gb18030-repeated", "utf-16"])
def test_the_same_three_resources_parse_identically_from_xlsx_and_csv_in_any_encoding(data, encoding):
    result = read_workbook(data, filename="目录.csv")
    assert result.problems == []
    assert result.encoding == encoding
    assert drafts(result) == [("1", None, "市公安局", EXPECTED_DRAFTS[0]),
                              ("2", "102001/000007", "市场监管局", EXPECTED_DRAFTS[1]),
                              ("3", None, "规划资源局", EXPECTED_DRAFTS[2])]


def test_csv_rows_are_located_by_record_number_and_items_keep_their_rows():
    result = read_workbook(make_csv(), filename="目录.csv")
    assert [(r.sheet, r.row, r.item_rows, r.item_sheet) for r in result.resources] == [
        ("目录.csv", 2, [2, 3], "目录.csv"), ("目录.csv", 4, [4, 5], "目录.csv"), ("目录.csv", 6, [6], "目录.csv")]


def test_blank_rows_are_skipped_and_item_rows_stay_the_spreadsheet_rows():
    def blank_rows(book: Workbook) -> None:
        book[ITEM_SHEET].insert_rows(3, amount=2)
    result = read_workbook(make_xlsx(edit=blank_rows), filename="目录.xlsx")
    assert result.problems == []
    assert [r.item_rows for r in result.resources] == [[2, 5], [6, 7], [8]]


@pytest.mark.parametrize(("cell", "value", "field", "expected"), [
    ("资源分类代码", "　１０１００１ ", "class_code", "101001"),
    ("资源分类代码", 101001, "class_code", "101001"),
    ("共享类型", "conditional", "sharing_type", "conditional"),
    ("共享类型", "授权共享", "sharing_type", "conditional"),
    ("共享类型", " 非共享 ", "sharing_type", "not_shared"),
    ("资源格式", "DATABASE", "format", "database"),
    ("共享方式", "接口/库表", "share_methods", ["api", "table"]),
    ("共享方式", "文件；接口，api", "share_methods", ["file", "api"]),
    ("共享方式", "table; file", "share_methods", ["table", "file"]),
    ("关联资源代码", "101001/000001, 101001001/000002；203001/000003", "related_codes",
     ["101001/000001", "101001001/000002", "203001/000003"]),
    ("数据量", "１,２００", "record_count", 1200),
    ("数据量", 12.0, "record_count", 12),
])
def test_resource_cells_accept_labels_codes_and_full_width_forms(cell, value, field, expected):
    result = read_workbook(make_xlsx(changed(RESOURCES, 0, **{cell: value})), filename="目录.xlsx")
    assert result.problems == []
    assert getattr(result.resources[0].draft, field) == expected


@pytest.mark.parametrize(("cell", "value", "field", "expected"), [
    *[("是否个人信息", v, "personal", True) for v in ("是", "Y", "y", "true", "TRUE", "1", 1, True)],
    *[("是否个人信息", v, "personal", False) for v in ("否", "N", "false", "0", 0, False, None)],
    *[("敏感级别", v, "sensitivity", 2) for v in (2, "2", "２", "二级", "二级（内部）", "二级(内部)", "2级")],
    ("敏感级别", None, "sensitivity", 1),
    ("数据长度", "１８", "length", 18),
    ("数据类型", "日期", "data_type", "date"),
    ("描述", dt.datetime(2024, 1, 31), "description", "2024-01-31"),
])
def test_item_cells_accept_the_usual_ways_of_writing_flags_grades_and_numbers(cell, value, field, expected):
    result = read_workbook(make_xlsx(items=changed(ITEMS, 0, **{cell: value})), filename="目录.xlsx")
    assert result.problems == []
    assert getattr(result.resources[0].draft.items[0], field) == expected


@pytest.mark.parametrize("key", ["001", 1.0, "１", " 1 "])
def test_numeric_keys_match_however_they_are_written(key):
    result = read_workbook(make_xlsx(items=changed(ITEMS, 0, 资源序号=key)), filename="目录.xlsx")
    assert result.problems == []
    assert len(result.resources[0].draft.items) == 2


def _as_excel_saves_it(data: bytes) -> bytes:
    """Rewrite openpyxl's inline strings as Excel writes them: a shared-string table with rich text and phonetics."""
    source, out, strings = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO(), []
    cell = re.compile(rb'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', re.S)

    def shared(match: re.Match[bytes]) -> bytes:
        strings.append(match.group(3))
        return b'<x:c r="%s"%s t="s"><x:v>%d</x:v></x:c>' % (match.group(1), match.group(2) or b"", len(strings) - 1)

    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                part = cell.sub(shared, part).replace(b"<worksheet xmlns=", b"<worksheet xmlns:x=")
                part = re.sub(rb"<(/?)(?!x:)(\w+)", rb"<\1x:\2", part)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                part = part.replace(b"</Relationships>", b'<Relationship Id="rIdS" Target="/xl/sharedStrings.xml" '
                                    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                    b'sharedStrings"/></Relationships>')
            target.writestr(info, part)
        items = [b"<si><r><t>%s</t></r><r><t></t></r><rPh sb=\"0\" eb=\"1\"><t>\xe3\x81\x8b</t></rPh></si>" % s
                 for s in strings]
        target.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main">' + b"".join(items) + b"</sst>")
    return out.getvalue()


def test_a_workbook_with_shared_strings_rich_text_and_prefixed_tags_reads_like_the_original():
    converted = _as_excel_saves_it(make_xlsx())
    assert b"sharedStrings" in zipfile.ZipFile(io.BytesIO(converted)).read("xl/_rels/workbook.xml.rels")
    result = read_workbook(converted, filename="目录.xlsx")
    assert result.problems == []
    assert [d for *_, d in drafts(result)] == EXPECTED_DRAFTS


# --- exports ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("write", [
    write_xlsx, write_csv, lambda rows: write_csv(rows, encoding="gb18030"),
    lambda rows: write_xlsx(rows, vocabulary="shanghai"), lambda rows: write_csv(rows, vocabulary="shanghai"),
], ids=["xlsx", "csv", "csv-gb18030", "xlsx-shanghai", "csv-shanghai"])
def test_exports_re_import_to_the_same_drafts_codes_and_departments(write):
    rows = export_rows()
    result = read_workbook(write(rows), filename="export")
    assert result.problems == []
    assert drafts(result) == [(str(n), r.code, r.department, r.draft) for n, r in enumerate(rows, start=1)]


def test_exports_carry_status_version_and_publish_date_which_import_ignores():
    book = load_workbook(io.BytesIO(write_xlsx(export_rows())))
    header = [c.value for c in book[RESOURCE_SHEET][1]]
    assert header[-3:] == list(EXPORT_ONLY_HEADERS)
    assert [c.value for c in book[RESOURCE_SHEET][2]][-3:] == ["已发布", 1, "2025-01-01"]
    text = write_csv(export_rows()).decode("utf-8-sig")
    assert text.startswith("序号,") and text.splitlines()[1].endswith(",已发布,1,2025-01-01")


def test_csv_export_starts_with_a_bom_and_repeats_the_resource_on_every_item_row():
    data = write_csv(export_rows())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[FLAT_HEADERS.index("资源名称")] for r in rows[1:]] == ["户籍人口基本信息"] * 2 + ["企业登记信息"] * 2 + [
        "不动产登记信息"]


def test_a_resource_without_items_exports_as_one_csv_row_and_re_imports_reporting_the_missing_items():
    rows = [ExportRow("101001/000001", "市公安局", ResourceDraft(**{**vars(EXPECTED_DRAFTS[1]), "items": []}))]
    result = read_workbook(write_csv(rows), filename="e.csv")
    assert located(result) == {("e.csv", 2, None, "catalog.items_required")}


@pytest.mark.parametrize("text", ["=1+1", "+86 021", "-无-", "@sum", "'=quoted", "''+x", "#N/A", "a\x01b"])
@pytest.mark.parametrize("write", [write_xlsx, write_csv], ids=["xlsx", "csv"])
def test_text_that_spreadsheets_would_run_as_a_formula_stays_text(write, text):
    draft = ResourceDraft(**{**vars(EXPECTED_DRAFTS[0]), "abstract": text, "name": "名称" + text})
    result = read_workbook(write([ExportRow("101001/000001", text, draft)]), filename="e.csv")
    assert result.problems == []
    clean = text.replace("\x01", "") if write is write_xlsx else text
    assert (result.resources[0].department, result.resources[0].draft.abstract) == (clean, clean)


def test_json_export_holds_codes_and_the_catalog_fields():
    document = json.loads(write_json(export_rows()).decode("utf-8"))
    first = document["resources"][0]
    assert first["code"] == "101001/000001" and first["publish_date"] == "2025-01-01"
    assert ResourceDraft.from_dict({k: v for k, v in first.items() if k in vars(EXAMPLE)}) == EXPECTED_DRAFTS[0]


def test_csv_export_refuses_an_encoding_it_cannot_promise():
    with pytest.raises(ValueError, match="encoding"):
        write_csv(export_rows(), encoding="latin-1")


free_text = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\r\t,\"'=+-@"),
                    max_size=40).map(str.strip)
names = free_text.filter(bool)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
@settings(max_examples=60, deadline=None)
@given(name=names, abstract=free_text, department=names, condition=free_text, basis=names,
       item_names=st.lists(names, min_size=1, max_size=3), description=free_text)
def test_any_text_in_free_text_cells_round_trips_through_csv(encoding, name, abstract, department, condition, basis,
                                                             item_names, description):
    text = "".join([name, abstract, department, condition, basis, description, *item_names])
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    items = [ItemDraft(n[:100], f"item_{i}", "string", 10, description) for i, n in enumerate(item_names)]
    draft = ResourceDraft("101001", name[:200], abstract, "database", "conditional", "daily", "open", items,
                          ["api"], sharing_condition=condition or "条件", legal_basis=basis)
    result = read_workbook(write_csv([ExportRow("101001/000001", department, draft)], encoding=encoding),
                           filename="h.csv")
    assert result.problems == []
    assert drafts(result) == [("1", "101001/000001", department, draft)]


# --- problems, each located -------------------------------------------------------------------------------

def _merge(book: Workbook) -> None:
    book[ITEM_SHEET].merge_cells("B2:B3")


def _rename_items(book: Workbook) -> None:
    book[ITEM_SHEET].title = "数据项"


R, I = RESOURCE_SHEET, ITEM_SHEET
XLSX_CASES: list[tuple[str, bytes, set[tuple[Any, ...]]]] = [
    ("missing headers are all named",
     make_xlsx(resource_headers=[h for h in RES_HEADERS if h not in ("资源名称", "共享类型")]),
     {(R, 1, "资源名称", "import.missing_header"), (R, 1, "共享类型", "import.missing_header")}),
    ("an extra column", make_xlsx(resource_headers=RES_HEADERS + ["备注"]), {(R, 1, "备注", "import.extra_column")}),
    ("data under no header", make_xlsx(changed(RESOURCES, 1, beyond=["多余"])),
     {(R, 3, get_column_letter(len(RES_HEADERS) + 1), "import.extra_column")}),
    ("a repeated header", make_xlsx(resource_headers=RES_HEADERS + ["资源名称"]),
     {(R, 1, "资源名称", "import.duplicate_column")}),
    ("merged cells", make_xlsx(edit=_merge),
     {(I, 2, "信息项名称", "import.merged_cells"), (I, 3, "信息项名称", "catalog.required")}),
    ("an unknown vocabulary value", make_xlsx(changed(RESOURCES, 0, 共享类型="有条件")),
     {(R, 2, "共享类型", "import.unknown_value")}),
    ("an empty vocabulary cell", make_xlsx(changed(RESOURCES, 2, 资源格式=None)), {(R, 4, "资源格式", "catalog.required")}),
    ("an unknown share method", make_xlsx(changed(RESOURCES, 1, 共享方式="接口、邮件")),
     {(R, 3, "共享方式", "import.unknown_value")}),
    ("an item for an unknown resource", make_xlsx(items=changed(ITEMS, 3, 资源序号=9)),
     {(I, 5, "资源序号", "import.orphan_item")}),
    ("an item without a resource key", make_xlsx(items=changed(ITEMS, 3, 资源序号=None)),
     {(I, 5, "资源序号", "import.missing_key")}),
    ("a resource without items", make_xlsx(items=ITEMS[:4]), {(R, 4, None, "catalog.items_required")}),
    ("a resource without a key", make_xlsx(changed(RESOURCES, 2, 序号=None)),
     {(R, 4, "序号", "import.missing_key"), (I, 6, "资源序号", "import.orphan_item")}),
    ("a duplicate key", make_xlsx(changed(RESOURCES, 2, 序号=2)),
     {(R, 4, "序号", "import.duplicate_key"), (I, 6, "资源序号", "import.orphan_item")}),
    ("a length in words", make_xlsx(items=changed(ITEMS, 1, 数据长度="十二")), {(I, 3, "数据长度", "import.not_a_number")}),
    ("a fractional record count", make_xlsx(changed(RESOURCES, 0, 数据量="12.5")),
     {(R, 2, "数据量", "import.not_a_number")}),
    ("a negative record count", make_xlsx(changed(RESOURCES, 0, 数据量=-5)), {(R, 2, "数据量", "catalog.record_count")}),
    ("an upper-case item code", make_xlsx(items=changed(ITEMS, 2, 信息项代码="Credit_Code")),
     {(I, 4, "信息项代码", "catalog.item_code")}),
    ("a repeated item code", make_xlsx(items=changed(ITEMS, 1, 信息项代码="id_number")),
     {(I, 3, "信息项代码", "catalog.item_code_duplicate")}),
    ("a data type outside the vocabulary", make_xlsx(items=changed(ITEMS, 4, 数据类型="文本")),
     {(I, 6, "数据类型", "import.unknown_value")}),
    ("a restriction without legal basis", make_xlsx(changed(RESOURCES, 0, 法律依据=" ")),
     {(R, 2, "法律依据", "catalog.legal_basis_required")}),
    ("conditional sharing without its condition", make_xlsx(changed(RESOURCES, 0, 共享条件=None)),
     {(R, 2, "共享条件", "catalog.sharing_condition_required")}),
    ("a malformed class code", make_xlsx(changed(RESOURCES, 1, 资源分类代码="1-02")),
     {(R, 3, "资源分类代码", "catalog.class_code")}),
    ("a malformed related code", make_xlsx(changed(RESOURCES, 1, 关联资源代码="101001")),
     {(R, 3, "关联资源代码", "catalog.related_code")}),
    ("no department", make_xlsx(changed(RESOURCES, 1, 资源提供方="  ")), {(R, 3, "资源提供方", "catalog.required")}),
    ("a flag that is neither yes nor no", make_xlsx(items=changed(ITEMS, 0, 是否个人信息="也许")),
     {(I, 2, "是否个人信息", "import.unknown_value")}),
    ("a grade that is not a grade", make_xlsx(items=changed(ITEMS, 0, 敏感级别="五级")),
     {(I, 2, "敏感级别", "import.unknown_value")}),
    ("a grade out of range", make_xlsx(items=changed(ITEMS, 0, 敏感级别=5)), {(I, 2, "敏感级别", "catalog.sensitivity")}),
    ("a missing sheet", make_xlsx(edit=_rename_items), {(None, None, None, "import.missing_sheet")}),
    ("no resources at all", make_xlsx([], []), {(None, None, None, "import.empty")}),
]


@pytest.mark.parametrize(("data", "expected"), [(d, e) for _, d, e in XLSX_CASES], ids=[c[0] for c in XLSX_CASES])
def test_each_bad_workbook_is_reported_at_its_sheet_row_and_column(data, expected):
    result = read_workbook(data, filename="目录.xlsx")
    assert located(result) == expected
    assert all(p.message in IMPORT_MESSAGES_ZH or p.message == "is required" or p.rule.startswith("catalog.")
               for p in result.problems)


CSV_CASES: list[tuple[str, bytes, set[tuple[Any, ...]]]] = [
    ("a repeated resource cell that disagrees",
     make_csv(repeat=True).replace("企业登记信息".encode(), "企业登记".encode(), 1),
     {("c.csv", 5, "资源名称", "import.conflicting_value")}),
    ("a repeated vocabulary cell agreeing by code", make_csv(repeat=True).replace("每日".encode(), b"daily"), set()),
    ("a missing key", make_csv(items=ITEMS).replace(b"\r\n2,,", b"\r\n,,", 1), {("c.csv", 5, "序号", "import.missing_key")}),
    ("missing headers", make_csv(headers=[h for h in FLAT_HEADERS if h != "信息项代码"]),
     {("c.csv", 1, "信息项代码", "import.missing_header")}),
    ("an extra column", make_csv(headers=FLAT_HEADERS + ["资源序号"]), {("c.csv", 1, "资源序号", "import.extra_column")}),
    ("a length in words", make_csv(items=changed(ITEMS, 1, 数据长度="十二")),
     {("c.csv", 3, "数据长度", "import.not_a_number")}),
    ("only a header", "序号,资源名称\r\n".encode(), {("c.csv", 1, h, "import.missing_header") for h in FLAT_HEADERS
                                                   if h not in ("序号", "资源名称") and any(
                                                       c.required and c.header == h
                                                       for c in (*RESOURCE_COLUMNS, *ITEM_COLUMNS))}),
    ("a header and nothing else", make_csv([], []), {(None, None, None, "import.empty")}),
    ("a cell too large for a CSV field", make_csv(changed(RESOURCES, 0, 资源摘要="长" * 200_000)),
     {("c.csv", 2, None, "import.malformed")}),
    ("text in no known encoding", "Café,Résumé\r\nnaïve,déjà\r\n".encode("latin-1"),
     {(None, None, None, "import.encoding")}),
]


@pytest.mark.parametrize(("data", "expected"), [(d, e) for _, d, e in CSV_CASES], ids=[c[0] for c in CSV_CASES])
def test_each_bad_csv_is_reported_at_its_row_and_column(data, expected):
    result = read_workbook(data, filename="c.csv")
    assert located(result) == expected
    assert all(p.message in IMPORT_MESSAGES_ZH or p.message == "is required" or p.rule.startswith("catalog.")
               for p in result.problems)


def test_every_problem_is_reported_sorted_by_sheet_then_row():
    resources = changed(changed(RESOURCES, 0, 共享类型="有条件"), 2, 序号=2)
    items = changed(changed(ITEMS, 1, 数据长度="十二"), 3, 信息项代码="X")
    result = read_workbook(make_xlsx(resources, items, resource_headers=RES_HEADERS + ["备注"]), filename="x.xlsx")
    assert [(p.sheet, p.row, p.rule) for p in result.problems] == [
        (R, 1, "import.extra_column"), (R, 2, "import.unknown_value"), (R, 4, "import.duplicate_key"),
        (I, 3, "import.not_a_number"), (I, 5, "catalog.item_code"), (I, 6, "import.orphan_item")]


def _truncated() -> bytes:
    data = template_workbook()
    return data[: len(data) // 2]


def _corrupted() -> bytes:
    data = bytearray(make_xlsx())
    start = data.index(b"xl/worksheets/sheet2.xml") + 40
    data[start:start + 200] = bytes(200)
    return bytes(data)


def _zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    return out.getvalue()


@pytest.mark.parametrize(("make", "rule"), [
    (lambda: random.Random(5).randbytes(5 * 1024 * 1024), "import.not_a_workbook"),
    (_truncated, "import.truncated"),
    (_corrupted, "import.truncated"),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "import.encrypted"),
    (_zip_of_text, "import.not_a_workbook"),
    (lambda: b"", "import.empty"),
    (lambda: b" \r\n\t", "import.empty"),
], ids=["random-bytes", "truncated", "corrupted", "ole2", "zip-of-text", "empty", "whitespace"])
def test_files_that_are_not_usable_workbooks_get_one_clear_whole_file_problem(make, rule):
    result = read_workbook(make(), filename="upload.bin")
    assert [(p.sheet, p.row, p.rule) for p in result.problems] == [(None, None, rule)]
    assert result.resources == []
    assert result.problems[0].message in IMPORT_MESSAGES_ZH


def test_a_path_is_read_like_bytes(tmp_path):
    path = tmp_path / "catalog.upload"
    path.write_bytes(make_xlsx())
    assert [d for *_, d in drafts(read_workbook(path, filename="catalog.xlsx"))] == EXPECTED_DRAFTS


def test_a_draft_error_found_later_is_located_at_its_cell():
    resource = read_workbook(make_xlsx(), filename="x.xlsx").resources[0]
    problem = locate(resource, FieldError("items.authoritative", "taken", {}, row=2, code="catalog.source_taken"))
    assert (problem.sheet, problem.row, problem.column, problem.rule) == (I, 3, "是否数源", "catalog.source_taken")
    problem = locate(resource, FieldError("department", "unknown", {}, code="catalog.unknown_department"))
    assert (problem.sheet, problem.row, problem.column) == (R, 2, "资源提供方")


def test_chinese_messages_keep_the_placeholders_of_their_english_msgids():
    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}
    assert all(fields(en) == fields(zh) for en, zh in IMPORT_MESSAGES_ZH.items())


def test_a_problem_reads_as_its_formatted_english_message():
    result = read_workbook(make_xlsx(items=changed(ITEMS, 1, 数据长度="十二")), filename="x.xlsx")
    assert str(result.problems[0]) == "十二 is not a whole number"


SMALL_XLSX = make_xlsx(RESOURCES[:1], ITEMS[:2])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_damaged_workbook_is_reported_never_raised(data):
    damaged = bytearray(SMALL_XLSX)
    for _ in range(data.draw(st.integers(1, 4))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(4, len(damaged)))
    result = read_workbook(bytes(damaged[:cut]), filename="x.xlsx")
    assert isinstance(result, ImportResult)
