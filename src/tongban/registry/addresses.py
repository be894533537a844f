"""The spatial base in SQL: standardising the standard address library (标准地址库) and linking addresses to it.

Standardising is the ``"addresses"`` kind of :func:`tongban.registry.rules.standardize`, built from
:func:`library_fields`. Its columns: ``address_code`` (when valid; the key) and ``address_code_status`` ('valid',
'bad_format' or 'missing': a row without a valid code is quarantined), ``district_code`` (the current GB/T 2260 code;
a retired one is mapped and flagged), ``street_code``, ``road_name``, ``house_number``, ``building_number`` (cleaned),
``address`` with ``address_district`` … ``address_room`` (the same parser as people's addresses), and ``longitude``,
``latitude`` (text with six decimals; both NULL unless both are numbers inside Shanghai's bounding box).

Linking (:func:`link_sql`, :func:`link_addresses`) gives each parsed address the library code it denotes:

1. Both sides become a key of district, road, lane, number and building; the library's comes from its parsed standard
   address, or from its columns when the text has no number. Number forms are normalised: the marks 弄 号 号楼 幢 栋
   座 楼 and leading zeros are dropped, so ``012号``, ``12号`` and ``12`` are one number.
2. A library address is a candidate when district, road, lane (none equals none) and number are equal and it has
   either no building or the address's building.
3. Candidates with the address's building beat those without one; then those in the address's street or town beat
   the others. The street only disambiguates: a wrong street does not prevent a link.
4. The address links when exactly one library code is left. Otherwise it is 'not_found' (no candidate), 'ambiguous'
   (several) or 'incomplete' (no district, road or number could be parsed).

The join is one hash join on the key, so linking 24 million addresses to 3.9 million library rows is one query.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from tongban.registry.rules_data import Field, clean_sql, fold_sql, sql_among, sql_list, sql_literal, working
from tongban.standards import HISTORICAL_SHANGHAI, SHANGHAI_DISTRICTS

ADDRESS_CODE_RE = "31[0-9]{22}"  # the synthetic city's code (docs/feeds.md); a real library's format is configured here
STREET_CODE_RE = "[0-9]{9}"
SHANGHAI_BOX = ((120.85, 122.20), (30.66, 31.90))  # longitude, latitude: 120°51′–122°12′ E, 30°40′–31°53′ N
LINK_STATUSES = ("linked", "ambiguous", "not_found", "incomplete")

# District codes and names, current and retired, → the current code.
_DISTRICTS: dict[str, str] = {
    **{code: code for code in SHANGHAI_DISTRICTS}, **{name: code for code, name in SHANGHAI_DISTRICTS.items()},
    **{old: current for old, (_, current, _) in HISTORICAL_SHANGHAI.items()},
    **{name: current for _, (name, current, _) in HISTORICAL_SHANGHAI.items()},
}
_RETIRED = [old for old in HISTORICAL_SHANGHAI] + [name for name, _, _ in HISTORICAL_SHANGHAI.values()]
_CODES = [*SHANGHAI_DISTRICTS, *HISTORICAL_SHANGHAI]
_CURRENT = [*SHANGHAI_DISTRICTS, *(current for _, current, _ in HISTORICAL_SHANGHAI.values())]


def _current(code: str) -> str:
    """The current district of a six-digit code, NULL when it is not a Shanghai district."""
    return f"[{sql_list(_CURRENT)}][list_position([{sql_list(_CODES)}], {code})]"


def _address_code() -> Field:
    raw, n, status = (working("address_code", k) for k in ("raw", "n", "status"))
    return Field("address_code", (
        ((n, clean_sql(raw, upper=True)),),
        ((status, f"CASE WHEN {n} IS NULL THEN 'missing' WHEN regexp_full_match({n}, '{ADDRESS_CODE_RE}') "
                  "THEN 'valid' ELSE 'bad_format' END"),),
    ), (("address_code", f"CASE WHEN {status} = 'valid' THEN {n} END"), ("address_code_status", status)),
        (("address_code.format", f"{status} = 'bad_format'"),), f"{n} IS NULL")


def _district() -> Field:
    raw, key, code = (working("district_code", k) for k in ("raw", "key", "code"))
    keys = f"[{sql_list(_DISTRICTS)}]"
    return Field("district_code", (
        ((key, f"CASE WHEN list_contains({keys}, {raw}) THEN {raw} WHEN {raw} <> '' THEN {fold_sql(raw, upper=True)} "
               "END"),),
        ((code, f"[{sql_list(_DISTRICTS.values())}][list_position({keys}, {key})]"),),
    ), (("district_code", code),), (
        ("district.unknown", f"{key} IS NOT NULL AND {code} IS NULL"),
        ("district.historical", sql_among(key, _RETIRED)),
    ), f"{key} IS NULL")


def _street() -> Field:
    raw, n, ok = (working("street_code", k) for k in ("raw", "n", "ok"))
    return Field("street_code", (
        ((n, clean_sql(raw, upper=True)),), ((ok, f"coalesce(regexp_full_match({n}, '{STREET_CODE_RE}'), FALSE)"),),
    ), (("street_code", f"CASE WHEN {ok} THEN {n} END"),),
        (("street_code.format", f"{n} IS NOT NULL AND NOT {ok}"),), f"{n} IS NULL")


def _plain(item: str) -> Field:
    """Text cleaned of spaces and full-width characters (``１２号`` → ``12号``)."""
    raw, n = working(item, "raw"), working(item, "n")
    return Field(item, (((n, clean_sql(raw)),),), ((item, n),), (), f"{n} IS NULL")


def _coordinate(item: str, other: str, low: float, high: float) -> Field:
    """Decimal degrees; kept only when both coordinates of the address lie in Shanghai."""
    raw, s, v, inside = (working(item, k) for k in ("raw", "s", "v", "in"))
    return Field(item, (
        ((s, clean_sql(raw)),), ((v, f"try_cast({s} AS DECIMAL(18, 8))"),),
        ((inside, f"coalesce({v} BETWEEN {low} AND {high}, FALSE)"),),
    ), ((item, f"CASE WHEN {inside} AND {working(other, 'in')} THEN CAST(CAST({v} AS DECIMAL(9, 6)) AS VARCHAR) "
               "END"),), (("coordinate.invalid", f"{s} IS NOT NULL AND {v} IS NULL"),
                          ("coordinate.outside", f"{v} IS NOT NULL AND NOT {inside}")), f"{s} IS NULL")


def library_fields(road: Field, text: Field) -> tuple[list[Field], list[tuple[str, str | None, str]]]:
    """The fields of the ``"addresses"`` kind in column order, given the road name's and the standard address's
    (built by tongban.registry.rules), and its checks across fields: (rule, item or None for the row, condition)."""
    (lon_low, lon_high), (lat_low, lat_high) = SHANGHAI_BOX
    fields = [_address_code(), _district(), _street(), road, _plain("house_number"), _plain("building_number"), text,
              _coordinate("longitude", "latitude", lon_low, lon_high),
              _coordinate("latitude", "longitude", lat_low, lat_high)]
    status, district = working("address_code", "status"), working("district_code", "code")
    code, street = working("address_code", "n"), working("street_code", "n")
    cross: list[tuple[str, str | None, str]] = [
        ("address.no_key", None, f"{status} <> 'valid'"),
        ("address_code.district_mismatch", "address_code", f"{status} = 'valid' AND {district} IS NOT NULL "
         f"AND {_current(f'substr({code}, 1, 6)')} IS DISTINCT FROM {district}"),
        ("street_code.district_mismatch", "street_code",
         f"{working('street_code', 'ok')} AND {district} IS NOT NULL "
         f"AND {_current(f'substr({street}, 1, 6)')} IS DISTINCT FROM {district}"),
    ]
    return fields, cross


def code_column(item: str) -> str:
    """The column holding the library code an address item links to: ``household_address`` →
    ``household_address_code``, ``domicile`` → ``domicile_address_code``."""
    return f"{item}_code" if item.endswith("address") else f"{item}_address_code"


def _relation(table: str) -> str:
    return f"read_parquet({sql_literal(table)})" if table.endswith(".parquet") else table


def _key(expr: str, marks: str) -> str:
    """A lane, number or building without its mark and leading zeros: ``012号`` → ``12``."""
    return f"nullif(ltrim(regexp_replace({expr}, '({marks})$', ''), '0'), '')"


_LANE, _NUMBER, _BUILDING = "弄", "号", "号楼|幢|栋|座|楼|号"


def link_sql(source: str, item: str, library: str, *, key: Sequence[str] = ("row",)) -> str:
    """A SELECT of ``key``, the linked library code (see :func:`code_column`) and ``{item}_link`` (one of
    :data:`LINK_STATUSES`, NULL when the row has no address) for every row of ``source``.

    ``source`` (a table, a view or a ``.parquet`` path) has the parsed parts ``{item}_district``, ``_street``,
    ``_road``, ``_lane``, ``_number`` and ``_building`` (as tongban.registry.rules.standardize writes them) and the
    ``key`` columns, unique per row. ``library`` (a table or a ``.parquet`` path) holds standardised library rows.
    """
    keys = ", ".join(f'"{k}"' for k in key)
    on = " AND ".join(f's."{k}" = b."{k}"' for k in key)
    names = f"[{sql_list(SHANGHAI_DISTRICTS.values())}][list_position([{sql_list(SHANGHAI_DISTRICTS)}], district_code)]"
    parsed = "address_number IS NOT NULL"
    lane = (f"CASE WHEN {parsed} THEN address_lane WHEN contains(house_number, '弄') "
            "THEN split_part(house_number, '弄', 1) END")
    number = (f"CASE WHEN {parsed} THEN address_number WHEN contains(house_number, '弄') "
              "THEN split_part(house_number, '弄', 2) ELSE house_number END")
    building = f"CASE WHEN {parsed} THEN address_building ELSE building_number END"
    part = {p: f'"{item}_{p}"' for p in ("district", "street", "road", "lane", "number", "building")}
    return f"""
