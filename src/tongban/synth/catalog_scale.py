"""Demo catalogs at scale: any number of varied, valid resources across about 45 departments, streamed.

A name is prefix × subject × record kind × edition (``浦东新区`` + ``养老机构`` + ``许可信息`` + ``（历史数据）``); each
department walks its own names in a seeded order, so names are unique within a department without remembering them.
Items come from per-category pools of the shared dictionary. Generated items never claim to be authoritative (数源):
only ``DEMO_CATALOG`` does, so 一数一源 holds at any scale.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from tongban.catalog import vocab
from tongban.catalog.drafts import ItemDraft, ResourceDraft
from tongban.synth.catalog import (
    CLOSED_PERSONAL, DSL_38, FIELDS, PIPL_28, PIPL_34, SECRETS, SH_OPENING, SH_SHARING, STATE_809, DemoResource, basis,
)
from tongban.synth.catalog_real import DEMO_CATALOG
from tongban.synth.city import CITY_DEPARTMENTS, DepartmentSpec

_EXTRA = (
    DepartmentSpec("上海市审计局", "审计局"),
    DepartmentSpec("上海市国有资产监督管理委员会", "国资委"),
    DepartmentSpec("上海市民族和宗教事务局", "民宗局"),
    DepartmentSpec("上海市体育局", "体育局"),
    DepartmentSpec("上海市知识产权局", "知识产权局"),
    DepartmentSpec("上海市绿化和市容管理局", "绿化市容局"),
    DepartmentSpec("上海市房屋管理局", "房管局"),
    DepartmentSpec("上海市地方金融监督管理局", "地方金融监管局"),
    DepartmentSpec("上海市民防办公室", "民防办"),
    DepartmentSpec("上海市档案局", "档案局"),
    DepartmentSpec("上海市机关事务管理局", "机管局"),
    DepartmentSpec("上海市药品监督管理局", "药监局"),
    DepartmentSpec("上海市消防救援总队", "消防救援总队"),
    DepartmentSpec("上海市城市管理行政执法局", "城管执法局"),
    DepartmentSpec("上海市气象局", "气象局"),
    DepartmentSpec("上海市道路运输管理局", "道路运输局", parent="交通委"),
    DepartmentSpec("上海市粮食和物资储备局", "粮食物资局"),
    DepartmentSpec("上海市残疾人联合会", "残联"),
)


def extra_departments(n: int = 15) -> list[DepartmentSpec]:
    """The first ``n`` departments a real city has beyond the demo city's 30 (at most 18)."""
    if not 0 <= n <= len(_EXTRA):
        raise ValueError(f"n must be between 0 and {len(_EXTRA)}")
    return list(_EXTRA[:n])


# The departments ``generate_catalog`` spreads resources over: the 30 of the city and 15 more (create them first).
SCALE_DEPARTMENTS: tuple[DepartmentSpec, ...] = CITY_DEPARTMENTS + tuple(extra_departments())

