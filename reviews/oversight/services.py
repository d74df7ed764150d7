"""Writes of 督导检查 and the problem ledger: plan (or draw) an inspection, record findings, turn a finding into a
problem, close the inspection; register a problem and move it through its life (start, submit with evidence,
verify, return with a reason). Every write is one transaction and validates before it saves; every change of a
problem's state is recorded as a `ProblemTransition`.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.attachments.services import AttachmentUpload, prepared_files_save, uploads_prepare
from branches.models import Member, Organization, OrganizationKind, User
from reviews.oversight import sampling
from reviews.oversight.models import (
    FindingResult,
    Inspection,
    InspectionBranch,
    InspectionFinding,
    InspectionKind,
    InspectionStatus,
    Interview,
    Problem,
    ProblemEvidence,
    ProblemSource,
    ProblemState,
    ProblemTransition,
)
from reviews.oversight.rollups import Figures, figures_of, problem_rollup_follow, rollup_day

# Which states each action starts from.
STARTABLE = (ProblemState.OPEN, ProblemState.RETURNED)
SUBMITTABLE = (ProblemState.OPEN, ProblemState.RECTIFYING, ProblemState.RETURNED)


def _move(problem: Problem, *, to: str, by: User, reason: str = "") -> None:
    ProblemTransition.objects.create(problem=problem, from_state=problem.state, to_state=to, by=by, reason=reason)
    problem.state = to


def _locked(problem: Problem) -> tuple[Problem, Figures, datetime.date]:
    """The problem locked, its roll-up figures before the change and the roll-ups' day."""
    locked = Problem.objects.select_for_update().select_related("organization").get(pk=problem.pk)
    as_of = rollup_day()
    return locked, figures_of(locked, as_of=as_of), as_of


def _follow(problem: Problem, before: Figures | None, as_of: datetime.date) -> None:
    """Move the problem roll-ups above the problem by its change (same transaction)."""
    problem_rollup_follow(problem=problem, path=problem.organization.path, before=before, as_of=as_of)


@transaction.atomic
def problem_register(
    *,
    organization: Organization,
    source: str,
    description: str,
    responsible: str,
    deadline: datetime.date,
    created_by: User,
    measures: str = "",
    member: Member | None = None,
    finding: InspectionFinding | None = None,
    found_on: datetime.date | None = None,
) -> Problem:
    """Enter a problem in the organisation's ledger (state 待整改)."""
    if member is not None and member.organization_id != organization.pk:
        raise ValidationError({"member": _("涉及的党员不属于本党组织。")})
    problem = Problem(
        organization=organization,
        member=member,
        source=source,
        description=description.strip(),
        responsible=responsible.strip(),
        measures=measures.strip(),
        deadline=deadline,
        finding=finding,
        found_on=found_on or timezone.localdate(),
        created_by=created_by,
    )
    problem.full_clean()
    problem.save()
    ProblemTransition.objects.create(problem=problem, from_state="", to_state=ProblemState.OPEN, by=created_by)
    _follow(problem, None, rollup_day())
    return problem


@transaction.atomic
def problem_start(*, problem: Problem, by: User, measures: str = "") -> Problem:
    """The organisation starts rectifying (整改中), optionally writing down its measures."""
    problem, before, as_of = _locked(problem)
    if problem.state not in STARTABLE:
        raise ValidationError(_("该问题当前状态为“%(state)s”，不能开始整改。") % {"state": problem.get_state_display()})
    if measures.strip():
        problem.measures = measures.strip()
    _move(problem, to=ProblemState.RECTIFYING, by=by)
    problem.full_clean()
    problem.save(update_fields=["state", "measures", "updated_at"])
    _follow(problem, before, as_of)
    return problem


def _evidence_store(
    uploads: Iterable[AttachmentUpload], *, uploaded_by: User, **owner: object
) -> list[ProblemEvidence]:
    """Store checked uploads as evidence of a finding or a problem (hashed, images with a thumbnail), the last
    step of the caller's transaction; the files already stored are removed if a later one fails."""
    prepared = uploads_prepare(uploads)
    stored: list[tuple[Any, str]] = []
    rows = []
    try:
        for item in prepared:
            row = ProblemEvidence(
                original_name=item.upload.name[:200],
                content_type=item.upload.content_type,
                size=item.upload.file.size,
                sha256=item.sha256,
                uploaded_by=uploaded_by,
                **owner,
            )
            prepared_files_save(row, item, stored)
            row.save()
            rows.append(row)
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    return rows


