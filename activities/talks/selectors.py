"""Reads for 谈心谈话, 承诺践诺 and 党员先锋岗, each in a fixed number of queries whatever the size of the branch."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from activities.models import Commitment, HeartTalk, PioneerPost
from activities.permissions import can_read_talk_summary, talks_visible_to
from activities.talks.services import ReportStage, report_opens_on
from branches.models import COMMITTEE_ROLE_KINDS, Member, MemberStatus, Organization, Role, User
from branches.permissions import organization_scope_q


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# 谈心谈话 -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TalkRow:
    talk: HeartTalk
    summary_visible: bool


def talk_get(*, user: User, pk: int) -> HeartTalk:
    """One talk the user may know of (in scope or taken part in); DoesNotExist otherwise."""
    return talks_visible_to(user).select_related("organization", "initiator", "counterpart", "recorded_by").get(pk=pk)


def talk_rows(*, user: User, organization: Organization, year: int) -> list[TalkRow]:
    """The branch's talks in `year` that the user may know of, newest first, each with whether the user may read
    its summary (the two members and the branch secretary only). One query (roles and own member are cached)."""
    start, end = _year_range(year)
    talks = (
        talks_visible_to(user)
        .filter(organization=organization, held_on__range=(start, end))
        .select_related("initiator", "counterpart")
        .order_by("-held_on", "-pk")
    )
    return [TalkRow(talk=talk, summary_visible=can_read_talk_summary(user, talk)) for talk in talks]


@dataclass(frozen=True)
class MissingPairs:
    """A committee member and the members they have not talked with this year."""

    committee_member: Member
    others: list[Member]


@dataclass
class TalkCoverage:
    """Rule C11 for one branch and year: committee members with each other and with every member."""

    year: int
    committee: list[Member]
    required: int
    covered: int
    missing: list[MissingPairs] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return round(100 * self.covered / self.required) if self.required else None

    @property
    def missing_count(self) -> int:
        return self.required - self.covered


def talk_coverage(*, organization: Organization, year: int) -> TalkCoverage:
    """How many of the pairs rule C11 asks for were covered by a talk in `year`, and which are missing.

    The committee: active members of the branch whose login holds a committee role (书记, 副书记, 委员…) in it.
    Each committee member should talk with each other committee member and with each active member. A pair counts
    whichever of the two started the talk. Two queries: the members (with the committee flag), the talks.
    """
    members = list(
        Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE)
        .annotate(
            is_committee=Exists(
                Role.objects.filter(
                    user_id=OuterRef("user_id"), organization=organization, kind__in=COMMITTEE_ROLE_KINDS
                )
            )
        )
        .order_by("name", "pk")
    )
    start, end = _year_range(year)
    talked = {
        frozenset(pair)
        for pair in HeartTalk.objects.filter(organization=organization, held_on__range=(start, end))
        .values_list("initiator_id", "counterpart_id")
        .distinct()
    }
    committee = [member for member in members if member.is_committee]
    required = covered = 0
    missing: list[MissingPairs] = []
    seen: set[int] = set()
    for leader in committee:
        seen.add(leader.pk)
        others = []
        for other in members:
            if other.pk in seen:  # itself, or a committee pair already counted under an earlier committee member
                continue
            required += 1
            if frozenset((leader.pk, other.pk)) in talked:
                covered += 1
            else:
                others.append(other)
        if others:
            missing.append(MissingPairs(committee_member=leader, others=others))  # type: ignore[arg-type]  # annotated Members
    return TalkCoverage(year=year, committee=committee, required=required, covered=covered, missing=missing)  # type: ignore[arg-type]  # annotated Members


def talk_member_choices(*, organization: Organization) -> QuerySet[Member]:
    """The members a talk of the branch may be between: its active members."""
    return Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE).order_by("name", "pk")


# 承诺践诺 -----------------------------------------------------------------------------------------------------


def commitment_get(*, user: User, pk: int) -> Commitment:
    """A commitment of a member in the user's organisational scope (the branch's page; a member's own commitment is
    on 我的承诺); DoesNotExist otherwise."""
    return (
        Commitment.objects.filter(organization_scope_q(user, "member__organization"))
        .select_related("member", "member__organization", "commented_by")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class ReportWindow:
    stage: ReportStage
    opens_on: datetime.date
    is_open: bool


@dataclass
class MyCommitment:
    """The member's own page: this year's commitment (or None yet), when the reports open, earlier years."""

    member: Member
    year: int
    commitment: Commitment | None
    mid_year: ReportWindow
    year_end: ReportWindow
    earlier: list[Commitment]


def my_commitment(*, member: Member, today: datetime.date) -> MyCommitment:
    """This year's commitment and the earlier ones, newest first. One query."""
    commitments = list(Commitment.objects.filter(member=member, year__lte=today.year).select_related("commented_by"))
    current = next((c for c in commitments if c.year == today.year), None)
    windows = {}
    for stage in ReportStage:
        opens = report_opens_on(year=today.year, stage=stage)
        windows[stage] = ReportWindow(stage=stage, opens_on=opens, is_open=today >= opens)
    return MyCommitment(
        member=member,
        year=today.year,
        commitment=current,
        mid_year=windows[ReportStage.MID_YEAR],
        year_end=windows[ReportStage.YEAR_END],
        earlier=[c for c in commitments if c.year < today.year],
    )


