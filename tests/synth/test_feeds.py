"""The six feed files and their truth: exact headers and encodings, truth row for row, faults as declared."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from pathlib import Path

import pytest

from tongban.standards import is_valid_citizen_id, is_valid_credit_code, normalize, parse_citizen_id
from tongban.synth.faults import FaultRates
from tongban.synth.generate import CityRequest, write_city
from tongban.synth.names import HOMOPHONES, TRADITIONAL

HEADERS = {
    "population_police.csv": "公民身份号码 姓名 性别 出生日期 民族 户籍地址 登记日期",
    "population_hrss.csv": "公民身份号码 姓名 参保单位统一社会信用代码 参保状态 联系电话 更新日期",
    "population_civil.csv": "公民身份号码 姓名 婚姻状况 登记日期",
    "population_health.csv": "姓名 性别 出生日期 公民身份号码 居住地址 联系电话 死亡日期 更新日期",
    "entity_samr.csv": "统一社会信用代码 企业名称 企业类型 法定代表人姓名 法定代表人身份号码 注册资本 成立日期 登记状态 住所 "
                       "经营范围 更新日期",
    "entity_tax.csv": "统一社会信用代码 纳税人名称 登记状态 生产经营地址 更新日期",
}
ENCODING = {name: "gb18030" if name == "population_civil.csv" else "utf-8-sig" for name in HEADERS}
PEOPLE_FEEDS = [name for name in HEADERS if name.startswith("population")]
ID_COLUMN = {"entity_samr.csv": "法定代表人身份号码"}
NAME_COLUMN = {"entity_samr.csv": "企业名称", "entity_tax.csv": "纳税人名称"}
# High rates, so that a few thousand rows measure every fault.
HIGH = FaultRates(missing_id=0.04, missing_id_health=0.2, mistyped_id=0.05, mistyped_id_health=0.1, old_id=0.15,
                  fullwidth_id=0.05, mistyped_code=0.06, name_variant=0.1, stale_address=0.1,
                  conflict_birth_date=0.1, conflict_status=0.1, duplicate=0.05, death=0.02)


def read(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding))))


class City:
    """A written city, read back: feed rows, their truth rows, the true people and entities."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.feeds = {name: read(out / name, ENCODING[name]) for name in HEADERS}
        self.truth = {name: read(out / "truth" / name) for name in HEADERS}
        self.people = {p["person_id"]: p for p in read(out / "truth" / "people.csv")}
        self.entities = {e["entity_code"]: e for e in read(out / "truth" / "entities.csv")}

    def rows(self, name: str):
        """(feed row, truth row, fault set) for every row of a feed."""
        for row, truth in zip(self.feeds[name], self.truth[name], strict=True):
            yield row, truth, set(filter(None, truth["fault"].split(";")))

    def originals(self, name: str) -> list[tuple[dict, dict, set]]:
        return [r for r in self.rows(name) if "duplicate" not in r[2]]


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> City:
    out = tmp_path_factory.mktemp("city")
    write_city(out, CityRequest(2_000, 274, seed=5))
    return City(out)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> City:
    out = tmp_path_factory.mktemp("faulty")
    write_city(out, CityRequest(6_000, 3_000, seed=9, rates=HIGH, chunk_size=2_500))  # three chunks
    return City(out)


# --- files -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", HEADERS)
def test_each_feed_has_exactly_its_header(city, name):
    raw = (city.out / name).read_bytes().decode(ENCODING[name])
    assert raw.splitlines()[0] == HEADERS[name].replace(" ", ",")


@pytest.mark.parametrize("name", [n for n in HEADERS if ENCODING[n] == "utf-8-sig"])
def test_utf8_feeds_start_with_a_byte_order_mark(city, name):
    assert (city.out / name).read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_marriage_feed_is_gb18030_and_not_utf8(city):
    raw = (city.out / "population_civil.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gb18030").startswith("公民身份号码,姓名,婚姻状况,登记日期")


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(city, tmp_path):
    write_city(tmp_path / "again", CityRequest(2_000, 274, seed=5))
    write_city(tmp_path / "other", CityRequest(2_000, 274, seed=6))
    files = sorted(p.relative_to(city.out) for p in city.out.rglob("*.csv"))
    assert files == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*.csv"))
    assert all((city.out / f).read_bytes() == (tmp_path / "again" / f).read_bytes() for f in files)
    police = "population_police.csv"
    assert (city.out / police).read_bytes() != (tmp_path / "other" / police).read_bytes()


