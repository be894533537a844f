"""The demo catalog: real resources with the base-database feed headers, and valid catalogs at scale."""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.catalog.drafts import ITEM_CODE, check
from tongban.synth.catalog import FIELDS, parse_fields
from tongban.synth.catalog_real import DEMO_CATALOG, REAL_FIELDS
from tongban.synth.catalog_scale import SCALE_DEPARTMENTS, extra_departments, generate_catalog
from tongban.synth.city import CITY_DEPARTMENTS

FEEDS = {
    ("公安局", "户籍人口基本信息"): "公民身份号码 姓名 性别 出生日期 民族 户籍地址 登记日期",
    ("人社局", "社会保险参保信息"): "公民身份号码 姓名 参保单位统一社会信用代码 参保状态 联系电话 更新日期",
    ("民政局", "婚姻登记信息"): "公民身份号码 姓名 婚姻状况 登记日期",
    ("卫健委", "居民健康档案"): "姓名 性别 出生日期 公民身份号码 居住地址 联系电话 死亡日期 更新日期",
    ("市场监管局", "企业登记信息"): "统一社会信用代码 企业名称 企业类型 法定代表人姓名 法定代表人身份号码 注册资本 成立日期 "
                             "登记状态 住所 经营范围 更新日期",
    ("税务局", "纳税人登记信息"): "统一社会信用代码 纳税人名称 登记状态 生产经营地址 更新日期",
}
REQUIRED = [
    ("规划资源局", "不动产登记信息"), ("规划资源局", "建设工程规划许可"), ("浦东服务中心", "浦东新区建设工程许可"),
    ("卫健委", "死亡医学证明"), ("卫健委", "出生医学证明"), ("人社局", "社会保险缴费记录"), ("人社局", "就业登记信息"),
    ("人社局", "养老金发放信息"), ("民政局", "低保救助对象信息"), ("民政局", "殡葬服务记录"), ("市场监管局", "行政处罚信息"),
    ("市场监管局", "食品经营许可信息"), ("税务局", "欠税公告信息"), ("教委", "学籍信息"), ("公积金中心", "住房公积金缴存信息"),
    ("公安局", "机动车登记信息"), ("公安局", "驾驶证信息"), ("生态环境局", "排污许可信息"), ("司法局", "律师执业信息"),
    ("医保局", "医疗保险参保信息"),
]
BORN_AT = {"id_number": "公安局", "name": "公安局", "sex": "公安局", "birth_date": "公安局", "ethnicity": "公安局",
           "household_address": "公安局", "marital_status": "民政局", "death_date": "卫健委", "insurance_status": "人社局",
           "credit_code": "市场监管局", "company_name": "市场监管局", "legal_rep_name": "市场监管局",
           "legal_rep_id_number": "市场监管局"}
BY_NAME = {(r.department, r.draft.name): r for r in DEMO_CATALOG}


@pytest.fixture(scope="module")
def catalog_11000():
    return list(generate_catalog(11_000))


def _sources(resources) -> dict[str, list[str]]:
    sources = defaultdict(list)
    for resource in resources:
        for item in resource.draft.items:
            if item.authoritative:
                sources[item.code].append(f"{resource.department}·{resource.draft.name}")
    return sources


# --- the real demo catalog ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("resource", DEMO_CATALOG, ids=lambda r: r.draft.name)
def test_every_demo_resource_passes_the_draft_rules(resource):
    assert check(resource.draft) == []


def test_the_demo_catalog_has_the_resources_a_city_has():
    assert 40 <= len(DEMO_CATALOG) <= 60
    assert set(FEEDS) | set(REQUIRED) <= set(BY_NAME)


@pytest.mark.parametrize(("key", "headers"), FEEDS.items(), ids=lambda v: v[1] if isinstance(v, tuple) else "")
def test_feed_resources_list_exactly_the_feed_headers_in_order(key, headers):
    assert [item.name for item in BY_NAME[key].draft.items] == headers.split()


def test_feed_items_keep_the_codes_the_base_databases_use():
    codes = {item.name: item.code for key in FEEDS for item in BY_NAME[key].draft.items}
    assert codes["公民身份号码"] == "id_number" and codes["统一社会信用代码"] == "credit_code"
    assert codes["参保单位统一社会信用代码"] == "employer_credit_code" and codes["法定代表人身份号码"] == "legal_rep_id_number"


def test_each_item_code_has_at_most_one_authoritative_source_in_the_demo_catalog():
    twice = {code: where for code, where in _sources(DEMO_CATALOG).items() if len(where) > 1}
    assert not twice


@pytest.mark.parametrize(("code", "department"), BORN_AT.items())
def test_the_authoritative_source_is_the_department_where_the_data_is_born(code, department):
    assert _sources(DEMO_CATALOG)[code][0].startswith(department + "·")


def test_demo_resources_belong_to_demo_city_departments():
    assert {r.department for r in DEMO_CATALOG} <= {d.short_name for d in CITY_DEPARTMENTS}


def test_demo_names_are_unique_per_department():
    assert len(BY_NAME) == len(DEMO_CATALOG)


