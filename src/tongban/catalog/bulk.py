"""Publishing many resources at once (demo city at scale, benchmarks): the same rules, set-based writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.catalog import search_store
from tongban.catalog.drafts import ResourceDraft, check
from tongban.catalog.model import AuthoritativeSource, DataItem, Resource, ResourceVersion, SearchTerm
from tongban.catalog.search import resource_terms
from tongban.db import utcnow
from tongban.errors import InvalidInput
from tongban.identity.model import Department
from tongban.identity.policy import Action, Actor
from tongban.identity.service import actor_ref, require


class _Codes:
    """Hands out resource codes per classification, continuing after what the catalog already has."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.next: dict[str, int] = {}

    def take(self, class_code: str) -> str:
        if class_code not in self.next:
            prefix = f"{class_code}/"
            last = self.session.scalar(select(func.max(Resource.code)).where(
                Resource.code.between(prefix + "000000", prefix + "999999")))
            self.next[class_code] = int(last.rsplit("/", 1)[1]) + 1 if last else 1
        sequence = self.next[class_code]
        self.next[class_code] = sequence + 1
        return f"{class_code}/{sequence:06d}"


def _chunks(rows: Iterable[tuple[Department, ResourceDraft]], size: int) -> Iterator[list[tuple[Department,
                                                                                                ResourceDraft]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def publish_many(session: Session, actor: Actor, rows: Iterable[tuple[Department, ResourceDraft]], *,
                 today: dt.date | None = None, batch: int = 500,
                 progress: Callable[[int], None] = lambda n: None) -> int:
    """Validate and publish resources in batches, inside the caller's transaction; one audit record in all.

    Any invalid draft stops the whole load with every problem of that batch (the transaction rolls back).
    """
    require(actor, Action.CATALOG_REVIEW, event="catalog.publish_many")
    codes, total = _Codes(session), 0
    for chunk in _chunks(rows, batch):
        problems = [(n, e) for n, (_, draft) in enumerate(chunk, start=total + 1) for e in check(draft)]
        if problems:
            raise InvalidInput("Resource {n} has problems", code="catalog.invalid", params={"n": problems[0][0]},
                               errors=[e for _, e in problems[:50]])
        insert_resources(session, actor, chunk, codes=codes, status="published", today=today or dt.date.today())
        total += len(chunk)
        progress(len(chunk))
    record(session, AuditEvent("catalog.publish_many", actor_ref(actor), target_type="catalog",
                               details={"resources": total}))
    return total


def insert_resources(session: Session, actor: Actor, chunk: list[tuple[Department, ResourceDraft]], *,
                     codes: _Codes | None = None, status: str = "draft", today: dt.date | None = None) -> list[str]:
    """Insert already-validated resources set-based (no permission check, no audit: callers do both).

    Published ones (``status="published"``) get version 1, a snapshot and search terms; drafts get none of them.
    Returns the new codes in order.
    """
    if not chunk:
        return []
    codes = codes or _Codes(session)
    published = status == "published"
    search_version = search_store.bump(session) if published else None
    now = utcnow()
    user_id = actor.id if actor.kind == "user" else None
    values = [{
        "code": codes.take(d.class_code), "class_code": d.class_code, "name": d.name.strip(),
        "department_id": dept.id, "abstract": d.abstract, "format": d.format, "sharing_type": d.sharing_type,
        "sharing_condition": d.sharing_condition, "share_methods": list(d.share_methods),
        "open_type": d.open_type, "open_condition": d.open_condition, "update_cycle": d.update_cycle,
        "publish_date": today if published else None, "related_codes": list(d.related_codes),
        "legal_basis": d.legal_basis, "record_count": d.record_count, "status": status,
        "version": 1 if published else 0, "created_by": user_id, "created_at": now, "updated_at": now,
        "search_version": search_version,
    } for dept, d in chunk]
    ids = session.scalars(insert(Resource).returning(Resource.id, sort_by_parameter_order=True), values).all()
    items, versions, terms, sources = [], [], [], []
    for rid, row, (dept, draft) in zip(ids, values, chunk, strict=True):
        for position, item in enumerate(draft.items, start=1):
            items.append({"resource_id": rid, "position": position, "name": item.name.strip(), "code": item.code,
                          "data_type": item.data_type, "length": item.length, "description": item.description,
                          "personal": item.personal, "sensitivity": item.sensitivity,
                          "authoritative": item.authoritative})
            if item.authoritative:
                sources.append({"item_code": item.code, "resource_id": rid, "department_id": dept.id})
        if published:
            versions.append({"resource_id": rid, "version": 1, "published_by": user_id, "published_at": now,
                             "snapshot": {**draft.as_dict(), "code": row["code"], "department": dept.name}})
            weights = resource_terms(draft.name, [i.name for i in draft.items], dept.name, draft.abstract)
            terms.extend({"resource_id": rid, "term": t, "weight": w} for t, w in weights.items())
    for model, rows_ in ((DataItem, items), (ResourceVersion, versions), (SearchTerm, terms),
                         (AuthoritativeSource, sources)):
        if rows_:
            session.execute(insert(model), rows_)
    return [row["code"] for row in values]
