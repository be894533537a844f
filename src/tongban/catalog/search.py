"""Catalog search on a portable term index: the same SQL, and so the same results, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, delete, func, insert, literal, select
from sqlalchemy.orm import Session, aliased, selectinload

from tongban.catalog import terms as term_rules
from tongban.catalog.model import DataItem, Resource, SearchTerm
from tongban.errors import InvalidInput

MAX_QUERY = 200
WEIGHTS = {"name": 8, "items": 4, "department": 2, "abstract": 1}
FACETS = ("department_id", "class", "sharing_type", "open_type", "update_cycle", "format")
FACET_COLUMNS = {
    "department_id": Resource.department_id, "class": func.substr(Resource.class_code, 1, 3),
    "sharing_type": Resource.sharing_type, "open_type": Resource.open_type, "update_cycle": Resource.update_cycle,
    "format": Resource.format,
}
POSTINGS_CAP = 20_000
SORTS = ("relevance", "code", "name")


def resource_terms(name: str, item_names: list[str], department: str, abstract: str) -> dict[str, int]:
    """The weighted index terms of a resource's searchable text."""
    return term_rules.weighted_terms([(name, WEIGHTS["name"]), (" ".join(item_names), WEIGHTS["items"]),
                                      (department, WEIGHTS["department"]), (abstract, WEIGHTS["abstract"])])


def index_resource(session: Session, resource: Resource) -> None:
    """Replace the resource's index terms (called whenever its published content changes)."""
    session.execute(delete(SearchTerm).where(SearchTerm.resource_id == resource.id),
                    execution_options={"synchronize_session": False})
    weights = resource_terms(resource.name, [item.name for item in resource.items],
                             resource.department.name if resource.department else "", resource.abstract)
    if weights:
        session.execute(insert(SearchTerm), [{"resource_id": resource.id, "term": t, "weight": w}
                                             for t, w in weights.items()])


def unindex_resource(session: Session, resource_id: int) -> None:
    """Drop a resource from search (retired)."""
    session.execute(delete(SearchTerm).where(SearchTerm.resource_id == resource_id),
                    execution_options={"synchronize_session": False})


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


def _postings(session: Session, term: str) -> int:
    """How many resources contain ``term``, counted up to a cap (enough to order terms rarest first)."""
    capped = select(literal(1)).where(SearchTerm.term == term).limit(POSTINGS_CAP).subquery()
    return session.scalar(select(func.count()).select_from(capped)) or 0


def _matches(session: Session, query_terms: list[str]) -> Select | None:  # type: ignore[type-arg]
    """(resource_id, score) of the resources containing every term, starting from the rarest term and probing
    the others by primary key; None when some term occurs nowhere. A lone CJK character matches as a prefix."""
    exact = [t for t in query_terms if not (len(t) == 1 and not t.isascii())]
    prefixes = [t for t in query_terms if t not in exact]
    counts = {t: _postings(session, t) for t in exact}
    if any(n == 0 for n in counts.values()):
        return None
    ordered = sorted(exact, key=lambda t: (counts[t], t))
    if ordered:
        first = aliased(SearchTerm)
        stmt = select(first.resource_id.label("resource_id")).where(first.term == ordered[0])
        weights = [first.weight]
        for term in ordered[1:]:
            other = aliased(SearchTerm)
            stmt = stmt.join(other, and_(other.resource_id == first.resource_id, other.term == term))
            weights.append(other.weight)
        rid = first.resource_id
    else:
        head = prefixes.pop(0)
        grouped = (select(SearchTerm.resource_id, func.max(SearchTerm.weight).label("w"))
                   .where(SearchTerm.term.between(head, head + "\uffff")).group_by(SearchTerm.resource_id).subquery())
        stmt = select(grouped.c.resource_id.label("resource_id"))
        weights, rid = [grouped.c.w], grouped.c.resource_id
    for prefix in prefixes:
        probe = aliased(SearchTerm)
        best = (select(func.max(probe.weight)).where(probe.resource_id == rid,
                                                     probe.term.between(prefix, prefix + "\uffff"))
                .scalar_subquery())
        stmt = stmt.where(best.is_not(None))
        weights.append(best)
    score = weights[0]
    for weight in weights[1:]:
        score = score + weight
    return stmt.add_columns(score.label("score"))


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
    columns = [Resource.id, Resource.code, Resource.name, *(FACET_COLUMNS[name] for name in FACETS)]
    if words:
        matched = _matches(session, words)
        if matched is None:
            return SearchPage([], 0, {name: {} for name in FACETS}, None, words)
        found = matched.subquery()
        stmt = select(*columns, found.c.score).join(found, found.c.resource_id == Resource.id)
    else:
        stmt = select(*columns, literal(0).label("score"))
    rows = session.execute(_filtered(stmt.where(Resource.status.in_(statuses)), flt)).all()
    facets = {name: _count(row[3 + n] for row in rows) for n, name in enumerate(FACETS)}

    effective = sort if words or sort != "relevance" else "code"
    key = {"relevance": lambda r: (-r.score, r.code), "code": lambda r: (r.code, r.code),
           "name": lambda r: (r.name, r.code)}[effective]
    rows.sort(key=key)
    total = len(rows)
    if cursor:
        after = tuple(_uncursor(cursor))
        rows = [r for r in rows if key(r) > after]
    page = rows[:limit]
    by_id = {r.id: r for r in session.scalars(select(Resource).where(Resource.id.in_([r.id for r in page]))
                                              .options(selectinload(Resource.department)))}
    next_cursor = _cursor(list(key(page[-1]))) if len(rows) > limit else None
    return SearchPage([by_id[r.id] for r in page], total, facets, next_cursor, words)


def _count(values: Iterable[object]) -> dict[str, int]:
    counts = Counter(str(v) for v in values)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def item_count(session: Session, resource_ids: list[int]) -> dict[int, int]:
    """How many data items each resource has."""
    rows = session.execute(select(DataItem.resource_id, func.count()).where(DataItem.resource_id.in_(resource_ids))
                           .group_by(DataItem.resource_id))
    return dict(rows.all())
