"""The synthetic city's people and entities: valid, unique identifiers that say what the records say, plausibly."""

from __future__ import annotations

import datetime
import re
import string

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.standards import (
    SHANGHAI_DISTRICTS, USCC_CHARSET, id_check_char, is_valid_citizen_id, is_valid_credit_code, org_code_check_char,
    parse_citizen_id, parse_credit_code, uscc_check_char,
)
from tongban.synth import places
from tongban.synth._arrow import day, fixed_width
from tongban.synth.address_library import AddressLibrary
from tongban.synth.codes import (
    IdSpace, OrgCodes, citizen_ids, id_check_bytes, old_ids, org_check_bytes, uscc_check_bytes,
)
from tongban.synth.entities import REFORM_DAY, TYPES, generate_entities
from tongban.synth.names import SURNAMES
from tongban.synth.people import FIRST_BIRTH, LAST_BIRTH, REFERENCE_DAY, employ, generate_people

DAYS = LAST_BIRTH - FIRST_BIRTH + 1
MOBILE = re.compile(r"1(3\d|5[0-35-9]|8\d)\d{8}")


def _space(salt: int = 7) -> IdSpace:
    return IdSpace(len(places.DISTRICTS), FIRST_BIRTH, DAYS, salt)


def _people(count: int, seed: int = 1, death_rate: float = 0.007):
    return generate_people(np.random.default_rng(seed), count, _space(), death_rate, AddressLibrary(count // 6, 1))


@pytest.fixture(scope="module")
def city():
    """20,000 people and 2,700 entities with employment, as one chunk of a run."""
    rng = np.random.default_rng(11)
    library = AddressLibrary.for_people(20_000, 11)
    people = generate_people(rng, 20_000, _space(), 0.007, library)
    entities = generate_entities(rng, 2_700, 0, people, OrgCodes(rng), library)
    people = employ(rng, people, entities.trading_codes())
    return people, people.truth().to_pylist(), entities, entities.table.to_pylist()


# --- the vectorised check characters agree with tongban.standards ----------------------------------------------

def _matrix(values: list[str]) -> np.ndarray:
    return np.frombuffer("".join(values).encode(), dtype=np.uint8).reshape(len(values), -1)


@given(st.lists(st.text(string.digits, min_size=17, max_size=17), min_size=1, max_size=50))
def test_vectorised_id_check_characters_match_the_standard(first17s):
    assert [chr(b) for b in id_check_bytes(_matrix(first17s))] == [id_check_char(f) for f in first17s]


@given(st.lists(st.text(USCC_CHARSET, min_size=17, max_size=17), min_size=1, max_size=50))
def test_vectorised_credit_code_check_characters_match_the_standard(first17s):
    assert [chr(b) for b in uscc_check_bytes(_matrix(first17s))] == [uscc_check_char(f) for f in first17s]


@given(st.lists(st.text(string.digits + string.ascii_uppercase, min_size=8, max_size=8), min_size=1, max_size=50))
def test_vectorised_organisation_code_check_characters_match_the_standard(bodies):
    assert [chr(b) for b in org_check_bytes(_matrix(bodies))] == [org_code_check_char(b) for b in bodies]


@given(born=st.dates(datetime.date(1930, 1, 1), datetime.date(1999, 12, 31)), district=st.integers(0, 15),
       sequence=st.integers(0, 999))
def test_a_15_digit_id_upgrades_to_the_18_digit_one(born, district, sequence):
    days = np.array([(born - datetime.date(1970, 1, 1)).days])
    full = fixed_width(citizen_ids(places.DISTRICT_CODES[[district]], days, np.array([sequence])))[0].as_py()
    old = fixed_width(old_ids(_matrix([full])))[0].as_py()
    assert len(old) == 15 and parse_citizen_id(old).number == full


# --- uniqueness is built in ------------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 2), st.booleans()), min_size=1, max_size=300),
       st.integers(1, 3))
def test_the_id_space_never_hands_out_a_sequence_twice(people, batches):
    space = _space()
    district, offset, male = (np.array(column) for column in zip(*people, strict=True))
    seen = set()
    for part in np.array_split(np.arange(len(people)), batches):  # as if spread over chunks
        born = FIRST_BIRTH + offset[part]
        sequence, born = space.assign(district[part], born, male[part].astype(np.int64))
        assert ((sequence % 2) == male[part]).all() and ((0 <= sequence) & (sequence < 1000)).all()
        seen |= set(zip(district[part], born, sequence, strict=True))
    assert len(seen) == len(people)


def test_a_full_cell_moves_the_next_births_to_the_following_day():
    space = _space()
    sequence, born = space.assign(np.zeros(600, int), np.full(600, FIRST_BIRTH), np.ones(600, int))
    assert (born == FIRST_BIRTH).sum() == 500 and (born == FIRST_BIRTH + 1).sum() == 100
    assert len(set(zip(born, sequence, strict=True))) == 600


def test_organisation_codes_are_unique_in_both_styles():
    org = OrgCodes(np.random.default_rng(3))
    index = np.arange(50_000)
    bodies = fixed_width(org.bodies(index, index % 2 == 0)).to_pylist()
    assert len(set(bodies)) == len(bodies)
    assert all(b.startswith("MA") for b in bodies[::2]) and all(b.isdigit() for b in bodies[1::2])


# --- people ----------------------------------------------------------------------------------------------------

@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32))
def test_people_are_the_same_for_the_same_seed(seed):
    assert _people(300, seed).truth().equals(_people(300, seed).truth())


