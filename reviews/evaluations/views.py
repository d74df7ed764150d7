"""Pages of 民主评议党员: the branch's campaigns, a campaign's steps, the 个人自评 and the secret 党员互评.

Every object is found through the access module (404 outside the scope); actions are checked with the
predicates of reviews.evaluations.permissions; writes go through one service call.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.calendar.selectors import parse_year
from branches.http import AuthenticatedHttpRequest
from branches.models import Member, MemberStatus
from branches.permissions import can_manage_organization
from branches.selectors import organization_get
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404
from portal.xlsx import rows_to_xlsx, xlsx_response
from reviews.evaluations import selectors, services
from reviews.evaluations.forms import (
    BallotForm,
    CampaignOpenForm,
    DispositionForm,
    FollowUpForm,
    GradeAmendForm,
    GradeProposalForm,
    GradeReviewForm,
    MassesOpinionForm,
    OpinionForm,
    ProblemForm,
    SelfEvaluationForm,
)
from reviews.evaluations.models import CAREFUL_GRADES, EvaluationStage, EvaluationStep, ProbationOutcome
from reviews.evaluations.permissions import campaign_member, can_review_grades, can_run_campaign, can_view_tallies


def _open_form(year: int, data=None) -> CampaignOpenForm:
    initial: dict[str, object] = {"year": year}
    for step, (starts_on, ends_on) in services.default_schedule(year=year).items():
        initial[f"{step}_starts_on"] = starts_on
        initial[f"{step}_ends_on"] = ends_on
    return CampaignOpenForm(data, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The branch's 民主评议 by year; the branch's managers open the year's 评议 here."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch:
        raise Http404
    may_open = can_run_campaign(request.user, organization)
    today = timezone.localdate()
    form = _open_form(today.year) if may_open else None
    if request.method == "POST":
        if not may_open:
            raise PermissionDenied
        form = _open_form(today.year, request.POST)
        if form.is_valid():
            try:
                campaign = services.campaign_open(
                    organization=organization,
                    year=form.cleaned_data["year"],
                    schedule=form.schedule(),
                    opened_by=request.user,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("已发起%(year)d年度民主评议党员。") % {"year": campaign.year})
                return redirect(campaign)
    context = {
        "organization": organization,
        "campaigns": selectors.branch_campaigns(organization=organization),
        "form": form,
        "source": selectors.SOURCE,
    }
    return render(request, "reviews/evaluation_list.html", context)


@login_required
@require_http_methods(["GET"])
def campaign_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Where the branch is in the 评议 and what is left; the tallies once the 互评 step is closed."""
    campaign = get_or_404(selectors.campaign_get, user=request.user, pk=pk)
    organization = campaign.organization
    runs = can_run_campaign(request.user, organization)
    committee = can_view_tallies(request.user, organization)
    page = selectors.campaign_page(campaign=campaign, today=timezone.localdate(), with_tallies=committee)
    context = {
        "campaign": campaign,
        "organization": organization,
        "page": page,
        "can_run": runs,
        "can_see_grades": committee,
        "remindable": services.REMINDABLE_STEPS,
        "meetings": selectors.decision_meeting_choices(campaign=campaign) if runs else [],
        "participant": campaign_member(request.user, campaign),
        "source": selectors.SOURCE,
    }
    return render(request, "reviews/evaluation_campaign.html", context)


