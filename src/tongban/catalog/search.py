"""Catalog search: a portable term index in the database finds the matches, the in-memory search store counts
facets and orders them. The same SQL and the same ordering, and so the same results, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from tongban.catalog import search_store
from tongban.catalog import terms as term_rules
from tongban.catalog.model import DataItem, Resource, SearchTerm
from tongban.catalog.search_store import FACETS
from tongban.errors import InvalidInput

MAX_QUERY = 200
WEIGHTS = {"name": 8, "items": 4, "department": 2, "abstract": 1}
POSTINGS_CAP = 20_000
SORTS = ("relevance", "code", "name")
SCORE_BITS = 8  # a score is at most 8 × 24 terms = 192: it travels packed below the resource id
assert max(WEIGHTS.values()) * term_rules.MAX_QUERY_TERMS < 1 << SCORE_BITS


def resource_terms(name: str, item_names: list[str], department: str, abstract: str) -> dict[str, int]:
    """The weighted index terms of a resource's searchable text."""
    return term_rules.weighted_terms([(name, WEIGHTS["name"]), (" ".join(item_names), WEIGHTS["items"]),
                                      (department, WEIGHTS["department"]), (abstract, WEIGHTS["abstract"])])


def index_resource(session: Session, resource: Resource) -> None:
    """Replace the resource's index terms (called whenever its published content changes)."""
    session.execute(delete(SearchTerm).where(SearchTerm.resource_id == resource.id),
                    execution_options={"synchronize_session": False})
    search_store.stamp(session, [resource.id])
    weights = resource_terms(resource.name, [item.name for item in resource.items],
                             resource.department.name if resource.department else "", resource.abstract)
    if weights:
        session.execute(insert(SearchTerm), [{"resource_id": resource.id, "term": t, "weight": w}
                                             for t, w in weights.items()])


def unindex_resource(session: Session, resource_id: int) -> None:
    """Drop a resource from search (retired)."""
    session.execute(delete(SearchTerm).where(SearchTerm.resource_id == resource_id),
                    execution_options={"synchronize_session": False})
    search_store.stamp(session, [resource_id])


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


# The match is plain SQL built from a fixed shape (every value a bound parameter): it runs on every keystroke of the
# search box, and composing it as expression objects cost more than running it on small catalogs.
_AGGREGATE = {"sqlite": "group_concat({x}, ',')", "postgresql": "string_agg(CAST({x} AS TEXT), ',')"}


def _postings(session: Session, words: list[str]) -> dict[str, int]:
    """How many resources contain each word, counted up to a cap (enough to order words rarest first)."""
    if not words:
        return {}
    counts = ", ".join(f"(SELECT count(*) FROM (SELECT 1 FROM catalog_terms WHERE term = :w{n} LIMIT {POSTINGS_CAP})"
                       f" AS c{n})" for n in range(len(words)))
    row = session.execute(text(f"SELECT {counts}"), {f"w{n}": w for n, w in enumerate(words)}).one()
    return dict(zip(words, row, strict=True))


def _match_sql(exact: list[str], prefixes: list[str], dialect: str) -> tuple[str, dict[str, str]]:
    """One statement answering every match as a single text of ``resource_id << SCORE_BITS | score`` numbers.

    ``exact`` words (rarest first) are joined on the term key, starting from the rarest; a lone CJK character
    (``prefixes``) matches any term that begins with it, at that term's best weight."""
    params: dict[str, str] = {}
    if exact:
        source, score = "catalog_terms t0", ["t0.weight"]
        params["w0"] = exact[0]
        for n, word in enumerate(exact[1:], start=1):
            source += f" JOIN catalog_terms t{n} ON t{n}.term = :w{n} AND t{n}.resource_id = t0.resource_id"
            params[f"w{n}"] = word
            score.append(f"t{n}.weight")
        where = ["t0.term = :w0"]
    else:
        params.update(p0=prefixes[0], p0_end=prefixes[0] + "\uffff")
        source = ("(SELECT resource_id, max(weight) AS weight FROM catalog_terms WHERE term BETWEEN :p0 AND :p0_end"
                  " GROUP BY resource_id) t0")
        score, where, prefixes = ["t0.weight"], [], prefixes[1:]
    for n, prefix in enumerate(prefixes, start=1):
        params.update({f"p{n}": prefix, f"p{n}_end": prefix + "\uffff"})
        best = (f"(SELECT max(p{n}.weight) FROM catalog_terms p{n} WHERE p{n}.resource_id = t0.resource_id"
                f" AND p{n}.term BETWEEN :p{n} AND :p{n}_end)")
        where.append(f"{best} IS NOT NULL")
        score.append(best)
    packed = _AGGREGATE[dialect].format(x=f"t0.resource_id * {1 << SCORE_BITS} + {' + '.join(score)}")
    return f"SELECT {packed} FROM {source}" + (f" WHERE {' AND '.join(where)}" if where else ""), params