# short name | weight | theme (项 of class 2) | line of work | subjects with their category
# Categories: P people, O organisations, F facilities and places, J projects, E cases and events, M monitoring,
# V vehicles and equipment, $ funds, D certificates, K statistics.
_PROFILES = """
大数据中心|1|01|政务数据共享和一网通办|电子证照:D 政务服务事项:E 好差评:E 数据共享申请:E 一网通办用户:P 电子印章:D
公安局|6|12|治安和户籍管理|户籍人口:P 来沪人员:P 居住证:D 机动车:V 驾驶人:P 出入境证件:D 治安案件:E 特种行业单位:O 保安服务公司:O 公共视频点位:F 交通违法:E 户口迁移:P 身份证件:D
人社局|5|03|社会保险和就业服务|参保人员:P 用人单位:O 就业困难人员:P 职业技能培训:E 人才引进:P 劳动监察案件:E 职业培训机构:O 人力资源服务机构:O 劳动争议仲裁:E 社保基金:$ 职业资格:D 失业保险金:$
民政局|4|10|社会救助和基本社会服务|低保家庭:P 特困人员:P 养老机构:O 社会组织:O 慈善组织:O 婚姻登记:E 地名:F 殡葬服务机构:O 社区:F 残疾人两项补贴:$ 老年人:P 儿童福利机构:O
卫健委|5|02|医疗卫生和健康管理|医疗机构:O 执业医师:P 护士:P 孕产妇:P 新生儿:P 预防接种:E 传染病报告:E 家庭医生签约:E 卫生监督检查:E 公共卫生设施:F 采供血机构:O 职业病危害项目:J
市场监管局|6|04|市场主体登记和市场监管|企业:O 个体工商户:O 农民专业合作社:O 食品生产企业:O 特种设备:V 计量器具:V 产品质量抽查:E 广告监测:E 消费投诉:E 商标:D 认证机构:O 检验检测机构:O 网络平台:O
税务局|4|08|税收征管和纳税服务|纳税人:O 发票:D 出口退税:E 个体工商户纳税人:O 非正常户:O 纳税信用:O 税收优惠备案:E 重大税收违法案件:E 社保费缴费单位:O 房产税:$
规划资源局|3|09|规划管理和不动产登记|不动产:F 建设用地:J 国有土地出让:J 永久基本农田:F 地质灾害隐患点:F 测绘成果:D 建设项目规划:J 历史风貌保护建筑:F 城市更新项目:J 矿产资源:F
教委|3|01|教育管理和学生服务|中小学生:P 学校:O 幼儿园:O 教师:P 民办培训机构:O 校舍:F 学生资助:$ 招生考试:E 托育机构:O
住建委|4|09|建设管理和城市更新|建设工程:J 建筑业企业:O 工程监理企业:O 房屋建筑:F 施工现场:F 燃气企业:O 建筑工人:P 城市道路:F 既有建筑改造:J 工程质量监督:E
交通委|4|01|交通运输管理|公交线路:F 公交车辆:V 出租汽车:V 网约车平台:O 道路运输企业:O 停车场:F 轨道交通站点:F 营运驾驶员:P 桥梁隧道:F 货运车辆:V 交通建设项目:J
生态环境局|3|11|生态环境保护|排污单位:O 空气质量站点:M 水环境断面:M 噪声监测点:M 建设项目环评:J 危险废物经营单位:O 辐射安全许可单位:O 环境执法案件:E 污染源在线监测:M 碳排放配额:$
司法局|2|12|法律服务和法治建设|律师:P 律师事务所:O 公证机构:O 司法鉴定机构:O 人民调解组织:O 法律援助:E 社区矫正:E 行政复议案件:E 基层法律服务工作者:P
财政局|2|01|财政预算和政府采购|预算单位:O 政府采购项目:J 专项资金:$ 行政事业单位资产:F 政府债券:$ 非税收入:$ 会计师事务所:O 财政补贴:$
医保局|3|02|医疗保障|医保参保人员:P 定点医疗机构:O 定点零售药店:O 医保结算:$ 药品招采:E 医疗服务价格:E 长期护理保险:E 医保基金监管:E 异地就医备案:E
应急局|2|05|安全生产和应急管理|危险化学品企业:O 安全生产许可企业:O 应急避难场所:F 救援队伍:O 安全生产事故:E 应急物资储备库:F 重大危险源:F 安全生产执法:E
文旅局|2|01|文化和旅游管理|旅游景区:F 旅行社:O 星级饭店:O 文化场馆:F 演出团体:O 非物质文化遗产:D 文物保护单位:F 娱乐场所:O 导游:P
退役军人局|1|03|退役军人服务保障|退役军人:P 优抚对象:P 烈士纪念设施:F 军供站:F 退役军人服务站:F 安置单位:O
发改委|2|07|发展规划和投资管理|投资项目:J 重大工程:J 价格监测:M 能源消费:M 节能审查:J 社会信用主体:O 政府定价收费:E
经信委|2|07|产业和信息化管理|工业企业:O 软件企业:O 工业园区:F 技术改造项目:J 专精特新企业:O 数据中心:F 无线电台站:V
商务委|2|06|商务和市场运行|外资企业:O 对外贸易经营者:O 单用途预付卡企业:O 商业网点:F 标准化菜市场:F 二手车交易市场:F 重要商品价格:M
农业农村委|2|04|农业农村管理|农业经营主体:O 家庭农场:O 农产品质量检测:E 耕地:F 动物防疫:E 农业机械:V 兽药经营企业:O 渔船:V
水务局|2|11|水务和海洋管理|供水企业:O 排水户:O 河道:F 水文站点:M 防汛设施:F 排水泵站:F 取水许可单位:O 供水水质:M
统计局|2|01|统计调查和数据发布|规模以上工业:K 社会消费品零售:K 固定资产投资:K 居民收支:K 人口变动:K 经济普查:K 价格指数:K 统计调查单位:O
公积金中心|2|03|住房公积金管理|缴存职工:P 缴存单位:O 公积金贷款:$ 公积金提取:E 贷款楼盘:F
浦东服务中心|2|01|浦东新区政务服务|政务服务事项:E 企业开办:E 建设工程:J 社区事务受理:E 市场主体:O 公共服务设施:F
黄浦服务中心|1|01|黄浦区政务服务|政务服务事项:E 社区事务受理:E 老字号企业:O 公共服务设施:F
徐汇服务中心|1|01|徐汇区政务服务|政务服务事项:E 社区事务受理:E 社区食堂:F 养老服务对象:P
浦东公安分局|2|12|浦东新区治安管理|实有人口:P 出租房屋:F 特种行业单位:O 治安案件:E 视频点位:F
闵行市场监管局|2|04|闵行区市场监管|个体工商户:O 食品经营者:O 消费投诉:E 特种设备:V 农贸市场:F
审计局|1|08|审计监督|审计项目:J 被审计单位:O 审计发现问题:E 审计整改事项:E
国资委|1|07|国有资产监管|市属国有企业:O 国有产权:$ 国有企业投资项目:J 国有企业负责人:P
民宗局|1|10|民族和宗教事务|宗教活动场所:F 宗教团体:O 宗教教职人员:P 清真食品经营者:O
体育局|1|01|体育管理|体育场馆:F 体育社会组织:O 健身设施:F 体育赛事:E 社会体育指导员:P 高危险性体育项目经营者:O
知识产权局|1|08|知识产权管理|专利:D 专利代理机构:O 商标代理机构:O 知识产权侵权案件:E 地理标志:D
绿化市容局|2|11|绿化和市容环境管理|公园:F 绿地:F 古树名木:F 生活垃圾处理设施:F 户外广告设施:F 林地:F 垃圾分类:M 环卫作业单位:O
房管局|3|09|房屋管理|商品房项目:J 存量房交易:E 物业服务企业:O 住宅小区:F 保障性住房:F 房屋租赁:E 房地产开发企业:O 公共租赁住房租户:P
地方金融监管局|1|08|地方金融监管|小额贷款公司:O 融资担保公司:O 典当行:O 融资租赁公司:O 地方金融风险事件:E
民防办|1|12|民防工程管理|民防工程:F 防空警报设施:F 疏散基地:F 民防工程使用单位:O
档案局|1|01|档案管理|档案馆:F 馆藏档案:D 档案数字化项目:J 档案查阅:E
机管局|1|01|机关事务管理|公务用车:V 办公用房:F 公共机构能耗:M 机关食堂:F
药监局|2|04|药品医疗器械监管|药品生产企业:O 药品经营企业:O 医疗器械经营企业:O 化妆品生产企业:O 药品不良反应:E 药品抽检:E
消防救援总队|2|05|消防安全管理|消防安全重点单位:O 消防设施:F 火灾事故:E 消防监督检查:E 微型消防站:F 消防技术服务机构:O
城管执法局|2|10|城市管理执法|城管执法案件:E 违法建筑:F 占道经营:E 执法车辆:V 街面秩序:M
气象局|1|12|气象服务|气象观测站:M 气象灾害预警:E 雷电防护装置:F 人工影响天气作业:E
道路运输局|2|01|道路运输管理|长途客运站:F 驾驶员培训机构:O 机动车维修企业:O 危险货物运输车辆:V 出租汽车驾驶员:P
粮食物资局|1|07|粮食和物资储备|粮食仓储企业:O 储备粮库点:F 粮食收购:E 应急物资:$
残联|1|03|残疾人服务|持证残疾人:P 残疾人托养机构:O 无障碍设施:F 残疾人就业:E 辅助器具适配:E
"""

