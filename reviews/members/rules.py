"""The member rules M1–M3 and the organisation rule O1 (DESIGN.md §3): services and selectors.

M1 (党章 第九条; seed "对没有正当理由长期不参加三会一课的党员…要批评教育"): a member who has not attended
organisational life for consecutive months without leave is warned at 3 and 5 months and flagged at 6. A month
counts against the member ("missed") when the member was expected at at least one meeting held (or filed) that
month and was 缺席 at every one of them. A month in which the member asked for leave (请假) at any meeting, or in
which nothing was held that they were expected at, does not count against them and does not end the run; a month
in which they attended at least once ends it. The current month is still open: attending in it ends the run, but
missing a meeting in it counts only once the month is over. So the last FLAG_WINDOW_MONTHS months (this one and
the six before) decide every level. Unpaid dues (the other half of 党章 第九条) count the same way: the run of
consecutive months recorded unpaid or partly paid (activities.dues.selectors.arrears_by_member) warns at 3 and 5
months and flags at 6; a flag's level is the worse of the two runs.

M2 (seed §二.6 双重组织生活): a leading cadre attends their own branch's organisational life at least once a
quarter. M3 (党员教育管理工作条例 2019): study hours from evidence — completed study tasks and attended
collective study (the meetings' length), never time on screen — against 32 学时 (56 for the branch committee).
O1 (中国共产党支部工作条例（试行）2018): structure and 换届, judged by
branches.selectors.organization_structure_warnings.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Case, Count, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from django.utils.translation import gettext_lazy as _

from activities.dues.selectors import arrears_by_member
from activities.models import TEAM_KINDS, Attendance, AttendanceStatus, HeartTalk
from branches.models import (
    COMMITTEE_ROLE_KINDS,
    Member,
    MembershipType,
    MemberStatus,
    Organization,
    OrganizationKind,
    PartyGroup,
    Role,
    User,
)
from branches.permissions import can_manage_organization, managed_branch_ids, organization_scope_q
from branches.selectors import organization_structure_warnings
from portal.taskkit import fan_out
from reviews.compliance.rules import Period, PeriodKind, period_containing, periods_of_year
from reviews.compliance.selectors import counted_statuses
from reviews.models import FlagLevel, MemberFlag
from study.learning.selectors import meeting_hours_by_member, task_hours_by_member
from study.models import REQUIRED_HOURS_COMMITTEE, REQUIRED_HOURS_MEMBER

# M1 ------------------------------------------------------------------------------------------------------------

FLAG_WINDOW_MONTHS = 7  # the current month and the six before it
# (missed months, level), highest first.
FLAG_THRESHOLDS: tuple[tuple[int, str], ...] = ((6, FlagLevel.FLAG_6), (5, FlagLevel.WARN_5), (3, FlagLevel.WARN_3))
FLAG_CHUNK_SIZE = 200  # branches per nightly task
FLAG_PAGE_SIZE = 100

M1_SOURCE = _("《中国共产党章程》第九条；《实施方案》：对没有正当理由长期不参加三会一课的党员，要批评教育")
M2_SOURCE = _("《实施方案》二.6：党员领导干部要以普通党员身份参加所在党支部的组织生活（双重组织生活）")
M3_SOURCE = _(
    "《中国共产党党员教育管理工作条例》（2019）：党员每年集中学习培训一般不少于32学时，支部书记、委员不少于56学时"
)


def _month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


def flag_window_start(today: datetime.date) -> datetime.date:
    """The first day of the oldest month M1 looks at."""
    return _month_start(_month_index(today) - FLAG_WINDOW_MONTHS + 1)


@dataclass(frozen=True)
class MonthAttendance:
    """One member's attendance records in one month: how many meetings present, on leave, absent."""

    present: int = 0
    leave: int = 0
    absent: int = 0


def missed_months(*, months: dict[int, MonthAttendance], today: datetime.date) -> int:
    """M1's run of missed months, counted back from the current month (see the module docstring).

    `months` is keyed by month index (year * 12 + month - 1). Pure: the refresh and the tests call it.
    """
    current = _month_index(today)
    run = 0
    for index in range(current, current - FLAG_WINDOW_MONTHS, -1):
        month = months.get(index, MonthAttendance())
        if month.present:
            break
        if index == current or month.leave or not month.absent:
            continue
        run += 1
    return run


def flag_level(months: int) -> str | None:
    for threshold, level in FLAG_THRESHOLDS:
        if months >= threshold:
            return level
    return None


