"""Oversight pages: the committee dashboard of a node, its xlsx export, the drill-down to one rule-period and
the printable 情况通报. Read-only: the node comes from the access module (404 outside the scope), the figures
from reviews.dashboard_selectors."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from activities.calendar.selectors import can_view_attendance, parse_month
from branches.http import AuthenticatedHttpRequest
from branches.models import Organization, OrganizationCategory
from branches.permissions import (
    can_manage_organization,
    can_view_organization,
    is_branch_secretary_of,
    primary_organization_id,
    visible_ancestor_ids,
)
from branches.selectors import organization_get
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.shortcuts import get_or_404
from portal.xlsx import Sheet, text_width, workbook_bytes, xlsx_response
from reviews.compliance import circular as compliance_circular
from reviews.compliance import dashboard as selectors
from reviews.compliance import results as compliance_results
from reviews.compliance.dashboard import period_from_key, period_keys_within
from reviews.compliance.forms import CircularForm, DashboardFilterForm
from reviews.compliance.rules import PeriodKind, periods_of_year
from reviews.compliance.selectors import branch_obligations
from reviews.duty_reports import selectors as duty_selectors
from reviews.members.rules import can_view_member_flags, member_rules_get
from reviews.oversight.selectors import rectification_figures
from reviews.reports.views import can_view_yearly_reports
from reviews.weak_branches.selectors import weak_figures
from study.plans.selectors import can_view_filing_status


def _node_or_404(request: AuthenticatedHttpRequest, pk: int) -> Organization:
    """A node of the user's committee work: in scope through a role (officers, administrators, a branch's own
    committee). Members without a role see no dashboard, not even their branch's: 404."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    if not can_view_organization(request.user, organization):
        raise Http404
    return organization


def can_view_circular(user, organization: Organization) -> bool:
    """The 情况通报 is issued by committee staff (officers, administrators, the committee's own secretaries)."""
    return not organization.is_branch and can_manage_organization(user, organization)


def _ancestors(request: HttpRequest, organization: Organization) -> list[Organization]:
    """The breadcrumb's visible ancestors, top first. Always one query (the node is asked for with them), so a
    node at the top of the user's scope costs the same queries as one deep below it."""
    ids = [*visible_ancestor_ids(request.user, organization), organization.pk]
    return [node for node in Organization.objects.filter(pk__in=ids).order_by("path") if node.pk != organization.pk]


def _board(request: HttpRequest, organization: Organization, today) -> tuple[DashboardFilterForm, selectors.Dashboard]:
    """The filter form (bad values named, defaults used) and the dashboard for its filters."""
    rules = selectors.rule_choices()
    form = DashboardFilterForm(request.GET, today=today, rules=rules, with_category=not organization.is_branch)
    board = selectors.dashboard(organization=organization, filters=form.filters(), today=today, rules=rules)
    return form, board


