"""The tables and shares of the generated history: topics, places, leave reasons, how many attend, drift away
or skip things, and the members and branches the generator loads."""

from __future__ import annotations

import calendar
import datetime
import random
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone

from activities.meetings import services as services
from activities.models import (
    AttendanceStatus,
    Meeting,
    MeetingKind,
    ThemeDayPart,
)
from branches.models import (
    COMMITTEE_ROLE_KINDS,
    RoleKind,
)

BRANCH_CHUNK = 200  # branches per transaction


BATCH_SIZE = 5000  # rows per bulk_create (SQLite)


FILE_AFTER_DAYS = 7  # held this long ago → filed (but for a few)


PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT.value, AttendanceStatus.LEAVE.value, AttendanceStatus.ABSENT.value


# Shares of the expected attendees (the rest is 缺席).
PRESENT_SHARE = 0.88


LEAVE_SHARE = 0.08


COMMITTEE_PRESENT_SHARE = 0.95  # at the 支委会


DRIFT_SHARE = 0.012  # members who stopped coming (M1)


UNFILED_SHARE = 0.03  # meetings of the last 40 days left unfiled beyond the week


QR_BRANCH_SHARE = 0.3  # branches that sign in by QR code


LECTURE_IN_THEME_DAY_SHARE = 0.3  # branches whose 党课 is part of a 主题党日


SECRETARY_LECTURE_SHARE = 0.5


MAKEUP_DONE_SHARE = 0.8  # 补学 done, of those already due


Kind = MeetingKind


Part = ThemeDayPart


# fmt: off
THEME_DAY_TOPICS = {
    1: "重温入党誓词，谋划全年支部工作", 2: "学习党章总纲，牢记党员身份", 3: "学雷锋主题志愿服务",
    4: "缅怀革命先烈，传承红色基因", 5: "学习党内政治生活准则，严肃组织生活", 6: "立足岗位建功，服务首都发展",
    7: "庆祝党的生日，交流入党初心", 8: "以案为鉴警示教育，严守纪律规矩", 9: "学习身边先进典型，争做合格党员",
    10: "走访红色教育基地，追寻革命足迹", 11: "学习贯彻全会精神，推动任务落实", 12: "对照合格党员标准，开展自我检视",
}


THEME_DAY_PARTS = {
    1: (Part.STUDY, Part.DELIBERATION), 2: (Part.STUDY,), 3: (Part.STUDY, Part.VOLUNTEER), 4: (Part.STUDY,),
    5: (Part.STUDY, Part.DELIBERATION), 6: (Part.STUDY, Part.VOLUNTEER), 7: (Part.STUDY, Part.DELIBERATION),
    8: (Part.STUDY,), 9: (Part.STUDY, Part.VOLUNTEER), 10: (Part.STUDY,), 11: (Part.STUDY, Part.DELIBERATION),
    12: (Part.STUDY, Part.DELIBERATION),
}


STUDY_TOPICS = (
    "党章第一章“党员”", "党章第二章“党的组织制度”", "《中国共产党纪律处分条例》", "党的创新理论最新成果",
    "习近平总书记对北京工作的重要讲话精神", "党史中的重要会议", "《关于新形势下党内政治生活的若干准则》",
    "《中国共产党党员教育管理工作条例》", "全国优秀共产党员先进事迹", "党的二十届三中全会精神",
    "《中国共产党支部工作条例（试行）》", "年度工作总结与党员思想交流",
)


COMMITTEE_TOPICS = (
    "研究本月主题党日安排", "研究发展党员和预备党员转正工作", "研究党费收缴和使用情况", "研究困难党员帮扶工作",
    "研究季度党员大会议题", "讨论支部年度学习计划落实情况", "研究“七一”表彰和仪式教育安排", "研究党员志愿服务安排",
    "分析党员思想状况", "研究组织生活会准备工作", "研究民主评议党员工作", "研究年度述职和工作总结",
)


GENERAL_TOPICS = {
    1: "专题研讨：学习领会全年工作部署，谈认识谈打算",
    2: "专题研讨：加强党性修养，立足岗位作表率",
    3: "专题研讨：对照党章党规找差距，推动问题整改",
    4: "专题研讨：总结全年支部工作，谋划明年重点任务",
}