def _flag_scope(organization_ids: list[int]) -> Q:
    return Q(member__organization_id__in=organization_ids, member__status=MemberStatus.ACTIVE)


@transaction.atomic
def member_flags_refresh(*, organization_ids: Iterable[int], today: datetime.date | None = None) -> int:
    """Recompute the M1 flags of the active members of these branches; returns how many are flagged.

    Five queries whatever the number of branches and members: attendance per member and month over the window,
    each member's last attended meeting, the runs of unpaid dues, the stale flags deleted (members who attended
    or paid since, left, or moved away), the flags written (one upsert; a recorded 批评教育 talk stays linked).
    Idempotent.
    """
    today = today or timezone.localdate()
    ids = sorted(set(organization_ids))
    statuses = counted_statuses()
    per_month = (
        Attendance.objects.filter(
            _flag_scope(ids),
            meeting__status__in=statuses,
            meeting__held_on__gte=flag_window_start(today),
            meeting__held_on__lte=today,
        )
        .annotate(month=TruncMonth("meeting__held_on"))
        .values("member_id", "member__organization_id", "month")
        .annotate(
            present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
            leave=Count("pk", filter=Q(status=AttendanceStatus.LEAVE)),
            absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
        )
        .order_by()
    )
    months: dict[int, dict[int, MonthAttendance]] = defaultdict(dict)
    branch_of: dict[int, int] = {}
    for row in per_month:
        months[row["member_id"]][_month_index(row["month"])] = MonthAttendance(
            row["present"], row["leave"], row["absent"]
        )
        branch_of[row["member_id"]] = row["member__organization_id"]
    last_attended = dict(
        Attendance.objects.filter(
            _flag_scope(ids),
            status=AttendanceStatus.PRESENT,
            meeting__status__in=statuses,
            meeting__held_on__lte=today,
        )
        .values("member_id")
        .annotate(last=Max("meeting__held_on"))
        .order_by()
        .values_list("member_id", "last")
    )
    arrears = arrears_by_member(organization_ids=ids, today=today)
    for member_id, member_arrears in arrears.items():
        branch_of.setdefault(member_id, member_arrears.organization_id)
    flags = []
    for member_id in sorted(months.keys() | arrears.keys()):
        run = missed_months(months=months[member_id], today=today) if member_id in months else 0
        dues_run = arrears[member_id].months if member_id in arrears else 0
        level = flag_level(max(run, dues_run))
        if level is not None:
            flags.append(
                MemberFlag(
                    member_id=member_id,
                    organization_id=branch_of[member_id],
                    level=level,
                    months=run,
                    dues_months=dues_run,
                    last_attended_on=last_attended.get(member_id),
                    computed_on=today,
                )
            )
    MemberFlag.objects.filter(Q(organization_id__in=ids) | Q(member__organization_id__in=ids)).exclude(
        member_id__in=[flag.member_id for flag in flags]
    ).delete()
    if flags:
        MemberFlag.objects.bulk_create(
            flags,
            update_conflicts=True,
            unique_fields=["member"],
            update_fields=["organization", "level", "months", "dues_months", "last_attended_on", "computed_on"],
            batch_size=1000,
        )
    return len(flags)


def member_flags_refresh_schedule(*, today: datetime.date | None = None) -> int:
    """The nightly job: one member_flags_refresh task per chunk of branches, enqueued on commit. One query;
    returns the number of chunks."""
    from reviews import tasks

    today = today or timezone.localdate()
    ids = Organization.objects.filter(kind=OrganizationKind.BRANCH).values_list("pk", flat=True)
    return fan_out(tasks.member_flags_refresh, ids=ids, size=FLAG_CHUNK_SIZE, today=today.isoformat())


@transaction.atomic
def member_flag_talk_record(
    *,
    flag: MemberFlag,
    initiator: Member,
    held_on: datetime.date,
    summary: str,
    recorded_by: User,
    today: datetime.date | None = None,
) -> HeartTalk:
    """Record the 批评教育 conversation held with a flagged member: a 谈心谈话 marked as criticism, linked to the
    flag. The talk is checked and written by activities.talks.services; a later talk replaces the link."""
    from activities.talks.services import heart_talk_record

    flag = MemberFlag.objects.select_for_update().select_related("organization", "member").get(pk=flag.pk)
    talk = heart_talk_record(
        organization=flag.organization,
        initiator=initiator,
        counterpart=flag.member,
        held_on=held_on,
        summary=summary,
        is_criticism=True,
        recorded_by=recorded_by,
        today=today,
    )
    flag.talk = talk
    flag.save(update_fields=["talk"])
    return talk