@transaction.atomic
def problem_submit(
    *, problem: Problem, by: User, measures: str, evidence: str, uploads: Iterable[AttachmentUpload] = ()
) -> Problem:
    """The organisation submits its rectification with the evidence for the parent to verify (待验收); files of
    evidence (photos, scans, PDFs, checked by the form) are stored with it."""
    problem, before, as_of = _locked(problem)
    if problem.state not in SUBMITTABLE:
        raise ValidationError(_("该问题当前状态为“%(state)s”，不能提交验收。") % {"state": problem.get_state_display()})
    errors = {}
    if not measures.strip():
        errors["measures"] = _("请填写整改措施。")
    if not evidence.strip():
        errors["evidence"] = _("请填写整改情况及佐证材料说明。")
    if errors:
        raise ValidationError(errors)
    problem.measures = measures.strip()
    problem.evidence = evidence.strip()
    problem.submitted_at = timezone.now()
    _move(problem, to=ProblemState.SUBMITTED, by=by)
    problem.full_clean()
    problem.save(update_fields=["state", "measures", "evidence", "submitted_at", "updated_at"])
    _follow(problem, before, as_of)
    _evidence_store(uploads, uploaded_by=by, problem=problem)
    return problem


@transaction.atomic
def problem_verify(*, problem: Problem, by: User, note: str = "") -> Problem:
    """The parent verifies the rectification and closes the problem (销号)."""
    problem, before, as_of = _locked(problem)
    if problem.state != ProblemState.SUBMITTED:
        raise ValidationError(_("只有已提交验收的问题才能验收销号。"))
    problem.closed_at = timezone.now()
    _move(problem, to=ProblemState.CLOSED, by=by, reason=note.strip())
    problem.full_clean()
    problem.save(update_fields=["state", "closed_at", "updated_at"])
    _follow(problem, before, as_of)
    return problem


@transaction.atomic
def problem_return(*, problem: Problem, by: User, reason: str) -> Problem:
    """The parent returns the rectification with a reason (退回重改)."""
    problem, before, as_of = _locked(problem)
    if problem.state != ProblemState.SUBMITTED:
        raise ValidationError(_("只有已提交验收的问题才能退回。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明退回的理由。")})
    problem.return_reason = reason.strip()
    _move(problem, to=ProblemState.RETURNED, by=by, reason=reason.strip())
    problem.full_clean()
    problem.save(update_fields=["state", "return_reason", "updated_at"])
    _follow(problem, before, as_of)
    return problem


# Inspections ----------------------------------------------------------------------------------------------------


def subtree_branches(organization: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(path__startswith=organization.path, kind=OrganizationKind.BRANCH)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, 28))


def random_candidates(*, organization: Organization, exclude_months: int, today: datetime.date) -> list[list]:
    """The subtree's branches as `[id, category]`, sorted, without those inspected in the last `exclude_months`."""
    branches = subtree_branches(organization)
    if exclude_months:
        since = _months_before(today, exclude_months)
        recent = InspectionBranch.objects.filter(inspection__created_at__date__gte=since).values("branch_id")
        branches = branches.exclude(pk__in=recent)
    return [[pk, category] for pk, category in branches.order_by("pk").values_list("pk", "category")]


@dataclass(frozen=True)
class InspectionPlan:
    kind: str
    period_start: datetime.date
    period_end: datetime.date
    inspectors: str
    theme: str = ""
    free_items: tuple[str, ...] = ()
    branch_ids: tuple[int, ...] = ()  # 巡回检查 / 专项督查: the branches chosen
    sample_size: int | None = None  # 随机抽查
    stratified: bool = False
    exclude_months: int | None = None


