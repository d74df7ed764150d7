"""The admin of 述职评议考核: read-only, scoped through the access module; the pages do every write.

An assessment is listed only for the managers of the round's committee (its scope reaches the committee), never
for the 书记 whose report it grades (their scope is their own unit).
"""

from django.contrib import admin

from reviews.admin import ReadOnlyScopedAdmin
from reviews.duty_reports.models import DutyAssessment, DutyReport, DutyReportRound


@admin.register(DutyReportRound)
class DutyReportRoundAdmin(ReadOnlyScopedAdmin):
    scope_field = "committee"
    list_display = ("committee", "year", "due_on", "opened_by")
    list_filter = ("year",)
    search_fields = ("committee__name", "committee__code")
    list_select_related = ("committee", "opened_by")


@admin.register(DutyReport)
class DutyReportAdmin(ReadOnlyScopedAdmin):
    list_display = ("organization", "round", "status", "conclusion_grade", "submitted_at", "concluded_at")
    list_filter = ("status", "conclusion_grade", "round__year")
    search_fields = ("organization__name", "organization__code")
    list_select_related = ("organization", "round__committee")


@admin.register(DutyAssessment)
class DutyAssessmentAdmin(ReadOnlyScopedAdmin):
    scope_field = "report__round__committee"
    list_display = ("report", "assessor", "grade")
    list_filter = ("grade",)
    list_select_related = ("report__organization", "report__round__committee", "assessor")
