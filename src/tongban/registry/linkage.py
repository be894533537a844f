"""Probabilistic linkage: the rows without a valid ID, scored with splink (DuckDB) against the people resolved by ID.

A row whose ID is missing, 15-digit only or mistyped is linked here, against one record per resolved person:

- :func:`prepare` builds, from golden's ``r``, ``unkeyed`` and keyed rows, the temporary tables ``linkage_resolved``
  (per key its latest name, phone and address; sex and birth date from the key), ``linkage_candidates`` (the rows to
  link) and ``linkage_labelled`` (the rows of a sample of keys). Names are folded (:mod:`tongban.registry.names`) once
  per distinct character and joined back in SQL.
- :func:`link` trains from the rows already linked by ID, without EM: m from labelled pairs (rows sharing a valid ID),
  u from random pairs of resolved people (from value counts where agreeing is too rare to sample), the prior from how
  many rows have their person among the resolved. The ID comparison's m is the typo model's instead (labelled rows
  never disagree on it); it compares the digits other than the birth date, which is compared on its own.
- Blocking on name and birth date (each loosened in turn), phone, and the ID in three segments (a one-digit typo
  leaves two intact) keeps comparisons linear in the rows. A candidate's ``probability`` is its best key's normalised
  over every key it could be (at most one is right); ``links`` says ``accept`` (≥ ``accept``), ``review`` (best raw
  score ≥ ``review``: weak or ambiguous, for a clerk) or ``none``. Candidates that are the same new person as one
  another are left ``none``.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from tongban.registry.names import COMPOUND_SURNAMES, SURNAME_READINGS, char_table

__all__ = ["COLUMNS", "ROW_COLUMNS", "LinkStats", "drop_scratch", "link", "link_by_name", "prepare", "surname_length"]

TRAIN_KEYS = 50_000  # people whose rows give the labelled pairs
U_PAIRS = 1e7  # random pairs of resolved people for u
M_FLOOR = 0.005  # no level is impossible among matches: real data disagrees in ways the labels did not
ID_M = (0.5, 0.45, 0.05)  # ID digits other than the birth date: same, one digit off, other (the typo model)
KEEP_ABOVE = 0.001  # a pair scoring below this hardly changes a normalised probability: not kept
SHARED_PHONE = 5  # a phone more people have is a switchboard or a placeholder: not a person's, not compared
MIN_TRAINING_PAIRS = 100  # with fewer labelled pairs the model is not trusted to accept: links go to review

_PARTS = ("district", "street", "road", "number")
# The standardised columns linkage reads, with their types: a base whose feeds lack some has them as NULL.
COLUMNS: dict[str, str] = {
    "name": "VARCHAR", "sex": "VARCHAR", "birth_date": "DATE", "phone": "VARCHAR", "id_input": "VARCHAR",
    "id_upgraded": "VARCHAR", "id_status": "VARCHAR", "id_birth_date": "DATE", "id_sex": "VARCHAR",
    **{f"{a}_address_{p}": "VARCHAR" for a in ("residence", "household") for p in _PARTS}}
# The columns of a keyed row linkage reads (beside key, feed_id, "row", seen_on and _copy).
ROW_COLUMNS = ("name", "sex", "birth_date", "phone", *(f"{a}_address_{p}" for a in ("residence", "household")
                                                       for p in _PARTS))
_PAIR_COLUMN = re.compile(r"\b([a-z][a-z_]*?)_([lr])\b")  # x_l and x_r in a level's condition: l.x, r.x on a join


@dataclass
class LinkStats:
    """What :func:`link` did: candidates per decision, labelled pairs, pairs kept, time, and the model it trained."""

    accept: int = 0
    review: int = 0
    none: int = 0
    training_pairs: int = 0
    pairs_kept: int = 0  # scored pairs above KEEP_ABOVE
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict, repr=False)  # splink settings with the trained m and u


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()  # duckdb 2: always consume a result before splink uses the connection


def surname_length(name: str) -> str:
    """SQL: 2 when the name starts with a compound surname, else 1."""
    compounds = ", ".join(f"'{s}'" for s in COMPOUND_SURNAMES)
    return f"CASE WHEN length({name}) >= 3 AND substr({name}, 1, 2) IN ({compounds}) THEN 2 ELSE 1 END"


def _fold_names(con: duckdb.DuckDBPyConnection) -> None:
    """``_lk_names(name, folded, surname, given_name, name_pinyin)`` for each distinct name of ``r``."""
    con.execute("CREATE OR REPLACE TEMP TABLE _lk_names AS SELECT DISTINCT name FROM r WHERE name IS NOT NULL")
    chars = [c for (c,) in _rows(con, "SELECT DISTINCT unnest(string_split(name, '')) FROM _lk_names")]
    table = pa.Table.from_pylist([{"ch": c, "simple": s, "py": p} for c, s, p in char_table(chars)],
                                 schema=pa.schema([("ch", pa.string()), ("simple", pa.string()), ("py", pa.string())]))
    con.register("_lk_chars_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE _lk_chars AS SELECT * FROM _lk_chars_arrow")
    con.unregister("_lk_chars_arrow")
    con.execute("CREATE OR REPLACE TEMP TABLE _lk_surnames (surname VARCHAR, py VARCHAR)")
    con.executemany("INSERT INTO _lk_surnames VALUES (?, ?)", [*COMPOUND_SURNAMES.items(), *SURNAME_READINGS.items()])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_names AS
        WITH c AS (SELECT name, unnest(string_split(name, '')) AS ch, unnest(range(length(name))) AS i
                   FROM _lk_names),
        f AS (SELECT name, string_agg(t.simple, '' ORDER BY i) AS s, list(t.py ORDER BY i) AS pys
              FROM c JOIN _lk_chars t USING (ch) GROUP BY name),
        k AS (SELECT *, {surname_length("s")} AS k FROM f)
        SELECT k.name, s AS folded, substr(s, 1, k) AS surname, substr(s, k + 1) AS given_name,
               coalesce(sn.py, array_to_string(pys[1:k], '')) || ' ' || array_to_string(pys[k + 1:], '')
                   AS name_pinyin
        FROM k LEFT JOIN _lk_surnames sn ON sn.surname = substr(s, 1, k)""")


