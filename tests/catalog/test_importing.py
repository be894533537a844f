"""Importing workbooks: everything is checked first; all of it is applied in one transaction with one audit record,
or none of it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import SYSTEM, make_department, make_draft, make_resource, make_user
from tongban.audit.model import AuditRecord
from tongban.catalog.drafts import ItemDraft
from tongban.catalog.importing import import_catalog
from tongban.catalog.model import Resource
from tongban.catalog.workbook import ExportRow, read_workbook
from tongban.catalog.workbook_write import write_csv, write_xlsx
from tongban.identity.policy import Role
from tongban.identity.service import actor_for


def _rows(department: str, count: int = 3, **overrides):  # type: ignore[no-untyped-def]
    return [ExportRow(code="", department=department, draft=make_draft(name=f"资源{n}", **overrides))
            for n in range(1, count + 1)]


def _read(rows, kind="xlsx"):  # type: ignore[no-untyped-def]
    data = write_xlsx(rows) if kind == "xlsx" else write_csv(rows, encoding="gb18030")
    return read_workbook(data, filename=f"catalog.{kind}")


def _count(session, model):  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_good_file_is_applied_as_drafts_with_one_audit_record(session, kind):
    make_department(session, name="上海市公安局", short_name="公安局")
    result = _read(_rows("公安局"), kind)
    assert result.ok, result.problems
    report = import_catalog(session, SYSTEM, result, filename=f"catalog.{kind}")
    assert report.applied and len(report.created) == 3 and report.items == 9
    assert session.scalars(select(Resource.status)).all() == ["draft"] * 3
    actions = session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("catalog.%"))).all()
    assert actions == ["catalog.import"]


def test_a_dry_run_reports_without_applying(session):
    make_department(session, name="上海市公安局", short_name="公安局")
    report = import_catalog(session, SYSTEM, _read(_rows("公安局")), filename="x.xlsx", dry_run=True)
    assert not report.applied and report.dry_run and not report.problems
    assert _count(session, Resource) == 0


def test_one_bad_row_stops_the_whole_file_and_is_named(session):
    make_department(session, name="上海市公安局", short_name="公安局")
    rows = _rows("公安局") + _rows("魔法部", 1)
    report = import_catalog(session, SYSTEM, _read(rows), filename="x.xlsx")
    assert not report.applied and _count(session, Resource) == 0
    [problem] = report.problems
    assert (problem.sheet, problem.row, problem.column, problem.rule) == ("资源", 5, "资源提供方",
                                                                          "import.unknown_department")


def test_a_second_authoritative_source_in_the_catalog_is_named_at_its_cell(session):
    police = make_department(session, name="上海市公安局", short_name="公安局")
    make_department(session, name="上海市民政局", short_name="民政局")
    claim = [ItemDraft("公民身份号码", "id_number", "string", 18, authoritative=True)]
    make_resource(session, police, items=claim)
    report = import_catalog(session, SYSTEM, _read(_rows("民政局", 1, items=claim)), filename="x.xlsx")
    assert [(p.sheet, p.row, p.rule) for p in report.problems] == [("信息项", 2, "catalog.second_source")]


def test_two_rows_claiming_the_same_source_in_one_file_are_refused(session):
    make_department(session, name="上海市公安局", short_name="公安局")
    claim = [ItemDraft("公民身份号码", "id_number", "string", 18, authoritative=True)]
    report = import_catalog(session, SYSTEM, _read(_rows("公安局", 2, items=claim)), filename="x.xlsx")
    assert [p.rule for p in report.problems] == ["catalog.second_source"]
    assert not report.applied


def test_a_row_with_a_code_updates_that_resource(session):
    police = make_department(session, name="上海市公安局", short_name="公安局")
    resource = make_resource(session, police, publish=False)
    rows = [ExportRow(code=resource.code, department="公安局", draft=make_draft(name="户籍人口基本信息（修订）"))]
    report = import_catalog(session, SYSTEM, _read(rows), filename="x.xlsx")
    assert report.updated == [resource.code] and resource.name == "户籍人口基本信息（修订）"


def test_a_data_admin_imports_only_the_own_department(session):
    make_department(session, name="上海市公安局", short_name="公安局")
    civil = make_department(session, name="上海市民政局", short_name="民政局")
    admin = actor_for(make_user(session, Role.DATA_ADMIN, department_id=civil.id))
    report = import_catalog(session, admin, _read(_rows("公安局", 1)), filename="x.xlsx")
    assert [p.rule for p in report.problems] == ["import.other_department"]
    report = import_catalog(session, admin, _read(_rows("民政局", 1)), filename="x.xlsx", submit=True)
    assert report.applied and session.scalar(select(Resource.status)) == "submitted"