# Per category: the pool of item codes (the first two always come first) and the record kinds.
_POOLS = {
    "P": "id_number name sex birth_date ethnicity nationality id_type education_level phone residence_address "
         "household_address district_code street_code employer_name marital_status registered_on updated_on",
    "O": "credit_code org_name org_type legal_rep_name industry_code established_on address district_code street_code "
         "office_phone contact_name employee_count registered_capital business_scope operating_status longitude "
         "latitude updated_on",
    "F": "facility_code facility_name facility_type address district_code street_code longitude latitude managing_unit "
         "managing_unit_credit_code built_on capacity operating_status office_phone updated_on",
    "J": "project_code project_name builder_name builder_credit_code project_location district_code total_investment "
         "building_area planned_start_on planned_completion_on project_status longitude latitude updated_on",
    "E": "case_number case_type case_source party_name occurred_at address district_code street_code handling_unit "
         "received_at handled_on handling_result case_status updated_on",
    "M": "monitoring_point_code monitoring_point_name longitude latitude district_code monitored_at indicator_code "
         "indicator_name indicator_value unit standard_value exceeds_standard warning_level managing_unit",
    "V": "equipment_number model manufacturer owner_name owner_id_number use_status registered_on inspection_due_on "
         "address district_code managing_unit built_on updated_on",
    "$": "fund_item_code fund_item_name fiscal_year budget_unit amount fund_source payee_name payee_account paid_on "
         "district_code updated_on",
    "D": "certificate_number certificate_type holder_name holder_code issued_on valid_from valid_until "
         "issuing_authority license_status updated_on",
    "S": "stat_period indicator_name region_code region_name indicator_code indicator_value unit stat_caliber "
         "published_on",
}
_KINDS = {
    "P": "基本信息 登记信息 变更信息 注销信息 服务记录 补贴发放信息 名册 统计数据",
    "O": "基本信息 登记信息 许可信息 备案信息 年度报告信息 名录 监督检查记录 行政处罚信息 信用评价信息 注销信息 投诉举报信息 统计数据",
    "F": "基础信息 名录 巡查记录 监督检查记录 运行监测数据 备案信息 统计数据",
    "J": "审批信息 备案信息 许可信息 验收信息 进度信息 名录 统计数据",
    "E": "登记信息 办理信息 处理结果信息 投诉举报信息 明细数据 统计数据",
    "M": "监测数据 实时监测数据 预警信息 点位信息 统计数据",
    "V": "登记信息 检验信息 变更信息 注销信息 监督检查记录 统计数据",
    "$": "拨付信息 预算信息 决算信息 明细数据 审计结果信息 统计数据",
    "D": "签发信息 目录信息 核验记录 变更信息 注销信息 统计数据",
    "K": "统计数据 月度统计数据 年度统计数据 调查数据 公报数据",
}
# Items a record kind adds after the pool's first two.
_EXTRAS = {
    "登记信息": "registration_number registered_on registration_authority",
    "变更信息": "change_item value_before value_after changed_on",
    "注销信息": "deregistered_on deregistration_reason",
    "服务记录": "service_type served_on service_unit service_result",
    "补贴发放信息": "subsidy_type subsidy_amount paid_on payment_status",
    "许可信息": "license_number license_scope issued_on valid_until issuing_authority license_status",
    "备案信息": "filing_number filed_on filing_authority filing_status",
    "年度报告信息": "report_year submitted_on employee_count operating_revenue report_status",
    "监督检查记录": "inspection_number inspected_on inspection_type inspection_result inspecting_unit rectification_status",
    "行政处罚信息": "penalty_decision_number violation_facts penalty_basis penalty_type penalty_amount penalty_decided_on "
              "enforcement_authority",
    "信用评价信息": "credit_rating rated_on rating_authority valid_until",
    "投诉举报信息": "complaint_number complaint_channel complaint_content received_at handling_result",
    "巡查记录": "patrol_number patrolled_at problem_found rectification_status",
    "运行监测数据": "monitored_at indicator_name indicator_value unit exceeds_standard",
    "预警信息": "warning_level monitored_at",
    "审批信息": "approval_number approved_on approving_authority",
    "验收信息": "acceptance_number accepted_on acceptance_result",
    "进度信息": "progress_stage progress_percent reported_on",
    "办理信息": "received_at handled_on handling_unit case_status",
    "处理结果信息": "handled_on handling_result",
    "检验信息": "inspection_number inspected_on inspection_result inspection_due_on",
    "拨付信息": "amount paid_on payee_name payee_account",
    "预算信息": "fiscal_year amount fund_source",
    "决算信息": "fiscal_year amount",
    "审计结果信息": "problem_found rectification_status",
    "签发信息": "issued_on issuing_authority",
    "核验记录": "verified_at verifying_unit verification_result",
}
_STATISTICS = {"统计数据", "月度统计数据", "年度统计数据", "调查数据", "公报数据"}
_CYCLES = {"统计数据": "monthly quarterly yearly", "月度统计数据": "monthly", "年度统计数据": "yearly", "公报数据": "yearly",
           "调查数据": "quarterly yearly irregular", "监测数据": "realtime daily", "实时监测数据": "realtime",
           "运行监测数据": "realtime daily", "预警信息": "realtime", "名录": "monthly weekly irregular",
           "名册": "monthly irregular", "预算信息": "yearly", "决算信息": "yearly", "年度报告信息": "yearly"}
