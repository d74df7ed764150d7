"""Reads of 述职评议考核, each in a fixed number of queries whatever the number of units or assessors.

The report's figures come from the yearly report's selectors (`reviews.reports.selectors.report_data`: rules met
and missed after grace, plan filing, study tasks, attendance, talks) and from the 民主评议 progress
(`reviews.evaluations.selectors.evaluation_progress`); they are never copied here, only read and stored as a
snapshot with the report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, Role, RoleKind, User
from reviews.duty_reports.models import (
    BARRIER_KINDS,
    COMMITTEE_KINDS,
    REPORTING_KINDS,
    DutyAssessment,
    DutyReport,
    DutyReportRound,
    DutyReportStatus,
    duty_grade_scale,
)
from reviews.duty_reports.permissions import ASSESSOR_ROLE_KINDS, reports_visible_to, rounds_visible_to
from reviews.evaluations.models import grade_scale as evaluation_grade_scale
from reviews.evaluations.selectors import evaluation_progress
from reviews.reports.selectors import report_data

SOURCE = _(
    "依据：《关于推进“两学一做”学习教育常态化制度化的实施方案》三：把组织开展“两学一做”学习教育情况作为各级党组织书记"
    "抓基层党建述职评议考核的重要内容，每年进行检查和评估。"
)


def round_get(*, user: User, pk: int) -> DutyReportRound:
    """One round in the user's reach; DoesNotExist outside it."""
    return rounds_visible_to(user).select_related("committee").distinct().get(pk=pk)


def report_get(*, user: User, pk: int) -> DutyReport:
    """One report in the user's reach, with its round, committee and unit; DoesNotExist outside it."""
    return (
        reports_visible_to(user)
        .select_related("round__committee", "organization", "author", "concluded_by")
        .distinct()
        .get(pk=pk)
    )


def reporting_units(*, committee: Organization) -> list[Organization]:
    """The units whose secretaries report to the committee: the 党支部, 党总支 and 基层党委 below it with no other
    党委 (基层党委, 工委 or 区委) in between; a 党总支 is passed through, so its 党支部 report to the 党委 above as
    it does. One query over the subtree's committees and branches."""
    candidates = list(
        Organization.objects.filter(
            path__startswith=committee.path, depth__gt=committee.depth, kind__in=REPORTING_KINDS + BARRIER_KINDS
        )
        .only("pk", "name", "code", "kind", "path", "depth", "parent_id")
        .order_by("path")
    )
    barriers = [org.path for org in candidates if org.kind in COMMITTEE_KINDS]
    units = [
        org
        for org in candidates
        if org.kind in REPORTING_KINDS and not any(org.path.startswith(path) and org.path != path for path in barriers)
    ]
    return sorted(units, key=lambda org: (org.code, org.pk))


@dataclass
class RoundRow:
    duty_round: DutyReportRound
    reports: int
    submitted: int
    concluded: int


def committee_rounds(*, committee: Organization) -> list[RoundRow]:
    """The committee's rounds, newest first, with how many reports are in, submitted and concluded (one query)."""
    done = [DutyReportStatus.SUBMITTED, DutyReportStatus.CONCLUDED]
    rounds = (
        DutyReportRound.objects.filter(committee=committee)
        .annotate(
            n_reports=Count("reports"),
            n_submitted=Count("reports", filter=Q(reports__status__in=done)),
            n_concluded=Count("reports", filter=Q(reports__status=DutyReportStatus.CONCLUDED)),
        )
        .order_by("-year")
    )
    return [RoundRow(r, r.n_reports, r.n_submitted, r.n_concluded) for r in rounds]


@dataclass
class ReportRow:
    report: DutyReport
    secretary: str
    assessments: int
    mine: bool  # the viewing user has assessed it
    tally: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class RoundPage:
    duty_round: DutyReportRound
    rows: list[ReportRow]
    representatives: list[User]
    assessors: int
    scale: list[tuple[str, str]]

    @property
    def submitted(self) -> int:
        return sum(
            1 for row in self.rows if row.report.status in (DutyReportStatus.SUBMITTED, DutyReportStatus.CONCLUDED)
        )

    @property
    def concluded(self) -> int:
        return sum(1 for row in self.rows if row.report.status == DutyReportStatus.CONCLUDED)