@login_required
@require_POST
def stage_close(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Close one step of the campaign (the steps before it first); a closed step is locked."""
    campaign = get_or_404(selectors.campaign_get, user=request.user, pk=pk)
    if step not in EvaluationStep.values:
        raise Http404
    if not can_run_campaign(request.user, campaign.organization):
        raise PermissionDenied
    stage = EvaluationStage.objects.get(campaign=campaign, step=step)
    try:
        services.stage_close(stage=stage, closed_by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("已确认“%(step)s”完成。") % {"step": stage.get_step_display()})
    return redirect(campaign)


def _participant_or_404(request: AuthenticatedHttpRequest, pk: int):
    campaign = get_or_404(selectors.campaign_get, user=request.user, pk=pk)
    member = campaign_member(request.user, campaign)
    if member is None:
        raise Http404
    return campaign, member


@login_required
@require_http_methods(["GET", "POST"])
def self_evaluation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The member's own 个人自评 on the 四个合格, with their year from the portal beside it as evidence."""
    campaign, member = _participant_or_404(request, pk)
    stage = selectors.self_evaluation_stage(campaign=campaign, step=EvaluationStep.SELF_EVALUATION)
    instance = selectors.self_evaluation_get(campaign=campaign, member=member)
    form = SelfEvaluationForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.self_evaluation_save(campaign=campaign, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("个人自评已保存。"))
            return redirect("reviews:evaluation_self", campaign.pk)
    context = {
        "campaign": campaign,
        "member": member,
        "stage": stage,
        "form": form,
        "evidence": selectors.member_evidence(member=member, year=campaign.year, today=timezone.localdate()),
    }
    return render(request, "reviews/evaluation_self.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ballots(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The member's secret 党员互评: a grade for every other member. Nobody can read a ballot afterwards."""
    campaign, member = _participant_or_404(request, pk)
    page = selectors.ballot_page(campaign=campaign, voter=member)
    form = BallotForm(request.POST if request.method == "POST" else None, subjects=page.subjects, scale=campaign.scale)
    if request.method == "POST" and not page.has_voted and form.is_valid():
        try:
            count = services.ballots_cast(campaign=campaign, voter=member, grades=form.grades())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已提交对%(n)d名党员的评议，谢谢参与。") % {"n": count})
            return redirect(campaign)
    elif request.method == "POST" and page.has_voted:
        form.add_error(None, _("您已经投过票了，每人只能投一次。"))
    context = {"campaign": campaign, "page": page, "form": form}
    return render(request, "reviews/evaluation_ballots.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def grades(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The 支委会's proposals: every member with their self-evaluation, tally and proposed grade.

    POST names the member by id; a member of another branch (or unknown) answers 404."""
    campaign = get_or_404(selectors.campaign_get, user=request.user, pk=pk)
    organization = campaign.organization
    if not can_view_tallies(request.user, organization):
        raise PermissionDenied
    runs = can_run_campaign(request.user, organization)
    form = None
    error_member = None
    if request.method == "POST":
        if not runs:
            raise PermissionDenied
        form = GradeProposalForm(request.POST, scale=campaign.scale)
        if form.is_valid():
            member = Member.objects.filter(
                pk=form.cleaned_data["member"], organization=organization, status=MemberStatus.ACTIVE
            ).first()
            if member is None:
                raise Http404
            try:
                services.grade_propose(
                    campaign=campaign,
                    member=member,
                    grade=form.cleaned_data["grade"],
                    probation_outcome=form.cleaned_data["probation_outcome"],
                    reason=form.cleaned_data["reason"],
                    proposed_by=request.user,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
                error_member = member.pk
            else:
                messages.success(request, _("已保存对%(name)s的评定意见。") % {"name": member.name})
                return redirect("reviews:evaluation_grades", campaign.pk)
        else:
            posted = request.POST.get("member", "")
            error_member = int(posted) if posted.isdigit() else None
    return _grades_page(request, campaign, runs=runs, error_form=form, error_member=error_member)


def _grades_page(request, campaign, *, runs: bool, error_form=None, error_member=None, error_proposal=None):
    organization = campaign.organization
    stage = selectors.self_evaluation_stage(campaign=campaign, step=EvaluationStep.PROPOSAL)
    decided = selectors.self_evaluation_stage(campaign=campaign, step=EvaluationStep.DECISION).is_closed
    rows = selectors.proposal_rows(campaign=campaign, with_tallies=True)
    context = {
        "campaign": campaign,
        "organization": organization,
        "stage": stage,
        "rows": [row for row in rows if row.probation_ends_on is None],
        "probationary_rows": [row for row in rows if row.probation_ends_on is not None],
        "scale": campaign.scale,
        "outcomes": ProbationOutcome.choices,
        "cap": selectors.excellent_cap(campaign=campaign, rows=rows),
        "can_propose": runs and not stage.is_closed,
        "can_follow_up": runs and decided,
        "careful_grades": CAREFUL_GRADES,
        "disposition_form": DispositionForm(),
        "amend_form": GradeAmendForm(scale=campaign.scale),
        "error_form": error_form,
        "error_member": str(error_member) if error_member else "",
        "error_proposal": str(error_proposal) if error_proposal else "",
    }
    return render(request, "reviews/evaluation_grades.html", context)


@login_required
@require_http_methods(["GET"])
def cases(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A committee's 基本合格/不合格 cases from the branches below it, waiting for approval."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if organization.is_branch or not can_manage_organization(request.user, organization):
        raise Http404
    context = {
        "organization": organization,
        "cases": selectors.pending_cases(organization=organization),
        "form": GradeReviewForm(),
    }
    return render(request, "reviews/evaluation_cases.html", context)


@login_required
@require_POST
def case_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Approve or return one case (the managers of the branch's parent committee)."""
    proposal = get_or_404(selectors.proposal_get, user=request.user, pk=pk)
    organization = proposal.campaign.organization
    if not can_review_grades(request.user, organization):
        raise PermissionDenied
    form = GradeReviewForm(request.POST)
    back = organization.parent_id
    if form.is_valid():
        try:
            services.grade_review(
                proposal=proposal,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                reviewed_by=request.user,
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("已处理%(name)s的评定意见。") % {"name": proposal.member.name})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return redirect("reviews:evaluation_cases", back)


@login_required
@require_POST
def decision(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the 支部党员大会 that decided the grades (a meeting of the branch, named by id: 404 otherwise)."""
    campaign = get_or_404(selectors.campaign_get, user=request.user, pk=pk)
    if not can_run_campaign(request.user, campaign.organization):
        raise PermissionDenied
    try:
        meeting_id = int(request.POST.get("meeting", ""))
    except ValueError:
        messages.error(request, _("请选择审议决定评议结果的支部党员大会。"))
        return redirect(campaign)
    meeting = next((m for m in selectors.decision_meeting_choices(campaign=campaign) if m.pk == meeting_id), None)
    if meeting is None:
        raise Http404
    try:
        services.decision_record(campaign=campaign, meeting=meeting, recorded_by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("已登记审议决定的支部党员大会，该会议计为民主评议党员。"))
    return redirect(campaign)


def _progress_for(request: AuthenticatedHttpRequest, pk: int):
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if organization.is_branch:
        raise Http404
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied
    year, _ok = parse_year(request.GET.get("year"), today=timezone.localdate())
    return organization, selectors.evaluation_progress(organization=organization, year=year)


@login_required
@require_http_methods(["GET"])
def progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Committee officers: the 评议进度 of the subtree for a year, per direct child."""
    organization, data = _progress_for(request, pk)
    context = {"organization": organization, "progress": data, "years": range(data.year + 1, data.year - 4, -1)}
    return render(request, "reviews/evaluation_progress.html", context)


@login_required
@require_http_methods(["GET"])
def progress_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The same table as xlsx (portal.xlsx: formula-safe, title and as-of lines, frozen header)."""
    organization, data = _progress_for(request, pk)
    headers = [
        _("党组织"),
        _("党支部数"),
        _("未开始"),
        _("进行中"),
        _("已审议决定"),
        _("已报上级"),
        *[label for _code, label in data.scale],
    ]
    rows = [
        [
            row.organization.name if row.organization else _("合计"),
            row.branches,
            row.not_started,
            row.in_progress,
            row.decided,
            row.reported,
            *row.grade_cells(),
        ]
        for row in [*data.rows, data.total]
    ]
    title = _("%(name)s%(year)d年度民主评议党员进度") % {"name": organization.name, "year": data.year}
    content = rows_to_xlsx(headers=headers, rows=rows, title=title, as_of=timezone.now())
    return xlsx_response(content, f"{title}.xlsx")


@login_required
@require_POST
def remind(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Remind the members who have not done their part of an open step (个人自评, 党员互评)."""
    campaign = get_or_404(selectors.campaign_get, user=request.user, pk=pk)
    if step not in services.REMINDABLE_STEPS:
        raise Http404
    if not can_run_campaign(request.user, campaign.organization):
        raise PermissionDenied
    try:
        sent = services.evaluation_remind(campaign=campaign, step=step)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("已提醒%(n)d名党员（同一天不重复提醒）。") % {"n": sent})
    return redirect(campaign)


@login_required
@require_http_methods(["GET", "POST"])
def opinions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """征求意见: a member writes their own opinions on the branch's work while the step is open; the branch's
    committee sees them all, enters the masses' opinions (群众意见) and the problems found in the 对照检查 and the
    opinions. POST says which with `action`; a member or opinion of another campaign named in the body is 404."""
    campaign = get_or_404(selectors.campaign_get, user=request.user, pk=pk)
    organization = campaign.organization
    runs = can_run_campaign(request.user, organization)
    member = campaign_member(request.user, campaign)
    if not runs and member is None and not can_view_tallies(request.user, organization):
        raise Http404
    with_all = can_view_tallies(request.user, organization)
    page = selectors.opinions_page(campaign=campaign, member=member, with_all=with_all)
    members = selectors.branch_members(campaign=campaign) if runs else []
    opinion_form = OpinionForm()
    masses_form = MassesOpinionForm(prefix="masses")
    problem_form = ProblemForm(prefix="problem", members=members, opinions=page.opinions or [])
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "opinion":
                if member is None:
                    raise PermissionDenied
                opinion_form = OpinionForm(request.POST)
                if opinion_form.is_valid():
                    services.opinion_submit(
                        campaign=campaign, member=member, text=opinion_form.cleaned_data["text"], user=request.user
                    )
                    messages.success(request, _("您的意见已提交，谢谢。"))
                    return redirect("reviews:evaluation_opinions", campaign.pk)
            elif action == "masses":
                if not runs:
                    raise PermissionDenied
                masses_form = MassesOpinionForm(request.POST, prefix="masses")
                if masses_form.is_valid():
                    services.masses_opinion_enter(
                        campaign=campaign,
                        text=masses_form.cleaned_data["text"],
                        count=masses_form.cleaned_data["count"],
                        entered_by=request.user,
                    )
                    messages.success(request, _("已录入群众意见。"))
                    return redirect("reviews:evaluation_opinions", campaign.pk)
            elif action == "problem":
                if not runs:
                    raise PermissionDenied
                problem_form = ProblemForm(
                    request.POST, prefix="problem", members=members, opinions=page.opinions or []
                )
                if problem_form.is_valid():
                    data = problem_form.cleaned_data
                    concerned = _one_of(members, data["member"])
                    source_opinion = _one_of(page.opinions or [], data["opinion"])
                    services.problem_add(
                        campaign=campaign,
                        source=data["source"],
                        description=data["description"],
                        member=concerned,
                        opinion=source_opinion,
                        responsible=data["responsible"],
                        measures=data["measures"],
                        deadline=data["deadline"],
                        entered_by=request.user,
                    )
                    messages.success(request, _("已登记查找的问题。"))
                    return redirect("reviews:evaluation_opinions", campaign.pk)
            else:
                raise Http404
        except ValidationError as error:
            target = {"opinion": opinion_form, "masses": masses_form}.get(action, problem_form)
            apply_service_errors(target, error)
    context = {
        "campaign": campaign,
        "organization": organization,
        "page": page,
        "participant": member,
        "can_run": runs,
        "opinion_form": opinion_form,
        "masses_form": masses_form,
        "problem_form": problem_form,
    }
    return render(request, "reviews/evaluation_opinions.html", context)


def _one_of(objects, pk: int | None):
    """The object named by id among those allowed (None when no id); an id outside them is 404."""
    if pk is None:
        return None
    found = next((obj for obj in objects if obj.pk == pk), None)
    if found is None:
        raise Http404
    return found


def _runnable_proposal(request: AuthenticatedHttpRequest, pk: int):
    proposal = get_or_404(selectors.proposal_get, user=request.user, pk=pk)
    if not can_run_campaign(request.user, proposal.campaign.organization):
        raise PermissionDenied
    return proposal


def _form_messages(request: AuthenticatedHttpRequest, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))


@login_required
@require_POST
def disposition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record how a 基本合格/不合格 member is handled (限期改正, 劝其退党, 除名): a recorded decision only."""
    proposal = _runnable_proposal(request, pk)
    form = DispositionForm(request.POST)
    if form.is_valid():
        try:
            services.disposition_record(proposal=proposal, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("已登记对%(name)s的处置决定。") % {"name": proposal.member.name})
    else:
        _form_messages(request, form)
    return redirect(f"{reverse('reviews:evaluation_grades', args=[proposal.campaign_id])}#member-{proposal.member_id}")


@login_required
@require_POST
def follow_up(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the follow-up of a 限期改正 (the disposition is named in the body: one of this proposal's, else 404)."""
    proposal = _runnable_proposal(request, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        target = proposal.dispositions.filter(pk=form.cleaned_data["disposition"]).first()
        if target is None:
            raise Http404
        try:
            services.disposition_follow_up(
                disposition=target,
                follow_up=form.cleaned_data["follow_up"],
                followed_up_on=form.cleaned_data["followed_up_on"],
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("已登记跟踪情况。"))
    else:
        _form_messages(request, form)
    return redirect(f"{reverse('reviews:evaluation_grades', args=[proposal.campaign_id])}#member-{proposal.member_id}")


@login_required
@require_POST
def amend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Correct a grade after the 支部党员大会 decided: an amendment with a reason, the earlier grade kept."""
    proposal = _runnable_proposal(request, pk)
    form = GradeAmendForm(request.POST, scale=proposal.campaign.scale)
    if form.is_valid():
        try:
            services.grade_amend(proposal=proposal, amended_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("已更正%(name)s的评定结果。") % {"name": proposal.member.name})
    else:
        _form_messages(request, form)
    return redirect(f"{reverse('reviews:evaluation_grades', args=[proposal.campaign_id])}#member-{proposal.member_id}")
