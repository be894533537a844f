"""The synthetic city's people: one chunk at a time, every column drawn for the whole chunk at once.

The truth is fixed on a reference day (2025-06-30) rather than today, so a seed gives the same city next year.
Ages follow Shanghai's cohort sizes; marriage, widowhood and death follow age, because a matcher tested on people
whose life events ignore their age learns the wrong lessons.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tongban.synth import places
from tongban.synth._arrow import cumulative, dates, day, digits, fixed_width, optional, pick, weighted, words, ymd
from tongban.synth.address_library import AddressLibrary
from tongban.synth.codes import IdSpace, citizen_ids
from tongban.synth.names import person_names

REFERENCE_DAY = day("2025-06-30")
FIRST_BIRTH = day("1930-01-01")
LAST_BIRTH = day("2024-12-31")
YEAR = 365.2425

# Relative cohort sizes by five-year birth band from 1930 (Shanghai's pyramid: the 1950s-60s and 1985-95 bulges).
COHORTS = (0.5, 0.8, 1.1, 1.8, 2.8, 3.0, 2.9, 2.6, 2.0, 1.8, 2.6, 3.2, 2.8, 2.0, 1.6, 1.6, 1.8, 1.6, 0.9)
_BAND_START = np.array([day(f"{1930 + 5 * b}-01-01") for b in range(len(COHORTS))] + [LAST_BIRTH + 1])
_COHORT_CDF = cumulative(COHORTS)

# GB 3304 ethnicity codes; the share of minorities is Shanghai's (about 1.5 %).
ETHNICITIES: tuple[tuple[str, str, float], ...] = (
    ("01", "汉族", 98.5), ("03", "回族", 0.35), ("11", "满族", 0.25), ("02", "蒙古族", 0.12), ("08", "壮族", 0.12),
    ("15", "土家族", 0.12), ("10", "朝鲜族", 0.1), ("06", "苗族", 0.1), ("07", "彝族", 0.05), ("09", "布依族", 0.04),
    ("12", "侗族", 0.04), ("04", "藏族", 0.03), ("05", "维吾尔族", 0.03), ("14", "白族", 0.03), ("13", "瑶族", 0.02),
)  # fmt: skip
ETHNICITY_CODES = words([code for code, _, _ in ETHNICITIES])
ETHNICITY_NAMES = words([name for _, name, _ in ETHNICITIES])
_ETHNICITY_CDF = cumulative([w for _, _, w in ETHNICITIES])

MARITAL_CODES = words(["10", "20", "30", "40"])  # GB/T 2261.2: 未婚 已婚 丧偶 离婚
MARITAL_NAMES = words(["未婚", "已婚", "丧偶", "离婚"])
SINGLE, MARRIED, WIDOWED, DIVORCED = range(4)

INSURANCE_STATUS = words(["正常参保", "暂停参保", "终止参保"])
ACTIVE, SUSPENDED, ENDED = range(3)
INSURED_ADULTS = 0.75

_MOBILE_PREFIXES = np.array([*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190)])


@dataclass(frozen=True)
class People:
    """One chunk of people: the true records as columns, plus the raw arrays that feeds and faults work from."""

    ids: np.ndarray  # (n, 18) ASCII bytes of the real ID number
    name: pa.Array
    male: np.ndarray
    born: np.ndarray  # days since 1970-01-01
    ethnicity: np.ndarray  # index into ETHNICITIES
    home_district: np.ndarray  # index into places.DISTRICTS
    household_at: np.ndarray  # index into the address library
    household: pa.Array
    residence_district: np.ndarray
    residence_at: np.ndarray
    residence: pa.Array
    registered: np.ndarray  # day of the household registration
    marital: np.ndarray  # SINGLE … DIVORCED
    marital_since: np.ndarray  # day of the last marriage registration (meaningless when SINGLE)
    died: np.ndarray
    death_day: np.ndarray
    phone: pa.Array
    insured: np.ndarray
    insurance: np.ndarray  # ACTIVE, SUSPENDED, ENDED
    employer: pa.Array  # credit code or null

    @property
    def count(self) -> int:
        return len(self.born)

    @property
    def age(self) -> np.ndarray:
        """Whole years at the reference day."""
        return ((REFERENCE_DAY - self.born) / YEAR).astype(np.int64)

    @property
    def id_text(self) -> pa.StringArray:
        return fixed_width(self.ids)

    def truth(self) -> pa.Table:
        """The true records, as written to ``truth/people.csv``."""
        single = self.marital == SINGLE
        return pa.table({
            "person_id": self.id_text, "name": self.name, "sex": pick(words(["2", "1"]), self.male.astype(np.int64)),
            "birth_date": dates(self.born), "ethnicity_code": pick(ETHNICITY_CODES, self.ethnicity),
            "ethnicity": pick(ETHNICITY_NAMES, self.ethnicity), "household_address": self.household,
            "residence_address": self.residence, "registration_date": dates(self.registered),
            "marital_status": pick(MARITAL_CODES, self.marital), "marriage_registration_date":
            dates(self.marital_since, ~single), "insured": pa.array(self.insured),
            "insurance_status": optional(pick(INSURANCE_STATUS, self.insurance), self.insured),
            "employer_code": self.employer, "phone": self.phone, "death_date": dates(self.death_day, self.died),
        })


def births(rng: np.random.Generator, size: int) -> np.ndarray:
    """Birth days between 1930 and 2024, cohort by cohort."""
    band = weighted(rng, _COHORT_CDF, size)
    start = _BAND_START[band]
    return start + (rng.random(size) * (_BAND_START[band + 1] - start)).astype(np.int64)


def phones(rng: np.random.Generator, size: int) -> pa.StringArray:
    """Eleven-digit mobile numbers on 13x, 15x and 18x prefixes."""
    matrix = np.empty((size, 11), dtype=np.uint8)
    matrix[:, :3] = digits(_MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), size)], 3)
    matrix[:, 3:] = rng.integers(48, 58, (size, 8), dtype=np.uint8)
    return fixed_width(matrix)


def _marriages(rng: np.random.Generator, born: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Marital status and the day of the last registration, both by age (marriage from 22, widowhood late)."""
    n = len(age)
    ever = (age >= 22) & (rng.random(n) < np.interp(age, [22, 25, 30, 35, 40, 60], [0.15, 0.35, 0.7, 0.85, 0.9, 0.95]))
    widowed = ever & (rng.random(n) < np.interp(age, [40, 50, 60, 70, 80, 90], [0.01, 0.03, 0.07, 0.15, 0.3, 0.5]))
    divorced = ever & ~widowed & (rng.random(n) < np.where((age >= 30) & (age < 65), 0.07, 0.04))
    status = np.select([widowed, divorced, ever], [WIDOWED, DIVORCED, MARRIED], SINGLE)
    wedding = born + ((22 + rng.random(n) * np.clip(age - 22, 0, 13)) * YEAR).astype(np.int64)
    later = wedding + (rng.random(n) * (REFERENCE_DAY - wedding)).astype(np.int64)  # a divorce or a remarriage
    since = np.where(divorced | (widowed & (rng.random(n) < 0.3)), later, wedding)
    return status.astype(np.int64), np.minimum(since, REFERENCE_DAY)


