"""Validation and standardisation rules, run as DuckDB SQL and checked against the standards' own validators."""

from __future__ import annotations

import datetime
import string
from functools import cache
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tongban import i18n
from tongban.registry import rules
from tongban.registry.rules_data import DIMENSIONS, RULES
from tongban.standards import (
    CodeError, id_check_char, is_valid_division_code, make_credit_code, parse_citizen_id, parse_credit_code,
)

TODAY = datetime.date(2024, 6, 1)
PEOPLE = ("id_number", "name", "sex", "birth_date", "ethnicity", "household_address", "residence_address",
          "registered_on", "updated_on", "death_date", "phone", "marital_status", "insurance_status",
          "employer_credit_code")
HAPPY = {"id_number": "11010519491231002X", "name": "李娜", "birth_date": "1949-12-31"}


def standardize(rows: list[dict[str, str | None]], kind: str = "people", **options: Any) -> list[dict[str, Any]]:
    """Standardise rows (VARCHAR columns named by the union of their keys) in a fresh in-memory DuckDB."""
    con = duckdb.connect()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    con.execute("CREATE TABLE feed (row BIGINT" + "".join(f', "{c}" VARCHAR' for c in columns) + ")")
    con.executemany(f"INSERT INTO feed VALUES ({', '.join('?' * (len(columns) + 1))})",
                    [[n, *(row.get(c) for c in columns)] for n, row in enumerate(rows, start=1)])
    rules.standardize(con, "feed", "std", kind, today=options.pop("today", TODAY), **options)
    cursor = con.execute("SELECT * FROM std ORDER BY row")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


@cache
def batch(item: str, texts: tuple[str, ...], kind: str = "people") -> dict[str, dict[str, Any]]:
    """Every text of a parametrized test standardised in one call (a call compiles a large query), by text."""
    base = ({"name": "李娜", "birth_date": "1949-12-31"} if kind == "people"
            else {"credit_code": "91350200776049653A", "company_name": "某公司"})
    return dict(zip(texts, standardize([{**base, item: text} for text in texts], kind), strict=True))


def found(row: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(f["rule"], f["item"]) for f in row["findings"]}


# --- the standards' own examples -------------------------------------------------------------------------------

def test_the_standards_citizen_id_examples_are_classified_as_the_standard_says() -> None:
    out = standardize([{"id_number": v} for v in ("11010519491231002X", "440524188001010014", "110105194912310021",
                                                  "110105491231002")])
    assert [r["id_status"] for r in out] == ["valid18", "valid18", "checksum_fail", "upgradable15"]
    assert [r["id_number"] for r in out] == ["11010519491231002X", "440524188001010014", None, None]
    assert out[3]["id_upgraded"] == "11010519491231002X"
    assert out[0]["id_birth_date"] == datetime.date(1949, 12, 31) and out[0]["id_sex"] == "2"
    assert out[0]["id_division"] == "110105"
    assert ("idcard.checksum", "id_number") in found(out[2]) and ("idcard.old_format", "id_number") in found(out[3])


def test_the_standards_credit_code_examples_pass_and_a_changed_check_character_fails() -> None:
    out = standardize([{"credit_code": v, "company_name": "某公司"} for v in (
        "91350200776049653A", "91440101MA5CJQ4N59", "914403001922038216", "91350200776049653B")], "entities")
    assert [r["credit_code_status"] for r in out] == ["valid", "valid", "valid", "checksum_fail"]
    assert out[0]["credit_code"] == "91350200776049653A" and out[3]["credit_code"] is None
    assert ("credit_code.checksum", "credit_code") in found(out[3])


def test_ids_are_normalised_before_they_are_checked() -> None:
    out = standardize([{"id_number": v} for v in ("１１０１０５１９４９１２３１００２ｘ", " 11010519491231002x ",
                                                  "110105\u30001949 1231002X", "", "   ", None)])
    assert [r["id_status"] for r in out] == ["valid18"] * 3 + ["missing"] * 3
    assert {r["id_number"] for r in out[:3]} == {"11010519491231002X"}


