"""Writing the audit log: `audit_record` (called by the apps above portal) and `audit_prune` (the nightly job)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.audit.models import AuditAction, AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The address Django saw (REMOTE_ADDR; the TLS proxy in front sets it for gunicorn)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def organization_id_of(obj: Any) -> int | None:
    """The organisation an object belongs to, by the portal's field names (no import of the apps above)."""
    if obj is None:
        return None
    if obj._meta.label == "branches.Organization":
        return int(obj.pk)
    for attribute in ("organization_id", "branch_id"):
        value = getattr(obj, attribute, None)
        if value is not None:
            return int(value)
    member = getattr(obj, "member", None)  # a user's login: their member record's organisation
    return getattr(member, "organization_id", None) if member is not None else None


def audit_record(
    *,
    actor: Any,
    action: AuditAction | str,
    target: models.Model | None = None,
    organization_id: int | None = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one event to the audit log.

    `actor` is the user who acted (None for an anonymous failed login); `target` the object read or changed;
    `organization_id` the organisation whose administrators may see the event (default: the target's own);
    `detail` a small JSON-able dict
    (scope, row count, identifier typed …, never an ID number or a talk's text). Runs in the caller's
    transaction: a change that rolls back leaves no event.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        actor=user,
        actor_name=(user.get_username() if user is not None else actor_name)[:150],
        action=str(action),
        organization_id=organization_id if organization_id is not None else organization_id_of(target),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        detail=detail or {},
        ip_address=client_ip(request),
    )
    event.full_clean(exclude=["actor", "organization"])
    event.save()
    return event


@transaction.atomic
def audit_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the events older than AUDIT_RETENTION_DAYS (never fewer than 180 days; settings refuse less)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=max(settings.AUDIT_RETENTION_DAYS, 180))
    deleted, _per_model = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
