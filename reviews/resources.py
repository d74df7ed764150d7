"""The admin's annual exports of oversight (branches/exports): compliance results, 民主评议 grades and the
problems found in the 民主评议 with their rectification.

Grades are the branch committee's proposals and where they stand (approved, returned); the secret 互评 ballots
are never exported, nor read by anyone (reviews/evaluations/models.py).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from branches.exports.resources import AnnualExportResource, column, verbose
from branches.models import Member, User
from branches.permissions import organization_scope_q
from reviews.evaluations.models import EvaluationProblem, GradeProposal
from reviews.evaluations.permissions import problems_visible_to, proposals_visible_to
from reviews.models import ComplianceResult

_proposal = GradeProposal._meta.get_field


class ComplianceResultExportResource(AnnualExportResource):
    title = _("检查结果")
    year_lookup = "period_start__year"
    select_related = ("organization", "group", "rule")
    ordering = ("organization__path", "rule_code", "period_start", "subject", "pk")

    organization = column("organization__name", verbose(ComplianceResult, "organization"))
    group = column("group__name", verbose(ComplianceResult, "group"))
    rule_code = column("rule_code", verbose(ComplianceResult, "rule_code"))
    rule = column("rule__title", verbose(ComplianceResult, "rule"))
    period_key = column("period_key", verbose(ComplianceResult, "period_key"))
    period_start = column("period_start", verbose(ComplianceResult, "period_start"))
    period_end = column("period_end", verbose(ComplianceResult, "period_end"))
    required = column("required", verbose(ComplianceResult, "required"))
    count = column("count", verbose(ComplianceResult, "count"))
    is_met = column("is_met", verbose(ComplianceResult, "is_met"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[ComplianceResult]:
        return ComplianceResult.objects.filter(organization_scope_q(user))


class GradeProposalExportResource(AnnualExportResource):
    """民主评议 results: each member's proposed grade and its approval; never a ballot."""

    title = _("民主评议结果")
    year_lookup = "campaign__year"
    organization_field = "campaign__organization"
    select_related = ("campaign__organization", "member")
    ordering = ("campaign__organization__path", "campaign__year", "member__name", "pk")

    organization = column("campaign__organization__name", _("党支部"))
    year = column("campaign__year", _("评议年度"))
    member = column("member__name", verbose(GradeProposal, "member"))
    id_number = column("member__id_number_masked", _("身份证号"))
    grade = column("get_grade_display", verbose(GradeProposal, "grade"))
    status = column("get_status_display", verbose(GradeProposal, "status"))
    reviewed_on = column("reviewed_on", verbose(GradeProposal, "reviewed_on"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[GradeProposal]:
        return proposals_visible_to(user)

    def dehydrate_id_number(self, proposal: GradeProposal) -> str:
        member: Member = proposal.member
        return self.member_id_number(member)


class EvaluationProblemExportResource(AnnualExportResource):
    """Problems found in the 民主评议 (对照检查, opinions) and their rectification: who, what, by when."""

    title = _("民主评议查找的问题")
    year_lookup = "campaign__year"
    organization_field = "campaign__organization"
    select_related = ("campaign__organization", "member")
    ordering = ("campaign__organization__path", "campaign__year", "deadline", "pk")

    organization = column("campaign__organization__name", _("党支部"))
    year = column("campaign__year", _("评议年度"))
    source = column("get_source_display", verbose(EvaluationProblem, "source"))
    description = column("description", verbose(EvaluationProblem, "description"))
    member = column("member__name", verbose(EvaluationProblem, "member"))
    responsible = column("responsible", verbose(EvaluationProblem, "responsible"))
    measures = column("measures", verbose(EvaluationProblem, "measures"))
    deadline = column("deadline", verbose(EvaluationProblem, "deadline"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[EvaluationProblem]:
        return problems_visible_to(user)