# A step of the yearly commitment, for the branch list.
DONE, MISSING, NOT_YET = "done", "missing", "not_yet"


@dataclass(frozen=True)
class CommitmentRow:
    member: Member
    commitment: Commitment | None
    pledge: str
    mid_year: str
    year_end: str
    comment: str

    @property
    def states(self) -> tuple[str, str, str, str]:
        return (self.pledge, self.mid_year, self.year_end, self.comment)


@dataclass
class CommitmentTable:
    year: int
    rows: list[CommitmentRow]
    pledged: int
    mid_year_reported: int
    year_end_reported: int
    commented: int


def commitment_table(*, organization: Organization, year: int, today: datetime.date) -> CommitmentTable:
    """Every active member of the branch (and anyone who made a commitment that year and has since left) with the
    state of each step: 承诺, 年中自评, 年终自评, 支部评价. A report that is not due yet is `not_yet`. Two queries."""
    commitments = {
        c.member_id: c for c in Commitment.objects.filter(member__organization=organization, year=year).order_by()
    }
    members = list(
        Member.objects.filter(organization=organization)
        .filter(Q(status=MemberStatus.ACTIVE) | Q(pk__in=list(commitments)))
        .order_by("name", "pk")
    )
    windows = {stage: today >= report_opens_on(year=year, stage=stage) for stage in ReportStage}

    def report_state(commitment: Commitment | None, stage: ReportStage) -> str:
        if commitment is not None and getattr(commitment, f"{stage}_report"):
            return DONE
        return MISSING if windows[stage] else NOT_YET

    rows = []
    for member in members:
        commitment = commitments.get(member.pk)
        rows.append(
            CommitmentRow(
                member=member,
                commitment=commitment,
                pledge=DONE if commitment is not None else MISSING,
                mid_year=report_state(commitment, ReportStage.MID_YEAR),
                year_end=report_state(commitment, ReportStage.YEAR_END),
                comment=DONE if commitment is not None and commitment.branch_comment else MISSING,
            )
        )
    return CommitmentTable(
        year=year,
        rows=rows,
        pledged=sum(row.pledge == DONE for row in rows),
        mid_year_reported=sum(row.mid_year == DONE for row in rows),
        year_end_reported=sum(row.year_end == DONE for row in rows),
        commented=sum(row.comment == DONE for row in rows),
    )


# 党员先锋岗 / 示范岗 / 责任区 ----------------------------------------------------------------------------------


def pioneer_post_get(*, user: User, pk: int) -> PioneerPost:
    """A post of a member in the user's organisational scope, with the member; DoesNotExist otherwise."""
    return (
        PioneerPost.objects.filter(organization_scope_q(user, "member__organization"))
        .select_related("member", "member__organization")
        .get(pk=pk)
    )


def current_pioneer_posts_prefetch(*, today: datetime.date) -> Prefetch:
    """For member pages: the member's posts not ended by `today` as `member.current_pioneer_posts`."""
    return Prefetch(
        "pioneer_posts",
        queryset=PioneerPost.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today)).order_by(
            "kind", "-started_on", "pk"
        ),
        to_attr="current_pioneer_posts",
    )


def current_commitment_id(*, year: int) -> QuerySet:
    """For member pages: a subquery giving the id of the member's commitment for `year` (annotate a Member
    queryset with it; no extra query)."""
    return Commitment.objects.filter(member=OuterRef("pk"), year=year).values("pk")[:1]


def member_page_annotate(queryset: QuerySet[Member], *, today: datetime.date) -> QuerySet[Member]:
    """The member page's 承诺 and 先锋岗 (receiver of `portal.hooks.member_page_queryset`): this year's
    commitment id as a subquery and the current pioneer posts in one prefetch query."""
    return queryset.annotate(current_commitment_id=Subquery(current_commitment_id(year=today.year))).prefetch_related(
        current_pioneer_posts_prefetch(today=today)
    )
