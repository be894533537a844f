"""The validate and standardize stages of a feed, as vectorised DuckDB SQL: no Python runs per row.

A feed is a table whose columns are catalog item codes, every value VARCHAR (NULL or '' when empty), plus a BIGINT
``row``. :func:`standardize` writes a table of the canonical columns of the items the feed has, the ``findings``
of each row (rule, item, value; the rules are :data:`RULES`) and ``hard``, true when a hard rule failed and the row
goes to quarantine. The ``*_sql`` functions return the SQL expressions it is built from, for other queries; those
that simplify characters need :func:`register` on the connection first. :func:`quality_summary` counts checked,
passed and failed values per item and GB/T 36344 dimension. Every check runs on whole columns: a value takes a fast
path when it is already canonical (one regular expression or none) and is folded character by character only when
it is not. The kinds are people, entities and the standard address library (its own fields are in
tongban.registry.addresses).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import duckdb

from tongban.registry.addresses import library_fields
from tongban.registry.rules_data import (
    ADDRESS_PARTS, CLEAN_NAME_RE, DIMENSIONS, DISTRICT_ALIASES, ETHNICITY, FOREIGN_RE, HISTORICAL_DISTRICTS,
    ID_RE, INSURANCE_STATUS, MARITAL_STATUS, MOBILE_RE, REGISTRATION_STATUS, RULES, SEX, T2S, T2S_FIRST, T2S_LAST,
    T2S_TABLE, T2S_VARIABLE, TAX_REGISTRATION_STATUS, USCC_RE, VALID_NAME_RE, Rule, clean_sql, code_sql, date_sql,
    division_known_sql, fold_sql, id_check_char_sql, org_check_char_sql, sql_among, sql_list, sql_literal,
    uscc_check_char_sql,
)
from tongban.registry.rules_data import Field as _Field
from tongban.registry.rules_data import working as _c
from tongban.standards import PROVINCES

__all__ = [
    "ADDRESS_PARTS", "CREDIT_STATUSES", "DIMENSIONS", "FINDING", "ID_STATUSES", "KINDS", "REQUIRED", "RULES",
    "FieldQuality", "Rule", "clean_sql", "code_sql", "date_sql", "division_known_sql", "fold_sql", "id_check_char_sql",
    "org_check_char_sql", "quality_summary", "register", "standardize", "standardize_sql", "uscc_check_char_sql",
]  # fmt: skip

KINDS = ("people", "entities", "addresses")
FINDING = "STRUCT(rule VARCHAR, item VARCHAR, value VARCHAR, severity VARCHAR)"
ID_STATUSES = ("valid18", "upgradable15", "checksum_fail", "bad_birth_date", "bad_division", "bad_format", "missing")
CREDIT_STATUSES = ("valid", "checksum_fail", "org_checksum_fail", "bad_division", "bad_format", "missing")
# Items whose emptiness is a finding, and whose unparseable date quarantines the row, unless the caller says otherwise.
REQUIRED: dict[str, tuple[str, ...]] = {
    "people": ("id_number", "birth_date"), "entities": ("credit_code", "established_on"),
    "addresses": ("address_code", "district_code", "road_name", "house_number", "longitude", "latitude"),
}
EARLIEST_DATE = datetime.date(1900, 1, 1)  # earlier dates are flagged
ID_EARLIEST_BIRTH = datetime.date(1800, 1, 1)  # as tongban.standards.idcard
_USABLE_ID = ("valid18", "upgradable15", "checksum_fail")  # a key for matching, if a doubtful one
_USABLE_CREDIT = ("valid", "checksum_fail", "org_checksum_fail")
_ID_SHAPED = ("bad_birth_date", "bad_division")  # not a key, but a number linkage can compare digit by digit
_NAME_ITEMS = {"name", "company_name", "taxpayer_name"}  # "a missing name" quarantines the row

_T2S_COLUMN = '"_t2s"'  # standardize cross-joins the table as this column: a constant list costs per chunk


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Give the connection the traditional → simplified table that ``fold_sql(..., simplify=True)`` reads: the code
    point of the simplified character, or 0, for every code point from T2S_FIRST to T2S_LAST."""
    table = [0] * (T2S_LAST - T2S_FIRST + 1)
    for trad, simp in T2S.items():
        table[ord(trad) - T2S_FIRST] = ord(simp)
    con.execute(f"SET VARIABLE {T2S_VARIABLE} = ?::INTEGER[]", [table])


