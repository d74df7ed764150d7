"""The tables the demo tree is drawn from: Beijing's districts and their kinds of units, names, places,
surnames and given names, ethnic groups, phone prefixes, member profiles, committee roles and the demo logins."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from branches.models import (
    Education,
    OrganizationCategory,
    OrganizationKind,
    RoleKind,
)

Cat = OrganizationCategory


Kind = OrganizationKind


CITY_CODE = "BJ"


CITY_NAME = "北京市委"


EDUCATION_COMMITTEE_CODE = "BJ-JYGW"


EDUCATION_COMMITTEE_NAME = "北京市委教育工委"


class Weighted:
    """A weighted choice with its cumulative weights computed once."""

    def __init__(self, pairs: Iterable[tuple[str, float]]) -> None:
        self.values: list[str] = []
        self.cumulative: list[float] = []
        total = 0.0
        for value, weight in pairs:
            total += weight
            self.values.append(value)
            self.cumulative.append(total)

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


@dataclass(frozen=True)
class District:
    code: str
    name: str  # 东城区委
    area: str  # 东城区
    short: str  # 东城
    region: str  # ID number region code
    streets: tuple[str, ...]
    towns: tuple[str, ...] = ()


# fmt: off
DISTRICTS: tuple[District, ...] = (
    District(
        "BJ-DC", "东城区委", "东城区", "东城", "110101",
        ("东华门", "景山", "交道口", "安定门", "北新桥", "东四", "朝阳门", "建国门", "东直门", "和平里",
         "前门", "崇文门外", "东花市", "龙潭", "体育馆路", "天坛", "永定门外"),
    ),
    District(
        "BJ-XC", "西城区委", "西城区", "西城", "110102",
        ("西长安街", "新街口", "月坛", "展览路", "德胜", "金融街", "什刹海", "大栅栏", "天桥", "椿树",
         "陶然亭", "广安门内", "牛街", "白纸坊", "广安门外"),
    ),
    District(
        "BJ-CY", "朝阳区委", "朝阳区", "朝阳", "110105",
        ("望京", "建外", "朝外", "呼家楼", "三里屯", "左家庄", "香河园", "和平街", "安贞", "亚运村",
         "小关", "酒仙桥", "麦子店", "团结湖", "六里屯", "八里庄", "双井", "劲松", "潘家园", "垡头"),
        ("崔各庄乡", "金盏乡", "孙河乡", "东坝乡", "将台乡", "王四营乡", "豆各庄乡", "黑庄户乡", "管庄乡",
         "平房乡", "常营乡", "十八里店乡", "小红门乡", "南磨房乡", "高碑店乡", "太阳宫乡", "来广营乡"),
    ),
    District(
        "BJ-HD", "海淀区委", "海淀区", "海淀", "110108",
        ("中关村", "海淀", "学院路", "北太平庄", "万寿路", "羊坊店", "甘家口", "八里庄", "紫竹院", "北下关",
         "清河", "上地", "马连洼", "花园路", "青龙桥", "燕园", "清华园", "香山", "田村路", "永定路"),
        ("苏家坨镇", "上庄镇", "温泉镇", "西北旺镇", "四季青镇", "东升镇", "海淀镇"),
    ),
)


DISTRICTS_BY_CODE = {district.code: district for district in DISTRICTS}


BEIJING_REGIONS = (
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
    "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119",
)


OTHER_REGIONS = (
    "130102", "130602", "120101", "370102", "410105", "140105", "210102", "220102", "230102",
    "320102", "340102", "420102", "430102", "510104", "610102", "150102", "360102", "500103",
)


COMMUNITY_NAMES = (
    "和平里东", "幸福北里", "建新", "光明楼", "花园", "新街", "青年路", "胜利", "育才", "文化园",
    "丽园", "春晖园", "安华里", "惠新苑", "嘉园", "枣林", "槐柏树", "三里河", "百万庄", "甘露园",
    "紫竹园", "万泉", "双榆树", "知春里", "健德门", "小营", "安苑北里", "芍药居", "樱花园", "东湖",
    "西坝河", "新源里", "麦子店西", "北官厅", "交东", "前门东", "永外", "光华里", "团结湖北", "延静里",
)


# Real community names of 望京街道, used in order (the demo's showcase street).
WANGJING_COMMUNITIES = ("花家地", "花家地北里", "望京西园", "南湖西园", "南湖东园", "宝星", "望花路东里", "望京东园")


VILLAGE_NAMES = (
    "何各庄", "草场地", "马泉营", "东辛店", "北皋", "善各庄", "黄港", "楼梓庄", "沙窝", "雷庄",
    "东营", "西营", "前苇沟", "后苇沟", "王各庄", "李家坟", "大望京", "南皋", "费家", "顾家庄",
    "北安河", "柳林", "西埠头", "周家巷", "台头", "北庄子", "白水洼", "西马坊", "河北", "东小营",
    "张家湾", "石槽", "辛庄", "前沙涧", "后沙涧", "八家", "韩家川", "永丰屯", "屯佃", "六里屯",
)


BUREAUS = (
    "财政局", "发展和改革委员会", "教育委员会", "科学技术和信息化局", "民政局", "司法局", "人力资源和社会保障局",
    "生态环境局", "住房和城乡建设委员会", "城市管理委员会", "商务局", "文化和旅游局", "卫生健康委员会",
    "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "园林绿化局",
    "体育局", "信访办公室", "政务服务管理局", "国有资产监督管理委员会", "规划和自然资源委员会",
)


GOVERNMENT_DEPARTMENTS = (
    "办公室", "综合科", "政策法规科", "计划财务科", "组织人事科", "业务一科", "业务二科", "执法监察科",
)


SCHOOLS = (
    "第一中学", "第二中学", "第五中学", "第十一中学", "实验中学", "外国语学校", "第一实验小学", "第二实验小学",
    "育才学校", "职业高级中学", "特殊教育学校", "师范学校附属小学",
)


SCHOOL_BRANCHES = ("教工第一党支部", "教工第二党支部", "行政后勤党支部")


HOSPITAL_DEPARTMENTS = ("内科", "外科", "护理", "医技", "行政后勤")


HOSPITAL_JOBS = ("主治医师", "副主任医师", "主任医师", "住院医师", "护士", "护师", "主管护师", "检验师", "药剂师")


OFFICE_JOBS = ("馆员", "副研究馆员", "工程师", "编辑", "记者", "会计", "办公室主任", "科员", "技术员")


HOSPITAL = "hospital"


INSTITUTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("第一人民医院", HOSPITAL_DEPARTMENTS, HOSPITAL),
    ("中医医院", HOSPITAL_DEPARTMENTS, HOSPITAL),
    ("妇幼保健院", HOSPITAL_DEPARTMENTS, HOSPITAL),
    ("疾病预防控制中心", ("传染病防控科", "卫生监测科", "检验科", "综合办公室", "健康教育科"), HOSPITAL),
    ("图书馆", ("采编部", "借阅部", "数字资源部", "综合办公室", "少儿部"), Cat.PUBLIC_INSTITUTION),
    ("文化馆", ("群众文艺部", "非遗保护部", "培训部", "综合办公室", "活动部"), Cat.PUBLIC_INSTITUTION),
    ("融媒体中心", ("新闻采编部", "新媒体部", "技术保障部", "综合办公室", "专题部"), Cat.PUBLIC_INSTITUTION),
    ("档案馆", ("档案接收征集科", "档案利用科", "技术保护科", "综合办公室", "编研科"), Cat.PUBLIC_INSTITUTION),
    ("社区卫生服务管理中心", ("全科医疗部", "公共卫生部", "护理部", "综合办公室", "药剂科"), HOSPITAL),
    ("城市规划设计研究所", ("规划一所", "规划二所", "市政设计所", "综合办公室", "技术质量部"), Cat.PUBLIC_INSTITUTION),
    ("青少年活动中心", ("艺术教育部", "科技教育部", "体育部", "综合办公室", "活动策划部"), Cat.PUBLIC_INSTITUTION),
    ("体育中心", ("场馆管理部", "训练竞赛部", "群体活动部", "综合办公室", "后勤保障部"), Cat.PUBLIC_INSTITUTION),
)


COMPANIES = (
    "城市建设集团有限公司", "国有资产经营管理有限公司", "房地产开发有限公司", "环境卫生服务集团有限公司",
    "市政工程有限公司", "文化旅游投资集团有限公司", "商业发展集团有限公司", "物业管理集团有限公司", "供热有限公司",
    "园林绿化集团有限公司", "公共交通服务有限公司", "水务有限公司",
)


COMPANY_DEPARTMENTS = (
    "综合办公室", "财务部", "工程管理部", "第一项目部", "第二项目部", "安全质量部", "运营部", "物业分公司",
)


SOCIAL_ORGANIZATIONS = (
    "个体劳动者协会", "物业管理行业协会", "志愿者联合会", "慈善协会", "养老服务协会", "社会工作者协会", "书法家协会",
    "餐饮行业协会", "阳光社会工作事务所", "邻里互助服务中心", "青年创业促进会", "家庭教育研究会", "残疾人康复服务中心",
    "老年人体育协会",
)


BRAND_CHARS = "华信达通鑫汇恒泰中联博创卓越天成瑞丰嘉禾科源海纳融智宏远蓝图云帆京润启明晟"


INDUSTRIES = (
    "科技", "信息技术", "软件", "商贸", "文化传媒", "餐饮管理", "物业管理", "建筑工程", "医药科技", "教育咨询",
    "电子商务", "物流",
)


BUILDINGS = ("大厦", "国际中心", "广场", "商务中心", "中心大厦")


UNIVERSITIES = (
    "北京京华大学", "北京城建理工大学", "北京华夏财经学院", "北京长安师范大学", "北京京北医科大学",
    "北京燕园科技大学", "北京信息工程学院", "北京文华艺术学院",
)


COLLEGES = (
    "计算机学院", "机械工程学院", "经济管理学院", "马克思主义学院", "外国语学院", "文学院", "理学院", "法学院",
    "建筑学院", "材料科学与工程学院", "环境学院", "艺术学院",
)


UNIVERSITY_BRANCHES = (
    ("本科生第一党支部", "undergraduate"),
    ("研究生党支部", "postgraduate"),
    ("教工党支部", "university_staff"),
    ("本科生第二党支部", "undergraduate"),
)


WEAK_REASONS = (
    "组织生活不经常、不认真、不严肃，“三会一课”落实不到位。",
    "班子配备不齐、作用发挥不好，长期不开展组织活动。",
    "党员教育管理松散，党员先锋模范作用发挥不明显。",
    "软弱涣散，群众反映问题较多，整改措施落实不力。",
)


SURNAMES: tuple[tuple[str, int], ...] = (
    *((s, 8) for s in "王李张刘陈"),
    *((s, 5) for s in "杨赵黄周吴"),
    *((s, 2) for s in "徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"),
    *((s, 1) for s in "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"),
    *((s, 1) for s in "龙万段雷钱汤尹黎易常武乔贺赖龚文关佟"),
    ("欧阳", 1),
    ("司马", 1),
)


MALE_CHARS = (
    "伟强军磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林晨博文"
    "志建东海峰亮成新德立永良松毅振兴庆阳光宏翔锋"
)


FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英萍红燕梅琳雪慧莉倩婷颖洁晶欣怡佳悦璐瑶蕾荣兰琴凤云丹珊彤媛月雅"


MALE_NAMES = (
    "建华", "志强", "海涛", "俊杰", "晓东", "文博", "国栋", "立新", "永刚", "宏伟", "振宇", "明辉", "建平", "志刚",
    "海波", "晓峰", "春雷", "学军", "德明", "少华", "家豪", "浩宇", "子健", "天宇", "鹏飞", "英杰", "新民", "卫平",
)


FEMALE_NAMES = (
    "丽娜", "晓燕", "婷婷", "雪梅", "海燕", "春梅", "丽萍", "玉梅", "晓红", "秀梅", "艳华", "静怡", "雅琴", "慧敏",
    "晓丽", "美玲", "丹丹", "雪莹", "文静", "思琪", "佳琪", "欣然", "梦瑶", "晓雯", "淑芬", "秀芳", "金凤", "翠兰",
)


OLD_MALE_NAMES = ("建国", "建华", "国庆", "卫东", "卫国", "援朝", "建军", "国强", "志强", "跃进", "胜利", "振华")


OLD_FEMALE_NAMES = ("秀英", "桂兰", "玉兰", "淑珍", "秀兰", "凤英", "桂英", "淑华", "玉珍", "秀珍", "红梅", "丽华")


YOUNG_MALE_NAMES = ("子轩", "浩然", "宇航", "梓豪", "博文", "一鸣", "俊熙", "思远", "天佑", "嘉懿")


YOUNG_FEMALE_NAMES = ("欣怡", "梓涵", "诗涵", "雨桐", "可欣", "思彤", "佳怡", "语嫣", "若汐", "一诺")


ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("汉族", 93.0), ("回族", 2.2), ("满族", 2.0), ("蒙古族", 0.9), ("朝鲜族", 0.5),
    ("壮族", 0.4), ("土家族", 0.4), ("苗族", 0.3), ("藏族", 0.2), ("维吾尔族", 0.1),
)


SURNAME_CHOICE = Weighted(SURNAMES)


ETHNICITY_CHOICE = Weighted(ETHNICITIES)


PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "191", "198", "199",
)


# Category order of branch i (i % 20): every category within the first ten branches;
# communities, offices and non-public enterprises are the most frequent, as in Beijing.
CATEGORY_CYCLE = (
    Cat.SCHOOL, Cat.COMMUNITY, Cat.GOVERNMENT, Cat.NON_PUBLIC_ENTERPRISE, Cat.PUBLIC_INSTITUTION,
    Cat.STATE_ENTERPRISE, Cat.SOCIAL_ORGANIZATION, Cat.RETIRED, Cat.VILLAGE, Cat.OTHER,
    Cat.COMMUNITY, Cat.GOVERNMENT, Cat.NON_PUBLIC_ENTERPRISE, Cat.SCHOOL, Cat.PUBLIC_INSTITUTION,
    Cat.STATE_ENTERPRISE, Cat.VILLAGE, Cat.COMMUNITY, Cat.GOVERNMENT, Cat.NON_PUBLIC_ENTERPRISE,
)


@dataclass(frozen=True)
class Profile:
    """How the members of one kind of branch look."""

    age: tuple[float, float, float]  # triangular(low, high, mode), years
    education: Weighted
    jobs: tuple[str, ...]
    size: tuple[float, float, float]  # triangular branch size
    male: float = 0.55
    leading_jobs: tuple[str, ...] = ()
    leading: float = 0.0
    floating: float = 0.0
    non_public: float = 0.0
    student: bool = False
    retired: bool = False  # every member is retired
    retired_from_age: float | None = 60  # members from this age are retired
    probationary: float = 0.04
    deceased: float = 0.0


E = Education


# fmt: off
PROFILES: dict[str, Profile] = {
    Cat.GOVERNMENT: Profile(
        age=(24, 60, 40), education=Weighted(((E.POSTGRADUATE, 35), (E.UNDERGRADUATE, 55), (E.COLLEGE, 10))),
        jobs=("科员", "一级科员", "四级主任科员", "三级主任科员", "一级主任科员", "科长", "副科长"),
        leading_jobs=("局长", "副局长", "党组成员", "二级调研员"), leading=0.12, size=(5, 40, 15),
    ),
    Cat.PUBLIC_INSTITUTION: Profile(
        age=(24, 60, 38),
        education=Weighted(((E.POSTGRADUATE, 30), (E.UNDERGRADUATE, 50), (E.COLLEGE, 15), (E.SECONDARY, 5))),
        jobs=OFFICE_JOBS, leading_jobs=("院长", "副院长", "主任"), leading=0.03, size=(8, 50, 20),
    ),
    HOSPITAL: Profile(
        age=(24, 60, 38),
        education=Weighted(((E.POSTGRADUATE, 40), (E.UNDERGRADUATE, 45), (E.COLLEGE, 15))),
        jobs=HOSPITAL_JOBS, leading_jobs=("院长", "副院长"), leading=0.02, male=0.35, size=(8, 50, 20),
    ),
    Cat.STATE_ENTERPRISE: Profile(
        age=(23, 60, 38),
        education=Weighted(((E.POSTGRADUATE, 10), (E.UNDERGRADUATE, 45), (E.COLLEGE, 30), (E.SECONDARY, 15))),
        jobs=("工程师", "高级工程师", "项目经理", "会计", "出纳", "技术员", "安全员", "部门经理", "调度员"),
        leading_jobs=("董事长", "总经理", "副总经理"), leading=0.04, size=(8, 60, 20),
    ),
    Cat.NON_PUBLIC_ENTERPRISE: Profile(
        age=(23, 50, 32),
        education=Weighted(((E.POSTGRADUATE, 15), (E.UNDERGRADUATE, 55), (E.COLLEGE, 25), (E.SECONDARY, 5))),
        jobs=("软件工程师", "产品经理", "销售经理", "行政主管", "财务主管", "技术总监", "客户经理", "设计师"),
        floating=0.15, non_public=1.0, size=(3, 30, 8),
    ),
    Cat.SOCIAL_ORGANIZATION: Profile(
        age=(24, 66, 40),
        education=Weighted(((E.POSTGRADUATE, 5), (E.UNDERGRADUATE, 50), (E.COLLEGE, 30), (E.SECONDARY, 15))),
        jobs=("社会工作者", "项目主管", "秘书长", "会员部主任", "志愿者协调员", "财务专员"),
        floating=0.05, size=(3, 20, 6),
    ),
    Cat.COMMUNITY: Profile(
        age=(25, 90, 65),
        education=Weighted(((E.UNDERGRADUATE, 25), (E.COLLEGE, 30), (E.SECONDARY, 30), (E.JUNIOR, 15))),
        jobs=("社区工作者", "居委会委员", "网格员", "个体经营者", "物业管理员", "社区志愿者"),
        floating=0.08, size=(10, 80, 30),
    ),
    Cat.SCHOOL: Profile(
        age=(24, 60, 38), education=Weighted(((E.POSTGRADUATE, 35), (E.UNDERGRADUATE, 60), (E.COLLEGE, 5))),
        jobs=("语文教师", "数学教师", "英语教师", "物理教师", "化学教师", "体育教师", "班主任", "教务处主任"),
        male=0.35, size=(8, 50, 20),
    ),
    "university_staff": Profile(
        age=(27, 62, 42), education=Weighted(((E.POSTGRADUATE, 90), (E.UNDERGRADUATE, 10))),
        jobs=("教授", "副教授", "讲师", "辅导员", "实验师", "学院办公室主任"), size=(10, 50, 25),
    ),
    "undergraduate": Profile(
        age=(20, 24, 21.5), education=Weighted(((E.UNDERGRADUATE, 1),)), jobs=("本科生",), student=True,
        probationary=0.35, retired_from_age=None, male=0.5, size=(15, 60, 30),
    ),
    "postgraduate": Profile(
        age=(23, 31, 25), education=Weighted(((E.POSTGRADUATE, 1),)), jobs=("硕士研究生", "博士研究生"), student=True,
        probationary=0.15, retired_from_age=None, male=0.5, size=(15, 60, 30),
    ),
    Cat.RETIRED: Profile(
        age=(61, 95, 72),
        education=Weighted(((E.UNDERGRADUATE, 30), (E.COLLEGE, 25), (E.SECONDARY, 30), (E.JUNIOR, 15))),
        jobs=("退休干部", "退休职工", "退休教师"), retired=True, probationary=0.0, deceased=0.03, size=(10, 80, 30),
    ),
    Cat.VILLAGE: Profile(
        age=(25, 85, 55), education=Weighted(((E.COLLEGE, 10), (E.SECONDARY, 35), (E.JUNIOR, 55))),
        jobs=("村民", "村委会委员", "合作社负责人", "村务监督委员", "农技员"), male=0.65, size=(8, 60, 25),
    ),
    Cat.OTHER: Profile(
        age=(23, 55, 33),
        education=Weighted(((E.POSTGRADUATE, 10), (E.UNDERGRADUATE, 50), (E.COLLEGE, 30), (E.SECONDARY, 10))),
        jobs=("楼宇工作站专员", "物业经理", "企业职员", "行政专员", "商户"), floating=0.15, non_public=0.5,
        size=(3, 30, 10),
    ),
}


# fmt: on
COMMITTEE_ROLES = {
    1: (RoleKind.SECRETARY,),
    3: (RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA),
    5: (RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA, RoleKind.DISCIPLINE),
}


DEMO_DISTRICT_CODE = "BJ-DC"  # 东城区委: the demo officer's district


DEMO_BRANCH_CODE = "BJ-DC-EDU-S01-01"  # 东城区教育系统第一中学教工第一党支部, branch number 0


MEAN_BRANCH_SIZE = 25.05  # a little above 25, so that 2,000 branches hold at least 50,000 members


CHAOYANG, HAIDIAN = DISTRICTS[2], DISTRICTS[3]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role_label: str
    role_kind: str | None
    organization_code: str
    full_name: str
    phone: str
    is_staff: bool = False
    needs_mfa: bool = False
    member_login: bool = False  # linked to a member of the demo branch

    @property
    def email(self) -> str:
        return f"{self.username}@demo.example.org"


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "admin", "系统管理员", RoleKind.ADMINISTRATOR, CITY_CODE, "陈立新", "13910000001", is_staff=True, needs_mfa=True
    ),
    DemoLogin("district", "区委工作人员", RoleKind.OFFICER, "BJ-DC", "张卫东", "13910000002", needs_mfa=True),
    DemoLogin("committee", "基层党委工作人员", RoleKind.OFFICER, "BJ-DC-EDU", "赵丽华", "13910000003", needs_mfa=True),
    DemoLogin("secretary", "党支部书记", RoleKind.SECRETARY, DEMO_BRANCH_CODE, "", "13910000004", member_login=True),
    DemoLogin("member", "党员", None, DEMO_BRANCH_CODE, "", "13910000005", member_login=True),
)


DEMO_LOGINS_BY_USERNAME = {login.username: login for login in DEMO_LOGINS}
