"""The yearly inspection report (年度检查报告) of an organisation: what it reads and in how many queries.

`report_data` gathers every section of a branch's or a committee's report for a year from what the portal already
stores: the compliance roll-ups and results (through `reviews.compliance.dashboard` and `.circular`), the study
plan and task figures, attendance, talks (C11), the heads of the chains of filed records and the filed records
of the year with their content hashes, the 民主评议党员 campaigns and grades (reviews.evaluations) and the
problems of the ledger found in the year (reviews.oversight). Each section costs a fixed number of queries,
whatever the size of the subtree or of the year (`tests/reviews/test_reports.py` holds the budget). A section
whose data the portal does not record (yet) says so (`NOT_RECORDED`), one with no data of the year says
本年度无记录: it never invents figures.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from activities.calendar.selectors import AttendanceYear, attendance_rate, attendance_year
from activities.dues.selectors import DuesOverview, dues_overview
from activities.models import Attendance, AttendanceStatus, HeartTalk, MeetingKind, MeetingVersion
from activities.records.selectors import ChainHead
from activities.talks.selectors import TalkCoverage, talk_coverage
from branches.models import Member, MemberCategory, MemberStatus, Organization, OrganizationKind
from reviews.compliance import circular as compliance_circular
from reviews.compliance import dashboard as compliance_dashboard
from reviews.compliance.rules import Outcome, PeriodKind, period_containing
from reviews.compliance.selectors import rules_fingerprint
from reviews.evaluations.models import ApprovalStatus, Grade, GradeProposal
from reviews.evaluations.selectors import (
    DECIDED,
    IN_PROGRESS,
    NOT_STARTED,
    REPORTED,
    EvaluationProgress,
    evaluation_progress,
)
from reviews.oversight.models import Problem, ProblemSource, ProblemState
from reviews.ratings.selectors import ReportRatings, report_ratings
from study.models import StudyPlan

# Lists longer than this are cut in the PDF (with a line saying how many rows the xlsx holds); the xlsx has them all.
PDF_ROW_LIMIT = 200

NOT_RECORDED = _("未记录")

# Sections of the inspection brief whose data the portal does not record yet: each is printed as 未记录 (none
# now that 星级评定 is recorded; kept for the next section the brief asks for before the portal records it).
UNRECORDED_SECTIONS: tuple[tuple[str, str], ...] = ()

CAMPAIGN_STATUSES = (
    (NOT_STARTED, _("未开始")),
    (IN_PROGRESS, _("进行中")),
    (DECIDED, _("党员大会已决定")),
    (REPORTED, _("已报上级")),
)
# The grades whose handling the report shows (the parent committee approves them).
CAREFUL_GRADES = (Grade.BASICALLY_QUALIFIED, Grade.UNQUALIFIED)

VERIFY_COMMAND = "python manage.py verify_records"


@dataclass(frozen=True)
class CategoryCount:
    label: str
    count: int


@dataclass
class MembersSection:
    active: int
    full: int
    probationary: int
    joined: int  # joined the Party in the year
    left: int  # left the roll (transferred out, deceased, left) in the year
    categories: list[CategoryCount]


@dataclass(frozen=True)
class StudyPlanRow:
    title: str
    status: str
    revision: int
    filed_at: datetime.datetime | None
    items: int


@dataclass
class StudySection:
    plan: StudyPlanRow | None  # a branch's current plan of the year
    branches: int
    plans_not_filed: int
    tasks_done: int
    tasks_open: int

    @property
    def task_rate(self) -> int | None:
        total = self.tasks_done + self.tasks_open
        return round(self.tasks_done * 100 / total) if total else None


@dataclass(frozen=True)
class AttendanceRow:
    """One member (branch report) or one child organisation (committee report)."""

    name: str
    expected: int
    present: int
    leave: int
    absent: int

    @property
    def rate(self) -> int | None:
        return attendance_rate(self.present, self.expected)


@dataclass
class AttendanceSection:
    rows: list[AttendanceRow]
    total: AttendanceRow
    by_category: list[AttendanceRow]  # rates per member category (branch report)


@dataclass(frozen=True)
class TalkRow:
    name: str
    talks: int


@dataclass
class TalksSection:
    coverage: TalkCoverage | None  # a branch: rule C11 pairs
    rows: list[TalkRow]  # a committee: talks recorded per child
    total: int


@dataclass(frozen=True)
class MissedRow:
    organization: str
    parent: str
    gap: str
    rule_code: str
    source: str


@dataclass(frozen=True)
class RecordRow:
    organization: str
    held_on: datetime.date
    kind: str
    topic: str
    version: int
    filed_at: datetime.datetime
    content_hash: str


@dataclass(frozen=True)
class RuleRow:
    """One rule (and 党小组) of the organisation's own results over the year."""

    code: str
    title: str
    subject: str
    periods: int
    met: int
    missed: int
    source: str