def test_historical_shanghai_division_codes_are_known() -> None:
    codes = ["310103", "310108", "310225", "310230", "310101", "310151", "110105", "310000"]
    out = standardize([{"id_number": code + "19800101001" + id_check_char(code + "19800101001")} for code in codes])
    assert [(r["id_status"], found(r)) for r in out] == [("valid18", set())] * len(codes)


def test_an_unknown_shanghai_division_is_flagged_but_the_number_stays_valid() -> None:
    first17 = "310199" + "19800101001"
    [row] = standardize([{"id_number": first17 + id_check_char(first17)}])
    assert row["id_status"] == "valid18" and ("idcard.division_unknown", "id_number") in found(row)


# --- agreement with tongban.standards on generated values ------------------------------------------------------

ID_RULE_STATUS = {"idcard.length": "bad_format", "idcard.charset": "bad_format", "idcard.division": "bad_division",
                  "idcard.birth_date": "bad_birth_date", "idcard.checksum": "checksum_fail"}
DIVISIONS = ["110105", "310101", "310103", "310115", "310230", "440524", "830000", "990101", "310199", "000000"]


@st.composite
def citizen_ids(draw: st.DrawFn) -> str:
    """Valid numbers, one-character mutations of them, old 15-digit forms, and noise."""
    born = draw(st.dates(datetime.date(1850, 1, 1), datetime.date(2030, 12, 31)))
    first17 = draw(st.sampled_from(DIVISIONS)) + born.strftime("%Y%m%d") + f"{draw(st.integers(0, 999)):03d}"
    valid = first17 + id_check_char(first17)
    kind = draw(st.sampled_from(["valid", "mutated", "old", "noise", "spaced"]))
    if kind == "mutated":
        at = draw(st.integers(0, 17))
        return valid[:at] + draw(st.sampled_from("0123456789Xx")) + valid[at + 1:]
    if kind == "old":
        return valid[:6] + valid[8:17]
    if kind == "noise":
        return draw(st.text("0123456789Xx ０１２３４５６７８９ＸA-", max_size=20))
    if kind == "spaced":
        return " " + valid.replace("1", "１", 1) + "\u3000"
    return valid


def python_id_status(raw: str) -> tuple[str, str | None]:
    """The status and the 18-character number tongban.standards gives."""
    try:
        parsed = parse_citizen_id(raw, today=TODAY)
    except CodeError as error:
        return ("missing" if error.rule == "idcard.length" and error.params["length"] == 0
                else ID_RULE_STATUS[error.rule]), None
    return ("upgradable15" if parsed.upgraded_from else "valid18"), parsed.number


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(citizen_ids(), min_size=1, max_size=300))
def test_citizen_id_status_agrees_with_the_python_validator(values: list[str]) -> None:
    out = standardize([{"id_number": v} for v in values])
    for value, row in zip(values, out, strict=True):
        status, number = python_id_status(value)
        assert row["id_status"] == status, value
        assert (row["id_number"] or row["id_upgraded"]) == number, value
        if status in ("valid18", "upgradable15"):
            parsed = parse_citizen_id(value, today=TODAY)
            assert (row["id_birth_date"], row["id_sex"]) == (parsed.birth_date, parsed.sex)
            known = is_valid_division_code(parsed.division_code)
            assert (("idcard.division_unknown", "id_number") not in found(row)) == known


CREDIT_RULE_STATUS = {"uscc.length": "bad_format", "uscc.charset": "bad_format", "uscc.checksum": "checksum_fail",
                      "uscc.org_code_checksum": "org_checksum_fail", "uscc.division": "bad_division"}
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    body = draw(st.text(USCC_CHARS, min_size=8, max_size=8))
    valid = make_credit_code(draw(st.sampled_from("159Y")), draw(st.sampled_from("1239")),
                             draw(st.sampled_from(["310101", "350200", "440101"])), body)
    kind = draw(st.sampled_from(["valid", "mutated", "noise", "lower"]))
    if kind == "mutated":
        at = draw(st.integers(0, 17))
        return valid[:at] + draw(st.sampled_from(USCC_CHARS + "IOSZ")) + valid[at + 1:]
    if kind == "noise":
        return draw(st.text(USCC_CHARS + "IO -ｙ", max_size=20))
    return valid.lower() if kind == "lower" else valid


