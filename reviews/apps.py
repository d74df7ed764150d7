from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("督导检查")

    def ready(self) -> None:
        from portal import hooks
        from reviews import receivers

        hooks.meetings_changed.connect(receivers.meetings_changed)
        hooks.study_tasks_changed.connect(receivers.study_tasks_changed)
