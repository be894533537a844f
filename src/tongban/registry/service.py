"""Registry use cases: a department delivers a feed for one of its catalog resources; quarantined rows are corrected
or accepted; a clerk answers the review queue; a department answers a doubtful-data notice. They never commit.

A delivery is kept byte for byte in the feed store under its SHA-256, registered with department, resource and time,
and audited; the same file delivered again for the same resource is recognised and not registered twice. Every
decision on a row is audited and holds for every later build, which replays it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.catalog import queries as catalog_queries
from tongban.catalog.model import Resource
from tongban.db import Base, utcnow
from tongban.errors import FieldError, InvalidInput, NotFound
from tongban.identity.policy import Action, Actor, Target
from tongban.identity.service import actor_ref, require
from tongban.registry import feed_files
from tongban.registry.bases import BASES
from tongban.registry.model import Conflict, Feed, QuarantinedRow, Review

CHUNK = 1 << 20


@dataclass(frozen=True)
class Delivery:
    """The registered feed, and whether this file had been delivered before (then nothing new was registered)."""

    feed: Feed
    repeated: bool = False


def find_resource(session: Session, name_or_code: str) -> Resource:
    """A published catalog resource by code, or by its exact name when only one published resource has it."""
    found = catalog_queries.published_by_code_or_name(session, name_or_code)
    if not found:
        raise NotFound("No published catalog resource is called {name}", code="registry.resource",
                       params={"name": name_or_code})
    if len(found) > 1:
        raise NotFound("{name} names {n} resources: give the resource code", code="registry.resource_ambiguous",
                       params={"name": name_or_code, "n": len(found)})
    return found[0]


def _store(source: BinaryIO | Iterable[bytes], directory: Path) -> tuple[Path, str, int]:
    """Copy the delivery into a temporary file in the store, hashing as it goes (never all in memory)."""
    directory.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle, name = tempfile.mkstemp(prefix="incoming-", dir=directory)
    chunks = iter(lambda: source.read(CHUNK), b"") if hasattr(source, "read") else source
    with os.fdopen(handle, "wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Path(name), digest.hexdigest(), size


def deliver_feed(session: Session, actor: Actor, resource_code: str, filename: str,
                 source: BinaryIO | Iterable[bytes], *, store: Path) -> Delivery:
    """Receive a feed file for a resource of the actor's department: checked, kept and registered, or refused with
    every problem named (file, column, rule) and nothing kept."""
    resource = find_resource(session, resource_code)
    require(actor, Action.REGISTRY_DELIVER, Target(department_id=resource.department_id), target_id=resource.code,
            event="registry.deliver")
    incoming, sha256, size = _store(source, store / "incoming")
    try:
        repeated = session.scalar(select(Feed).where(Feed.resource_id == resource.id, Feed.sha256 == sha256))
        if repeated is not None:
            record(session, AuditEvent("registry.deliver", actor_ref(actor), target_type="feed",
                                       target_id=str(repeated.id), details={"repeated": True, "filename": filename}))
            return Delivery(repeated, repeated=True)
        items = [feed_files.Item(i.code, i.name) for i in resource.items]
        header, problems = feed_files.inspect(incoming, filename, items)
        if header is None:
            raise InvalidInput("{filename} cannot be accepted as a feed of {resource}", code="registry.invalid_feed",
                               params={"filename": filename, "resource": resource.name}, errors=problems,
                               audit=AuditEvent("registry.deliver", actor_ref(actor), "failed", "resource",
                                                resource.code, details={"filename": filename,
                                                                        "rules": [p.code for p in problems]}))
        stored_as = f"{sha256[:2]}/{sha256}.{header.format}"
        (store / stored_as).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(incoming, store / stored_as)
    finally:
        incoming.unlink(missing_ok=True)
    feed = Feed(resource_id=resource.id, department_id=resource.department_id, filename=Path(filename).name[:255],
                sha256=sha256, size_bytes=size, format=header.format, encoding=header.encoding,
                columns=header.columns, missing=header.missing, stored_as=stored_as, delivered_by=actor.name)
    session.add(feed)
    session.flush()
    record(session, AuditEvent("registry.deliver", actor_ref(actor), target_type="feed", target_id=str(feed.id),
                               details={"resource": resource.code, "filename": feed.filename, "sha256": sha256,
                                        "bytes": size, "format": header.format, "encoding": header.encoding}))
    return Delivery(feed)


def list_feeds(session: Session, actor: Actor, *, department_id: int | None = None) -> list[Feed]:
    """Delivered feeds, newest first: a data admin sees their department's, the operator and auditor all."""
    scope = department_id if department_id is not None else actor.department_id
    require(actor, Action.REGISTRY_READ, Target(department_id=scope))
    query = select(Feed).order_by(Feed.id.desc())
    if actor.kind != "system" and (actor.role is None or actor.role.value == "data_admin"):
        query = query.where(Feed.department_id == actor.department_id)
    elif department_id is not None:
        query = query.where(Feed.department_id == department_id)
    return list(session.scalars(query))