def python_credit_status(raw: str) -> str:
    try:
        parse_credit_code(raw)
    except CodeError as error:
        return "missing" if error.rule == "uscc.length" and error.params["length"] == 0 else CREDIT_RULE_STATUS[
            error.rule]
    return "valid"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(credit_codes(), min_size=1, max_size=300))
def test_credit_code_status_agrees_with_the_python_validator(values: list[str]) -> None:
    out = standardize([{"credit_code": v, "company_name": "某公司"} for v in values], "entities")
    assert [r["credit_code_status"] for r in out] == [python_credit_status(v) for v in values]


@settings(max_examples=10, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(DIVISIONS + ["310100", "310200", "110000", "110100", "320500"]),
                          st.text(string.digits, min_size=6, max_size=6)), min_size=1, max_size=200))
def test_division_codes_are_known_exactly_when_tongban_standards_accepts_them(codes: list[str]) -> None:
    con = duckdb.connect()
    sql = rules.division_known_sql("c")
    known = con.execute(f"SELECT list_transform(?, lambda c: {sql})", [codes]).fetchone()
    assert known is not None and known[0] == [is_valid_division_code(c) for c in codes]


# --- dates, codes, names, phones, capital, addresses -----------------------------------------------------------

DATES = ("2024-05-31", "2024/05/31", "20240531", "2024.05.31", "2024年5月31日", "2024年05月31日", "2024-5-31",
         "2024/5/31", "２０２４－０５－３１", " 2024-05-31 ", "2024-05-31 10:20:30", "2024-05-31T10:20", "2024/5/31 9:05")
BAD_DATES = (("2024-02-30", "date.invalid"), ("2024-13-01", "date.invalid"), ("31/05/2024", "date.invalid"),
             ("yesterday", "date.invalid"), ("2024-06-02", "date.future"), ("1899-12-31", "date.too_early"))


@pytest.mark.parametrize("text", DATES)
def test_every_date_format_gives_the_same_date(text: str) -> None:
    row = batch("registered_on", DATES)[text]
    assert row["registered_on"] == datetime.date(2024, 5, 31) and row["findings"] == []


@pytest.mark.parametrize(("text", "rule"), BAD_DATES)
def test_bad_dates_are_flagged_and_unparseable_ones_dropped(text: str, rule: str) -> None:
    row = batch("registered_on", tuple(t for t, _ in BAD_DATES))[text]
    assert found(row) == {(rule, "registered_on")} and not row["hard"]
    assert (row["registered_on"] is None) == (rule == "date.invalid")


def test_a_time_after_a_one_digit_day_is_not_read_as_part_of_the_day() -> None:
    assert batch("registered_on", ("2024-5-3 10:20",))["2024-5-3 10:20"]["registered_on"] == datetime.date(2024, 5, 3)


CODES = [("sex", "1", "1"), ("sex", "男", "1"), ("sex", "女", "2"), ("sex", " F ", "2"), ("sex", "２", "2"),
         ("sex", "9", "9"), ("sex", "未知的性别", "0"), ("ethnicity", "01", "01"), ("ethnicity", "1", "01"),
         ("ethnicity", "汉族", "01"), ("ethnicity", "汉", "01"), ("ethnicity", "维吾尔族", "05"),
         ("ethnicity", "基诺", "56"), ("ethnicity", "56", "56"), ("marital_status", "20", "20"),
         ("marital_status", "离婚", "40"), ("marital_status", "再婚", "22"), ("marital_status", "未说明的婚姻状况", "90"),
         ("insurance_status", "参保缴费", "1"), ("insurance_status", "3", "3"), ("insurance_status", "暂停缴费", "2")]


@pytest.mark.parametrize(("item", "text", "code"), CODES)
def test_code_tables_map_codes_and_words_to_the_canonical_code(item: str, text: str, code: str) -> None:
    row = batch(item, tuple(t for i, t, _ in CODES if i == item))[text]
    assert row[item] == code and row["findings"] == []


UNKNOWN_CODES = (("sex", "3"), ("ethnicity", "57"), ("ethnicity", "火星族"), ("marital_status", "50"),
                 ("insurance_status", "9"))


