"""Filing (归档) and amendments (更正): a filed meeting is locked; a correction is a new version with its reason,
who and when, beside the original. Each version stores a SHA-256 of its content (fields, counted kinds, plan
items, attendance and attachment hashes); `records_verify` recomputes them and names any mismatch."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings.services import (
    MEETING_FIELDS,
    AttendanceEntry,
    apply_changes,
    claim_version,
    compliance_changed,
    write_attendance,
)
from activities.models import (
    Meeting,
    MeetingStatus,
    MeetingVersion,
)
from branches.models import Organization, PartyGroup, User
from portal.audit.services import AuditAction, audit_record
from study.models import StudyPlanItem


def meeting_snapshot(meeting: Meeting) -> dict[str, Any]:
    """What a filed version holds: the fields, what it counts as, the linked plan items, every attendance row
    and every attachment's SHA-256. Plain JSON values, sorted, so the same record always hashes the same."""
    fields: dict[str, Any] = {}
    for name in MEETING_FIELDS:
        value = getattr(meeting, f"{name}_id" if name in ("host", "recorder", "lecturer") else name)
        if isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.UTC).isoformat()
        fields[name] = value
    fields["organization"] = meeting.organization_id
    fields["group"] = meeting.group_id
    return {
        "meeting": meeting.pk,
        "fields": fields,
        "counts_as": sorted(c.kind for c in meeting.counted_kinds.all()),
        "plan_items": sorted(str(item.key) for item in meeting.plan_items.all()),
        "attendance": sorted(
            [
                a.member_id,
                a.status,
                a.leave_reason,
                a.signed_in_at.astimezone(datetime.UTC).isoformat() if a.signed_in_at else None,
            ]
            for a in meeting.attendances.all()
        ),
        "attachments": sorted(a.sha256 for a in meeting.attachments.all()),
    }


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON form (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _fresh(meeting: Meeting) -> Meeting:
    """The meeting with everything a snapshot reads, from the database (not from a form's half-saved object)."""
    return Meeting.objects.prefetch_related("counted_kinds", "plan_items", "attendances", "attachments").get(
        pk=meeting.pk
    )


def version_add(meeting: Meeting, *, by: User | None, reason: str = "") -> MeetingVersion:
    content = meeting_snapshot(_fresh(meeting))
    number = (meeting.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return MeetingVersion.objects.create(
        meeting=meeting,
        number=number,
        content=content,
        content_hash=content_hash(content),
        reason=reason,
        created_by=by,
    )


@transaction.atomic
def meeting_file(*, meeting: Meeting, version: int, filed_by: User | None) -> Meeting:
    """File (归档) a held meeting: the record is locked and version 1 with its content hash is stored."""
    if meeting.status == MeetingStatus.FILED:
        raise ValidationError(_("这次活动已经归档。"))
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("请先登记出勤，活动召开后才能归档。"))
    now = timezone.now()
    claim_version(
        meeting, version, status=MeetingStatus.FILED, filed_at=now, filed_by_id=filed_by.pk if filed_by else None
    )
    version_add(meeting, by=filed_by)
    compliance_changed(meeting)
    audit_record(actor=filed_by, action=AuditAction.MEETING_FILED, target=meeting)
    return meeting


AMENDMENT_REASON_MIN_LENGTH = 5


@transaction.atomic
def meeting_amend(
    *,
    meeting: Meeting,
    version: int,
    amended_by: User | None,
    reason: str,
    entries: Mapping[int, AttendanceEntry] | None = None,
    counts_as: Iterable[str] | None = None,
    plan_items: Iterable[StudyPlanItem] | None = None,
    group: PartyGroup | None = None,
    **fields: Any,
) -> MeetingVersion:
    """A correction to a filed meeting: applied, and stored as the next version with its reason, who and when.
    The earlier versions stay as they were."""
    if not meeting.is_filed:
        raise ValidationError(_("只有已归档的活动需要提交更正；未归档的活动可直接修改。"))
    reason = reason.strip()
    if len(reason) < AMENDMENT_REASON_MIN_LENGTH:
        raise ValidationError({"reason": _("请写明更正原因（至少%(n)d个字）。") % {"n": AMENDMENT_REASON_MIN_LENGTH}})
    if fields or counts_as is not None or plan_items is not None or group is not None:
        apply_changes(
            meeting=meeting, version=version, counts_as=counts_as, plan_items=plan_items, group=group, **fields
        )
    else:
        claim_version(meeting, version)
    if entries is not None:
        write_attendance(meeting=meeting, entries=entries, today=timezone.localdate())
    audit_record(actor=amended_by, action=AuditAction.MEETING_AMENDED, target=meeting, detail={"reason": reason})
    return version_add(meeting, by=amended_by, reason=reason)


@dataclass(frozen=True)
class VerificationProblem:
    meeting_id: int
    label: str
    problem: str


def records_verify(
    *, organization: Organization | None = None, chunk_size: int = 500
) -> tuple[int, list[VerificationProblem]]:
    """Check every filed meeting: each version's content still hashes to its stored hash, and the live record
    still hashes to its latest version's. Returns (meetings checked, problems)."""
    meetings = Meeting.objects.filter(status=MeetingStatus.FILED).order_by("pk")
    if organization is not None:
        meetings = meetings.filter(organization__path__startswith=organization.path)
    checked = 0
    problems: list[VerificationProblem] = []
    last_pk = 0
    while True:
        chunk = list(
            meetings.filter(pk__gt=last_pk)
            .select_related("organization")
            .prefetch_related("counted_kinds", "plan_items", "attendances", "attachments", "versions")[:chunk_size]
        )
        if not chunk:
            break
        for meeting in chunk:
            checked += 1
            label = (
                f"#{meeting.pk} {meeting.organization.name} {meeting.held_on} "
                f"{meeting.get_kind_display()}「{meeting.topic}」"
            )
            versions = sorted(meeting.versions.all(), key=lambda v: v.number)
            if not versions:
                problems.append(VerificationProblem(meeting.pk, label, _("已归档但没有归档版本")))
                continue
            problems.extend(
                VerificationProblem(meeting.pk, label, _("第%(n)d版的归档内容与其摘要不符") % {"n": stored.number})
                for stored in versions
                if content_hash(stored.content) != stored.content_hash
            )
            if content_hash(meeting_snapshot(meeting)) != versions[-1].content_hash:
                problems.append(
                    VerificationProblem(
                        meeting.pk, label, _("当前记录与最后归档版本（第%(n)d版）不一致") % {"n": versions[-1].number}
                    )
                )
        last_pk = chunk[-1].pk
    return checked, problems
