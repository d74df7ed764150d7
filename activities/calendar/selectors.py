"""Reads for the branch month view, the member's 我的会议 and the attendance histories.

Each page costs a fixed number of queries whatever the number of meetings and members: counts come from one
aggregated query (`Count(..., filter=Q(...))`), never from a query per row. The to-do beside the month view is
reviews.compliance.selectors.branch_obligations (the rules are judged there, once).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery

from activities.models import Attendance, AttendanceStatus, LeaveRequest, Meeting, MeetingStatus
from activities.signin import services as signin_services
from branches.models import Member, MemberStatus, Organization, User
from branches.permissions import can_manage_organization, managed_branch_ids
from portal import hooks, periods
from portal.periods import shift_month
from study.models import StudyTask, TaskKind, TaskStatus

# The earliest year the pages accept in ?month= and ?year= (older values fall back to today's).
FIRST_YEAR = 2000
# How far ahead 我的会议 lists scheduled meetings.
UPCOMING_DAYS = 60
HELD_STATUSES = (MeetingStatus.HELD, MeetingStatus.FILED)


# Query-string periods -----------------------------------------------------------------------------------------


def parse_month(value: str | None, *, today: datetime.date) -> tuple[datetime.date, bool]:
    """`?month=` of the calendar pages (see portal.periods)."""
    return periods.parse_month(value, today=today, earliest_year=FIRST_YEAR)


def parse_year(value: str | None, *, today: datetime.date) -> tuple[int, bool]:
    """`?year=` of the attendance pages, up to next year (see portal.periods)."""
    return periods.parse_year(value, today=today, earliest_year=FIRST_YEAR, latest_year=today.year + 1)


def attendance_rate(present: int, expected: int) -> int | None:
    """Present as a whole percentage of those expected; None when nobody was expected."""
    return round(100 * present / expected) if expected else None


class YearNavigation:
    """Links to the year before and after, within the years the pages accept (none into the future)."""

    year: int
    today: datetime.date

    @property
    def previous_year(self) -> int | None:
        return self.year - 1 if self.year - 1 >= FIRST_YEAR else None

    @property
    def next_year(self) -> int | None:
        return self.year + 1 if self.year + 1 <= self.today.year else None

    @property
    def is_current_year(self) -> bool:
        return self.year == self.today.year


# Who may see what ----------------------------------------------------------------------------------------------


def can_view_attendance(user: User, organization: Organization) -> bool:
    """Everybody's attendance is for the organisation's committee (书记, 组织委员, other 支委) and the staff
    above; a member sees only their own (`own` pages)."""
    return can_manage_organization(user, organization) or organization.pk in managed_branch_ids(user)


# The month view ------------------------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    date: datetime.date
    in_month: bool
    is_today: bool
    meetings: list[Meeting] = field(default_factory=list)


@dataclass
class MonthCalendar:
    organization: Organization
    month: datetime.date  # the first of the month
    today: datetime.date
    meetings: list[Meeting]  # by start time; each with `attendance_total`, `present_count` and `rate`
    weeks: list[list[CalendarDay]]  # Monday first

    @property
    def previous_month(self) -> datetime.date:
        return shift_month(self.month, -1)

    @property
    def next_month(self) -> datetime.date:
        return shift_month(self.month, 1)

    @property
    def is_current_month(self) -> bool:
        return (self.month.year, self.month.month) == (self.today.year, self.today.month)

    @property
    def has_next(self) -> bool:
        return self.next_month.year <= self.today.year + 1

    @property
    def has_previous(self) -> bool:
        return self.previous_month.year >= FIRST_YEAR


def _with_attendance_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return meetings.annotate(
        attendance_total=Count("attendances"),
        present_count=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT)),
    )


def month_calendar(*, organization: Organization, month: datetime.date, today: datetime.date) -> MonthCalendar:
    """The organisation's meetings held in the month (its groups' included), laid out Monday-first. One query."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    meetings = list(
        _with_attendance_counts(
            Meeting.objects.filter(organization=organization, held_on__gte=first, held_on__lte=last)
        )
        .select_related("group")
        .order_by("starts_at", "pk")
    )
    by_day: dict[datetime.date, list[Meeting]] = {}
    for meeting in meetings:
        meeting.rate = attendance_rate(meeting.present_count, meeting.attendance_total)  # type: ignore[attr-defined]  # annotated counts
        by_day.setdefault(meeting.held_on, []).append(meeting)
    weeks = [
        [CalendarDay(day, day.month == first.month, day == today, by_day.get(day, [])) for day in week]
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(first.year, first.month)
    ]
    return MonthCalendar(organization=organization, month=first, today=today, meetings=meetings, weeks=weeks)