@pytest.mark.parametrize(("item", "text"), UNKNOWN_CODES)
def test_a_value_outside_the_code_table_is_dropped_with_a_finding(item: str, text: str) -> None:
    row = batch(item, tuple(t for i, t in UNKNOWN_CODES if i == item))[text]
    assert row[item] is None and found(row) == {(f"{item}.unknown", item)}


STATUSES = (("在业", "存续"), ("存续（在营、开业、在册）", "存续"), ("吊销，未注销", "吊销"), ("注销", "注销"), ("迁出", "迁出"))


@pytest.mark.parametrize(("text", "status"), STATUSES)
def test_registration_status_words_become_canonical(text: str, status: str) -> None:
    row = batch("registration_status", tuple(t for t, _ in STATUSES), "entities")[text]
    assert row["registration_status"] == status and row["findings"] == []


def test_tax_registration_status_words_become_canonical() -> None:
    assert batch("tax_registration_status", ("非正常户",), "entities")["非正常户"]["tax_registration_status"] == "非正常"


NAMES = (("張偉", "张伟"), ("張 偉", "张伟"), ("李\u3000娜", "李娜"), ("歐陽鋒", "欧阳锋"), ("買買提・艾力", "买买提·艾力"),
         ("艾力.买买提", "艾力·买买提"), ("ＪＯＨＮ", "JOHN"), ("乾隆", "乾隆"), ("於丹", "於丹"), ("鐘麗華", "钟丽华"),
         ("张3", "张3"))


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_names_are_folded_to_half_width_without_spaces_and_simplified(text: str, name: str) -> None:
    row = standardize_names()[text]
    assert row["name"] == name and found(row) == ({("name.invalid", "name")} if text == "张3" else set())


@cache
def standardize_names() -> dict[str, dict[str, Any]]:
    texts = [t for t, _ in NAMES]
    return dict(zip(texts, standardize([{**HAPPY, "name": t} for t in texts]), strict=True))