def _deaths(rng: np.random.Generator, born: np.ndarray, age: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Who died in the last ten years and when: a Gompertz-like hazard scaled so the chunk's share is ``rate``."""
    hazard = np.exp(0.1 * (age - 80.0))
    chance = np.minimum(rate * len(age) * hazard / hazard.sum(), 0.9) if len(age) else hazard
    died = rng.random(len(age)) < chance
    earliest = np.maximum(born, REFERENCE_DAY - 3650)
    return died, earliest + (rng.random(len(age)) * (REFERENCE_DAY - earliest)).astype(np.int64)


def _registrations(rng: np.random.Generator, born: np.ndarray) -> np.ndarray:
    """Household registration: within two months of birth for most, a later move into the city for a quarter."""
    soon = born + rng.integers(0, 60, len(born))
    moved = born + (rng.random(len(born)) * (REFERENCE_DAY - born)).astype(np.int64)
    return np.minimum(np.where(rng.random(len(born)) < 0.75, soon, moved), REFERENCE_DAY)


def generate_people(rng: np.random.Generator, size: int, space: IdSpace, death_rate: float,
                    library: AddressLibrary) -> People:
    """A chunk of ``size`` people with IDs unique across every chunk that shares ``space``, living at addresses of
    ``library``."""
    male = rng.random(size) < 0.505
    home = places.districts(rng, size)
    id_district = np.where(rng.random(size) < 0.8, home, places.districts(rng, size))
    sequence, born = space.assign(id_district, births(rng, size), male.astype(np.int64))
    age = ((REFERENCE_DAY - born) / YEAR).astype(np.int64)
    moved = rng.random(size) < 0.35
    residence_district = np.where(moved, places.districts(rng, size), home)
    household_at = library.draw(rng, home)
    residence_at = np.where(moved, library.draw(rng, residence_district), household_at)
    household = library.homes(rng, household_at)
    marital, since = _marriages(rng, born, age)
    died, death_day = _deaths(rng, born, age, death_rate)
    return People(
        ids=citizen_ids(places.DISTRICT_CODES[id_district], born, sequence),
        name=person_names(rng, male, ymd(born)[0]),
        male=male, born=born, ethnicity=weighted(rng, _ETHNICITY_CDF, size), home_district=home,
        household_at=household_at, household=household, residence_district=residence_district,
        residence_at=residence_at, residence=_replace_where(household, moved, library.homes(rng, residence_at)),
        registered=_registrations(rng, born), marital=marital, marital_since=since, died=died, death_day=death_day,
        phone=optional(phones(rng, size), age >= 12), insured=np.zeros(size, dtype=bool),
        insurance=np.zeros(size, dtype=np.int64), employer=pa.nulls(size, pa.string()),
    )


def _replace_where(base: pa.Array, mask: np.ndarray, other: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask, type=pa.bool_()), other, base)


def employ(rng: np.random.Generator, people: People, employers: pa.Array) -> People:
    """Social insurance for about three adults in four, with an employer for most of working age.

    ``employers`` are the credit codes of the chunk's entities still in business. The retired, the dead and about
    one worker in ten (flexible employment, 灵活就业) are insured without an employer.
    """
    n, age = people.count, people.age
    insured = (age >= 18) & (rng.random(n) < INSURED_ADULTS)
    working = age < 60
    status = np.where(working, weighted(rng, cumulative([88, 9, 3]), n), ACTIVE)
    status = np.where(people.died, ENDED, status)
    has_job = insured & working & (status != ENDED) & (rng.random(n) < 0.9) & (len(employers) > 0)
    chosen = rng.integers(0, max(len(employers), 1), n)
    employer = optional(pick(employers, chosen), has_job) if len(employers) else pa.nulls(n, pa.string())
    return dataclasses.replace(people, insured=insured, insurance=status, employer=employer)