# One member's attendance ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceSummary:
    expected: int
    present: int
    leave: int
    absent: int
    last_attended: datetime.date | None = None

    @property
    def rate(self) -> int | None:
        return attendance_rate(self.present, self.expected)


@dataclass(frozen=True)
class HistoryRow:
    """One meeting in a member's history: how they attended and, after a 请假, their 补学."""

    meeting: Meeting
    status: str
    status_label: str
    leave_reason: str
    signed_in_at: datetime.datetime | None
    makeup_status: str | None
    makeup_label: str
    makeup_overdue: bool
    linkable: bool  # held by the member's organisation (others' meetings may lie outside the reader's scope)


def attendance_history(*, member: Member, year: int, today: datetime.date) -> list[HistoryRow]:
    """The member's attendance at every meeting held in the year (any organisation: transfers included), newest
    first, with the 补学 task's status. One query."""
    makeup = StudyTask.objects.filter(member_id=member.pk, kind=TaskKind.MAKEUP, meeting_id=OuterRef("meeting_id"))
    rows = (
        Attendance.objects.filter(
            member=member,
            meeting__held_on__gte=datetime.date(year, 1, 1),
            meeting__held_on__lte=datetime.date(year, 12, 31),
        )
        .select_related("meeting", "meeting__organization", "meeting__group")
        .annotate(
            makeup_status=Subquery(makeup.values("status")[:1]),
            makeup_due=Subquery(makeup.values("due_date")[:1]),
        )
        .order_by("-meeting__starts_at", "-meeting_id")
    )
    return [
        HistoryRow(
            meeting=row.meeting,
            status=row.status,
            status_label=row.get_status_display(),
            leave_reason=row.leave_reason,
            signed_in_at=row.signed_in_at,
            makeup_status=row.makeup_status,
            makeup_label=str(TaskStatus(row.makeup_status).label) if row.makeup_status else "",
            makeup_overdue=bool(row.makeup_status == TaskStatus.OPEN and row.makeup_due and row.makeup_due < today),
            linkable=row.meeting.organization_id == member.organization_id,
        )
        for row in rows
    ]


def summarize(history: list[HistoryRow]) -> AttendanceSummary:
    present = [row for row in history if row.status == AttendanceStatus.PRESENT]
    return AttendanceSummary(
        expected=len(history),
        present=len(present),
        leave=sum(1 for row in history if row.status == AttendanceStatus.LEAVE),
        absent=sum(1 for row in history if row.status == AttendanceStatus.ABSENT),
        last_attended=max((row.meeting.held_on for row in present), default=None),
    )


@dataclass
class MemberAttendance(YearNavigation):
    member: Member
    year: int
    today: datetime.date
    history: list[HistoryRow]
    summary: AttendanceSummary


def member_attendance(*, member: Member, year: int, today: datetime.date) -> MemberAttendance:
    history = attendance_history(member=member, year=year, today=today)
    return MemberAttendance(member=member, year=year, today=today, history=history, summary=summarize(history))


@dataclass
class MyMeetings(MemberAttendance):
    upcoming: list[Meeting] = field(default_factory=list)
    upcoming_until: datetime.date | None = None


def upcoming_meetings(*, member: Member, today: datetime.date) -> list[Meeting]:
    """Meetings of the member's organisation (its own and their group's) scheduled from today on, each with the
    reason of the member's 请假申请 (`leave_reason`, None without one). One query."""
    until = today + datetime.timedelta(days=UPCOMING_DAYS)
    requested = LeaveRequest.objects.filter(meeting=OuterRef("pk"), member=member).values("reason")[:1]
    return list(
        Meeting.objects.annotate(leave_reason=Subquery(requested))
        .filter(
            organization_id=member.organization_id,
            status=MeetingStatus.PLANNED,
            held_on__gte=today,
            held_on__lte=until,
        )
        .filter(Q(group__isnull=True) | Q(group_id=member.group_id))
        .select_related("organization", "group")
        .order_by("starts_at", "pk")
    )


