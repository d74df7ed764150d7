"""Framework hooks into the audit log: every Django admin change, addition and deletion (LogEntry)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from portal.audit.models import AuditAction
from portal.audit.services import audit_record, organization_id_of

_ACTIONS = {ADDITION: AuditAction.ADMIN_ADDED, CHANGE: AuditAction.ADMIN_CHANGED, DELETION: AuditAction.ADMIN_DELETED}


def admin_log_entry_saved(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    """Django's admin writes a LogEntry for each addition, change and deletion (deletions before the delete)."""
    if not created:
        return
    try:
        obj = instance.get_edited_object()
    except Exception:  # noqa: BLE001 - a model without a row any more: keep the entry's own description
        obj = None
    audit_record(
        actor=instance.user,
        action=_ACTIONS[instance.action_flag],
        organization_id=organization_id_of(obj),
        detail={
            "model": _model_label(instance),
            "object_id": str(instance.object_id or ""),
            "object": instance.object_repr,
            "change": instance.get_change_message(),
        },
    )


def _model_label(entry: Any) -> str:
    """The admin log entry's model as app_label.model ("" when its content type is gone)."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    return model._meta.label_lower if model is not None else ""
