"""What the validation rules of the base databases know: the rule registry, the code tables and the character table.

Every finding names a rule of :data:`RULES`: a stable code, its GB/T 36344 quality dimension, a severity (``hard``: the
row goes to quarantine; ``soft``: the value is dropped or kept with a flag) and an English msgid whose placeholders are
the finding's ``item`` and ``value``. The code tables map the codes and the words departments write to one canonical
code. :data:`T2S` maps single traditional characters to simplified ones; it is generated, see its comment. Then
come the regular expressions (RE2, as DuckDB runs them) and the SQL expressions of single values that
tongban.registry.rules builds its query from; they are pure functions of SQL text, re-exported there.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from tongban.standards import HISTORICAL_SHANGHAI, PROVINCES, SHANGHAI_DISTRICTS, USCC_CHARSET

DIMENSIONS: dict[str, str] = {
    "conformance": "规范性", "completeness": "完整性", "accuracy": "准确性",
    "consistency": "一致性", "timeliness": "时效性", "accessibility": "可访问性",
}  # fmt: skip


def _(message: str) -> str:
    """Mark an English msgid for the message catalog; it is translated where a finding is shown."""
    return message


@dataclass(frozen=True)
class Rule:
    """A validation rule: its code, quality dimension, severity and English message (placeholders item, value)."""

    code: str
    dimension: str
    severity: str  # "hard" | "soft"
    message: str


_RULES = (
    Rule("value.missing", "completeness", "soft", _("{item} is empty")),
    Rule("name.missing", "completeness", "hard", _("{item} is empty: a row without a name cannot be used")),
    Rule("name.invalid", "conformance", "soft", _("{value} contains characters that do not belong in a name")),
    Rule("person.no_key", "completeness", "hard",
         _("The person cannot be identified: there is no name, or no usable citizen ID number "
           "and nothing to link the row by (a birth date, an 18-character number in the ID's form, a phone)")),
    Rule("entity.no_key", "completeness", "hard",
         _("The entity cannot be identified: neither a unified social credit code nor a name")),
    Rule("idcard.format", "conformance", "soft", _("{value} is not a 15- or 18-character citizen ID number")),
    Rule("idcard.division", "accuracy", "soft", _("{value} does not start with a province code")),
    Rule("idcard.birth_date", "accuracy", "soft", _("{value} does not contain a real birth date")),
    Rule("idcard.checksum", "accuracy", "soft", _("The check character of {value} is wrong")),
    Rule("idcard.old_format", "conformance", "soft",
         _("{value} is an old 15-digit number: it was upgraded to 18 characters")),
    Rule("idcard.division_unknown", "accuracy", "soft",
         _("The first six digits of {value} are not a known GB/T 2260 division code")),
    Rule("credit_code.format", "conformance", "soft", _("{value} is not an 18-character unified social credit code")),
    Rule("credit_code.checksum", "accuracy", "soft", _("The check character of {value} is wrong")),
    Rule("credit_code.org_checksum", "accuracy", "soft",
         _("The organisation code inside {value} has a wrong check character")),
    Rule("credit_code.division", "conformance", "soft", _("Characters 3 to 8 of {value} are not a division code")),
    Rule("date.invalid", "conformance", "soft", _("{value} is not a date such as 2024-05-31")),
    Rule("date.invalid_required", "conformance", "hard",
         _("{value} is not a date such as 2024-05-31, and {item} is required")),
    Rule("date.future", "accuracy", "soft", _("{value} is in the future")),
    Rule("date.too_early", "accuracy", "soft", _("{value} is before 1900")),
    Rule("sex.unknown", "conformance", "soft",
         _("{value} is not a sex code of GB/T 2261.1 (1 male, 2 female, 0 unknown, 9 not stated)")),
    Rule("ethnicity.unknown", "conformance", "soft", _("{value} is not an ethnic group code or name of GB/T 3304")),
    Rule("marital_status.unknown", "conformance", "soft", _("{value} is not a marital status code of GB/T 4766")),
    Rule("insurance_status.unknown", "conformance", "soft", _("{value} is not a known insurance status")),
    Rule("registration_status.unknown", "conformance", "soft", _("{value} is not a known registration status")),
    Rule("phone.invalid", "conformance", "soft", _("{value} is neither a mobile number nor a Shanghai landline")),
    Rule("capital.invalid", "conformance", "soft", _("{value} is not an amount of money")),
    Rule("capital.currency", "conformance", "soft",
         _("{value} is not in renminbi: the amount was not converted")),
    Rule("address.district_unknown", "completeness", "soft", _("No Shanghai district can be read from {value}")),
    Rule("address.district_historical", "timeliness", "soft",
         _("{value} names a district that no longer exists: the current district is used")),
    Rule("cross.birth_date_mismatch", "consistency", "soft",
         _("The birth date {value} differs from the one in the citizen ID number")),
    Rule("cross.sex_mismatch", "consistency", "soft",
         _("The sex {value} differs from the one the citizen ID number encodes")),
    Rule("cross.death_before_birth", "consistency", "soft", _("The death date {value} is before the birth date")),
    Rule("address.no_key", "completeness", "hard",
         _("The standard address cannot be used: it has no valid address code")),
    Rule("address_code.format", "conformance", "soft", _("{value} is not a standard address code of 24 digits")),
    Rule("address_code.district_mismatch", "consistency", "soft",
         _("The address code {value} belongs to another district than the district code")),
    Rule("district.unknown", "conformance", "soft", _("{value} is not a Shanghai district code of GB/T 2260")),
    Rule("district.historical", "timeliness", "soft", _("{value} is a retired district code: the current one is used")),
    Rule("street_code.format", "conformance", "soft", _("{value} is not a nine-digit street or town code")),
    Rule("street_code.district_mismatch", "consistency", "soft",
         _("The street or town code {value} belongs to another district than the district code")),
    Rule("coordinate.invalid", "conformance", "soft", _("{value} is not a coordinate in decimal degrees")),
    Rule("coordinate.outside", "accuracy", "soft",
         _("{value} does not lie in Shanghai: the address's coordinates are dropped")),
)
RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}

# GB/T 2261.1 sex codes, and the words and letters departments write for them.
SEX: dict[str, str] = {
    "1": "1", "男": "1", "男性": "1", "M": "1", "MALE": "1",
    "2": "2", "女": "2", "女性": "2", "F": "2", "FEMALE": "2",
    "0": "0", "未知": "0", "未知的性别": "0", "9": "9", "未说明": "9", "未说明的性别": "9",
}  # fmt: skip

# GB/T 3304 ethnic groups in code order (01 汉族 … 56 基诺族), then 97 and 98.
_ETHNIC_NAMES = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
ETHNICITY: dict[str, str] = {
    **{f"{code:02d}": f"{code:02d}" for code in range(1, 57)},
    **{str(code): f"{code:02d}" for code in range(1, 10)},
    **{name + "族": f"{code:02d}" for code, name in enumerate(_ETHNIC_NAMES, start=1)},
    **{name: f"{code:02d}" for code, name in enumerate(_ETHNIC_NAMES, start=1)},
    "97": "97", "其他": "97", "其他未识别民族": "97", "未识别民族": "97",
    "98": "98", "外国血统中国籍人士": "98", "外国血统": "98", "入籍": "98",
}

# GB/T 4766 (GB/T 2261.2) marital status codes.
MARITAL_STATUS: dict[str, str] = {
    "10": "10", "未婚": "10", "20": "20", "已婚": "20", "有配偶": "20", "21": "21", "初婚": "21", "22": "22",
    "再婚": "22", "23": "23", "复婚": "23", "30": "30", "丧偶": "30", "40": "40", "离婚": "40", "90": "90",
    "未说明": "90", "未说明的婚姻状况": "90",
}  # fmt: skip

# Social insurance status: 1 参保缴费, 2 暂停缴费, 3 终止参保 (the demo catalog's codes; local systems vary).
INSURANCE_STATUS: dict[str, str] = {
    "1": "1", "参保缴费": "1", "正常参保": "1", "正常缴费": "1", "正常": "1", "参保": "1",
    "2": "2", "暂停缴费": "2", "暂停参保": "2", "中断缴费": "2", "暂停": "2", "中断": "2",
    "3": "3", "终止参保": "3", "终止缴费": "3", "终止": "3", "退保": "3",
}  # fmt: skip

# Company registration status as the enterprise credit information system names it; 在业/在营/开业/在册 mean 存续.
REGISTRATION_STATUS: dict[str, str] = {
    "存续": "存续", "在业": "存续", "在营": "存续", "开业": "存续", "在册": "存续", "存续(在营、开业、在册)": "存续",
    "吊销": "吊销", "吊销,未注销": "吊销", "吊销未注销": "吊销", "吊销,已注销": "注销", "注销": "注销",
    "迁出": "迁出", "撤销": "撤销", "停业": "停业", "清算": "清算",
}  # fmt: skip

# Tax registration status of a taxpayer.
TAX_REGISTRATION_STATUS: dict[str, str] = {
    "正常": "正常", "正常户": "正常", "非正常": "非正常", "非正常户": "非正常", "停业": "停业", "注销": "注销",
    "清税注销": "注销", "报验": "报验",
}  # fmt: skip

# Traditional → simplified, single characters, as pairs (traditional first). Generated with OpenCC 1.4.2 (PyPI
# "opencc", configuration t2s): every character of U+3400–U+9FFF that OpenCC turns into one other BMP character,
# except 乾 於 昇 陞 吒, which the 通用规范汉字表 keeps for names.
T2S_PAIRS = (
    "丟丢並并亂乱亙亘亞亚佇伫佈布佔占併并來来侖仑侶侣侷局俁俣係系俔伣俠侠俥伡俬私倀伥倆俩倈俫倉仓個个們们倖幸倫伦倲㑈偉伟偑㐽側侧偵侦偽伪傌㐷傑杰傖伧傘伞備备傢家傭佣"
    "傯偬傳传傴伛債债傷伤傾倾僂偻僅仅僉佥僑侨僕仆僞伪僥侥僨偾僱雇價价儀仪儁俊儂侬億亿儈侩儉俭儎傤儐傧儔俦儕侪儘尽償偿優优儲储儷俪儸㑩儺傩儻傥儼俨兇凶兌兑兒儿兗兖內内"
    "兩两冊册冑胄冪幂凈净凍冻凜凛凱凯別别刪删剄刭則则剋克剎刹剗刬剛刚剝剥剮剐剴剀創创剷铲劃划劄札劇剧劉刘劊刽劌刿劍剑劏㓥劑剂劚㔉勁劲動动務务勛勋勝胜勞劳勢势勩勚勱劢"
    "勳勋勵励勸劝勻匀匭匦匯汇匱匮區区協协卹恤卻却卽即厙厍厠厕厤历厭厌厲厉厴厣參参叄叁叢丛吳吴吶呐呂吕咼呙員员唄呗唸念問问啓启啞哑啟启啢唡喎㖞喚唤喪丧喫吃喬乔單单喲哟"
    "嗆呛嗇啬嗊唝嗎吗嗚呜嗩唢嗶哔嘆叹嘍喽嘓啯嘔呕嘖啧嘗尝嘜唛嘩哗嘮唠嘯啸嘰叽嘵哓嘸呒嘽啴噁恶噓嘘噚㖊噝咝噠哒噥哝噦哕噯嗳噲哙噴喷噸吨噹当嚀咛嚇吓嚌哜嚐尝嚕噜嚙啮嚥咽"
    "嚦呖嚨咙嚮向嚲亸嚳喾嚴严嚶嘤囀啭囁嗫囂嚣囅冁囈呓囉啰囌苏囑嘱囪囱圇囵國国圍围園园圓圆圖图團团垻坝埡垭埰采執执堅坚堊垩堖垴堝埚堯尧報报場场塊块塋茔塏垲塒埘塗涂塚冢"
    "塢坞塤埙塵尘塹堑墊垫墜坠墮堕墰坛墳坟墶垯墻墙墾垦壇坛壋垱壎埙壓压壘垒壙圹壚垆壜坛壞坏壟垄壠垅壢坜壩坝壪塆壯壮壺壶壼壸壽寿夠够夢梦夥伙夾夹奐奂奧奥奩奁奪夺奬奖奮奋"
    "奼姹妝妆姍姗姦奸娛娱婁娄婦妇婭娅媧娲媯妫媰㛀媼媪媽妈嫋袅嫗妪嫵妩嫺娴嫻娴嫿婳嬀妫嬃媭嬈娆嬋婵嬌娇嬙嫱嬡嫒嬤嬷嬪嫔嬰婴嬸婶孃娘孋㛤孌娈孫孙學学孿孪宮宫寀采寢寝實实"
    "寧宁審审寫写寬宽寵宠寶宝將将專专尋寻對对導导尷尴屆届屍尸屓屃屜屉屢屡層层屨屦屬属岡冈峯峰峴岘島岛峽峡崍崃崑昆崗岗崙仑崢峥崬岽嵐岚嵗岁嵾㟥嶁嵝嶄崭嶇岖嶔嵚嶗崂嶠峤"
    "嶢峣嶧峄嶨峃嶮崄嶸嵘嶺岭嶼屿嶽岳巋岿巒峦巔巅巖岩巰巯巹卺帥帅師师帳帐帶带幀帧幃帏幓㡎幗帼幘帻幟帜幣币幫帮幬帱幷并幹干幾几庫库廁厕廂厢廄厩廈厦廎庼廕荫廚厨廝厮廟庙"
    "廠厂廡庑廢废廣广廩廪廬庐廳厅弒弑弔吊弳弪張张強强彆别彈弹彌弥彎弯彔录彙汇彠彟彥彦彫雕彲彨彿佛後后徑径從从徠徕復复徵征徹彻恆恒恥耻悅悦悞悮悵怅悶闷悽凄惡恶惱恼惲恽"
    "惻恻愛爱愜惬愨悫愴怆愷恺愾忾慄栗態态慍愠慘惨慚惭慟恸慣惯慤悫慪怄慫怂慮虑慳悭慶庆慺㥪慼戚慾欲憂忧憊惫憐怜憑凭憒愦憖慭憚惮憤愤憫悯憮怃憲宪憶忆懇恳應应懌怿懍懔懞蒙"
    "懟怼懣懑懤㤽懨恹懲惩懶懒懷怀懸悬懺忏懼惧懾慑戀恋戇戆戔戋戧戗戩戬戰战戱戯戲戏戶户扞捍拋抛拚拼挩捝挱挲挾挟捨舍捫扪捱挨捲卷掃扫掄抡掆㧏掗挜掙挣掛挂採采揀拣揚扬換换"
    "揮挥揯搄損损搖摇搗捣搧扇搵揾搶抢摑掴摜掼摟搂摯挚摳抠摶抟摺折摻掺撈捞撏挦撐撑撓挠撝㧑撟挢撣掸撥拨撫抚撲扑撳揿撻挞撾挝撿捡擁拥擄掳擇择擊击擋挡擓㧟擔担據据擠挤擡抬"
    "擣捣擬拟擯摈擰拧擱搁擲掷擴扩擷撷擺摆擻擞擼撸擽㧰擾扰攄摅攆撵攏拢攔拦攖撄攙搀攛撺攜携攝摄攢攒攣挛攤摊攪搅攬揽敎教敓敚敗败敘叙敵敌數数斂敛斃毙斆敩斕斓斬斩斷断旂旗"
    "旣既時时晉晋晝昼暈晕暉晖暘旸暢畅暫暂曄晔曆历曇昙曉晓曏向曖暧曠旷曨昽曬晒書书會会朧胧朮术東东枴拐柵栅柺拐査查桿杆梔栀梘枧條条梟枭梲棁棄弃棊棋棖枨棗枣棟栋棡㭎棧栈"
    "棲栖棶梾椏桠椲㭏楊杨楓枫楨桢業业極极榘矩榦干榪杩榮荣榲榅榿桤構构槍枪槓杠槤梿槧椠槨椁槮椮槳桨槶椢槼椝樁桩樂乐樅枞樑梁樓楼標标樞枢樢㭤樣样樧榝樫㭴樳桪樸朴樹树樺桦"
    "樿椫橈桡橋桥機机橢椭橫横檁檩檉柽檔档檜桧檟槚檢检檣樯檮梼檯台檳槟檸柠檻槛櫃柜櫓橹櫚榈櫛栉櫝椟櫞橼櫟栎櫥橱櫧槠櫨栌櫪枥櫫橥櫬榇櫱蘖櫳栊櫸榉櫻樱欄栏欅榉權权欏椤欒栾"
    "欖榄欞棂欽钦歎叹歐欧歟欤歡欢歲岁歷历歸归歿殁殘残殞殒殤殇殨㱮殫殚殭僵殮殓殯殡殰㱩殲歼殺杀殻壳殼壳毀毁毆殴毿毵氂牦氈毡氌氇氣气氫氢氬氩氳氲氾泛汎泛汙污決决沒没沖冲"
    "況况泝溯洩泄洶汹浹浃涇泾涗涚涼凉淒凄淚泪淥渌淨净淩凌淪沦淵渊淶涞淺浅渙涣減减渢沨渦涡測测渾浑湊凑湞浈湧涌湯汤溈沩準准溝沟溫温溮浉溳涢溼湿滄沧滅灭滌涤滎荥滙汇滬沪"
    "滯滞滲渗滷卤滸浒滻浐滾滚滿满漁渔漊溇漚沤漢汉漣涟漬渍漲涨漵溆漸渐漿浆潁颍潑泼潔洁潙沩潚㴋潛潜潤润潯浔潰溃潷滗潿涠澀涩澆浇澇涝澐沄澗涧澠渑澤泽澦滪澩泶澮浍澱淀澾㳠"
    "濁浊濃浓濄㳡濕湿濘泞濚溁濛蒙濜浕濟济濤涛濧㳔濫滥濰潍濱滨濺溅濼泺濾滤瀂澛瀅滢瀆渎瀇㲿瀉泻瀋沈瀏浏瀕濒瀘泸瀝沥瀟潇瀠潆瀦潴瀧泷瀨濑瀰弥瀲潋瀾澜灃沣灄滠灑洒灕漓灘滩"
    "灝灏灡㳕灣湾灤滦灧滟灩滟災灾為为烏乌烴烃無无煉炼煒炜煙烟煢茕煥焕煩烦煬炀煱㶽熅煴熒荧熗炝熱热熲颎熾炽燁烨燈灯燉炖燒烧燙烫燜焖營营燦灿燬毁燭烛燴烩燶㶶燻熏燼烬燾焘"
    "爍烁爐炉爛烂爭争爲为爺爷爾尔牀床牆墙牘牍牴抵牽牵犖荦犛牦犢犊犧牺狀状狹狭狽狈猙狰猶犹猻狲獁犸獃呆獄狱獅狮獎奖獨独獪狯獫猃獮狝獰狞獱㺍獲获獵猎獷犷獸兽獺獭獻献獼猕"
    "玀猡現现琱雕琺珐琿珲瑋玮瑒玚瑣琐瑤瑶瑩莹瑪玛瑲玱璉琏璡琎璣玑璦瑷璫珰璯㻅環环璵玙璸瑸璽玺璿璇瓊琼瓏珑瓔璎瓚瓒甌瓯甕瓮產产産产畝亩畢毕畫画異异畵画當当疇畴疊叠痙痉"
    "痠酸痾疴瘂痖瘋疯瘍疡瘓痪瘞瘗瘡疮瘧疟瘮瘆瘲疭瘺瘘瘻瘘療疗癆痨癇痫癉瘅癒愈癘疠癟瘪癡痴癢痒癤疖癥症癧疬癩癞癬癣癭瘿癮瘾癰痈癱瘫癲癫發发皁皂皚皑皰疱皸皲皺皱盃杯盜盗"
    "盞盏盡尽監监盤盘盧卢盪荡眞真眥眦眾众睏困睜睁睞睐瞘眍瞜䁖瞞瞒瞶瞆瞼睑矇蒙矓眬矚瞩矯矫硃朱硜硁硤硖硨砗硯砚碕埼碩硕碭砀碸砜確确碼码碽䂵磑硙磚砖磠硵磣碜磧碛磯矶磽硗"
    "磾䃅礄硚礎础礙碍礦矿礪砺礫砾礬矾礱砻祕秘祿禄禍祸禎祯禕祎禡祃禦御禪禅禮礼禰祢禱祷禿秃秈籼稅税稈秆稏䅉稜棱稟禀種种稱称穀谷穇䅟穌稣積积穎颖穠秾穡穑穢秽穩稳穫获穭穞"
    "窩窝窪洼窮穷窯窑窵窎窶窭窺窥竄窜竅窍竇窦竈灶竊窃竪竖競竞筆笔筍笋筧笕筴䇲箇个箋笺箏筝箚札節节範范築筑篋箧篔筼篠筿篤笃篩筛篳筚簀箦簍篓簑蓑簞箪簡简簣篑簫箫簹筜簽签"
    "簾帘籃篮籌筹籔䉤籙箓籛篯籜箨籟籁籠笼籤签籩笾籪簖籬篱籮箩籲吁粵粤糉粽糝糁糞粪糧粮糰团糲粝糴籴糶粜糹纟糾纠紀纪紂纣約约紅红紆纡紇纥紈纨紉纫紋纹納纳紐纽紓纾純纯紕纰"
    "紖纼紗纱紘纮紙纸級级紛纷紜纭紝纴紡纺紬䌷紮扎細细紱绂紲绁紳绅紵纻紹绍紺绀紼绋紿绐絀绌終终絃弦組组絅䌹絆绊絎绗結结絕绝絛绦絝绔絞绞絡络絢绚給给絨绒絰绖統统絲丝絳绛"
    "絶绝絹绢綁绑綃绡綆绠綈绨綉绣綌绤綏绥綐䌼綑捆經经綜综綞缍綠绿綢绸綣绻綫线綬绶維维綯绹綰绾綱纲網网綳绷綴缀綵彩綸纶綹绺綺绮綻绽綽绰綾绫綿绵緄绲緇缁緊紧緋绯緑绿緒绪"
    "緓绬緔绱緗缃緘缄緙缂線线緝缉緞缎締缔緡缗緣缘緦缌編编緩缓緬缅緯纬緱缑緲缈練练緶缏緹缇緻致緼缊縈萦縉缙縊缢縋缒縐绉縑缣縕缊縗缞縛缚縝缜縞缟縟缛縣县縧绦縫缝縭缡縮缩"
    "縱纵縲缧縳䌸縴纤縵缦縶絷縷缕縹缥總总績绩繃绷繅缫繆缪繒缯織织繕缮繚缭繞绕繡绣繢缋繩绳繪绘繫系繭茧繮缰繯缳繰缲繳缴繸䍁繹绎繼继繽缤繾缱繿䍀纇颣纈缬纊纩續续纍累纏缠"
    "纓缨纔才纖纤纘缵纜缆缽钵罃䓨罈坛罌罂罎坛罰罚罵骂罷罢羅罗羆罴羈羁羋芈羣群羥羟羨羡義义羶膻習习翫玩翬翚翹翘翽翙耬耧耮耢聖圣聞闻聯联聰聪聲声聳耸聵聩聶聂職职聹聍聽听"
    "聾聋肅肃脅胁脈脉脛胫脣唇脩修脫脱脹胀腎肾腖胨腡脶腦脑腫肿腳脚腸肠膃腽膕腘膚肤膞䏝膠胶膩腻膽胆膾脍膿脓臉脸臍脐臏膑臘腊臚胪臟脏臠脔臢臜臥卧臨临臺台與与興兴舉举舊旧"
    "舖铺舘馆艙舱艤舣艦舰艫舻艱艰艷艳芻刍苧苎茲兹荊荆莊庄莖茎莢荚莧苋華华菴庵菸烟萇苌萊莱萬万萴荝萵莴葉叶葒荭葤荮葦苇葯药葷荤蒐搜蒓莼蒔莳蒕蒀蒞莅蒼苍蓀荪蓆席蓋盖蓮莲"
    "蓯苁蓴莼蓽荜蔔卜蔘参蔞蒌蔣蒋蔥葱蔦茑蔭荫蕁荨蕆蒇蕎荞蕒荬蕓芸蕕莸蕘荛蕢蒉蕩荡蕪芜蕭萧蕷蓣薀蕰薈荟薊蓟薌芗薑姜薔蔷薘荙薟莶薦荐薩萨薳䓕薴苧薵䓓薹苔薺荠藍蓝藎荩藝艺"
    "藥药藪薮藭䓖藴蕴藶苈藹蔼藺蔺蘀萚蘄蕲蘆芦蘇苏蘊蕴蘋苹蘚藓蘞蔹蘢茏蘭兰蘺蓠蘿萝虆蔂處处虛虚虜虏號号虧亏虯虬蛺蛱蛻蜕蜆蚬蝕蚀蝟猬蝦虾蝨虱蝸蜗螄蛳螞蚂螢萤螮䗖螻蝼螿螀"
    "蟄蛰蟈蝈蟎螨蟣虮蟬蝉蟯蛲蟲虫蟶蛏蟻蚁蠁蚃蠅蝇蠆虿蠍蝎蠐蛴蠑蝾蠔蚝蠟蜡蠣蛎蠨蟏蠱蛊蠶蚕蠻蛮衆众衊蔑術术衕同衚胡衛卫衝冲袞衮袷夹裊袅裏里補补裝装裡里製制複复褌裈褘袆"
    "褲裤褳裢褸褛褻亵襇裥襉裥襏袯襖袄襝裣襠裆襤褴襪袜襬摆襯衬襲袭襴襕覈核見见覎觃規规覓觅視视覘觇覡觋覥觍覦觎親亲覬觊覯觏覲觐覷觑覺觉覽览覿觌觀观觴觞觶觯觸触訁讠訂订"
    "訃讣計计訊讯訌讧討讨訐讦訒讱訓训訕讪訖讫託托記记訛讹訝讶訟讼訢䜣訣诀訥讷訩讻訪访設设許许訴诉訶诃診诊註注証证詁诂詆诋詎讵詐诈詒诒詔诏評评詖诐詗诇詘诎詛诅詞词詠咏"
    "詡诩詢询詣诣試试詩诗詫诧詬诟詭诡詮诠詰诘話话該该詳详詵诜詼诙詿诖誄诔誅诛誆诓誇夸誌志認认誑诳誒诶誕诞誘诱誚诮語语誠诚誡诫誣诬誤误誥诰誦诵誨诲說说説说誰谁課课誶谇"
    "誹诽誼谊誾訚調调諂谄諄谆談谈諉诿請请諍诤諏诹諑诼諒谅論论諗谂諛谀諜谍諝谞諞谝諡谥諢诨諤谔諦谛諧谐諫谏諭谕諮咨諱讳諳谙諶谌諷讽諸诸諺谚諼谖諾诺謀谋謁谒謂谓謄誊謅诌"
    "謊谎謎谜謐谧謔谑謖谡謗谤謙谦謚谥講讲謝谢謠谣謡谣謨谟謫谪謬谬謭谫謳讴謹谨謾谩譁哗證证譎谲譏讥譖谮識识譙谯譚谭譜谱譟噪譫谵譭毁譯译議议譴谴護护譸诪譽誉譾谫讀读讅谉"
    "變变讋詟讌䜩讎雠讒谗讓让讕谰讖谶讚赞讜谠讞谳谿溪豈岂豎竖豐丰豔艳豬猪豶豮貍狸貓猫貙䝙貝贝貞贞貟贠負负財财貢贡貧贫貨货販贩貪贪貫贯責责貯贮貰贳貲赀貳贰貴贵貶贬買买"
    "貸贷貺贶費费貼贴貽贻貿贸賀贺賁贲賂赂賃赁賄贿賅赅資资賈贾賊贼賑赈賒赊賓宾賕赇賙赒賚赉賜赐賞赏賠赔賡赓賢贤賣卖賤贱賦赋賧赕質质賫赍賬账賭赌賰䞐賴赖賵赗賺赚賻赙購购"
    "賽赛賾赜贄贽贅赘贇赟贈赠贊赞贋赝贍赡贏赢贐赆贓赃贔赑贖赎贗赝贛赣贜赃赬赪趕赶趙赵趨趋趲趱跡迹踐践踰逾踴踊蹌跄蹕跸蹟迹蹠跖蹣蹒蹤踪蹺跷躂跶躉趸躊踌躋跻躍跃躎䟢躑踯"
    "躒跞躓踬躕蹰躚跹躡蹑躥蹿躦躜躪躏軀躯車车軋轧軌轨軍军軑轪軒轩軔轫軛轭軟软軤轷軫轸軲轱軸轴軹轵軺轺軻轲軼轶軾轼較较輅辂輇辁輈辀載载輊轾輒辄輓挽輔辅輕轻輛辆輜辎輝辉"
    "輞辋輟辍輥辊輦辇輩辈輪轮輬辌輯辑輳辏輸输輻辐輼辒輾辗輿舆轀辒轂毂轄辖轅辕轆辘轉转轍辙轎轿轔辚轟轰轡辔轢轹轤轳辦办辭辞辮辫辯辩農农迴回逕径這这連连週周進进遊游運运"
    "過过達达違违遙遥遜逊遞递遠远遡溯適适遲迟遶绕遷迁選选遺遗遼辽邁迈還还邇迩邊边邏逻邐逦郟郏郵邮鄆郓鄉乡鄒邹鄔邬鄖郧鄧邓鄭郑鄰邻鄲郸鄴邺鄶郐鄺邝酇酂酈郦醃腌醖酝醜丑"
    "醞酝醟蒏醣糖醫医醬酱醱酦釀酿釁衅釃酾釅酽釋释釐厘釒钅釓钆釔钇釕钌釗钊釘钉釙钋針针釣钓釤钐釦扣釧钏釩钒釵钗釷钍釹钕釺钎釾䥺鈀钯鈁钫鈃钘鈄钭鈅钥鈈钚鈉钠鈍钝鈎钩鈐钤"
    "鈑钣鈒钑鈔钞鈕钮鈞钧鈡钟鈣钙鈥钬鈦钛鈧钪鈮铌鈰铈鈳钶鈴铃鈷钴鈸钹鈹铍鈺钰鈽钸鈾铀鈿钿鉀钾鉅巨鉆钻鉈铊鉉铉鉋铇鉍铋鉑铂鉕钷鉗钳鉚铆鉛铅鉞钺鉢钵鉤钩鉦钲鉬钼鉭钽鉳锫"
    "鉶铏鉸铰鉺铒鉻铬鉿铪銀银銃铳銅铜銍铚銑铣銓铨銖铢銘铭銚铫銛铦銜衔銠铑銣铷銥铱銦铟銨铵銩铥銪铕銫铯銬铐銱铞銳锐銷销銹锈銻锑銼锉鋁铝鋃锒鋅锌鋇钡鋌铤鋏铗鋒锋鋙铻鋝锊"
    "鋟锓鋣铘鋤锄鋥锃鋦锔鋨锇鋩铓鋪铺鋭锐鋮铖鋯锆鋰锂鋱铽鋶锍鋸锯鋼钢錁锞錄录錆锖錇锫錈锩錏铔錐锥錒锕錕锟錘锤錙锱錚铮錛锛錟锬錠锭錡锜錢钱錦锦錨锚錩锠錫锡錮锢錯错録录"
    "錳锰錶表錸铼錼镎鍀锝鍁锨鍃锪鍅钫鍆钔鍇锴鍈锳鍊炼鍋锅鍍镀鍔锷鍘铡鍚钖鍛锻鍠锽鍤锸鍥锲鍩锘鍬锹鍰锾鍵键鍶锶鍺锗鍼针鍾钟鎂镁鎄锿鎇镅鎊镑鎌镰鎔镕鎖锁鎘镉鎚锤鎛镈鎡镃"
    "鎢钨鎣蓥鎦镏鎧铠鎩铩鎪锼鎬镐鎭镇鎮镇鎰镒鎲镋鎳镍鎵镓鎶鿔鎸镌鎿镎鏃镞鏇旋鏈链鏌镆鏍镙鏐镠鏑镝鏗铿鏘锵鏜镗鏝镘鏞镛鏟铲鏡镜鏢镖鏤镂鏨錾鏰镚鏵铧鏷镤鏹镪鏺䥽鏽锈鐃铙"
    "鐋铴鐐镣鐒铹鐓镦鐔镡鐘钟鐙镫鐝镢鐠镨鐥䦅鐦锎鐧锏鐨镄鐫镌鐮镰鐯䦃鐲镯鐳镭鐵铁鐶镮鐸铎鐺铛鐿镱鑄铸鑊镬鑌镔鑑鉴鑒鉴鑔镲鑕锧鑞镴鑠铄鑣镳鑥镥鑭镧鑰钥鑱镵鑲镶鑷镊鑹镩"
    "鑼锣鑽钻鑾銮鑿凿钁镢钂镋長长門门閂闩閃闪閆闫閈闬閉闭開开閌闶閎闳閏闰閑闲閒闲間间閔闵閘闸閡阂閣阁閤合閥阀閨闺閩闽閫阃閬阆閭闾閱阅閲阅閶阊閹阉閻阎閼阏閽阍閾阈閿阌"
    "闃阒闆板闇暗闈闱闊阔闋阕闌阑闍阇闐阗闒阘闓闿闔阖闕阙闖闯關关闞阚闠阓闡阐闢辟闤阛闥闼陘陉陝陕陣阵陰阴陳陈陸陆陽阳隉陧隊队階阶隕陨際际隨随險险隯陦隱隐隴陇隸隶隻只"
    "雋隽雖虽雙双雛雏雜杂雞鸡離离難难雲云電电霑沾霢霡霧雾霽霁靂雳靄霭靆叇靈灵靉叆靚靓靜静靝靔靦腼靨靥鞏巩鞝绱鞦秋鞽鞒韁缰韃鞑韆千韉鞯韋韦韌韧韍韨韓韩韙韪韜韬韝鞲韞韫"
    "韻韵響响頁页頂顶頃顷項项順顺頇顸須须頊顼頌颂頎颀頏颃預预頑顽頒颁頓顿頗颇領领頜颌頡颉頤颐頦颏頭头頮颒頰颊頲颋頴颕頷颔頸颈頹颓頻频頽颓顆颗題题額额顎颚顏颜顒颙顓颛"
    "顔颜願愿顙颡顛颠類类顢颟顥颢顧顾顫颤顬颥顯显顰颦顱颅顳颞顴颧風风颭飐颮飑颯飒颱台颳刮颶飓颸飔颺飏颻飖颼飕飀飗飄飘飆飙飈飚飛飞飠饣飢饥飣饤飥饦飩饨飪饪飫饫飭饬飯饭"
    "飱飧飲饮飴饴飼饲飽饱飾饰飿饳餃饺餄饸餅饼餈糍餉饷養养餌饵餎饹餏饻餑饽餒馁餓饿餕馂餖饾餘余餚肴餛馄餜馃餞饯餡馅館馆餬糊餱糇餳饧餵喂餶馉餷馇餺馎餼饩餾馏餿馊饁馌饃馍"
    "饅馒饈馐饉馑饊馓饋馈饌馔饑饥饒饶饗飨饜餍饞馋饢馕馬马馭驭馮冯馱驮馳驰馴驯馹驲駁驳駐驻駑驽駒驹駔驵駕驾駘骀駙驸駛驶駝驼駟驷駡骂駢骈駭骇駰骃駱骆駸骎駿骏騁骋騂骍騅骓"
    "騌骔騍骒騎骑騏骐騖骛騙骗騤骙騧䯄騫骞騭骘騮骝騰腾騶驺騷骚騸骟騾骡驀蓦驁骜驂骖驃骠驄骢驅驱驊骅驌骕驍骁驏骣驕骄驗验驚惊驛驿驟骤驢驴驤骧驥骥驦骦驪骊驫骉骯肮髏髅髒脏"
    "體体髕髌髖髋髮发鬆松鬍胡鬚须鬢鬓鬥斗鬧闹鬨哄鬩阋鬮阄鬱郁鬹鬶魎魉魘魇魚鱼魛鱽魢鱾魨鲀魯鲁魴鲂魷鱿魺鲄鮁鲅鮃鲆鮊鲌鮋鲉鮍鲏鮎鲇鮐鲐鮑鲍鮒鲋鮓鲊鮚鲒鮜鲘鮝鲞鮞鲕鮣䲟"
    "鮦鲖鮪鲔鮫鲛鮭鲑鮮鲜鮳鲓鮶鲪鮺鲝鯀鲧鯁鲠鯇鲩鯉鲤鯊鲨鯒鲬鯔鲻鯕鲯鯖鲭鯗鲞鯛鲷鯝鲴鯡鲱鯢鲵鯤鲲鯧鲳鯨鲸鯪鲮鯫鲰鯰鲶鯴鲺鯷鳀鯽鲫鯿鳊鰁鳈鰂鲗鰃鳂鰆䲠鰈鲽鰉鳇鰌䲡鰍鳅"
    "鰏鲾鰐鳄鰒鳆鰓鳃鰛鳁鰜鳒鰟鳑鰠鳋鰣鲥鰥鳏鰧䲢鰨鳎鰩鳐鰭鳍鰮鳁鰱鲢鰲鳌鰳鳓鰵鳘鰷鲦鰹鲣鰺鲹鰻鳗鰼鳛鰾鳔鱂鳉鱅鳙鱈鳕鱉鳖鱒鳟鱔鳝鱖鳜鱗鳞鱘鲟鱝鲼鱟鲎鱠鲙鱣鳣鱤鳡鱧鳢"
    "鱨鲿鱭鲚鱯鳠鱷鳄鱸鲈鱺鲡鳥鸟鳧凫鳩鸠鳬凫鳲鸤鳳凤鳴鸣鳶鸢鳾䴓鴆鸩鴇鸨鴉鸦鴒鸰鴕鸵鴛鸳鴝鸲鴞鸮鴟鸱鴣鸪鴦鸯鴨鸭鴯鸸鴰鸹鴴鸻鴷䴕鴻鸿鴿鸽鵁䴔鵂鸺鵃鸼鵐鹀鵑鹃鵒鹆鵓鹁"
    "鵜鹈鵝鹅鵠鹄鵡鹉鵪鹌鵬鹏鵮鹐鵯鹎鵰雕鵲鹊鵷鹓鵾鹍鶄䴖鶇鸫鶉鹑鶊鹒鶓鹋鶖鹙鶘鹕鶚鹗鶡鹖鶥鹛鶩鹜鶪䴗鶬鸧鶯莺鶲鹟鶴鹤鶹鹠鶺鹡鶻鹘鶼鹣鶿鹚鷀鹚鷁鹢鷂鹞鷄鸡鷉䴘鷊鹝鷓鹧"
    "鷖鹥鷗鸥鷙鸷鷚鹨鷥鸶鷦鹪鷫鹔鷯鹩鷲鹫鷳鹇鷴鹇鷸鹬鷹鹰鷺鹭鷽鸴鸂㶉鸇鹯鸊䴙鸌鹱鸏鹲鸕鸬鸘鹴鸚鹦鸛鹳鸝鹂鸞鸾鹵卤鹹咸鹺鹾鹼碱鹽盐麗丽麥麦麩麸麪面麫面麯曲麴曲麵面麼么"
    "麽么黃黄黌黉點点黨党黲黪黴霉黶黡黷黩黽黾黿鼋鼂鼌鼉鼍鼕冬鼴鼹齊齐齋斋齎赍齏齑齒齿齔龀齕龁齗龂齙龅齜龇齟龃齠龆齡龄齣出齦龈齧啮齪龊齬龉齲龋齶腭齷龌龍龙龎厐龐庞龑䶮"
    "龔龚龕龛龜龟㑯㑔㑳㑇㑶㐹㓨刾㘚㘎㜄㚯㜏㛣㠏㟆㥮㤘㩜㨫㩳㧐㩵擜䁻䀥䃮鿎䊷䌶䋙䌺䋚䌻䋹䌿䋻䌾䍦䍠䎱䎬䙡䙌䜀䜧䝼䞍䥇䦂䥑鿏䥱䥾䦛䦶䦟䦷䯀䯅䰾鲃䱷䲣䱽䲝䲁鳚䲘鳤䴉鹮"
)
T2S: dict[str, str] = dict(zip(T2S_PAIRS[::2], T2S_PAIRS[1::2], strict=True))


def sql_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql_list(values: Iterable[str]) -> str:
    """Comma-separated SQL string literals, for IN (...)."""
    return ", ".join(map(sql_literal, values))


def char_class(codes: Iterable[int], ranges: Iterable[tuple[int, int]] = ()) -> str:
    """An RE2 character class of code points and (first, last) ranges, runs merged."""
    spans = sorted([(c, c) for c in set(codes)] + list(ranges))
    merged: list[list[int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return "[" + "".join(f"\\x{{{lo:X}}}" + (f"-\\x{{{hi:X}}}" if hi > lo else "") for lo, hi in merged) + "]"


def _minus(ranges: Iterable[tuple[int, int]], codes: Collection[int]) -> list[tuple[int, int]]:
    out = []
    for lo, hi in ranges:
        start = lo
        for c in sorted(c for c in codes if lo <= c <= hi):
            if c > start:
                out.append((start, c - 1))
            start = c + 1
        if start <= hi:
            out.append((start, hi))
    return out


# Whitespace as Python's str.isspace() sees it (tongban.standards.normalize drops it), the ideographic space included.
SPACES = (*range(9, 14), *range(28, 33), 133, 160, 5760, *range(8192, 8203), 8232, 8233, 8239, 8287, 12288)
FULL_WIDTH = range(0xFF01, 0xFF5F)  # full-width ASCII: minus 0xFEE0 is half-width
DOTS = "．.・•‧∙⋅･"  # written for the middle dot · of transliterated names
T2S_FIRST, T2S_LAST = min(map(ord, T2S)), max(map(ord, T2S))
_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz·"
_T2S_CODES = {ord(c) for c in T2S}

CODE_GUARD = char_class([*SPACES, *FULL_WIDTH])  # a value with any of these needs folding
TEXT_GUARD = char_class([*SPACES, *FULL_WIDTH, *_T2S_CODES])
CLEAN_NAME_RE = char_class(map(ord, _LETTERS), _minus(_HAN, _T2S_CODES)) + "+"  # simplified Han, Latin letters and ·
VALID_NAME_RE = char_class(map(ord, _LETTERS), _HAN) + "+"
ID_RE = "[0-9]{17}[0-9X]|[0-9]{15}"
USCC_RE = "[0-9A-HJ-NP-RTUW-Y]{18}"
MOBILE_RE = "1[3-9][0-9]{9}"
DATE_RE = r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
FOREIGN_RE = "美元|美金|港元|港币|欧元|日元|英镑|USD|HKD|EUR|JPY|GBP"

# District names an address may start with → the current district; the retired ones are flagged.
DISTRICT_ALIASES = {**{name: name for name in SHANGHAI_DISTRICTS.values()}, "浦东区": "浦东新区"}
HISTORICAL_DISTRICTS = {name: SHANGHAI_DISTRICTS[current] for name, current, _ in HISTORICAL_SHANGHAI.values()}
ADDRESS_PARTS = ("district", "street", "road", "lane", "number", "building", "room")

# The variable register() sets on a connection; fold_sql(simplify=True) reads it, or a column holding its value.
T2S_VARIABLE = "tongban_t2s"
T2S_TABLE = f"getvariable('{T2S_VARIABLE}')"


def sql_among(expr: str, values: Iterable[str]) -> str:
    """Membership in a constant list (IN with many constants would become a join)."""
    return f"list_contains([{sql_list(values)}], {expr})"


def fold_sql(expr: str, *, upper: bool = False, simplify: bool = False, dots: bool = False,
             table: str = T2S_TABLE) -> str:
    """Full-width ASCII to half-width, every whitespace (the ideographic space too) removed, '' to NULL; optionally
    upper-cased, traditional characters simplified (``table``: the list tongban.registry.rules.register sets, or a
    column holding it, which is much faster), and the dots written in transliterated names made the middle dot ·."""
    chars, ch = f"string_split({expr}, '')", "ch_[1]" if simplify else "ch_"
    cases = [f"WHEN ord({ch}) IN ({', '.join(map(str, SPACES))}) THEN ''"]
    if dots:
        cases.append(f"WHEN {ch} IN ({sql_list(DOTS)}) THEN '·'")
    cases.append(f"WHEN ord({ch}) BETWEEN 65281 AND 65374 THEN chr(ord({ch}) - 65248)")
    if simplify:  # the simplified character of each, looked up in one list_select
        index = (f"list_transform({chars}, lambda i_: CASE WHEN ord(i_) BETWEEN {T2S_FIRST} AND {T2S_LAST} "
                 f"THEN ord(i_) - {T2S_FIRST - 1} ELSE 0 END)")
        chars = f"list_zip({chars}, list_select({table}, {index}))"
    body = (f"array_to_string(list_transform({chars}, lambda ch_: CASE {' '.join(cases)} "
            f"{'WHEN ch_[2] > 0 THEN chr(ch_[2]) ELSE ch_[1]' if simplify else 'ELSE ch_'} END), '')")
    return f"nullif({f'upper({body})' if upper else body}, '')"


def clean_sql(expr: str, *, upper: bool = False, simplify: bool = False, table: str = T2S_TABLE) -> str:
    """``fold_sql``, run only on the values that need it (a guard expression finds them)."""
    guard = TEXT_GUARD if simplify else CODE_GUARD
    plain = f"upper({expr})" if upper else expr
    return (f"CASE WHEN {expr} IS NULL OR {expr} = '' THEN NULL WHEN regexp_matches({expr}, '{guard}') "
            f"THEN {fold_sql(expr, upper=upper, simplify=simplify, table=table)} ELSE {plain} END")


def id_check_char_sql(body: str) -> str:
    """The GB 11643 MOD 11-2 check character of a BIGINT holding the first 17 digits."""
    terms = " + ".join(f"({body} // {10 ** (16 - i)} % 10) * {pow(2, 17 - i, 11)}" for i in range(17))
    return f"substr('10X98765432', ({terms}) % 11 + 1, 1)"


def uscc_check_char_sql(code: str) -> str:
    """The GB 32100 check character of a code's first 17 characters (charset 0-9 A-Y without I O S V Z)."""
    terms = " + ".join(f"(instr('{USCC_CHARSET}', substr({code}, {i + 1}, 1)) - 1) * {pow(3, i, 31)}"
                       for i in range(17))
    return f"substr('{USCC_CHARSET}', (31 - ({terms}) % 31) % 31 + 1, 1)"


