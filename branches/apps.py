from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("组织与党员")

    def ready(self) -> None:
        from django.contrib.auth import signals

        from branches import receivers

        signals.user_logged_in.connect(receivers.user_logged_in, dispatch_uid="branches.audit.login")
        signals.user_login_failed.connect(receivers.user_login_failed, dispatch_uid="branches.audit.login_failed")

        from branches.exports import jobs as export_jobs
        from branches.roster import jobs
        from portal.jobs.registry import register

        register(
            jobs.ROSTER_IMPORT,
            jobs.roster_import_run,
            title=jobs.ROSTER_IMPORT_TITLE,
            max_attempts=1,  # all or nothing: a killed import wrote nothing and is failed for the user to resubmit
            stale_after=jobs.ROSTER_IMPORT_STALE_AFTER,
            soft_time_limit=jobs.ROSTER_IMPORT_SOFT_TIME_LIMIT,
            result_template=jobs.ROSTER_IMPORT_RESULT_TEMPLATE,
        )
        register(
            export_jobs.ADMIN_EXPORT,
            export_jobs.admin_export_run,
            title=export_jobs.ADMIN_EXPORT_TITLE,
            max_attempts=2,  # writes nothing but its result file: a killed export simply runs again
            stale_after=export_jobs.ADMIN_EXPORT_STALE_AFTER,
            soft_time_limit=export_jobs.ADMIN_EXPORT_SOFT_TIME_LIMIT,
        )
