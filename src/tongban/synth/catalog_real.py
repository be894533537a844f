"""The demo city's real catalog: the resources a Shanghai-like city shares, with their data items. Pure data.

The six person and entity feeds of the base databases (户籍人口基本信息, 社会保险参保信息, 婚姻登记信息, 居民健康档案,
企业登记信息, 纳税人登记信息) list exactly the feed headers, in order. 一数一源: each item code is marked authoritative
(``*``) in at most one resource, in the department where the data is born.
"""

from __future__ import annotations

from tongban.catalog.drafts import ResourceDraft
from tongban.synth.catalog import (
    CLOSED_PERSONAL, DSL_38, FIELDS, PIPL_28, PIPL_34, SECRETS, SH_OPENING, SH_SHARING, STATE_809, DemoResource, basis,
    items, parse_fields,
)

# Items only these resources have (layout of catalog._FIELDS).
REAL_FIELDS = parse_fields("""
residence_permit_number|居住证编号|s30|p3|
plate_number|号牌号码|s15|p2|
vehicle_type|车辆类型|s10|-1|GA 24.4 机动车车辆类型代码
brand_model|品牌型号|s100|-1|
vin|车辆识别代号|s17|-2|
first_registered_on|初次登记日期|d|-1|
vehicle_status|机动车状态|s10|-1|
driving_license_class|准驾车型|s10|p2|
first_licensed_on|初次领证日期|d|p2|
penalty_points|累积记分|n2|p3|
driving_license_status|驾驶证状态|s10|p2|
qualification_certificate_number|职业资格证书编号|s40|p2|
qualification_name|资格名称|s100|p2|
assistance_family_number|救助家庭编号|s30|p3|
relation_to_applicant|与申请人关系|s2|p3|GB/T 4761 家庭关系代码
assistance_type|救助类别|s10|p3|最低生活保障、特困人员供养、低收入家庭
monthly_allowance|月救助金额|c12|p3|元
assistance_status|救助状态|s10|p3|
cremation_certificate_number|火化证明编号|s30|p3|
cremated_on|火化日期|d|p3|
founding_funds|开办资金|c18|-1|万元
supervising_unit|业务主管单位|s200|-1|
star_rating|等级评定|s2|-1|
birth_certificate_number|出生医学证明编号|s20|p3|
birth_weight|出生体重|n5|p3|克
mother_name|母亲姓名|s50|p2|
mother_id_number|母亲身份证件号码|s18|p3|
father_name|父亲姓名|s50|p2|
father_id_number|父亲身份证件号码|s18|p3|
death_certificate_number|死亡医学证明编号|s20|p3|
death_place_type|死亡地点类别|s2|p3|医疗卫生机构、家中、其他
underlying_cause|根本死亡原因|s200|p4|ICD-10 编码及名称
practice_license_number|医疗机构执业许可证登记号|s40|-1|
practice_scope|诊疗科目|x2000|-1|
diagnosis|诊断|s200|p4|ICD-10
risk_level|危险性评估等级|s2|p4|0 至 5 级
food_license_number|食品经营许可证编号|s20|-1|JY 加 14 位数字
business_premises|经营场所|s200|-1|
main_business_type|主体业态|s50|-1|
operator_id_number|经营者身份证件号码|s18|p3|
tax_type|税种|s50|-1|
arrears_amount|欠税余额|c18|-1|元
announced_on|公告日期|d|-1|
property_unit_number|不动产单元号|s28|-2|GB/T 37346 二十八位不动产单元代码
property_certificate_number|不动产权证书号|s50|p3|
right_holder_id_number|权利人证件号码|s18|p3|身份证件号码或统一社会信用代码
location|坐落|s200|p3|
right_type|权利类型|s50|-2|
co_ownership|共有情况|s20|p3|单独所有、共同共有、按份共有
planning_permit_number|建设工程规划许可证号|s40|-1|
construction_scale|建设规模|x2000|-1|
address_code|标准地址编码|s30|-1|
road_name|路（街、巷）名|s100|-1|
house_number|门牌号|s20|-1|
building_number|楼号|s20|-1|
property_use|用途|s50|-2|
construction_permit_number|建筑工程施工许可证编号|s30|-1|
contractor_name|施工单位|s200|-1|
supervisor_name|监理单位|s200|-1|
student_number|全国学籍号|s19|p3|G 加身份证件号码
school_code|学校标识码|s10|-1|教育部十位学校标识码
grade|年级|s10|p2|
student_status|学籍状态|s10|p2|在读、休学、转出、毕业
guardian_phone|监护人联系电话|s20|p3|
fund_account_number|个人公积金账号|s20|p3|
deposit_status|缴存状态|s10|p2|
transport_license_number|道路运输经营许可证号|s30|-1|
route_code|线路编号|s20|-1|
route_name|线路名称|s50|-1|
start_stop|起点站|s50|-1|
end_stop|终点站|s50|-1|
route_length|线路长度|n8|-1|公里
first_departure|首班时间|s5|-1|HH:MM
last_departure|末班时间|s5|-1|HH:MM
pollutant_permit_number|排污许可证编号|s30|-1|
main_pollutants|主要污染物类别|s200|-1|
station_code|空气质量监测站点编码|s20|-1|
aqi|空气质量指数|n4|-1|
pm25|PM2.5 浓度|n6|-1|微克/立方米
pm10|PM10 浓度|n6|-1|微克/立方米
o3|臭氧浓度|n6|-1|微克/立方米
no2|二氧化氮浓度|n6|-1|微克/立方米
primary_pollutant|首要污染物|s20|-1|
lawyer_license_number|律师执业证号|s17|p2|十七位执业证号
practice_type|执业类别|s20|-1|专职、兼职、公司、公职
correction_number|社区矫正对象编号|s30|p4|
correction_type|矫正类别|s20|p4|管制、缓刑、假释、暂予监外执行
crime_name|罪名|s100|p4|
medical_insurance_type|医保险种|s10|p2|职工医保、城乡居民医保
medical_insurance_status|医保参保状态|s2|p2|
insured_on|参保日期|d|p2|
medical_institution_code|定点医药机构编码|s20|-1|国家医保信息业务编码
procurement_contract_number|政府采购合同编号|s50|-1|
purchaser_name|采购人|s200|-1|
supplier_name|供应商|s200|-1|
supplier_credit_code|供应商统一社会信用代码|s18|-1|
procurement_method|采购方式|s20|-1|公开招标、邀请招标、竞争性谈判、单一来源等
hazchem_license_number|危险化学品经营许可证编号|s40|-1|
scenic_grade|景区等级|s5|-1|A 至 AAAAA
service_branch|服役单位类别|s20|p3|
discharged_on|退役时间|d|p3|
placement_type|安置方式|s20|p3|
survey_object_code|调查对象代码|s18|-2|
drainage_permit_number|排水许可证编号|s30|-1|
handling_case_number|办件编号|s40|-2|
service_item_code|事项编码|s40|-1|
service_item_name|事项名称|s200|-1|
applicant_name|申请人名称|s200|p2|
applicant_id_number|申请人证件号码|s18|p3|
completed_at|办结时间|t|-2|
video_point_code|视频监控点位编号|s30|-2|
""", FIELDS)