def org_check_char_sql(code: str) -> str:
    """The GB 11714 check character of the organisation code in characters 9 to 16 of a credit code."""
    terms = " + ".join(f"(instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr({code}, {9 + i}, 1)) - 1) * {w}"
                       for i, w in enumerate((3, 7, 9, 10, 5, 8, 4, 2)))
    return f"substr('123456789X0', 11 - ({terms}) % 11, 1)"


def division_known_sql(code: str) -> str:
    """True when a six-digit code is a GB/T 2260 division as tongban.standards knows them (retired Shanghai too)."""
    return (f"CASE WHEN {sql_among(code, [*SHANGHAI_DISTRICTS, *HISTORICAL_SHANGHAI])} THEN TRUE "
            f"WHEN NOT {sql_among(f'substr({code}, 1, 2)', PROVINCES)} THEN FALSE "
            f"WHEN substr({code}, 3, 2) = '00' THEN substr({code}, 5, 2) = '00' "
            f"WHEN substr({code}, 5, 2) = '00' THEN substr({code}, 1, 2) <> '31' OR {code} = '310100' "
            f"ELSE substr({code}, 1, 2) <> '31' END")


def date_sql(expr: str) -> str:
    """A DATE from YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD or YYYY年M月D日 (a time after it is ignored)."""
    spaced = f"replace(trim({expr}), ' ', 'T')"  # folding drops spaces: "2024-5-3 10:20" must not read as 31 May
    return (f"CASE WHEN strlen({expr}) = 10 AND {expr} LIKE '____-__-__' THEN try_cast({expr} AS DATE) "
            f"WHEN {expr} <> '' THEN try_cast(regexp_replace({clean_sql(spaced)}, '{DATE_RE}', '\\1-\\2\\4-\\3\\5') "
            "AS DATE) END")


def code_sql(expr: str, table: dict[str, str]) -> str:
    """The canonical code of a code or word of ``table`` (e.g. rules_data.SEX), NULL when it is not in it."""
    keys, values = f"[{sql_list(table)}]", f"[{sql_list(table.values())}]"
    return (f"CASE WHEN list_contains({keys}, {expr}) THEN {values}[list_position({keys}, {expr})] "
            f"WHEN {expr} <> '' THEN {values}[list_position({keys}, {fold_sql(expr, upper=True)})] END")


@dataclass(frozen=True)
class Field:
    """One item's SQL in tongban.registry.rules.standardize: working columns computed in stages (each may use the
    earlier ones), its output columns, its checks (rule, condition) and the condition that it is empty."""

    item: str
    stages: tuple[tuple[tuple[str, str], ...], ...]
    outputs: tuple[tuple[str, str], ...]
    checks: tuple[tuple[str, str], ...]
    empty: str


def working(item: str, name: str) -> str:
    """The quoted name of one of an item's working columns."""
    return f'"_{item}__{name}"'