def _citizen_id(item: str, prefix: str, today: str, *, full: bool) -> _Field:
    raw, n, fast, ok, body, born, status = (_c(item, k) for k in ("raw", "n", "fast", "ok", "body", "born", "status"))
    status_sql = (
        f"CASE WHEN {n} IS NULL THEN 'missing' WHEN NOT {ok} THEN 'bad_format' "
        f"WHEN NOT {sql_among(f'substr({n}, 1, 2)', [*PROVINCES, '83'])} THEN 'bad_division' "
        f"WHEN {born} IS NULL OR {born} < DATE '{ID_EARLIEST_BIRTH}' OR {born} > {today} THEN 'bad_birth_date' "
        f"WHEN length({n}) = 15 THEN 'upgradable15' WHEN substr({n}, 18, 1) = {id_check_char_sql(body)} "
        "THEN 'valid18' ELSE 'checksum_fail' END")
    usable = sql_among(status, _USABLE_ID)
    outputs = [(item, f"CASE WHEN {status} = 'valid18' THEN {n} END"),
               (f"{prefix}_upgraded", f"CASE WHEN {status} = 'upgradable15' THEN "
                                      f"lpad(CAST({body} AS VARCHAR), 17, '0') || {id_check_char_sql(body)} END"),
               (f"{prefix}_status", status)]
    if full:
        outputs += [(f"{prefix}_input", f"CASE WHEN {status} <> 'valid18' THEN {n} END"),  # when not id_number
                    (f"{prefix}_birth_date", f"CASE WHEN {usable} THEN {born} END"),
                    (f"{prefix}_sex", f"CASE WHEN {usable} THEN CASE WHEN {body} % 2 = 1 THEN '1' ELSE '2' END END"),
                    (f"{prefix}_division", f"CASE WHEN {usable} THEN substr({n}, 1, 6) END")]
    return _Field(item, (
        ((fast, f"regexp_full_match({raw}, '{ID_RE}')"),),  # once: the next stages read it
        ((n, f"CASE WHEN {fast} THEN {raw} ELSE {clean_sql(raw, upper=True)} END"),),
        ((ok, f"CASE WHEN {fast} THEN TRUE ELSE coalesce(regexp_full_match({n}, '{ID_RE}'), FALSE) END"),
         (body, f"CASE length({n}) WHEN 18 THEN try_cast(substr({n}, 1, 17) AS BIGINT) "
                f"WHEN 15 THEN try_cast(substr({n}, 1, 6) || '19' || substr({n}, 7) AS BIGINT) END")),
        # try_strptime, not try(make_date(...)): try() falls back to one row at a time, 20× slower here
        ((born, f"CASE WHEN {ok} THEN CAST(try_strptime(lpad(CAST({body} // 1000 % 100000000 AS VARCHAR), 8, '0'), "
                "'%Y%m%d') AS DATE) END"),),
        ((status, status_sql),),
    ), tuple(outputs), (
        ("idcard.format", f"{status} = 'bad_format'"), ("idcard.division", f"{status} = 'bad_division'"),
        ("idcard.birth_date", f"{status} = 'bad_birth_date'"), ("idcard.checksum", f"{status} = 'checksum_fail'"),
        ("idcard.old_format", f"{status} = 'upgradable15'"),
        ("idcard.division_unknown", f"{usable} AND NOT ({division_known_sql(f'substr({n}, 1, 6)')})"),
    ), f"{n} IS NULL")


