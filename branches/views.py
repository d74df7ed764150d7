import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branches import selectors, services
from branches.forms import (
    AccountCreateForm,
    AuditFilterForm,
    MemberForm,
    MemberStatusForm,
    MemberTransferForm,
    OrganizationForm,
    OrganizationMoveForm,
    PartyGroupForm,
    RosterFilterForm,
    RosterUploadForm,
)
from branches.http import AuthenticatedHttpRequest
from branches.models import MemberStatus, PartyGroup
from branches.permissions import (
    can_create_child_organization,
    can_manage_member,
    can_manage_organization,
    can_view_full_id_number,
    can_view_organization,
    groups_visible_to,
    is_administrator,
    organizations_visible_to,
    primary_organization_id,
)
from branches.roster import export as roster_xlsx
from branches.roster import jobs as roster_jobs
from branches.selectors import organization_get
from branches.terms.permissions import can_record_election
from branches.terms.selectors import committee_terms_for
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.forms import apply_service_errors
from portal.jobs.selectors import job_with_live_progress, jobs_visible_to
from portal.shortcuts import get_or_404
from portal.xlsx import rows_to_xlsx, xlsx_response


@login_required
@require_GET
def organization_tree(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Committee officers' tree of their subtree, with search by name or code."""
    query = request.GET.get("q", "").strip()[:50]
    context = {
        "roots": selectors.organization_tree_roots(user=request.user),
        "query": query,
        "results": selectors.organization_search(user=request.user, query=query) if query else None,
    }
    return render(request, "branches/organization_tree.html", context)


@login_required
@require_GET
def organization_children(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """htmx partial: the children of one node, loaded when it is expanded."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    nodes = selectors.organization_children_nodes(user=request.user, parent=organization)
    return render(request, "branches/partials/_tree_children.html", {"nodes": nodes})


@login_required
@require_GET
def organization_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_or_404(organization_get, user=request.user, pk=pk, with_member_counts=True)
    today = timezone.localdate()
    context = {
        "organization": organization,
        "ancestors": selectors.organization_ancestors(organization=organization, user=request.user),
        "can_manage": can_manage_organization(request.user, organization),
        # A plain member sees their own branch's page, but neither its compliance page nor other members' pages
        # (both answer 404 for them): the links follow the same predicate as those views.
        "in_scope": can_view_organization(request.user, organization),
        "can_create_child": can_create_child_organization(request.user, organization),
        "can_move": organization.parent is not None
        and can_create_child_organization(request.user, organization.parent),
    }
    if organization.is_branch:
        facts = selectors.branch_facts(organization=organization, today=today)
        params = request.GET.copy()
        params.setdefault("status", MemberStatus.ACTIVE)  # the default view: active members
        filter_form = RosterFilterForm(params, groups=facts.groups)
        filters = selectors.RosterFilters()
        if filter_form.is_valid():
            data = filter_form.cleaned_data
            filters = selectors.RosterFilters(
                query=data["q"],
                category=data["category"],
                status=data["status"],
                group_id=int(data["group"]) if data["group"] else None,
            )
        page = selectors.roster_page(
            user=request.user, organization=organization, filters=filters, page_number=request.GET.get("page", 1)
        )
        show_full_id = can_view_full_id_number(request.user)
        if show_full_id:
            _id_numbers_read(request, organization_id=organization.pk, members=list(page), target=organization)
        context |= {
            "facts": facts,
            "terms": committee_terms_for(organization=organization),
            "can_record_election": can_record_election(request.user, organization),
            "page": page,
            "filter_form": filter_form,
            "querystring_without_page": _querystring_without_page(request),
            "show_full_id": show_full_id,
        }
        template = "branches/partials/_roster.html" if request.htmx else "branches/organization_detail.html"
        return render(request, template, context)
    context |= {
        "children": selectors.organization_children_nodes(user=request.user, parent=organization),
        "warnings": selectors.organization_structure_warnings(
            organization=organization,
            member_count=0,
            full_member_count=0,
            committee_size=0,
            group_count=0,
            today=today,
        ),
    }
    return render(request, "branches/organization_detail.html", context)


def _querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: AuthenticatedHttpRequest, parent_pk: int) -> HttpResponse:
    parent = get_or_404(organization_get, user=request.user, pk=parent_pk)
    if not can_create_child_organization(request.user, parent):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(parent=parent, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已创建党组织“%(name)s”。") % {"name": organization.name})
            return redirect(organization)
    return render(request, "branches/organization_form.html", {"form": form, "parent": parent})


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(organization=organization, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("党组织信息已保存。"))
            return redirect(organization)
    return render(request, "branches/organization_form.html", {"form": form, "organization": organization})


@login_required
@require_http_methods(["GET", "POST"])
def organization_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move an organisation with its whole subtree under another parent (committee staff only)."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if organization.parent is None or not can_create_child_organization(request.user, organization.parent):
        raise PermissionDenied
    form = OrganizationMoveForm(
        request.POST or None, organization=organization, parents=organizations_visible_to(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_move(organization=organization, new_parent=form.cleaned_data["new_parent"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已将“%(name)s”及其下级组织移到新的上级党组织。") % {"name": organization.name})
            return redirect(organization)
    return render(request, "branches/organization_move.html", {"form": form, "organization": organization})


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch or not can_manage_organization(request.user, organization):
        raise PermissionDenied
    form = PartyGroupForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_create(organization=organization, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("党小组已创建。"))
            return redirect(organization)
    return render(request, "branches/group_form.html", {"form": form, "organization": organization})


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        group = groups_visible_to(request.user).select_related("organization").get(pk=pk)
    except PartyGroup.DoesNotExist:
        raise Http404 from None
    if not can_manage_organization(request.user, group.organization):
        raise PermissionDenied
    form = PartyGroupForm(request.POST or None, instance=group, organization=group.organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(group=group, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("党小组已保存。"))
            return redirect(group.organization)
    return render(
        request, "branches/group_form.html", {"form": form, "organization": group.organization, "group": group}
    )


@login_required
@require_GET
def member_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = get_or_404(selectors.member_get, user=request.user, pk=pk)
    show_full_id = can_view_full_id_number(request.user)
    if show_full_id:
        _id_numbers_read(request, organization_id=member.organization_id, members=[member], target=member)
    context = {
        "member": member,
        "history": selectors.member_history(member=member),
        "roles": selectors.member_roles(member=member),
        "show_full_id": show_full_id,
        "can_manage": can_manage_member(request.user, member),
    }
    return render(request, "branches/member_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch or not can_manage_organization(request.user, organization):
        raise PermissionDenied
    form = MemberForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(organization=organization, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("已登记党员%(name)s。") % {"name": member.name})
            return redirect(member)
    return render(request, "branches/member_form.html", {"form": form, "organization": organization})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = get_or_404(selectors.member_get, user=request.user, pk=pk)
    if not can_manage_member(request.user, member):
        raise PermissionDenied
    show_full_id = can_view_full_id_number(request.user)
    if show_full_id and request.method == "GET":
        _id_numbers_read(request, organization_id=member.organization_id, members=[member], target=member)
    form = MemberForm(
        request.POST or None, instance=member, organization=member.organization, show_full_id=show_full_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("党员信息已保存。"))
            return redirect(member)
    return render(
        request, "branches/member_form.html", {"form": form, "organization": member.organization, "member": member}
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = get_or_404(selectors.member_get, user=request.user, pk=pk)
    if not can_manage_member(request.user, member):
        raise PermissionDenied
    form = MemberTransferForm(
        request.POST or None, branches=organizations_visible_to(request.user).exclude(pk=member.organization_id)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_transfer(
                member=member,
                to_organization=form.cleaned_data["to_organization"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("组织关系已转接。"))
            return redirect(member)
    return render(request, "branches/member_transfer.html", {"form": form, "member": member})


@login_required
@require_http_methods(["GET", "POST"])
def member_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = get_or_404(selectors.member_get, user=request.user, pk=pk)
    if not can_manage_member(request.user, member):
        raise PermissionDenied
    form = MemberStatusForm(request.POST or None, initial={"status": member.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.member_status_change(member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("党籍状态已更新。"))
            return redirect(member)
    return render(request, "branches/member_status.html", {"form": form, "member": member})


@login_required
@require_http_methods(["GET", "POST"])
def member_account_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = get_or_404(selectors.member_get, user=request.user, pk=pk)
    if not can_manage_member(request.user, member):
        raise PermissionDenied
    if member.user_id:
        messages.info(request, _("该党员已有登录账号。"))
        return redirect(member)
    form = AccountCreateForm(request.POST or None, initial={"phone": member.phone})
    invite_url = None
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_create(
                username=form.cleaned_data["username"],
                full_name=member.name,
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"] or None,
                member=member,
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            invite_url = request.build_absolute_uri(services.account_invite_url(user=user))
            messages.success(request, _("账号已创建。请把首次登录链接交给本人。"))
    return render(request, "branches/member_account.html", {"form": form, "member": member, "invite_url": invite_url})


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """POST: check the form, store the file and start the import job; GET (?job=): the form and the job's progress,
    then its counts or per-row errors (templates/portal/partials/_job.html)."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch or not can_manage_organization(request.user, organization):
        raise PermissionDenied
    form = RosterUploadForm(request.POST, request.FILES) if request.method == "POST" else RosterUploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        if size_error := roster_jobs.upload_size_error(upload):
            form.add_error("file", size_error)
        else:
            job = roster_jobs.roster_import_start(organization=organization, upload=upload, by=request.user)
            return redirect(f"{reverse('branches:roster_import', args=[organization.pk])}?job={job.pk}")
    job = None
    if job_id := request.GET.get("job", ""):
        job = jobs_visible_to(request.user).filter(kind=roster_jobs.ROSTER_IMPORT, organization=organization)
        job = job.filter(pk=int(job_id)).first() if job_id.isdigit() else None
        if job is None:
            raise Http404
        job = job_with_live_progress(job)
    context = {
        "form": form,
        "organization": organization,
        "job": job,
        "job_title": roster_jobs.ROSTER_IMPORT_TITLE,
        "result_template": roster_jobs.ROSTER_IMPORT_RESULT_TEMPLATE,
    }
    return render(request, "branches/roster_import.html", context)


@login_required
@require_GET
def roster_template(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    return xlsx_response(roster_xlsx.roster_template_xlsx(organization=organization), _("花名册模板.xlsx"))


@login_required
@require_GET
def roster_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not organization.is_branch:
        raise Http404
    members = selectors.roster_queryset(
        user=request.user, organization=organization, filters=selectors.RosterFilters(status="")
    )
    show_full_id = can_view_full_id_number(request.user)
    content = roster_xlsx.roster_export_xlsx(members=members, show_full_id=show_full_id)
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        target=organization,
        organization_id=organization.pk,
        detail={"export": "roster", "scope": organization.name, "rows": members.count(), "full_id": show_full_id},
        request=request,
    )
    filename = _("%(name)s花名册-%(date)s.xlsx") % {"name": organization.name, "date": timezone.localdate()}
    return xlsx_response(content, filename)


def _id_numbers_read(request: HttpRequest, *, organization_id: int, members: list, target) -> None:
    """Audit a page that shows full ID numbers: which members' numbers were on it."""
    shown = [m.pk for m in members if m.id_number_encrypted]
    if shown:
        audit_record(
            actor=request.user,
            action=AuditAction.ID_NUMBER_VIEWED,
            target=target,
            organization_id=organization_id,
            detail={"members": shown, "count": len(shown)},
            request=request,
        )


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log of the administrator's scope; `?export=xlsx` downloads the filtered list (itself logged)."""
    if not is_administrator(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    filters = selectors.AuditFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.AuditFilters(
            action=data["action"], query=data["q"], since=data["since"], until=data["until"]
        )
    if request.GET.get("export") == "xlsx":
        events = selectors.audit_event_queryset(user=request.user, filters=filters)[: selectors.AUDIT_EXPORT_MAX_ROWS]
        rows = [_audit_row(event) for event in events.iterator(chunk_size=2000)]
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORTED,
            organization_id=primary_organization_id(request.user),
            detail={"export": "audit_log", "scope": request.GET.urlencode()[:500], "rows": len(rows)},
            request=request,
        )
        headers = [_("时间"), _("操作人"), _("事件"), _("所属组织"), _("对象"), _("详情"), _("IP 地址")]
        content = rows_to_xlsx(headers=headers, rows=rows, title=_("审计日志"))
        return xlsx_response(content, _("审计日志-%(date)s.xlsx") % {"date": timezone.localdate()})
    context = {
        "form": form,
        "page": selectors.audit_event_page(user=request.user, filters=filters, page_number=request.GET.get("page", 1)),
        "querystring_without_page": _querystring_without_page(request),
    }
    return render(request, "branches/audit_log.html", context)


def _audit_row(event) -> list:
    return [
        timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor_name,
        event.get_action_display(),
        event.organization.name if event.organization else "",
        event.target_repr,
        json.dumps(event.detail, ensure_ascii=False),
        event.ip_address or "",
    ]
