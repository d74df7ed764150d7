"""Demo data (演示数据) for `manage.py seed_demo`: a Beijing-shaped tree with members and demo logins.

The data is a plan computed from `(branches, seed, today)`:

* Branch number *i* (0, 1, 2, …) always gets the same code, name, place in the
  tree and members, whatever the requested number of branches: asking for more
  branches later extends the plan, it never reshuffles it. Every branch, unit
  and member draws from its own random generator seeded with the seed and the
  organisation code.
* Organisation codes are the natural keys: what already exists is left alone,
  only the missing organisations (and the members of missing branches) are
  written, one transaction per district.
* Writes use bulk inserts, but produce what the services produce:
  `organization_create` (path and depth from the primary key),
  `member_create` (encrypted ID number and digest via `Member.set_id_number`,
  one open `Membership` row), `member_transfer` (closed row in the old branch,
  open row in the new one), `member_status_change` (row closed on the status
  date), `role_assign`.

Dates are relative to `today`: some committee terms fall due within 60 days,
some are overdue, probationary members joined within the last year.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from branches import idnumbers, services
from branches.models import (
    Education,
    Gender,
    Member,
    MemberCategory,
    Membership,
    MembershipType,
    MemberStatus,
    Organization,
    OrganizationCategory,
    OrganizationKind,
    PartyGroup,
    Role,
    RoleKind,
    User,
)

DEMO_PASSWORD = "demo-2026"  # noqa: S105 - the documented password of the demo logins
DEFAULT_SEED = 2017
DEFAULT_BRANCHES = 40
MEAN_BRANCH_SIZE = 25.05  # a little above 25, so that 2,000 branches hold at least 50,000 members
BATCH_SIZE = 2000

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


# ---------------------------------------------------------------------------
# Name pools
# ---------------------------------------------------------------------------


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
CHAOYANG, HAIDIAN = DISTRICTS[2], DISTRICTS[3]

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
# fmt: on


# ---------------------------------------------------------------------------
# Member profiles
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Demo logins
# ---------------------------------------------------------------------------

DEMO_DISTRICT_CODE = "BJ-DC"  # 东城区委: the demo officer's district
DEMO_BRANCH_CODE = "BJ-DC-EDU-S01-01"  # 东城区教育系统第一中学教工第一党支部, branch number 0


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


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------


@dataclass
class OrgPlan:
    code: str
    name: str
    kind: str
    category: str
    parent_code: str | None
    group_code: str  # the district (or 工委) whose transaction writes it
    depth: int
    short_name: str = ""
    established_on: datetime.date | None = None
    term_started_on: datetime.date | None = None
    term_ends_on: datetime.date | None = None
    is_weak: bool = False
    weak_since: datetime.date | None = None
    weak_reason: str = ""
    address: str = ""
    index: int | None = None  # branch number
    profile: str = ""
    size: int = 0

    def organization_fields(self) -> dict:
        return {
            "name": self.name,
            "short_name": self.short_name,
            "code": self.code,
            "kind": self.kind,
            "category": self.category,
            "established_on": self.established_on,
            "term_started_on": self.term_started_on,
            "term_ends_on": self.term_ends_on,
            "is_weak": self.is_weak,
            "weak_since": self.weak_since,
            "weak_reason": self.weak_reason,
            "address": self.address,
        }


@dataclass(slots=True)
class MemberPlan:
    name: str
    gender: str
    birth_date: datetime.date
    ethnicity: str
    education: str
    phone: str
    region: str
    sequence: int
    membership_type: str
    joined_on: datetime.date
    full_member_on: datetime.date | None
    started_on: datetime.date
    position: str
    is_retired: bool = False
    is_floating: bool = False
    is_non_public: bool = False
    is_leading_cadre: bool = False
    is_student: bool = False
    status: str = MemberStatus.ACTIVE
    status_changed_on: datetime.date | None = None
    group_number: int | None = None
    committee_role: str | None = None
    login: str = ""
    previous_branch: str = ""
    id_number: str = ""

    def compose_id_number(self) -> str:
        return idnumbers.compose(region=self.region, birth_date=self.birth_date, sequence=self.sequence)


@dataclass
class DemoPlan:
    organizations: list[OrgPlan]
    branches: list[OrgPlan]
    members: dict[str, list[MemberPlan]] = field(default_factory=dict)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, *parts)))  # noqa: S311 - demo data, not secrets


def chinese_number(n: int) -> str:
    """一, 二, …, 十一, 二十, 一百零一: the ordinals in organisation names."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        text = digits[hundreds] + "百"
        if rest == 0:
            return text
        if rest < 10:
            return text + "零" + digits[rest]
        return text + digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else "")
    return str(n)


def _nth(names: Sequence[str], n: int) -> str:
    """The n-th name; past the end of the list the names come round again, numbered: 图书馆（二）."""
    name = names[n % len(names)]
    lap = n // len(names)
    return f"{name}（{chinese_number(lap + 1)}）" if lap else name


def _shuffled(seed: int, key: str, names: Sequence[str]) -> list[str]:
    pool = list(names)
    _rng(seed, "pool", key).shuffle(pool)
    return pool


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