@transaction.atomic
def inspection_plan(
    *,
    organization: Organization,
    plan: InspectionPlan,
    created_by: User,
    today: datetime.date | None = None,
    seed: int | None = None,
) -> Inspection:
    """Plan an inspection of the subtree; a 随机抽查 draws its branches here, storing the seed and candidates."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if plan.period_end < plan.period_start:
        errors["period_end"] = _("检查期间的结束日期应不早于开始日期。")
    if plan.kind == InspectionKind.SPECIAL and not plan.theme.strip():
        errors["theme"] = _("专项督查请填写督查主题。")
    inspection = Inspection(
        organization=organization,
        kind=plan.kind,
        theme=plan.theme.strip(),
        period_start=plan.period_start,
        period_end=plan.period_end,
        inspectors=plan.inspectors.strip(),
        free_items=[item.strip() for item in plan.free_items if item.strip()],
        created_by=created_by,
    )
    if plan.kind == InspectionKind.RANDOM:
        if not plan.sample_size or plan.sample_size < 1:
            errors["sample_size"] = _("请填写抽取的党支部数量。")
        inspection.sample_size = plan.sample_size
        inspection.stratified = plan.stratified
        inspection.exclude_months = plan.exclude_months or None
        inspection.seed = seed if seed is not None else secrets.randbits(48)
        inspection.candidates = random_candidates(
            organization=organization, exclude_months=plan.exclude_months or 0, today=today
        )
        if not errors and not inspection.candidates:
            errors["sample_size"] = _("没有可抽取的党支部（均在排除期内或本级没有党支部）。")
        branch_ids = (
            sampling.draw(inspection.candidates, plan.sample_size or 0, inspection.seed, stratified=plan.stratified)
            if not errors
            else []
        )
    else:
        allowed = set(subtree_branches(organization).filter(pk__in=plan.branch_ids).values_list("pk", flat=True))
        if not plan.branch_ids:
            errors["branches"] = _("请选择受检的党支部。")
        elif allowed != set(plan.branch_ids):
            errors["branches"] = _("所选党支部不在本党组织范围内。")
        branch_ids = sorted(allowed)
    if errors:
        raise ValidationError(errors)
    inspection.full_clean()
    inspection.save()
    InspectionBranch.objects.bulk_create([InspectionBranch(inspection=inspection, branch_id=pk) for pk in branch_ids])
    return inspection


def inspection_draw_check(inspection: Inspection) -> bool:
    """Draw again from the stored seed and candidates: True when the sample is the one stored."""
    if inspection.kind != InspectionKind.RANDOM or inspection.seed is None:
        return False
    again = sampling.draw(
        inspection.candidates, inspection.sample_size or 0, inspection.seed, stratified=inspection.stratified
    )
    stored = sorted(inspection.branches.values_list("branch_id", flat=True))
    return again == stored


@dataclass(frozen=True)
class FindingEntry:
    key: str
    title: str
    result: str  # FindingResult or "" (not checked yet)
    note: str = ""


def _open(inspection: Inspection) -> None:
    if inspection.status == InspectionStatus.CLOSED:
        raise ValidationError(_("检查已经结束，不能再修改检查发现。"))


@transaction.atomic
def findings_record(
    *, inspection_branch: InspectionBranch, entries: list[FindingEntry], recorded_by: User
) -> list[InspectionFinding]:
    """Save the checklist of one branch: one finding per item checked; a problem found needs a note. An item
    already turned into a problem keeps its finding."""
    # The stored status, locked: a page opened before the inspection closed must not change it afterwards.
    _open(Inspection.objects.select_for_update().get(pk=inspection_branch.inspection_id))
    errors = {}
    for entry in entries:
        if entry.result == FindingResult.PROBLEM and not entry.note.strip():
            errors[f"note_{entry.key}"] = _("“%(item)s”发现问题，请写明情况。") % {"item": entry.title}
    if errors:
        raise ValidationError(errors)
    existing = {finding.item_key: finding for finding in inspection_branch.findings.select_related("problem")}
    saved = []
    for entry in entries:
        finding = existing.get(entry.key)
        if not entry.result:
            if finding is not None and not hasattr(finding, "problem"):
                finding.delete()
            continue
        if finding is None:
            finding = InspectionFinding(inspection_branch=inspection_branch, item_key=entry.key)
        elif hasattr(finding, "problem") and entry.result != FindingResult.PROBLEM:
            raise ValidationError(_("“%(item)s”已转为整改问题，不能改为通过。") % {"item": entry.title})
        finding.item_title = entry.title[:300]
        finding.result = entry.result
        finding.note = entry.note.strip()
        finding.recorded_by = recorded_by
        finding.full_clean()
        finding.save()
        saved.append(finding)
    return saved


@transaction.atomic
def finding_to_problem(
    *, finding: InspectionFinding, responsible: str, deadline: datetime.date, created_by: User
) -> Problem:
    """Turn a finding with a problem into an entry of the branch's ledger (source 督导检查), once."""
    finding = (
        InspectionFinding.objects.select_for_update().select_related("inspection_branch__branch").get(pk=finding.pk)
    )
    if finding.result != FindingResult.PROBLEM:
        raise ValidationError(_("只有发现问题的检查事项才能转为整改问题。"))
    if Problem.objects.filter(finding=finding).exists():
        raise ValidationError(_("该检查发现已经转为整改问题。"))
    return problem_register(
        organization=finding.inspection_branch.branch,
        source=ProblemSource.INSPECTION,
        description=f"{finding.item_title}：{finding.note}",
        responsible=responsible,
        deadline=deadline,
        created_by=created_by,
        finding=finding,
    )