PHONES = (("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("0086 13812345678", "13812345678"),
          ("021-62345678", "021-62345678"), ("62345678", "021-62345678"), ("(021)6234 5678", "021-62345678"),
          ("１３８１２３４５６７８", "13812345678"), ("12345", None), ("010-62345678", None), ("1381234567", None),
          ("23812345678", None))


@pytest.mark.parametrize(("text", "phone"), PHONES)
def test_phones_become_a_mobile_number_or_a_shanghai_landline_or_are_dropped(text: str, phone: str | None) -> None:
    row = batch("phone", tuple(t for t, _ in PHONES))[text]
    assert row["phone"] == phone
    assert found(row) == (set() if phone else {("phone.invalid", "phone")})


CAPITALS = (("500万元", Decimal(500), None), ("500", Decimal(500), None), ("5,000,000元", Decimal(500), None),
            ("1.5亿元", Decimal(15000), None), ("人民币50万元", Decimal(50), None), ("１２３４５元", Decimal("1.2345"), None),
            ("100万美元", None, "capital.currency"), ("若干", None, "capital.invalid"))


@pytest.mark.parametrize(("text", "amount", "rule"), CAPITALS)
def test_registered_capital_becomes_an_amount_in_ten_thousand_yuan(text: str, amount: Decimal | None,
                                                                    rule: str | None) -> None:
    row = batch("registered_capital", tuple(t for t, _, _ in CAPITALS), "entities")[text]
    assert row["registered_capital"] == amount
    assert found(row) == ({(rule, "registered_capital")} if rule else set())


ADDRESSES = [
    ("上海市浦东新区陆家嘴街道世纪大道100号3号楼602室",
     ("浦东新区", "陆家嘴街道", "世纪大道", None, "100号", "3号楼", "602室")),
    ("上海市闵行区七宝镇七莘路1500弄3号201室", ("闵行区", "七宝镇", "七莘路", "1500弄", "3号", None, "201室")),
    ("上海 徐汇区 漕溪北路 88号", ("徐汇区", None, "漕溪北路", None, "88号", None, None)),
    ("上海市嘉定区安亭镇墨玉路1313号12幢5层503室", ("嘉定区", "安亭镇", "墨玉路", None, "1313号", "12幢", "5层503室")),
    ("上海市普陀区真如镇街道曹杨路3号楼1201室", ("普陀区", "真如镇街道", "曹杨路", None, None, "3号楼", "1201室")),
    ("上海市浦東新區張楊路500號", ("浦东新区", None, "张杨路", None, "500号", None, None)),
    ("松江区九亭镇九亭大街８８号", ("松江区", "九亭镇", "九亭大街", None, "88号", None, None)),
]


@pytest.mark.parametrize(("text", "parts"), ADDRESSES)
def test_addresses_are_parsed_into_their_parts(text: str, parts: tuple[str | None, ...]) -> None:
    row = batch("household_address", tuple(t for t, _ in ADDRESSES))[text]
    assert tuple(row[f"household_address_{p}"] for p in rules.ADDRESS_PARTS) == parts
    assert row["findings"] == []


RETIRED = (("上海市卢湾区打浦路1号", "黄浦区"), ("上海市闸北区共和新路2号", "静安区"), ("南汇区惠南镇3号", "浦东新区"),
           ("崇明县城桥镇八一路4号", "崇明区"))


@pytest.mark.parametrize(("text", "district"), RETIRED)
def test_a_retired_district_is_mapped_to_the_current_one_and_flagged(text: str, district: str) -> None:
    row = batch("residence_address", tuple(t for t, _ in RETIRED))[text]
    assert row["residence_address_district"] == district
    assert found(row) == {("address.district_historical", "residence_address")}


def test_an_address_without_a_shanghai_district_is_flagged() -> None:
    [row] = standardize([{**HAPPY, "household_address": "江苏省苏州市姑苏区人民路1号"}])
    assert row["household_address_district"] is None
    assert found(row) == {("address.district_unknown", "household_address")}


# --- rows as a whole -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("row", "rules_found"), [
    ({"id_number": "11010519491231002X", "name": "", "birth_date": "1949-12-31"}, {("name.missing", "name")}),
    ({"id_number": "abc", "name": "李娜", "birth_date": ""},
     {("idcard.format", "id_number"), ("value.missing", "birth_date"), ("person.no_key", None)}),
    ({"id_number": "11010519491231002X", "name": "李娜", "birth_date": "1949-12-32"},
     {("date.invalid_required", "birth_date")}),
])
def test_hard_rules_send_the_row_to_quarantine(row: dict[str, str], rules_found: set[tuple[str, str | None]]) -> None:
    [out] = standardize([row])
    assert out["hard"] and found(out) == rules_found
    assert {f["severity"] for f in out["findings"]} >= {"hard"}


def test_a_row_with_only_soft_findings_is_kept_with_its_flags() -> None:
    [row] = standardize([{"id_number": "110105194912310021", "name": "李娜", "birth_date": "1949-12-31",
                          "sex": "1", "phone": "123"}])
    assert not row["hard"] and row["id_input"] == "110105194912310021"
    assert found(row) == {("idcard.checksum", "id_number"), ("phone.invalid", "phone")}


@pytest.mark.parametrize(("row", "status"), [
    ({"id_number": "110105194913310021", "name": "李娜"}, "bad_birth_date"),  # month 13: the rest still compares
    ({"id_number": "990105194912310021", "name": "李娜"}, "bad_division"),
    ({"id_number": None, "name": "李娜", "phone": "13912345678"}, "missing"),
], ids=["impossible-birth-date", "unknown-province", "phone"])
def test_a_name_with_an_id_shaped_number_or_a_phone_is_left_for_linkage(row: dict[str, str], status: str) -> None:
    [out] = standardize([row])  # a marriage or insurance register's row: it has no birth date
    assert not out["hard"] and out["id_status"] == status and ("person.no_key", None) not in found(out)


@pytest.mark.parametrize("row", [{"id_number": None, "name": "李娜"}, {"id_number": "abc", "name": "李娜"},
                                 {"id_number": "110105194913310021", "name": "", "phone": "13912345678"},
                                 {"id_number": "110105491331002", "name": "李娜"}],
                         ids=["name-only", "not-an-id", "no-name", "15-digit-impossible-birth-date"])
def test_a_row_with_nothing_to_link_by_is_quarantined(row: dict[str, str]) -> None:
    [out] = standardize([row])
    assert out["hard"] and ("person.no_key", None) in found(out)