def _credit_code(item: str, prefix: str, *, full: bool) -> _Field:
    raw, n, fast, ok, status = (_c(item, k) for k in ("raw", "n", "fast", "ok", "status"))
    outputs = [(item, f"CASE WHEN {status} = 'valid' THEN {n} END"), (f"{prefix}_status", status)]
    if full:
        outputs.insert(1, (f"{prefix}_input", f"CASE WHEN {status} <> 'valid' THEN {n} END"))  # when not valid
    return _Field(item, (
        ((fast, f"regexp_full_match({raw}, '{USCC_RE}')"),),
        ((n, f"CASE WHEN {fast} THEN {raw} ELSE {clean_sql(raw, upper=True)} END"),),
        ((ok, f"CASE WHEN {fast} THEN TRUE ELSE coalesce(regexp_full_match({n}, '{USCC_RE}'), FALSE) END"),),
        ((status, f"CASE WHEN {n} IS NULL THEN 'missing' WHEN NOT {ok} THEN 'bad_format' "
                  f"WHEN substr({n}, 18, 1) <> {uscc_check_char_sql(n)} THEN 'checksum_fail' "
                  f"WHEN substr({n}, 17, 1) <> {org_check_char_sql(n)} THEN 'org_checksum_fail' "
                  f"WHEN NOT regexp_full_match(substr({n}, 3, 6), '[0-9]{{6}}') THEN 'bad_division' "
                  "ELSE 'valid' END"),),
    ), tuple(outputs), (
        ("credit_code.format", f"{status} = 'bad_format'"), ("credit_code.checksum", f"{status} = 'checksum_fail'"),
        ("credit_code.org_checksum", f"{status} = 'org_checksum_fail'"),
        ("credit_code.division", f"{status} = 'bad_division'"),
    ), f"{n} IS NULL")


def _empty_unless(raw: str, value: str) -> str:
    """Empty: no value was parsed and the raw text is nothing but whitespace."""
    return f"CASE WHEN {value} IS NOT NULL THEN FALSE WHEN {raw} IS NULL OR {raw} = '' THEN TRUE " \
           f"ELSE {fold_sql(raw)} IS NULL END"


def _date(item: str, today: str, *, required: bool) -> _Field:
    raw, d, empty = _c(item, "raw"), _c(item, "d"), _c(item, "empty")
    return _Field(item, (((d, date_sql(raw)),), ((empty, _empty_unless(raw, d)),)), ((item, d),), (
        ("date.invalid_required" if required else "date.invalid", f"NOT {empty} AND {d} IS NULL"),
        ("date.future", f"{d} > {today}"), ("date.too_early", f"{d} < DATE '{EARLIEST_DATE}'"),
    ), empty)


def _code(item: str, table: dict[str, str], rule: str) -> _Field:
    raw, code, empty = _c(item, "raw"), _c(item, "code"), _c(item, "empty")
    return _Field(item, (((code, code_sql(raw, table)),), ((empty, _empty_unless(raw, code)),)), ((item, code),),
                  ((rule, f"NOT {empty} AND {code} IS NULL"),), empty)


def _text(item: str, *, prose: bool = False) -> _Field:
    """A name (folded; the full-width parentheses of company names replaced first, cheaply), or prose (trimmed:
    full-width punctuation is how Chinese prose is written)."""
    raw, p, n = _c(item, "raw"), _c(item, "p"), _c(item, "n")
    if prose:
        return _Field(item, (((n, f"nullif(trim({raw}), '')"),),), ((item, n),), (), f"{n} IS NULL")
    return _Field(item, (((p, f"replace(replace({raw}, '（', '('), '）', ')')"),),
                         ((n, clean_sql(p, simplify=True, table=_T2S_COLUMN)),)), ((item, n),), (), f"{n} IS NULL")


def _person_name(item: str) -> _Field:
    raw, n, fast, bad = (_c(item, k) for k in ("raw", "n", "fast", "bad"))
    return _Field(item, (
        ((fast, f"regexp_full_match({raw}, '{CLEAN_NAME_RE}')"),),
        ((n, f"CASE WHEN {fast} THEN {raw} ELSE {fold_sql(raw, simplify=True, dots=True, table=_T2S_COLUMN)} END"),),
        ((bad, f"CASE WHEN {fast} OR {n} IS NULL THEN FALSE ELSE NOT regexp_full_match({n}, '{VALID_NAME_RE}') END"),),
    ), ((item, n),), (("name.invalid", bad),), f"{n} IS NULL")


