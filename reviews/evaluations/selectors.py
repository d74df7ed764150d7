"""Reads of 民主评议党员, each in a fixed number of queries whatever the size of the branch.

The evidence beside the 个人自评 is the member's year as the portal already holds it (seed §二.4: 如实记录
“三会一课”等组织生活开展情况；§三: 注重从党员作用发挥看效果): attendance with 补学, study hours, tasks,
commitment and 先锋岗, talks. Nothing here is turned into a grade.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from activities.calendar.selectors import AttendanceSummary, member_attendance
from activities.models import AttendanceStatus, Commitment, HeartTalk, Meeting, MeetingKind, MeetingStatus, PioneerPost
from activities.talks.selectors import TalkCoverage, talk_coverage
from branches.models import (
    COMMITTEE_ROLE_KINDS,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from reviews.evaluations.models import (
    ApprovalStatus,
    BallotReceipt,
    Disposition,
    EvaluationCampaign,
    EvaluationProblem,
    EvaluationStage,
    EvaluationStep,
    Grade,
    GradeAmendment,
    GradePolicy,
    GradeProposal,
    MutualBallot,
    Opinion,
    SelfEvaluation,
    grade_scale,
    probation_end,
)
from reviews.evaluations.permissions import campaigns_visible_to, proposals_visible_to
from study.learning.selectors import meeting_hours_by_member, task_hours_by_member
from study.models import REQUIRED_HOURS_COMMITTEE, REQUIRED_HOURS_MEMBER, StudyTask, TaskStatus

SOURCE = _(
    "《实施方案》二.3：要坚持开展民主评议党员，客观公正评价党员表现，帮助引导党员自觉认识问题、自我改进提高，"
    "严格稳慎处置不合格党员"
)


def campaign_get(*, user: User, pk: int) -> EvaluationCampaign:
    """A campaign of a branch in the user's scope (a member: their own branch), with its branch and policy;
    DoesNotExist otherwise."""
    return (
        campaigns_visible_to(user)
        .select_related("organization", "organization__parent", "decision_meeting", "policy")
        .get(pk=pk)
    )


def policy_in_force(*, on: datetime.date) -> GradePolicy | None:
    """The administrators' 民主评议 settings in force on a day (None: the default scale, no cap). One query."""
    return GradePolicy.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


def policy_scale(*, on: datetime.date) -> list[tuple[str, str]]:
    """The grade scale in force on a day. One query."""
    policy = policy_in_force(on=on)
    return policy.scale() if policy else grade_scale()


def branch_campaigns(*, organization: Organization) -> list[EvaluationCampaign]:
    """The branch's campaigns, newest year first. One query."""
    return list(EvaluationCampaign.objects.filter(organization=organization).order_by("-year"))


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().annotate(n=Func("pk", function="COUNT", output_field=IntegerField())).values("n")
    return Coalesce(Subquery(counted[:1]), 0, output_field=IntegerField())