def accept_quarantined(session: Session, actor: Actor, row_id: int, *, justification: str) -> QuarantinedRow:
    """The operator accepts a quarantined row as it is (a real key that fails its check, say), with a reason kept in
    the audit log; it is no longer on the work list."""
    require(actor, Action.REGISTRY_RECORDS, target_id=str(row_id), event="registry.quarantine_accept")
    if not justification.strip():
        raise InvalidInput("Say why the row is accepted", code="registry.justification_required",
                           errors=[FieldError("justification", "is required", code="registry.required")])
    row = session.get(QuarantinedRow, row_id)
    if row is None or row.status != "open":
        raise NotFound("No open quarantined row {id}", code="registry.quarantine_not_found", params={"id": row_id})
    _replayable(row)
    row.status, row.decided_by, row.justification = "accepted", actor.name, justification.strip()
    record(session, AuditEvent("registry.quarantine_accept", actor_ref(actor), target_type="quarantine",
                               target_id=str(row_id), details={"feed": row.feed_id, "row": row.row,
                                                               "justification": row.justification}))
    return row


def _replayable(row: QuarantinedRow) -> None:
    """A row the file itself could not give (a line with too many fields, a quote never closed) has no values to
    correct or accept: the department delivers it again in a new feed."""
    if any(str(r.get("rule", "")).startswith("feed.") for r in row.reasons):
        raise InvalidInput("Row {row} could not be read from its file: deliver it again in a new feed",
                           code="registry.row_unreadable", params={"row": row.row})


def correct_quarantined(session: Session, actor: Actor, row_id: int, corrections: dict[str, str]) -> QuarantinedRow:
    """The department that delivered a quarantined row corrects some of its values; the next build replays the row
    with them (the delivered file stays as it was). Only the row's own columns can be corrected."""
    row = session.get(QuarantinedRow, row_id)
    feed = session.get(Feed, row.feed_id) if row is not None else None
    require(actor, Action.REGISTRY_DELIVER, Target(department_id=feed.department_id if feed else None),
            target_id=str(row_id), event="registry.quarantine_correct")
    if row is None or feed is None or row.status != "open":
        raise NotFound("No open quarantined row {id}", code="registry.quarantine_not_found", params={"id": row_id})
    _replayable(row)
    current = {**row.values, **(row.corrected or {})}
    changes = {k: v.strip() for k, v in corrections.items() if v is not None and v.strip() != (current.get(k) or "")}
    unknown = sorted(set(changes) - set(feed.columns))
    if unknown:
        raise InvalidInput("The feed has no column {column}", code="registry.correction_column",
                           params={"column": unknown[0]},
                           errors=[FieldError(c, "is not a column of the feed", code="registry.unknown_column")
                                   for c in unknown])
    if not changes:
        raise InvalidInput("Change at least one value", code="registry.correction_empty",
                           errors=[FieldError("values", "are unchanged", code="registry.unchanged")])
    row.corrected, row.status, row.decided_by = {**(row.corrected or {}), **changes}, "corrected", actor.name
    record(session, AuditEvent("registry.quarantine_correct", actor_ref(actor), target_type="quarantine",
                               target_id=str(row_id), details={"feed": row.feed_id, "row": row.row,
                                                               "corrected": changes}))
    return row


def decide_review(session: Session, actor: Actor, review_id: int, *, decision: str, note: str = "") -> Review:
    """A clerk answers a review: the row is the suggested record (``accept``) or not (``reject``); audited, and
    held by every later build."""
    require(actor, Action.REGISTRY_RECORDS, target_id=str(review_id), event="registry.review")
    if decision not in ("accept", "reject"):
        raise InvalidInput("Choose to link the row or reject the suggestion", code="registry.review_decision",
                           errors=[FieldError("decision", "must be accept or reject", code="registry.decision")])
    accept = decision == "accept"
    review = session.get(Review, review_id)
    if review is None or review.status != "open":
        raise NotFound("No open review {id}", code="registry.review_not_found", params={"id": review_id})
    if accept:
        _live_candidate(session, review)
    review.status = "accepted" if accept else "rejected"
    review.decided_by, review.decided_at = actor.name, utcnow()
    record(session, AuditEvent("registry.review", actor_ref(actor), target_type="review", target_id=str(review_id),
                               details={"decision": review.status, "feed": review.feed_id, "row": review.row,
                                        "candidate": review.candidate, "probability": review.probability,
                                        "note": note.strip()[:500]}))
    return review


def _live_candidate(session: Session, review: Review) -> None:
    """A row can only join a golden record that exists and is not retired."""
    spec = BASES[review.base]
    table = Base.metadata.tables[spec.table]
    live = review.candidate is not None and session.execute(
        select(table.c[spec.key]).where(table.c[spec.key] == review.candidate, table.c.retired_at.is_(None))).first()
    if not live:
        raise InvalidInput("Review {id} suggests no current record to link to", code="registry.review_no_candidate",
                           params={"id": review.id})


def answer_conflict(session: Session, actor: Actor, conflict_id: int, *, confirmed: bool) -> Conflict:
    """The department asked about a doubtful value answers: its value is right (confirmed) or it will correct it."""
    conflict = session.get(Conflict, conflict_id)
    target = conflict.department_id if conflict is not None else None
    require(actor, Action.REGISTRY_DELIVER, Target(department_id=target), target_id=str(conflict_id),
            event="registry.conflict_answer")
    if conflict is None or conflict.status != "open":
        raise NotFound("No open notice {id}", code="registry.conflict_not_found", params={"id": conflict_id})
    conflict.status = "confirmed" if confirmed else "corrected"
    record(session, AuditEvent("registry.conflict_answer", actor_ref(actor), target_type="conflict",
                               target_id=str(conflict_id), details={"answer": conflict.status, "key": conflict.key,
                                                                    "item": conflict.item}))
    return conflict
