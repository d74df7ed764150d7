"""Pages of 换届: recording an election (the parent organisation), and the officers' list of terms due."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branches.http import AuthenticatedHttpRequest
from branches.models import MemberStatus
from branches.permissions import can_view_organization, members_visible_to
from branches.selectors import organization_get
from branches.terms import selectors, services
from branches.terms.forms import ElectionForm
from branches.terms.permissions import can_record_election
from portal.forms import apply_service_errors
from portal.shortcuts import get_or_404


@login_required
@require_http_methods(["GET", "POST"])
def election_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a branch's 换届选举: the new committee, its term, the roles that follow."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_record_election(request.user, organization):
        raise PermissionDenied
    members = members_visible_to(request.user).filter(organization=organization, status=MemberStatus.ACTIVE)
    form = ElectionForm(request.POST or None, members=members.order_by("name", "pk"))
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_election_record(
                organization=organization,
                elected_on=form.cleaned_data["elected_on"],
                seats=form.seats(),
                note=form.cleaned_data["note"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("换届选举已登记，新一届委员会的职务已生效。"))
            return redirect(organization)
    context = {"organization": organization, "form": form, "term_years": organization.term_years}
    return render(request, "branches/election_form.html", context)


@login_required
@require_GET
def terms_due(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A committee's branches whose committee term is over or ends within about six months."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if organization.is_branch:
        raise Http404
    if not can_view_organization(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    context = {
        "organization": organization,
        "today": today,
        "due": selectors.terms_due(node=organization, today=today),
    }
    return render(request, "branches/terms_due.html", context)