def _address(row: str) -> str:
    """A row's address parts: its residence address if it has one, else its household address."""
    return ", ".join(f"CASE WHEN {row}.residence_address_district IS NOT NULL THEN {row}.residence_address_{p} "
                     f"ELSE {row}.household_address_{p} END AS {p}" for p in _PARTS)


def prepare(con: duckdb.DuckDBPyConnection, parts: Sequence[str], rows: str) -> None:
    """Create ``linkage_resolved``, ``linkage_candidates`` and ``linkage_labelled`` from golden's tables and the
    keyed rows (``rows``, with their ``key`` and :data:`ROW_COLUMNS`; ``parts``: the same split by key, a person's
    rows all in one part — the latest values are found a part at a time)."""
    _fold_names(con)
    for n, source in enumerate(parts):
        _resolved(con, source, "CREATE OR REPLACE TEMP TABLE linkage_resolved AS" if n == 0
                  else "INSERT INTO linkage_resolved")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE linkage_candidates AS
        SELECT c.feed_id, c."row", f.folded AS name, f.surname, f.given_name, f.name_pinyin,
               coalesce(c.sex, c.id_sex) AS sex, coalesce(c.birth_date, c.id_birth_date) AS birth_date, c.phone,
               {_address("c")},
               c.id_input, c.id_upgraded, c.id_status, c.id_birth_date, c.id_sex
        FROM r c JOIN unkeyed u USING (feed_id, "row") LEFT JOIN _lk_names f ON f.name = c.name
        WHERE NOT c.hard AND c.id_status <> 'valid18'  -- true of every unkeyed row: lets r's scan skip the rest""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE linkage_labelled AS
        SELECT l.feed_id, l."row", l.key AS person, f.folded AS name, f.surname, f.given_name, f.name_pinyin, l.sex,
               l.birth_date, l.phone,
               {_address("l")}
        FROM (SELECT *, row_number() OVER (PARTITION BY feed_id, key, _copy ORDER BY "row") AS copy FROM {rows}
              WHERE key IN (SELECT key FROM linkage_resolved ORDER BY hash(key), key LIMIT {TRAIN_KEYS})) l
        LEFT JOIN _lk_names f ON f.name = l.name
        WHERE l.copy = 1  -- identical copies in one feed are one row""")
    # Who has a phone: the resolved people, and the rows to link by their name — a placeholder typed into many
    # unidentified rows is no one's, even if few resolved people have it.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _lk_shared AS SELECT phone FROM (
                        SELECT phone, key AS who FROM linkage_resolved WHERE phone IS NOT NULL
                        UNION ALL SELECT phone, '?' || name FROM linkage_candidates WHERE phone IS NOT NULL)
                    GROUP BY phone HAVING count(DISTINCT who) > {SHARED_PHONE}""")
    for table in ("linkage_resolved", "linkage_candidates", "linkage_labelled"):
        con.execute(f"UPDATE {table} SET phone = NULL WHERE phone IN (SELECT phone FROM _lk_shared)")
    con.execute("DROP TABLE _lk_names; DROP TABLE _lk_chars; DROP TABLE _lk_surnames; DROP TABLE _lk_shared")


