"""Framework hooks (django.contrib.auth's login signals, sent for allauth's logins too) into the audit log."""

from __future__ import annotations

from django.http import HttpRequest

from branches import logins
from branches.models import User
from branches.permissions import own_member, primary_organization_id
from portal.audit.models import AuditAction
from portal.audit.services import audit_record


def _organization_id(user: User) -> int | None:
    member = own_member(user)
    return member.organization_id if member is not None else primary_organization_id(user)


def user_logged_in(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    audit_record(
        actor=user, action=AuditAction.LOGIN, target=user, organization_id=_organization_id(user), request=request
    )


def user_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """A wrong password (or unknown identifier): the account it names, if any, and what was typed."""
    subject = logins.login_subject(credentials)
    user = User.objects.filter(pk=subject.user_id).first() if subject.user_id else None
    typed = next((str(credentials[k]) for k in ("username", "email", "phone") if credentials.get(k)), "")
    audit_record(
        actor=None,
        actor_name=typed,
        action=AuditAction.LOGIN_FAILED,
        target=user,
        organization_id=_organization_id(user) if user is not None else None,
        detail={"login": typed[:150]},
        request=request,
    )
