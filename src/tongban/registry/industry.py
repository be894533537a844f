"""An entity's industry (GB/T 4754-2017 国民经济行业分类, the 门类 letter) from its registered business scope.

The registration feeds carry the business scope (经营范围) as text, not an industry code. The first activity a scope
lists is the main business; it is matched against the words each section's activities are registered with, in the
order below (specific before general: 技术开发 is science and technology unless it is about software). A scope whose
main activity matches nothing is classified by its other activities; nothing matching leaves the code empty rather
than guessing.
"""

from __future__ import annotations

# (section, its name, words of its activities), most specific first.
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("I", "信息传输、软件和信息技术服务业", ("软件", "信息科技", "网络科技", "信息技术", "数据处理", "互联网", "计算机系统",
                                   "集成电路设计", "电信", "信息系统")),
    ("K", "房地产业", ("房地产", "物业管理", "住房租赁", "房屋租赁")),
    ("J", "金融业", ("金融信息服务", "股权投资", "资产管理", "融资租赁", "保险", "银行")),
    ("H", "住宿和餐饮业", ("餐饮", "住宿", "酒店", "宾馆", "民宿")),
    ("E", "建筑业", ("建设工程施工", "建筑工程", "装饰装修", "装修", "土木工程", "市政工程", "安装工程")),
    ("G", "交通运输、仓储和邮政业", ("运输", "仓储", "货运", "物流", "快递", "客运", "装卸")),
    ("Q", "卫生和社会工作", ("诊疗", "医疗服务", "健康咨询", "养老", "护理", "托育")),
    ("P", "教育", ("教育", "培训", "学校")),
    ("R", "文化、体育和娱乐业", ("文化艺术", "演出", "体育", "娱乐", "出版", "广播", "影视", "会议及展览")),
    ("M", "科学研究和技术服务业", ("生物科技", "环保科技", "检验检测", "技术开发", "技术服务", "工程设计", "研发",
                              "新材料技术")),
    ("L", "租赁和商务服务业", ("企业管理", "商务信息咨询", "商务咨询", "市场营销", "人力资源", "广告", "租赁", "会务")),
    ("O", "居民服务、修理和其他服务业", ("家政", "洗车", "美容", "美发", "修理", "洗染", "摄影")),
    ("C", "制造业", ("制造", "加工", "生产")),
    ("A", "农、林、牧、渔业", ("种植", "养殖", "林业", "畜牧", "渔业")),
    ("D", "电力、热力、燃气及水生产和供应业", ("供电", "发电", "燃气", "供水", "热力")),
    ("B", "采矿业", ("采矿", "开采", "采选")),
    ("N", "水利、环境和公共设施管理业", ("环境卫生", "园林绿化", "水利", "公园")),
    ("F", "批发和零售业", ("销售", "批发", "零售", "进出口", "贸易", "百货")),
)


def _first_match(text: str) -> str:
    whens = " ".join(f"WHEN {' OR '.join(f'contains({text}, {chr(39)}{w}{chr(39)})' for w in words)} THEN '{code}'"
                     for code, _, words in SECTIONS)
    return f"CASE {whens} END"


def industry_sql(scope: str) -> str:
    """SQL: the section letter for the business scope ``scope`` (an expression), or NULL."""
    main = f"split_part({scope}, '；', 1)"
    return f"coalesce({_first_match(main)}, {_first_match(scope)})"


def section_name(code: str | None) -> str:
    """The section's name in Chinese (for pages), or '' for an unknown code."""
    return next((name for c, name, _ in SECTIONS if c == code), "")