class _PlanBuilder:
    """Lays out branch after branch; the organisations above a branch are added the first time one needs them."""

    def __init__(self, *, seed: int, today: datetime.date) -> None:
        self.seed = seed
        self.today = today
        self.organizations: dict[str, OrgPlan] = {}
        self.branches: list[OrgPlan] = []
        self.counters: Counter = Counter()
        self.member_total = 0
        self._add(
            OrgPlan(
                CITY_CODE, CITY_NAME, Kind.MUNICIPAL_COMMITTEE, Cat.GOVERNMENT, None, CITY_CODE, 1, short_name="市委"
            )
        )

    # -- organisations above the branches ---------------------------------

    def _add(self, plan: OrgPlan) -> OrgPlan:
        return self.organizations.setdefault(plan.code, plan)

    def _unit(self, code: str, name: str, kind: str, category: str, parent: OrgPlan, **extra) -> OrgPlan:
        if code in self.organizations:
            return self.organizations[code]
        rng = _rng(self.seed, code)
        term_ends = self.today + _days(rng, 90, 5 * 365 - 30)
        plan = OrgPlan(
            code,
            name,
            kind,
            category,
            parent.code,
            parent.group_code,
            parent.depth + 1,
            established_on=datetime.date(rng.randint(1978, 2015), rng.randint(1, 12), rng.randint(1, 28)),
            term_started_on=add_years(term_ends, -5),
            term_ends_on=term_ends,
            **extra,
        )
        return self._add(plan)

    def _district(self, district: District) -> OrgPlan:
        city = self.organizations[CITY_CODE]
        if district.code not in self.organizations:
            self._add(
                OrgPlan(
                    district.code,
                    district.name,
                    Kind.DISTRICT_COMMITTEE,
                    Cat.GOVERNMENT,
                    CITY_CODE,
                    district.code,
                    city.depth + 1,
                    short_name=district.short,
                )
            )
        return self.organizations[district.code]

    def _education_committee(self) -> OrgPlan:
        city = self.organizations[CITY_CODE]
        if EDUCATION_COMMITTEE_CODE not in self.organizations:
            self._add(
                OrgPlan(
                    EDUCATION_COMMITTEE_CODE,
                    EDUCATION_COMMITTEE_NAME,
                    Kind.WORKING_COMMITTEE,
                    Cat.SCHOOL,
                    CITY_CODE,
                    EDUCATION_COMMITTEE_CODE,
                    city.depth + 1,
                    short_name="教育工委",
                )
            )
        return self.organizations[EDUCATION_COMMITTEE_CODE]

    # -- one branch --------------------------------------------------------

    def add_branch(self, index: int) -> OrgPlan:
        category = CATEGORY_CYCLE[index % len(CATEGORY_CYCLE)]
        block = index // 10
        district = DISTRICTS[block % len(DISTRICTS)]
        if category == Cat.VILLAGE:
            district = CHAOYANG if block % 2 == 0 else HAIDIAN
        if category == Cat.SCHOOL:
            schools_so_far = self.counters["school"]
            self.counters["school"] += 1
            if schools_so_far % 2 == 1:
                return self._finish_branch(index, *self._university_branch())
        key = (district.code, category)
        number = self.counters[key]
        self.counters[key] += 1
        builder = {
            Cat.SCHOOL: self._school_branch,
            Cat.COMMUNITY: self._community_branch,
            Cat.GOVERNMENT: self._government_branch,
            Cat.NON_PUBLIC_ENTERPRISE: self._non_public_branch,
            Cat.PUBLIC_INSTITUTION: self._institution_branch,
            Cat.STATE_ENTERPRISE: self._state_enterprise_branch,
            Cat.SOCIAL_ORGANIZATION: self._social_branch,
            Cat.RETIRED: self._retired_branch,
            Cat.VILLAGE: self._village_branch,
            Cat.OTHER: self._building_branch,
        }[category]
        return self._finish_branch(index, *builder(district, number))

    def _finish_branch(
        self, index: int, parent: OrgPlan, code: str, name: str, category: str, profile: str, address: str = ""
    ) -> OrgPlan:
        rng = _rng(self.seed, code)
        years = 5 if category in (Cat.VILLAGE, Cat.COMMUNITY) else 3
        if index % 10 == 4:  # 换届 due within 60 days
            term_ends = self.today + _days(rng, 5, 55)
        elif index % 25 == 7:  # overdue
            term_ends = self.today - _days(rng, 10, 200)
        else:
            term_ends = self.today + _days(rng, 61, years * 365 - 30)
        term_started = add_years(term_ends, -years)
        established = add_years(term_started, -rng.randint(0, 30))
        is_weak = index % 50 in (13, 37)
        size_profile = PROFILES[profile]
        drawn = rng.triangular(*size_profile.size)
        deficit = MEAN_BRANCH_SIZE * index - self.member_total
        size = max(3, min(150, round(drawn + deficit / 2)))
        self.member_total += size
        plan = OrgPlan(
            code,
            name,
            Kind.BRANCH,
            category,
            parent.code,
            parent.group_code,
            parent.depth + 1,
            established_on=max(established, datetime.date(1950, 1, 1)),
            term_started_on=term_started,
            term_ends_on=term_ends,
            is_weak=is_weak,
            weak_since=self.today - _days(rng, 30, 400) if is_weak else None,
            weak_reason=rng.choice(WEAK_REASONS) if is_weak else "",
            address=address,
            index=index,
            profile=profile,
            size=size,
        )
        self._add(plan)
        self.branches.append(plan)
        return plan

    def _school_branch(self, district: District, number: int):
        school_number, k = divmod(number, len(SCHOOL_BRANCHES))
        top = self._district(district)
        system = self._unit(
            f"{district.code}-EDU",
            f"{district.area}教育系统党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.SCHOOL,
            top,
            short_name=f"{district.short}教育系统党委",
        )
        if school_number < len(SCHOOLS):
            school = SCHOOLS[school_number]
        else:
            school = f"第{chinese_number(school_number + 8)}中学"
        unit = self._unit(
            f"{system.code}-S{school_number + 1:02d}",
            f"{district.area}{school}党总支",
            Kind.GENERAL_BRANCH,
            Cat.SCHOOL,
            system,
        )
        name = f"{district.area}教育系统{school}{SCHOOL_BRANCHES[k]}"
        return unit, f"{unit.code}-{k + 1:02d}", name, Cat.SCHOOL, Cat.SCHOOL

    def _university_branch(self):
        number = self.counters["university"]
        self.counters["university"] += 1
        college_number, k = divmod(number, len(UNIVERSITY_BRANCHES))
        university_number, c = divmod(college_number, 6)
        top = self._education_committee()
        university_name = _nth(UNIVERSITIES, university_number)
        university = self._unit(
            f"{top.code}-U{university_number + 1:02d}",
            f"{university_name}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.SCHOOL,
            top,
        )
        college_name = _shuffled(self.seed, university.code, COLLEGES)[c]
        college = self._unit(
            f"{university.code}-C{c + 1:02d}",
            f"{university_name}{college_name}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.SCHOOL,
            university,
            short_name=f"{college_name}党委",
        )
        branch_name, profile = UNIVERSITY_BRANCHES[k]
        name = f"{university_name}{college_name}{branch_name}"
        return college, f"{college.code}-{k + 1:02d}", name, Cat.SCHOOL, profile

    def _community_branch(self, district: District, number: int):
        street_number, k = divmod(number, 8)
        street = _nth(district.streets, street_number)
        unit = self._unit(
            f"{district.code}-JD{street_number + 1:02d}",
            f"{district.area}{street}街道工委",
            Kind.WORKING_COMMITTEE,
            Cat.COMMUNITY,
            self._district(district),
            short_name=f"{street}街道工委",
        )
        pool = WANGJING_COMMUNITIES if street == "望京" else _shuffled(self.seed, unit.code, COMMUNITY_NAMES)
        community = pool[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{street}街道{community}社区党支部",
            Cat.COMMUNITY,
            Cat.COMMUNITY,
            f"北京市{district.area}{street}街道{community}社区居委会",
        )

    def _government_branch(self, district: District, number: int):
        bureau_number, k = divmod(number, 4)
        bureau = _nth(_shuffled(self.seed, district.code, BUREAUS), bureau_number)
        unit = self._unit(
            f"{district.code}-JG{bureau_number + 1:02d}",
            f"{district.area}{bureau}机关党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.GOVERNMENT,
            self._district(district),
        )
        department = _shuffled(self.seed, unit.code, GOVERNMENT_DEPARTMENTS)[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{bureau}{department}党支部",
            Cat.GOVERNMENT,
            Cat.GOVERNMENT,
        )

    def _non_public_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 15)
        area = _nth(district.streets, unit_number)
        unit = self._unit(
            f"{district.code}-FG{unit_number + 1:02d}",
            f"{district.area}{area}地区非公有制企业综合党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.NON_PUBLIC_ENTERPRISE,
            self._district(district),
        )
        rng = _rng(self.seed, unit.code, k)
        company = f"北京{''.join(rng.sample(BRAND_CHARS, 2))}{rng.choice(INDUSTRIES)}有限公司"
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{company}党支部",
            Cat.NON_PUBLIC_ENTERPRISE,
            Cat.NON_PUBLIC_ENTERPRISE,
        )

    def _institution_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 5)
        institution, departments, profile = INSTITUTIONS[unit_number % len(INSTITUTIONS)]
        institution = _nth([entry[0] for entry in INSTITUTIONS], unit_number)
        unit = self._unit(
            f"{district.code}-SY{unit_number + 1:02d}",
            f"{district.area}{institution}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.PUBLIC_INSTITUTION,
            self._district(district),
        )
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{institution}{departments[k]}党支部",
            Cat.PUBLIC_INSTITUTION,
            profile,
        )

    def _state_enterprise_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 6)
        company = f"北京{district.short}{_nth(_shuffled(self.seed, district.code, COMPANIES), unit_number)}"
        unit = self._unit(
            f"{district.code}-GQ{unit_number + 1:02d}",
            f"{company}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.STATE_ENTERPRISE,
            self._district(district),
        )
        department = _shuffled(self.seed, unit.code, COMPANY_DEPARTMENTS)[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{company}{department}党支部",
            Cat.STATE_ENTERPRISE,
            Cat.STATE_ENTERPRISE,
        )

    def _social_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 12)
        ordinal = f"第{chinese_number(unit_number + 1)}" if unit_number else ""
        unit = self._unit(
            f"{district.code}-SH{unit_number + 1:02d}",
            f"{district.area}社会组织{ordinal}综合党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.SOCIAL_ORGANIZATION,
            self._district(district),
        )
        organization = _shuffled(self.seed, unit.code, SOCIAL_ORGANIZATIONS)[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{organization}党支部",
            Cat.SOCIAL_ORGANIZATION,
            Cat.SOCIAL_ORGANIZATION,
        )

    def _retired_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 8)
        if unit_number == 0:
            unit_name = f"{district.area}委老干部局离退休干部党委"
        else:
            unit_name = f"{district.area}离退休干部第{chinese_number(unit_number + 1)}党委"
        unit = self._unit(
            f"{district.code}-LT{unit_number + 1:02d}",
            unit_name,
            Kind.PRIMARY_COMMITTEE,
            Cat.RETIRED,
            self._district(district),
        )
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}离退休干部第{chinese_number(number + 1)}党支部",
            Cat.RETIRED,
            Cat.RETIRED,
        )

    def _village_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 15)
        town = _nth(district.towns, unit_number)
        unit = self._unit(
            f"{district.code}-NC{unit_number + 1:02d}",
            f"{district.area}{town}党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.VILLAGE,
            self._district(district),
            short_name=f"{town}党委",
        )
        village = _shuffled(self.seed, unit.code, VILLAGE_NAMES)[k]
        return (
            unit,
            f"{unit.code}-{k + 1:02d}",
            f"{district.area}{town}{village}村党支部",
            Cat.VILLAGE,
            Cat.VILLAGE,
            f"北京市{district.area}{town}{village}村村民委员会",
        )

    def _building_branch(self, district: District, number: int):
        unit_number, k = divmod(number, 8)
        area = _nth(district.streets, unit_number + 3)
        unit = self._unit(
            f"{district.code}-LY{unit_number + 1:02d}",
            f"{district.area}{area}地区商务楼宇联合党委",
            Kind.PRIMARY_COMMITTEE,
            Cat.OTHER,
            self._district(district),
        )
        rng = _rng(self.seed, unit.code, k)
        building = f"{''.join(rng.sample(BRAND_CHARS, 2))}{rng.choice(BUILDINGS)}"
        return (unit, f"{unit.code}-{k + 1:02d}", f"{district.area}{building}联合党支部", Cat.OTHER, Cat.OTHER)