def member_flags_visible_to(user: User) -> QuerySet[MemberFlag]:
    """Flags of the branches in the user's scope."""
    return MemberFlag.objects.filter(organization_scope_q(user))


def can_view_member_flags(user: User, organization: Organization) -> bool:
    """The branch's committee (书记, 组织委员, other 支委) and the managers and officers above."""
    return can_manage_organization(user, organization) or (
        organization.is_branch and organization.pk in managed_branch_ids(user)
    )


def member_flag_get(*, user: User, pk: int) -> MemberFlag:
    """A flag in the user's scope with its member and branch; DoesNotExist otherwise."""
    return member_flags_visible_to(user).select_related("member", "organization", "talk").get(pk=pk)


@dataclass
class FlagGroup:
    organization: Organization
    flags: list[MemberFlag]


@dataclass
class MemberFlagList:
    organization: Organization
    level: str
    counts: dict[str, int]  # level -> flags in the subtree (whatever the filter)
    page: Page
    groups: list[FlagGroup]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def level_counts(self) -> list[tuple[str, StrOrPromise, int]]:
        """(level, label, flags) for the filter, lowest level first."""
        return [(value, label, self.counts[value]) for value, label in FlagLevel.choices]


def member_flags_list(*, organization: Organization, level: str = "", page_number: int | str = 1) -> MemberFlagList:
    """The M1 flags of the organisation's subtree, grouped by branch (one group for a branch), most months first.

    Three queries whatever the size of the subtree: the counts per level, the page's count and the page (each
    flag with its member, branch and talk).
    """
    subtree = MemberFlag.objects.filter(organization__path__startswith=organization.path)
    counts = {value: 0 for value in FlagLevel.values}
    counts.update(dict(subtree.values("level").annotate(n=Count("pk")).order_by().values_list("level", "n")))
    rows = subtree.filter(level=level) if level else subtree
    rows = rows.select_related("member", "organization", "talk").order_by(
        "organization__path", "-months", "member__name", "pk"
    )
    page = Paginator(rows, FLAG_PAGE_SIZE).get_page(page_number)
    groups: list[FlagGroup] = []
    for flag in page.object_list:
        if not groups or groups[-1].organization.pk != flag.organization_id:
            groups.append(FlagGroup(flag.organization, []))
        groups[-1].flags.append(flag)
    return MemberFlagList(organization=organization, level=level, counts=counts, page=page, groups=groups)


# M2 ------------------------------------------------------------------------------------------------------------


class CadreCellState:
    MET = "met"  # attended at least once
    DUE = "due"  # the quarter is still running
    LEAVE = "leave"  # on leave at every meeting they were expected at
    MISSED = "missed"  # absent
    NONE = "none"  # the branch held nothing the cadre was expected at


TEAM_NONE_LABEL = _("班子未开展")
CADRE_STATE_LABELS = {
    CadreCellState.MET: _("已参加"),
    CadreCellState.DUE: _("本季度待参加"),
    CadreCellState.LEAVE: _("请假"),
    CadreCellState.MISSED: _("未参加"),
    CadreCellState.NONE: _("支部未开展"),
}


@dataclass
class CadreCell:
    period: Period
    state: str
    attended: int = 0
    is_team: bool = False  # the leadership team's half of 双重组织生活

    @property
    def label(self) -> str:
        if self.is_team and self.state == CadreCellState.NONE:
            return str(TEAM_NONE_LABEL)
        return str(CADRE_STATE_LABELS[self.state])


CADRE_ROLLUP_LIMIT = 100  # rows a committee's page lists (the cadres below with a half missed); the count is whole


@dataclass
class CadreRow:
    """One leading cadre's two halves of 双重组织生活 by quarter: their own branch's organisational life (`cells`)
    and, if they sit on a leadership team, its 民主生活会 / 理论学习中心组学习 (`team_cells`, else empty)."""

    member: Member
    cells: list[CadreCell]
    team_cells: list[CadreCell] = field(default_factory=list)

    @property
    def missed(self) -> int:
        return sum(1 for cell in (*self.cells, *self.team_cells) if cell.state == CadreCellState.MISSED)


@dataclass
class CadreAttendance:
    year: int
    quarters: list[Period]
    rows: list[CadreRow]
    # On a committee's page: only the cadres below (and on its team) with a half missed, at most
    # CADRE_ROLLUP_LIMIT of them; `missed_total` counts them all. On a branch's page every cadre is listed.
    is_rollup: bool = False
    missed_total: int = 0