@login_required
@require_GET
def dashboard_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The dashboard of the user's own (highest) organisation."""
    organization_id = primary_organization_id(request.user)
    if organization_id is None:
        return redirect("home")
    return redirect("reviews:dashboard", pk=organization_id)


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A node's compliance for a year: headline figures, children × months, children by obligations missed,
    the trend, and for a branch (or a committee's own leadership rules) the rule × period grid."""
    organization = _node_or_404(request, pk)
    today = timezone.localdate()
    form, board = _board(request, organization, today)
    filters = board.filters
    query = urlencode(filters.as_query())
    shown = selectors.children_page(board.children, search=request.GET.get("q", ""), page=request.GET.get("page"))
    page_query = urlencode({**filters.as_query(), **({"q": shown.search} if shown.search else {})})
    context = {
        "organization": organization,
        "ancestors": _ancestors(request, organization),
        "form": form,
        "board": board,
        "children": shown,
        "chart_data": board.chart_data(shown.rows),
        "heat_rows": selectors.heat_rows(
            shown.rows,
            filters=filters,
            dashboard_url=lambda pk: reverse("reviews:dashboard", args=[pk]),
        ),
        "query": query,
        "page_query": page_query,
        "category_label": dict(OrganizationCategory.choices).get(filters.category, ""),
        "export_url": reverse("reviews:dashboard_export", args=[organization.pk]) + (f"?{query}" if query else ""),
        "can_view_circular": can_view_circular(request.user, organization),
        "can_view_yearly_reports": can_view_yearly_reports(request.user, organization),
        "can_view_member_flags": can_view_member_flags(request.user, organization),
        "can_view_filing_status": can_view_filing_status(request.user, organization),
        # 整改: the problem roll-ups of the node and its children (one query).
        "rectification": rectification_figures(
            node=organization, child_ids=[row.organization.pk for row in board.children]
        ),
        # 软弱涣散: weak branches of the subtree, the longest weak and those lifted this year (one query).
        "weak": weak_figures(node=organization, today=today),
    }
    return render(request, "reviews/dashboard.html", context)


def _percent(value: int | None) -> int | str:
    return "" if value is None else value


@login_required
@require_GET
def dashboard_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The dashboard's table for the same filters as xlsx: children × figures, or a branch's rule-periods."""
    organization = _node_or_404(request, pk)
    today = timezone.localdate()
    _form, board = _board(request, organization, today)
    filters = board.filters
    if organization.is_branch or not board.children:
        headers = [_("规则编号"), _("规则"), _("检查对象"), _("周期"), _("结果"), _("已开展"), _("要求次数"), _("依据")]
        rows = [
            [
                row.code,
                row.title,
                row.subject_label,
                column.label,
                cell.outcome_label,
                cell.result.count,
                cell.result.required,
                row.source,
            ]
            for section in board.grid
            for row in section.rows
            for column, cell in zip(section.columns, row.cells, strict=True)
            if cell.result is not None
        ]
        title = _("检查结果")
    else:
        headers = [
            _("下级党组织"),
            _("组织代码"),
            _("单位类别"),
            _("党支部数"),
            _("合规率（%）"),
            _("已完成"),
            _("应完成（已过补录期）"),
            _("未完成（已过补录期）"),
            _("进行中未完成"),
            _("连续6个月未参加组织生活的党员"),
            _("连续3至5个月未参加组织生活的党员"),
            _("学习任务完成率（%）"),
            _("学习计划未备案的党支部"),
        ]
        rows = [
            [
                row.organization.name,
                row.organization.code,
                row.organization.get_category_display(),
                row.figures.branches,
                _percent(row.total.rate),
                row.total.met,
                row.total.applicable,
                row.total.missed,
                row.total.pending,
                row.figures.flagged,
                row.figures.warned,
                _percent(row.figures.task_rate),
                row.figures.plans_not_filed,
            ]
            for row in board.children
        ]
        title = _("下级党组织")
    heading = [
        _("%(name)s %(year)d年组织生活落实情况") % {"name": organization.name, "year": filters.year},
        _("筛选：%(filters)s") % {"filters": filters.description or _("全部")},
    ]
    [year_period] = periods_of_year(PeriodKind.YEAR, filters.year)
    keys = filters.period_keys() or {
        key
        for key in period_keys_within(year_period)
        if not filters.period_kind or period_from_key(key).kind == filters.period_kind  # type: ignore[union-attr]  # our own keys
    }
    missed = compliance_circular.missed_obligations(
        organization=organization, period_keys=keys, today=today, rule=filters.rule, category=filters.category
    )
    missed_headers = [_("党组织"), _("组织代码"), _("规则编号"), _("周期"), _("未落实事项"), _("依据")]
    as_of = timezone.now()
    content = workbook_bytes(
        [
            Sheet(title, headers, rows, heading, as_of, widths=_fitted(headers, rows)),
            Sheet(
                _("未落实事项"),
                missed_headers,
                [
                    [m.organization.name, m.organization.code, m.rule_code, m.period.label, m.gap, m.source]
                    for m in missed
                ],
                heading,
                as_of,
                widths={_("党组织"): _fitted_width(m.organization.name for m in missed), _("未落实事项"): 40},
            ),
        ]
    )
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORTED,
        target=organization,
        detail={"export": "compliance_dashboard", "scope": organization.name, "year": filters.year, "rows": len(rows)},
        request=request,
    )
    # The year once: this year's export is dated, a past year's is named by its year.
    if filters.year == today.year:
        filename = _("%(name)s组织生活落实情况-%(date)s.xlsx") % {"name": organization.name, "date": today}
    else:
        filename = _("%(name)s%(year)d年组织生活落实情况.xlsx") % {"name": organization.name, "year": filters.year}
    return xlsx_response(content, filename)


def _fitted_width(values: Iterable[object]) -> float:
    """A column wide enough for its longest text (CJK characters count double), within the writer's bounds."""
    return max((text_width(str(value)) for value in values), default=0)


def _fitted(headers: list[str], rows: list[list[object]]) -> dict[str, float]:
    """Widths for the text columns of a table that fit their longest value."""
    return {
        header: _fitted_width([header, *(row[index] for row in rows)])
        for index, header in enumerate(headers)
        if any(isinstance(row[index], str) for row in rows)
    }


@login_required
@require_GET
def result_detail(request: AuthenticatedHttpRequest, pk: int, rule_code: str, period_key: str) -> HttpResponse:
    """One rule-period of one organisation: the meetings that counted, or what is missing, with the rule's
    source."""
    organization = _node_or_404(request, pk)
    today = timezone.localdate()
    detail = compliance_results.rule_detail(
        user=request.user, organization=organization, rule_code=rule_code, period_key=period_key, today=today
    )
    if detail is None:
        raise Http404
    context = {
        "organization": organization,
        "ancestors": _ancestors(request, organization),
        "detail": detail,
        "dashboard_url": reverse("reviews:dashboard", args=[organization.pk]) + f"?year={detail.period.start.year}",
    }
    return render(request, "reviews/result_detail.html", context)


@login_required
@require_GET
def circular(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """情况通报: the subtree's organisations that missed rules in a period (past the grace window), printable."""
    organization = _node_or_404(request, pk)
    if organization.is_branch:
        raise Http404
    if not can_view_circular(request.user, organization):
        raise PermissionDenied
    today = timezone.localdate()
    form = CircularForm(request.GET, today=today, default=compliance_circular.default_circular_period(today))
    period = form.chosen_period()
    context = {
        "organization": organization,
        "ancestors": _ancestors(request, organization),
        "form": form,
        "circular": compliance_circular.circular(organization=organization, period=period, today=today),
    }
    return render(request, "reviews/circular.html", context)


@login_required
@require_GET
def branch_todo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The branch page's 本月/本季度待办 block (loaded by htmx after the page, so the roster keeps its budget):
    the same judgement as the month view (reviews.compliance.selectors.branch_obligations) and, for the branch's
    managers, the member rules (M1 warnings, M2, M3)."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    today = timezone.localdate()
    can_manage = can_manage_organization(request.user, organization)
    context = {
        "organization": organization,
        "obligations": branch_obligations(organization=organization, today=today),
        "can_schedule": can_manage,
        "member_rules": member_rules_get(organization=organization, today=today)
        if organization.is_branch and can_view_attendance(request.user, organization)
        else None,
        # 述职评议考核: the 书记's report still to write or revise (one query, for the 书记 only).
        "duty_reports": duty_selectors.open_reports(organization=organization)
        if is_branch_secretary_of(request.user, organization.pk)
        else [],
    }
    return render(request, "reviews/partials/_branch_todo.html", context)


@login_required
@require_GET
def month_obligations(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The month view's to-do (loaded by htmx beside the calendar): what the month, its quarter and its year
    require, judged as on the dashboards. Anyone who may open the month view."""
    organization = get_or_404(organization_get, user=request.user, pk=pk)
    today = timezone.localdate()
    first, _month_ok = parse_month(request.GET.get("month"), today=today)
    context = {
        "obligations": branch_obligations(organization=organization, today=today, month=first),
        "can_schedule": can_manage_organization(request.user, organization),
    }
    return render(request, "reviews/partials/_obligations.html", context)
