"""Match, survivorship and conflicts, as DuckDB SQL over every standardised row of a base.

Input tables (made by the build): ``feeds(feed_id, department_id, filename, delivered_on)``, ``std`` (every
standardised row with its ``feed_id``), ``rejects`` (rows ingest could not read) and ``decisions`` (a clerk's answers
to earlier reviews). A row with a valid key links by it; a row without one is linked by :mod:`linkage` (splink for
people, the name for entities) when the link is certain enough, and goes to the clerical review queue otherwise.
Output tables:

- ``outcomes(feed_id, row, outcome, key, reason)`` — one per source row: ``linked``, ``duplicate``, ``quarantined``
  or ``review``; the lineage, and the accounting (rows read = the four outcomes) is checked from it;
- ``links(feed_id, row, key, probability, decision)`` — every row without a valid key: accept, review (``key`` is
  the suggestion for the clerk), none or rejected;
- ``golden`` — one row per key with, per field, ``{v, dept, feed, row, at}``: the value the authoritative source
  department (数源) gave, else the most recent valid value, with where it came from; its former names (``history``)
  and which fields its rows' feeds carry (``_carried``, for the quality report);
- ``conflicts`` — a source row whose value for a conflict field differs from the golden one, from another department.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import duckdb

from tongban.registry import addresses, linkage
from tongban.registry.bases import ROW_TIME, BaseSpec
from tongban.registry.industry import industry_sql
from tongban.registry.linkage import LinkStats
from tongban.registry.parts import KeyParts, key_parts
from tongban.registry.rules_data import ADDRESS_PARTS


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ident(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def resolve(con: duckdb.DuckDBPyConnection, spec: BaseSpec, authoritative: dict[str, int], *,
            library: str | None = None, seconds: dict[str, float] | None = None,
            carried: Mapping[int, int] | None = None) -> LinkStats | None:
    """Build ``outcomes``, ``golden`` and ``conflicts`` for ``spec`` from ``feeds``, ``std``, ``rejects`` and
    ``decisions`` (a clerk's earlier answers: feed_id, row, key, decision accepted | rejected); addresses link to
    the standard address library (a Parquet file of its standardised rows) when there is one. Returns what
    probabilistic linkage did, when it ran; ``seconds`` receives the time of each step. ``carried`` maps a feed to
    a mask of the fields it carries (a bit per field); golden's ``_carried`` ORs them over each record's rows."""
    lap = _Lap(seconds if seconds is not None else {})
    con.execute("CREATE TEMP TABLE IF NOT EXISTS decisions (feed_id BIGINT, row BIGINT, key VARCHAR, decision VARCHAR)")
    con.execute("CREATE TEMP TABLE IF NOT EXISTS replays (feed_id BIGINT, row BIGINT, status VARCHAR, corrected JSON)")
    if _rows(con, spec):  # a table, to be updated
        _accepted_as_they_are(con, spec)
    lap("rows")
    valid = f"{spec.status} = '{spec.valid}'"
    upgraded = f"OR {spec.upgraded} IN (SELECT key FROM known)" if spec.upgraded else ""
    # Deterministic links: a valid key; an outdated form whose upgrade is a key already known; a clerk's answer.
    # The rows without a valid key that link all the same (``rescued``) are few: kept apart, they tell the rows
    # left for linkage without an anti-join of every row.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE rescued AS
        WITH known AS (SELECT DISTINCT {spec.key} AS key FROM r WHERE NOT hard AND {valid}),
        accepted AS (SELECT feed_id, "row", key FROM decisions  -- a record that still exists: else matched again
                     WHERE decision = 'accepted' AND key IN (SELECT key FROM known))
        SELECT r.feed_id, r."row", {f'coalesce(a.key, {spec.upgraded})' if spec.upgraded else 'a.key'} AS key
        FROM r LEFT JOIN accepted a USING (feed_id, "row")
        WHERE NOT hard AND {spec.status} IS DISTINCT FROM '{spec.valid}' AND (a.key IS NOT NULL {upgraded})""")
    # The keyed rows with their key: a valid key's rows by a filter, the rescued few by a join (a table of every
    # row's key, joined back, cost 7.1 s at 4 M people against 2.9).
    con.execute("DROP VIEW IF EXISTS linked")  # the previous resolve's, on this connection
    con.execute(f"""CREATE TEMP VIEW linked AS SELECT r.*, {spec.key} AS key FROM r WHERE NOT hard AND {valid}
                    UNION ALL SELECT r.*, x.key FROM r JOIN rescued x USING (feed_id, "row")""")
    lap("keys")
    (rows,) = con.execute(f"""SELECT (SELECT count(*) FROM r WHERE NOT hard AND {valid})
                                     + (SELECT count(*) FROM rescued)""").fetchone() or (0,)
    columns = ["key", *spec.fields, "dept", "row", "feed_id", "seen_on", "_copy",
               *(linkage.ROW_COLUMNS if spec.linkage == "people" else ())]
    with key_parts(con, rows, SURVIVORSHIP_ROWS, columns) as parts:
        parts.write("keyed", "linked")
        lap("parts")
        stats = _link(con, spec, parts)
        lap("linkage")
        con.execute("DROP VIEW linked")
        parts.write("links", """(SELECT r.*, l.key FROM r JOIN (SELECT feed_id, "row", key FROM links
                                                               WHERE decision = 'accept') l USING (feed_id, "row"))""")
        _golden(con, spec, authoritative, parts, carried or {})
    lap("golden")
    # copy: 1 for the first of a key's identical rows in a feed (linked), 2 for the others (duplicates)
    con.execute("""CREATE TEMP VIEW linked AS
                   SELECT r.*, o.key, CASE o.outcome WHEN 'linked' THEN 1 ELSE 2 END AS copy
                   FROM r JOIN outcomes o USING (feed_id, "row") WHERE o.outcome IN ('linked', 'duplicate')""")
    if spec.derived_from:
        _derive(con, spec, library)
    lap("derive")
    con.execute("""
        INSERT INTO outcomes  -- after the linked and duplicate rows, written a part at a time
        SELECT feed_id, "row", 'quarantined', NULL,
               array_to_string(list_distinct([x.rule FOR x IN findings IF x.severity = 'hard']), ';')
        FROM r WHERE hard
        UNION ALL
        SELECT feed_id, "row", 'review', NULL, 'match.' || decision FROM links WHERE decision <> 'accept'
        UNION ALL
        SELECT feed_id, "row", 'quarantined', NULL, rule FROM rejects""")
    lap("outcomes")
    return stats


