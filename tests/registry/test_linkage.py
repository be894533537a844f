"""Probabilistic linkage of rows without a valid ID, on a small synthetic city plus rows made for each case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tongban.registry import linkage, linkage_peer, rules
from tongban.registry.bases import POPULATION
from tongban.registry.golden import resolve
from tongban.registry.ingest import ingest_feed
from tongban.registry.names import fold_name, name_pinyin, split_name
from tongban.standards.idcard import id_check_char
from tongban.synth.feeds import HEALTH, HRSS, POLICE
from tongban.synth.generate import CityRequest, write_city

TODAY = dt.date(2025, 6, 30)
CODES = {"公民身份号码": "id_number", "姓名": "name", "性别": "sex", "出生日期": "birth_date", "民族": "ethnicity",
         "户籍地址": "household_address", "登记日期": "registered_on", "参保单位统一社会信用代码": "employer_credit_code",
         "参保状态": "insurance_status", "联系电话": "phone", "更新日期": "updated_on", "居住地址": "residence_address",
         "死亡日期": "death_date"}
CLINIC = 9  # the feed (and department) of the rows made for the cases


def _id(born: str, sequence: str, district: str = "310101") -> str:
    body = district + born.replace("-", "") + sequence
    return body + id_check_char(body)


# Resolved people made for the cases (born in 1931, a small cohort, so the synthetic city has no namesakes).
PEOPLE = {  # label: (name, ID, sex, birth date, household address) as the police register has them
    "chen": ("陈国华", _id("1931-03-04", "991"), "男", "1931-03-04", "上海市黄浦区外滩街道福州路120号"),
    "liu": ("刘丽", _id("1931-04-05", "982"), "女", "1931-04-05", "上海市徐汇区田林街道田林路88弄6号"),
    "wang": ("王明华", _id("1931-05-06", "971"), "男", "1931-05-06", "上海市长宁区新华路街道定西路300号"),
    "chenw": ("陈国伟", _id("1931-06-07", "961"), "男", "1931-06-07", "上海市静安区江宁路街道康定路15号"),
    "wei": ("王伟", _id("1931-07-08", "951"), "男", "1931-07-08", "上海市普陀区长寿路街道武宁路500号"),
    "twin1": ("李建国", _id("1931-02-03", "997"), "男", "1931-02-03", "上海市杨浦区四平路街道四平路1000号"),
    "twin2": ("李建国", _id("1931-02-03", "995"), "男", "1931-02-03", "上海市虹口区曲阳路街道曲阳路20号"),
    "ouyang": ("欧阳娜娜", _id("1931-08-09", "942"), "女", "1931-08-09", "上海市闵行区古美街道古美路77号"),
    "shan": ("單田芳", _id("1931-09-10", "931"), "男", "1931-09-10", "上海市宝山区友谊路街道友谊路9号"),
}
_PLACEHOLDER = "13800138000"  # typed where the phone is unknown
_BAD_MONTH = PEOPLE["ouyang"][1][:10] + "1" + PEOPLE["ouyang"][1][11:]  # born in month 18: bad_birth_date
_MISTYPED = PEOPLE["chen"][1][:15] + str((int(PEOPLE["chen"][1][15]) + 3) % 10) + PEOPLE["chen"][1][16:]
CASES = {  # row: (name, sex, birth date, ID, residence address, phone) as a clinic types them
    1: ("陈国华", None, None, _MISTYPED, None, None),  # a mistyped ID: sex and birth date only from its digits
    2: ("刘丽", "2", "1931-04-05", None, PEOPLE["liu"][4], None),  # no ID
    3: ("汪明华", "1", "1931-05-06", None, PEOPLE["wang"][4], None),  # a homophone of 王明华
    4: ("陳國偉", "1", "1931-06-07", None, PEOPLE["chenw"][4], None),  # traditional characters
    5: ("王伟", "1", "1931-07-25", None, "上海市浦东新区花木街道锦绣路2000号", "13912345678"),  # a namesake
    6: ("李建国", "1", "1931-02-03", None, None, None),  # either of two people alike
    7: ("欧阳娜娜", None, None, _BAD_MONTH, None, None),  # only a name and an ID whose month is impossible
    8: ("王伟", "1", "1931-07-08", PEOPLE["wei"][1], None, _PLACEHOLDER),  # 王伟 typed the placeholder once
    9: ("王伟", None, None, None, None, _PLACEHOLDER),  # a name and the placeholder: nothing else
    **{10 + n: (name, None, None, None, None, _PLACEHOLDER)  # and so did six others
       for n, name in enumerate(("赵敏", "钱进", "孙丽", "周强", "吴芳", "郑凯"))},
}


def _feed(con: duckdb.DuckDBPyConnection, feed_id: int, source: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM {source}")
    rules.standardize(con, "src", f"std_{feed_id}", "people", today=TODAY)
    con.execute("INSERT INTO feeds VALUES (?, ?, ?, ?)", [feed_id, feed_id, f"{feed_id}.csv", TODAY])


@dataclass
class City:
    """The linked city: its connection, what link() reported, and where the truth files are."""

    con: duckdb.DuckDBPyConnection
    stats: linkage.LinkStats
    truth: Path


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    out = tmp_path_factory.mktemp("city")
    write_city(out, CityRequest(people=3000, entities=1, seed=7))
    con = duckdb.connect(str(out / "work.duckdb"))
    con.execute("CREATE TABLE feeds (feed_id BIGINT, department_id BIGINT, filename VARCHAR, delivered_on DATE)")
    con.execute("CREATE TABLE rejects (feed_id BIGINT, row BIGINT, rule VARCHAR, text VARCHAR)")
    for feed_id, spec in enumerate((POLICE, HRSS, HEALTH), start=1):
        parquet = out / f"{spec.name}.parquet"
        ingest_feed(out / spec.filename, "csv", spec.encoding, [CODES[h] for h in spec.headers], parquet,
                    out / f"{spec.name}.rejects.parquet")
        _feed(con, feed_id, f"read_parquet('{parquet}')")
    police = [(i, p[1], p[0], p[2], p[3], p[4]) for i, p in enumerate(PEOPLE.values(), start=1)]
    _feed(con, 4, "(VALUES " + ", ".join(f"({i}, '{k}', '{n}', '{s}', '{b}', '{a}')" for i, k, n, s, b, a in police)
          + ') t("row", id_number, name, sex, birth_date, household_address)')
    clinic = ", ".join("(" + ", ".join([str(row)] + [f"'{v}'" if v else "NULL" for v in case]) + ")"
                       for row, case in CASES.items())
    _feed(con, CLINIC, f'(VALUES {clinic}) t("row", name, sex, birth_date, id_number, residence_address, phone)')
    con.execute("CREATE TABLE std AS " + " UNION ALL BY NAME ".join(
        f"SELECT {i}::BIGINT AS feed_id, * FROM std_{i}" for i in (1, 2, 3, 4, CLINIC)))
    stats = resolve(con, POPULATION, {"name": 1, "sex": 1, "birth_date": 1})  # links the rows without a valid ID
    assert stats is not None
    return City(con, stats, out / "truth")


@pytest.fixture
def con(city: City) -> duckdb.DuckDBPyConnection:
    return city.con


def _link(con: duckdb.DuckDBPyConnection, row: int) -> tuple[str | None, float, str]:
    (key, probability, decision), = con.execute(
        'SELECT key, probability, decision FROM links WHERE feed_id = ? AND "row" = ?', [CLINIC, row]).fetchall()
    return key, probability, decision


@pytest.mark.parametrize(("name", "surname", "given", "pinyin"), [
    ("單田芳", "单", "田芳", ("shan", "tianfang")), ("欧阳娜娜", "欧阳", "娜娜", ("ouyang", "nana")),
    ("歐陽鋒", "欧阳", "锋", ("ouyang", "feng")), ("曾国藩", "曾", "国藩", ("zeng", "guofan")),
    ("查良镛", "查", "良镛", ("zha", "liangyong")), ("王 伟", "王", "伟", ("wang", "wei")),
])
def test_names_fold_to_simplified_surname_and_surname_aware_pinyin(name, surname, given, pinyin):
    assert split_name(fold_name(name)) == (surname, given)
    assert name_pinyin(name) == pinyin


def test_prepare_folds_names_in_sql_as_in_python(con):
    rows = con.execute("SELECT key, surname, given_name, name_pinyin FROM linkage_resolved WHERE key IN (?, ?)",
                       [PEOPLE["ouyang"][1], PEOPLE["shan"][1]]).fetchall()
    assert sorted(rows) == sorted([(PEOPLE["ouyang"][1], "欧阳", "娜娜", "ouyang nana"),
                                   (PEOPLE["shan"][1], "单", "田芳", "shan tianfang")])
    folded = con.execute("SELECT DISTINCT name, surname, given_name, name_pinyin FROM linkage_resolved").fetchall()
    assert len(folded) > 1000
    assert [f for f in folded if (split_name(fold_name(f[0])), " ".join(name_pinyin(f[0]))) != (f[1:3], f[3])] == []


def test_a_mistyped_id_links_to_its_person(con):
    assert _link(con, 1)[0::2] == (PEOPLE["chen"][1], "accept")


def test_a_row_with_only_a_name_and_an_id_whose_birth_date_is_impossible_links_by_the_other_digits(con):
    assert _link(con, 7)[0::2] == (PEOPLE["ouyang"][1], "accept")  # a marriage register's row: no birth date


def test_a_placeholder_phone_many_rows_carry_is_not_compared(con):
    assert _link(con, 9)[2] != "accept"  # only the name is left: many people are 王伟


def test_a_row_without_an_id_links_by_name_birth_date_and_address(con):
    key, probability, decision = _link(con, 2)
    assert (key, decision) == (PEOPLE["liu"][1], "accept") and probability >= 0.99


@pytest.mark.parametrize(("row", "person"), [(3, "wang"), (4, "chenw")], ids=["homophone", "traditional"])
def test_a_homophone_or_a_traditional_variant_links(con, row, person):
    assert _link(con, row)[0::2] == (PEOPLE[person][1], "accept")


def test_a_namesake_born_the_same_month_is_scored_but_not_accepted(con):
    key, probability, decision = _link(con, 5)
    assert decision != "accept" and 0.0 < probability < 0.9  # blocked with 王伟 of 1931-07-08, and doubted


def test_a_row_two_people_fit_equally_goes_to_review(con):
    key, probability, decision = _link(con, 6)
    assert decision == "review" and key in (PEOPLE["twin1"][1], PEOPLE["twin2"][1]) and probability < 0.6


def test_the_synthetic_rows_link_precisely(city):
    (accepted, right), = city.con.execute("""
        SELECT count(*), count(*) FILTER (WHERE l.key = t.person_id) FROM links l
        JOIN (SELECT 3::BIGINT AS feed_id, "row"::BIGINT AS "row", person_id FROM read_csv(?, all_varchar = true)) t
        USING (feed_id, "row") WHERE l.decision = 'accept'""", [str(city.truth / f"{HEALTH.name}.csv")]).fetchall()
    assert accepted > 50 and right == accepted


def test_every_candidate_has_one_decision_and_scratch_tables_are_gone(city, con):
    stats = city.stats
    (candidates, distinct), = con.execute(
        'SELECT (SELECT count(*) FROM linkage_candidates), count(DISTINCT (feed_id, "row")) FROM links').fetchall()
    assert candidates == distinct == stats.accept + stats.review + stats.none
    assert stats.training_pairs > 0 and stats.seconds > 0
    left = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() UNION ALL "
                                      "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert not {t for t in left if t.startswith(("__splink__", "_lk_"))}
    assert [c[:2] for c in con.execute("DESCRIBE links").fetchall()] == [
        ("feed_id", "BIGINT"), ("row", "BIGINT"), ("key", "VARCHAR"), ("probability", "DOUBLE"), ("decision", "VARCHAR")]


def test_splink_default_dedupe_clusters_rows_by_name_and_birth_date(con):
    con.execute("""CREATE TABLE peer AS SELECT feed_id || ':' || "row" AS unique_id, name, sex, birth_date, phone,
                   coalesce(residence_address_district, household_address_district) AS district FROM r
                   WHERE feed_id IN (4, 9) OR feed_id = 1 AND "row" <= 1000""")  # the cases, and some of the city
    table = linkage_peer.splink_default_dedupe(con, "peer")
    (rows, clustered, twins), = con.execute(f"""SELECT count(*), count(cluster_id),
        count(DISTINCT cluster_id) FILTER (WHERE name = '李建国' AND birth_date = DATE '1931-02-03')
        FROM {table} JOIN peer USING (unique_id)""").fetchall()
    assert rows == clustered > 1000 and twins == 1  # the peer makes one person of the two alike and the clinic row
    assert not [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
                if t.startswith("__splink__")]


def test_matching_takes_accepted_links_into_the_golden_records_and_leaves_the_rest_for_review(con):
    outcomes = dict(((r, (o, k, why)) for r, o, k, why in con.execute(
        'SELECT "row", outcome, key, reason FROM outcomes WHERE feed_id = ?', [CLINIC]).fetchall()))
    assert outcomes[1] == ("linked", PEOPLE["chen"][1], "")
    assert outcomes[2] == ("linked", PEOPLE["liu"][1], "")
    assert outcomes[6] == ("review", None, "match.review")
    (residence,), = con.execute("SELECT residence_address.v FROM golden WHERE key = ?", [PEOPLE["liu"][1]]).fetchall()
    assert residence == PEOPLE["liu"][4]  # the clinic's row now gives 刘丽 her residence address


def test_a_clerks_answer_holds_in_the_next_matching(city, con):
    twin = PEOPLE["twin2"][1]
    (suggested,), = con.execute('SELECT key FROM links WHERE feed_id = ? AND "row" = 5', [CLINIC]).fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE decisions AS SELECT * FROM (VALUES "
                f"({CLINIC}::BIGINT, 6::BIGINT, '{twin}', 'accepted'), ({CLINIC}, 5, ?, 'rejected')) "
                "d(feed_id, row, key, decision)", [suggested])
    try:
        resolve(con, POPULATION, {"name": 1, "sex": 1, "birth_date": 1})
        outcomes = dict(((r, (o, k, why)) for r, o, k, why in con.execute(
            'SELECT "row", outcome, key, reason FROM outcomes WHERE feed_id = ? AND "row" IN (5, 6)',
            [CLINIC]).fetchall()))
        assert outcomes[6] == ("linked", twin, "")
        assert outcomes[5][0] == "review"  # not linked to the person the clerk ruled out
        (again,), = con.execute('SELECT key FROM links WHERE feed_id = ? AND "row" = 5', [CLINIC]).fetchall()
        assert again != suggested or again is None
    finally:  # the module's other tests read the first matching
        con.execute("DELETE FROM decisions")
        resolve(con, POPULATION, {"name": 1, "sex": 1, "birth_date": 1})
