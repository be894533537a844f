"""The department feeds of the synthetic city: their exact headers, encodings, and how each is drawn.

Each builder takes one chunk of people (or entities), picks the rows the department holds, lays out duplicates,
injects its faults through a :class:`~tongban.synth.faults.FaultPlan` and returns the feed rows with, row for row,
the true key and the faults. Sex is text (男/女) in the police feed and a GB/T 2261.1 code (1/2) in the health
feed, as real departments differ; marital status is a GB/T 2261.2 code; dates are ``YYYY-MM-DD``. Besides the six
feeds about people and entities, the planning bureau sends the standard address library their addresses come from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tongban.synth import places
from tongban.synth._arrow import dates, digits, fixed_width, pick, replace, words
from tongban.synth.address_library import AddressLibrary, degrees
from tongban.synth.entities import TAX_STATUSES, Entities
from tongban.synth.faults import FaultPlan, FaultRates
from tongban.synth.mangle import code_column, conflicting_days, id_column, name_column
from tongban.synth.people import (
    ETHNICITY_NAMES, INSURANCE_STATUS, LAST_BIRTH, MARITAL_CODES, REFERENCE_DAY, SINGLE, People,
)

HEALTH_SHARE = 0.85  # residents with a health archive
BORN_2000 = 10_957  # 2000-01-01 as days since 1970-01-01
UPDATE_WINDOW = 730  # 更新日期 falls in the two years before the reference day


@dataclass(frozen=True)
class FeedSpec:
    """A department's feed file: who sends it, its exact header, its encoding and the key of its truth file."""

    name: str
    department: str
    title: str
    headers: tuple[str, ...]
    key: str = "person_id"  # or "entity_code", "address_code"
    encoding: str = "utf-8-sig"  # UTF-8 with a byte-order mark, as Excel on Windows expects

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


POLICE = FeedSpec("population_police", "公安局", "户籍人口基本信息",
                  ("公民身份号码", "姓名", "性别", "出生日期", "民族", "户籍地址", "登记日期"))
HRSS = FeedSpec("population_hrss", "人力资源和社会保障局", "社会保险参保信息",
                ("公民身份号码", "姓名", "参保单位统一社会信用代码", "参保状态", "联系电话", "更新日期"))
CIVIL = FeedSpec("population_civil", "民政局", "婚姻登记信息", ("公民身份号码", "姓名", "婚姻状况", "登记日期"),
                 encoding="gb18030")  # an older system: exercises encoding detection
HEALTH = FeedSpec("population_health", "卫生健康委员会", "居民健康档案",
                  ("姓名", "性别", "出生日期", "公民身份号码", "居住地址", "联系电话", "死亡日期", "更新日期"))
SAMR = FeedSpec("entity_samr", "市场监督管理局", "企业登记信息",
                ("统一社会信用代码", "企业名称", "企业类型", "法定代表人姓名", "法定代表人身份号码", "注册资本", "成立日期",
                 "登记状态", "住所", "经营范围", "更新日期"), key="entity_code")
TAX = FeedSpec("entity_tax", "税务局", "纳税人登记信息",
               ("统一社会信用代码", "纳税人名称", "登记状态", "生产经营地址", "更新日期"), key="entity_code")
LIBRARY = FeedSpec("address_library", "规划和自然资源局", "标准地址库",
                   ("标准地址编码", "所属区", "所属街镇", "路（街、巷）名", "门牌号", "楼号", "标准地址", "经度", "纬度"),
                   key="address_code", encoding="utf-8")  # a GIS export: UTF-8 without a byte-order mark
PEOPLE_FEEDS = (POLICE, HRSS, CIVIL, HEALTH)
ENTITY_FEEDS = (SAMR, TAX)
FEEDS = PEOPLE_FEEDS + ENTITY_FEEDS
ALL_FEEDS = FEEDS + (LIBRARY,)

_SEX_TEXT = words(["女", "男"])
_SEX_CODE = words(["2", "1"])


@dataclass(frozen=True)
class FeedChunk:
    """Rows of one feed with, row for row, the true key and the faults injected into the row."""

    spec: FeedSpec
    table: pa.Table
    keys: pa.Array
    faults: pa.Array


