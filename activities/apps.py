from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("组织生活")

    def ready(self) -> None:
        from activities.calendar.selectors import member_meetings_soon
        from activities.dues import jobs as dues_jobs
        from activities.meetings.selectors import meeting_study_hours
        from activities.talks.selectors import member_page_annotate
        from portal import hooks
        from portal.jobs.registry import register

        hooks.member_page_queryset.connect(member_page_annotate)
        hooks.meeting_study_hours.connect(meeting_study_hours)
        hooks.member_meetings_soon.connect(member_meetings_soon)
        register(
            dues_jobs.DUES_IMPORT,
            dues_jobs.dues_import_run,
            title=dues_jobs.DUES_IMPORT_TITLE,
            max_attempts=1,  # all or nothing: a killed import wrote nothing and is failed for the user to resubmit
            stale_after=dues_jobs.DUES_IMPORT_STALE_AFTER,
            soft_time_limit=dues_jobs.DUES_IMPORT_SOFT_TIME_LIMIT,
            result_template=dues_jobs.DUES_IMPORT_RESULT_TEMPLATE,
        )