def _tallies(reports: QuerySet[DutyReport]) -> dict[int, dict[str, int]]:
    tallies: dict[int, dict[str, int]] = {}
    grouped = (
        DutyAssessment.objects.filter(report__in=reports)
        .values("report_id", "grade")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("report_id", "grade", "n")
    )
    for report_id, grade, n in grouped:
        tallies.setdefault(report_id, {})[grade] = n
    return tallies


def tally_cells(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(grade label, count) for every grade of the scale in use, best first."""
    return [(label, counts.get(code, 0)) for code, label in duty_grade_scale()]


def round_page(*, duty_round: DutyReportRound, user: User, with_tallies: bool) -> RoundPage:
    """The round's reports with their unit's 书记, how many assessments each has and (for the committee's
    managers) the tally per grade. Five queries: reports, secretaries, my assessments, tallies, representatives."""
    reports_qs = DutyReport.objects.filter(round=duty_round)
    reports = list(
        reports_qs.select_related("organization", "author")
        .annotate(n_assessments=Count("assessments"))
        .order_by("organization__code", "organization__pk")
    )
    secretaries: dict[int, str] = {}
    for org_id, name, username in Role.objects.filter(
        organization__in=reports_qs.values("organization_id"), kind=RoleKind.SECRETARY
    ).values_list("organization_id", "user__member__name", "user__username"):
        secretaries.setdefault(org_id, name or username)
    mine = set(
        DutyAssessment.objects.filter(report__round=duty_round, assessor_id=user.pk).values_list("report_id", flat=True)
    )
    tallies = _tallies(reports_qs) if with_tallies else {}
    representatives = list(duty_round.representatives.select_related("member").order_by("pk"))
    assessors = (
        Role.objects.filter(organization_id=duty_round.committee_id, kind__in=ASSESSOR_ROLE_KINDS)
        .exclude(user_id__in=[user.pk for user in representatives])
        .values("user_id")
        .distinct()
        .count()
    )
    rows = [
        ReportRow(
            report=report,
            secretary=secretaries.get(report.organization_id, ""),
            assessments=report.n_assessments,
            mine=report.pk in mine,
            tally=tally_cells(tallies.get(report.pk, {})) if with_tallies else [],
        )
        for report in reports
    ]
    return RoundPage(
        duty_round=duty_round,
        rows=rows,
        representatives=representatives,
        assessors=assessors + len(representatives),
        scale=duty_grade_scale(),
    )


def report_tally(*, report: DutyReport) -> list[tuple[str, int]]:
    """The report's tally per grade (one query): what the secretary sees once the report is concluded."""
    return tally_cells(_tallies(DutyReport.objects.filter(pk=report.pk)).get(report.pk, {}))


def report_assessments(*, report: DutyReport) -> list[DutyAssessment]:
    """Every assessment of the report with its assessor: for the committee's managers only (one query)."""
    return list(report.assessments.select_related("assessor__member").order_by("pk"))


def assessment_get(*, report: DutyReport, assessor: User) -> DutyAssessment | None:
    return DutyAssessment.objects.filter(report=report, assessor=assessor).first()


# The snapshot of the unit's year -----------------------------------------------------------------------------


def figures_build(*, organization: Organization, year: int, today: datetime.date | None = None) -> dict[str, Any]:
    """The unit's year as the portal records it, as JSON for the report's snapshot: the yearly report's figures
    (about twenty queries) and the 民主评议 progress (five), whatever the size of the unit. The rules' titles are
    stored in the portal's language (Chinese), whichever language the page taking the snapshot is in."""
    today = today or timezone.localdate()
    as_of = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        data = report_data(organization=organization, year=year, today=today, as_of=as_of)
        rules = [
            {
                "code": row.code,
                "title": row.title,
                "subject": row.subject,
                "periods": row.periods,
                "met": row.met,
                "missed": row.missed,
            }
            for row in data.rule_rows
        ]
    progress = evaluation_progress(organization=organization, year=year).total
    plan = data.study.plan
    coverage = data.talks.coverage
    attendance = data.attendance.total
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "is_branch": organization.is_branch,
        "rules": rules,
        "missed": len(data.missed),
        "plan": (
            {"title": plan.title, "status": plan.status, "filed_at": plan.filed_at.isoformat() if plan.filed_at else ""}
            if plan is not None
            else None
        ),
        "branches": data.study.branches,
        "plans_not_filed": data.study.plans_not_filed,
        "tasks_done": data.study.tasks_done,
        "tasks_open": data.study.tasks_open,
        "task_rate": data.study.task_rate,
        "members": {
            "active": data.members.active,
            "full": data.members.full,
            "probationary": data.members.probationary,
        },
        "attendance": {
            "expected": attendance.expected,
            "present": attendance.present,
            "leave": attendance.leave,
            "absent": attendance.absent,
            "rate": attendance.rate,
        },
        "talks": (
            {"required": coverage.required, "covered": coverage.covered, "percent": coverage.percent}
            if coverage is not None
            else {"total": data.talks.total}
        ),
        "evaluations": {
            "branches": progress.branches,
            "not_started": progress.not_started,
            "in_progress": progress.in_progress,
            "decided": progress.decided,
            "reported": progress.reported,
            "grades": progress.grades,
        },
        "weak": len(data.weak),
    }


