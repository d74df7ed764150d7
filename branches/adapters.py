"""django-allauth adapters: closed sign-up, phone numbers stored on the user, Chinese messages.

`AccountAdapter` is wired by `ACCOUNT_ADAPTER`; `MFAAdapter` by `MFA_ADAPTER`.
"""

import re

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from branches import logins
from branches.models import User

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def user_display_name(user: User) -> str:
    """How the portal names a signed-in person (menu, "已登录" message): the member's name when the login
    belongs to a member, else the full name, else the username (ACCOUNT_USER_DISPLAY)."""
    member = getattr(user, "member", None) if user.pk else None
    return (member.name if member is not None else "") or user.get_full_name() or user.username


def normalize_phone(value: str) -> str:
    """'+86 138-0013-8000' → '13800138000' (mainland mobile numbers as stored on the user)."""
    return re.sub(r"[\s-]", "", value or "").removeprefix("+86")


class PhoneField(forms.CharField):
    """A mainland mobile number, with or without +86, spaces or dashes."""

    def to_python(self, value):
        return normalize_phone(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and not _MOBILE.match(value):
            raise forms.ValidationError(_("手机号应为11位，以1开头。"), code="invalid_phone")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # One message whichever way the user logged in: it does not tell which part was wrong.
        "username_password_mismatch": _("用户名/手机号/邮箱或密码不正确。"),
        "email_password_mismatch": _("用户名/手机号/邮箱或密码不正确。"),
        "phone_password_mismatch": _("用户名/手机号/邮箱或密码不正确。"),
        "too_many_login_attempts": _("登录失败次数过多，请稍后再试。"),
        "invalid_password_reset": _("设置密码的链接无效或已过期。"),
        "account_inactive": _("该账号已停用。"),
    }

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's per-address limit, then the portal's per-account limits (branches/logins.py)."""
        super().pre_authenticate(request, **credentials)
        self._login_subject = logins.login_subject(credentials)
        refusal = logins.login_refusal(request, self._login_subject, self.get_client_ip(request))
        if refusal is not None:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials) -> None:
        subject = getattr(self, "_login_subject", None) or logins.login_subject(credentials)
        logins.login_failure_record(request, subject, self.get_client_ip(request))

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        logins.trust_cookie_set(response, user)
        return response

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the mail here (it needs the request), send it from the worker: a slow or failing SMTP server
        never turns a password reset into an error page, and the worker retries."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        from branches.tasks import account_email_send

        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        account_email_send.delay_on_commit(
            subject=str(message.subject),
            body=message.body,
            html_body=html,
            to=list(message.to),
            from_email=message.from_email or "",
        )

    def is_open_for_signup(self, request) -> bool:
        # Accounts are created by administrators and secretaries only (branches.services.account_create).
        return False

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user.phone = normalize_phone(phone) or None
        user.save(update_fields=["phone"])

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        return (user.phone, True) if user.phone else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        """Phones are entered by administrators; there is nothing to verify by SMS."""

    def get_user_by_phone(self, phone: str) -> User | None:
        return User.objects.filter(phone=normalize_phone(phone)).order_by("pk").first()

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def phone_form_field(self, **kwargs) -> forms.Field:
        # allauth also uses this field to tell whether a login is a phone number.
        return PhoneField(label=_("手机号"), max_length=20, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted, like ID numbers."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("验证码不正确。"),
        "cannot_delete_authenticator": _("不能关闭两步验证。"),
    }

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()


def _fernet() -> Fernet:
    return Fernet(settings.FIELD_ENCRYPTION_KEY.encode())