def _resolved(con: duckdb.DuckDBPyConnection, rows: str, into: str) -> None:
    """Per key of ``rows``, ``into`` ``linkage_resolved``: its latest name, phone and address (the residence before
    the household address), sex and birth date from the key."""
    address = {a: "{" + ", ".join(f"'{p}': {a}_address_{p}" for p in _PARTS) + "}" for a in ("residence", "household")}
    con.execute(f"""
        {into}
        WITH latest AS (  -- the latest value of each, the residence before the household address
            SELECT key, arg_max(name, o) FILTER (WHERE name IS NOT NULL) AS name,
                   arg_max(phone, o) FILTER (WHERE phone IS NOT NULL) AS phone,
                   arg_max(a, o | (residence::HUGEINT << 100)) FILTER (WHERE a IS NOT NULL) AS a
            FROM (SELECT key, name, phone, residence_address_district IS NOT NULL AS residence,
                         (greatest(coalesce(seen_on - DATE '1800-01-01', 0), 0)::HUGEINT << 80)
                             | (feed_id::HUGEINT << 40) | "row" AS o,
                         CASE WHEN residence_address_district IS NOT NULL THEN {address['residence']}
                              WHEN household_address_district IS NOT NULL THEN {address['household']} END AS a
                  FROM {rows})
            GROUP BY key)
        SELECT key, f.folded AS name, f.surname, f.given_name, f.name_pinyin,
               CASE WHEN try_cast(substr(key, 17, 1) AS INT) % 2 = 1 THEN '1' ELSE '2' END AS sex,
               try_strptime(substr(key, 7, 8), '%Y%m%d')::DATE AS birth_date, phone,
               {', '.join(f'a.{p} AS {p}' for p in _PARTS)}
        FROM latest l LEFT JOIN _lk_names f ON f.name = l.name""")


def _id_rest(expr: str) -> str:
    """The ID's digits other than the birth date (division, sequence, check), for an 18-character ID."""
    return f"CASE WHEN length({expr}) = 18 THEN substr({expr}, 1, 6) || substr({expr}, 15, 4) END"


