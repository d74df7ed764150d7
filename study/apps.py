from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyConfig(AppConfig):
    name = "study"
    verbose_name = _("学习")

    def ready(self) -> None:
        from portal import hooks
        from study import receivers

        hooks.member_changed.connect(receivers.member_changed)
        hooks.organization_members_changed.connect(receivers.organization_members_changed)
