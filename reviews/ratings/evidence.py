"""The evidence a rubric scores, read for a whole subtree at once: one aggregate query per source, whatever the
number of branches (reads only; the proposal service in reviews.ratings.services writes the results).

Every figure comes from records the portal already holds: the stored compliance results (rule-periods met, and
missed after the grace window), the annual study plan's filing (C10), the study-task progress, heart-to-heart
talks (C11), the 民主评议 campaign, the problem ledger and the branch structure (O1, 换届).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Min, Q

from activities.models import HeartTalk
from branches.models import Organization
from reviews.compliance.rules import GRACE_DAYS_DEFAULT
from reviews.evaluations.models import EvaluationCampaign
from reviews.members.rules import structure_checks
from reviews.models import ComplianceResult, StudyProgress
from reviews.oversight.models import Problem, ProblemState
from study.models import StudyPlan


@dataclass
class BranchEvidence:
    """What the portal knows about one branch for a year, as of a day."""

    met: int = 0  # rule-periods met
    missed: int = 0  # rule-periods unmet after the grace window
    plan_submitted_on: datetime.date | None = None  # the annual plan's first submission that was filed
    study_due: int = 0
    study_done: int = 0
    talk_pairs_required: int = 0
    talk_pairs_covered: int = 0
    evaluation_done: bool = False
    problems_due: int = 0  # problems whose deadline fell in the year, up to the as-of day
    problems_on_time: int = 0  # of those, verified closed by their deadline
    structure_warnings: list[str] = field(default_factory=list)


def as_of_for(year: int, today: datetime.date) -> datetime.date:
    """The day the evidence is read as of: the year's last day, or today while the year runs."""
    return min(today, datetime.date(year, 12, 31))


def subtree_branches(*, root: Organization) -> list[Organization]:
    """The branches of `root`'s subtree (itself if it is one), in path order. One query."""
    return list(Organization.objects.subtree_of(root).branches().order_by("path"))


def evidence_for(
    *, root: Organization, branches: list[Organization], year: int, as_of: datetime.date
) -> dict[int, BranchEvidence]:
    """The evidence of every branch of `root`'s subtree (`branches`, from `subtree_branches`). Nine queries."""
    evidence = {branch.pk: BranchEvidence() for branch in branches}
    if not branches:
        return evidence
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    closed_before = as_of - datetime.timedelta(days=GRACE_DAYS_DEFAULT)
    in_subtree = Q(organization__path__startswith=root.path)

    for row in (
        ComplianceResult.objects.filter(in_subtree, period_start__range=(start, end))
        .values("organization_id")
        .annotate(
            met=Count("pk", filter=Q(is_met=True)),
            missed=Count("pk", filter=Q(is_met=False, period_end__lt=closed_before)),
        )
        .order_by()
    ):
        if row["organization_id"] in evidence:
            evidence[row["organization_id"]].met = row["met"]
            evidence[row["organization_id"]].missed = row["missed"]

    zone = ZoneInfo(settings.TIME_ZONE)
    for org_id, submitted in (
        StudyPlan.objects.filter(in_subtree, year=year, is_template=False, filed_at__isnull=False)
        .values("organization_id")
        .annotate(first=Min("submitted_at"))
        .order_by()
        .values_list("organization_id", "first")
    ):
        if org_id in evidence and submitted is not None:
            evidence[org_id].plan_submitted_on = submitted.astimezone(zone).date()

    for org_id, due, done in StudyProgress.objects.filter(in_subtree, year=year).values_list(
        "organization_id", "due", "done"
    ):
        if org_id in evidence:
            evidence[org_id].study_due, evidence[org_id].study_done = due, done

    pairs: dict[int, set[frozenset[int]]] = {}
    for org_id, initiator_id, counterpart_id in (
        HeartTalk.objects.filter(in_subtree, held_on__range=(start, min(end, as_of)))
        .values_list("organization_id", "initiator_id", "counterpart_id")
        .distinct()
    ):
        pairs.setdefault(org_id, set()).add(frozenset((initiator_id, counterpart_id)))

    for org_id in EvaluationCampaign.objects.filter(in_subtree, year=year, decision_meeting__isnull=False).values_list(
        "organization_id", flat=True
    ):
        if org_id in evidence:
            evidence[org_id].evaluation_done = True

    for problem_row in (
        Problem.objects.filter(in_subtree, deadline__range=(start, min(end, as_of)))
        .values("organization_id")
        .annotate(
            due=Count("pk"),
            on_time=Count("pk", filter=Q(state=ProblemState.CLOSED, closed_at__date__lte=F("deadline"))),
        )
        .order_by()
    ):
        if problem_row["organization_id"] in evidence:
            evidence[problem_row["organization_id"]].problems_due = problem_row["due"]
            evidence[problem_row["organization_id"]].problems_on_time = problem_row["on_time"]

    # O1 (three queries): the same warnings as the branch page, 换届 included.
    for org_id, check in structure_checks(organizations=branches, today=as_of).items():
        item = evidence[org_id]
        item.structure_warnings = [str(warning) for warning in check.warnings]
        committee = min(check.committee_size, check.member_count)
        item.talk_pairs_required = committee * (committee - 1) // 2 + committee * (check.member_count - committee)
        item.talk_pairs_covered = min(item.talk_pairs_required, len(pairs.get(org_id, ())))
    return evidence
