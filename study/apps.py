from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyConfig(AppConfig):
    name = "study"
    verbose_name = _("学习")

    def ready(self) -> None:
        from portal import hooks
        from portal.jobs.registry import register
        from study import receivers
        from study.plans import jobs

        hooks.member_changed.connect(receivers.member_changed)
        hooks.organization_members_changed.connect(receivers.organization_members_changed)
        register(
            jobs.PLANS_FILE,
            jobs.plans_file_run,
            title=jobs.PLANS_FILE_TITLE,
            max_attempts=jobs.PLANS_FILE_MAX_ATTEMPTS,
            stale_after=jobs.PLANS_FILE_STALE_AFTER,
            soft_time_limit=jobs.PLANS_FILE_SOFT_TIME_LIMIT,
            result_template=jobs.PLANS_FILE_RESULT_TEMPLATE,
        )
