"""Catalog search on a portable term index: the same SQL, and so the same results, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from sqlalchemy import Select, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from tongban.catalog import terms as term_rules
from tongban.catalog.model import DataItem, Resource, SearchTerm
from tongban.errors import InvalidInput

MAX_QUERY = 200
WEIGHTS = {"name": 8, "items": 4, "department": 2, "abstract": 1}
FACETS = ("department_id", "class", "sharing_type", "open_type", "update_cycle", "format")
SORTS = ("relevance", "code", "name")


def index_resource(session: Session, resource: Resource) -> None:
    """Replace the resource's index terms (called whenever its published content changes)."""
    session.execute(delete(SearchTerm).where(SearchTerm.resource_id == resource.id))
    weights = term_rules.weighted_terms([
        (resource.name, WEIGHTS["name"]),
        (" ".join(item.name for item in resource.items), WEIGHTS["items"]),
        (resource.department.name if resource.department else "", WEIGHTS["department"]),
        (resource.abstract, WEIGHTS["abstract"]),
    ])
    if weights:
        session.execute(insert(SearchTerm), [{"resource_id": resource.id, "term": t, "weight": w}
                                             for t, w in weights.items()])


def unindex_resource(session: Session, resource_id: int) -> None:
    """Drop a resource from search (retired)."""
    session.execute(delete(SearchTerm).where(SearchTerm.resource_id == resource_id))


@dataclass(frozen=True)
class Filters:
    """Facet selections; None means any."""

    department_id: int | None = None
    class_code: str | None = None  # a prefix: "1", "101", "101001"
    sharing_type: str | None = None
    open_type: str | None = None
    update_cycle: str | None = None
    format: str | None = None


@dataclass
class SearchPage:
    """One page of results with the total and the facet counts of the whole result set."""

    results: list[Resource]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    next_cursor: str | None = None
    terms: list[str] = field(default_factory=list)


def _matches(query_terms: list[str]) -> Select:  # type: ignore[type-arg]
    """resource_id, score of the resources containing every term (a single CJK character matches as a prefix)."""
    conditions = []
    for term in query_terms:
        if len(term) == 1 and not term.isascii():
            conditions.append(SearchTerm.term.between(term, term + "\uffff"))
        else:
            conditions.append(SearchTerm.term == term)
    hits = []
    for i, condition in enumerate(conditions):
        hits.append(select(SearchTerm.resource_id, func.max(SearchTerm.weight).label("w"), literal(i).label("k"))
                    .where(condition).group_by(SearchTerm.resource_id))
    union = hits[0].union_all(*hits[1:]).subquery() if len(hits) > 1 else hits[0].subquery()
    return (select(union.c.resource_id, func.sum(union.c.w).label("score")).group_by(union.c.resource_id)
            .having(func.count() == len(conditions)))


def _filtered(stmt: Select, flt: Filters) -> Select:  # type: ignore[type-arg]
    if flt.department_id is not None:
        stmt = stmt.where(Resource.department_id == flt.department_id)
    if flt.class_code:
        stmt = stmt.where(Resource.class_code.startswith(flt.class_code, autoescape=True))
    for name in ("sharing_type", "open_type", "update_cycle", "format"):
        value = getattr(flt, name)
        if value:
            stmt = stmt.where(getattr(Resource, name) == value)
    return stmt


def _cursor(values: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode()


def _uncursor(cursor: str) -> list[object]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise InvalidInput("The page cursor is not valid", code="catalog.cursor") from None
    if not isinstance(values, list) or len(values) != 2:
        raise InvalidInput("The page cursor is not valid", code="catalog.cursor")
    return values


def search(
    session: Session, query: str = "", flt: Filters | None = None, *, sort: str = "relevance",
    cursor: str | None = None, limit: int = 20, statuses: tuple[str, ...] = ("published",),
) -> SearchPage:
    """Published resources matching every term of ``query`` and the filters, best first, with facet counts."""
    flt = flt or Filters()
    if len(query) > MAX_QUERY:
        raise InvalidInput("The search text is too long (at most {max} characters)", code="catalog.query_too_long",
                           params={"max": MAX_QUERY})
    if sort not in SORTS:
        raise InvalidInput("Unknown sort order {sort}", code="catalog.sort", params={"sort": sort})
    words = term_rules.query_terms(query)
    if words:
        matched = _matches(words).subquery()
        base = select(Resource, matched.c.score).join(matched, matched.c.resource_id == Resource.id)
        score = matched.c.score
    else:
        score = literal(0)
        base = select(Resource, score.label("score"))
    base = _filtered(base.where(Resource.status.in_(statuses)), flt)

    ids = base.with_only_columns(Resource.id).subquery()
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    facets = {name: _facet(session, ids, name) for name in FACETS}

    effective = sort if words or sort != "relevance" else "code"
    order_key = {"relevance": score, "code": Resource.code, "name": Resource.name}[effective]
    descending = effective == "relevance"
    stmt = base
    if cursor:
        key, tie = _uncursor(cursor)
        beyond = order_key < key if descending else order_key > key
        stmt = stmt.where(beyond | ((order_key == key) & (Resource.code > tie)))
    stmt = stmt.order_by(order_key.desc() if descending else order_key, Resource.code).limit(limit + 1)
    rows = session.execute(stmt).all()
    results = [row[0] for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last, last_score = rows[limit - 1]
        key_value = {"relevance": last_score, "code": last.code, "name": last.name}[effective]
        next_cursor = _cursor([key_value, last.code])
    return SearchPage(results, total, facets, next_cursor, words)


def _facet(session: Session, ids, name: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    column = func.substr(Resource.class_code, 1, 3) if name == "class" else getattr(Resource, name)
    rows = session.execute(select(column, func.count()).where(Resource.id.in_(select(ids.c.id)))
                           .group_by(column).order_by(func.count().desc(), column))
    return {str(value): count for value, count in rows}


def item_count(session: Session, resource_ids: list[int]) -> dict[int, int]:
    """How many data items each resource has."""
    rows = session.execute(select(DataItem.resource_id, func.count()).where(DataItem.resource_id.in_(resource_ids))
                           .group_by(DataItem.resource_id))
    return dict(rows.all())
