"""Writes of 述职评议考核: open a round, write and submit a report, return it, assess it, conclude it, remind.

Every write is one transaction and validates before it saves; a submitted report is locked for its 书记 until the
committee returns it (with a reason) and for good once the committee concluded it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Organization, Role, RoleKind, User
from notifications.models import ReminderKind
from notifications.services import ReminderMessage, reminders_send
from reviews.duty_reports.models import (
    DutyAssessment,
    DutyReport,
    DutyReportRound,
    DutyReportStatus,
    duty_grade_scale,
)
from reviews.duty_reports.permissions import ASSESSOR_ROLE_KINDS
from reviews.duty_reports.selectors import figures_build, reporting_units


@transaction.atomic
def duty_round_open(
    *,
    committee: Organization,
    year: int,
    due_on: datetime.date,
    opened_by: User,
    representatives: list[User] | None = None,
) -> DutyReportRound:
    """Open the committee's 述职评议考核 for `year`: one draft report per unit reporting to it (`reporting_units`:
    its 党支部, 党总支 and 基层党委 with no other 党委 in between). The units' figures are taken when their 书记 first
    saves the report. A unit set up after the round opened is not in it."""
    if DutyReportRound.objects.filter(committee=committee, year=year).exists():
        raise ValidationError({"year": _("本党组织%(year)d年度的述职评议考核已经发起。") % {"year": year}})
    units = list(reporting_units(committee=committee))
    if not units:
        raise ValidationError(_("本党组织没有所属的党支部、党总支或基层党委，无需开展述职评议考核。"))
    duty_round = DutyReportRound(committee=committee, year=year, due_on=due_on, opened_by=opened_by)
    duty_round.full_clean()
    duty_round.save()
    if representatives:
        duty_round.representatives.set(representatives)
    DutyReport.objects.bulk_create([DutyReport(round=duty_round, organization=unit) for unit in units])
    return duty_round


def _editable(report: DutyReport) -> None:
    if report.status == DutyReportStatus.CONCLUDED:
        raise ValidationError(_("述职报告已经评定，不能再修改。"))
    if report.status == DutyReportStatus.SUBMITTED:
        raise ValidationError(_("述职报告已经提交，如需修改，请上级党组织退回。"))


@transaction.atomic
def duty_report_figures_take(*, report: DutyReport, today: datetime.date | None = None) -> DutyReport:
    """Take (again) the snapshot of the unit's year from the portal's records, while the report is editable."""
    _editable(report)
    report.figures = figures_build(organization=report.organization, year=report.round.year, today=today)
    report.figures_taken_at = timezone.now()
    report.full_clean()
    report.save(update_fields=["figures", "figures_taken_at", "updated_at"])
    return report


@transaction.atomic
def duty_report_save(
    *,
    report: DutyReport,
    author: User,
    performance: str,
    problems: str,
    plans: str,
    submit: bool = False,
    today: datetime.date | None = None,
) -> DutyReport:
    """Save the 书记's prose (履职情况, 存在问题, 下一步打算); with `submit`, hand it in (locked from then on). The
    figures are taken with the first save when they have not been taken yet; the prose never changes them."""
    _editable(report)
    report.performance, report.problems, report.plans = performance.strip(), problems.strip(), plans.strip()
    report.author = author
    if not report.figures:
        report.figures = figures_build(organization=report.organization, year=report.round.year, today=today)
        report.figures_taken_at = timezone.now()
    if submit:
        missing = [
            label
            for label, text in (
                (_("履职情况"), report.performance),
                (_("存在问题"), report.problems),
                (_("下一步打算"), report.plans),
            )
            if not text
        ]
        if missing:
            raise ValidationError(_("提交前请填写：%(fields)s。") % {"fields": "、".join(missing)})
        report.status = DutyReportStatus.SUBMITTED
        report.submitted_at = timezone.now()
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def duty_report_return(*, report: DutyReport, returned_by: User, reason: str) -> DutyReport:
    """Return a submitted report to its 书记 for revision, with a reason (before the conclusion only)."""
    if report.status != DutyReportStatus.SUBMITTED:
        raise ValidationError(_("只有已提交、尚未评定的述职报告可以退回。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明退回修改的理由。")})
    report.status = DutyReportStatus.RETURNED
    report.return_reason = reason.strip()
    report.full_clean()
    report.save(update_fields=["status", "return_reason", "updated_at"])
    return report


def _grade_in_scale(grade: str, field: str) -> None:
    if grade not in dict(duty_grade_scale()):
        raise ValidationError({field: _("请从评议等次中选择一项。")})


@transaction.atomic
def duty_assessment_save(*, report: DutyReport, assessor: User, grade: str, comment: str) -> DutyAssessment:
    """One assessor's grade and comment on a submitted report; saving again changes it (one per assessor)."""
    if report.status != DutyReportStatus.SUBMITTED:
        raise ValidationError(_("只能评议已提交、尚未评定的述职报告。"))
    _grade_in_scale(grade, "grade")
    assessment = DutyAssessment.objects.filter(report=report, assessor=assessor).first() or DutyAssessment(
        report=report, assessor=assessor
    )
    assessment.grade = grade
    assessment.comment = comment.strip()
    assessment.full_clean()
    assessment.save()
    return assessment