def _matched(session: Session, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(resource ids, scores) of the resources containing every word."""
    none = np.empty(0, dtype=np.int64)
    exact = [w for w in words if not (len(w) == 1 and not w.isascii())]
    prefixes = [w for w in words if w not in exact]
    counts = _postings(session, exact) if len(exact) > 1 else {w: 1 for w in exact}  # one word needs no order
    if any(n == 0 for n in counts.values()):
        return none, none
    sql, params = _match_sql(sorted(exact, key=lambda w: (counts[w], w)), prefixes, session.get_bind().dialect.name)
    packed = session.execute(text(sql), params).scalar()
    if not packed:
        return none, none
    values = np.fromstring(packed, dtype=np.int64, sep=",")
    return values >> SCORE_BITS, values & ((1 << SCORE_BITS) - 1)


def _mask(columns: search_store.Columns, flt: Filters) -> np.ndarray | None:
    """Which positions pass the filters (None: no filter)."""
    masks = []
    if flt.department_id is not None:
        masks.append(columns.equals("department_id", flt.department_id))
    if flt.class_code:
        masks.append(columns.class_prefix(flt.class_code))
    for name in ("sharing_type", "open_type", "update_cycle", "format"):
        value = getattr(flt, name)
        if value:
            masks.append(columns.equals(name, value))
    if not masks:
        return None
    mask = masks[0]
    for other in masks[1:]:
        mask = mask & other
    return mask


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
    cursor: str | None = None, limit: int = 20, with_items: bool = False,
) -> SearchPage:
    """Published resources matching every term of ``query`` and the filters, best first, with facet counts."""
    flt = flt or Filters()
    if len(query) > MAX_QUERY:
        raise InvalidInput("The search text is too long (at most {max} characters)", code="catalog.query_too_long",
                           params={"max": MAX_QUERY})
    if sort not in SORTS:
        raise InvalidInput("Unknown sort order {sort}", code="catalog.sort", params={"sort": sort})
    after = _uncursor(cursor) if cursor else None
    words = term_rules.query_terms(query)
    columns = search_store.current(session)
    if words:
        ids, scores = _matched(session, words)
        positions, found = columns.locate(ids)
        positions, scores = positions[found], scores[found]
    else:
        positions, scores = np.arange(len(columns)), np.zeros(len(columns), dtype=np.int64)
    mask = _mask(columns, flt)
    if mask is not None:
        keep = mask[positions]
        positions, scores = positions[keep], scores[keep]
    facets = columns.facet_counts(positions)
    total = len(positions)

    effective = sort if words or sort != "relevance" else "code"
    keys, floor = _order(columns, positions, scores, effective, after)
    if floor is not None:
        later = keys >= floor
        positions, scores, keys = positions[later], scores[later], keys[later]
    if len(keys) > limit + 1:
        head = np.argpartition(keys, limit)[:limit + 1]
        positions, scores, keys = positions[head], scores[head], keys[head]
    order = np.argsort(keys, kind="stable")
    page = [(int(positions[n]), int(scores[n])) for n in order[:limit]]
    next_cursor = None
    if len(order) > limit and page:
        last, score = page[-1]
        next_cursor = _cursor({"relevance": [-score, columns.codes[last]], "code": [columns.codes[last]] * 2,
                               "name": [columns.names[last], columns.codes[last]]}[effective])
    ids = [int(columns.ids[p]) for p, _ in page]
    loads = [joinedload(Resource.department), *([selectinload(Resource.items)] if with_items else [])]
    by_id = {r.id: r for r in session.scalars(select(Resource).where(Resource.id.in_(ids)).options(*loads))}
    return SearchPage([by_id[i] for i in ids if i in by_id], total, facets, next_cursor, words)


def _order(columns: search_store.Columns, positions: np.ndarray, scores: np.ndarray, sort: str,
           after: list[object] | None) -> tuple[np.ndarray, int | None]:
    """One integer sort key per match, and the smallest key that comes after the cursor (None: no cursor)."""
    size = max(len(columns), 1)
    try:
        if sort == "relevance":
            keys = ((1 << SCORE_BITS) - scores) * size + columns.code_rank[positions]
            floor = None if after is None else (  # the cursor holds (-score, code)
                ((1 << SCORE_BITS) + int(str(after[0]))) * size + columns.code_after(str(after[1])))
        elif sort == "code":
            keys = columns.code_rank[positions]
            floor = None if after is None else columns.code_after(str(after[1]))
        else:
            keys = columns.name_rank[positions]
            floor = None if after is None else columns.name_after(str(after[0]), str(after[1]))
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("The page cursor is not valid", code="catalog.cursor") from None
    return keys, None if floor is None else min(max(floor, 0), 1 << 62)


def item_count(session: Session, resource_ids: list[int]) -> dict[int, int]:
    """How many data items each resource has."""
    rows = session.execute(select(DataItem.resource_id, func.count()).where(DataItem.resource_id.in_(resource_ids))
                           .group_by(DataItem.resource_id))
    return dict(rows.all())