def demo_plan(*, branches: int, seed: int, today: datetime.date) -> DemoPlan:
    """The organisations and members of the demo, without touching the database.

    The first `n` branches of a bigger plan are exactly the branches of a plan of `n`.
    """
    builder = _PlanBuilder(seed=seed, today=today)
    for index in range(branches):
        builder.add_branch(index)
    plan = DemoPlan(organizations=list(builder.organizations.values()), branches=builder.branches)
    _plan_members(plan, seed=seed, today=today)
    return plan


# ---------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------


def _person_name(rng: random.Random, *, male: bool, birth_year: int, today: datetime.date) -> str:
    surname = SURNAME_CHOICE.pick(rng)
    if birth_year < 1965 and rng.random() < 0.35:
        return surname + rng.choice(OLD_MALE_NAMES if male else OLD_FEMALE_NAMES)
    if birth_year > today.year - 32 and rng.random() < 0.25:
        return surname + rng.choice(YOUNG_MALE_NAMES if male else YOUNG_FEMALE_NAMES)
    roll = rng.random()
    if roll < 0.45:
        return surname + rng.choice(MALE_NAMES if male else FEMALE_NAMES)
    chars = MALE_CHARS if male else FEMALE_CHARS
    if roll < 0.75:
        return surname + rng.choice(chars)
    return surname + "".join(rng.sample(chars, 2))


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _member(
    rng: random.Random, *, profile: Profile, district: District | None, today: datetime.date, committee: bool = False
) -> MemberPlan:
    age_days = int(rng.triangular(*profile.age) * 365.2425)
    birth = today - datetime.timedelta(days=age_days) + _days(rng, 0, 200)
    male = rng.random() < profile.male
    floating = not committee and rng.random() < profile.floating
    if floating or rng.random() < 0.12:
        region = rng.choice(OTHER_REGIONS)
    elif district is None or rng.random() < 0.15:
        region = rng.choice(BEIJING_REGIONS)
    else:
        region = district.region
    eighteenth = add_years(birth, 18)
    probationary = (
        not committee and rng.random() < profile.probationary and eighteenth < today - datetime.timedelta(days=400)
    )
    if probationary:
        joined = today - _days(rng, 20, 350)
        full = None
    else:
        latest = today - datetime.timedelta(days=400)
        joined = eighteenth + datetime.timedelta(days=int(rng.triangular(0, 25, 4) * 365.2425))
        if joined > latest:
            joined = eighteenth + datetime.timedelta(days=rng.randint(1, max(1, (latest - eighteenth).days)))
        full = add_years(joined, 1)
    age = _age_on(birth, today)
    retired = profile.retired or (
        profile.retired_from_age is not None and age >= profile.retired_from_age and rng.random() < 0.9
    )
    leading = rng.random() < profile.leading and age >= 30
    if retired and not profile.retired:
        position = "退休职工"
    elif profile.retired:
        # 离休: in work before 1 October 1949.
        position = "离休干部" if birth.year <= 1933 else rng.choice(profile.jobs)
    elif leading:
        position = rng.choice(profile.leading_jobs)
    else:
        position = rng.choice(profile.jobs)
    if profile.student or probationary:
        started = joined
    elif retired and add_years(birth, 60) > joined:
        started = min(add_years(birth, 60), today - datetime.timedelta(days=30))
    else:
        span = max(0, (today - datetime.timedelta(days=30) - joined).days)
        started = joined + datetime.timedelta(days=int(span * rng.random() ** 2))
    return MemberPlan(
        name=_person_name(rng, male=male, birth_year=birth.year, today=today),
        gender=Gender.MALE if male else Gender.FEMALE,
        birth_date=birth,
        ethnicity=ETHNICITY_CHOICE.pick(rng),
        education=profile.education.pick(rng),
        phone=_phone(rng),
        region=region,
        sequence=rng.randrange(500) * 2 + (1 if male else 0),  # odd for men, even for women (GB 11643)
        membership_type=MembershipType.PROBATIONARY if probationary else MembershipType.FULL,
        joined_on=joined,
        full_member_on=full,
        started_on=started,
        position=position,
        is_retired=retired,
        is_floating=floating,
        is_non_public=rng.random() < profile.non_public,
        is_leading_cadre=leading,
        is_student=profile.student,
    )


