from allauth.mfa.models import Authenticator
from django.conf import settings
from django.shortcuts import redirect

from branches.permissions import mfa_required

# Paths a user who still has to enrol TOTP may reach: account pages (TOTP set-up, logout,
# password), the health check, static files and the language switch.
_ALLOWED_PREFIXES = ("/accounts/", "/healthz/", "/static/", "/i18n/")


class RequireMfaMiddleware:
    """Administrators and committee officers must enrol TOTP before they work.

    With `PORTAL_MFA_REQUIRED` on, such a user without a TOTP authenticator is sent to
    allauth's TOTP set-up page from every portal page. The check is one indexed EXISTS
    query per request, for those users only; nothing is cached in the session, so
    deactivating TOTP takes effect on the next request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PORTAL_MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and mfa_required(request.user)
            and not _has_totp(request.user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