@dataclass(frozen=True)
class CaseRow:
    """基本合格/不合格 proposals of the year by grade and approval status."""

    grade: str
    status: str
    count: int


@dataclass
class EvaluationsSection:
    """民主评议党员 of the year: the branches by campaign status (a branch: its own campaign's status), the grades
    decided summed over the subtree, and the 基本合格/不合格 cases' handling."""

    statuses: list[tuple[str, str, int]]  # status, label, branches
    grades: list[tuple[str, int]]  # label, members (the scale in force, best first)
    cases: list[CaseRow]
    branches: int

    @property
    def status_label(self) -> str:
        """A branch's campaign status (the one status with a branch)."""
        return next((label for _status, label, count in self.statuses if count), "")

    @property
    def graded(self) -> int:
        return sum(count for _label, count in self.grades)

    @property
    def has_data(self) -> bool:
        return any(count for status, _label, count in self.statuses if status != NOT_STARTED) or bool(self.cases)


@dataclass(frozen=True)
class ProblemRow:
    organization: str
    description: str
    deadline: datetime.date
    state: str
    overdue: bool


@dataclass
class ProblemsSection:
    """问题整改: the subtree's problems found in the year by state and by source, how many are overdue, and for a
    branch the list."""

    by_state: list[tuple[str, int]]  # label, count
    by_source: list[tuple[str, int]]
    total: int
    overdue: int
    rows: list[ProblemRow]


@dataclass
class YearlyReport:
    organization: Organization
    year: int
    today: datetime.date
    as_of: datetime.datetime
    rules_fingerprint: str
    board: compliance_dashboard.Dashboard
    members: MembersSection
    missed: list[MissedRow]
    weak: list[Organization]
    study: StudySection
    attendance: AttendanceSection
    talks: TalksSection
    heads: list[ChainHead]
    records: list[RecordRow]
    unrecorded: list[tuple[str, str]] = field(default_factory=list)
    dues: DuesOverview | None = None
    evaluations: EvaluationsSection | None = None
    problems: ProblemsSection | None = None
    ratings: ReportRatings | None = None
    weak_lifted: list[Organization] = field(default_factory=list)

    @property
    def is_branch(self) -> bool:
        return self.organization.is_branch

    @property
    def has_data(self) -> bool:
        return self.board.has_data or bool(self.records) or bool(self.attendance.total.expected)

    @property
    def rule_rows(self) -> list[RuleRow]:
        rows = []
        for section in self.board.grid:
            for row in section.rows:
                outcomes = [cell.outcome for cell in row.cells if cell.result is not None]
                rows.append(
                    RuleRow(
                        row.code,
                        row.title,
                        row.subject_label,
                        len(outcomes),
                        outcomes.count(Outcome.MET),
                        outcomes.count(Outcome.MISSED),
                        row.source,
                    )
                )
        return rows

    @property
    def months(self) -> list[tuple[str, compliance_dashboard.Tally]]:
        return [
            (compliance_dashboard.month_label(m), tally)
            for m, tally in zip(range(1, 13), self.board.months, strict=True)
        ]


@dataclass
class ReportParts:
    """What the chunks of a report request read (`report_chunk`), put together (`report_parts`): the filed
    records in path order, and attendance and talks figures per organisation path."""

    records: list[RecordRow]
    attendance: dict[str, tuple[int, int, int, int]]  # path: expected, present, leave, absent
    talks: dict[str, int]  # path: talks held in the year


