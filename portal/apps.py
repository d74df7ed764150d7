from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("平台")

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from portal.audit import receivers

        post_save.connect(receivers.admin_log_entry_saved, sender=LogEntry, dispatch_uid="portal.audit.admin_log")