def _branch_members(plan: OrgPlan, *, seed: int, today: datetime.date, earlier: Sequence[OrgPlan]) -> list[MemberPlan]:
    rng = _rng(seed, "members", plan.code)
    profile = PROFILES[plan.profile]
    district = DISTRICTS_BY_CODE.get(plan.group_code)
    committee_size = 1 if plan.size < 7 else 3 if plan.size < 30 else 5
    roles = COMMITTEE_ROLES[committee_size]
    members = []
    for number in range(plan.size):
        in_committee = number < committee_size
        member_profile = PROFILES["university_staff"] if profile.student and number == 0 else profile
        member = _member(rng, profile=member_profile, district=district, today=today, committee=in_committee)
        if in_committee:
            member.committee_role = roles[number]
            if plan.category == Cat.GOVERNMENT and number == 0:
                member.is_leading_cadre = True
                member.position = rng.choice(PROFILES[Cat.GOVERNMENT].leading_jobs)
        else:
            _member_history(rng, member, profile=profile, today=today, earlier=earlier)
        members.append(member)
    _ensure_special_members(rng, plan, members, profile=profile, today=today)
    group_count = 0 if plan.size < 30 else min(6, -(-plan.size // 15))
    if group_count:
        for number, member in enumerate(members):
            member.group_number = number % group_count
    return members


def _member_history(
    rng: random.Random, member: MemberPlan, *, profile: Profile, today: datetime.date, earlier: Sequence[OrgPlan]
) -> None:
    """Transfers from an earlier branch of the district, and statuses other than active."""
    if earlier and member.started_on > member.joined_on + datetime.timedelta(days=365) and rng.random() < 0.12:
        member.previous_branch = rng.choice(earlier).code
    roll = rng.random()
    status = None
    if roll < profile.deceased:
        status = MemberStatus.DECEASED
    elif roll < profile.deceased + 0.015:
        status = MemberStatus.TRANSFERRED_OUT
    elif roll < profile.deceased + 0.017:
        status = MemberStatus.LEFT
    if status:
        member.status = status
        member.status_changed_on = member.started_on + datetime.timedelta(
            days=int(max(0, (today - member.started_on).days) * rng.random())
        )


def _ensure_special_members(
    rng: random.Random, plan: OrgPlan, members: list[MemberPlan], *, profile: Profile, today: datetime.date
) -> None:
    """Every kind of branch shows what is typical of it, even at the smallest size."""
    ordinary = [member for member in members if member.committee_role is None and member.status == MemberStatus.ACTIVE]
    if not ordinary:
        return
    last = ordinary[-1]
    if profile.floating and not any(member.is_floating for member in members):
        last.is_floating = True
        last.region = rng.choice(OTHER_REGIONS)
    if profile.deceased and len(members) >= 8 and not any(m.status == MemberStatus.DECEASED for m in members):
        last.status = MemberStatus.DECEASED
        last.status_changed_on = last.started_on + datetime.timedelta(
            days=int(max(0, (today - last.started_on).days) * rng.random())
        )


def _plan_members(plan: DemoPlan, *, seed: int, today: datetime.date) -> None:
    """Members of every branch, with ID numbers unique across the whole plan (resolved in branch order)."""
    earlier_in_group: dict[str, list[OrgPlan]] = defaultdict(list)
    used: set[str] = set()
    for branch in plan.branches:
        earlier = earlier_in_group[branch.group_code]
        members = _branch_members(branch, seed=seed, today=today, earlier=earlier[-60:])
        for member in members:
            _assign_id_number(member, used)
        plan.members[branch.code] = members
        earlier.append(branch)
    if plan.branches:
        demo_branch = plan.members[plan.branches[0].code]
        _mark_demo_logins(demo_branch)


def _assign_id_number(member: MemberPlan, used: set[str]) -> None:
    number = member.compose_id_number()
    tries = 0
    while number in used:
        tries += 1
        if tries >= 500:  # every sequence of this birth date and sex is taken: move the birth date by a day
            member.birth_date += datetime.timedelta(days=1)
            tries = 0
        member.sequence = (member.sequence + 2) % 1000
        number = member.compose_id_number()
    used.add(number)
    member.id_number = number


def _mark_demo_logins(members: list[MemberPlan]) -> None:
    secretary = next(member for member in members if member.committee_role == RoleKind.SECRETARY)
    secretary.login = "secretary"
    secretary.phone = DEMO_LOGINS_BY_USERNAME["secretary"].phone
    ordinary = next(
        member
        for member in members
        if member.committee_role is None
        and member.status == MemberStatus.ACTIVE
        and member.membership_type == MembershipType.FULL
        and not member.is_leading_cadre
    )
    ordinary.login = "member"
    ordinary.phone = DEMO_LOGINS_BY_USERNAME["member"].phone


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


@dataclass
class DemoLoginResult:
    login: DemoLogin
    full_name: str
    organization_name: str
    created: bool


@dataclass
class DemoSeedResult:
    planned_branches: int
    organizations_created: int = 0
    organizations_existing: int = 0
    branches_created: int = 0
    members_created: int = 0
    users_created: int = 0
    logins: list[DemoLoginResult] = field(default_factory=list)
    seconds: float = 0.0


def _chunks(items: Sequence, size: int = 1000) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_organizations(codes: Sequence[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for chunk in _chunks(codes):
        for organization in Organization.objects.filter(code__in=chunk):
            found[organization.code] = organization
    return found


def _check_kinds(plan: DemoPlan, existing: dict[str, Organization]) -> None:
    for spec in plan.organizations:
        organization = existing.get(spec.code)
        if organization is not None and organization.kind != spec.kind:
            raise ValidationError(
                _(
                    "组织代码%(code)s已被“%(name)s”（%(kind)s）使用，演示数据需要它是%(expected)s。请换一个数据库再生成演示数据。"
                )
                % {
                    "code": spec.code,
                    "name": organization.name,
                    "kind": organization.get_kind_display(),
                    "expected": Kind(spec.kind).label,
                }
            )


def _create_organizations(specs: list[OrgPlan], known: dict[str, Organization]) -> list[Organization]:
    """Insert organisations parents first, then give each its path (what `organization_create` does)."""
    created: list[Organization] = []
    by_depth: dict[int, list[OrgPlan]] = defaultdict(list)
    for spec in specs:
        by_depth[spec.depth].append(spec)
    for depth in sorted(by_depth):
        level = [
            Organization(
                parent=known[spec.parent_code] if spec.parent_code else None,
                path=f"~{spec.code}",  # a unique temporary path until the primary key is known
                depth=depth,
                **spec.organization_fields(),
            )
            for spec in by_depth[depth]
        ]
        Organization.objects.bulk_create(level, batch_size=BATCH_SIZE)
        for organization in level:
            parent_path = organization.parent.path if organization.parent_id else ""
            organization.path = parent_path + Organization.path_segment(organization.pk)
            organization.depth = organization.path.count("/")
            known[organization.code] = organization
        Organization.objects.bulk_update(level, ["path", "depth"], batch_size=500)
        created.extend(level)
    return created


def _free_foreign_collisions(members: list[MemberPlan], used: set[str]) -> None:
    """Members entered outside the demo might hold a planned ID number: move ours aside."""
    digests = {idnumbers.digest(member.id_number): member for member in members}
    taken: set[str] = set()
    for chunk in _chunks(list(digests)):
        taken.update(Member.objects.filter(id_number_digest__in=chunk).values_list("id_number_digest", flat=True))
    for digest in taken:
        member = digests[digest]
        while True:
            member.sequence = (member.sequence + 2) % 1000
            number = member.compose_id_number()
            if number not in used and not Member.objects.filter(id_number_digest=idnumbers.digest(number)).exists():
                break
        used.add(number)
        member.id_number = number


def _write_branches(
    branches: list[OrgPlan],
    members_by_branch: dict[str, list[MemberPlan]],
    known: dict[str, Organization],
    *,
    used: set[str],
    result: DemoSeedResult,
) -> None:
    """Committee accounts, groups, members, membership records and roles of new branches."""
    all_members = [member for branch in branches for member in members_by_branch[branch.code]]
    _free_foreign_collisions(all_members, used)

    # Accounts of committee members (no password: they receive a first-login link).
    users: dict[tuple[str, int], User] = {}
    for branch in branches:
        for number, member in enumerate(members_by_branch[branch.code]):
            if member.committee_role and not member.login:
                username = f"{branch.code.lower()}-{member.committee_role.replace('_', '-')}"
                users[(branch.code, number)] = User(
                    username=username, first_name=member.name, password=make_password(None)
                )
    taken_usernames = set()
    for chunk in _chunks([user.username for user in users.values()]):
        taken_usernames.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    users = {key: user for key, user in users.items() if user.username not in taken_usernames}
    User.objects.bulk_create(list(users.values()), batch_size=BATCH_SIZE)
    result.users_created += len(users)

    groups: dict[tuple[str, int], PartyGroup] = {}
    for branch in branches:
        numbers = {m.group_number for m in members_by_branch[branch.code] if m.group_number is not None}
        for number in sorted(numbers):
            groups[(branch.code, number)] = PartyGroup(
                organization=known[branch.code], name=f"第{chinese_number(number + 1)}党小组"
            )
    PartyGroup.objects.bulk_create(list(groups.values()), batch_size=BATCH_SIZE)

    rows: list[tuple[OrgPlan, MemberPlan, Member]] = []
    for branch in branches:
        organization = known[branch.code]
        for number, plan in enumerate(members_by_branch[branch.code]):
            member = Member(
                organization=organization,
                group=groups.get((branch.code, plan.group_number)) if plan.group_number is not None else None,
                user=users.get((branch.code, number)),
                name=plan.name,
                gender=plan.gender,
                birth_date=plan.birth_date,
                ethnicity=plan.ethnicity,
                education=plan.education,
                phone=plan.phone,
                membership_type=plan.membership_type,
                joined_on=plan.joined_on,
                full_member_on=plan.full_member_on,
                is_retired=plan.is_retired,
                is_floating=plan.is_floating,
                is_non_public=plan.is_non_public,
                is_leading_cadre=plan.is_leading_cadre,
                is_student=plan.is_student,
                status=plan.status,
                status_changed_on=plan.status_changed_on,
                position=plan.position,
            )
            member.set_id_number(plan.id_number)
            rows.append((branch, plan, member))
    Member.objects.bulk_create([member for _b, _p, member in rows], batch_size=BATCH_SIZE)
    result.members_created += len(rows)

    memberships = []
    for branch, plan, member in rows:
        ended = plan.status_changed_on if plan.status != MemberStatus.ACTIVE else None
        note = ""
        if plan.previous_branch:
            previous = known[plan.previous_branch]
            memberships.append(
                Membership(
                    member=member,
                    organization=previous,
                    started_on=plan.joined_on,
                    ended_on=plan.started_on,
                    note=f"转往{branch.name}",
                )
            )
            note = f"由{previous.name}转入"
        memberships.append(
            Membership(
                member=member, organization=member.organization, started_on=plan.started_on, ended_on=ended, note=note
            )
        )
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)

    leaders: dict[tuple[str, int], PartyGroup] = {}
    for branch, plan, member in rows:
        key = (branch.code, plan.group_number)
        if (
            plan.group_number is not None
            and key not in leaders
            and plan.committee_role is None
            and plan.status == MemberStatus.ACTIVE
        ):
            groups[key].leader = member
            leaders[key] = groups[key]
    PartyGroup.objects.bulk_update(list(leaders.values()), ["leader"], batch_size=500)

    roles = []
    for branch in branches:
        for number, plan in enumerate(members_by_branch[branch.code]):
            user = users.get((branch.code, number))
            if user is not None:
                roles.append(
                    Role(
                        user=user,
                        organization=known[branch.code],
                        kind=plan.committee_role,
                        started_on=branch.term_started_on,
                    )
                )
    Role.objects.bulk_create(roles, batch_size=BATCH_SIZE)


def demo_seed(
    *,
    branches: int = DEFAULT_BRANCHES,
    seed: int = DEFAULT_SEED,
    today: datetime.date,
    log: Callable[[str], None] | None = None,
) -> DemoSeedResult:
    """Create what is missing of the demo tree of `branches` branches, and the demo logins.

    Safe to run again: existing organisations (by code) and their members are left as they are.
    """
    if branches < 1:
        raise ValidationError(_("党支部数量至少为1。"))
    started = time.perf_counter()
    plan = demo_plan(branches=branches, seed=seed, today=today)
    used = {member.id_number for members in plan.members.values() for member in members}
    result = DemoSeedResult(planned_branches=branches)
    known = _existing_organizations([spec.code for spec in plan.organizations])
    _check_kinds(plan, known)
    result.organizations_existing = len(known)

    groups: dict[str, list[OrgPlan]] = defaultdict(list)
    for spec in plan.organizations:
        if spec.code not in known:
            groups[spec.group_code].append(spec)
    for group_code, specs in groups.items():
        group_started = time.perf_counter()
        with transaction.atomic():
            _create_organizations(specs, known)
            new_branches = [spec for spec in specs if spec.kind == Kind.BRANCH]
            members_before = result.members_created
            _write_branches(new_branches, plan.members, known, used=used, result=result)
        result.organizations_created += len(specs)
        result.branches_created += len(new_branches)
        if log:
            log(
                _("%(name)s：新增党组织%(orgs)d个（党支部%(branches)d个）、党员%(members)d名，用时%(seconds).1f秒。")
                % {
                    "name": known[group_code].name,
                    "orgs": len(specs),
                    "branches": len(new_branches),
                    "members": result.members_created - members_before,
                    "seconds": time.perf_counter() - group_started,
                }
            )
    if result.organizations_created:
        _analyze_tables()
    result.logins = demo_logins_ensure(plan=plan, known=known)
    result.users_created += sum(1 for login in result.logins if login.created)
    result.seconds = time.perf_counter() - started
    return result


def _analyze_tables() -> None:
    """Refresh the planner's statistics after a bulk load (autovacuum may be off, or not have run yet).

    Without them PostgreSQL still believes the tables are empty and picks nested loops
    and on-disk sorts for the tree's counts.
    """
    tables = [model._meta.db_table for model in (Organization, Member, Membership, PartyGroup, Role, User)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")  # noqa: S608 - table names from the models


@transaction.atomic
def demo_logins_ensure(*, plan: DemoPlan, known: dict[str, Organization]) -> list[DemoLoginResult]:
    """One login per role, created once; an existing login keeps its password."""
    planned = plan.members[DEMO_BRANCH_CODE]
    positions = {member.login: number for number, member in enumerate(planned) if member.login}
    results = []
    for login in DEMO_LOGINS:
        organization = known[login.organization_code]
        member = None
        if login.member_login:
            member = _demo_member(organization, planned, positions[login.username])
        user = User.objects.filter(username=login.username).first()
        created = user is None
        if created:
            phone_free = not User.objects.filter(phone=login.phone).exists()
            email_free = not User.objects.filter(email=login.email).exists()
            user = User(
                username=login.username,
                first_name=member.name if member else login.full_name,
                email=login.email if email_free else "",
                phone=login.phone if phone_free else None,
                is_staff=login.is_staff,
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            if login.is_staff:
                # The Django admin comes with the administrator role (role_assign); full ID numbers
                # stay an explicit permission of their own.
                user.user_permissions.add(_full_id_number_permission())
        if login.role_kind:
            services.role_assign(
                user=user, organization=organization, kind=login.role_kind, started_on=organization.term_started_on
            )
        if member is not None and member.user_id is None and not Member.objects.filter(user=user).exists():
            member.user = user
            member.save(update_fields=["user", "updated_at"])
        results.append(
            DemoLoginResult(
                login=login,
                full_name=user.get_full_name() or login.full_name,
                organization_name=organization.name,
                created=created,
            )
        )
    return results


def _demo_member(organization: Organization, planned: list[MemberPlan], position: int) -> Member | None:
    """The member planned at `position` in the demo branch: by ID number, else by insertion order.

    (A demo tree seeded on another day has other birth dates, hence other ID numbers.)
    """
    digest = idnumbers.digest(planned[position].id_number)
    member = Member.objects.filter(id_number_digest=digest, organization=organization).first()
    if member is None:
        member = Member.objects.filter(organization=organization).order_by("pk")[position : position + 1].first()
    return member


def _full_id_number_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="branches", codename="view_full_id_number")


def demo_branch_add(
    *,
    parent: Organization,
    code: str,
    name: str,
    category: str,
    size: int,
    seed: int = DEFAULT_SEED,
    today: datetime.date,
) -> Organization:
    """One extra branch of exactly `size` members (benchmarks need a known roster size). Idempotent by code."""
    existing = Organization.objects.filter(code=code).first()
    if existing is not None:
        return existing
    profile = category if category in PROFILES else Cat.OTHER
    spec = OrgPlan(
        code,
        name,
        Kind.BRANCH,
        category,
        parent.code,
        parent.code,
        parent.depth + 1,
        profile=profile,
        size=size,
        term_ends_on=today + datetime.timedelta(days=400),
    )
    spec.term_started_on = add_years(spec.term_ends_on, -3)
    members = _branch_members(spec, seed=seed, today=today, earlier=[])
    used: set[str] = set()
    for member in members:
        _assign_id_number(member, used)
    result = DemoSeedResult(planned_branches=1)
    known = {parent.code: parent}
    with transaction.atomic():
        _create_organizations([spec], known)
        _write_branches([spec], {code: members}, known, used=used, result=result)
    return known[code]


ROSTER_FILE_REGIONS = ("460105", "530102", "620102", "630102", "640104", "650102")  # none of them used by the seed


def demo_roster_members(
    *, count: int, seed: int = DEFAULT_SEED, today: datetime.date, regions: Sequence[str] = ROSTER_FILE_REGIONS
) -> list[MemberPlan]:
    """`count` plausible members with ID numbers unique among them, for roster files (benchmarks, manual tests).

    The ID numbers use `regions`, which the seeded tree never uses, so a file of them
    does not collide with the demo members.
    """
    rng = _rng(seed, "roster-file", count)
    kinds = [key for key, profile in PROFILES.items() if not profile.student]
    used: set[str] = set()
    members = []
    for _number in range(count):
        member = _member(rng, profile=PROFILES[rng.choice(kinds)], district=None, today=today)
        member.region = rng.choice(regions)
        _assign_id_number(member, used)
        members.append(member)
    return members


# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------


@dataclass
class DemoSummary:
    organizations_by_kind: dict[str, int]
    branches_by_category: dict[str, int]
    members: int
    active_members: int
    probationary_members: int
    members_by_category: dict[str, int]
    members_by_status: dict[str, int]
    memberships: int
    closed_memberships: int
    groups: int
    users: int
    weak_branches: int
    terms_due: int
    terms_overdue: int


def demo_summary(*, today: datetime.date) -> DemoSummary:
    """Counts of the demo tree (everything under the 市委), in a fixed number of queries."""
    city = Organization.objects.filter(code=CITY_CODE).first()
    prefix = city.path if city else "-"  # no path starts with "-": an empty summary
    organizations = Organization.objects.filter(path__startswith=prefix)
    branches = organizations.filter(kind=Kind.BRANCH)
    members = Member.objects.filter(organization__path__startswith=prefix)
    by_kind = dict(organizations.values_list("kind").annotate(n=Count("pk")).order_by())
    by_category = dict(branches.values_list("category").annotate(n=Count("pk")).order_by())
    member_counts = members.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status=MemberStatus.ACTIVE)),
        probationary=Count("pk", filter=Q(membership_type=MembershipType.PROBATIONARY)),
        **{category.value: Count("pk", filter=Q(**{category.value: True})) for category in MemberCategory},
    )
    by_status = dict(members.values_list("status").annotate(n=Count("pk")).order_by())
    membership_counts = Membership.objects.filter(member__organization__path__startswith=prefix).aggregate(
        total=Count("pk"), closed=Count("pk", filter=Q(ended_on__isnull=False))
    )
    branch_counts = branches.aggregate(
        weak=Count("pk", filter=Q(is_weak=True)),
        due=Count("pk", filter=Q(term_ends_on__gte=today, term_ends_on__lte=today + datetime.timedelta(days=60))),
        overdue=Count("pk", filter=Q(term_ends_on__lt=today)),
    )
    return DemoSummary(
        organizations_by_kind={kind: by_kind.get(kind, 0) for kind in Kind.values},
        branches_by_category={category: by_category.get(category, 0) for category in Cat.values},
        members=member_counts["total"],
        active_members=member_counts["active"],
        probationary_members=member_counts["probationary"],
        members_by_category={category.value: member_counts[category.value] for category in MemberCategory},
        members_by_status={status: by_status.get(status, 0) for status in MemberStatus.values},
        memberships=membership_counts["total"],
        closed_memberships=membership_counts["closed"],
        groups=PartyGroup.objects.filter(organization__path__startswith=prefix).count(),
        users=User.objects.count(),
        weak_branches=branch_counts["weak"],
        terms_due=branch_counts["due"],
        terms_overdue=branch_counts["overdue"],
    )