def _phone(item: str) -> _Field:
    raw, s, fast, phone = (_c(item, k) for k in ("raw", "s", "fast", "phone"))
    mobile = f"nullif(regexp_extract({s}, '^(?:\\+?86|0086)?({MOBILE_RE})$', 1), '')"
    landline = f"'021-' || nullif(regexp_extract({s}, '^(?:(?:\\+?86|0086)?0?21)?([2-9][0-9]{{7}})$', 1), '')"
    return _Field(item, (
        ((fast, f"regexp_full_match({raw}, '{MOBILE_RE}')"),),
        ((s, f"CASE WHEN {fast} THEN {raw} ELSE nullif(regexp_replace({clean_sql(raw)}, '[-()]', '', 'g'), '') END"),),
        ((phone, f"CASE WHEN {fast} THEN {raw} WHEN {s} IS NOT NULL THEN coalesce({mobile}, {landline}) END"),),
    ), ((item, phone),), (("phone.invalid", f"{s} IS NOT NULL AND {phone} IS NULL"),), f"{s} IS NULL")


def _capital(item: str) -> _Field:
    """An amount in 万元 from "500万元", "500" (万元 understood), "5,000,000元", "1.5亿元", "人民币50万元"."""
    raw, s, unit, amount, foreign = (_c(item, k) for k in ("raw", "s", "unit", "amount", "foreign"))
    units = (("万元", "1"), ("亿元", "10000"), ("万", "1"), ("亿", "10000"), ("元", "0.0001"))  # longest first
    whens = " ".join(f"WHEN suffix({s}, '{u}') THEN {{'cut': {len(u)}, 'factor': {f}::DECIMAL(9, 4)}}"
                     for u, f in units)
    return _Field(item, (
        ((s, f"nullif(replace(replace({clean_sql(raw)}, ',', ''), '人民币', ''), '')"),),
        ((unit, f"CASE {whens} ELSE {{'cut': 0, 'factor': 1::DECIMAL(9, 4)}} END"),),
        ((amount, f"CAST(try_cast(left({s}, length({s}) - {unit}.cut) AS DECIMAL(30, 6)) * {unit}.factor "
                  "AS DECIMAL(24, 6))"),),
        ((foreign, f"CASE WHEN {amount} IS NULL AND {s} IS NOT NULL THEN regexp_matches({s}, '{FOREIGN_RE}') "
                   "ELSE FALSE END"),),
    ), ((item, amount),), (("capital.currency", foreign),
                           ("capital.invalid", f"{s} IS NOT NULL AND {amount} IS NULL AND NOT {foreign}")),
        f"{s} IS NULL")


