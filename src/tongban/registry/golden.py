"""Match, survivorship and conflicts, as DuckDB SQL over every standardised row of a base.

Input tables (made by the build): ``feeds(feed_id, department_id, filename, delivered_on)``, ``std`` (every
standardised row with its ``feed_id``) and ``rejects`` (rows ingest could not read). Output tables:

- ``outcomes(feed_id, row, outcome, key, reason)`` — one per source row: ``linked``, ``duplicate``, ``quarantined``
  or ``review``; the lineage, and the accounting (rows read = the four outcomes) is checked from it;
- ``golden`` — one row per key with, per field, ``{v, dept, feed, row, at}``: the value the authoritative source
  department (数源) gave, else the most recent valid value, with where it came from;
- ``conflicts`` — a source row whose value for a conflict field differs from the golden one, from another department.
"""

from __future__ import annotations

import duckdb

from tongban.registry.bases import ROW_TIME, BaseSpec


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ident(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def resolve(con: duckdb.DuckDBPyConnection, spec: BaseSpec, authoritative: dict[str, int]) -> None:
    """Build ``outcomes``, ``golden`` and ``conflicts`` for ``spec`` from ``feeds``, ``std`` and ``rejects``."""
    at = f"coalesce({', '.join(f's.{c}' for c in ROW_TIME)}, f.delivered_on)"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE r AS
        SELECT s.*, f.department_id AS dept, {at} AS seen_on FROM std s JOIN feeds f USING (feed_id)""")
    # Deterministic links: a valid 18-digit key; a 15-digit number whose upgrade is a key already known.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE keyed AS
        WITH known AS (SELECT DISTINCT {spec.key} AS key FROM r WHERE NOT hard AND id_status = 'valid18')
        SELECT r.*, CASE WHEN id_status = 'valid18' THEN {spec.key} ELSE id_upgraded END AS key
        FROM r WHERE NOT hard AND (id_status = 'valid18'
                                   OR (id_status = 'upgradable15' AND id_upgraded IN (SELECT key FROM known)))""")
    values = ", ".join(f"coalesce(CAST({_q(f)} AS VARCHAR), '')" for f in spec.fields)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE linked AS
        SELECT *, row_number() OVER (PARTITION BY feed_id, key, md5(concat_ws('|', {values})) ORDER BY "row") AS copy
        FROM keyed""")
    con.execute("""
        CREATE OR REPLACE TABLE outcomes AS
        SELECT feed_id, "row", CASE WHEN copy = 1 THEN 'linked' ELSE 'duplicate' END AS outcome, key,
               '' AS reason FROM linked
        UNION ALL
        SELECT feed_id, "row", 'quarantined', NULL,
               array_to_string(list_distinct([x.rule FOR x IN findings IF x.severity = 'hard']), ';')
        FROM r WHERE hard
        UNION ALL
        SELECT feed_id, "row", 'review', NULL, 'match.pending:' || id_status
        FROM r WHERE NOT hard AND (feed_id, "row") NOT IN (SELECT feed_id, "row" FROM keyed)
        UNION ALL
        SELECT feed_id, "row", 'quarantined', NULL, rule FROM rejects""")
    _golden(con, spec, authoritative)
    _conflicts(con, spec)


def _golden(con: duckdb.DuckDBPyConnection, spec: BaseSpec, authoritative: dict[str, int]) -> None:
    picks = []
    for field in spec.fields:
        source = int(authoritative.get(field, -1))
        column = _q(field)
        picks.append(f"""arg_max({{'v': CAST({column} AS VARCHAR), 'dept': dept, 'feed': feed_id, 'row': "row",
                                     'at': seen_on}}, (dept = {source}, seen_on, feed_id, "row"))
                         FILTER (WHERE {column} IS NOT NULL) AS {column}""")
    history, history_source = _q(spec.history), int(authoritative.get(spec.history, -1))
    con.execute(f"""
        CREATE OR REPLACE TABLE golden AS
        SELECT key, {', '.join(picks)},
               list(DISTINCT {history}) FILTER (WHERE dept = {history_source} AND {history} IS NOT NULL) AS history
        FROM linked WHERE copy = 1 GROUP BY key""")
    con.execute(f"UPDATE golden SET history = list_sort([x FOR x IN history IF x != {history}.v])")


def _conflicts(con: duckdb.DuckDBPyConnection, spec: BaseSpec) -> None:
    parts = [f"""
        SELECT l.key, {_ident(field)} AS item, g.{_q(field)}.v AS kept_value, g.{_q(field)}.dept AS kept_from,
               CAST(l.{_q(field)} AS VARCHAR) AS other_value, l.dept AS department_id, l.feed_id, l."row"
        FROM linked l JOIN golden g USING (key)
        WHERE l.copy = 1 AND l.{_q(field)} IS NOT NULL AND CAST(l.{_q(field)} AS VARCHAR) != g.{_q(field)}.v
          AND l.dept != g.{_q(field)}.dept""" for field in spec.conflicts]
    con.execute(f"""
        CREATE OR REPLACE TABLE conflicts AS
        SELECT key, item, any_value(kept_value) AS kept_value, any_value(kept_from) AS kept_from, other_value,
               department_id, min(feed_id) AS feed_id, arg_min("row", (feed_id, "row")) AS "row"
        FROM ({' UNION ALL '.join(parts)}) GROUP BY key, item, other_value, department_id""")


def accounting(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, int]]:
    """Per feed, how many rows ended in each outcome."""
    out: dict[int, dict[str, int]] = {}
    for feed_id, outcome, n in con.execute(
            "SELECT feed_id, outcome, count(*) FROM outcomes GROUP BY ALL ORDER BY ALL").fetchall():
        out.setdefault(int(feed_id), {})[str(outcome)] = int(n)
    return out