@dataclass(frozen=True)
class Tally:
    """The 互评 grades one member received (counts per grade), never who gave them."""

    member: Member
    counts: dict[str, int]
    comments: list[str]
    scale: tuple[tuple[str, str], ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[int]:
        return [self.counts.get(code, 0) for code, _label in self.scale]

    def labelled(self) -> list[tuple[str, int]]:
        return [(label, self.counts.get(code, 0)) for code, label in self.scale]


@dataclass
class CampaignPage:
    campaign: EvaluationCampaign
    stages: list[EvaluationStage]
    today: datetime.date
    member_count: int
    self_evaluated: int
    voted: int
    coverage: TalkCoverage | None = None
    tallies: list[Tally] | None = None
    scale: list[tuple[str, str]] = field(default_factory=list)

    @property
    def current(self) -> EvaluationStage | None:
        """The first step not closed yet (None when all are done)."""
        return next((stage for stage in self.stages if not stage.is_closed), None)

    @property
    def remaining(self) -> list[EvaluationStage]:
        return [stage for stage in self.stages if not stage.is_closed]

    @property
    def is_complete(self) -> bool:
        return self.current is None

    @property
    def closed_count(self) -> int:
        return len(self.stages) - len(self.remaining)

    @property
    def percent(self) -> int:
        return round(100 * self.closed_count / len(self.stages)) if self.stages else 0

    def stage(self, step: str) -> EvaluationStage | None:
        return next((stage for stage in self.stages if stage.step == step), None)


def campaign_page(*, campaign: EvaluationCampaign, today: datetime.date, with_tallies: bool) -> CampaignPage:
    """The campaign page: the steps, where the branch is, how many have done their part, the C11 talk coverage
    (谈心谈话), and once the 互评 step is closed (and `with_tallies`) the tallies per member.

    Seven queries at most: steps, counts, coverage (2), tallies (members, grades, comments)."""
    stages = list(EvaluationStage.objects.filter(campaign=campaign).select_related("closed_by").order_by("position"))
    counts = (
        EvaluationCampaign.objects.filter(pk=campaign.pk)
        .annotate(
            members=_count(
                Member.objects.filter(organization_id=OuterRef("organization_id"), status=MemberStatus.ACTIVE)
            ),
            self_evaluated=_count(SelfEvaluation.objects.filter(campaign_id=OuterRef("pk"))),
            voted=_count(BallotReceipt.objects.filter(campaign_id=OuterRef("pk"))),
        )
        .values("members", "self_evaluated", "voted")
        .get()
    )
    page = CampaignPage(
        campaign=campaign,
        stages=stages,
        today=today,
        member_count=counts["members"],
        self_evaluated=counts["self_evaluated"],
        voted=counts["voted"],
        scale=campaign.scale,
    )
    talks_stage = page.stage(EvaluationStep.TALKS)
    if talks_stage is not None:
        page.coverage = talk_coverage(organization=campaign.organization, year=talks_stage.starts_on.year)
    mutual = page.stage(EvaluationStep.MUTUAL)
    if with_tallies and mutual is not None and mutual.is_closed:
        page.tallies = campaign_tallies(campaign=campaign)
    return page


def campaign_tallies(*, campaign: EvaluationCampaign) -> list[Tally]:
    """The 互评 result per active member: counts per grade and the comments (in no particular order). Three
    queries: the members, the counts, the comments."""
    members = list(
        Member.objects.filter(organization_id=campaign.organization_id, status=MemberStatus.ACTIVE).order_by(
            "name", "pk"
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for subject_id, grade, n in (
        MutualBallot.objects.filter(campaign=campaign)
        .values("subject_id", "grade")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("subject_id", "grade", "n")
    ):
        counts.setdefault(subject_id, {})[grade] = n
    comments: dict[int, list[str]] = {}
    for subject_id, comment in (
        MutualBallot.objects.filter(campaign=campaign)
        .exclude(comment="")
        .order_by("comment")
        .values_list("subject_id", "comment")
    ):
        comments.setdefault(subject_id, []).append(comment)
    scale = tuple(campaign.scale)
    return [
        Tally(member=member, counts=counts.get(member.pk, {}), comments=comments.get(member.pk, []), scale=scale)
        for member in members
    ]


# 个人自评 --------------------------------------------------------------------------------------------------------


@dataclass
class Evidence:
    """The member's year from the portal, shown beside the 个人自评 (never computed into a grade)."""

    year: int
    attendance: AttendanceSummary
    makeup_done: int
    makeup_open: int
    study_hours: Decimal
    required_hours: int
    tasks_done: int
    tasks_open: int
    commitment: Commitment | None
    pioneer_posts: list[PioneerPost]
    talks: int


def member_evidence(*, member: Member, year: int, today: datetime.date) -> Evidence:
    """The evidence for the year in seven queries whatever the branch size: attendance with 补学, task hours,
    meeting hours, the member's counts (committee seat, tasks, talks) in one query, commitment, 先锋岗."""
    attendance = member_attendance(member=member, year=year, today=today)
    leave_rows = [row for row in attendance.history if row.status == AttendanceStatus.LEAVE]
    hours = task_hours_by_member(organization_id=member.organization_id, year=year).get(member.pk, Decimal(0))
    hours += meeting_hours_by_member(member_ids=[member.pk], year=year).get(member.pk, Decimal(0))
    tasks = StudyTask.objects.filter(member_id=OuterRef("pk"), due_date__year=year)
    facts = (
        Member.objects.filter(pk=member.pk)
        .annotate(
            # As study.learning.selectors.holds_committee_role: a seat on the branch's own committee (56 学时).
            committee=Exists(
                Role.objects.filter(
                    user_id=OuterRef("user_id"),
                    organization_id=OuterRef("organization_id"),
                    kind__in=COMMITTEE_ROLE_KINDS,
                )
            ),
            tasks_done=_count(tasks.filter(status=TaskStatus.DONE)),
            tasks_open=_count(tasks.filter(status=TaskStatus.OPEN)),
            talks=_count(
                HeartTalk.objects.filter(
                    Q(initiator_id=OuterRef("pk")) | Q(counterpart_id=OuterRef("pk")),
                    held_on__year=year,
                )
            ),
        )
        .values("committee", "tasks_done", "tasks_open", "talks")
        .get()
    )
    return Evidence(
        year=year,
        attendance=attendance.summary,
        makeup_done=sum(1 for row in leave_rows if row.makeup_status == TaskStatus.DONE),
        makeup_open=sum(1 for row in leave_rows if row.makeup_status == TaskStatus.OPEN),
        study_hours=hours,
        required_hours=REQUIRED_HOURS_COMMITTEE if facts["committee"] else REQUIRED_HOURS_MEMBER,
        tasks_done=facts["tasks_done"],
        tasks_open=facts["tasks_open"],
        commitment=Commitment.objects.filter(member=member, year=year).first(),
        pioneer_posts=list(
            PioneerPost.objects.filter(member=member, started_on__lte=datetime.date(year, 12, 31))
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=datetime.date(year, 1, 1)))
            .order_by("started_on", "pk")
        ),
        talks=facts["talks"],
    )


def self_evaluation_get(*, campaign: EvaluationCampaign, member: Member) -> SelfEvaluation | None:
    return SelfEvaluation.objects.filter(campaign=campaign, member=member).first()


def self_evaluation_stage(*, campaign: EvaluationCampaign, step: str) -> EvaluationStage:
    return EvaluationStage.objects.get(campaign=campaign, step=step)


# 党员互评 --------------------------------------------------------------------------------------------------------


@dataclass
class BallotPage:
    stage: EvaluationStage
    has_voted: bool
    subjects: list[Member]


def ballot_page(*, campaign: EvaluationCampaign, voter: Member) -> BallotPage:
    """What the voter must grade: every other active member of the branch, and whether they have voted. Three
    queries."""
    stage = EvaluationStage.objects.get(campaign=campaign, step=EvaluationStep.MUTUAL)
    return BallotPage(
        stage=stage,
        has_voted=BallotReceipt.objects.filter(campaign=campaign, member=voter).exists(),
        subjects=list(
            Member.objects.filter(organization_id=campaign.organization_id, status=MemberStatus.ACTIVE)
            .exclude(pk=voter.pk)
            .order_by("name", "pk")
        ),
    )


# 支委会 proposes grades; the parent committee approves the careful ones -----------------------------------------


@dataclass(frozen=True)
class ProposalRow:
    member: Member
    self_evaluation: SelfEvaluation | None
    tally: Tally | None
    proposal: GradeProposal | None

    @property
    def probation_ends_on(self) -> datetime.date | None:
        """The 预备党员's probation end (evaluated separately); None for a full member."""
        return probation_end(self.member)


@dataclass(frozen=True)
class ExcellentCap:
    """The campaign's cap on 优秀 as shown at the proposal: the percentage, the most allowed, how many so far."""

    percent: int
    limit: int
    proposed: int


def excellent_cap(*, campaign: EvaluationCampaign, rows: list[ProposalRow]) -> ExcellentCap | None:
    """The cap on 优秀 for the proposal page, from rows already read (no query); None when there is no cap."""
    if campaign.excellent_cap is None:
        return None
    members = len(rows)
    return ExcellentCap(
        percent=campaign.excellent_cap,
        limit=(campaign.excellent_cap * members) // 100,
        proposed=sum(1 for row in rows if row.proposal and row.proposal.grade == Grade.EXCELLENT),
    )


@dataclass
class OpinionsPage:
    stage: EvaluationStage
    own: list[Opinion]
    opinions: list[Opinion] | None
    problems: list[EvaluationProblem] | None
    report_closed: bool


def opinions_page(*, campaign: EvaluationCampaign, member: Member | None, with_all: bool) -> OpinionsPage:
    """The 征求意见 page: the step, the member's own opinions, and for the branch's committee (`with_all`) every
    opinion and the problems entered. Four queries at most whatever the number of opinions."""
    stages = {
        stage.step: stage
        for stage in EvaluationStage.objects.filter(
            campaign=campaign, step__in=[EvaluationStep.OPINIONS, EvaluationStep.REPORT]
        )
    }
    own = list(Opinion.objects.filter(campaign=campaign, author=member).order_by("pk")) if member is not None else []
    opinions = problems = None
    if with_all:
        opinions = list(Opinion.objects.filter(campaign=campaign).select_related("author").order_by("source", "pk"))
        problems = campaign_problems(campaign=campaign)
    return OpinionsPage(
        stage=stages[EvaluationStep.OPINIONS],
        own=own,
        opinions=opinions,
        problems=problems,
        report_closed=stages[EvaluationStep.REPORT].is_closed,
    )


def branch_members(*, campaign: EvaluationCampaign) -> list[Member]:
    """The campaign branch's active members, by name. One query."""
    return list(
        Member.objects.filter(organization_id=campaign.organization_id, status=MemberStatus.ACTIVE).order_by(
            "name", "pk"
        )
    )


def campaign_problems(*, campaign: EvaluationCampaign) -> list[EvaluationProblem]:
    """The problems found in the campaign, by deadline. One query."""
    return list(EvaluationProblem.objects.filter(campaign=campaign).select_related("member").order_by("deadline", "pk"))


def proposal_rows(*, campaign: EvaluationCampaign, with_tallies: bool) -> list[ProposalRow]:
    """Every active member with their self-evaluation, 互评 tally (once the step is closed) and proposed grade.
    Eight queries whatever the branch size: the step, members, counts, comments, self-evaluations, proposals
    with their dispositions and amendments."""
    mutual_closed = EvaluationStage.objects.filter(
        campaign=campaign, step=EvaluationStep.MUTUAL, closed_on__isnull=False
    ).exists()
    tallies = {tally.member.pk: tally for tally in campaign_tallies(campaign=campaign)}
    selves = {row.member_id: row for row in SelfEvaluation.objects.filter(campaign=campaign)}
    proposals = {
        row.member_id: row
        for row in GradeProposal.objects.filter(campaign=campaign)
        .select_related("reviewed_by")
        .prefetch_related(
            Prefetch("dispositions", queryset=Disposition.objects.order_by("decided_on", "pk")),
            Prefetch("amendments", queryset=GradeAmendment.objects.select_related("amended_by").order_by("number")),
        )
    }
    return [
        ProposalRow(
            member=tally.member,
            self_evaluation=selves.get(pk),
            tally=tally if (with_tallies and mutual_closed) else None,
            proposal=proposals.get(pk),
        )
        for pk, tally in tallies.items()
    ]


def proposal_get(*, user: User, pk: int) -> GradeProposal:
    """A proposal of a branch in the user's scope, with its campaign, branch and parent; DoesNotExist otherwise."""
    return (
        proposals_visible_to(user)
        .select_related(
            "member", "campaign", "campaign__organization", "campaign__organization__parent", "campaign__policy"
        )
        .get(pk=pk)
    )


def pending_cases(*, organization: Organization) -> list[GradeProposal]:
    """基本合格/不合格 proposals of the branches below `organization` waiting for approval, oldest first. One
    query."""
    return list(
        GradeProposal.objects.filter(
            status=ApprovalStatus.PENDING, campaign__organization__path__startswith=organization.path
        )
        .exclude(campaign__organization=organization)
        .select_related("member", "campaign", "campaign__organization", "proposed_by")
        .order_by("updated_at", "pk")
    )


def decision_meeting_choices(*, campaign: EvaluationCampaign) -> list[Meeting]:
    """The branch's 支部党员大会 held from the campaign's year on (not merely planned), newest first. One query."""
    return list(
        Meeting.objects.filter(
            organization_id=campaign.organization_id,
            kind=MeetingKind.GENERAL_MEETING,
            held_on__gte=datetime.date(campaign.year, 1, 1),
        )
        .exclude(status=MeetingStatus.PLANNED)
        .order_by("-held_on", "-pk")
    )


# Committee officers: 评议进度 of the subtree ----------------------------------------------------------------------

NOT_STARTED, IN_PROGRESS, DECIDED, REPORTED = "not_started", "in_progress", "decided", "reported"


@dataclass
class ProgressRow:
    """A direct child of the node (or the whole subtree): its branches by where their 评议 is, and the grades
    decided."""

    organization: Organization | None
    branches: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    grades: dict[str, int] = field(default_factory=dict)
    scale: tuple[tuple[str, str], ...] = ()

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def not_started(self) -> int:
        return self.count(NOT_STARTED)

    @property
    def in_progress(self) -> int:
        return self.count(IN_PROGRESS)

    @property
    def decided(self) -> int:
        return self.count(DECIDED)

    @property
    def reported(self) -> int:
        return self.count(REPORTED)

    def grade_cells(self) -> list[int]:
        return [self.grades.get(code, 0) for code, _label in self.scale]


@dataclass
class EvaluationProgress:
    organization: Organization
    year: int
    rows: list[ProgressRow]
    total: ProgressRow
    pending: int
    scale: list[tuple[str, str]]


def evaluation_progress(*, organization: Organization, year: int) -> EvaluationProgress:
    """The 评议进度 of the subtree for `year`, per direct child: branches not started, in progress, decided (the
    党员大会 step closed), reported (the 报上级 step closed); the grades decided; the cases waiting for approval.
    Five queries whatever the size of the subtree (children, branches, campaigns, grades, pending cases)."""
    children = list(Organization.objects.filter(parent=organization).order_by("code", "pk"))
    scale = tuple(policy_scale(on=datetime.date(year, 12, 1)))
    rows = {child.path: ProgressRow(organization=child, scale=scale) for child in children}
    total = ProgressRow(organization=None, scale=scale)
    prefix = len(organization.path) + len(Organization.path_segment(0))
    branch_paths = dict(
        Organization.objects.filter(path__startswith=organization.path, kind=OrganizationKind.BRANCH).values_list(
            "pk", "path"
        )
    )
    closed = EvaluationStage.objects.filter(campaign_id=OuterRef("pk"), closed_on__isnull=False)
    statuses = {
        org_id: REPORTED if reported else DECIDED if decided else IN_PROGRESS
        for org_id, decided, reported in EvaluationCampaign.objects.filter(
            organization__path__startswith=organization.path, year=year
        )
        .annotate(
            decided=Exists(closed.filter(step=EvaluationStep.DECISION)),
            reported=Exists(closed.filter(step=EvaluationStep.REPORT)),
        )
        .values_list("organization_id", "decided", "reported")
    }
    decided_campaign = EvaluationStage.objects.filter(
        campaign_id=OuterRef("campaign_id"), step=EvaluationStep.DECISION, closed_on__isnull=False
    )
    grades = (
        GradeProposal.objects.filter(
            campaign__organization__path__startswith=organization.path,
            campaign__year=year,
            status__in=[ApprovalStatus.STANDS, ApprovalStatus.APPROVED],
        )
        .filter(Exists(decided_campaign))
        .values("campaign__organization_id", "grade")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("campaign__organization_id", "grade", "n")
    )
    by_branch: dict[int, dict[str, int]] = {}
    for org_id, grade, n in grades:
        by_branch.setdefault(org_id, {})[grade] = n
    for org_id, path in branch_paths.items():
        targets = [total]
        child = rows.get(path[:prefix])
        if child is not None:
            targets.append(child)
        status = statuses.get(org_id, NOT_STARTED)
        for row in targets:
            row.branches += 1
            row.counts[status] = row.counts.get(status, 0) + 1
            for grade, n in by_branch.get(org_id, {}).items():
                row.grades[grade] = row.grades.get(grade, 0) + n
    pending = (
        GradeProposal.objects.filter(
            status=ApprovalStatus.PENDING, campaign__organization__path__startswith=organization.path
        )
        .exclude(campaign__organization=organization)
        .count()
    )
    return EvaluationProgress(
        organization=organization,
        year=year,
        rows=[row for row in rows.values() if row.branches],
        total=total,
        pending=pending,
        scale=list(scale),
    )


def member_page_grades(queryset: QuerySet[Member], *, today: datetime.date) -> QuerySet[Member]:
    """The member page's 民主评议 grades (receiver of `portal.hooks.member_page_queryset`): each year's grade
    once the 支部党员大会 decided it (and, for 基本合格/不合格, the parent committee approved), newest first, as
    `member.evaluation_grades`. One prefetch query."""
    decided = EvaluationStage.objects.filter(
        campaign_id=OuterRef("campaign_id"), step=EvaluationStep.DECISION, closed_on__isnull=False
    )
    return queryset.prefetch_related(
        Prefetch(
            "grade_proposals",
            queryset=GradeProposal.objects.filter(status__in=[ApprovalStatus.STANDS, ApprovalStatus.APPROVED])
            .filter(Exists(decided))
            .select_related("campaign")
            .order_by("-campaign__year"),
            to_attr="evaluation_grades",
        )
    )
