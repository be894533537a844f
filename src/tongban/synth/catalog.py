"""Building blocks of the demo catalog: the demo resource record, the data-item dictionary and legal bases. Pure data.

The dictionary gives every item code one meaning, one data type and one length wherever it appears, so the same code
in two departments' resources is the same data (what 一数一源 and the base databases rely on). The real demo
resources are in ``catalog_real``; the generator for catalogs at scale is in ``catalog_scale``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.catalog.drafts import ItemDraft, ResourceDraft


@dataclass(frozen=True)
class DemoResource:
    """One resource of the demo catalog: its department (a short name of the demo city) and the draft to register.

    ``related`` names other demo resources of the same catalog (by name), to be turned into related resource codes
    once those exist. The draft is mutable: copy it (``ResourceDraft.from_dict(d.as_dict())``) before changing it.
    """

    department: str
    draft: ResourceDraft
    related: tuple[str, ...] = ()


# Legal bases, cited as departments cite them.
PIPL_25 = "《中华人民共和国个人信息保护法》第二十五条"
PIPL_28 = "《中华人民共和国个人信息保护法》第二十八条"
PIPL_34 = "《中华人民共和国个人信息保护法》第三十四条"
DSL_38 = "《中华人民共和国数据安全法》第三十八条"
GOV_INFO_15 = "《中华人民共和国政府信息公开条例》第十五条"
SH_SHARING = "《上海市公共数据和一网通办管理办法》（沪府令9号）"
SH_OPENING = "《上海市公共数据开放暂行办法》（沪府令21号）"
STATE_809 = "《政务数据共享条例》（国务院令第809号）"
SECRETS = "《中华人民共和国保守国家秘密法》"


def basis(*parts: str) -> str:
    """Several legal bases as one field."""
    return "；".join(parts)


# Personal data is not opened: PIPL art. 25 (no publication without separate consent) and the disclosure
# exemption for personal privacy.
CLOSED_PERSONAL = basis(PIPL_25, GOV_INFO_15)

_TYPES = {"s": "string", "n": "number", "c": "currency", "d": "date", "t": "datetime", "b": "boolean", "x": "text",
          "y": "binary"}

# code | Chinese name | type and length (s18: string of 18; d, t, b: none) | p(ersonal) or -, sensitivity 1-4 | notes
_FIELDS = """
id_number|公民身份号码|s18|p3|GB 11643 十八位公民身份号码
name|姓名|s50|p2|
sex|性别|s1|p2|GB/T 2261.1：1 男，2 女，0 未知，9 未说明
birth_date|出生日期|d|p2|
birth_time|出生时间|t|p2|
ethnicity|民族|s2|p3|GB/T 3304 民族代码
nationality|国籍|s3|p2|GB/T 2659 国家和地区代码
id_type|证件类型|s2|p2|身份证件类型代码
education_level|学历|s2|p2|GB/T 4658 学历代码
household_address|户籍地址|s200|p3|常住户口登记地址
residence_address|居住地址|s200|p3|实际居住地址
phone|联系电话|s20|p3|手机或固定电话号码
marital_status|婚姻状况|s2|p3|GB/T 4766：10 未婚，20 已婚，30 丧偶，40 离婚，90 未说明
death_date|死亡日期|d|p3|
registered_on|登记日期|d|-2|
updated_on|更新日期|d|-1|数据最近一次变更的日期
district_code|所属区|s6|-1|GB/T 2260 区级行政区划代码
street_code|所属街镇|s9|-1|GB/T 10114 乡镇街道代码
address|地址|s200|-1|
longitude|经度|n12|-1|CGCS2000 坐标，度
latitude|纬度|n12|-1|CGCS2000 坐标，度
employer_credit_code|参保单位统一社会信用代码|s18|-1|GB 32100
employer_name|单位名称|s200|-1|
insurance_status|参保状态|s2|p2|1 正常参保，2 暂停缴费，3 终止参保
insurance_type|险种类型|s3|-1|养老、医疗、失业、工伤、生育
contribution_month|缴费年月|s6|-2|YYYYMM
contribution_base|缴费基数|c12|p3|元
personal_contribution|个人缴费金额|c12|p3|元
employer_contribution|单位缴费金额|c12|-2|元
payment_status|到账状态|s2|-2|
employment_type|就业形式|s2|-1|单位就业、灵活就业、自主创业
hired_on|录用日期|d|p2|
contract_end_on|劳动合同终止日期|d|p2|
employment_status|就业状态|s2|p2|
pension_type|待遇类别|s2|-1|
pension_amount|月养老金|c12|p3|元
paid_month|发放年月|s6|-1|YYYYMM
credit_code|统一社会信用代码|s18|-1|GB 32100 十八位统一社会信用代码
company_name|企业名称|s200|-1|
company_type|企业类型|s100|-1|如有限责任公司（自然人投资或控股）
legal_rep_name|法定代表人姓名|s50|p2|依法公示
legal_rep_id_number|法定代表人身份号码|s18|p3|
registered_capital|注册资本|c18|-1|万元人民币
established_on|成立日期|d|-1|
registration_status|登记状态|s20|-1|存续、在业、吊销、注销、迁出
domicile|住所|s200|-1|
business_scope|经营范围|x4000|-1|
taxpayer_name|纳税人名称|s200|-1|
tax_registration_status|登记状态|s20|-2|正常、非正常、停业、注销
business_address|生产经营地址|s200|-1|
org_name|机构名称|s200|-1|
org_type|机构类型|s50|-1|
office_phone|办公电话|s20|-1|
contact_name|联系人|s50|p2|
industry_code|行业代码|s5|-1|GB/T 4754 国民经济行业分类
employee_count|从业人员数|n8|-2|
operating_status|运营状态|s20|-1|
beds_total|床位数|n6|-1|
capacity|设计容量|n10|-1|
built_on|建成日期|d|-1|
facility_code|设施编号|s32|-1|
facility_name|设施名称|s200|-1|
facility_type|设施类型|s50|-1|
managing_unit|管理单位|s200|-1|
managing_unit_credit_code|管理单位统一社会信用代码|s18|-1|GB 32100
project_code|项目代码|s24|-1|投资项目统一代码
project_name|项目名称|s200|-1|
project_location|建设地点|s200|-1|
builder_name|建设单位|s200|-1|
builder_credit_code|建设单位统一社会信用代码|s18|-1|GB 32100
total_investment|总投资|c18|-1|万元
building_area|建筑面积|n12|-1|平方米
planned_start_on|计划开工日期|d|-1|
planned_completion_on|计划竣工日期|d|-1|
project_status|项目状态|s20|-1|
case_number|业务编号|s40|-2|
case_type|业务类型|s50|-2|
case_source|业务来源|s50|-2|
party_name|当事人名称|s200|p2|
occurred_at|发生时间|t|-2|
handling_unit|办理单位|s200|-1|
handled_on|办结日期|d|-2|
handling_result|处理结果|x2000|-2|
case_status|办理状态|s20|-2|
monitoring_point_code|监测点位编号|s32|-1|
monitoring_point_name|监测点位名称|s100|-1|
monitored_at|监测时间|t|-1|
indicator_code|指标代码|s20|-1|
indicator_name|指标名称|s100|-1|
indicator_value|指标值|n18|-1|
unit|计量单位|s20|-1|
standard_value|标准限值|n18|-1|
exceeds_standard|是否超标|b|-1|
warning_level|预警等级|s10|-1|
equipment_number|设备编号|s40|-1|
model|型号|s100|-1|
manufacturer|制造单位|s200|-1|
owner_name|所有人名称|s200|p2|
owner_id_number|所有人身份证件号码|s18|p3|
inspection_due_on|下次检验日期|d|-1|
use_status|使用状态|s20|-1|
fiscal_year|预算年度|s4|-1|
fund_item_code|资金项目编码|s30|-1|
fund_item_name|资金项目名称|s200|-1|
budget_unit|预算单位|s200|-1|
amount|金额|c18|-1|元
fund_source|资金来源|s50|-1|
payee_name|收款人名称|s200|p2|
payee_account|收款账号|s40|p4|
paid_on|支付日期|d|-2|
stat_period|统计期|s10|-1|YYYY、YYYYQn 或 YYYYMM
region_code|统计区域代码|s12|-1|GB/T 2260 / GB/T 10114
region_name|统计区域名称|s50|-1|
stat_caliber|统计口径|s200|-1|
published_on|发布日期|d|-1|
license_number|许可证编号|s50|-1|
license_scope|许可范围|x2000|-1|
issued_on|发证日期|d|-1|
valid_from|有效期起|d|-1|
valid_until|有效期至|d|-1|
issuing_authority|发证机关|s200|-1|
license_status|许可状态|s20|-1|有效、注销、撤销、过期
filing_number|备案编号|s50|-1|
filed_on|备案日期|d|-1|
filing_authority|备案机关|s200|-1|
filing_status|备案状态|s20|-1|
registration_number|登记编号|s50|-1|
registration_authority|登记机关|s200|-1|
penalty_decision_number|行政处罚决定书文号|s100|-1|
violation_facts|违法事实|x4000|-2|
penalty_basis|处罚依据|x2000|-1|
penalty_type|处罚类别|s50|-1|警告、罚款、没收违法所得、责令停产停业、吊销许可证件等
penalty_amount|罚款金额|c18|-1|万元
penalty_decided_on|处罚决定日期|d|-1|
enforcement_authority|处罚机关|s200|-1|
inspection_number|检查编号|s50|-2|
inspected_on|检查日期|d|-2|
inspection_type|检查类型|s20|-1|双随机抽查、专项检查、日常检查
inspection_result|检查结果|s200|-2|
inspecting_unit|检查单位|s200|-1|
rectification_status|整改情况|s200|-2|
report_year|报告年度|s4|-1|
submitted_on|报送日期|d|-1|
operating_revenue|营业收入|c18|-2|万元
report_status|报送状态|s20|-1|
deregistered_on|注销日期|d|-1|
deregistration_reason|注销原因|s200|-1|
change_item|变更事项|s100|-2|
value_before|变更前内容|x2000|-2|
value_after|变更后内容|x2000|-2|
changed_on|变更日期|d|-2|
service_type|服务类型|s50|-2|
served_on|服务日期|d|-2|
service_unit|服务机构|s200|-1|
service_result|服务结果|s200|-2|
subsidy_type|补贴类型|s50|-2|
subsidy_amount|补贴金额|c12|p3|元
complaint_number|投诉举报编号|s40|-2|
complaint_channel|受理渠道|s20|-2|12345 热线、网站、来信、来访
complaint_content|投诉举报内容|x4000|p3|
received_at|受理时间|t|-2|
credit_rating|信用等级|s10|-1|
rated_on|评价日期|d|-1|
rating_authority|评价机关|s200|-1|
patrol_number|巡查编号|s40|-2|
patrolled_at|巡查时间|t|-2|
problem_found|发现问题|x2000|-2|
acceptance_number|验收编号|s50|-1|
accepted_on|验收日期|d|-1|
acceptance_result|验收结论|s200|-1|
progress_stage|形象进度|s50|-1|
progress_percent|完成比例|n5|-1|百分比
reported_on|填报日期|d|-1|
approval_number|批复文号|s100|-1|
approved_on|批复日期|d|-1|
approving_authority|审批部门|s200|-1|
certificate_number|证照编号|s50|-2|
certificate_type|证照类型|s50|-1|
holder_name|持证主体名称|s200|p2|
holder_code|持证主体代码|s18|p3|公民身份号码或统一社会信用代码
verified_at|核验时间|t|-2|
verifying_unit|核验单位|s200|-1|
verification_result|核验结果|s20|-2|
"""


Field = tuple[str, str, int | None, str, bool, int]  # name, data type, length, description, personal, sensitivity


def parse_fields(table: str, base: dict[str, Field] | None = None) -> dict[str, Field]:
    """The dictionary in ``table`` (layout of ``_FIELDS``) added to ``base``; a code may be defined only once."""
    fields = dict(base or {})
    for line in table.strip().splitlines():
        code, name, kind, flags, note = line.split("|")
        if code in fields:
            raise ValueError(f"item code defined twice: {code}")
        length = int(kind[1:]) if len(kind) > 1 else None
        fields[code] = (name, _TYPES[kind[0]], length, note, flags[0] == "p", int(flags[1]))
    return fields


# The shared dictionary; catalog_real adds the items only its resources have.
FIELDS = parse_fields(_FIELDS)


def item(code: str, fields: dict[str, Field] = FIELDS, *, name: str | None = None,
         authoritative: bool = False) -> ItemDraft:
    """A fresh ItemDraft for a dictionary code (optionally under a resource-specific Chinese name)."""
    label, data_type, length, note, personal, sensitivity = fields[code]
    return ItemDraft(name or label, code, data_type, length, note, personal, sensitivity, authoritative)


def items(spec: str, fields: dict[str, Field] = FIELDS) -> list[ItemDraft]:
    """Items from a compact list: ``"id_number* name employer_credit_code=用人单位统一社会信用代码"``.

    A trailing ``*`` marks this resource as the authoritative source (数源) of the item; ``=名称`` renames it here.
    """
    out = []
    for word in spec.split():
        code, _, name = word.partition("=")
        out.append(item(code.rstrip("*"), fields, name=name or None, authoritative=code.endswith("*")))
    return out
