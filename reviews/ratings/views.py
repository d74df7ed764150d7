"""Pages of 星级评定: the officers page of a subtree (distribution per child, proposals waiting, starting the
proposal job), one rating (its breakdown, history and the decision form) and the small block on a branch page.

Every object is found through the access module (404 outside the reach); deciding is checked with
reviews.ratings.permissions (403 for a user who may only look); writes go through one service call.
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
from django.views.decorators.http import require_GET, require_http_methods

from branches.http import AuthenticatedHttpRequest
from branches.models import Organization
from branches.permissions import can_view_organization
from branches.selectors import organization_get
from portal.forms import apply_service_errors
from portal.jobs.selectors import job_with_live_progress, jobs_visible_to
from portal.shortcuts import get_or_404
from reviews.ratings import selectors, services
from reviews.ratings.forms import RatingDecisionForm, RatingYearForm
from reviews.ratings.permissions import can_decide, can_view_subtree_ratings

RECENT_JOBS = 3


def _subtree_or_404(request: AuthenticatedHttpRequest, pk: int) -> Organization:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_view_organization(request.user, organization) or organization.is_branch:
        raise Http404
    if not can_view_subtree_ratings(request.user, organization):
        raise PermissionDenied
    return organization


@login_required
@require_http_methods(["GET", "POST"])
def subtree_ratings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the subtree's ratings of a year (?year=). POST: propose the year's stars for every branch (a job)."""
    organization = _subtree_or_404(request, pk)
    today = timezone.localdate()
    if request.method == "POST":
        form = RatingYearForm(request.POST, today=today)
        if form.is_valid():
            year = form.cleaned_data["year"]
            services.ratings_propose_start(organization=organization, year=year, by=request.user)
            messages.success(request, _("正在生成星级评定建议，完成后刷新本页查看。"))
            return redirect(reverse("reviews:subtree_ratings", args=[organization.pk]) + f"?year={year}")
        year = today.year
    else:
        form = RatingYearForm(request.GET or {"year": today.year}, today=today)
        year = form.cleaned_data["year"] if form.is_valid() else today.year
    jobs = [
        job_with_live_progress(job)
        for job in jobs_visible_to(request.user)
        .filter(kind=services.RATINGS_PROPOSE, organization=organization)
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    ]
    context = {
        "organization": organization,
        "form": form,
        "year": year,
        "ratings": selectors.subtree_ratings(organization=organization, year=year, page_number=request.GET.get("page")),
        "jobs": jobs,
        "job_title": services.RATINGS_PROPOSE_TITLE,
    }
    return render(request, "reviews/ratings_subtree.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def rating_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A branch's rating: the score item by item, the history, and for the parent's officers the decision form."""
    rating = get_or_404(selectors.rating_get, user=request.user, pk=pk)
    decides = can_decide(request.user, rating)
    if request.method == "POST" and not decides:
        raise PermissionDenied
    form = RatingDecisionForm(request.POST or None, initial={"stars": rating.stars or rating.proposed_stars})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.rating_decide(rating=rating, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("已%(action)s：%(branch)s %(stars)s。")
                % {
                    "action": change.get_action_display(),
                    "branch": rating.organization.name,
                    "stars": change.after_label,
                },
            )
            next_url = request.POST.get("next", "")
            if next_url == "subtree" and rating.organization.parent_id:
                return redirect(
                    reverse("reviews:subtree_ratings", args=[rating.organization.parent_id]) + f"?year={rating.year}"
                )
            return redirect(rating)
    context = {
        "rating": rating,
        "breakdown": selectors.breakdown_rows(rating),
        "changes": selectors.rating_changes(rating=rating),
        "form": form if decides else None,
    }
    return render(request, "reviews/rating_detail.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def branch_rating(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The small block on a branch page (loaded by htmx): its latest rating and history."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_view_organization(request.user, organization) or not organization.is_branch:
        raise Http404
    rating = selectors.branch_latest_rating(user=request.user, organization=organization)
    return render(request, "reviews/partials/_branch_rating.html", {"organization": organization, "rating": rating})