def test_a_name_and_birth_date_are_a_key_when_the_id_number_is_missing() -> None:
    [row] = standardize([{"id_number": None, "name": "李娜", "birth_date": "1949-12-31"}])
    assert not row["hard"] and found(row) == {("value.missing", "id_number")}


def test_the_row_is_checked_against_its_id_number() -> None:
    [row] = standardize([{"id_number": "11010519491231002X", "name": "李娜", "birth_date": "1949-12-30", "sex": "1",
                          "death_date": "1949-01-01"}])
    assert found(row) == {("cross.birth_date_mismatch", "birth_date"), ("cross.sex_mismatch", "sex"),
                          ("cross.death_before_birth", "death_date")}


def test_items_a_feed_lacks_are_left_out_and_not_checked() -> None:
    [row] = standardize([{"id_number": "11010519491231002X", "name": "李娜"}])
    assert row["findings"] == [] and not row["hard"]
    assert set(row) >= {"row", "id_number", "name", "id_upgraded", "id_status", "findings", "hard"}
    assert not set(row) & (set(PEOPLE) - {"id_number", "name"})
    assert not any(column.startswith(("household_address", "residence_address")) for column in row)


def test_an_entity_needs_a_credit_code_or_a_name() -> None:
    out = standardize([{"credit_code": "", "taxpayer_name": ""}, {"credit_code": "91350200776049653B",
                                                                "taxpayer_name": "某公司"}], "entities")
    assert out[0]["hard"] and found(out[0]) == {("name.missing", "taxpayer_name"), ("value.missing", "credit_code"),
                                                ("entity.no_key", None)}
    assert not out[1]["hard"] and set(out[1]) >= {"credit_code", "taxpayer_name", "credit_code_status"}


def test_required_items_can_be_named_by_the_caller() -> None:
    [row] = standardize([{**HAPPY, "sex": "", "birth_date": "x"}], required=("sex",))
    assert found(row) == {("value.missing", "sex"), ("date.invalid", "birth_date")} and not row["hard"]


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        standardize([{"id_number": "1"}], "vehicles")


# --- the registry and the quality summary ----------------------------------------------------------------------

@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.code)
def test_every_rule_has_a_dimension_a_severity_and_a_translated_message(rule: rules.Rule) -> None:
    assert rule.dimension in DIMENSIONS and rule.severity in ("hard", "soft")
    chinese = i18n.gettext("zh-CN", rule.message, item="性别", value="x")
    assert chinese != rule.message.format(item="性别", value="x")


def test_the_quality_summary_counts_checked_passed_and_failed_values_per_item_and_dimension() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE feed (row BIGINT, id_number VARCHAR, name VARCHAR, sex VARCHAR)")
    con.execute("INSERT INTO feed VALUES (1, '11010519491231002X', '李娜', '2'), (2, '110105194912310021', '王五', '3'),"
                " (3, NULL, '赵六', NULL)")
    rules.standardize(con, "feed", "std", "people", today=TODAY)
    summary = {(q.item, q.dimension): (q.checked, q.passed, q.failed)
               for q in rules.quality_summary(con, "feed", "std", "people")}
    assert summary[("id_number", "completeness")] == (3, 2, 1)
    assert summary[("id_number", "accuracy")] == (2, 1, 1)
    assert summary[("sex", "conformance")] == (2, 1, 1)
    assert summary[("name", "completeness")] == (3, 3, 0)
    assert summary[(None, "completeness")] == (3, 2, 1)


def test_the_expression_builders_work_on_their_own_after_register() -> None:
    con = duckdb.connect()
    rules.register(con)
    row = con.execute(f"SELECT {rules.fold_sql('x', simplify=True)}, {rules.date_sql('d')}, "
                      f"{rules.id_check_char_sql('CAST(b AS BIGINT)')}, {rules.uscc_check_char_sql('c')} "
                      "FROM (SELECT '張 三' AS x, '2024年5月31日' AS d, '11010519491231002' AS b, "
                      "'91350200776049653' AS c)").fetchone()
    assert row == ("张三", datetime.date(2024, 5, 31), "X", "A")