_DEFAULT_CYCLES = "daily daily weekly monthly realtime"
_BASE_CLASS = {"P": "101", "O": "102", "F": "103", "V": "301", "E": "301", "$": "302", "D": "105", "K": "301"}
_KIND_CLASS = {"行政处罚信息": "104", "信用评价信息": "104", "许可信息": "105"}
_LOG_COUNTS = {"P": (3, 7.3), "O": (2, 6.5), "F": (1, 5), "J": (1, 5), "E": (2, 7.7), "M": (4, 8.7), "V": (2, 6.8),
               "$": (2, 7), "D": (2, 7.3), "S": (1, 5)}
_EDITIONS = ("", "（历史数据）", "（2015—2019年）", "（按街镇汇总）", "（按月汇总）", "（2020年以来）")
_DISTRICTS = "黄浦区 徐汇区 长宁区 静安区 普陀区 虹口区 杨浦区 闵行区 宝山区 嘉定区 浦东新区 金山区 松江区 青浦区 奉贤区 崇明区".split()
_STREETS = {
    "310115": "陆家嘴街道 潍坊新村街道 洋泾街道 塘桥街道 花木街道 张江镇 川沙新镇 高桥镇 北蔡镇 周浦镇 惠南镇 康桥镇 三林镇 金桥镇",
    "310101": "南京东路街道 外滩街道 半淞园路街道 小东门街道 豫园街道 老西门街道 五里桥街道 打浦桥街道 淮海中路街道 瑞金二路街道",
    "310104": "天平路街道 湖南路街道 斜土路街道 枫林路街道 长桥街道 田林街道 虹梅路街道 康健新村街道 徐家汇街道 凌云路街道 "
              "龙华街道 漕河泾新兴技术开发区 华泾镇",
    "310112": "江川路街道 古美街道 新虹街道 浦锦街道 莘庄镇 七宝镇 颛桥镇 华漕镇 虹桥镇 梅陇镇 吴泾镇 马桥镇 浦江镇",
}
_DISTRICT_OF = {"310115": "浦东新区", "310101": "黄浦区", "310104": "徐汇区", "310112": "闵行区"}
_LAWS = {"公安局": "《中华人民共和国居民身份证法》第六条", "人社局": "《中华人民共和国社会保险法》第八十一条",
         "卫健委": "《中华人民共和国基本医疗卫生与健康促进法》第九十二条", "税务局": "《中华人民共和国税收征收管理法》第八条",
         "统计局": "《中华人民共和国统计法》", "教委": "《中华人民共和国未成年人保护法》第七十二条",
         "民政局": "《社会救助暂行办法》（国务院令第649号）", "规划资源局": "《不动产登记暂行条例》第二十八条",
         "公积金中心": "《住房公积金管理条例》", "民宗局": "《宗教事务条例》", "残联": "《中华人民共和国残疾人保障法》"}
