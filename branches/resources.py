"""django-import-export pieces for the admin: members exported in the roster's file format.

The columns and the formula-safe xlsx writer are the roster's own
(`branches.roster`), so the admin export and the branch page's export are the
same file, and an exported file (with full ID numbers) imports back unchanged.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.formats import base_formats

from branches.exports.resources import AnnualExportResource
from branches.models import Member, User
from branches.permissions import members_visible_to
from branches.roster import columns as roster_columns
from branches.roster import export as roster_export
from branches.roster.columns import EXPORT_WIDTHS, SHEET_TITLE
from portal.xlsx import rows_to_xlsx

ORGANIZATION_HEADER = "所在党支部"


class MemberRosterResource(resources.Resource):
    """Members as roster rows, with the branch in front; ID numbers masked unless `show_full_id`."""

    def __init__(self, *, show_full_id: bool = False, **kwargs: Any):
        super().__init__()
        self.show_full_id = show_full_id

    @classmethod
    def get_display_name(cls) -> str:
        return roster_columns.SHEET_TITLE

    def filter_export(self, queryset: QuerySet[Member], **kwargs: Any) -> QuerySet[Member]:
        # One query for the whole export, however many members.
        return queryset.select_related("organization", "group")

    def get_export_headers(self, selected_fields=None) -> list[str]:
        return [ORGANIZATION_HEADER, *roster_columns.EXPORT_HEADERS]

    def export_resource(self, instance: Member, selected_fields=None, **kwargs: Any) -> list[Any]:
        return [instance.organization.name, *roster_export.member_export_row(instance, show_full_id=self.show_full_id)]


class RosterXLSX(base_formats.XLSX):
    """xlsx written by the portal's writer (portal.xlsx): string cells are never formulas, dates stay dates."""

    def export_data(self, dataset, **kwargs: Any) -> bytes:
        return rows_to_xlsx(headers=dataset.headers, rows=dataset, title=SHEET_TITLE, widths=EXPORT_WIDTHS)


class MemberExportResource(AnnualExportResource):
    """The admin's 年度导出 of members: the roster's columns with the branch in front; the members now (no year)."""

    title = _("党员名册")
    year_lookup = None
    organization_field = "organization"
    select_related = ("organization", "group")
    ordering = ("organization__path", "name", "pk")

    @classmethod
    def visible_to(cls, user: User) -> QuerySet[Member]:
        return members_visible_to(user)

    def get_export_headers(self, selected_fields=None) -> list[str]:
        return [ORGANIZATION_HEADER, *roster_columns.EXPORT_HEADERS]

    def export_resource(self, instance: Member, selected_fields=None, **kwargs: Any) -> list[Any]:
        return [instance.organization.name, *roster_export.member_export_row(instance, show_full_id=self.show_full_id)]