# --- truth -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", HEADERS)
def test_truth_rows_match_feed_rows_one_to_one(faulty, name):
    truth = faulty.truth[name]
    assert len(truth) == len(faulty.feeds[name]) > 0
    assert [int(t["row"]) for t in truth] == list(range(1, len(truth) + 1))
    assert {t["feed"] for t in truth} == {name.removesuffix(".csv")}
    known = faulty.entities if name.startswith("entity") else faulty.people
    assert all(t.get("person_id", t.get("entity_code")) in known for t in truth)


def test_ids_and_credit_codes_stay_unique_across_chunks(faulty):
    assert len(faulty.people) == 6_000 and len(faulty.entities) == 3_000
    assert all(is_valid_citizen_id(p) for p in faulty.people)
    assert all(is_valid_credit_code(c) for c in faulty.entities)


@pytest.mark.parametrize("name", [*PEOPLE_FEEDS, "entity_samr.csv"])
def test_every_id_fault_is_what_its_label_says(faulty, name):
    column = ID_COLUMN.get(name, "公民身份号码")
    for row, truth, faults in faulty.rows(name):
        real = faulty.entities[truth["entity_code"]]["legal_rep_id"] if "entity_code" in truth else truth["person_id"]
        shown = row[column]
        if "missing_id" in faults:
            assert shown == ""
        elif "mistyped_id" in faults:
            assert len(shown) == 18 and sum(a != b for a, b in zip(shown, real)) == 1
            assert not is_valid_citizen_id(shown)
        elif "old_id" in faults:
            assert len(shown) == 15 and parse_citizen_id(shown).number == real
        elif "fullwidth_id" in faults:
            assert shown != real and normalize(shown) == real
        else:
            assert shown == real


@pytest.mark.parametrize("name", ["entity_samr.csv", "entity_tax.csv"])
def test_a_mistyped_credit_code_differs_in_one_character_and_fails_its_check(faulty, name):
    for row, truth, faults in faulty.rows(name):
        shown, real = row["统一社会信用代码"], truth["entity_code"]
        if "mistyped_code" in faults:
            assert sum(a != b for a, b in zip(shown, real)) == 1 and not is_valid_credit_code(shown)
        else:
            assert shown == real


def _is_variant(shown: str, real: str, faults: set[str]) -> bool:
    if "name_space" in faults:
        return shown != real and shown.replace(" ", "").replace("\u3000", "") == real
    if "name_traditional" in faults:
        same_length = len(shown) == len(real)
        return shown != real and same_length and all(TRADITIONAL.get(a, a) == b for a, b in zip(real, shown))
    if "name_homophone" in faults:
        changed = [(a, b) for a, b in zip(real, shown) if a != b]
        return len(shown) == len(real) and len(changed) == 1 and HOMOPHONES[changed[0][0]] == changed[0][1]
    return shown == real


@pytest.mark.parametrize("name", HEADERS)
def test_every_name_is_the_true_name_or_the_variant_its_label_says(faulty, name):
    for row, truth, faults in faulty.rows(name):
        if "entity_code" in truth:
            real = faulty.entities[truth["entity_code"]]["name"]
        else:
            real = faulty.people[truth["person_id"]]["name"]
        assert _is_variant(row[NAME_COLUMN.get(name, "姓名")], real, faults), (row, faults)


def test_health_conflicts_stale_addresses_and_deaths_are_labelled(faulty):
    for row, truth, faults in faulty.rows("population_health.csv"):
        person = faulty.people[truth["person_id"]]
        assert (row["出生日期"] != person["birth_date"]) == ("conflict_birth_date" in faults)
        assert (row["居住地址"] != person["residence_address"]) == ("stale_address" in faults)
        assert row["死亡日期"] == person["death_date"] and bool(row["死亡日期"]) == ("death" in faults)