def _address(item: str) -> _Field:
    """Parsed with string functions (one regular expression costs as much as several of them): the text before the
    first digit holds 上海市, the district, the street or town and the road; the rest lane 弄, number 号, building
    号楼 栋 幢 座, and floor or room."""
    raw, a, h, t, skip, dk, r, se, lane, num_at, num, bldg, road, room = (_c(item, k) for k in (
        "raw", "a", "h", "t", "skip", "dk", "r", "se", "lane", "num_at", "num", "bldg", "road", "room"))
    keys = {**DISTRICT_ALIASES, **HISTORICAL_DISTRICTS}
    by_length = {size: [k for k in keys if len(k) == size] for size in (4, 3)}  # 浦东新区 before 浦东区

    def end_of(text: str, marks: tuple[str, ...], after: str = "1") -> str:  # where the first mark found ends, else 0
        whens = " ".join(f"WHEN contains({text}, '{m}') AND strpos({text}, '{m}') > {after} "
                         f"THEN strpos({text}, '{m}') + {len(m) - 1}" for m in marks)
        return f"CASE {whens} ELSE 0 END"

    def district(size: int, names: list[str]) -> str:
        start = f"substr({h}, {skip} + 1, {size})"
        return f"WHEN {sql_among(start, names)} THEN {start}"

    def ends_with(text: str, *marks: str) -> str:
        return f"length({text}) > 1 AND ({' OR '.join(f'suffix({text}, {sql_literal(m)})' for m in marks)})"
    parts = {"district": f"[{sql_list(keys.values())}][list_position([{sql_list(keys)}], {dk})]",
             "street": f"CASE WHEN {se} > 0 THEN substr({r}, 1, {se}) END",
             "road": f"CASE WHEN {ends_with(road, '路', '街', '大道', '巷', '弄')} THEN {road} END",
             "lane": f"CASE WHEN {lane} > 0 THEN substr({t}, 1, {lane}) END",
             "number": f"CASE WHEN {num} > 0 THEN substr({t}, {lane} + 1, {num} - {lane}) END",
             "building": f"CASE WHEN {bldg} > 0 THEN substr({t}, greatest({lane}, {num}) + 1, "
                         f"{bldg} - greatest({lane}, {num})) END",
             "room": f"CASE WHEN {ends_with(room, '室', '层', '楼')} THEN {room} END"}
    return _Field(item, (
        ((a, clean_sql(raw, simplify=True, table=_T2S_COLUMN)),),
        ((h, f"regexp_extract({a}, '^[^0-9A-Za-z]*')"),),
        ((t, f"substr({a}, length({h}) + 1)"),
         (skip, f"CASE WHEN starts_with({h}, '中国上海市') THEN 5 WHEN starts_with({h}, '上海市') THEN 3 "
                f"WHEN starts_with({h}, '上海') THEN 2 ELSE 0 END")),
        ((dk, f"CASE {' '.join(district(size, names) for size, names in by_length.items())} END"),
         (lane, f"CASE WHEN contains({t}, '弄') AND strpos({t}, '弄') > 1 THEN strpos({t}, '弄') ELSE 0 END"),
         (num_at, f"CASE WHEN contains({t}, '号') THEN strpos({t}, '号') ELSE 0 END")),
        ((r, f"substr({h}, {skip} + coalesce(length({dk}), 0) + 1)"),
         (num, f"CASE WHEN {num_at} > {lane} + 1 AND substr({t}, {num_at} + 1, 1) <> '楼' THEN {num_at} ELSE 0 END")),
        ((se, end_of(r, ("街道", "新区", "镇", "乡"))),
         (bldg, end_of(t, ("号楼", "栋", "幢", "座"), f"greatest({lane}, {num}) + 1"))),
        ((road, f"substr({r}, {se} + 1)"), (room, f"substr({t}, greatest({lane}, {num}, {bldg}) + 1)")),
    ), ((item, a), *((f"{item}_{k}", v) for k, v in parts.items())), (
        ("address.district_unknown", f"{a} IS NOT NULL AND {dk} IS NULL"),
        ("address.district_historical", sql_among(dk, HISTORICAL_DISTRICTS)),
    ), f"{a} IS NULL")


_Cross = list[tuple[str, str | None, str]]  # (rule, item or None for the row as a whole, condition)