LECTURE_TOPICS = {
    1: "党课：坚定理想信念，补足精神之钙",
    2: "党课：从党的历史中汲取前进力量",
    3: "党课：严守政治纪律和政治规矩",
    4: "党课：践行宗旨意识，做合格共产党员",
}


LECTURER_GUESTS = (
    ("区委党校讲师", "刘老师"), ("街道工委宣讲团成员", "王老师"), ("市委讲师团讲师", "陈老师"),
    ("高校马克思主义学院教师", "赵老师"),
)


COMMITTEE_POSTS = {
    RoleKind.DEPUTY_SECRETARY: "党支部副书记", RoleKind.ORGANIZER: "组织委员", RoleKind.PROPAGANDA: "宣传委员",
    RoleKind.DISCIPLINE: "纪检委员",
}


LOCATIONS = ("党员活动室", "第一会议室", "党群服务中心", "多功能厅", "三楼会议室", "党建活动中心")


LEAVE_REASONS = (
    "因公出差", "因病请假", "单位值班", "外出培训学习", "家中有事", "陪护家人就医", "参加上级会议", "年老体弱行动不便",
)


MAKEUP_REFLECTIONS = (
    "已自学会议材料并观看学习视频，对照要求查找了自身不足。",
    "补学了会议精神，向支部书记汇报了学习体会。",
    "认真阅读了会议纪要和学习材料，写了学习笔记。",
)


@dataclass(slots=True)
class _Member:
    pk: int
    group_id: int | None
    user_id: int | None
    started_on: datetime.date
    drift_from: datetime.date | None = None  # absent from every meeting from this day


@dataclass
class _Branch:
    pk: int
    code: str
    parent_name: str
    established_on: datetime.date | None
    members: list[_Member] = field(default_factory=list)
    groups: list[tuple[int, int | None]] = field(default_factory=list)  # (group id, leader member id)
    roles: dict[int, str] = field(default_factory=dict)  # user id → committee role
    stays: list[tuple[datetime.date, datetime.date | None]] = field(default_factory=list)  # 组织关系, all of them

    def member_count_on(self, day: datetime.date) -> int:
        """Members on the day, as the compliance engine counts them (reviews.compliance.rules.BranchStructure)."""
        return sum(1 for started, ended in self.stays if started <= day and (ended is None or ended > day))

    def with_role(self, *kinds: str) -> list[_Member]:
        return [m for m in self.members if m.user_id is not None and self.roles.get(m.user_id) in kinds]

    @property
    def committee(self) -> list[_Member]:
        return self.with_role(*COMMITTEE_ROLE_KINDS)

    @property
    def secretary(self) -> _Member | None:
        found = self.with_role(RoleKind.SECRETARY) or self.with_role(RoleKind.DEPUTY_SECRETARY)
        return found[0] if found else None


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, "history", *parts)))  # noqa: S311 - demo data


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of a local (Asia/Shanghai) day."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _weekday(day: datetime.date, *, forward: bool = False) -> datetime.date:
    """The day, or the nearest weekday in the same month (forward only, when asked)."""
    if day.weekday() < 5:
        return day
    ahead = day + datetime.timedelta(days=7 - day.weekday())
    if forward or ahead.month == day.month:
        return ahead
    return day - datetime.timedelta(days=day.weekday() - 4)


def _month_day(year: int, month: int, day: int) -> datetime.date:
    return _weekday(datetime.date(year, month, min(day, calendar.monthrange(year, month)[1])))


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


class _Kind(NamedTuple):
    """A counted-kind row (what `meeting_snapshot` reads of it, and the columns written)."""

    meeting_id: int
    kind: str


class _Entry(NamedTuple):
    """An attendance row (what `meeting_snapshot` reads of it, and the columns written)."""

    meeting_id: int
    member_id: int
    status: str
    leave_reason: str
    signed_in_at: datetime.datetime | None


@dataclass
class _Planned:
    meeting: Meeting
    kinds: tuple[str, ...]
    entries: list[tuple[int, str, str, datetime.datetime | None]]  # member id, status, reason, signed in