def _finish(spec: FeedSpec, plan: FaultPlan, columns: list[pa.Array], keys: pa.Array) -> FeedChunk:
    return FeedChunk(spec, pa.Table.from_arrays(columns, names=list(spec.headers)), keys, plan.labels())


def _updated(plan: FaultPlan) -> pa.Array:
    return dates(REFERENCE_DAY - plan.integers(0, UPDATE_WINDOW))


def _take(values: pa.Array, rows: np.ndarray) -> pa.Array:
    return values.take(pa.array(rows.astype(np.int64)))


def _person_ids(plan: FaultPlan, people: People, src: np.ndarray, rates: FaultRates, *, health: bool = False
                ) -> pa.Array:
    return id_column(plan, people.ids[src], people.born[src] < BORN_2000,
                     missing=rates.missing_id_health if health else rates.missing_id,
                     mistyped=rates.mistyped_id_health if health else rates.mistyped_id,
                     old=rates.old_id, wide=rates.fullwidth_id)


def police(rng: np.random.Generator, people: People, rates: FaultRates) -> FeedChunk:
    """Household register: everyone, the dead included (a death reaches the police feed late)."""
    plan = FaultPlan(rng, people.count, rates.duplicate)
    src = plan.order
    return _finish(POLICE, plan, [
        _person_ids(plan, people, src, rates), name_column(plan, _take(people.name, src), rates.name_variant),
        pick(_SEX_TEXT, people.male[src].astype(np.int64)), dates(people.born[src]),
        pick(ETHNICITY_NAMES, people.ethnicity[src]), _take(people.household, src), dates(people.registered[src]),
    ], _take(people.id_text, src))


def hrss(rng: np.random.Generator, people: People, rates: FaultRates) -> FeedChunk:
    """Social insurance: the insured, with their employer's credit code and a phone number."""
    rows = np.flatnonzero(people.insured)
    plan = FaultPlan(rng, len(rows), rates.duplicate)
    src = rows[plan.order]
    return _finish(HRSS, plan, [
        _person_ids(plan, people, src, rates), name_column(plan, _take(people.name, src), rates.name_variant),
        _take(people.employer, src), pick(INSURANCE_STATUS, people.insurance[src]), _take(people.phone, src),
        _updated(plan),
    ], _take(people.id_text, src))


def civil(rng: np.random.Generator, people: People, rates: FaultRates) -> FeedChunk:
    """Marriage registrations: only the ever-married, with their current status and last registration day."""
    rows = np.flatnonzero(people.marital != SINGLE)
    plan = FaultPlan(rng, len(rows), rates.duplicate)
    src = rows[plan.order]
    return _finish(CIVIL, plan, [
        _person_ids(plan, people, src, rates), name_column(plan, _take(people.name, src), rates.name_variant),
        pick(MARITAL_CODES, people.marital[src]), dates(people.marital_since[src]),
    ], _take(people.id_text, src))


def health(rng: np.random.Generator, people: People, rates: FaultRates, library: AddressLibrary) -> FeedChunk:
    """Health archives: most residents, keyed loosely (IDs often missing), with deaths and old addresses."""
    rows = np.flatnonzero(rng.random(people.count) < HEALTH_SHARE)
    plan = FaultPlan(rng, len(rows), rates.duplicate)
    src = rows[plan.order]
    name = name_column(plan, _take(people.name, src), rates.name_variant)
    born = conflicting_days(plan, people.born[src], rates.conflict_birth_date, LAST_BIRTH)
    ids = _person_ids(plan, people, src, rates, health=True)
    stale = plan.hit("stale_address", rates.stale_address)
    moved_from = plan.per_original(  # another address of the same district
        stale, lambda o: library.homes(rng, library.other(rng, people.residence_at[rows[o]])))
    died = plan.mark("death", people.died[src])
    return _finish(HEALTH, plan, [
        name, pick(_SEX_CODE, people.male[src].astype(np.int64)), dates(born), ids,
        replace(_take(people.residence, src), stale, moved_from), _take(people.phone, src),
        dates(people.death_day[src], died), _updated(plan),
    ], _take(people.id_text, src))