_SHARING_CONDITIONS = (
    "仅向承担{work}相关职责的部门共享，按应用场景申请，用于业务办理中的核验",
    "仅共享{first}等信息项；其余信息项经{short}审核同意后按需共享",
    "仅向市、区两级负责{work}的部门共享，使用部门不得向第三方提供",
    "经{short}逐项审核应用场景后共享，仅限用于{subject}相关业务办理",
)
_OPEN_CONDITIONS = ("经注册认证的数据利用主体申请，签订数据利用协议后开放", "仅开放按区汇总的数据，明细数据经申请后开放",
                    "向科研机构和企业在指定场景下开放，不得再次对外提供")


@dataclass(frozen=True)
class _Department:
    spec: DepartmentSpec
    ordinal: int  # 1-based, the 目 of its department catalog (3/01, 3/02)
    theme: str
    work: str
    subjects: tuple[tuple[str, str], ...]  # (noun, category)
    pairs: tuple[tuple[int, str], ...]  # (subject index, kind): the names before prefixes and editions
    prefixes: tuple[str, ...]
    step: int  # walks ``pairs`` in a seeded order: pair = (step * i + offset) % len(pairs), step coprime with it
    offset: int


def _departments(rng: random.Random) -> tuple[list[_Department], list[int]]:
    profiles = {line.split("|", 1)[0]: line.split("|")[1:] for line in _PROFILES.strip().splitlines()}
    departments, weights = [], []
    for ordinal, spec in enumerate(SCALE_DEPARTMENTS, start=1):
        weight, theme, work, subject_line = profiles[spec.short_name]
        subjects = tuple(tuple(word.split(":")) for word in subject_line.split())
        pairs = tuple((i, kind) for i, (_, category) in enumerate(subjects) for kind in _KINDS[category].split())
        if spec.division_code in _STREETS:
            district = _DISTRICT_OF[spec.division_code]
            prefixes = (district, *rng.sample([district + s for s in _STREETS[spec.division_code].split()],
                                              len(_STREETS[spec.division_code].split())))
        else:
            prefixes = ("", *rng.sample(_DISTRICTS, len(_DISTRICTS)))
        step = rng.choice([s for s in range(1, len(pairs)) if math.gcd(s, len(pairs)) == 1])
        departments.append(_Department(spec, ordinal, theme, work, subjects, pairs, prefixes, step,
                                       rng.randrange(len(pairs))))
        weights.append(int(weight))
    return departments, weights