def _cadre_cell(
    quarter: Period, counts: tuple[int, int, int], today: datetime.date, *, is_team: bool = False
) -> CadreCell:
    present, leave, total = counts
    if present:
        state = CadreCellState.MET
    elif today <= quarter.end:
        state = CadreCellState.DUE
    elif not total:
        state = CadreCellState.NONE
    elif leave == total:
        state = CadreCellState.LEAVE
    else:
        state = CadreCellState.MISSED
    return CadreCell(quarter, state, present, is_team)


def cadre_attendance(*, organization: Organization, year: int, today: datetime.date) -> CadreAttendance:
    """M2 (双重组织生活): leading cadres × the year's quarters so far, both halves: whether each attended their own
    branch's organisational life (a meeting held by the branch or one of its groups), and, for a cadre on a
    leadership team, the team's meetings (民主生活会, 理论学习中心组学习 held by that committee).

    For a branch: its cadres. For a committee: the cadres organised below it and those on its own team, only the
    ones with a half missed (M2's flags rolled up; at most CADRE_ROLLUP_LIMIT rows, with the whole count).
    Two queries."""
    quarters = [q for q in periods_of_year(PeriodKind.QUARTER, year) if q.start <= today]
    cadres_q = Q(status=MemberStatus.ACTIVE, is_leading_cadre=True)
    if organization.is_branch:
        cadres_q &= Q(organization=organization)
    else:
        cadres_q &= Q(organization__path__startswith=organization.path) | Q(leadership_team=organization)
    cadres = list(
        Member.objects.filter(cadres_q).select_related("organization", "leadership_team").order_by("name", "pk")
    )
    counts: dict[tuple[int, str, datetime.date], tuple[int, int, int]] = {}
    if quarters:
        rows = (
            Attendance.objects.filter(
                member__in=Member.objects.filter(cadres_q),
                meeting__status__in=counted_statuses(),
                meeting__held_on__gte=quarters[0].start,
                meeting__held_on__lte=min(today, quarters[-1].end),
            )
            .filter(
                Q(meeting__organization_id=F("member__organization_id"))
                | Q(meeting__organization_id=F("member__leadership_team_id"), meeting__kind__in=TEAM_KINDS)
            )
            .annotate(
                quarter=TruncQuarter("meeting__held_on"),
                half=Case(
                    When(meeting__organization_id=F("member__organization_id"), then=Value("branch")),
                    default=Value("team"),
                ),
            )
            .values("member_id", "half", "quarter")
            .annotate(
                present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
                leave=Count("pk", filter=Q(status=AttendanceStatus.LEAVE)),
                total=Count("pk"),
            )
            .order_by()
        )
        counts = {(r["member_id"], r["half"], r["quarter"]): (r["present"], r["leave"], r["total"]) for r in rows}
    result = []
    for cadre in cadres:
        cells = [_cadre_cell(q, counts.get((cadre.pk, "branch", q.start), (0, 0, 0)), today) for q in quarters]
        team_cells = []
        if cadre.leadership_team_id:
            team_cells = [
                _cadre_cell(q, counts.get((cadre.pk, "team", q.start), (0, 0, 0)), today, is_team=True)
                for q in quarters
            ]
        result.append(CadreRow(cadre, cells, team_cells))
    if organization.is_branch:
        return CadreAttendance(year=year, quarters=quarters, rows=result)
    missed = [row for row in result if row.missed]
    missed.sort(key=lambda row: (row.member.organization.path, row.member.name, row.member.pk))
    return CadreAttendance(
        year=year, quarters=quarters, rows=missed[:CADRE_ROLLUP_LIMIT], is_rollup=True, missed_total=len(missed)
    )


# M3 ------------------------------------------------------------------------------------------------------------


@dataclass
class StudyHoursRow:
    member: Member
    is_committee: bool
    task_hours: Decimal
    meeting_hours: Decimal

    @property
    def required(self) -> int:
        return REQUIRED_HOURS_COMMITTEE if self.is_committee else REQUIRED_HOURS_MEMBER

    @property
    def total(self) -> Decimal:
        return self.task_hours + self.meeting_hours

    @property
    def is_met(self) -> bool:
        return self.total >= self.required

    @property
    def missing(self) -> Decimal:
        return max(Decimal(0), self.required - self.total)

    @property
    def percent(self) -> int:
        return min(100, int(self.total * 100 / self.required))


