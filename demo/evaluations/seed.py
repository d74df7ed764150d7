"""民主评议党员 demo data for `manage.py seed_demo` (seed §二.3: 要坚持开展民主评议党员).

The story, with Y = today's year:

* Last year's 评议 (Y-1) is completed for most branches under 北京市委 (nine in ten, by each branch's own
  draw): every step closed on its last day, a grade for every active member (mostly 合格, some 优秀, a few
  基本合格 approved by the parent committee), decided at the branch's first-quarter 支部党员大会 of Y, which the
  organisational-life story (demo.activities) records as also counting as 民主评议党员 (rule C6 for Y). One
  branch has a 不合格 case still waiting for the parent committee's approval, so its 评议 stops at the 党员大会 step.
  预备党员 are evaluated separately (按期转正), one of them extended (延长预备期, approved). Every decided branch
  has a masses' opinion and two problems found (对照检查, 群众意见) with measures and deadlines, and each approved
  基本合格 a 限期改正 with its deadline, followed up once the deadline has passed.
* This year's 评议 (Y) is in progress in the demo branch (logins `secretary` and `member`): opened with the
  usual December–March dates, 学习准备 closed, a few members' 个人自评 written and a few ballots cast (through
  the services, so the ballots are stored as the portal stores them: without voters), `member` has done
  neither, so the walkthrough can. Two members' opinions, a masses' opinion and a problem from the 对照检查 are
  entered.

Written in bulk (`bulk_create`) with the rows the services write, except this year's demo branch (services).
Idempotent: a branch with a campaign for the year is left alone. Deterministic: each branch draws from its own
generator (seed and branch code)."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from activities.models import Meeting, MeetingKind, MeetingStatus
from branches.models import Member, MembershipType, MemberStatus, Organization, OrganizationKind, Role, RoleKind, User
from demo.tree import tables as tree_tables
from reviews.evaluations import services
from reviews.evaluations.models import (
    STEP_ORDER,
    ApprovalStatus,
    Disposition,
    DispositionKind,
    EvaluationCampaign,
    EvaluationProblem,
    EvaluationStage,
    EvaluationStep,
    Grade,
    GradeProposal,
    Opinion,
    OpinionSource,
    ProbationOutcome,
)

COMPLETED_SHARE = 0.9
BASIC_REASON = "全年多次无故缺席组织生活，补学未按期完成，经谈心谈话提醒后仍改进不明显。"
UNQUALIFIED_REASON = "连续六个月不参加党的组织生活，经批评教育仍不改正，支委会建议评定为不合格并报上级党组织审批。"
EXTEND_REASON = "预备期内多次无故缺席组织生活，入党誓词中的要求落实不够，支委会建议延长预备期半年。"
MASSES_OPINION = "希望党员在社区服务和窗口工作中更主动亮身份、作表率。"
PROBLEMS = (
    (
        "self_check",
        "理论学习不够系统，集中学习多以读文件为主，结合工作讨论不够。",
        "每季度确定一个学习专题，支委轮流领学并组织讨论。",
        120,
    ),
    ("masses", "党员联系服务群众不够经常。", "每名党员每季度走访联系户一次，并在组织生活会上交流。", 150),
)
MEMBER_OPINIONS = (
    "建议支部组织生活多结合业务工作，少念文件、多谈问题。",
    "希望支委会定期通报党费收缴和使用情况。",
)
CORRECTION_NOTE = "支部党员大会决定限期三个月改正，由支部书记谈心谈话并跟踪。"
FOLLOW_UP = "已按时参加组织生活，补学完成，改正情况良好。"
SELF_TEXTS = (
    "坚定理想信念，认真学习党章党规和系列讲话，在思想上政治上行动上同党中央保持高度一致。",
    "严守政治纪律和政治规矩，按时参加组织生活，按时足额交纳党费。",
    "弘扬忠诚老实、公道正派的作风，带头践行社会主义核心价值观。",
    "立足岗位履职尽责，完成承诺事项，在志愿服务中发挥党员先锋模范作用。",
)


@dataclass
class EvaluationsDemoResult:
    campaigns_created: int = 0
    grades_created: int = 0
    pending_cases: int = 0
    extended: int = 0
    problems_created: int = 0
    seconds: float = 0.0


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in ("evaluations", *parts)))  # noqa: S311 - demo data


def _opener(organization_id: int, secretaries: dict[int, int], fallback: int) -> int:
    return secretaries.get(organization_id, fallback)


def _last_year(*, year: int, seed: int, today: datetime.date, result: EvaluationsDemoResult) -> None:
    branches = list(
        Organization.objects.filter(kind=OrganizationKind.BRANCH)
        .exclude(evaluation_campaigns__year=year)
        .order_by("code")
        .values_list("pk", "code")
    )
    if not branches:
        return
    secretaries = dict(
        Role.objects.filter(kind=RoleKind.SECRETARY, organization__kind=OrganizationKind.BRANCH).values_list(
            "organization_id", "user_id"
        )
    )
    fallback = User.objects.filter(username="admin").values_list("pk", flat=True).first() or (
        User.objects.order_by("pk").values_list("pk", flat=True).first()
    )
    if fallback is None:
        return
    chosen = [(pk, code) for pk, code in branches if _rng(seed, "campaign", code).random() < COMPLETED_SHARE]
    ids = [pk for pk, _code in chosen]
    members: dict[int, list[int]] = {}
    probation_ends: dict[int, datetime.date] = {}
    for pk, organization_id, membership_type, joined_on in (
        Member.objects.filter(organization_id__in=ids, status=MemberStatus.ACTIVE)
        .order_by("organization_id", "id_number_digest")
        .values_list("pk", "organization_id", "membership_type", "joined_on")
    ):
        members.setdefault(organization_id, []).append(pk)
        if membership_type == MembershipType.PROBATIONARY:
            probation_ends[pk] = _year_later(joined_on)
    # Ordered newest first, so the earliest 支部党员大会 of the first quarter wins.
    first_general = {
        organization_id: pk
        for pk, organization_id in (
            Meeting.objects.filter(
                organization_id__in=ids,
                kind=MeetingKind.GENERAL_MEETING,
                held_on__year=year + 1,
                counted_kinds__kind=MeetingKind.DEMOCRATIC_EVALUATION,
            )
            .exclude(status=MeetingStatus.PLANNED)
            .order_by("organization_id", "-held_on", "-pk")
            .values_list("pk", "organization_id")
        )
    }
    pending_branch = chosen[len(chosen) // 2][0] if chosen else None
    campaigns = [
        EvaluationCampaign(
            organization_id=pk,
            year=year,
            opened_by_id=_opener(pk, secretaries, fallback),
            decision_meeting_id=None if pk == pending_branch else first_general.get(pk),
        )
        for pk, _code in chosen
    ]
    EvaluationCampaign.objects.bulk_create(campaigns)
    created = {
        campaign.organization_id: campaign
        for campaign in EvaluationCampaign.objects.filter(organization_id__in=ids, year=year)
    }
    schedule = services.default_schedule(year=year)
    stages, proposals = [], []
    extended = False
    for pk, code in chosen:
        campaign = created[pk]
        rng = _rng(seed, "grades", code)
        decided = pk != pending_branch
        for position, step in enumerate(STEP_ORDER, start=1):
            starts_on, ends_on = schedule[step]
            closed = decided or position < STEP_ORDER.index(EvaluationStep.DECISION) + 1
            stages.append(
                EvaluationStage(
                    campaign=campaign,
                    step=step,
                    position=position,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    closed_on=ends_on if closed else None,
                    closed_by_id=campaign.opened_by_id if closed else None,
                )
            )
        for index, member_id in enumerate(members.get(pk, [])):
            draw = rng.random()
            grade: str = Grade.QUALIFIED
            reason, status = "", ApprovalStatus.STANDS
            outcome, probation_ends_on = "", probation_ends.get(member_id)
            if probation_ends_on is not None:
                # 预备党员 are evaluated separately: a suggestion on the probation, one extended (approved).
                grade, outcome = "", ProbationOutcome.ON_TIME
                if decided and not extended:
                    outcome, reason, status = ProbationOutcome.EXTEND, EXTEND_REASON, ApprovalStatus.APPROVED
                    extended = True
                    result.extended += 1
            elif pk == pending_branch and index == 0:
                grade, reason, status = Grade.UNQUALIFIED, UNQUALIFIED_REASON, ApprovalStatus.PENDING
                result.pending_cases += 1
            elif draw < 0.15:
                grade = Grade.EXCELLENT
            elif draw > 0.985:
                grade, reason, status = Grade.BASICALLY_QUALIFIED, BASIC_REASON, ApprovalStatus.APPROVED
            proposals.append(
                GradeProposal(
                    campaign=campaign,
                    member_id=member_id,
                    grade=grade,
                    probation_outcome=outcome,
                    probation_ends_on=probation_ends_on,
                    reason=reason,
                    proposed_by_id=campaign.opened_by_id,
                    status=status,
                    reviewed_by_id=fallback if status == ApprovalStatus.APPROVED else None,
                    reviewed_on=schedule[EvaluationStep.PROPOSAL][1] if status == ApprovalStatus.APPROVED else None,
                    review_reason=_("同意支部意见。") if status == ApprovalStatus.APPROVED else "",
                )
            )
    EvaluationStage.objects.bulk_create(stages, batch_size=2000)
    GradeProposal.objects.bulk_create(proposals, batch_size=2000)
    result.campaigns_created += len(campaigns)
    result.grades_created += len(proposals)
    _last_year_follow_up(
        campaigns=[created[pk] for pk, _code in chosen if pk != pending_branch],
        schedule=schedule,
        today=today,
        result=result,
    )


def _year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _last_year_follow_up(
    *,
    campaigns: list[EvaluationCampaign],
    schedule: dict[str, tuple[datetime.date, datetime.date]],
    today: datetime.date,
    result: EvaluationsDemoResult,
) -> None:
    """What the decided campaigns left behind, in bulk: the masses' opinion collected and the problem found in the
    对照检查 (each branch one), and a 限期改正 for every approved 基本合格 (followed up once its deadline passed)."""
    opinions_end = schedule[EvaluationStep.OPINIONS][1]
    decided_on = schedule[EvaluationStep.DECISION][1]
    opinions = Opinion.objects.bulk_create(
        [
            Opinion(
                campaign=campaign,
                source=OpinionSource.MASSES,
                text=MASSES_OPINION,
                count=3,
                entered_by_id=campaign.opened_by_id,
            )
            for campaign in campaigns
        ],
        batch_size=2000,
    )
    problems = [
        EvaluationProblem(
            campaign=campaign,
            source=source,
            description=text,
            responsible="党支部书记",
            measures=measures,
            deadline=opinions_end + datetime.timedelta(days=days),
            opinion=opinion if source == OpinionSource.MASSES else None,
            entered_by_id=campaign.opened_by_id,
        )
        for campaign, opinion in zip(campaigns, opinions, strict=True)
        for source, text, measures, days in PROBLEMS
    ]
    EvaluationProblem.objects.bulk_create(problems, batch_size=2000)
    result.problems_created += len(problems)
    deadline = decided_on + datetime.timedelta(days=90)
    dispositions = [
        Disposition(
            proposal_id=proposal_id,
            kind=DispositionKind.CORRECTION,
            decided_on=decided_on,
            deadline=deadline,
            note=CORRECTION_NOTE,
            follow_up=FOLLOW_UP if deadline < today else "",
            followed_up_on=deadline if deadline < today else None,
            recorded_by_id=opened_by_id,
        )
        for proposal_id, opened_by_id in GradeProposal.objects.filter(
            campaign__in=campaigns, grade=Grade.BASICALLY_QUALIFIED, status=ApprovalStatus.APPROVED
        ).values_list("pk", "campaign__opened_by_id")
    ]
    Disposition.objects.bulk_create(dispositions, batch_size=2000)


def _this_year(*, year: int, today: datetime.date, result: EvaluationsDemoResult) -> None:
    branch = Organization.objects.filter(code=tree_tables.DEMO_BRANCH_CODE).first()
    secretary = User.objects.filter(username="secretary").first()
    if (
        branch is None
        or secretary is None
        or EvaluationCampaign.objects.filter(organization=branch, year=year).exists()
    ):
        return
    campaign = services.campaign_open(
        organization=branch, year=year, schedule=services.default_schedule(year=year), opened_by=secretary
    )
    result.campaigns_created += 1
    preparation = EvaluationStage.objects.get(campaign=campaign, step=EvaluationStep.PREPARATION)
    if today >= preparation.starts_on:
        services.stage_close(stage=preparation, closed_by=secretary, today=min(today, preparation.ends_on))
    others = list(
        Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE)
        .exclude(user__username="member")
        .order_by("id_number_digest")
    )
    everyone = list(Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE).values_list("pk", flat=True))
    rng = _rng("ballots", year)
    for author, text in zip(others[:2], MEMBER_OPINIONS, strict=False):
        services.opinion_submit(campaign=campaign, member=author, text=text, user=author.user or secretary)
    services.masses_opinion_enter(campaign=campaign, text=MASSES_OPINION, count=5, entered_by=secretary)
    services.problem_add(
        campaign=campaign,
        source=OpinionSource.SELF_CHECK,
        description=PROBLEMS[0][1],
        responsible=secretary.get_full_name() or secretary.username,
        measures=PROBLEMS[0][2],
        deadline=today + datetime.timedelta(days=PROBLEMS[0][3]),
        entered_by=secretary,
        today=today,
    )
    result.problems_created += 1
    for voter in others[:3]:
        services.self_evaluation_save(
            campaign=campaign,
            member=voter,
            political=SELF_TEXTS[0],
            discipline=SELF_TEXTS[1],
            character=SELF_TEXTS[2],
            contribution=SELF_TEXTS[3],
        )
        grades = {
            pk: (str(Grade.EXCELLENT if rng.random() < 0.2 else Grade.QUALIFIED), "")
            for pk in everyone
            if pk != voter.pk
        }
        services.ballots_cast(campaign=campaign, voter=voter, grades=grades)


def evaluations_demo_seed(*, seed: int, today: datetime.date, log: Callable[[str], None]) -> EvaluationsDemoResult:
    """Last year's completed 评议 for most branches and this year's in progress in the demo branch."""
    started = time.monotonic()
    result = EvaluationsDemoResult()
    with transaction.atomic():
        _last_year(year=today.year - 1, seed=seed, today=today, result=result)
        _this_year(year=today.year, today=today, result=result)
    result.seconds = time.monotonic() - started
    return result