class _Lap:
    """Records the seconds since the previous call under a step's name."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into, self.last = into, time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.into[step], self.last = round(now - self.last, 2), now


# Working tables resolve leaves for publish (:func:`drop_working`); keyed and copies only builds before 2026-11-28 made.
WORKING = ("r", "keyed", "rescued", "copies")


def drop_working(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the working tables once the build has published (each holds a row per source row)."""
    for table in WORKING:
        _drop(con, table)


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop ``name``, a view of this connection or a table."""
    (view,) = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND temporary",
                          [name]).fetchone() or (0,)
    if view:
        con.execute(f"DROP VIEW {name}")
    con.execute(f"DROP TABLE IF EXISTS {name}")


def _rows(con: duckdb.DuckDBPyConnection, spec: BaseSpec) -> bool:
    """``r``: every standardised row with its department and when it was true; a field no feed delivered is
    NULL, and an alias fills its field where the field is empty (a taxpayer's name, the company's name).

    A view over ``std``: writing the rows once more cost 5 s a million people, more than the steps that read them
    again spend on it. When an operator accepted quarantined rows as they are, ``r`` is a table instead, to be
    updated (:func:`_accepted_as_they_are`) — of the base's DuckDB file, not a temporary one: DuckDB compresses
    those, and spills temporary tables uncompressed (at 24 M people 35 GB of spill). Returns whether ``r`` is a
    table."""
    have = {c for (c, *_) in con.execute("DESCRIBE std").fetchall()}
    needed = {f: "VARCHAR" for f in spec.fields} | (linkage.COLUMNS if spec.linkage == "people" else {}) | {
        f"{source}_{part}": "VARCHAR" for source, how in spec.derived_from.values() if how == "address"
        for part in ADDRESS_PARTS}  # a standardised feed has the columns of its own items only
    extra = [f"NULL::{kind} AS {_q(f)}" for f, kind in needed.items() if f not in have]
    replace = [f"coalesce(s.{_q(f)}, s.{_q(a)}) AS {_q(f)}" for a, f in spec.aliases.items() if a in have and f in have]
    extra += [f"s.{_q(a)} AS {_q(f)}" for a, f in spec.aliases.items() if a in have and f not in have]
    at = f"coalesce({', '.join(f's.{c}' if c in have else 'NULL::DATE' for c in ROW_TIME)}, f.delivered_on)"
    (accepted,) = con.execute("SELECT count(*) FROM replays WHERE status = 'accepted'").fetchone() or (0,)
    _drop(con, "r")
    con.execute(f"""
        CREATE {'TABLE' if accepted else 'TEMP VIEW'} r AS
        SELECT *, hash({', '.join(_q(f) for f in spec.fields)}) AS _copy FROM (
            SELECT s.*{f' REPLACE ({", ".join(replace)})' if replace else ''}{''.join(', ' + e for e in extra)},
                   f.department_id AS dept, {at} AS seen_on
            FROM std s JOIN feeds f USING (feed_id))""")
    return bool(accepted)


def _accepted_as_they_are(con: duckdb.DuckDBPyConnection, spec: BaseSpec) -> None:
    """Quarantined rows the operator accepted are no longer hard; the key as delivered is taken as valid (a real
    number failing its check digit, say) when it has the key's shape — a 15-digit ID as its upgrade — else the row
    is matched like any without a key. ``r`` is a table then (:func:`_rows`)."""
    have = {c for (c, *_) in con.execute("DESCRIBE r").fetchall()}
    given = f"{spec.status.removesuffix('_status')}_input"
    candidates = [spec.key]
    if spec.upgraded and spec.upgraded in have:
        candidates.append(spec.upgraded)
    if given in have:
        candidates.append(f"CASE WHEN regexp_full_match({given}, '{spec.key_pattern}') THEN {given} END")
    key = f"coalesce({', '.join(candidates)})"
    con.execute(f"""
        UPDATE r SET hard = FALSE, {spec.key} = {key},
                     {spec.status} = CASE WHEN {key} IS NOT NULL THEN '{spec.valid}' ELSE {spec.status} END
        FROM replays a WHERE a.feed_id = r.feed_id AND a."row" = r."row" AND a.status = 'accepted'""")


def _link(con: duckdb.DuckDBPyConnection, spec: BaseSpec, parts: KeyParts) -> LinkStats | None:
    """``links(feed_id, row, key, probability, decision)`` for every row not hard and not keyed: accept (it joins
    ``key``), review (a clerk decides; ``key`` is the suggestion), none (no candidate), rejected (a clerk said no).
    ``parts`` holds the keyed rows."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE unkeyed AS
        SELECT feed_id, "row" FROM r WHERE NOT hard AND {spec.status} IS DISTINCT FROM '{spec.valid}'
        EXCEPT SELECT feed_id, "row" FROM rescued""")
    (waiting,) = con.execute("SELECT count(*) FROM unkeyed").fetchone() or (0,)
    (people,) = con.execute("SELECT min(key) < max(key) FROM linked").fetchone() or (False,)
    stats = None
    if waiting and people and spec.linkage == "people":  # splink needs two people at least to compare with
        linkage.prepare(con, parts.sources("keyed"), parts.everything("keyed"))
        stats = linkage.link(con)
    elif waiting and spec.linkage == "entities":
        linkage.link_by_name(con, spec.key)
    else:
        con.execute("""CREATE OR REPLACE TABLE links AS SELECT feed_id, "row", NULL::VARCHAR AS key,
                       0.0::DOUBLE AS probability, 'none' AS decision FROM unkeyed""")
    # A clerk said the row is not the record suggested: linkage passed over that record; if it found no other, the
    # row stays rejected.
    con.execute("""
        UPDATE links SET decision = 'rejected', key = NULL FROM decisions d
        WHERE d.feed_id = links.feed_id AND d."row" = links."row" AND d.decision = 'rejected'
          AND (links.decision = 'none' OR d.key IS NOT DISTINCT FROM links.key)""")
    return stats


# Survivorship orders a field's values by (from its 数源, row time, feed, row). Packed into one HUGEINT per row the
# order is an integer comparison, and the winner's provenance is read back from the maximum: one arg_max and one max
# per field, three times faster than an arg_max of a struct ordered by a struct. Bits, low to high: department 20,
# row 40, feed 24, days since 0001-01-01 22 (clamped to the years 1–9999), then the 数源 flag.
_PACKED = {"dept": (0, 20), "row": (20, 40), "feed": (60, 24), "days": (84, 22)}
_SOURCE_BIT = 106
SURVIVORSHIP_ROWS = 4_000_000  # keyed rows in one key part (about 1.2 M people): more rows, more parts


def _golden(con: duckdb.DuckDBPyConnection, spec: BaseSpec, authoritative: dict[str, int], parts: KeyParts,
            carried: Mapping[int, int]) -> None:
    """``golden`` by survivorship, ``conflicts``, and the outcomes of the linked rows (linked, or duplicate: a copy
    of another row of its key in its feed), a part of the linked rows (``parts``) at a time."""
    (ok,) = con.execute(f"""
        SELECT coalesce((SELECT max(department_id) < {2 ** _PACKED['dept'][1]}
                                AND max(feed_id) < {2 ** _PACKED['feed'][1]} FROM feeds), TRUE)
           AND coalesce((SELECT max("row") < {2 ** _PACKED['row'][1]} FROM std), TRUE)""").fetchone() or (True,)
    if not ok:
        raise ValueError("a department, feed or row number is too large for survivorship's packed order")
    days = "least(greatest(seen_on, DATE '0001-01-01'), DATE '9999-12-31') - DATE '0001-01-01'"
    order = (f'dept::HUGEINT | ("row"::HUGEINT << {_PACKED["row"][0]}) | (feed_id::HUGEINT << {_PACKED["feed"][0]}) '
             f'| (({days})::HUGEINT << {_PACKED["days"][0]})')
    ranks, picks, structs = [], [], []
    for n, field in enumerate(spec.fields):
        source = int(authoritative.get(field, -1))
        column = _q(field)
        # NULL where the field is: arg_max and max pass over it (cheaper than a FILTER on each aggregate)
        ranks.append(f"CASE WHEN {column} IS NOT NULL THEN _o | ((dept = {source})::HUGEINT << {_SOURCE_BIT}) END "
                     f"AS _r{n}")
        picks.append(f"arg_max({column}, _r{n}) AS _v{n}, max(_r{n}) AS _o{n}")  # the winner made text, not each
        part = {name: f"((_o{n} >> {start}) & {2 ** bits - 1})" for name, (start, bits) in _PACKED.items()}
        structs.append(f"""CASE WHEN _o{n} IS NOT NULL THEN struct_pack(
            v := CAST(_v{n} AS VARCHAR), dept := {part['dept']}::BIGINT, feed := {part['feed']}::BIGINT,
            "row" := {part['row']}::BIGINT, at := DATE '0001-01-01' + {part['days']}::INTEGER) END AS {column}""")
    history, history_source = _q(spec.history), int(authoritative.get(spec.history, -1))
    masks = " ".join(f"WHEN {int(f)} THEN {int(m)}" for f, m in carried.items())
    mask = f"bit_or(CASE feed_id {masks} ELSE 0 END)" if masks else "0"
    for n, source in enumerate(parts.sources() or [parts.empty]):
        into = "CREATE OR REPLACE TABLE {} AS" if n == 0 else "INSERT INTO {}"
        # A part's rows once, in memory; which of them are copies of another, numbered over narrow rows only.
        con.execute(f"CREATE OR REPLACE TEMP TABLE _part AS SELECT * FROM {source}")
        con.execute("""CREATE OR REPLACE TEMP TABLE _copies AS
                       SELECT feed_id, "row", key, row_number() OVER (PARTITION BY feed_id, key, _copy
                                                                      ORDER BY "row") AS copy FROM _part""")
        con.execute(f"""{into.format('outcomes')} SELECT feed_id, "row", CASE WHEN copy = 1 THEN 'linked'
                        ELSE 'duplicate' END AS outcome, key, '' AS reason FROM _copies""")
        firsts = """(SELECT * FROM _part ANTI JOIN (SELECT feed_id, "row" FROM _copies WHERE copy > 1)
                     USING (feed_id, "row"))"""
        start = int((con.execute("SELECT count(*) FROM golden").fetchone() or (0,))[0]) if n else 0
        con.execute(f"""
            {into.format('golden')}
            SELECT key, {', '.join(structs)},
                   list_sort([x FOR x IN history IF x != _v{spec.fields.index(spec.history)}]) AS history,
                   _carried
            FROM (SELECT key, {', '.join(picks)}, {mask}::BIGINT AS _carried,
                         list(DISTINCT {history}) FILTER (WHERE dept = {history_source} AND {history} IS NOT NULL)
                             AS history
                  FROM (SELECT *, {', '.join(ranks)} FROM (SELECT *, {order} AS _o FROM {firsts}))
                  GROUP BY key)""")
        # against the part's records, the rows just appended (a temporary table of them cost a copy of each)
        _conflicts(con, spec, firsts, f"(SELECT * FROM golden WHERE rowid >= {start})", into.format("conflicts"))
    for table in ("_part", "_copies"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _derive(con: duckdb.DuckDBPyConnection, spec: BaseSpec, library: str | None) -> None:
    """The derived fields, each with the provenance of the field it comes from: the industry from the business
    scope; an address's code in the standard address library (NULL without a library, or when the address fits
    no library address or several)."""
    if library is None and all(how == "address" for _, how in spec.derived_from.values()):
        for name, (source, _) in spec.derived_from.items():  # nothing to derive: golden is not written again
            (kind,) = con.execute("SELECT column_type FROM (DESCRIBE golden) WHERE column_name = ?",
                                  [source]).fetchone() or ("",)
            con.execute(f"ALTER TABLE golden ADD COLUMN {_q(name)} {kind}")
        return
    parts, joins = [], []
    for n, (name, (source, how)) in enumerate(spec.derived_from.items()):
        column = _q(source)
        if how == "industry":
            value = industry_sql(f"{column}.v")
        elif library is None:
            value = "NULL::VARCHAR"
        else:  # the parsed parts of the row the golden value came from, linked to the library
            con.execute(f"""
                CREATE OR REPLACE TEMP VIEW _winners AS
                SELECT g.key, l.* EXCLUDE (key) FROM golden g
                JOIN linked l ON l.feed_id = g.{column}.feed AND l."row" = g.{column}."row" AND l.key = g.key""")
            con.execute(f"CREATE OR REPLACE TEMP TABLE _codes_{n} AS "
                        f"{addresses.link_sql('_winners', source, library, key=('key',))}")
            joins.append(f"LEFT JOIN _codes_{n} USING (key)")
            value = f"_codes_{n}.{_q(addresses.code_column(source))}"
        parts.append(f"CASE WHEN {value} IS NOT NULL THEN struct_pack(v := {value}, dept := {column}.dept, "
                     f"feed := {column}.feed, \"row\" := {column}.\"row\", at := {column}.at) END AS {_q(name)}")
    con.execute(f"CREATE OR REPLACE TABLE golden AS SELECT golden.*, {', '.join(parts)} FROM golden {' '.join(joins)}")
    for n in range(len(spec.derived_from)):
        con.execute(f"DROP TABLE IF EXISTS _codes_{n}")
    con.execute("DROP VIEW IF EXISTS _winners")


def _conflicts(con: duckdb.DuckDBPyConnection, spec: BaseSpec, rows: str, records: str, into: str) -> None:
    """Other departments' differing values of the conflict fields, in one pass over ``rows`` (linked first copies;
    a pass per field joined the rows again for each) against ``records`` (their golden records), ``into``
    ``conflicts`` (``CREATE OR REPLACE TABLE conflicts AS``, or ``INSERT INTO conflicts``)."""
    if not spec.conflicts:
        if into.startswith("CREATE"):
            con.execute("""CREATE OR REPLACE TABLE conflicts (key VARCHAR, item VARCHAR, kept_value VARCHAR,
                           kept_from BIGINT, other_value VARCHAR, department_id BIGINT, feed_id BIGINT,
                           "row" BIGINT)""")
        return
    pairs = ", ".join(
        f"struct_pack(item := {_ident(field)}, kept_value := g.{_q(field)}.v, kept_from := g.{_q(field)}.dept, "
        f"other_value := CAST(l.{_q(field)} AS VARCHAR))" for field in spec.conflicts)
    # Each row's differing pairs are picked out of its list before it is unnested: most rows have none.
    con.execute(f"""
        {into}
        SELECT key, item, any_value(kept_value) AS kept_value, any_value(kept_from) AS kept_from, other_value,
               department_id, min(feed_id) AS feed_id, arg_min("row", (feed_id, "row")) AS "row"
        FROM (SELECT key, department_id, feed_id, "row", unnest(pair, recursive := true)
              FROM (SELECT key, department_id, feed_id, "row", unnest(pairs) AS pair
                    FROM (SELECT l.key, l.dept AS department_id, l.feed_id, l."row",
                                 [p FOR p IN [{pairs}] IF p.other_value IS NOT NULL AND p.other_value != p.kept_value
                                                          AND l.dept != p.kept_from] AS pairs
                          FROM {rows} l JOIN {records} g USING (key))
                    WHERE len(pairs) > 0))
        GROUP BY key, item, other_value, department_id""")


def accounting(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, int]]:
    """Per feed, how many rows ended in each outcome."""
    out: dict[int, dict[str, int]] = {}
    for feed_id, outcome, n in con.execute(
            "SELECT feed_id, outcome, count(*) FROM outcomes GROUP BY ALL ORDER BY ALL").fetchall():
        out.setdefault(int(feed_id), {})[str(outcome)] = int(n)
    return out
