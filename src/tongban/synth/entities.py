"""The synthetic city's market entities: companies, sole traders and cooperatives with valid credit codes.

An entity's legal representative is an adult of the same chunk of people, so every representative's ID in the
registry feed is a real person of the city. Credit codes come from the entity's global index (see
:class:`tongban.synth.codes.OrgCodes`), which keeps them unique across chunks and runs of any size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tongban.synth import places
from tongban.synth._arrow import cumulative, dates, day, fixed_width, join, numbered, optional, pick, weighted, words
from tongban.synth.address_library import AddressLibrary
from tongban.synth.codes import OrgCodes, credit_codes
from tongban.synth.people import REFERENCE_DAY, YEAR, People

REFORM_DAY = day("2015-10-01")  # since then the registry issues "MA…" organisation codes
FIRST_ESTABLISHED = day("1992-01-01")


@dataclass(frozen=True)
class Industry:
    """A GB/T 4754 section with the words company names use and a typical business scope."""

    code: str
    name: str
    trade_words: tuple[str, ...]
    scope: str
    weight: float


INDUSTRIES: tuple[Industry, ...] = (
    Industry("I", "信息传输、软件和信息技术服务业", ("信息科技", "网络科技", "软件", "数据科技", "智能科技"),
             "从事信息科技、网络科技领域内的技术开发、技术咨询、技术服务、技术转让；软件开发；数据处理服务", 14),
    Industry("F", "批发和零售业", ("贸易", "商贸", "实业", "电子商务", "进出口"),
             "日用百货、服装服饰、五金交电、电子产品的销售；货物进出口；技术进出口", 24),
    Industry("H", "住宿和餐饮业", ("餐饮管理", "餐饮", "酒店管理"), "餐饮服务；餐饮管理；食品销售", 8),
    Industry("E", "建筑业", ("建筑工程", "建设工程", "装饰工程"), "建设工程施工；住宅室内装饰装修；建筑材料销售", 7),
    Industry("G", "交通运输、仓储和邮政业", ("物流", "供应链管理", "货运代理"),
             "普通货物仓储服务；国内货物运输代理；道路货物运输（不含危险货物）", 6),
    Industry("R", "文化、体育和娱乐业", ("文化传播", "文化传媒", "体育发展"),
             "组织文化艺术交流活动；广告设计、代理；会议及展览服务", 5),
    Industry("C", "制造业", ("机械设备", "电子", "精密机械", "服饰"), "机械设备、电子元器件、服装的制造、加工、销售", 9),
    Industry("L", "租赁和商务服务业", ("企业管理", "企业管理咨询", "商务咨询", "人力资源"),
             "企业管理；企业管理咨询；商务信息咨询；市场营销策划", 14),
    Industry("K", "房地产业", ("房地产经纪", "置业", "物业管理"), "房地产经纪；物业管理；住房租赁", 4),
    Industry("M", "科学研究和技术服务业", ("生物科技", "环保科技", "新材料科技", "检测技术"),
             "从事生物科技、环保科技领域内的技术开发、技术咨询、技术服务；检验检测服务", 6),
    Industry("O", "居民服务、修理和其他服务业", ("家政服务", "汽车服务", "美容美发"),
             "家政服务；洗车服务；美发饰品销售；日用电器修理", 3),
    Industry("Q", "卫生和社会工作", ("医疗科技", "健康管理", "养老服务"),
             "健康咨询服务（不含诊疗服务）；养老服务；第二类医疗器械销售", 2),
    Industry("A", "农、林、牧、渔业", ("农业发展", "果蔬种植", "水产养殖"), "蔬菜、水果种植；水产养殖；农产品销售", 2),
)
SCOPE_TAIL = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"


@dataclass(frozen=True)
class EntityType:
    """A registration type, its GB 32100 category digit and how its names end."""

    name: str
    category: int  # 1 enterprise, 2 individual business, 3 farmers' cooperative (registration authority 9)
    suffix: str
    weight: float


TYPES: tuple[EntityType, ...] = (
    EntityType("有限责任公司（自然人投资或控股）", 1, "有限公司", 52),
    EntityType("有限责任公司（自然人独资）", 1, "有限公司", 12),
    EntityType("有限责任公司（法人独资）", 1, "有限公司", 6),
    EntityType("股份有限公司（非上市、自然人投资或控股）", 1, "股份有限公司", 3),
    EntityType("有限责任公司（外商投资、非独资）", 1, "有限公司", 2),
    EntityType("个人独资企业", 1, "经营部", 3),
    EntityType("有限合伙企业", 1, "合伙企业（有限合伙）", 3),
    EntityType("个体工商户", 2, "店", 17),
    EntityType("农民专业合作社", 3, "专业合作社", 2),
)
STATUSES = words(["存续", "在业", "吊销", "注销"])
IN_BUSINESS = 2  # statuses below this index still trade
_STATUS_CDF = cumulative([72, 8, 7, 13])
TAX_STATUSES = words(["正常", "非正常", "注销"])  # the tax bureau's own vocabulary
_TAX_OF_STATUS = np.array([0, 0, 1, 2])
TAX_REGISTERED = 0.93
CAPITALS = np.array([3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000])  # 万元
_CAPITAL_CDF = cumulative([3, 6, 14, 8, 8, 16, 20, 8, 5, 5, 4, 1.5, 1, 0.5])

BRAND_CHARS = "锦程华信东方天宇恒达鑫源博远新锐嘉禾中誉瑞丰盛泰隆昌宏兴联创优品智汇通德润安康永福金星辰海澜云峰晟煜卓越精诚凯旋同舟启明申浦江弘毅尚和合众乐享易捷顺立"  # noqa: E501
_BRANDS = words([a + b for a in BRAND_CHARS for b in BRAND_CHARS if a != b])
_INDUSTRY_CDF = cumulative([i.weight for i in INDUSTRIES])
_TRADE = words([w for i in INDUSTRIES for w in i.trade_words])
_TRADE_COUNT = np.array([len(i.trade_words) for i in INDUSTRIES], dtype=np.int64)
_TRADE_START = np.r_[0, np.cumsum(_TRADE_COUNT)[:-1]]
_TYPE_CDF = cumulative([t.weight for t in TYPES])
_TYPE_CATEGORY = np.array([t.category for t in TYPES], dtype=np.int64)
_SUFFIXES = words([t.suffix for t in TYPES])


@dataclass(frozen=True)
class Entities:
    """One chunk of entities: the true records, and what the feeds need besides."""

    codes: np.ndarray  # (n, 18) ASCII bytes of the real credit code
    table: pa.Table  # the true records, as written to truth/entities.csv
    district: np.ndarray
    business_at: np.ndarray  # index into the address library of the business address
    status: np.ndarray  # index into STATUSES
    rep: np.ndarray  # index of the legal representative in the chunk's People
    tax_registered: np.ndarray

    @property
    def count(self) -> int:
        return len(self.status)

    def trading_codes(self) -> pa.Array:
        """Credit codes of the entities still in business (存续, 在业), the only possible employers."""
        return fixed_width(self.codes[self.status < IN_BUSINESS])


def _names(rng: np.random.Generator, kind: np.ndarray, industry: np.ndarray, district: np.ndarray) -> pa.Array:
    """``上海锦程贸易有限公司`` or ``锦程（上海）贸易有限公司``; shops and cooperatives take their district's name."""
    n = len(kind)
    local = _TYPE_CATEGORY[kind] > 1
    bracketed = ~local & (rng.random(n) < 0.2)
    head = pc.if_else(pa.array(local), places.district_names(district), pa.scalar("上海"))
    return join(
        optional(head, ~bracketed), pick(_BRANDS, rng.integers(0, len(_BRANDS), n)),
        pc.if_else(pa.array(bracketed), pa.scalar("（上海）"), pa.scalar(None, pa.string())),
        pick(_TRADE, _TRADE_START[industry] + (rng.random(n) * _TRADE_COUNT[industry]).astype(np.int64)),
        pick(_SUFFIXES, kind),
    )