def test_tax_status_conflicts_and_stale_addresses_are_labelled(faulty):
    for row, truth, faults in faulty.rows("entity_tax.csv"):
        entity = faulty.entities[truth["entity_code"]]
        assert (row["登记状态"] != entity["tax_status"]) == ("conflict_status" in faults)
        assert (row["生产经营地址"] != entity["business_address"]) == ("stale_address" in faults)


@pytest.mark.parametrize("name", HEADERS)
def test_a_duplicate_is_an_exact_copy_of_another_row_of_the_same_key(faulty, name):
    key = "entity_code" if name.startswith("entity") else "person_id"
    counts = Counter((tuple(row.values()), truth[key]) for row, truth, _ in faulty.rows(name))
    duplicates = [(row, truth) for row, truth, faults in faulty.rows(name) if "duplicate" in faults]
    assert duplicates
    assert all(counts[(tuple(row.values()), truth[key])] >= 2 for row, truth in duplicates)


# --- rates and coverage ----------------------------------------------------------------------------------------

def _within(hits: int, trials: int, rate: float) -> bool:
    """Within four standard deviations of the binomial expectation (plus one, for tiny expectations)."""
    return abs(hits - rate * trials) <= 4 * math.sqrt(trials * rate * (1 - rate)) + 1


def _rate_cases():
    ordinary = ["population_police.csv", "population_hrss.csv", "population_civil.csv"]
    return [
        ("missing_id", ordinary, HIGH.missing_id), ("mistyped_id", ordinary, HIGH.mistyped_id),
        ("fullwidth_id", ordinary, HIGH.fullwidth_id),
        ("missing_id", ["population_health.csv"], HIGH.missing_id_health),
        ("mistyped_id", ["population_health.csv"], HIGH.mistyped_id_health),
        ("mistyped_code", ["entity_samr.csv", "entity_tax.csv"], HIGH.mistyped_code),
        ("stale_address", ["population_health.csv", "entity_tax.csv"], HIGH.stale_address),
        ("conflict_birth_date", ["population_health.csv"], HIGH.conflict_birth_date),
        ("conflict_status", ["entity_tax.csv"], HIGH.conflict_status),
    ]


@pytest.mark.parametrize("kind,names,rate", _rate_cases(), ids=lambda v: v if isinstance(v, str) else None)
def test_fault_rates_are_close_to_the_configured_rates(faulty, kind, names, rate):
    rows = [r for name in names for r in faulty.originals(name)]
    assert _within(sum(kind in faults for _, _, faults in rows), len(rows), rate)


def test_old_ids_hit_the_configured_share_of_people_born_before_2000(faulty):
    rows = [r for name in PEOPLE_FEEDS for r in faulty.originals(name)
            if faulty.people[r[1]["person_id"]]["birth_date"] < "2000"]
    assert _within(sum("old_id" in f for _, _, f in rows), len(rows), HIGH.old_id)


def test_name_variants_and_duplicates_hit_the_configured_rates(faulty):
    rows = [r for name in HEADERS for r in faulty.originals(name)]
    variants = sum(bool(f & {"name_space", "name_traditional", "name_homophone"}) for _, _, f in rows)
    assert _within(variants, len(rows), HIGH.name_variant)
    all_rows = [r for name in HEADERS for r in faulty.rows(name)]
    assert _within(len(all_rows) - len(rows), len(rows), HIGH.duplicate)


def test_each_department_holds_the_people_it_should(faulty):
    def keys(name: str) -> set[str]:
        return {truth["person_id"] for _, truth, _ in faulty.rows(name)}

    insured = {p for p, record in faulty.people.items() if record["insured"] == "true"}
    married = {p for p, record in faulty.people.items() if record["marital_status"] != "10"}
    assert keys("population_police.csv") == set(faulty.people)
    assert keys("population_hrss.csv") == insured and keys("population_civil.csv") == married
    assert 0.82 < len(keys("population_health.csv")) / len(faulty.people) < 0.88
    assert 0.9 < len({t["entity_code"] for _, t, _ in faulty.rows("entity_tax.csv")}) / len(faulty.entities) < 0.96


def test_clean_rates_inject_nothing(tmp_path):
    write_city(tmp_path, CityRequest(500, 70, seed=2, rates=FaultRates.clean()))
    city = City(tmp_path)
    labels = {t["fault"] for name in HEADERS for t in city.truth[name]}
    assert labels <= {"", "death"}
