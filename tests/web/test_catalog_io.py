"""The catalog's files in the browser: the template download, importing a workbook or CSV, exporting the catalog."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from sqlalchemy import func, select

from tests.factories import make_draft
from tests.web.test_catalog_pages import seed
from tests.web.test_pages import csrf_token, log_in, text_of, zh
from tongban.catalog.model import Resource
from tongban.catalog.workbook import ExportRow
from tongban.catalog.workbook_write import write_csv

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _count(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Resource)))


def upload(client: Any, data: bytes, name: str, *, dry_run: bool, submit: bool = False) -> Any:
    """Post the import form as a browser would, with the page's CSRF token."""
    token = csrf_token(client.get("/catalog/import").text)
    fields = {"csrf_token": token, **({"dry_run": "1"} if dry_run else {}), **({"submit": "1"} if submit else {})}
    return client.post("/catalog/import", data=fields, files={"file": (name, data, "application/octet-stream")})


def template(client: Any) -> bytes:
    return client.get("/catalog/template").content


def test_the_template_downloads_as_an_xlsx_attachment(client, demo_accounts):
    log_in(client, demo_accounts["data_admin"])
    response = client.get("/catalog/template")
    assert response.status_code == 200 and response.content.startswith(b"PK\x03\x04")
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="catalog-template.xlsx"' in disposition
    assert "filename*=UTF-8''%E7%9B%AE%E5%BD%95%E5%A1%AB%E6%8A%A5%E6%A8%A1%E6%9D%BF.xlsx" in disposition


def test_the_import_form_offers_a_dry_run_by_default(client, demo_accounts):
    log_in(client, demo_accounts["data_admin"])
    page = text_of(client.get("/catalog/import"))
    assert 'enctype="multipart/form-data"' in page and zh("Dry run (check only, import nothing)") in page
    assert re.search(r'name="dry_run" value="1" checked', page) and not re.search(r'name="submit"[^>]*checked', page)
    assert "/catalog/import" in text_of(client.get("/catalog/mine"))


def test_the_template_passes_a_dry_run_then_imports_as_drafts(client, demo_accounts, sessions):
    log_in(client, demo_accounts["data_admin"])
    data = template(client)
    response = upload(client, data, "目录填报模板.xlsx", dry_run=True)
    page = text_of(response)
    assert response.status_code == 200, page
    assert zh("The check passed: the file can be imported.") in page and 'data-testid="problem-table"' not in page
    assert not re.search(r'name="dry_run" value="1" checked', page)  # the form is set to import for real
    assert _count(sessions) == 0

    response = upload(client, data, "目录填报模板.xlsx", dry_run=False)
    page = text_of(response)
    assert response.status_code == 200 and 'data-testid="imported"' in page, page
    codes = re.findall(r'<a class="mono" href="/catalog/r/([^"]+)">', page)
    assert codes and _count(sessions) == len(codes)
    mine = text_of(client.get("/catalog/mine"))
    assert all(code in mine for code in codes)
    with sessions() as session:
        assert set(session.scalars(select(Resource.status))) == {"draft"}


def test_random_bytes_are_refused_with_the_problem_named_and_nothing_created(client, demo_accounts, sessions):
    log_in(client, demo_accounts["data_admin"])
    for data in (os.urandom(4096), b"PK\x03\x04" + os.urandom(2000), b"\xd0\xcf\x11\xe0" + os.urandom(100)):
        response = upload(client, data, "junk.xlsx", dry_run=False)
        page = text_of(response)
        assert response.status_code == 422, page
        table = page.split('data-testid="problem-table"', 1)[1].split("</table>", 1)[0]
        count = table.count("<tr>") - 1
        assert count >= 1 and zh("{count} problem(s) in {file}; nothing was imported", count=count,
                                 file="junk.xlsx") in page
    assert _count(sessions) == 0


def test_an_empty_upload_says_so(client, demo_accounts):
    log_in(client, demo_accounts["data_admin"])
    response = upload(client, b"", "empty.csv", dry_run=True)
    assert response.status_code == 422 and zh("The file {file} is empty.", file="empty.csv") in text_of(response)


def test_a_gb18030_csv_with_one_bad_row_lists_where_and_imports_nothing(client, demo_accounts, sessions):
    log_in(client, demo_accounts["data_admin"])
    rows = [ExportRow(code="", department=dept, draft=make_draft(name=f"资源{n}"))
            for n, dept in enumerate(["公安局", "公安局", "魔法部"], start=1)]
    response = upload(client, write_csv(rows, encoding="gb18030"), "目录.csv", dry_run=False)
    page = text_of(response)
    assert response.status_code == 422, page
    table = page.split('data-testid="problem-table"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells[0] == "目录.csv" and cells[2] == "资源提供方" and cells[4] == "import.unknown_department"
    assert "魔法部" in cells[3] and cells[1].isdigit()
    assert "GB18030" in page.upper()
    assert _count(sessions) == 0


def test_the_published_catalog_exports_in_three_formats(client, demo_accounts, sessions):
    [code] = seed(sessions, "公安局", {"name": "户籍人口基本信息"})
    log_in(client, demo_accounts["clerk"])
    xlsx = client.get("/catalog/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK\x03\x04")
    assert xlsx.headers["content-type"] == XLSX and xlsx.headers["content-disposition"].startswith("attachment;")
    csv = client.get("/catalog/export?format=csv")
    assert csv.status_code == 200 and code in csv.content.decode("utf-8-sig") and "户籍人口基本信息" in csv.text
    assert client.get("/catalog/export?format=csv&encoding=gb18030").content.decode("gb18030").count(code) >= 1
    data = client.get("/catalog/export?format=json")
    assert data.status_code == 200 and code in json.dumps(data.json(), ensure_ascii=False)
    assert client.get("/catalog/export?format=pdf").status_code in (400, 422)


def test_a_citizen_gets_none_of_the_files(client, demo_accounts):
    log_in(client, demo_accounts["citizen"])
    for path in ("/catalog/template", "/catalog/import", "/catalog/export?format=xlsx", "/catalog/export?format=json"):
        assert client.get(path).status_code == 403, path


def test_an_upload_without_the_csrf_token_is_refused(client, demo_accounts, sessions):
    log_in(client, demo_accounts["data_admin"])
    data = template(client)
    response = client.post("/catalog/import", files={"file": ("t.xlsx", data, XLSX)})
    assert response.status_code == 403 and _count(sessions) == 0