# Condition and basis phrases that several resources share.
_PERSON_SCOPE = "；使用部门不得超出所申请的应用场景使用，不得向第三方提供"
_CONDITIONAL = basis(PIPL_34, SH_SHARING, STATE_809)


def _r(department: str, class_code: str, name: str, spec: str, abstract: str, *, share: str = "unconditional",
       open_: str = "closed", cycle: str = "daily", fmt: str = "database", methods: str = "api table",
       count: int | None = None, legal: str = "", condition: str = "", open_condition: str = "",
       related: tuple[str, ...] = ()) -> DemoResource:
    """One demo resource; a resource closed to the public without its own basis cites the personal-data one."""
    if not legal and (open_ != "open" or share != "unconditional"):
        legal = CLOSED_PERSONAL
    draft = ResourceDraft(class_code=class_code, name=name, abstract=abstract, format=fmt, sharing_type=share,
                          update_cycle=cycle, open_type=open_, items=items(spec, REAL_FIELDS),
                          share_methods=methods.split() if share != "not_shared" else [],
                          sharing_condition=condition if share == "conditional" else "", open_condition=open_condition,
                          legal_basis=legal, record_count=count)
    return DemoResource(department, draft, related)


C, N = "conditional", "not_shared"

DEMO_CATALOG: tuple[DemoResource, ...] = (
    # 公安局
    _r("公安局", "101001", "户籍人口基本信息", "id_number* name* sex* birth_date* ethnicity* household_address* registered_on",
       "本市常住户口登记人员的公民身份号码、姓名、性别、出生日期、民族和户籍地址，是人口综合库的基础数据，随户籍业务实时更新。",
       cycle="realtime", count=14_802_000, legal=basis(CLOSED_PERSONAL, "《中华人民共和国居民身份证法》第六条")),
    _r("公安局", "101002", "居住证信息", "residence_permit_number* id_number name sex residence_address issued_on "
       "valid_until phone",
       "来沪人员居住登记和居住证办理信息，包括居住证编号、居住地址和有效期。", share=C, count=6_850_000,
       condition="仅向教育、人社、卫健和住房保障部门共享，用于随迁子女入学、居住证积分和基本公共服务资格核验" + _PERSON_SCOPE,
       legal=basis("《居住证暂行条例》（国务院令第663号）", PIPL_34, SH_SHARING)),
    _r("公安局", "301001", "机动车登记信息", "plate_number* vin* vehicle_type brand_model owner_name owner_id_number "
       "first_registered_on vehicle_status inspection_due_on", "本市登记机动车的号牌、车辆识别代号、车型、所有人和登记状态。",
       share=C, count=5_310_000, condition="仅向交通、税务、生态环境和金融监管部门共享，用于营运资质核查、车船税征收和排放管理",
       legal=basis("《中华人民共和国道路交通安全法》", PIPL_34, SH_SHARING)),
    _r("公安局", "105001", "驾驶证信息", "id_number name driving_license_class* first_licensed_on* valid_from valid_until "
       "penalty_points* driving_license_status*", "机动车驾驶人的准驾车型、领证日期、有效期和累积记分，驾驶证号码即公民身份号码。",
       share=C, count=16_200_000, condition="仅向承担道路运输管理和一网通办身份核验职责的部门共享，按驾驶证号码逐条核验",
       legal=basis("《中华人民共和国道路交通安全法》", PIPL_34, SH_SHARING)),
    _r("浦东公安分局", "212001", "浦东新区公共视频监控点位信息", "video_point_code* facility_name=点位名称 district_code street_code "
       "longitude latitude managing_unit operating_status", "浦东新区公共安全视频监控点位的位置、管理单位和运行状态，不含视频图像。",
       share=C, cycle="weekly", count=62_000, condition="仅向城市运行管理、应急管理和交通部门共享点位位置与运行状态，不共享视频图像",
       legal=basis("《公共安全视频图像信息系统管理条例》", DSL_38, SH_SHARING)),
    # 人社局
    _r("人社局", "203001", "社会保险参保信息", "id_number name employer_credit_code insurance_status* phone updated_on",
       "本市参加职工和城乡居民社会保险人员的参保单位和参保状态，按日更新。", count=16_500_000,
       legal=basis(CLOSED_PERSONAL, "《中华人民共和国社会保险法》第八十一条"), related=("社会保险缴费记录",)),
    _r("人社局", "203002", "社会保险缴费记录", "id_number name employer_credit_code insurance_type contribution_month "
       "contribution_base personal_contribution employer_contribution payment_status", "参保人员按月、按险种的缴费基数和缴费金额明细。",
       share=C, cycle="monthly", methods="api", count=986_000_000,
       condition="仅向承担社会救助、住房保障、人才引进和积分落户审核职责的部门共享，按需核验缴费月数与缴费基数" + _PERSON_SCOPE,
       legal=basis("《中华人民共和国社会保险法》第八十一条", _CONDITIONAL)),
    _r("人社局", "203003", "就业登记信息", "id_number name employer_credit_code=用人单位统一社会信用代码 employer_name "
       "employment_type* hired_on* contract_end_on employment_status*", "劳动者就业和失业登记信息，包括用人单位、就业形式和劳动合同期限。",
       count=9_800_000),
    _r("人社局", "203004", "养老金发放信息", "id_number name pension_type pension_amount paid_month payment_status=发放状态",
       "基本养老保险待遇领取人员的待遇类别和月度发放信息。", share=C, cycle="monthly", count=5_600_000,
       condition="仅向民政、医保和退役军人事务部门共享，用于待遇重复领取比对和死亡人员待遇停发",
       legal=basis("《中华人民共和国社会保险法》第八十一条", _CONDITIONAL)),
    _r("人社局", "105002", "专业技术人员职业资格证书信息", "qualification_certificate_number* id_number name qualification_name "
       "issued_on issuing_authority", "本市核发的专业技术人员职业资格证书电子证照信息。", cycle="weekly", count=1_600_000),
    # 民政局
    _r("民政局", "101003", "婚姻登记信息", "id_number name marital_status* registered_on",
       "结婚、离婚和补领婚姻登记证的当事人身份号码、姓名、婚姻状况和登记日期。", share=C, count=9_200_000,
       condition="仅向户籍、住房保障、公积金和不动产登记部门共享，用于办理业务时核验婚姻状况" + _PERSON_SCOPE,
       legal=basis("《婚姻登记条例》", "《婚姻登记档案管理办法》", PIPL_34, SH_SHARING)),
    _r("民政局", "203005", "低保救助对象信息", "assistance_family_number* id_number name relation_to_applicant assistance_type* "
       "monthly_allowance valid_from=救助起始日期 assistance_status district_code",
       "最低生活保障、特困人员供养和低收入家庭救助对象及家庭成员的救助类别与救助金额。", share=C, cycle="monthly", count=172_000,
       condition="仅向人社、医保、教育和住房保障部门共享，用于救助对象费用减免和待遇核验，不得用于其他目的",
       legal=basis("《社会救助暂行办法》（国务院令第649号）", PIPL_28, PIPL_34)),
    _r("民政局", "301002", "殡葬服务记录", "cremation_certificate_number* id_number name death_date cremated_on "
       "service_unit=殡仪馆名称", "殡仪馆火化和殡葬服务记录，是户籍注销和待遇停发的依据之一。", share=C, count=2_100_000,
       condition="仅向公安、人社、医保和卫健部门共享，用于户籍注销和死亡人员待遇停发",
       legal=basis("《殡葬管理条例》", PIPL_34, SH_SHARING), related=("死亡医学证明",)),
    _r("民政局", "102003", "社会组织登记信息", "credit_code org_name=社会组织名称 org_type=社会组织类型 legal_rep_name "
       "founding_funds* supervising_unit* established_on registration_status domicile business_scope=业务范围",
       "社会团体、民办非企业单位和基金会的登记信息。", open_="open", count=17_500),
    _r("民政局", "210002", "养老机构名录", "org_name=养老机构名称 credit_code address district_code beds_total "
       "org_type=经营性质 star_rating* office_phone", "本市备案养老机构的名称、地址、床位数和等级评定结果。",
       open_="open", cycle="monthly", methods="api file", count=730),
    # 卫健委
    _r("卫健委", "202001", "居民健康档案", "name sex birth_date id_number residence_address phone death_date updated_on",
       "社区卫生服务中心为居民建立的健康档案基本信息，部分早期建档记录缺少公民身份号码。", share=C, count=21_500_000,
       condition="仅共享档案基本信息项，不含诊疗记录；仅向医保、民政和残联部门共享，用于待遇核验和健康服务",
       legal=basis("《中华人民共和国基本医疗卫生与健康促进法》第九十二条", PIPL_28, PIPL_34)),
    _r("卫健委", "105003", "出生医学证明", "birth_certificate_number* name sex birth_time birth_weight "
       "service_unit=助产机构 mother_name mother_id_number father_name father_id_number issued_on",
       "助产机构签发的出生医学证明信息，是新生儿落户和参保的依据。", share=C, count=3_400_000,
       condition="仅向公安户籍、医保参保登记部门共享，用于新生儿出生一件事办理",
       legal=basis("《中华人民共和国母婴保健法》", "《中华人民共和国未成年人保护法》第七十二条", PIPL_34),
       related=("户籍人口基本信息",)),
    _r("卫健委", "101004", "死亡医学证明", "death_certificate_number* name sex id_number death_date* death_place_type "
       "underlying_cause issuing_authority=签发机构 issued_on", "医疗卫生机构签发的居民死亡医学证明（推断）书信息。",
       share=C, count=2_600_000,
       condition="向公安（户籍注销）、民政（殡葬）、人社和医保（待遇停发）部门共享；根本死亡原因仅向疾病预防控制机构共享",
       legal=basis("《中华人民共和国基本医疗卫生与健康促进法》第九十二条", PIPL_28, PIPL_34),
       related=("殡葬服务记录",)),
    _r("卫健委", "202002", "医疗机构执业登记信息", "practice_license_number* org_name=医疗机构名称 credit_code "
       "org_type=医疗机构类别 address beds_total practice_scope valid_until", "本市医疗机构执业登记和校验信息。",
       open_="open", cycle="weekly", count=6_400),
    _r("卫健委", "202003", "严重精神障碍患者管理信息", "id_number name diagnosis risk_level* service_unit=管理机构 "
       "operating_status=管理状态", "在册严重精神障碍患者的诊断、危险性评估和随访管理信息。", share=N, count=91_000,
       legal=basis("《中华人民共和国精神卫生法》第四条", PIPL_28)),
    # 市场监管局
    _r("市场监管局", "102001", "企业登记信息", "credit_code* company_name* company_type* legal_rep_name* legal_rep_id_number* "
       "registered_capital* established_on* registration_status* domicile* business_scope* updated_on",
       "在本市登记的企业的登记事项，是法人综合库的基础数据。", open_=C, count=3_270_000,
       open_condition="仅开放已依法公示的信息项；法定代表人身份号码不开放",
       legal=basis("《企业信息公示暂行条例》（国务院令第654号）", CLOSED_PERSONAL), related=("纳税人登记信息",)),
    _r("市场监管局", "104001", "行政处罚信息", "penalty_decision_number* party_name credit_code violation_facts penalty_basis "
       "penalty_type penalty_amount penalty_decided_on enforcement_authority", "市场监管部门作出的行政处罚决定，按规定向社会公示。",
       open_="open", count=410_000),
    _r("市场监管局", "105004", "食品经营许可信息", "food_license_number* company_name=经营者名称 credit_code legal_rep_name "
       "business_premises main_business_type license_scope=经营项目 issued_on valid_until issuing_authority",
       "食品经营许可证的持证主体、经营场所、主体业态和有效期。", open_="open", methods="api file", count=240_000),
    _r("闵行市场监管局", "102004", "闵行区个体工商户登记信息", "credit_code company_name=个体工商户名称 "
       "name=经营者姓名 operator_id_number established_on registration_status business_address=经营场所 business_scope",
       "闵行区登记的个体工商户，包括经营者和经营场所。", count=95_000),
    # 税务局
    _r("税务局", "102002", "纳税人登记信息", "credit_code taxpayer_name* tax_registration_status* business_address* updated_on",
       "办理税务登记的纳税人名称、状态和生产经营地址。", count=3_580_000,
       legal=basis("《中华人民共和国税收征收管理法》第八条", CLOSED_PERSONAL), related=("企业登记信息",)),
    _r("税务局", "104002", "欠税公告信息", "taxpayer_name credit_code legal_rep_name business_address tax_type arrears_amount "
       "announced_on", "依法定期公告的纳税人欠缴税款情况。", open_="open", cycle="quarterly", count=12_000),
    _r("税务局", "104003", "纳税信用A级纳税人名单", "credit_code taxpayer_name credit_rating report_year=评价年度",
       "年度纳税信用评价为A级的纳税人名单。", open_="open", cycle="yearly", fmt="spreadsheet", methods="file", count=86_000),
    # 规划资源局
    _r("规划资源局", "103001", "不动产登记信息", "property_unit_number* property_certificate_number* owner_name=权利人 "
       "right_holder_id_number location right_type* property_use building_area co_ownership registered_on",
       "土地、房屋等不动产的权利人、坐落、用途、面积和登记信息。", share=C, count=9_800_000,
       condition="仅向住房保障、公积金、税务、法院和民政部门共享，按不动产单元号或权利人证件号码查询，用于法定职责",
       legal=basis("《不动产登记暂行条例》第二十七条、第二十八条", PIPL_34, SH_SHARING)),
    _r("规划资源局", "209001", "建设工程规划许可", "planning_permit_number* project_name builder_name builder_credit_code "
       "project_location construction_scale issued_on", "核发的建设工程规划许可证及其建设规模。", open_="open", count=38_000,
       related=("浦东新区建设工程许可",)),
    _r("规划资源局", "103002", "标准地址库", "address_code* district_code street_code road_name house_number "
       "building_number address=标准地址 longitude latitude", "全市标准地址，按区、街镇、路、门牌和楼号编码，带坐标。",
       open_=C, cycle="weekly", count=3_900_000, open_condition="坐标经脱密处理后开放，精度不高于百米",
       legal=basis("《中华人民共和国测绘法》", SH_OPENING)),
    # 住建委、区行政服务中心
    _r("浦东服务中心", "209002", "浦东新区建设工程许可", "construction_permit_number* project_name project_location builder_name "
       "builder_credit_code contractor_name supervisor_name total_investment=合同价格 building_area issued_on",
       "浦东新区核发的建筑工程施工许可证信息。", open_="open", count=21_000),
    _r("住建委", "301013", "建筑业企业资质信息", "credit_code company_name license_number=资质证书编号 license_scope=资质类别及等级 "
       "issued_on valid_until", "本市建筑业企业的资质类别、等级和有效期。", open_="open", cycle="weekly", count=27_000),
    _r("黄浦服务中心", "201004", "黄浦区政务服务事项办件统计", "stat_period service_item_code service_item_name "
       "indicator_name indicator_value unit", "黄浦区各政务服务事项按月的受理、办结和按时办结情况。", open_="open",
       cycle="monthly", fmt="spreadsheet", methods="file", count=5_400),
    _r("徐汇服务中心", "210001", "徐汇区社区食堂名录", "facility_name=社区食堂名称 address street_code managing_unit=运营单位 "
       "capacity=座位数 office_phone", "徐汇区为老年人和社区居民提供助餐服务的社区食堂。", open_="open", cycle="monthly",
       methods="api file", count=85),
    # 教委
    _r("教委", "201002", "学籍信息", "student_number* id_number name sex birth_date school_code org_name=学校名称 grade "
       "student_status valid_from=入学日期 contact_name=监护人姓名 guardian_phone", "本市中小学生的电子学籍信息。",
       share=C, cycle="weekly", count=1_900_000, condition="仅向公安户籍、卫健预防接种查验和民政困难学生资助部门共享，按学籍号核验",
       legal=basis("《中华人民共和国未成年人保护法》第七十二条", PIPL_28, PIPL_34)),
    _r("教委", "201001", "学校基本信息", "school_code* org_name=学校名称 org_type=办学类型 managing_unit=举办者 address "
       "district_code established_on office_phone", "本市各级各类学校的名称、标识码、办学类型和地址。", open_="open",
       cycle="yearly", count=3_400),
    # 公积金中心
    _r("公积金中心", "203006", "住房公积金缴存信息", "fund_account_number* id_number name employer_credit_code=缴存单位统一社会信用代码 "
       "employer_name=缴存单位名称 contribution_base=缴存基数 personal_contribution=月缴存额 deposit_status paid_month=缴至年月 "
       "updated_on", "职工住房公积金账户的缴存基数、缴存额和缴存状态。", share=C, cycle="monthly", count=9_600_000,
       condition="仅向住房保障、不动产登记和税务部门共享，用于住房保障资格审核和公积金贷款审核",
       legal=basis("《住房公积金管理条例》", _CONDITIONAL)),
    # 交通委
    _r("交通委", "301003", "道路运输经营许可信息", "transport_license_number* company_name=经营者名称 credit_code "
       "license_scope=经营范围 issued_on valid_until license_status", "道路旅客和货物运输经营许可。", open_="open", count=42_000),
    _r("交通委", "301004", "公交线路信息", "route_code* route_name managing_unit=运营企业 start_stop end_stop "
       "route_length first_departure last_departure", "本市公交线路的走向、长度和首末班时间。",
       open_="open", cycle="monthly", methods="api file", count=1_580),
    # 生态环境局、水务局
    _r("生态环境局", "211001", "排污许可信息", "pollutant_permit_number* company_name=单位名称 credit_code industry_code "
       "address=生产经营场所地址 main_pollutants valid_from valid_until issuing_authority", "排污单位的排污许可证信息。",
       open_="open", cycle="weekly", count=9_800),
    _r("生态环境局", "211002", "空气质量监测数据", "station_code* monitoring_point_name=站点名称 monitored_at aqi pm25 pm10 o3 no2 "
       "primary_pollutant", "国控和市控空气质量监测站点的逐小时监测数据。", open_="open", cycle="realtime", fmt="service",
       methods="api", count=3_100_000),
    _r("水务局", "211003", "排水许可信息", "drainage_permit_number* company_name=排水户名称 credit_code address capacity=排水量 "
       "issued_on valid_until", "城镇排水户的排水许可证信息。", open_="open", cycle="weekly", count=26_000),
    # 司法局
    _r("司法局", "105005", "律师执业信息", "lawyer_license_number* name sex org_name=执业机构 "
       "credit_code=执业机构统一社会信用代码 practice_type first_licensed_on=首次执业日期 license_status=执业状态",
       "本市执业律师及其执业机构信息。", open_=C,
       cycle="weekly", count=39_000, open_condition="仅开放执业证号、姓名、执业机构和执业状态，供公众查询核验",
       legal=basis("《律师执业管理办法》", PIPL_34)),
    _r("司法局", "301005", "社区矫正对象信息", "correction_number* id_number name correction_type crime_name "
       "valid_from=矫正起始日期 valid_until=矫正终止日期 service_unit=执行地司法所", "社区矫正对象的矫正类别、期限和执行地。",
       share=N, count=8_500, legal=basis("《中华人民共和国社区矫正法》", PIPL_28)),
    # 医保局
    _r("医保局", "203007", "医疗保险参保信息", "id_number name medical_insurance_type* medical_insurance_status* insured_on "
       "employer_credit_code updated_on", "职工基本医疗保险和城乡居民基本医疗保险的参保信息。", count=19_500_000,
       legal=basis(CLOSED_PERSONAL, "《医疗保障基金使用监督管理条例》")),
    _r("医保局", "202004", "医保定点医药机构名录", "medical_institution_code* org_name=机构名称 credit_code org_type=机构类别 "
       "address district_code", "本市医保定点医疗机构和定点零售药店。", open_="open", cycle="monthly", count=4_900),
    # 其他委办局
    _r("财政局", "301006", "政府采购合同信息", "procurement_contract_number* project_name purchaser_name "
       "supplier_name supplier_credit_code procurement_method amount=合同金额 paid_on=签订日期",
       "政府采购合同的采购人、供应商、采购方式和金额，依法公告。", open_="open", count=160_000),
    _r("发改委", "209003", "固定资产投资项目审批信息", "project_code* project_name builder_name builder_credit_code "
       "total_investment approval_number* published_on=批复日期", "企业投资项目核准、备案和政府投资项目审批信息。",
       open_="open", count=58_000),
    _r("应急局", "205001", "危险化学品经营许可信息", "hazchem_license_number* company_name credit_code legal_rep_name "
       "address=经营场所地址 license_scope issued_on valid_until", "危险化学品经营许可证的持证单位、许可范围和有效期。",
       open_="open", cycle="weekly", count=4_200),
    _r("文旅局", "301007", "A级旅游景区名录", "facility_name=景区名称 scenic_grade* address district_code capacity=最大承载量",
       "本市A级旅游景区的等级和最大承载量。", open_="open", cycle="irregular", methods="api file", count=140),
    _r("退役军人局", "203008", "退役军人信息", "id_number name sex service_branch* discharged_on* placement_type* "
       "residence_address phone", "本市退役军人的服役、退役和安置信息。", share=C, cycle="monthly", count=630_000,
       condition="仅向人社、医保和住房保障部门共享，用于优待抚恤和就业安置",
       legal=basis("《中华人民共和国退役军人保障法》", PIPL_28, PIPL_34)),
    _r("统计局", "301008", "统计调查对象原始资料", "survey_object_code* org_name=单位详细名称 credit_code industry_code "
       "stat_period indicator_code indicator_value", "联网直报统计调查对象报送的原始资料。", share=N, count=2_800_000,
       legal=basis("《中华人民共和国统计法》", "《中华人民共和国统计法实施条例》", SECRETS)),
    _r("统计局", "301009", "国民经济主要指标", "stat_period region_code region_name indicator_code indicator_name "
       "indicator_value unit stat_caliber", "全市和各区国民经济主要指标的月度和年度数据。", open_="open", cycle="monthly",
       fmt="spreadsheet", methods="file", count=24_000),
    _r("商务委", "301010", "单用途预付卡发卡企业备案信息", "credit_code company_name filing_number* filed_on address "
       "filing_status", "单用途商业预付卡发卡企业的备案信息。", open_="open", cycle="weekly", count=11_000),
    _r("经信委", "301011", "专精特新中小企业名单", "credit_code company_name industry_code district_code report_year=认定年度",
       "认定的专精特新中小企业名单。", open_="open", cycle="yearly", fmt="spreadsheet", methods="file", count=10_200),
    _r("农业农村委", "301012", "农药经营许可信息", "license_number=农药经营许可证编号 company_name credit_code "
       "address=经营场所 license_scope issued_on valid_until", "农药经营单位的许可信息。", open_="open", cycle="monthly",
       count=1_200),
    _r("大数据中心", "201003", "一网通办办件信息", "handling_case_number* service_item_code* service_item_name* applicant_name "
       "applicant_id_number handling_unit received_at completed_at case_status", "一网通办平台受理的办件及办理状态。",
       share=C, cycle="realtime", count=420_000_000,
       condition="事项所属部门及监察部门可获取办件全量信息；其他部门仅可按办件编号查询办理状态",
       legal=_CONDITIONAL),
)