def _members(organization: Organization, year: int) -> MembersSection:
    """One aggregate over the subtree's members."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    active = Q(status=MemberStatus.ACTIVE)
    aggregates = {
        "active": Count("pk", filter=active),
        "full": Count("pk", filter=active & Q(full_member_on__isnull=False)),
        "joined": Count("pk", filter=Q(joined_on__range=(start, end))),
        "left": Count("pk", filter=~active & Q(status_changed_on__range=(start, end))),
    }
    for value, _label in MemberCategory.choices:
        aggregates[value] = Count("pk", filter=active & Q(**{value: True}))
    counts = Member.objects.filter(organization__path__startswith=organization.path).aggregate(**aggregates)
    return MembersSection(
        active=counts["active"],
        full=counts["full"],
        probationary=counts["active"] - counts["full"],
        joined=counts["joined"],
        left=counts["left"],
        categories=[CategoryCount(str(label), counts[value]) for value, label in MemberCategory.choices],
    )


def _study(organization: Organization, year: int, figures: compliance_dashboard.Figures) -> StudySection:
    """The plan of a branch (one query); a committee's plan and task figures come from the dashboard."""
    plan = None
    if organization.is_branch:
        current = (
            StudyPlan.objects.filter(organization=organization, year=year, is_template=False, is_current=True)
            .annotate(item_count=Count("items"))
            .first()
        )
        if current is not None:
            plan = StudyPlanRow(
                current.title, current.get_status_display(), current.revision, current.filed_at, current.item_count
            )
    return StudySection(
        plan=plan,
        branches=figures.branches,
        plans_not_filed=figures.plans_not_filed,
        tasks_done=figures.tasks_done,
        tasks_open=figures.tasks_open,
    )


def _attendance_counts() -> dict:
    return {
        "expected": Count("pk"),
        "present": Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
        "leave": Count("pk", filter=Q(status=AttendanceStatus.LEAVE)),
        "absent": Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
    }


def _by_child(organization: Organization, figures: dict) -> list[tuple]:
    """Per-organisation figures (path: a number or a tuple of numbers) summed per child of `organization` (the
    child's path prefix; the organisation's own under its own path), in path order."""
    length = len(organization.path) + Organization.STEP
    sums: dict[str, list[int]] = {}
    for path, numbers in figures.items():
        values = [numbers] if isinstance(numbers, int) else list(numbers)
        total = sums.setdefault(path[:length], [0] * len(values))
        for position, value in enumerate(values):
            total[position] += value
    return [(prefix, *sums[prefix]) for prefix in sorted(sums)]


