"""Shanghai's sixteen districts with real streets, towns and roads, their rough extent, and retired codes.

Districts are weighted by their 2020 census population (millions). Each district lists real 街道/镇 and real roads
inside it; an address pairs a street or town with a road of the same district, which is plausible rather than
surveyed (a road may not cross that particular street). Codes are those of :data:`tongban.standards.SHANGHAI_DISTRICTS`.
The addresses themselves come from the standard address library (:mod:`tongban.synth.address_library`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tongban.standards import SHANGHAI_DISTRICTS
from tongban.synth._arrow import cumulative, pick, weighted, words


@dataclass(frozen=True)
class District:
    """A district, its population weight, and the streets/towns and roads addresses are made of."""

    code: str
    population: float
    streets: tuple[str, ...]
    roads: tuple[str, ...]

    @property
    def name(self) -> str:
        return SHANGHAI_DISTRICTS[self.code]


def _d(code: str, population: float, streets: str, roads: str) -> District:
    return District(code, population, tuple(streets.split()), tuple(roads.split()))


DISTRICTS: tuple[District, ...] = (
    _d("310101", 0.66, "南京东路街道 外滩街道 半淞园路街道 小东门街道 豫园街道 老西门街道 五里桥街道 打浦桥街道 "
       "淮海中路街道 瑞金二路街道", "南京东路 河南中路 西藏中路 福州路 淮海中路 复兴中路 瑞金二路 陆家浜路 中华路 "
       "人民路 打浦路 丽园路 蒙自路 制造局路"),
    _d("310104", 1.11, "天平路街道 湖南路街道 斜土路街道 枫林路街道 长桥街道 田林街道 虹梅路街道 康健新村街道 "
       "徐家汇街道 凌云路街道 龙华街道 漕河泾街道 华泾镇", "漕溪北路 肇嘉浜路 衡山路 天钥桥路 宜山路 钦州路 田林路 "
       "龙华路 龙吴路 虹梅路 桂林路 中山西路 凯旋路 斜土路"),
    _d("310105", 0.69, "华阳路街道 江苏路街道 新华路街道 周家桥街道 天山路街道 仙霞新村街道 虹桥街道 程家桥街道 "
       "北新泾街道 新泾镇", "长宁路 延安西路 仙霞路 天山路 遵义路 古北路 娄山关路 愚园路 江苏路 定西路 哈密路 "
       "北渔路 剑河路 协和路"),
    _d("310106", 0.98, "江宁路街道 石门二路街道 南京西路街道 静安寺街道 曹家渡街道 天目西路街道 北站街道 宝山路街道 "
       "芷江西路街道 共和新路街道 大宁路街道 彭浦新村街道 临汾路街道 彭浦镇", "南京西路 北京西路 延安中路 常德路 "
       "武定路 康定路 江宁路 共和新路 天目西路 大统路 广中西路 临汾路 平型关路 沪太路"),
    _d("310107", 1.24, "曹杨新村街道 长风新村街道 长寿路街道 甘泉路街道 石泉路街道 宜川路街道 万里街道 真如镇街道 "
       "长征镇 桃浦镇", "长寿路 曹杨路 中山北路 金沙江路 大渡河路 枣阳路 武宁路 铜川路 宜川路 真北路 岚皋路 "
       "交通路 光复西路 西康路"),
    _d("310109", 0.76, "欧阳路街道 曲阳路街道 广中路街道 嘉兴路街道 凉城新村街道 四川北路街道 北外滩街道 江湾镇街道",
       "四川北路 东大名路 海宁路 周家嘴路 曲阳路 中山北一路 水电路 广中路 大连西路 东江湾路 天宝路 玉田路 "
       "欧阳路 凉城路"),
    _d("310110", 1.24, "定海路街道 平凉路街道 江浦路街道 四平路街道 控江路街道 长白新村街道 延吉新村街道 殷行街道 "
       "大桥街道 五角场街道 新江湾城街道 长海路街道", "四平路 控江路 长阳路 平凉路 杨树浦路 黄兴路 国权路 政通路 "
       "国定路 殷行路 军工路 延吉中路 松花江路 淞沪路"),
    _d("310112", 2.65, "江川路街道 古美街道 新虹街道 浦锦街道 莘庄镇 七宝镇 颛桥镇 华漕镇 虹桥镇 梅陇镇 吴泾镇 马桥镇 "
       "浦江镇", "沪闵路 莘松路 七莘路 吴中路 虹井路 古美路 顾戴路 都市路 江川路 浦星公路 银都路 春申路 莲花南路 "
       "万源路"),
    _d("310113", 2.23, "吴淞街道 友谊路街道 张庙街道 庙行镇 淞南镇 高境镇 大场镇 杨行镇 月浦镇 罗店镇 罗泾镇 顾村镇",
       "牡丹江路 友谊路 同济路 长江西路 共康路 场中路 沪太路 殷高西路 水产路 泰和路 宝杨路 蕰川路 铁峰路 "
       "美兰湖路"),
    _d("310114", 1.83, "新成路街道 真新街道 嘉定镇街道 菊园新区 南翔镇 安亭镇 马陆镇 徐行镇 华亭镇 外冈镇 江桥镇",
       "城中路 博乐路 塔城路 清河路 胜辛路 沪宜公路 墨玉路 曹安公路 嘉松北路 叶城路 洪德路 金沙江西路 裕民南路 "
       "白银路"),
    _d("310115", 5.68, "潍坊新村街道 陆家嘴街道 周家渡街道 塘桥街道 上钢新村街道 南码头路街道 沪东新村街道 "
       "金杨新村街道 洋泾街道 浦兴路街道 东明路街道 花木街道 川沙新镇 高桥镇 北蔡镇 合庆镇 唐镇 曹路镇 金桥镇 "
       "高行镇 高东镇 张江镇 三林镇 惠南镇 周浦镇 新场镇 大团镇 康桥镇 航头镇 祝桥镇 泥城镇 宣桥镇 书院镇 "
       "万祥镇 老港镇 南汇新城镇", "世纪大道 张杨路 浦东南路 浦东大道 东方路 杨高南路 杨高中路 锦绣路 金桥路 "
       "博山路 源深路 潍坊路 崂山路 商城路 成山路 上南路 德州路 龙阳路 川沙路 华夏东路 沪南公路 祖冲之路 "
       "郭守敬路 张衡路 环湖西一路 申江路"),
    _d("310116", 0.82, "石化街道 朱泾镇 枫泾镇 张堰镇 亭林镇 吕巷镇 廊下镇 金山卫镇 漕泾镇 山阳镇", "卫零路 龙胜路 "
       "蒙山路 卫清东路 卫清西路 板桥西路 金山大道 亭卫公路 朱枫公路 松卫北路 沪杭公路 杭州湾大道"),
    _d("310117", 1.91, "岳阳街道 永丰街道 方松街道 中山街道 广富林街道 九里亭街道 泗泾镇 佘山镇 车墩镇 新桥镇 "
       "洞泾镇 九亭镇 泖港镇 石湖荡镇 新浜镇 叶榭镇 小昆山镇", "人民北路 中山中路 荣乐中路 谷阳北路 文诚路 "
       "广富林路 沪亭北路 九亭大街 新松江路 三新北路 松卫北路 玉树路 思贤路 泗陈公路"),
    _d("310118", 1.27, "夏阳街道 盈浦街道 香花桥街道 朱家角镇 练塘镇 金泽镇 赵巷镇 徐泾镇 华新镇 重固镇 白鹤镇",
       "公园路 城中北路 青松路 外青松公路 淀山湖大道 崧泽大道 华徐公路 沪青平公路 盈港东路 青赵公路 诸光路 "
       "双联路 徐泾北路 华志路"),
    _d("310120", 1.14, "西渡街道 奉浦街道 金海街道 南桥镇 奉城镇 庄行镇 金汇镇 四团镇 青村镇 柘林镇 海湾镇",
       "南桥路 解放东路 解放西路 环城东路 环城西路 百齐路 金海公路 望园路 南亭公路 沪杭公路 八字桥路 奉浦大道 "
       "运河北路 航南公路"),
    _d("310151", 0.64, "城桥镇 堡镇 新河镇 庙镇 竖新镇 向化镇 三星镇 港沿镇 中兴镇 陈家镇 绿华镇 港西镇 建设镇 新海镇 "
       "东平镇 长兴镇 新村乡 横沙乡", "八一路 人民路 西门路 东门路 南门路 北门路 崇明大道 鼓浦路 翠竹路 北沿公路 "
       "陈海公路 堡镇南路 利民路 三沙洪路"),
)

DISTRICT_CODES = np.array([int(d.code) for d in DISTRICTS], dtype=np.int64)
_POPULATION_CDF = cumulative([d.population for d in DISTRICTS])
_NAMES = words([d.name for d in DISTRICTS])
# Every "上海市 + district + street/town + road" of a district, street by street, joined once so an address is one pick.
PREFIXES = words([f"上海市{d.name}{s}{r}" for d in DISTRICTS for s in d.streets for r in d.roads])
ROADS = words([r for d in DISTRICTS for r in d.roads])
ROAD_START = np.r_[0, np.cumsum([len(d.roads) for d in DISTRICTS])[:-1]].astype(np.int64)
PREFIX_START = np.r_[0, np.cumsum([len(d.streets) * len(d.roads) for d in DISTRICTS])[:-1]].astype(np.int64)

# Rough WGS-84 bounding boxes (longitude from, to; latitude from, to) of the built-up part of each district.
BOUNDS: dict[str, tuple[float, float, float, float]] = {
    "310101": (121.455, 121.510, 31.190, 31.245), "310104": (121.400, 121.475, 31.120, 31.215),
    "310105": (121.330, 121.445, 31.195, 31.235), "310106": (121.430, 121.480, 31.220, 31.305),
    "310107": (121.330, 121.450, 31.225, 31.285), "310109": (121.470, 121.515, 31.245, 31.300),
    "310110": (121.500, 121.555, 31.255, 31.325), "310112": (121.270, 121.550, 30.985, 31.230),
    "310113": (121.300, 121.510, 31.290, 31.510), "310114": (121.110, 121.350, 31.220, 31.440),
    "310115": (121.490, 121.940, 30.870, 31.390), "310116": (121.000, 121.430, 30.690, 30.920),
    "310117": (121.010, 121.340, 30.940, 31.130), "310118": (120.870, 121.320, 30.990, 31.290),
    "310120": (121.290, 121.780, 30.810, 31.010), "310151": (121.200, 121.950, 31.450, 31.860),
}  # fmt: skip
# A retired GB/T 2260 code each district's records may still carry (tongban.standards.HISTORICAL_SHANGHAI).
RETIRED_CODES = {"310101": "310103", "310106": "310108", "310115": "310119", "310116": "310228",
                 "310117": "310227", "310118": "310229", "310120": "310226", "310151": "310230"}


def districts(rng: np.random.Generator, size: int) -> np.ndarray:
    """District indexes (into :data:`DISTRICTS`) drawn by population."""
    return weighted(rng, _POPULATION_CDF, size)


def district_names(index: np.ndarray) -> pa.Array:
    """The district name of each index, e.g. 浦东新区."""
    return pick(_NAMES, index)