WITH lib AS (
  SELECT DISTINCT address_code AS code, coalesce(address_district, {names}) AS d, address_street AS st,
         coalesce(address_road, road_name) AS road, coalesce({_key(lane, _LANE)}, '') AS lane,
         {_key(number, _NUMBER)} AS num, {_key(building, _BUILDING)} AS bldg
  FROM {_relation(library)} WHERE address_code IS NOT NULL
), src AS (
  SELECT {keys}, {part['district']} AS d, {part['street']} AS st, {part['road']} AS road,
         coalesce({_key(part['lane'], _LANE)}, '') AS lane, {_key(part['number'], _NUMBER)} AS num,
         {_key(part['building'], _BUILDING)} AS bldg
  FROM {_relation(source)}
), candidates AS (
  SELECT {", ".join(f's."{k}"' for k in key)}, l.code,
         CASE WHEN l.bldg IS NOT NULL THEN 2 ELSE 0 END + CASE WHEN l.st = s.st THEN 1 ELSE 0 END AS score
  FROM src s JOIN lib l ON s.d = l.d AND s.road = l.road AND s.lane = l.lane AND s.num = l.num
  WHERE l.bldg IS NULL OR l.bldg = s.bldg
), tiers AS (
  SELECT {keys}, score, count(DISTINCT code) AS codes, min(code) AS code FROM candidates GROUP BY ALL
), best AS (
  SELECT {keys}, arg_max(code, score) AS code, arg_max(codes, score) AS codes FROM tiers GROUP BY ALL
)
SELECT {", ".join(f's."{k}"' for k in key)}, CASE WHEN b.codes = 1 THEN b.code END AS "{code_column(item)}",
       CASE WHEN s.d IS NULL AND s.road IS NULL AND s.num IS NULL AND s.lane = '' THEN NULL
            WHEN s.d IS NULL OR s.road IS NULL OR s.num IS NULL THEN 'incomplete'
            WHEN b.codes IS NULL THEN 'not_found' WHEN b.codes = 1 THEN 'linked' ELSE 'ambiguous' END AS "{item}_link"
FROM src s LEFT JOIN best b ON {on}"""


def link_addresses(con: duckdb.DuckDBPyConnection, source: str, item: str, library: str, *,
                   target: str | None = None, key: Sequence[str] = ("row",)) -> str:
    """Create table ``target`` (default ``{item}_links``) from :func:`link_sql` and return its name."""
    target = target or f"{item}_links"
    con.execute(f"CREATE OR REPLACE TABLE {target} AS {link_sql(source, item, library, key=key)}")
    return target
