import re

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation
from django.views.defaults import bad_request

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


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Chinese unless the user picked another language with the switch (its cookie).

    The browser's Accept-Language is not consulted: the portal's language is zh-hans by design (DESIGN.md §5),
    and an English-language browser on a government PC should not turn the portal English by surprise.
    """

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


# C0 control characters (U+0000–U+001F). PostgreSQL cannot store NUL in text, so one %00 in a search box was a
# 500; the others have no place in a URL or a form field either. Tab, line feed and carriage return are
# ordinary in a form body (a textarea), never in a query string or a path.
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_IN_BODY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectControlCharactersMiddleware:
    """Answer 400 (the portal's 400 page) to a request with a control character in its path, its query string
    (names or values) or a field of its form body, before any view or database sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_control_characters(request):
            return bad_request(request, SuspiciousOperation("control character in the request"))
        return self.get_response(request)


def _has_control_characters(request) -> bool:
    if _CONTROL.search(request.path):
        return True
    if any(_CONTROL.search(key) or any(_CONTROL.search(v) for v in values) for key, values in request.GET.lists()):
        return True
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        try:
            fields = request.POST.lists()
        except Exception:  # noqa: BLE001 - a malformed body: let Django's own handling answer it
            return False
        return any(
            _CONTROL_IN_BODY.search(key) or any(_CONTROL_IN_BODY.search(v) for v in values) for key, values in fields
        )
    return False
