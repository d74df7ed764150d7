"""Writes for 谈心谈话, 承诺践诺 and 党员先锋岗 / 示范岗 / 责任区 (亮明身份).

Every function is keyword-only and one transaction; bad input raises a ValidationError with a Chinese message
on the field it concerns, so a form can show it next to the user's input.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Commitment, HeartTalk, PioneerPost
from branches.models import Member, MemberStatus, Organization, User
from branches.permissions import can_manage_organization, own_member

# 承诺践诺: the mid-year self-report opens on 1 June, the year-end one on 1 December.
MID_YEAR_REPORT_OPENS = (6, 1)
YEAR_END_REPORT_OPENS = (12, 1)


class ReportStage(StrEnum):
    MID_YEAR = "mid_year"
    YEAR_END = "year_end"


def report_opens_on(*, year: int, stage: ReportStage) -> datetime.date:
    """The first day a member may write the self-report of `stage` for `year`."""
    month, day = MID_YEAR_REPORT_OPENS if stage == ReportStage.MID_YEAR else YEAR_END_REPORT_OPENS
    return datetime.date(year, month, day)


# 谈心谈话 -----------------------------------------------------------------------------------------------------


@transaction.atomic
def heart_talk_record(
    *,
    organization: Organization,
    initiator: Member,
    counterpart: Member,
    held_on: datetime.date,
    summary: str,
    is_criticism: bool = False,
    recorded_by: User,
    today: datetime.date | None = None,
) -> HeartTalk:
    """Record a 谈心谈话 held between two members of the branch.

    The branch's managers record any talk; any other user only a talk they took part in. The date may not lie
    in the future. The same talk entered twice (a double click) is refused rather than stored twice.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not organization.is_branch:
        raise ValidationError(_("谈心谈话由党支部登记。"))
    for field, person in (("initiator", initiator), ("counterpart", counterpart)):
        if person.organization_id != organization.pk:
            errors.setdefault(field, []).append(
                _("%(name)s不是%(branch)s的党员，请从本支部党员中选择。")
                % {"name": person.name, "branch": organization.name}
            )
    if initiator.pk == counterpart.pk:
        errors.setdefault("counterpart", []).append(_("谈话双方不能是同一人，请选择另一名党员。"))
    if held_on > today:
        errors.setdefault("held_on", []).append(_("谈话日期不能晚于今天，请登记已经进行的谈话。"))
    summary = summary.strip()
    if not summary:
        errors.setdefault("summary", []).append(_("请填写谈话要点。"))
    if not can_manage_organization(recorded_by, organization):
        member = own_member(recorded_by)
        if member is None or member.pk not in (initiator.pk, counterpart.pk):
            errors.setdefault("initiator", []).append(_("您只能登记本人参加的谈心谈话。"))
    if errors:
        raise ValidationError(errors)
    duplicate = HeartTalk.objects.filter(
        organization=organization, initiator=initiator, counterpart=counterpart, held_on=held_on, summary=summary
    ).exists()
    if duplicate:
        raise ValidationError(_("这次谈心谈话已经登记过了，无需重复提交。"))
    talk = HeartTalk(
        organization=organization,
        initiator=initiator,
        counterpart=counterpart,
        held_on=held_on,
        summary=summary,
        is_criticism=is_criticism,
        recorded_by=recorded_by,
    )
    talk.full_clean()
    talk.save()
    return talk


# 承诺践诺 -----------------------------------------------------------------------------------------------------


@transaction.atomic
def commitment_pledge(*, member: Member, post: str, pledge: str, today: datetime.date | None = None) -> Commitment:
    """Create or change the member's commitment (承诺) for this year: the post it is tied to and the pledge."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("%(name)s不是在册党员，不能作出承诺。") % {"name": member.name})
    pledge = pledge.strip()
    if not pledge:
        errors["pledge"] = [_("请填写承诺内容。")]
    if errors:
        raise ValidationError(errors)
    commitment = Commitment.objects.select_for_update().filter(
        member=member, year=today.year
    ).order_by().first() or Commitment(member=member, year=today.year)
    commitment.post = post.strip()
    commitment.pledge = pledge
    commitment.full_clean()
    commitment.save()
    return commitment


@transaction.atomic
def commitment_report(
    *,
    commitment: Commitment,
    stage: ReportStage,
    report: str,
    now: datetime.datetime | None = None,
) -> Commitment:
    """Write (or rewrite) the member's mid-year or year-end self-report (践诺情况), once its time has come."""
    now = now or timezone.now()
    stage = ReportStage(stage)
    field = f"{stage}_report"
    opens = report_opens_on(year=commitment.year, stage=stage)
    if timezone.localdate(now) < opens:
        if stage == ReportStage.MID_YEAR:
            message = _("年中践诺情况自%(date)s起填写，现在还不到时间。")
        else:
            message = _("年终践诺情况自%(date)s起填写，现在还不到时间。")
        raise ValidationError({"report": [message % {"date": opens.isoformat()}]})
    report = report.strip()
    if not report:
        raise ValidationError({"report": [_("请填写践诺情况。")]})
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    setattr(commitment, field, report)
    setattr(commitment, f"{stage}_reported_at", now)
    commitment.full_clean()
    commitment.save()
    return commitment


@transaction.atomic
def commitment_comment(*, commitment: Commitment, comment: str, commented_by: User) -> Commitment:
    """The branch's comment (支部评价) on a member's commitment; only the branch's managers write it."""
    if not can_manage_organization(commented_by, commitment.member.organization):
        raise ValidationError(_("只有本支部书记、副书记或组织委员可以填写支部评价。"))
    comment = comment.strip()
    if not comment:
        raise ValidationError({"branch_comment": [_("请填写支部评价。")]})
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    commitment.branch_comment = comment
    commitment.commented_by = commented_by
    commitment.commented_at = timezone.now()
    commitment.full_clean()
    commitment.save()
    return commitment


# 党员先锋岗 / 示范岗 / 责任区 ----------------------------------------------------------------------------------


@transaction.atomic
def pioneer_post_assign(*, member: Member, kind: str, title: str, started_on: datetime.date) -> PioneerPost:
    """Give a member a 先锋岗 / 示范岗 / 责任区 (shown on the member page: 亮明身份)."""
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("%(name)s不是在册党员，不能设立党员先锋岗。") % {"name": member.name})
    title = title.strip()
    if not title:
        raise ValidationError({"title": [_("请填写岗位名称。")]})
    post = PioneerPost(member=member, kind=kind, title=title, started_on=started_on)
    post.full_clean()
    post.save()
    return post


@transaction.atomic
def pioneer_post_end(*, post: PioneerPost, ended_on: datetime.date, today: datetime.date | None = None) -> PioneerPost:
    """End (撤销) a post on `ended_on`: not before it started, not in the future, not twice."""
    today = today or timezone.localdate()
    post = PioneerPost.objects.select_for_update().get(pk=post.pk)
    if post.ended_on is not None:
        raise ValidationError(_("该岗位已于%(date)s撤销。") % {"date": post.ended_on.isoformat()})
    if ended_on < post.started_on:
        raise ValidationError(
            {"ended_on": [_("撤销日期不能早于设立日期（%(date)s）。") % {"date": post.started_on.isoformat()}]}
        )
    if ended_on > today:
        raise ValidationError({"ended_on": [_("撤销日期不能晚于今天。")]})
    post.ended_on = ended_on
    post.full_clean()
    post.save()
    return post