def _fields(kind: str, today: str, required: Collection[str]) -> tuple[list[_Field], _Cross]:
    """The fields of a kind, and its checks across fields: (rule, item or None for the row, condition)."""
    def date(item: str) -> _Field:
        return _date(item, today, required=item in required)
    if kind == "people":
        fields = [_citizen_id("id_number", "id", today, full=True), _person_name("name"),
                  _code("sex", SEX, "sex.unknown"), date("birth_date"), _code("ethnicity", ETHNICITY, "ethnicity.unknown"),
                  _address("household_address"), _address("residence_address"), date("registered_on"),
                  date("updated_on"), date("death_date"), _phone("phone"),
                  _code("marital_status", MARITAL_STATUS, "marital_status.unknown"),
                  _code("insurance_status", INSURANCE_STATUS, "insurance_status.unknown"),
                  _credit_code("employer_credit_code", "employer_credit_code", full=False)]
        status, born, birth = _c("id_number", "status"), _c("id_number", "born"), _c("birth_date", "d")
        matched = sql_among(status, ("valid18", "upgradable15"))
        cross = [("cross.birth_date_mismatch", "birth_date", f"{matched} AND {birth} <> {born}"),
                 ("cross.sex_mismatch", "sex", f"{matched} AND {sql_among(_c('sex', 'code'), '12')} AND "
                                               f"{_c('sex', 'code')} <> CASE WHEN {_c('id_number', 'body')} % 2 = 1 "
                                               "THEN '1' ELSE '2' END"),
                 ("cross.death_before_birth", "death_date",
                  f"{_c('death_date', 'd')} < coalesce({birth}, CASE WHEN {matched} THEN {born} END)"),
                 # Linkage needs a name and one thing more: a birth date, an 18-character number in the ID's form
                 # (only its birth date or division is wrong: the rest of its digits still compare), or a phone.
                 ("person.no_key", None, f"NOT {sql_among(status, _USABLE_ID)} AND ({_c('name', 'n')} IS NULL OR "
                                         f"({birth} IS NULL AND NOT ({sql_among(status, _ID_SHAPED)} AND "
                                         f"length({_c('id_number', 'n')}) = 18) AND {_c('phone', 'phone')} IS NULL))")]
        return fields, cross
    if kind == "entities":
        fields = [_credit_code("credit_code", "credit_code", full=True), _text("company_name"), _text("company_type"),
                  _person_name("legal_rep_name"), _citizen_id("legal_rep_id_number", "legal_rep_id", today, full=False),
                  _capital("registered_capital"), date("established_on"),
                  _code("registration_status", REGISTRATION_STATUS, "registration_status.unknown"),
                  _address("domicile"), _text("business_scope", prose=True), _text("taxpayer_name"),
                  _code("tax_registration_status", TAX_REGISTRATION_STATUS, "registration_status.unknown"),
                  _address("business_address"), date("updated_on")]
        name = f"coalesce({_c('company_name', 'n')}, {_c('taxpayer_name', 'n')})"
        return fields, [("entity.no_key", None, f"NOT {sql_among(_c('credit_code', 'status'), _USABLE_CREDIT)} "
                                                f"AND {name} IS NULL")]
    if kind == "addresses":  # the standard address library: see tongban.registry.addresses
        return library_fields(_text("road_name"), _address("address"))
    raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def _checks(fields: list[_Field], cross: _Cross, delivered: Collection[str], required: Collection[str]) -> _Cross:
    """(rule, item, condition) of every check that applies: an item the source lacks is not checked."""
    checks: _Cross = []
    for f in (f for f in fields if f.item in delivered):
        if f.item in _NAME_ITEMS:
            checks.append(("name.missing", f.item, f.empty))
        elif f.item in required:
            checks.append(("value.missing", f.item, f.empty))
        checks += [(rule, f.item, condition) for rule, condition in f.checks]
    return checks + [(rule, item, cond) for rule, item, cond in cross if item is None or item in delivered]


def _columns(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description]


def standardize_sql(source: str, kind: str, columns: Collection[str], *, today: datetime.date | None = None,
                    required: Collection[str] | None = None) -> str:
    """The SELECT that :func:`standardize` runs, for a source with the given columns."""
    today_sql = f"DATE '{(today or datetime.date.today()).isoformat()}'"
    required = REQUIRED.get(kind, ()) if required is None else required
    fields, cross = _fields(kind, today_sql, required)
    checks = _checks(fields, cross, columns, required)
    raws = [f'CAST("{f.item}" AS VARCHAR) AS {_c(f.item, "raw")}' if f.item in columns
            else f"NULL::VARCHAR AS {_c(f.item, 'raw')}" for f in fields]
    query = f'SELECT "row", {", ".join(raws)}, {_T2S_COLUMN} FROM {source}, (SELECT {T2S_TABLE} AS {_T2S_COLUMN})'
    for depth in range(max(len(f.stages) for f in fields)):
        columns_sql = [f"{sql} AS {name}" for f in fields if depth < len(f.stages) for name, sql in f.stages[depth]]
        query = f"SELECT *, {', '.join(columns_sql)} FROM ({query})"
    flags = ", ".join(f'coalesce({condition}, FALSE) AS "_f{i}"' for i, (_, _, condition) in enumerate(checks))
    query = f"SELECT *, {flags} FROM ({query})"
    items = [f"CASE WHEN \"_f{i}\" THEN {{'rule': {sql_literal(rule)}, 'item': "
             f"{sql_literal(item) if item else 'NULL'}::VARCHAR, 'value': {_c(item, 'raw') if item else 'NULL'}"
             f"::VARCHAR, 'severity': {sql_literal(RULES[rule].severity)}}} END"
             for i, (rule, item, _) in enumerate(checks)]
    failed = " OR ".join(f'"_f{i}"' for i in range(len(checks))) or "FALSE"
    hard = " OR ".join(f'"_f{i}"' for i, (rule, _, _) in enumerate(checks) if RULES[rule].severity == "hard")
    findings = (f"CASE WHEN {failed} THEN list_filter([{', '.join(items)}], lambda f_: f_ IS NOT NULL) "
                f"ELSE []::{FINDING}[] END")
    # Only the items the source has: each column written costs (at 4 M rows 0.12 s even when every value is NULL)
    outputs = [f'{sql} AS "{name}"' for f in fields if f.item in columns for name, sql in f.outputs]
    return f'SELECT "row", {", ".join(outputs)}, {findings} AS findings, {hard or "FALSE"} AS hard FROM ({query})'