def generate_entities(
    rng: np.random.Generator, size: int, first_index: int, people: People, org: OrgCodes, library: AddressLibrary
) -> Entities:
    """A chunk of ``size`` entities numbered from ``first_index``, represented by adults of ``people``, at addresses
    of ``library``."""
    kind = weighted(rng, _TYPE_CDF, size)
    industry = weighted(rng, _INDUSTRY_CDF, size)
    district = places.districts(rng, size)
    adults = np.flatnonzero((people.age >= 20) & ~people.died)
    pool = adults if adults.size else np.arange(people.count)
    rep = pool[rng.integers(0, len(pool), size)]
    age = rng.exponential(7.5 * 365, size).astype(np.int64)  # most entities are young; registrations grew fast
    established = np.maximum(REFERENCE_DAY - np.minimum(age, REFERENCE_DAY - FIRST_ESTABLISHED),
                             np.minimum(people.born[rep] + int(18 * YEAR), REFERENCE_DAY))
    body = org.bodies(first_index + np.arange(size), established >= REFORM_DAY)
    codes = credit_codes(np.full(size, 9), _TYPE_CATEGORY[kind], places.DISTRICT_CODES[district], body)
    status = weighted(rng, _STATUS_CDF, size)
    address_at = library.draw(rng, district)
    address = library.premises(rng, address_at)
    moved = rng.random(size) < 0.15
    business_at = np.where(moved, library.draw(rng, district), address_at)
    business = pc.if_else(pa.array(moved), library.premises(rng, business_at), address)
    tax_registered = rng.random(size) < TAX_REGISTERED
    capital = optional(numbered(CAPITALS[weighted(rng, _CAPITAL_CDF, size)], "万元人民币"), _TYPE_CATEGORY[kind] == 1)
    table = pa.table({
        "entity_code": fixed_width(codes), "name": _names(rng, kind, industry, district),
        "type": pick(words([t.name for t in TYPES]), kind), "legal_rep_id": people.id_text.take(pa.array(rep)),
        "legal_rep_name": people.name.take(pa.array(rep)), "registered_capital": capital,
        "established": dates(established), "status": pick(STATUSES, status), "address": address,
        "business_address": business, "business_scope": join(pick(words([i.scope for i in INDUSTRIES]), industry),
                                                             SCOPE_TAIL),
        "industry_code": pick(words([i.code for i in INDUSTRIES]), industry),
        "industry": pick(words([i.name for i in INDUSTRIES]), industry),
        "tax_registered": pa.array(tax_registered), "tax_status":
        optional(pick(TAX_STATUSES, _TAX_OF_STATUS[status]), tax_registered),
    })
    return Entities(codes, table, district, business_at, status, rep, tax_registered)