def _model_views(con: duckdb.DuckDBPyConnection) -> None:
    """What splink reads, one column list for all three: resolved people, candidates, and the labelled rows."""
    columns = ("name, name_pinyin, split_part(name_pinyin, ' ', 1) AS surname_py, "
               f"nullif(split_part(name_pinyin, ' ', 2), '') AS given_py, sex, birth_date, phone, {', '.join(_PARTS)}")
    row = '''feed_id || ':' || "row"'''
    for view, uid, id_norm, table in (("_lk_left", "key", "key", "linkage_resolved"),
                                      ("_lk_right", row, "coalesce(id_upgraded, id_input)", "linkage_candidates"),
                                      ("_lk_train", row, "person", "linkage_labelled")):
        con.execute(f"""CREATE OR REPLACE TEMP VIEW {view} AS SELECT {uid} AS uid, {columns}, {id_norm} AS id_norm,
                        {_id_rest(id_norm)} AS id_rest{', person' if view == '_lk_train' else ''} FROM {table}""")


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(*cols: str) -> dict[str, Any]:
    return _level(" OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols), "null", is_null_level=True)


def _comparisons(u_fixed: dict[str, list[float]]) -> list[dict[str, Any]]:
    def fixed_u(name: str, levels: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [lv if lv.get("is_null_level") else {**lv, "u_probability": u, "fix_u_probability": True}
                for lv, u in zip(levels, [0.0, *u_fixed[name]], strict=True)] if name in u_fixed else levels
    same_building = "street_l = street_r AND road_l = road_r AND number_l = number_r"
    return [
        {"output_column_name": "name", "comparison_levels": [
            _null("name"),
            _level("name_l = name_r", "same characters", tf_adjustment_column="name"),
            _level("name_pinyin_l = name_pinyin_r", "same pinyin"),
            _level("surname_py_l = surname_py_r AND jaro_winkler_similarity(given_py_l, given_py_r) >= 0.88",
                   "surname, given name alike"),
            _level("given_py_l = given_py_r", "given name"),
            _level("ELSE", "different")]},
        {"output_column_name": "birth_date", "comparison_levels": [
            _null("birth_date"), _level("birth_date_l = birth_date_r", "same"),
            _level("(year(birth_date_l) = year(birth_date_r))::INT + (month(birth_date_l) = month(birth_date_r))::INT "
                   "+ (day(birth_date_l) = day(birth_date_r))::INT >= 2", "year, month or day off"),
            _level("abs(birth_date_l - birth_date_r) <= 366", "within a year"),
            _level("ELSE", "different")]},
        {"output_column_name": "sex", "comparison_levels": [
            _null("sex"), _level("sex_l = sex_r", "same"), _level("ELSE", "different")]},
        {"output_column_name": "address", "comparison_levels": fixed_u("address", [
            _null("district"), _level(f"district_l = district_r AND {same_building}", "same building"),
            _level("district_l = district_r AND street_l = street_r AND road_l = road_r", "same road"),
            _level("district_l = district_r AND street_l = street_r", "same street"),
            _level("district_l = district_r", "same district"), _level("ELSE", "different")])},
        {"output_column_name": "phone", "comparison_levels": fixed_u("phone", [
            _null("phone"), _level("phone_l = phone_r", "same"), _level("ELSE", "different")])},
        {"output_column_name": "id", "comparison_levels": [
            _null("id_rest"),
            *(_level(sql, label, m_probability=m, fix_m_probability=True) for sql, label, m in zip(
                ("id_rest_l = id_rest_r", "hamming(id_rest_l, id_rest_r) <= 1", "ELSE"),
                ("same", "one digit off", "different"), ID_M, strict=True))]},
    ]


def _blocking_rules() -> list[str]:
    name, dob = ("surname_py", "given_py"), "birth_date"
    eq = lambda *cols: " AND ".join(f"l.{c} = r.{c}" for c in cols)  # noqa: E731
    part = lambda f: f"{f.replace('X', 'l.birth_date')} = {f.replace('X', 'r.birth_date')}"  # noqa: E731
    seg = lambda *spans: " AND ".join(  # noqa: E731
        f"substr(l.id_norm, {a}, {n}) = substr(r.id_norm, {a}, {n})" for a, n in spans)
    return [
        eq(*name, dob), eq("given_py", dob), eq("surname_py", dob, "district"),  # name and birth, then one loosened
        f"{eq(*name)} AND {part('year(X)')} AND {part('month(X)')}",
        f"{eq(*name)} AND {part('month(X)')} AND {part('day(X)')}",
        f"{eq(*name)} AND {part('year(X)')} AND {part('day(X)')}",
        eq(*name, "district", "road"), eq("phone"),
        # an ID with one of its 17 digits wrong keeps two of three segments and its check character, or the 17
        seg((1, 14), (18, 1)), seg((1, 10), (15, 4)), seg((1, 6), (11, 8)), seg((7, 12)), seg((1, 17)),
    ]


def _exact_u(con: duckdb.DuckDBPyConnection) -> dict[str, list[float]]:
    """u of the comparisons whose agreeing levels are too rare for random pairs: phone, and the nested address.

    A level's u is the share of pairs first agreeing at it (from the counts of each value: exact), never below one
    chance in the people who have the value."""
    def sum_p2(cols: tuple[str, ...]) -> tuple[float, float]:  # P(two people agree on all of cols), and 1/n
        (n, pairs), = _rows(con, f"""SELECT greatest(sum(c), 2), coalesce(sum(c * (c - 1)), 0) FROM (
            SELECT count(*)::DOUBLE AS c FROM linkage_resolved WHERE {' AND '.join(f'{c} IS NOT NULL' for c in cols)}
            GROUP BY {', '.join(cols)})""")
        return float(pairs) / (float(n) * (float(n) - 1)), 1.0 / float(n)
    phone, floor = sum_p2(("phone",))
    nested = [sum_p2(_PARTS[:k]) for k in (4, 3, 2, 1)]
    levels = [max(nested[0][0], nested[0][1])]
    levels += [max(b[0] - a[0], b[1]) for a, b in zip(nested, nested[1:])]
    return {"phone": [max(phone, floor), 1.0 - max(phone, floor)], "address": [*levels, max(1.0 - sum(levels), 0.5)]}


def _estimate_u(con: duckdb.DuckDBPyConnection, comparisons: list[dict[str, Any]], seed: int) -> None:
    """u of every level from random pairs of resolved people, in one pass (a sample of people, all their pairs).

    A level no pair reached gets half a pair's worth; levels that already carry a u (from :func:`_exact_u`) keep it."""
    people = math.ceil((1 + math.sqrt(1 + 8 * U_PAIRS)) / 2)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _lk_usample AS SELECT * FROM _lk_left
                    ORDER BY hash(uid || '{int(seed)}'), uid LIMIT {people}""")
    cases = []
    for c in comparisons:
        conditions = [_PAIR_COLUMN.sub(r"\2.\1", lv["sql_condition"]) for lv in c["comparison_levels"]]
        whens = [f"WHEN {sql} THEN {-1 if lv.get('is_null_level') else i}"
                 for i, (lv, sql) in enumerate(zip(c["comparison_levels"], conditions)) if sql != "ELSE"]
        cases.append(f"histogram(CASE {' '.join(whens)} ELSE {len(c['comparison_levels']) - 1} END)")
    counts = _rows(con, f"SELECT {', '.join(cases)} FROM _lk_usample l JOIN _lk_usample r ON l.uid < r.uid")[0]
    for c, histogram in zip(comparisons, counts, strict=True):
        total = sum(n for level, n in histogram.items() if level >= 0)
        for i, lv in enumerate(c["comparison_levels"]):
            if not lv.get("is_null_level") and "u_probability" not in lv:
                lv["u_probability"] = max(histogram.get(i, 0), 0.5) / max(total, 1)


def _smooth(model: dict[str, Any]) -> dict[str, Any]:
    """Floor every m at :data:`M_FLOOR` (unobserved levels too) and renormalise: nothing is impossible."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        ms = [max(lv.get("m_probability") if isinstance(lv.get("m_probability"), float) else 0.0, M_FLOOR)
              for lv in levels]
        for lv, m in zip(levels, ms, strict=True):
            if not lv.get("fix_m_probability"):
                lv["m_probability"] = m / sum(ms)
    return model


def link(con: duckdb.DuckDBPyConnection, *, accept: float = 0.99, review: float = 0.80, seed: int = 42) -> LinkStats:
    """Link ``linkage_candidates`` to ``linkage_resolved`` (see :func:`prepare`) and write table ``links``."""
    from splink import DuckDBAPI, Linker  # splink and sqlglot take seconds to import: only when linking

    started = time.perf_counter()
    stats, lap = LinkStats(), started

    def stage(name: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        stats.stages[name], lap = round(now - lap, 2), now

    _model_views(con)
    db_api = DuckDBAPI(con)
    try:
        (n_resolved,), = _rows(con, "SELECT count(*) FROM linkage_resolved")
        (stats.training_pairs, known), = _rows(con, """
            SELECT coalesce(sum(n * (n - 1) / 2), 0)::BIGINT, coalesce(sum(n) FILTER (WHERE feeds > 1)
                   / nullif(sum(n), 0), 1.0)
            FROM (SELECT person, count(*) AS n, count(DISTINCT feed_id) AS feeds FROM linkage_labelled
                  GROUP BY person)""")
        prior = min(float(known) / max(int(n_resolved), 2), 0.5)  # a row's person is among the resolved, or not
        if stats.training_pairs < MIN_TRAINING_PAIRS:
            accept = 2.0  # above any probability
        comparisons = _comparisons(_exact_u(con))
        _estimate_u(con, comparisons, seed)
        stage("u")
        con.execute("""CREATE OR REPLACE TEMP TABLE _lk_tf_name AS SELECT name, count(*) / sum(count(*)) OVER ()
                       AS tf_name FROM linkage_resolved WHERE name IS NOT NULL GROUP BY name""")  # how common names are
        frequencies = db_api.register("_lk_tf_name")
        settings = {"link_type": "dedupe_only", "unique_id_column_name": "uid", "comparisons": comparisons,
                    "blocking_rules_to_generate_predictions": _blocking_rules(),
                    "probability_two_random_records_match": prior, "retain_matching_columns": False}
        m_linker = Linker(db_api.register("_lk_train"), settings, log_level=logging.ERROR)
        m_linker.table_management.register_term_frequency_lookup(frequencies, "name")
        m_linker.training.estimate_m_from_label_column("person")
        stage("m")
        stats.model = model = _smooth(m_linker.misc.save_model_to_json())
        linker = Linker(db_api.register("_lk_left"), model, log_level=logging.ERROR)
        linker.table_management.register_term_frequency_lookup(frequencies, "name")
        pred = linker.inference.predict_between(db_api.register("_lk_left"), db_api.register("_lk_right"),
                                                threshold_match_probability=KEEP_ABOVE)
        stage("predict")
        _decide(con, pred.physical_name, accept, review)
        (stats.pairs_kept,), = _rows(con, f"SELECT count(*) FROM {pred.physical_name}")
        for decision, n in _rows(con, "SELECT decision, count(*) FROM links GROUP BY ALL"):
            setattr(stats, decision, int(n))
        stage("decide")
    finally:
        db_api.delete_tables_created_by_splink_from_db()
        drop_scratch(con)
    stats.seconds = round(time.perf_counter() - started, 2)
    return stats


def _decide(con: duckdb.DuckDBPyConnection, predictions: str, accept: float, review: float) -> None:
    """Per candidate the best key, its probability normalised over every key it could be, and the decision."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS decisions (feed_id BIGINT, row BIGINT, key VARCHAR, decision VARCHAR)")
    con.execute(f"""
        CREATE OR REPLACE TABLE links AS
        WITH p AS (SELECT uid_r AS uid, uid_l AS key, match_probability,
                          pow(2.0, least(match_weight, 500.0)) AS odds FROM {predictions}
                   WHERE NOT EXISTS (SELECT 1 FROM decisions d  -- a pair a clerk said is not one person
                                     WHERE d.decision = 'rejected' AND d.key = uid_l
                                       AND d.feed_id || ':' || d."row" = uid_r)),
        best AS (SELECT uid, arg_max(key, (odds, key)) AS key, max(match_probability) AS raw,
                        max(odds) / (1.0 + sum(odds)) AS probability FROM p GROUP BY uid)
        SELECT c.feed_id::BIGINT AS feed_id, c."row"::BIGINT AS "row",
               CASE WHEN b.raw >= {float(review)} THEN b.key END AS key, coalesce(b.probability, 0.0) AS probability,
               CASE WHEN b.probability >= {float(accept)} THEN 'accept' WHEN b.raw >= {float(review)} THEN 'review'
                    ELSE 'none' END AS decision
        FROM linkage_candidates c LEFT JOIN best b ON b.uid = c.feed_id || ':' || c."row" """)


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    for name, kind in _rows(con, """SELECT * FROM (SELECT table_name, 'TABLE' FROM duckdb_tables() UNION ALL
                                    SELECT view_name, 'VIEW' FROM duckdb_views()) t(name, kind)
                                    WHERE regexp_matches(name, '^(_lk_|__splink__)')"""):
        con.execute(f'DROP {kind} IF EXISTS "{name}"')


def link_by_name(con: duckdb.DuckDBPyConnection, key: str, name: str = "company_name") -> None:
    """Entities without a valid credit code (``unkeyed`` rows of ``r``), linked by name to ``linked``'s entities.

    A name only one resolved entity has links when the row's code is missing or at most two characters off that
    entity's (a typo); a name several entities share, or a code further off, goes to review with the best guess."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_entity_names AS
        SELECT {name} AS name, min(key) AS key, count(DISTINCT key) AS keys FROM linked
        WHERE {name} IS NOT NULL GROUP BY {name}""")
    typo = (f"(c.{key}_input IS NULL OR (length(c.{key}_input) = length(n.key) "
            f"AND hamming(c.{key}_input, n.key) <= 2))")
    con.execute(f"""
        CREATE OR REPLACE TABLE links AS
        SELECT u.feed_id, u."row", n.key,
               CASE WHEN n.keys = 1 AND {typo} THEN 1.0 WHEN n.key IS NOT NULL THEN 1.0 / (n.keys + 1) ELSE 0.0 END
                   AS probability,
               CASE WHEN n.keys = 1 AND {typo} THEN 'accept' WHEN n.key IS NOT NULL THEN 'review' ELSE 'none' END
                   AS decision
        FROM unkeyed u JOIN r c USING (feed_id, "row") LEFT JOIN _lk_entity_names n ON n.name = c.{name}""")
    con.execute("DROP TABLE _lk_entity_names")