def test_a_different_seed_gives_different_people():
    assert not _people(300, 1).truth().equals(_people(300, 2).truth())


def test_every_id_is_valid_unique_and_says_what_the_record_says(city):
    _, rows, _, _ = city
    assert len({r["person_id"] for r in rows}) == len(rows)
    for r in rows:
        parsed = parse_citizen_id(r["person_id"])
        assert parsed.division_code in SHANGHAI_DISTRICTS
        assert parsed.birth_date == r["birth_date"] and parsed.sex == r["sex"]
        assert datetime.date(1930, 1, 1) <= r["birth_date"] <= datetime.date(2024, 12, 31)


def test_names_come_from_the_surname_table_with_one_or_two_given_characters(city):
    _, rows, _, _ = city
    surnames = sorted((s for s, _ in SURNAMES), key=len, reverse=True)
    given = [r["name"][len(next(s for s in surnames if r["name"].startswith(s))):] for r in rows]
    assert all(1 <= len(g) <= 2 for g in given)
    top = sum(r["name"][0] in "王李张刘陈" for r in rows) / len(rows)
    compound = sum(r["name"][:2] in {"欧阳", "上官", "司马", "诸葛"} for r in rows) / len(rows)
    assert 0.2 < top < 0.35 and compound < 0.005


def test_population_shares_are_plausible(city):
    _, rows, _, _ = city
    n = len(rows)
    assert 0.96 < sum(r["ethnicity"] == "汉族" for r in rows) / n < 0.995
    assert 0.004 < sum(r["death_date"] is not None for r in rows) / n < 0.011
    assert 0.48 < sum(r["sex"] == "1" for r in rows) / n < 0.53
    assert {r["marital_status"] for r in rows} == {"10", "20", "30", "40"}


def test_life_events_respect_age(city):
    people, rows, _, _ = city
    age = people.age
    for r, years in zip(rows, age, strict=True):
        if years < 22:
            assert r["marital_status"] == "10" and r["marriage_registration_date"] is None
        if r["death_date"]:
            assert r["birth_date"] <= r["death_date"] <= datetime.date(2025, 6, 30)
        if r["insured"]:
            assert years >= 18
        assert r["registration_date"] >= r["birth_date"]


def test_phones_are_mobile_numbers_for_everyone_twelve_or_older(city):
    people, rows, _, _ = city
    for r, years in zip(rows, people.age, strict=True):
        assert (r["phone"] is not None) == (years >= 12)
        assert r["phone"] is None or MOBILE.fullmatch(r["phone"])


def test_addresses_are_shanghai_addresses_in_a_real_district(city):
    _, rows, _, _ = city
    districts = tuple(f"上海市{name}" for name in SHANGHAI_DISTRICTS.values())
    for r in rows[:2000]:
        for address in (r["household_address"], r["residence_address"]):
            assert address.startswith(districts) and "号" in address


def test_about_three_adults_in_four_are_insured_and_employers_are_trading_entities(city):
    people, rows, _, entities = city
    adults = [r for r, years in zip(rows, people.age, strict=True) if years >= 18]
    assert 0.72 < sum(r["insured"] for r in adults) / len(adults) < 0.78
    trading = {e["entity_code"] for e in entities if e["status"] in ("存续", "在业")}
    employers = {r["employer_code"] for r in rows if r["employer_code"]}
    assert employers and employers <= trading


# --- entities --------------------------------------------------------------------------------------------------

def test_credit_codes_are_valid_unique_and_registered_in_a_shanghai_district(city):
    _, _, _, entities = city
    assert len({e["entity_code"] for e in entities}) == len(entities)
    for e in entities:
        assert is_valid_credit_code(e["entity_code"])
        assert parse_credit_code(e["entity_code"]).division_code in SHANGHAI_DISTRICTS


def test_newer_entities_have_ma_organisation_codes(city):
    _, _, _, entities = city
    reform = datetime.date(1970, 1, 1) + datetime.timedelta(days=REFORM_DAY)
    for e in entities:
        assert (e["entity_code"][8:10] == "MA") == (e["established"] >= reform)


def test_legal_representatives_are_adult_people_of_the_city(city):
    _, people, _, entities = city
    by_id = {p["person_id"]: p for p in people}
    for e in entities:
        rep = by_id[e["legal_rep_id"]]
        assert rep["name"] == e["legal_rep_name"] and is_valid_citizen_id(e["legal_rep_id"])
        assert (e["established"] - rep["birth_date"]).days >= 18 * 365


def test_entity_records_use_the_registry_vocabularies(city):
    _, _, _, entities = city
    suffixes = tuple(t.suffix for t in TYPES)
    assert {e["status"] for e in entities} == {"存续", "在业", "吊销", "注销"}
    assert all(e["name"].endswith(suffixes) for e in entities)
    individual = [e for e in entities if e["type"] == "个体工商户"]
    assert individual and all(e["registered_capital"] is None and e["entity_code"][:2] == "92" for e in individual)
    assert all(datetime.date(1992, 1, 1) <= e["established"] <= datetime.date(2025, 6, 30) for e in entities)


def test_fixed_width_strings_round_trip():
    assert fixed_width(_matrix(["310101", "310104"])).equals(pa.array(["310101", "310104"]))
    assert day("1970-01-02") == 1 and REFERENCE_DAY == day("2025-06-30")
