from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("组织生活")

    def ready(self) -> None:
        from activities.calendar.selectors import member_meetings_soon
        from activities.meetings.selectors import meeting_study_hours
        from activities.talks.selectors import member_page_annotate
        from portal import hooks

        hooks.member_page_queryset.connect(member_page_annotate)
        hooks.meeting_study_hours.connect(meeting_study_hours)
        hooks.member_meetings_soon.connect(member_meetings_soon)