def test_related_resources_name_other_demo_resources():
    names = {r.draft.name for r in DEMO_CATALOG}
    assert all(name in names for r in DEMO_CATALOG for name in r.related)


def test_the_demo_catalog_shares_by_default_and_restricts_with_a_legal_basis():
    kinds = Counter(r.draft.sharing_type for r in DEMO_CATALOG)
    assert kinds["unconditional"] > len(DEMO_CATALOG) / 2 and kinds["conditional"] >= 10 and kinds["not_shared"] >= 2
    assert {r.draft.open_type for r in DEMO_CATALOG} == {"open", "conditional", "closed"}
    restricted = [r.draft for r in DEMO_CATALOG if r.draft.sharing_type != "unconditional" or r.draft.open_type != "open"]
    assert all(d.legal_basis.startswith("《") for d in restricted)


def test_the_dictionary_refuses_a_code_defined_twice():
    with pytest.raises(ValueError, match="id_number"):
        parse_fields("id_number|身份证号|s18|p3|", FIELDS)
    assert FIELDS.keys() <= REAL_FIELDS.keys()


# --- both --------------------------------------------------------------------------------------------------------

def test_sensitive_personal_data_is_never_opened(catalog_11000):
    opened = [r.draft.name for r in itertools.chain(DEMO_CATALOG, catalog_11000) if r.draft.open_type == "open"
              and any(item.personal and item.sensitivity >= 3 for item in r.draft.items)]
    assert not opened


def test_an_item_code_has_one_data_type_and_length_everywhere(catalog_11000):
    shapes = defaultdict(set)
    for resource in itertools.chain(DEMO_CATALOG, catalog_11000):
        for item in resource.draft.items:
            shapes[item.code].add((item.data_type, item.length, item.personal, item.sensitivity))
    assert {code: shape for code, shape in shapes.items() if len(shape) > 1} == {}


# --- at scale ----------------------------------------------------------------------------------------------------

@settings(max_examples=5, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_generated_resources_pass_the_draft_rules(seed):
    for resource in generate_catalog(2_000, seed=seed):
        assert check(resource.draft) == [], resource.draft.name
        assert 5 <= len(resource.draft.items) <= 25
        assert all(ITEM_CODE.match(item.code) for item in resource.draft.items)


def test_generated_resources_never_claim_authority_so_one_source_holds_at_scale(catalog_11000):
    assert not any(item.authoritative for r in catalog_11000 for item in r.draft.items)
    assert all(len(where) == 1 for where in _sources(itertools.chain(DEMO_CATALOG, catalog_11000)).values())


def test_the_same_seed_gives_the_same_catalog_and_a_shorter_run_is_a_prefix(catalog_11000):
    again = [r.draft.as_dict() | {"department": r.department} for r in generate_catalog(1_000)]
    assert again == [r.draft.as_dict() | {"department": r.department} for r in catalog_11000[:1_000]]


def test_another_seed_gives_another_catalog(catalog_11000):
    other = [r.draft.name for r in generate_catalog(200, seed=7)]
    assert other != [r.draft.name for r in catalog_11000[:200]]


def test_11000_resources_spread_over_about_45_departments(catalog_11000):
    per_department = Counter(r.department for r in catalog_11000)
    assert len(per_department) == len(SCALE_DEPARTMENTS) == 45
    assert min(per_department.values()) >= 50


def test_generated_names_are_unique_per_department_and_never_repeat_a_demo_name(catalog_11000):
    names = [(r.department, r.draft.name) for r in catalog_11000]
    assert len(set(names)) == len(names)
    assert not set(names) & set(BY_NAME)


def test_generated_names_are_varied(catalog_11000):
    names = {r.draft.name for r in catalog_11000}
    assert len(names) > 0.8 * len(catalog_11000)
    assert sum("浦东新区" in name for name in names) > 100
    assert all(not name.startswith("（") for name in names)


def test_about_70_percent_share_unconditionally_25_conditionally_and_5_not_at_all(catalog_11000):
    shares = Counter(r.draft.sharing_type for r in catalog_11000)
    assert 0.65 <= shares["unconditional"] / len(catalog_11000) <= 0.75
    assert 0.20 <= shares["conditional"] / len(catalog_11000) <= 0.30
    assert 0.03 <= shares["not_shared"] / len(catalog_11000) <= 0.07


def test_generation_streams_rather_than_building_the_catalog_first():
    started = time.perf_counter()
    first = next(generate_catalog(10**9))
    assert time.perf_counter() - started < 1
    assert check(first.draft) == []


def test_extra_departments_are_distinct_city_level_bodies():
    extras = extra_departments(15)
    city = {d.short_name for d in CITY_DEPARTMENTS} | {d.name for d in CITY_DEPARTMENTS}
    assert len({d.short_name for d in extras}) == 15
    assert not ({d.short_name for d in extras} | {d.name for d in extras}) & city
    assert {d.division_code for d in extras} == {"310000"}
    assert extra_departments(3) == extras[:3]
    with pytest.raises(ValueError):
        extra_departments(99)
