from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from branches.permissions import mfa_required

# Paths a user who still has to enrol TOTP may reach.
_ALLOWED_PREFIXES = ("/accounts/", "/healthz/", "/static/", "/i18n/")


class RequireMfaMiddleware:
    """Administrators and committee officers must enrol TOTP before they work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PORTAL_MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and mfa_required(request.user)
            and not _has_totp(request)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _has_totp(request) -> bool:
    from allauth.mfa.models import Authenticator

    cached = request.session.get("portal_has_totp")
    if cached:
        return True
    has = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    if has:
        request.session["portal_has_totp"] = True
    return has