def standardize(con: duckdb.DuckDBPyConnection, source: str, target: str, kind: str, *,
                today: datetime.date | None = None, required: Collection[str] | None = None) -> None:
    """Create table ``target`` from the feed ``source`` (a table, a view or e.g. ``read_parquet('f.parquet')``).

    ``kind`` is "people", "entities" or "addresses". The target has ``row``, the canonical columns, ``findings`` (a
    list of STRUCT(rule, item, value, severity): every rule of :data:`RULES` the row failed, the value as delivered) and
    ``hard``. The columns of items the source lacks are left out, and those items not checked. ``required`` (default
    ``REQUIRED[kind]``) names the items whose emptiness is a finding and whose unparseable date is hard; ``today``
    (default today) dates the future.
    """
    columns = _columns(con, source)
    if "row" not in columns:
        raise ValueError(f"{source} has no column row")
    register(con)
    con.execute(f"CREATE TABLE {target} AS {standardize_sql(source, kind, columns, today=today, required=required)}")


@dataclass(frozen=True)
class FieldQuality:
    """How many values of an item were checked for one GB/T 36344 dimension, and passed or failed.

    ``item`` is None for the row as a whole. Completeness is checked on every row when emptiness is a finding;
    other dimensions on the values that are not empty.
    """

    item: str | None
    dimension: str
    checked: int
    passed: int
    failed: int


_EVERY_ROW = {"value.missing", "name.missing"}


def quality_summary(con: duckdb.DuckDBPyConnection, source: str, target: str, kind: str, *,
                    required: Collection[str] | None = None,
                    present: Mapping[str, int] | None = None) -> list[FieldQuality]:
    """Per item and dimension, the values checked, passed and failed by :func:`standardize` (source → target).
    ``present``: the values of each column of ``source`` that are not blank, when already counted (at ingest)."""
    columns = _columns(con, source)
    required = REQUIRED.get(kind, ()) if required is None else required
    fields, cross = _fields(kind, "current_date", required)
    every_row: dict[tuple[str | None, str], bool] = {}
    for rule, item, _ in _checks(fields, cross, columns, required):
        key = (item, RULES[rule].dimension)
        every_row[key] = every_row.get(key, False) or item is None or rule in _EVERY_ROW
    items = sorted({item for item, _ in every_row if item})
    if present is not None and all(item in present for item in items):
        (total,) = con.execute(f"SELECT count(*) FROM {source}").fetchone() or (0,)
        non_empty = {item: present[item] for item in items}
    else:
        counts = ", ".join(f"count(nullif(trim(CAST(\"{item}\" AS VARCHAR)), ''))" for item in items)
        total, *filled = con.execute(f"SELECT count(*){', ' if items else ''}{counts} FROM {source}"
                                     ).fetchone() or (0,)
        non_empty = dict(zip(items, filled, strict=True))
    dimensions = ", ".join(f"({sql_literal(r.code)}, {sql_literal(r.dimension)})" for r in RULES.values())
    failed = {(item, dim): n for item, dim, n in con.execute(
        f"SELECT f.item, r.dimension, count(DISTINCT \"row\") FROM (SELECT \"row\", unnest(findings) AS f FROM "
        f"{target} WHERE len(findings) > 0) JOIN (VALUES {dimensions}) r(rule, dimension) ON f.rule = r.rule "
        "GROUP BY ALL").fetchall()}
    summary = []
    for (item, dimension), on_every_row in sorted(every_row.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        checked = total if on_every_row or item is None else non_empty[item]
        bad = failed.get((item, dimension), 0)
        summary.append(FieldQuality(item, dimension, checked, checked - bad, bad))
    return summary
