"""The admin's annual export of members' study tasks (branches/exports): the year by due date, in scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from branches.exports.resources import AnnualExportResource, column, verbose
from branches.models import User
from branches.permissions import organization_scope_q
from study.models import StudyTask


class StudyTaskExportResource(AnnualExportResource):
    title = _("学习任务")
    year_lookup = "due_date__year"
    select_related = ("organization", "member", "item")
    ordering = ("organization__path", "member__name", "due_date", "pk")

    organization = column("organization__name", verbose(StudyTask, "organization"))
    member = column("member__name", verbose(StudyTask, "member"))
    kind = column("get_kind_display", verbose(StudyTask, "kind"))
    title_ = column("title", _("学习主题"))
    due_date = column("due_date", verbose(StudyTask, "due_date"))
    status = column("get_status_display", verbose(StudyTask, "status"))
    completed_at = column("completed_at", verbose(StudyTask, "completed_at"))
    credit_hours = column("credit_hours", _("学时"))

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[StudyTask]:
        return StudyTask.objects.filter(organization_scope_q(user))
