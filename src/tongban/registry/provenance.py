"""How a golden record keeps its provenance: which department, feed, source row and date each field came from.

Stored compact — each source row once, each field the index of its source::

    {"@": [[2, 1, 156860, "1999-10-23"], [5, 4, 133454, "2024-06-03"]], "name": 0, "sex": 0, "phone": 1}

(``[department id, feed id, row in the feed, date]``; a field without a value has no entry). A record's fields come
from two to four source rows, so this is a third of the size of one object per field — at 24 M people, some 17 GB
less to write and keep. Records published before the compact form hold ``{"name": {"department": 2, "feed": 1,
"row": 156860, "at": "1999-10-23"}, …}``; :func:`per_field` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SOURCES = "@"


def per_field(stored: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """``{field: {"department", "feed", "row", "at"}}`` of the fields that have a source. Fields sharing a source
    share one dict: read it, do not change it."""
    if not stored:
        return {}
    sources = stored.get(SOURCES)
    if sources is None:  # one object per field
        return {name: source for name, source in stored.items() if source}
    expanded = [{"department": d, "feed": f, "row": r, "at": at} for d, f, r, at in sources]
    return {name: expanded[index] for name, index in stored.items()
            if name != SOURCES and index is not None and 0 <= index < len(expanded)}


# A source packed into one HUGEINT, so that a record's distinct sources sort, dedupe and are found as integers (as a
# list of structs this cost three times as much at publish). Bits, low to high: department 20, row 40, feed 24, then
# days since 0001-01-01 plus one (0: no date) 22 — sorted, a record's sources are in time order. Survivorship refuses
# departments, feeds and rows too large for these widths before any golden record exists.
_BITS = {"d": (0, 20), "r": (20, 40), "f": (60, 24), "t": (84, 22)}


def _packed(alias: str, column: str) -> str:
    f = f'{alias}."{column}"'
    days = f"coalesce(({f}.at - DATE '0001-01-01') + 1, 0)"
    return (f'CASE WHEN {f}.dept IS NOT NULL THEN ({f}.dept::HUGEINT | ({f}."row"::HUGEINT << {_BITS["r"][0]}) | '
            f'({f}.feed::HUGEINT << {_BITS["f"][0]}) | (({days})::HUGEINT << {_BITS["t"][0]})) END')


def _part(x: str, name: str) -> str:
    start, bits = _BITS[name]
    return f"(({x} >> {start}) & {2 ** bits - 1})"


def with_provenance(columns: Sequence[str], relation: str) -> str:
    """A SELECT of every column of ``relation`` (golden records: fields are structs of v, dept, feed, "row", at)
    and ``provenance``, the compact JSON text. Its sources are sorted, so that the same record gives the same text
    in every build. Each field's source is packed once, as a column, and then listed and found: packed again for
    each use, the text cost twice as much (10 CPU seconds a million records)."""
    packed = [f"_p{i}" for i in range(len(columns))]
    packs = ", ".join(f"{_packed('g', c)} AS {p}" for c, p in zip(columns, packed, strict=True))
    sources = f"list_sort(list_distinct(list_filter([{', '.join(packed)}], lambda x: x IS NOT NULL)))"
    days = _part("x", "t")
    at = f"""CASE WHEN {days} = 0 THEN 'null' ELSE '"' || CAST(DATE '0001-01-01' + CAST({days} - 1 AS INTEGER)
             AS VARCHAR) || '"' END"""
    row = (f"'[' || CAST({_part('x', 'd')} AS VARCHAR) || ',' || CAST({_part('x', 'f')} AS VARCHAR) || ',' || "
           f"CAST({_part('x', 'r')} AS VARCHAR) || ',' || {at} || ']'")
    fields = ", ".join(f"""'"{c}":' || (list_position(_sources, {p}) - 1)""" for c, p in zip(columns, packed,
                                                                                               strict=True))
    text = (f"""'{{"@":[' || array_to_string(list_transform(_sources, lambda x: {row}), ',') || ']' || """
            f"""coalesce(',' || nullif(concat_ws(',', {fields}), ''), '') || '}}'""")
    return (f"SELECT * EXCLUDE (_sources, {', '.join(packed)}), {text} AS provenance "
            f"FROM (SELECT *, {sources} AS _sources FROM (SELECT g.*, {packs} FROM {relation} g))")