@transaction.atomic
def finding_evidence_add(
    *, finding: InspectionFinding, uploads: Iterable[AttachmentUpload], uploaded_by: User
) -> list[ProblemEvidence]:
    """Attach files of evidence (photos, scans, PDFs, checked by the form) to a finding, while the inspection is
    open: all or none."""
    uploads = list(uploads)
    if not uploads:
        raise ValidationError({"files": _("请选择要上传的文件。")})
    inspection_id = InspectionBranch.objects.filter(pk=finding.inspection_branch_id).values("inspection_id")
    _open(Inspection.objects.select_for_update().get(pk__in=inspection_id))
    return _evidence_store(uploads, uploaded_by=uploaded_by, finding=finding)


@transaction.atomic
def inspection_close(*, inspection: Inspection, by: User) -> Inspection:
    """End the inspection: its findings become visible to the inspected branches and can no longer change."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _open(inspection)
    inspection.status = InspectionStatus.CLOSED
    inspection.closed_at = timezone.now()
    inspection.save(update_fields=["status", "closed_at", "updated_at"])
    return inspection


# 重点约谈 ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def interview_record(
    *,
    organization: Organization,
    committee: Organization,
    interviewers: str,
    interviewee: Member,
    held_on: datetime.date,
    subject: str,
    outcome: str,
    problems: list[Problem],
    recorded_by: User,
) -> Interview:
    """Record a 重点约谈 of a branch's secretary (or another member of its committee) by a committee above it,
    about problems of the branch's ledger."""
    errors: dict[str, list[str]] = {}
    if not organization.is_branch:
        errors.setdefault("__all__", []).append(_("重点约谈的对象须是党支部。"))
    if committee.pk not in organization.ancestor_ids:
        errors.setdefault("committee", []).append(_("约谈党组织须是被约谈党支部的上级党组织。"))
    if interviewee.organization_id != organization.pk:
        errors.setdefault("interviewee", []).append(_("被约谈人须是该党支部的党员。"))
    if held_on > timezone.localdate():
        errors.setdefault("held_on", []).append(_("约谈日期不能晚于今天。"))
    if any(problem.organization_id != organization.pk for problem in problems):
        errors.setdefault("linked_problems", []).append(_("只能关联该党支部整改台账中的问题。"))
    if errors:
        raise ValidationError(errors)
    interview = Interview(
        organization=organization,
        committee=committee,
        interviewers=interviewers,
        interviewee=interviewee,
        held_on=held_on,
        subject=subject,
        outcome=outcome,
        recorded_by=recorded_by,
    )
    interview.full_clean()
    interview.save()
    interview.problems.set(problems)
    return interview