def member_meetings_soon(*, member: Member, today: datetime.date, now: datetime.datetime) -> list[hooks.MeetingSoon]:
    """The member's meetings from today to Sunday, not yet filed (receiver of `portal.hooks.member_meetings_soon`),
    with whether sign-in is open and the member has not signed in yet. One query."""
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    signed_in = Attendance.objects.filter(
        meeting=OuterRef("pk"), member=member, status=AttendanceStatus.PRESENT, signed_in_at__isnull=False
    )
    meetings = (
        Meeting.objects.filter(
            organization_id=member.organization_id,
            held_on__gte=today,
            held_on__lte=week_end,
            status__in=(MeetingStatus.PLANNED, MeetingStatus.HELD),
        )
        .filter(Q(group__isnull=True) | Q(group_id=member.group_id))
        .annotate(signed_in=Exists(signed_in))
        .order_by("starts_at", "pk")
    )
    soon = []
    for meeting in meetings:
        opens, closes = signin_services.sign_in_window(meeting)
        soon.append(
            hooks.MeetingSoon(
                title=f"{meeting.get_kind_display()} · {meeting.topic}",
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                location=meeting.location,
                url=meeting.get_absolute_url(),
                sign_in_open=opens <= now <= closes and not meeting.signed_in,
                signed_in=meeting.signed_in,
            )
        )
    return soon


def my_meetings(*, member: Member, year: int, today: datetime.date) -> MyMeetings:
    """我的会议: what is coming up (next 60 days) and the member's own record for the year. Two queries."""
    history = attendance_history(member=member, year=year, today=today)
    return MyMeetings(
        member=member,
        year=year,
        today=today,
        history=history,
        summary=summarize(history),
        upcoming=upcoming_meetings(member=member, today=today),
        upcoming_until=today + datetime.timedelta(days=UPCOMING_DAYS),
    )


# The organisation's members over a year -----------------------------------------------------------------------


@dataclass
class AttendanceYearRow:
    member: Member
    summary: AttendanceSummary


@dataclass
class AttendanceYear(YearNavigation):
    organization: Organization
    year: int
    today: datetime.date
    meeting_count: int  # meetings held (attendance recorded) in the year
    rows: list[AttendanceYearRow]
    total: AttendanceSummary


def attendance_year(*, organization: Organization, year: int, today: datetime.date) -> AttendanceYear:
    """Members × counts for the organisation's meetings held in the year: its active members, and anybody else
    who was expected at one of them (e.g. a member who has left since). Two queries."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    in_year = Q(
        attendances__meeting__organization=organization,
        attendances__meeting__held_on__gte=start,
        attendances__meeting__held_on__lte=end,
    )
    listed = Attendance.objects.filter(
        meeting__organization=organization, meeting__held_on__gte=start, meeting__held_on__lte=end
    ).values("member_id")
    members = (
        Member.objects.filter(Q(organization=organization, status=MemberStatus.ACTIVE) | Q(pk__in=listed))
        .select_related("group")
        .annotate(
            expected=Count("attendances", filter=in_year),
            present=Count("attendances", filter=in_year & Q(attendances__status=AttendanceStatus.PRESENT)),
            leave=Count("attendances", filter=in_year & Q(attendances__status=AttendanceStatus.LEAVE)),
            absent=Count("attendances", filter=in_year & Q(attendances__status=AttendanceStatus.ABSENT)),
            last_attended=Max(
                "attendances__meeting__held_on", filter=in_year & Q(attendances__status=AttendanceStatus.PRESENT)
            ),
        )
        .order_by("name", "pk")
    )
    rows = [
        AttendanceYearRow(
            member=member,
            summary=AttendanceSummary(
                member.expected, member.present, member.leave, member.absent, member.last_attended
            ),
        )
        for member in members
    ]
    meeting_count = Meeting.objects.filter(
        organization=organization, status__in=HELD_STATUSES, held_on__gte=start, held_on__lte=end
    ).count()
    total = AttendanceSummary(
        expected=sum(row.summary.expected for row in rows),
        present=sum(row.summary.present for row in rows),
        leave=sum(row.summary.leave for row in rows),
        absent=sum(row.summary.absent for row in rows),
        last_attended=max((row.summary.last_attended for row in rows if row.summary.last_attended), default=None),
    )
    return AttendanceYear(
        organization=organization, year=year, today=today, meeting_count=meeting_count, rows=rows, total=total
    )