def samr(rng: np.random.Generator, entities: Entities, people: People, rates: FaultRates) -> FeedChunk:
    """Company registry: every entity, with its legal representative's name and ID."""
    plan = FaultPlan(rng, entities.count, rates.duplicate)
    src = plan.order
    truth = entities.table
    rep = entities.rep[src]
    return _finish(SAMR, plan, [
        code_column(plan, entities.codes[src], rates.mistyped_code),
        name_column(plan, _take(_column(truth, "name"), src), rates.name_variant), _take(_column(truth, "type"), src),
        _take(people.name, rep), _person_ids(plan, people, rep, rates),
        _take(_column(truth, "registered_capital"), src),
        _take(_column(truth, "established"), src), _take(_column(truth, "status"), src),
        _take(_column(truth, "address"), src), _take(_column(truth, "business_scope"), src), _updated(plan),
    ], fixed_width(entities.codes[src]))


def tax(rng: np.random.Generator, entities: Entities, rates: FaultRates, library: AddressLibrary) -> FeedChunk:
    """Tax register: the entities registered for tax, in the tax bureau's status words and business addresses."""
    rows = np.flatnonzero(entities.tax_registered)
    plan = FaultPlan(rng, len(rows), rates.duplicate)
    src = rows[plan.order]
    truth = entities.table
    status = _take(_column(truth, "tax_status"), src)
    other = (_status_index(status) + plan.integers(1, len(TAX_STATUSES))) % len(TAX_STATUSES)
    conflict = plan.hit("conflict_status", rates.conflict_status)
    stale = plan.hit("stale_address", rates.stale_address)
    moved_from = plan.per_original(
        stale, lambda o: library.premises(rng, library.other(rng, entities.business_at[rows[o]])))
    return _finish(TAX, plan, [
        code_column(plan, entities.codes[src], rates.mistyped_code),
        name_column(plan, _take(_column(truth, "name"), src), rates.name_variant),
        replace(status, conflict, pick(TAX_STATUSES, other[conflict])),
        replace(_take(_column(truth, "business_address"), src), stale, moved_from), _updated(plan),
    ], fixed_width(entities.codes[src]))


_RETIRED = np.array([int(places.RETIRED_CODES.get(d.code, 0)) for d in places.DISTRICTS], dtype=np.int64)


def address_library(rng: np.random.Generator, library: AddressLibrary, first: int, last: int, rates: FaultRates
                    ) -> FeedChunk:
    """The planning bureau's standard address library, addresses ``first`` to ``last - 1``: coordinates missing or
    swapped, a retired district code, or a code that lost a digit, at their rates; duplicates as in every feed."""
    plan = FaultPlan(rng, last - first, rates.duplicate)
    parts = library.parts(first + plan.order)
    lon, lat = (plan.expand(axis) for axis in library.coordinates(rng, library.parts(np.arange(first, last))))
    missing = plan.hit("missing_coordinate", rates.missing_coordinate)
    swapped = plan.hit("swapped_coordinate", rates.swapped_coordinate, ~missing)
    old = plan.hit("old_district_code", rates.old_district_code, _RETIRED[parts.district] > 0)
    short = plan.hit("bad_address_code", rates.bad_address_code)
    codes = library.codes(parts)
    district = np.where(old, _RETIRED[parts.district], places.DISTRICT_CODES[parts.district])
    longitude, latitude = np.where(swapped, lat, lon), np.where(swapped, lon, lat)
    return _finish(LIBRARY, plan, [
        replace(codes, short, pc.utf8_slice_codeunits(codes.filter(pa.array(short)), 0, 23)),
        fixed_width(digits(district, 6)), library.street_codes(parts), library.roads(parts),
        library.house_numbers(parts), library.building_numbers(parts), library.text(parts),
        replace(degrees(longitude), missing, None), replace(degrees(latitude), missing, None),
    ], codes)


def _status_index(status: pa.Array) -> np.ndarray:
    """Positions of tax status words in TAX_STATUSES."""
    return pc.index_in(status, value_set=TAX_STATUSES).to_numpy(zero_copy_only=False).astype(np.int64)


def _column(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()
