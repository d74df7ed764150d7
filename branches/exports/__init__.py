"""The administrators' annual exports (django-import-export resources, in the Django admin).

One machinery for every model: a resource (`AnnualExportResource`) says which rows a user may export (through
the access module), how the year and the subtree filter them and which columns go out; the admin mixin
(`AnnualExportAdminMixin`) adds the "年度导出" page to a model's admin (year, organisation, xlsx or csv); the
file is written here (formula-safe, ID numbers masked unless `can_view_full_id_number`), in the request up to
`settings.ADMIN_EXPORT_JOB_ROWS` rows and as a background job (`branches.admin_export`) above that.

Adding a model (it may live in any app; the resource in that app's `resources.py`)::

    class DuesPaymentExportResource(AnnualExportResource):
        title = _("党费缴纳")
        year_lookup = "paid_on__year"          # None: no year filter (the form then has no year field)
        organization_field = "member__organization"
        select_related = ("member__organization",)
        ordering = ("member__organization__path", "paid_on")

        organization = column("member__organization__name", _("党支部"))
        member = column("member__name", _("党员"))
        amount = column("amount", _("金额"))

        @classmethod
        def visible_to(cls, user):
            return DuesPayment.objects.filter(member__in=members_visible_to(user))

and in its admin: `class DuesPaymentAdmin(AnnualExportAdminMixin, ScopedAdminMixin, admin.ModelAdmin)` with
`annual_export_resource = DuesPaymentExportResource`. Give the 系统管理员 group the model's view right
(`branches.services.ADMINISTRATOR_PERMISSIONS`, and a data migration for existing databases). Never export
secret data (ballots) or text only some may read (a talk's summary).
"""
