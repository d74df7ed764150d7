"""The tables of the organisational-life demo: topics, lectures, places, leave reasons, talk summaries,
pledges and posts, the demo's codes and sizes, and the dated moments the story uses."""

from __future__ import annotations

import calendar
import datetime
import random

from django.utils import timezone

from activities.meetings import services as services
from activities.models import (
    AttendanceStatus,
    MeetingKind,
    PioneerPostKind,
    ThemeDayPart,
)
from branches.models import (
    OrganizationCategory,
)
from demo.tree import tables as tree_tables

CITY_CODE = tree_tables.CITY_CODE


DISTRICT_CODE = tree_tables.DISTRICTS[0].code  # 东城区委, where the demo logins work


DEMO_BRANCH_CODE = tree_tables.DEMO_BRANCH_CODE


# In a larger tree (benchmarks), branches outside 东城 get the meetings of last month and this month only, which
# keeps `seed_demo --branches 2000` to about half a minute more; the talks, commitments and posts are written for all.
FULL_STORY_MAX_BRANCHES = 500


BRANCH_CHUNK = 200  # branches per transaction


BATCH_SIZE = 5000


FILE_AFTER_DAYS = 7  # a meeting held this long ago is filed (unless the story leaves it unfiled)


COMMITTEE_MIN_MEMBERS = 7


Kind = MeetingKind


Cat = OrganizationCategory


Part = ThemeDayPart


A = AttendanceStatus


# fmt: off
THEME_DAYS: dict[int, tuple[str, tuple[str, ...], str]] = {  # month: topic, parts, what was studied
    1: ("新年第一课：重温入党誓词，明确全年努力方向", (Part.STUDY, Part.DELIBERATION), "《中国共产党章程》总纲"),
    2: ("学党章：党员的义务和权利", (Part.STUDY, Part.LECTURE), "党章第一章"),
    3: ("学雷锋志愿服务主题党日", (Part.STUDY, Part.VOLUNTEER), "雷锋同志的先进事迹"),
    4: ("清明祭英烈，缅怀革命先烈", (Part.STUDY,), "革命先烈的英雄事迹"),
    5: ("学习《关于新形势下党内政治生活的若干准则》", (Part.STUDY, Part.DELIBERATION),
        "《关于新形势下党内政治生活的若干准则》"),
    6: ("学习视察北京重要讲话精神，立足岗位作贡献", (Part.STUDY, Part.LECTURE), "视察北京重要讲话精神"),
    7: ("庆祝建党节：过政治生日，交流入党初心", (Part.STUDY, Part.DELIBERATION), "党的历史"),
    8: ("警示教育主题党日：以案为鉴，严守纪律", (Part.STUDY,), "警示教育读本"),
    9: ("学习先进典型，争做合格党员", (Part.STUDY, Part.VOLUNTEER), "廖俊波同志的先进事迹"),
    10: ("参观北大红楼，追寻红色足迹", (Part.STUDY, Part.LECTURE), "北大红楼的红色历史"),
    11: ("跟进学习党的二十届三中全会精神", (Part.STUDY, Part.DELIBERATION), "党的二十届三中全会精神"),
    12: ("对照“四个合格”开展自我检视", (Part.STUDY, Part.DELIBERATION), "“四个合格”的标准"),
}


COMMITTEE_TOPICS = {
    1: "研究年度党建工作要点和学习计划",
    6: "研究“七一”系列活动安排",
    12: "研究年度组织生活会和民主评议党员准备工作",
}


COMMITTEE_TOPIC = "研究%(month)d月党建工作安排"


COMMITTEE_MATTERS = (
    "党费收缴情况", "入党积极分子培养考察情况", "困难党员走访慰问", "党员教育管理中的问题", "党小组活动开展情况",
)


QUARTERS = {3: "第一季度", 6: "第二季度", 9: "第三季度", 12: "第四季度"}


GENERAL_TOPICS = {
    3: "对照党章党规查找差距",
    6: "学习视察北京重要讲话精神，思考“建设一个什么样的首都，怎样建设首都”",
    9: "学习廖俊波同志先进事迹，争做合格党员",
    12: "对照“四个合格”开展自我检视",
}


LECTURES = {  # month: topic
    2: "做一名讲政治、守规矩的合格党员",
    5: "严守政治纪律和政治规矩",
    7: "“七一”专题党课：从党的历史中汲取奋进力量",
    11: "学习贯彻党的二十届三中全会精神",
}


EXTERNAL_LECTURERS = (("王建华", "区委党校副教授"), ("刘秀英", "区委讲师团成员"), ("陈志强", "区纪委监委干部"))


LEAVE_REASONS: dict[str, tuple[str, ...]] = {
    "default": ("出差", "外出培训", "生病就医", "家中有事", "值班", "参加单位紧急任务"),
    Cat.SCHOOL: ("带学生参加区里的比赛", "参加区教研活动", "外出培训", "生病就医", "家中有事", "监考"),
    Cat.RETIRED: ("身体不适", "外地探亲", "住院治疗", "照顾家人"),
    Cat.VILLAGE: ("外出务工", "农忙", "生病就医", "家中有事"),
    Cat.NON_PUBLIC_ENTERPRISE: ("出差", "客户现场支持", "项目上线值守", "生病就医"),
}