def _attendance(
    organization: Organization, year: int, today: datetime.date, parts: ReportParts | None = None
) -> AttendanceSection:
    """A branch: per member (two queries, `attendance_year`) and per category (one aggregate). A committee: one
    aggregate grouped by child, or none when the chunks' figures are given."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if organization.is_branch:
        year_rows: AttendanceYear = attendance_year(organization=organization, year=year, today=today)
        rows = [
            AttendanceRow(
                row.member.name, row.summary.expected, row.summary.present, row.summary.leave, row.summary.absent
            )
            for row in year_rows.rows
        ]
        in_year = Attendance.objects.filter(meeting__organization=organization, meeting__held_on__range=(start, end))
        aggregates = {}
        for value, _label in MemberCategory.choices:
            member_q = Q(**{f"member__{value}": True})
            aggregates[f"{value}_expected"] = Count("pk", filter=member_q)
            aggregates[f"{value}_present"] = Count("pk", filter=member_q & Q(status=AttendanceStatus.PRESENT))
            aggregates[f"{value}_leave"] = Count("pk", filter=member_q & Q(status=AttendanceStatus.LEAVE))
            aggregates[f"{value}_absent"] = Count("pk", filter=member_q & Q(status=AttendanceStatus.ABSENT))
        counts = in_year.aggregate(**aggregates)
        by_category = [
            AttendanceRow(
                str(label),
                counts[f"{value}_expected"],
                counts[f"{value}_present"],
                counts[f"{value}_leave"],
                counts[f"{value}_absent"],
            )
            for value, label in MemberCategory.choices
        ]
    elif parts is not None:
        rows = [AttendanceRow(prefix, *numbers) for prefix, *numbers in _by_child(organization, parts.attendance)]
        by_category = []
    else:
        length = len(organization.path) + Organization.STEP
        grouped = (
            Attendance.objects.filter(
                meeting__organization__path__startswith=organization.path, meeting__held_on__range=(start, end)
            )
            .values(prefix=Substr("meeting__organization__path", 1, length))  # type: ignore[misc]  # an annotation
            .annotate(**_attendance_counts())
            .values_list("prefix", "expected", "present", "leave", "absent")
            .order_by("prefix")
        )
        rows = [AttendanceRow(prefix, *numbers) for prefix, *numbers in grouped]
        by_category = []
    total = AttendanceRow(
        str(_("合计")),
        sum(row.expected for row in rows),
        sum(row.present for row in rows),
        sum(row.leave for row in rows),
        sum(row.absent for row in rows),
    )
    return AttendanceSection(rows=rows, total=total, by_category=by_category)


def _talks(organization: Organization, year: int, parts: ReportParts | None = None) -> TalksSection:
    """A branch: rule C11 coverage (two queries). A committee: talks per child (one aggregate, or none when the
    chunks' figures are given)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if organization.is_branch:
        coverage = talk_coverage(organization=organization, year=year)
        return TalksSection(coverage=coverage, rows=[], total=coverage.covered)
    if parts is not None:
        rows = [TalkRow(prefix, talks) for prefix, talks in _by_child(organization, parts.talks)]
        return TalksSection(coverage=None, rows=rows, total=sum(row.talks for row in rows))
    length = len(organization.path) + Organization.STEP
    grouped = (
        HeartTalk.objects.filter(organization__path__startswith=organization.path, held_on__range=(start, end))
        .values(prefix=Substr("organization__path", 1, length))  # type: ignore[misc]  # an annotation, not a field
        .annotate(talks=Count("pk"))
        .values_list("prefix", "talks")
        .order_by("prefix")
    )
    rows = [TalkRow(prefix, talks) for prefix, talks in grouped]
    return TalksSection(coverage=None, rows=rows, total=sum(row.talks for row in rows))


def _missed(organization: Organization, year: int, today: datetime.date) -> tuple[list[MissedRow], list[ChainHead]]:
    """Every rule-period of the year missed after grace in the subtree, and the chain heads (three queries)."""
    period = period_containing(PeriodKind.YEAR, datetime.date(year, 1, 1))
    circular = compliance_circular.circular(organization=organization, period=period, today=today)
    rows = [
        MissedRow(
            item.organization.name,
            group.parent.name if group.parent else "",
            gap,
            code,
            source,
        )
        for group in circular.groups
        for item in group.items
        for gap, code, source in item.gaps
    ]
    return rows, circular.chain_heads


def _versions(year: int, **organizations: object) -> QuerySet[MeetingVersion]:
    """The filed versions of the meetings held in the year by the organisations `organizations` selects (a
    lookup on `meeting__organization`), in the appendix's order."""
    return (
        MeetingVersion.objects.filter(
            meeting__held_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            **{f"meeting__organization__{lookup}": value for lookup, value in organizations.items()},
        )
        .select_related("meeting__organization")
        .only(
            "number",
            "content_hash",
            "created_at",
            "meeting__held_on",
            "meeting__kind",
            "meeting__topic",
            "meeting__organization__name",
            "meeting__organization__path",
        )
        .order_by("meeting__organization__path", "meeting__held_on", "meeting_id", "number")
    )


def _records(organization: Organization, year: int) -> list[RecordRow]:
    """Every filed version (filing and amendments) of the subtree's meetings held in the year (one query)."""
    versions = _versions(year, path__startswith=organization.path)
    return [
        RecordRow(
            version.meeting.organization.name,
            version.meeting.held_on,
            version.meeting.get_kind_display(),
            version.meeting.topic,
            version.number,
            version.created_at,
            version.content_hash,
        )
        for version in versions
    ]


def _weak(organization: Organization, year: int, today: datetime.date) -> tuple[list[Organization], list[Organization]]:
    """The subtree's branches flagged 软弱涣散, each with `days_weak` (how long, up to the report's day or the
    year's end), and the branches whose flag was lifted (摘帽) in the year after the committee verified their
    rectification (reviews.weak_branches), each with `lifted_on` and `weak_days` (from its plan). One query."""
    from reviews.weak_branches.models import PlanState, RectificationPlan

    lifted_plans = RectificationPlan.objects.filter(
        branch=OuterRef("pk"), state=PlanState.LIFTED, lifted_on__year=year
    ).order_by("-lifted_on", "-pk")
    rows = list(
        Organization.objects.filter(path__startswith=organization.path, kind=OrganizationKind.BRANCH)
        .annotate(
            lifted_on=Subquery(lifted_plans.values("lifted_on")[:1]),
            lifted_weak_since=Subquery(lifted_plans.values("weak_since")[:1]),
        )
        .filter(Q(is_weak=True) | Q(lifted_on__isnull=False))
        .order_by("path")
    )
    until = min(today, datetime.date(year, 12, 31))
    weak: list[Organization] = []
    lifted: list[Organization] = []
    for row in rows:
        if row.is_weak:
            row.days_weak = max(0, (until - row.weak_since).days) if row.weak_since else None  # type: ignore[attr-defined]
            weak.append(row)
        if row.lifted_on is not None:
            since = row.lifted_weak_since
            row.weak_days = (row.lifted_on - since).days if since else None  # type: ignore[attr-defined]
            lifted.append(row)
    return weak, lifted


def _evaluations(organization: Organization, year: int) -> EvaluationsSection:
    """The subtree's 评议进度 (`evaluation_progress`, six queries: children, the grade scale, branches,
    campaigns, grades, pending cases) and the 基本合格/不合格 cases by grade and approval status (one)."""
    progress: EvaluationProgress = evaluation_progress(organization=organization, year=year)
    total = progress.total
    cases = (
        GradeProposal.objects.filter(
            campaign__organization__path__startswith=organization.path, campaign__year=year, grade__in=CAREFUL_GRADES
        )
        .values("grade", "status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("grade", "status", "n")
    )
    grade_labels = dict(Grade.choices)
    status_labels = dict(ApprovalStatus.choices)
    return EvaluationsSection(
        statuses=[(status, str(label), total.count(status)) for status, label in CAMPAIGN_STATUSES],
        grades=[(str(label), total.grades.get(code, 0)) for code, label in progress.scale],
        cases=sorted(
            (
                CaseRow(str(grade_labels.get(grade, grade)), str(status_labels.get(status, status)), n)
                for grade, status, n in cases
            ),
            key=lambda row: (row.grade, row.status),
        ),
        branches=total.branches,
    )


def _problems(organization: Organization, year: int, today: datetime.date) -> ProblemsSection:
    """The problems found in the year in the subtree: one aggregate by state, source and overdue; a branch's list
    (one more query)."""
    base = Problem.objects.filter(
        organization__path__startswith=organization.path,
        found_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
    )
    aggregates = {f"state_{value}": Count("pk", filter=Q(state=value)) for value in ProblemState.values}
    aggregates |= {f"source_{value}": Count("pk", filter=Q(source=value)) for value in ProblemSource.values}
    aggregates["overdue"] = Count("pk", filter=~Q(state=ProblemState.CLOSED) & Q(deadline__lt=today))
    counts = base.aggregate(**aggregates)
    rows = []
    if organization.is_branch:
        rows = [
            ProblemRow(
                organization.name,
                problem.description,
                problem.deadline,
                problem.get_state_display(),
                problem.is_overdue_on(today),
            )
            for problem in base.only("description", "deadline", "state").order_by("deadline", "pk")
        ]
    by_state = [(str(label), counts[f"state_{value}"]) for value, label in ProblemState.choices]
    return ProblemsSection(
        by_state=by_state,
        by_source=[(str(label), counts[f"source_{value}"]) for value, label in ProblemSource.choices],
        total=sum(count for _label, count in by_state),
        overdue=counts["overdue"],
        rows=rows,
    )


def fingerprint_text(value: tuple) -> str:
    return hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()[:16]


def report_data(
    *,
    organization: Organization,
    year: int,
    today: datetime.date,
    as_of: datetime.datetime,
    parts: ReportParts | None = None,
) -> YearlyReport:
    """The whole report of an organisation for a year. Queries: the dashboard (seven), the members (one), the
    branch's plan (one), attendance (one to three), talks (one or two), the missed obligations with the number of
    organisations judged and the chain heads (three), the filed records (one), the weak branches with those
    lifted in the year (one), the rules fingerprint (one), the dues roll-ups summed per child (one), 民主评议党员
    (seven), 问题整改 (one, and a branch's list one more) and 星级评定 (one): at most thirty-one, whatever the size
    of the subtree. Given the chunks' `parts`, the filed records and a committee's attendance and talks per child
    come from them (three queries fewer); the rest is read from the compliance roll-ups and the subtree-wide
    aggregates as always."""
    filters = compliance_dashboard.Filters(year=year)
    board = compliance_dashboard.dashboard(organization=organization, filters=filters, today=today)
    attendance = _attendance(organization, year, today, parts)
    talks = _talks(organization, year, parts)
    if not organization.is_branch:
        names = {child.organization.path: child.organization.name for child in board.children}
        names[organization.path] = str(_("%(name)s（本级）") % {"name": organization.name})
        attendance.rows = [
            AttendanceRow(names.get(row.name, row.name), row.expected, row.present, row.leave, row.absent)
            for row in attendance.rows
            if row.name in names
        ]
        talks.rows = [TalkRow(names.get(row.name, row.name), row.talks) for row in talks.rows if row.name in names]
    missed, heads = _missed(organization, year, today)
    weak, weak_lifted = _weak(organization, year, today)
    return YearlyReport(
        organization=organization,
        year=year,
        today=today,
        as_of=as_of,
        rules_fingerprint=fingerprint_text(rules_fingerprint()),
        board=board,
        members=_members(organization, year),
        missed=missed,
        weak=weak,
        weak_lifted=weak_lifted,
        study=_study(organization, year, board.figures),
        attendance=attendance,
        talks=talks,
        heads=heads,
        records=parts.records if parts is not None else _records(organization, year),
        unrecorded=[(key, str(label)) for key, label in UNRECORDED_SECTIONS],
        dues=dues_overview(
            organization=organization,
            year=year,
            today=today,
            children=[child.organization for child in board.children],
        ),
        evaluations=_evaluations(organization, year),
        problems=_problems(organization, year, today),
        ratings=report_ratings(
            organization=organization, year=year, children=[child.organization for child in board.children]
        ),
    )


# The chunks of a report request (reviews/reports/services.py fans them out) ---------------------------------


def report_chunk_plan(*, organization: Organization, size: int) -> list[list[int]]:
    """The organisations of the subtree (the organisation itself included) in path order, cut into runs of at
    most `size` (one query). Runs in path order keep the appendix's order when the chunks are put together."""
    ids = list(
        Organization.objects.filter(path__startswith=organization.path).order_by("path").values_list("pk", flat=True)
    )
    return [ids[start : start + size] for start in range(0, len(ids), max(1, size))]


def report_chunk(*, organization_ids: list[int], year: int) -> dict:
    """What one chunk reads, as JSON: the filed records of its organisations' meetings held in the year, and their
    attendance and talks figures per organisation path. Four queries, whatever the chunk's size."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    paths = dict(Organization.objects.filter(pk__in=organization_ids).values_list("pk", "path"))
    records = [
        [
            version.meeting.organization.name,
            version.meeting.held_on.isoformat(),
            version.meeting.kind,
            version.meeting.topic,
            version.number,
            version.created_at.isoformat(),
            version.content_hash,
        ]
        for version in _versions(year, pk__in=organization_ids)
    ]
    attendance = (
        Attendance.objects.filter(meeting__organization_id__in=organization_ids, meeting__held_on__range=(start, end))
        .values("meeting__organization_id")
        .annotate(**_attendance_counts())
        .values_list("meeting__organization_id", "expected", "present", "leave", "absent")  # type: ignore[misc]  # annotations
        .order_by()
    )
    talks = (
        HeartTalk.objects.filter(organization_id__in=organization_ids, held_on__range=(start, end))
        .values("organization_id")
        .annotate(talks=Count("pk"))
        .values_list("organization_id", "talks")
        .order_by()
    )
    return {
        "records": records,
        "attendance": {paths[pk]: numbers for pk, *numbers in attendance},
        "talks": {paths[pk]: count for pk, count in talks},
    }


def report_parts(results: Iterable[dict]) -> ReportParts:
    """The chunks' results (in chunk order) put together; no query."""
    parts = ReportParts(records=[], attendance={}, talks={})
    for result in results:
        for name, held_on, kind, topic, number, filed_at, content_hash in result["records"]:
            parts.records.append(
                RecordRow(
                    name,
                    datetime.date.fromisoformat(held_on),
                    str(MeetingKind(kind).label) if kind in MeetingKind.values else kind,
                    topic,
                    number,
                    datetime.datetime.fromisoformat(filed_at),
                    content_hash,
                )
            )
        parts.attendance.update({path: tuple(numbers) for path, numbers in result["attendance"].items()})
        parts.talks.update(result["talks"])
    return parts