def _name(dept: _Department, index: int) -> tuple[int, str, str, str]:
    """The index-th name of a department: (subject index, kind, edition, full name)."""
    block, position = divmod(index, len(dept.pairs))
    round_, prefix_index = divmod(block, len(dept.prefixes))
    subject_index, kind = dept.pairs[(dept.step * position + dept.offset) % len(dept.pairs)]
    edition = _EDITIONS[round_] if round_ < len(_EDITIONS) else f"（第{round_ - len(_EDITIONS) + 2}批）"
    name = f"{dept.prefixes[prefix_index]}{dept.subjects[subject_index][0]}{kind}{edition}"
    return subject_index, kind, edition, name


_PROTOTYPES = {code: (f[0], code, f[1], f[2], f[3], f[4], f[5]) for code, f in FIELDS.items()}


def _pool(category: str, kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The items a resource always has (key items, then the kind's) and the ones it may have, in pool order."""
    pool = _POOLS["S" if kind in _STATISTICS else category].split()
    head = list(pool[:2]) + [code for code in _EXTRAS.get(kind, "").split() if code not in pool[:2]]
    return tuple(head), tuple(code for code in pool[2:] if code not in head)


_POOL_CACHE = {(category, kind): _pool(category, kind) for category, kinds in _KINDS.items() for kind in kinds.split()}


def _items(rng: random.Random, category: str, kind: str, subject: str) -> list[ItemDraft]:
    head, rest = _POOL_CACHE[(category, kind)]
    want = rng.randint(5, 25)
    extra = sorted(rng.sample(range(len(rest)), min(len(rest), max(0, want - len(head)))))
    out = [ItemDraft(*_PROTOTYPES[code]) for code in head] + [ItemDraft(*_PROTOTYPES[rest[i]]) for i in extra]
    if category in "OF" and kind not in _STATISTICS and not subject.endswith("名"):
        out[1].name = f"{subject}名称"  # org_name / facility_name, named after the subject
    return out


def _sharing(rng: random.Random, dept: _Department, personal: bool, subject: str,
             items_: list[ItemDraft]) -> tuple[str, str, str]:
    """(sharing type, condition, legal basis): about 70% unconditional, 25% conditional, 5% not shared overall."""
    roll = rng.random()
    law = _LAWS.get(dept.spec.short_name, PIPL_34)
    if roll < (0.08 if personal else 0.042):
        return "not_shared", "", basis(law, PIPL_28) if personal else basis(SECRETS, DSL_38)
    if roll < (0.50 if personal else 0.247):
        template = rng.choice(_SHARING_CONDITIONS)
        condition = template.format(work=dept.work, short=dept.spec.short_name, subject=subject,
                                    first="、".join(item.name for item in items_[:3]))
        return "conditional", condition, basis(law, SH_SHARING) if personal else basis(SH_SHARING, STATE_809)
    return "unconditional", "", ""


def generate_catalog(count: int, *, seed: int = 2018) -> Iterator[DemoResource]:
    """``count`` valid demo resources spread over SCALE_DEPARTMENTS, deterministic for a seed, streamed.

    Names are unique within a department and never repeat a DEMO_CATALOG name; a shorter run is a prefix of a longer
    one with the same seed. For a catalog of N resources, seed DEMO_CATALOG, then
    ``generate_catalog(N - len(DEMO_CATALOG))``.
    """
    rng = random.Random(seed)
    departments, weights = _departments(rng)
    cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
    taken = {(r.department, r.draft.name) for r in DEMO_CATALOG}
    next_index = [0] * len(departments)
    produced = 0
    while produced < count:
        d = rng.choices(range(len(departments)), cum_weights=cumulative)[0]
        dept = departments[d]
        subject_index, kind, edition, name = _name(dept, next_index[d])
        next_index[d] += 1
        if (dept.spec.short_name, name) in taken:
            continue
        produced += 1
        yield _resource(rng, dept, subject_index, kind, edition, name)


def _merge(*bases: str) -> str:
    """Legal bases for sharing and for opening as one field, each cited once."""
    return basis(*dict.fromkeys(part for text in bases for part in text.split("；") if part))


def _resource(rng: random.Random, dept: _Department, subject_index: int, kind: str, edition: str,
              name: str) -> DemoResource:
    subject, category = dept.subjects[subject_index]
    statistics = kind in _STATISTICS
    items_ = _items(rng, category, kind, subject)
    personal = any(item.personal and item.sensitivity >= 3 for item in items_)
    sharing_type, condition, legal = _sharing(rng, dept, personal, subject, items_)
    if personal or sharing_type == "not_shared":
        open_type, open_condition, open_basis = "closed", "", CLOSED_PERSONAL if personal else basis(SH_OPENING, DSL_38)
    else:
        roll = rng.random()
        open_type = "open" if roll < 0.75 else "conditional" if roll < 0.9 else "closed"
        open_condition = rng.choice(_OPEN_CONDITIONS) if open_type == "conditional" else ""
        open_basis = basis(SH_OPENING, DSL_38) if open_type != "open" else ""
    base = _KIND_CLASS.get(kind) or ("301" if statistics else _BASE_CLASS.get(category, "2" + dept.theme))
    if base[0] == "1" and rng.random() < 0.3:
        base = "2" + dept.theme  # also filed under the department's theme
    sub = f"{dept.ordinal:03d}" if base[0] == "3" else f"{subject_index + 1:03d}"
    detail = f"{rng.randint(1, 20):03d}" if rng.random() < 0.3 else ""
    if statistics:
        fmt = rng.choice(("spreadsheet", "spreadsheet", "database"))
    elif category == "M" or kind.endswith("监测数据"):
        fmt = rng.choice(("service", "database"))
    else:
        fmt = rng.choice(("database",) * 17 + ("spreadsheet", "service", "file"))
    methods = {"spreadsheet": ["file"], "file": ["file"], "service": ["api"]}.get(fmt) or rng.choice(
        (["api"], ["table"], ["api", "table"], ["api", "table"]))
    cycle = "irregular" if edition in ("（历史数据）", "（2015—2019年）") else rng.choice(
        _CYCLES.get(kind, _DEFAULT_CYCLES).split())
    low, high = _LOG_COUNTS["S" if statistics else category]
    shown = "、".join(item.name for item in items_[:3])
    abstract = (f"{dept.spec.name}在{dept.work}工作中形成的{name}，包括{shown}等{len(items_)}个信息项，"
                f"{vocab.UPDATE_CYCLES[cycle]}更新。")
    draft = ResourceDraft(
        class_code=base + sub + detail, name=name, abstract=abstract, format=fmt, sharing_type=sharing_type,
        update_cycle=cycle, open_type=open_type, items=items_,
        share_methods=[] if sharing_type == "not_shared" else list(methods), sharing_condition=condition,
        open_condition=open_condition, legal_basis=_merge(legal, open_basis),
        record_count=int(10 ** rng.uniform(low, high)))
    return DemoResource(dept.spec.short_name, draft)