@dataclass
class StudyHoursTable:
    year: int
    rows: list[StudyHoursRow]

    @property
    def met_count(self) -> int:
        return sum(1 for row in self.rows if row.is_met)


def study_hours_list(*, organization: Organization, year: int) -> StudyHoursTable:
    """M3 for every active member of the branch, against 32 学时 — 56 for members whose login holds a committee
    role in the branch. The hours are study's (`study.learning.selectors`: tasks completed in the year and
    collective study attended), the same figures 我的学习 gives each member; four queries for the whole branch."""
    members = list(Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE).order_by("name", "pk"))
    committee_users = set(
        Role.objects.filter(organization=organization, kind__in=COMMITTEE_ROLE_KINDS).values_list("user_id", flat=True)
    )
    task_hours = task_hours_by_member(organization_id=organization.pk, year=year)
    meeting_hours = meeting_hours_by_member(member_ids=[member.pk for member in members], year=year)
    rows = [
        StudyHoursRow(
            member=member,
            is_committee=member.user_id is not None and member.user_id in committee_users,
            task_hours=task_hours.get(member.pk, Decimal("0.0")),
            meeting_hours=meeting_hours.get(member.pk, Decimal("0.0")),
        )
        for member in members
    ]
    return StudyHoursTable(year=year, rows=rows)


# O1 ------------------------------------------------------------------------------------------------------------


@dataclass
class StructureCheck:
    organization: Organization
    member_count: int
    full_member_count: int
    committee_size: int
    group_count: int
    warnings: list[str] = field(default_factory=list)


def structure_checks(*, organizations: Iterable[Organization], today: datetime.date) -> dict[int, StructureCheck]:
    """O1 for many organisations at once: members, full members, committee size and groups counted in three
    queries (none for an empty list), judged by branches.selectors.organization_structure_warnings — the same
    warnings the branch page shows. Keyed by organisation id; organisations without warnings are included."""
    organizations = list(organizations)
    ids = [o.pk for o in organizations]
    if not ids:
        return {}
    members = {
        row["organization_id"]: row
        for row in Member.objects.filter(organization_id__in=ids, status=MemberStatus.ACTIVE)
        .values("organization_id")
        .annotate(total=Count("pk"), full=Count("pk", filter=Q(membership_type=MembershipType.FULL)))
        .order_by()
    }
    committees = dict(
        Role.objects.filter(organization_id__in=ids, kind__in=COMMITTEE_ROLE_KINDS)
        .values("organization_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
        .values_list("organization_id", "n")
    )
    groups = dict(
        PartyGroup.objects.filter(organization_id__in=ids)
        .values("organization_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("organization_id", "n")
    )
    checks = {}
    for organization in organizations:
        counts = members.get(organization.pk, {"total": 0, "full": 0})
        check = StructureCheck(
            organization=organization,
            member_count=counts["total"],
            full_member_count=counts["full"],
            committee_size=committees.get(organization.pk, 0),
            group_count=groups.get(organization.pk, 0),
        )
        check.warnings = organization_structure_warnings(
            organization=organization,
            member_count=check.member_count,
            full_member_count=check.full_member_count,
            committee_size=check.committee_size,
            group_count=check.group_count,
            today=today,
        )
        checks[organization.pk] = check
    return checks


# The branch page's block ---------------------------------------------------------------------------------------


@dataclass
class MemberRules:
    """What templates/reviews/partials/_member_rules.html shows for a branch."""

    organization: Organization
    today: datetime.date
    cadres: CadreAttendance
    hours: StudyHoursTable
    flag_counts: dict[str, int]

    @property
    def flag_total(self) -> int:
        return sum(self.flag_counts.values())

    @property
    def current_quarter(self) -> Period:
        return period_containing(PeriodKind.QUARTER, self.today)


def member_rules_get(*, organization: Organization, today: datetime.date | None = None) -> MemberRules:
    """M1 counts, M2 and M3 for a branch's page, for the current year. Seven queries."""
    today = today or timezone.localdate()
    flag_counts = {value: 0 for value in FlagLevel.values}
    flag_counts.update(
        dict(
            MemberFlag.objects.filter(organization=organization)
            .values("level")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("level", "n")
        )
    )
    return MemberRules(
        organization=organization,
        today=today,
        cadres=cadre_attendance(organization=organization, year=today.year, today=today),
        hours=study_hours_list(organization=organization, year=today.year),
        flag_counts=flag_counts,
    )
