"""Exporting the catalog: the rows a workbook, CSV or JSON file is written from."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tongban.catalog.model import Resource
from tongban.catalog.service import draft_of
from tongban.catalog.workbook import ExportRow
from tongban.catalog.workbook_write import template_workbook, write_csv, write_json, write_xlsx
from tongban.errors import InvalidInput
from tongban.identity.policy import Action, Actor
from tongban.identity.service import require


def export_rows(session: Session, actor: Actor, *, statuses: tuple[str, ...] = ("published",),
                department_id: int | None = None, batch: int = 500) -> Iterator[ExportRow]:
    """Every resource in the given statuses (published by default), by code, streamed in batches."""
    require(actor, Action.CATALOG_READ, event="catalog.export")
    stmt = (select(Resource).where(Resource.status.in_(statuses)).order_by(Resource.code)
            .options(selectinload(Resource.items), selectinload(Resource.department)))
    if department_id is not None:
        stmt = stmt.where(Resource.department_id == department_id)
    last = ""
    while True:
        page = session.scalars(stmt.where(Resource.code > last).limit(batch)).all()
        for resource in page:
            yield ExportRow(resource.code, resource.department.name, draft_of(resource), resource.status,
                            resource.version, resource.publish_date)
        if len(page) < batch:
            return
        last = page[-1].code


def export_file(session: Session, actor: Actor, fmt: str, *, vocabulary: str = "national",
                encoding: str = "utf-8-sig", statuses: tuple[str, ...] = ("published",)) -> bytes:
    """The catalog written as ``fmt`` (xlsx, csv or json); the one place that picks the writer."""
    rows = export_rows(session, actor, statuses=statuses)
    if fmt == "xlsx":
        return write_xlsx(rows, vocabulary=vocabulary)
    if fmt == "csv":
        return write_csv(rows, encoding=encoding, vocabulary=vocabulary)
    if fmt == "json":
        return write_json(rows)
    raise InvalidInput("Unknown export format {format}", code="catalog.export_format", params={"format": fmt})


def template_for(actor: Actor, vocabulary: str) -> bytes:
    """The fill-in workbook, for staff who may read the catalog."""
    require(actor, Action.CATALOG_READ, event="catalog.template")
    return template_workbook(vocabulary=vocabulary)
