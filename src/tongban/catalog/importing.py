"""Importing a filled-in workbook: validate everything first, then apply all of it in one transaction or nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.catalog import service
from tongban.catalog.bulk import insert_resources
from tongban.catalog.model import Resource
from tongban.catalog.workbook import ImportProblem, ImportResult, ParsedResource, locate, problem_order
from tongban.errors import FieldError
from tongban.identity.model import Department
from tongban.identity.policy import Action, Actor, Target, decide
from tongban.identity.service import actor_ref, require

PROVIDER = "资源提供方"
CODE = "资源代码"


@dataclass
class ImportReport:
    """What an import found and (unless a dry run or a problem stopped it) did."""

    filename: str
    resources: int
    items: int
    problems: list[ImportProblem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    encoding: str | None = None


def _departments(session: Session) -> dict[str, Department]:
    by_name: dict[str, Department] = {}
    for dept in session.scalars(select(Department)):
        by_name[dept.name] = dept
        by_name.setdefault(dept.short_name, dept)
    return by_name


def _cell_problem(parsed: ParsedResource, column: str, rule: str, message: str, **params: object) -> ImportProblem:
    return ImportProblem(parsed.sheet, parsed.row, column, rule, message, dict(params))


def may_import(actor: Actor) -> None:
    """Refuse the import form to anyone who may not edit catalog resources."""
    require(actor, Action.CATALOG_EDIT, event="catalog.import")


def import_catalog(session: Session, actor: Actor, result: ImportResult, *, filename: str,
                   dry_run: bool = False, submit: bool = False) -> ImportReport:
    """Check every row against the catalog; apply all rows in the caller's transaction only if none is wrong."""
    require(actor, Action.CATALOG_EDIT, event="catalog.import", target_id=filename)
    report = ImportReport(filename, len(result.resources), result.item_count, list(result.problems),
                          dry_run=dry_run, encoding=result.encoding)
    departments = _departments(session)
    plan: list[tuple[ParsedResource, Department, Resource | None]] = []
    claims: dict[str, list[ParsedResource]] = defaultdict(list)
    for parsed in result.resources:
        dept = departments.get(parsed.department.strip())
        if dept is None:
            report.problems.append(_cell_problem(parsed, PROVIDER, "import.unknown_department",
                                            "{department} is not a department of the platform",
                                            department=parsed.department))
            continue
        if not decide(actor, Action.CATALOG_EDIT, Target(department_id=dept.id)).allowed:
            report.problems.append(_cell_problem(parsed, PROVIDER, "import.other_department",
                                            "you may only import resources of your own department"))
            continue
        existing = None
        if parsed.code:
            existing = session.scalar(select(Resource).where(Resource.code == parsed.code))
            if existing is None or existing.department_id != dept.id:
                report.problems.append(_cell_problem(parsed, CODE, "import.unknown_code",
                                                "{code} is not a resource of {department}", code=parsed.code,
                                                department=dept.name))
                continue
            if existing.status in ("submitted", "retired"):
                report.problems.append(_cell_problem(parsed, CODE, "import.not_editable",
                                                "{code} is under review or retired and cannot be changed",
                                                code=parsed.code))
                continue
        for error in service.problems_of(session, parsed.draft, resource_id=existing.id if existing else None):
            report.problems.append(locate(parsed, error))
        for item in parsed.draft.items:
            if item.authoritative:
                claims[item.code].append(parsed)
        plan.append((parsed, dept, existing))
    for item_code, claimants in claims.items():
        for parsed in claimants[1:]:
            position = next(n for n, i in enumerate(parsed.draft.items, start=1) if i.code == item_code)
            report.problems.append(locate(parsed, FieldError(
                "items.authoritative", "{item} is claimed as authoritative by more than one resource in the file",
                {"item": item_code}, row=position, code="catalog.second_source")))
    report.problems.sort(key=problem_order)
    if report.problems or dry_run:
        return report
    new = [(dept, parsed.draft) for parsed, dept, existing in plan if existing is None]
    report.created = insert_resources(session, actor, new, status="submitted" if submit else "draft")
    for parsed, _, existing in plan:
        if existing is not None:
            service.change_draft(session, actor, existing, parsed.draft)
            report.updated.append(existing.code)
            if submit:
                service.mark_submitted(session, existing)
    record(session, AuditEvent("catalog.import", actor_ref(actor), target_type="file", target_id=filename,
                               details={"resources": report.resources, "items": report.items,
                                        "created": len(report.created), "updated": len(report.updated),
                                        "submitted": submit}))
    report.applied = True
    return report
