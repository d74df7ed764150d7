"""django-allauth adapter: closed sign-up, phone numbers stored on the user."""

from allauth.account.adapter import DefaultAccountAdapter

from branches.models import User


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts are created by administrators and secretaries only.
        return False

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user.phone = phone or None
        user.save(update_fields=["phone"])

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        return (user.phone, True) if user.phone else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        """Phones are entered by administrators; there is nothing to verify by SMS."""

    def get_user_by_phone(self, phone: str) -> User | None:
        return User.objects.filter(phone=phone.removeprefix("+86")).order_by("pk").first()

    def clean_phone(self, phone: str) -> str:
        return phone.strip().removeprefix("+86").replace(" ", "").replace("-", "")

    def phone_form_field(self, **kwargs):
        from django import forms
        from django.utils.translation import gettext_lazy as _

        return forms.CharField(label=_("手机号"), max_length=14, **kwargs)