@transaction.atomic
def duty_report_conclude(*, report: DutyReport, concluded_by: User, grade: str, conclusion: str) -> DutyReport:
    """Record the committee's conclusion (grade and text) on a submitted report; the report is final."""
    if report.status != DutyReportStatus.SUBMITTED:
        raise ValidationError(_("只能评定已提交的述职报告。"))
    _grade_in_scale(grade, "grade")
    if not conclusion.strip():
        raise ValidationError({"conclusion": _("请填写评定意见。")})
    report.status = DutyReportStatus.CONCLUDED
    report.conclusion_grade = grade
    report.conclusion = conclusion.strip()
    report.concluded_by = concluded_by
    report.concluded_at = timezone.now()
    report.full_clean()
    report.save()
    return report


def duty_round_remind(*, duty_round: DutyReportRound, today: datetime.date | None = None) -> int:
    """Remind, once a day each (the reminders' unique key): the 书记 of units whose report is not submitted when
    the due date has passed, and the assessors who have not graded a submitted report. Returns how many were
    sent."""
    today = today or timezone.localdate()
    messages: list[ReminderMessage] = []
    if today > duty_round.due_on:
        waiting_reports = dict(
            DutyReport.objects.filter(
                round=duty_round, status__in=[DutyReportStatus.DRAFT, DutyReportStatus.RETURNED]
            ).values_list("organization_id", "pk")
        )
        title = _("请提交%(year)d年度述职报告") % {"year": duty_round.year}
        body = _("%(committee)s的述职评议考核要求在%(due)s前提交述职报告，您的报告还没有提交。") % {
            "committee": duty_round.committee.name,
            "due": duty_round.due_on.isoformat(),
        }
        secretaries = Role.objects.filter(organization_id__in=list(waiting_reports), kind=RoleKind.SECRETARY)
        for user_id, org_id in secretaries.values_list("user_id", "organization_id"):
            report_id = waiting_reports[org_id]
            messages.append(
                ReminderMessage(
                    recipient_id=user_id,
                    kind=ReminderKind.DUTY_REPORT_PENDING,
                    object_key=f"duty_report:{report_id}",
                    period=today.isoformat(),
                    title=str(title),
                    body=str(body),
                    url=reverse("reviews:duty_report_edit", args=[report_id]),
                )
            )
    submitted = list(
        DutyReport.objects.filter(round=duty_round, status=DutyReportStatus.SUBMITTED).values_list(
            "pk", "organization_id"
        )
    )
    if submitted:
        assessors = set(
            Role.objects.filter(organization_id=duty_round.committee_id, kind__in=ASSESSOR_ROLE_KINDS).values_list(
                "user_id", flat=True
            )
        ) | set(duty_round.representatives.values_list("pk", flat=True))
        done = set(DutyAssessment.objects.filter(report__round=duty_round).values_list("report_id", "assessor_id"))
        authors = set(
            Role.objects.filter(
                organization_id__in=[org_id for _pk, org_id in submitted], kind=RoleKind.SECRETARY
            ).values_list("user_id", "organization_id")
        )
        waiting: dict[int, int] = {}
        for report_id, org_id in submitted:
            for user_id in assessors:
                if (report_id, user_id) not in done and (user_id, org_id) not in authors:
                    waiting[user_id] = waiting.get(user_id, 0) + 1
        title = _("请完成%(year)d年度述职评议") % {"year": duty_round.year}
        for user_id, n in sorted(waiting.items()):
            messages.append(
                ReminderMessage(
                    recipient_id=user_id,
                    kind=ReminderKind.DUTY_REPORT_PENDING,
                    object_key=f"duty_round:{duty_round.pk}:assess",
                    period=today.isoformat(),
                    title=str(title),
                    body=str(
                        _("%(committee)s的述职评议考核中有%(n)d份述职报告等待您评议。")
                        % {"committee": duty_round.committee.name, "n": n}
                    ),
                    url=reverse("reviews:duty_mine"),
                )
            )
    return reminders_send(messages=messages, email=False)


def duty_rounds_remind(*, today: datetime.date | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): `duty_round_remind` for every round of this year and last year that still
    has reports not concluded."""
    today = today or timezone.localdate()
    rounds = (
        DutyReportRound.objects.filter(year__gte=today.year - 1)
        .filter(reports__status__in=[DutyReportStatus.DRAFT, DutyReportStatus.RETURNED, DutyReportStatus.SUBMITTED])
        .select_related("committee")
        .distinct()
    )
    return sum(duty_round_remind(duty_round=duty_round, today=today) for duty_round in rounds)
