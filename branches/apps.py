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