@dataclass
class FiguresView:
    """The snapshot as the page shows it (labels in the current language)."""

    figures: dict[str, Any]
    evaluation_grades: list[tuple[str, int]]

    @property
    def taken(self) -> bool:
        return bool(self.figures)


def figures_view(figures: dict[str, Any]) -> FiguresView:
    grades = (figures.get("evaluations") or {}).get("grades") or {}
    return FiguresView(
        figures=figures,
        evaluation_grades=[(label, grades.get(code, 0)) for code, label in evaluation_grade_scale()],
    )


def open_reports(*, organization: Organization) -> list[DutyReport]:
    """The unit's reports still to write or revise (the branch page's to-do for its 书记). One query."""
    return list(
        DutyReport.objects.filter(
            organization=organization, status__in=[DutyReportStatus.DRAFT, DutyReportStatus.RETURNED]
        )
        .select_related("round")
        .order_by("-round__year")
    )


# The user's own work -----------------------------------------------------------------------------------------


@dataclass
class MyDutyWork:
    written: list[DutyReport]  # reports of units whose 书记 the user is
    to_assess: list[DutyReport]  # submitted reports the user assesses and has not assessed yet
    committees: list[Organization]  # committees whose rounds the user runs (roles on them)


def my_duty_work(*, user: User) -> MyDutyWork:
    """What the user has to do in 述职评议考核: their own reports, the reports waiting for their grade. Four
    queries."""
    written = list(
        DutyReport.objects.filter(
            organization__in=Role.objects.filter(user_id=user.pk, kind=RoleKind.SECRETARY).values("organization_id")
        )
        .select_related("round__committee", "organization")
        .order_by("-round__year", "organization__code")
    )
    committee_ids = Role.objects.filter(user_id=user.pk, kind__in=ASSESSOR_ROLE_KINDS).values("organization_id")
    named = DutyReportRound.representatives.through.objects.filter(user_id=user.pk).values("dutyreportround_id")
    assessable = (
        reports_visible_to(user)
        .filter(Q(round__committee__in=committee_ids) | Q(round_id__in=named))
        .filter(status=DutyReportStatus.SUBMITTED)
        .exclude(
            organization__in=Role.objects.filter(user_id=user.pk, kind=RoleKind.SECRETARY).values("organization_id")
        )
    )
    done = DutyAssessment.objects.filter(assessor_id=user.pk).values("report_id")
    to_assess = list(
        assessable.exclude(pk__in=done)
        .select_related("round__committee", "organization")
        .order_by("-round__year", "organization__code")
        .distinct()
    )
    committees = list(
        Organization.objects.filter(
            pk__in=Role.objects.filter(
                user_id=user.pk,
                kind__in=[RoleKind.OFFICER, RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZER],
            ).values("organization_id")
        )
        .exclude(kind__in=[REPORTING_KINDS[0]])
        .order_by("path")
    )
    return MyDutyWork(written=written, to_assess=to_assess, committees=committees)