FLOATING_REASONS = ("在外地工作，已参加流入地党组织活动", "外出务工，不能按时返回")


LOCATIONS: dict[str, tuple[str, ...]] = {
    "default": ("党员活动室", "三楼会议室", "党群服务中心"),
    Cat.SCHOOL: ("学校党员活动室", "教学楼三层会议室", "图书馆报告厅"),
    Cat.COMMUNITY: ("社区党群服务中心", "社区居委会会议室"),
    Cat.VILLAGE: ("村党群服务站", "村委会会议室"),
    Cat.RETIRED: ("老干部活动站", "社区党群服务中心"),
}


TALK_SUMMARIES = (
    "交流了近期思想和工作情况，对支部工作提出了意见建议，双方相互谈了改进的打算。",
    "了解了家庭和工作中的困难，鼓励其在岗位上发挥先锋模范作用。",
    "围绕学习教育交流了体会，对照党员标准查找了不足。",
    "就支部分工和党小组活动交换了意见，明确了下一步工作重点。",
    "谈了参加组织生活和完成学习任务的情况，提醒其按时参加支部活动。",
    "交流了对单位改革发展的看法，听取了对支部班子的意见。",
)


CRITICISM_SUMMARY = "针对多次无故缺席组织生活的问题进行了批评教育，本人表示今后按时参加支部活动。"


PLEDGES: dict[str, tuple[str, ...]] = {
    "default": (
        "立足本职岗位，高标准完成各项工作任务，主动承担急难险重任务。",
        "带头学习，按时参加组织生活，认真完成学习任务，做到学用结合。",
        "热心为群众办实事，全年参加志愿服务不少于4次。",
    ),
    Cat.SCHOOL: (
        "上好每一节课，关心每一名学生，全年开设一次校级公开课。",
        "带好所在年级组，主动帮扶青年教师，做到教书育人、为人师表。",
        "坚持每周为学困生义务答疑，帮助他们树立学习信心。",
    ),
    Cat.RETIRED: (
        "退休不褪色，按时参加支部活动，为社区做些力所能及的事。",
        "参加社区“银发”志愿服务，帮助邻里调解矛盾纠纷。",
    ),
    Cat.COMMUNITY: (
        "当好楼门长，及时了解和反映居民诉求，全年走访困难家庭不少于10户。",
        "参加社区环境整治和文明劝导志愿服务。",
    ),
}


MID_YEAR_REPORTS = (
    "上半年按承诺要求完成了本职工作，积极参加支部活动；不足是理论学习还不够系统，下半年要加强。",
    "承诺事项已完成大半，参加志愿服务2次，下半年继续抓好落实。",
    "上半年工作任务完成较好，带头完成了学习任务，今后要在服务群众方面下更大功夫。",
)


YEAR_END_REPORTS = (
    "全年承诺事项全部完成，工作中较好发挥了党员先锋模范作用。",
    "承诺事项基本完成，志愿服务次数还差一次，明年继续努力。",
)


BRANCH_COMMENTS = (
    "承诺具体、践诺扎实，发挥了党员先锋模范作用。",
    "践诺情况较好，希望在理论学习上进一步加强。",
    "能够按承诺要求开展工作，群众评价较好。",
)


POSTS: dict[str, tuple[tuple[str, str], ...]] = {  # kind, title
    "default": ((PioneerPostKind.PIONEER, "党员先锋岗"), (PioneerPostKind.MODEL, "党员示范岗"),
                (PioneerPostKind.RESPONSIBILITY, "党员责任区")),
    Cat.SCHOOL: ((PioneerPostKind.PIONEER, "初三年级党员先锋岗"), (PioneerPostKind.MODEL, "课堂教学党员示范岗"),
                 (PioneerPostKind.RESPONSIBILITY, "学生社团党员责任区")),
    Cat.COMMUNITY: ((PioneerPostKind.RESPONSIBILITY, "楼门院党员责任区"),
                    (PioneerPostKind.PIONEER, "社区服务党员先锋岗")),
    Cat.STATE_ENTERPRISE: ((PioneerPostKind.PIONEER, "安全生产党员先锋岗"),
                           (PioneerPostKind.MODEL, "技术攻关党员示范岗")),
    Cat.GOVERNMENT: ((PioneerPostKind.MODEL, "为民服务窗口党员示范岗"),
                     (PioneerPostKind.PIONEER, "政策研究党员先锋岗")),
}


AMENDMENT_REASONS = (
    "补充会议纪要中遗漏的交流发言情况。",
    "会后核对签到表，更正会议地点的记录错误。",
)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, "activities", *parts)))  # noqa: S311 - demo data


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of a local (Asia/Shanghai) day."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _workday(day: datetime.date) -> datetime.date:
    """The nearest weekday in the same month (Saturday → Friday, Sunday → Monday, or Friday at a month's end)."""
    if day.weekday() == 5:
        return day - datetime.timedelta(days=1)
    if day.weekday() == 6:
        monday = day + datetime.timedelta(days=1)
        return monday if monday.month == day.month else day - datetime.timedelta(days=2)
    return day


def _day_of(year: int, month: int, day: int) -> datetime.date:
    return _workday(datetime.date(year, month, min(day, calendar.monthrange(year, month)[1])))


def _choice(options: dict[str, tuple], category: str) -> tuple:
    return options.get(category, options["default"])
