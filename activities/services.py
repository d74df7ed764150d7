"""Writes for organisational life: meetings, attendance, filing and amendments, attachments, QR sign-in.

Every function is one transaction. A meeting carries a `version`: each write names the version it was based on
and fails with a clear message when someone else saved in between (nothing is overwritten silently).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import (
    KINDS_BY_HOLDER,
    STUDY_KINDS,
    Attendance,
    AttendanceStatus,
    CountedKind,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
    ThemeDayPart,
)
from branches.models import COMMITTEE_ROLE_KINDS, Member, MemberStatus, Organization, PartyGroup, User
from study.models import StudyPlanItem, StudyTask, TaskKind, TaskStatus

# A meeting may be marked held only once it has started (a little slack for clocks and quick entry).
HELD_START_TOLERANCE = datetime.timedelta(minutes=30)
# 补学 is due this long after the meeting was recorded.
MAKEUP_DUE_DAYS = 30
# The QR sign-in code works from a little before the start until a little after the end.
SIGN_IN_EARLY = datetime.timedelta(minutes=30)
SIGN_IN_LATE = datetime.timedelta(minutes=30)
SIGN_IN_SALT = "activities.meeting-sign-in"

# Fields a secretary edits (schedule and record forms); filing snapshots these and the attendance.
MEETING_FIELDS = (
    "kind",
    "topic",
    "starts_at",
    "ends_at",
    "location",
    "host",
    "recorder",
    "lecturer",
    "lecturer_name",
    "lecturer_post",
    "lecturer_is_secretary",
    "agenda",
    "minutes",
    "theme_day_parts",
    "observers",
)


class ConcurrentEditError(ValidationError):
    """Someone else saved the meeting since the form was opened."""


# Validation --------------------------------------------------------------------------------------------------


def allowed_kinds(*, organization: Organization, group: PartyGroup | None = None) -> set[str]:
    """The kinds the organisation (or the group) may hold."""
    return set(KINDS_BY_HOLDER["group" if group is not None else organization.kind])


def _validate(meeting: Meeting, counts_as: Iterable[str], plan_items: Iterable[StudyPlanItem]) -> None:
    errors: dict[str, list[str]] = {}
    kinds = allowed_kinds(organization=meeting.organization, group=meeting.group)
    if meeting.kind not in kinds:
        errors.setdefault("kind", []).append(
            _("%(holder)s不能召开%(kind)s。")
            % {
                "holder": meeting.group.name if meeting.group else meeting.organization.get_kind_display(),
                "kind": meeting.get_kind_display(),
            }
        )
    if meeting.group is not None and meeting.group.organization_id != meeting.organization_id:
        errors.setdefault("group", []).append(_("党小组须属于本支部。"))
    if meeting.kind == MeetingKind.GROUP_MEETING and meeting.group is None:
        errors.setdefault("group", []).append(_("党小组会须选择党小组。"))
    for kind in counts_as:
        if kind not in kinds and kind != meeting.kind:
            errors.setdefault("counts_as", []).append(
                _("本次活动不能同时计为%(kind)s。") % {"kind": MeetingKind(kind).label}
            )
    if meeting.starts_at and meeting.ends_at and meeting.ends_at <= meeting.starts_at:
        errors.setdefault("ends_at", []).append(_("结束时间应晚于开始时间。"))
    elif meeting.starts_at and meeting.ends_at and meeting.ends_at - meeting.starts_at > datetime.timedelta(days=3):
        errors.setdefault("ends_at", []).append(_("一次活动不应超过3天，请检查结束时间。"))
    for name in ("host", "recorder", "lecturer"):
        person = getattr(meeting, name)
        if (
            person is not None
            and person.organization_id != meeting.organization_id
            and not _is_above(person, meeting.organization)
        ):
            errors.setdefault(name, []).append(_("请从本组织的党员中选择。"))
    unknown_parts = set(meeting.theme_day_parts or ()) - set(ThemeDayPart.values)
    if unknown_parts:
        errors.setdefault("theme_day_parts", []).append(_("主题党日内容无效。"))
    if meeting.kind != MeetingKind.THEME_DAY and meeting.theme_day_parts:
        meeting.theme_day_parts = []
    for item in plan_items:
        if item.plan.organization_id != meeting.organization_id:
            errors.setdefault("plan_items", []).append(_("只能关联本组织的学习计划。"))
            break
    if errors:
        raise ValidationError(errors)


def _is_above(member: Member, organization: Organization) -> bool:
    # A committee's meeting may be hosted or lectured by a member of a branch below it (e.g. the secretary's
    # 党课 for grassroots members, rule C8), and a branch's by its own members.
    return member.organization.path.startswith(organization.path)


def _held_check(meeting: Meeting, now: datetime.datetime) -> None:
    if meeting.starts_at > now + HELD_START_TOLERANCE:
        raise ValidationError(
            {
                "starts_at": _("这次活动尚未开始（%(when)s），不能登记为已召开。")
                % {"when": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")}
            }
        )


def _claim(meeting: Meeting, version: int, **changes: Any) -> None:
    """Move the meeting to the next version if nobody saved since `version`; otherwise ConcurrentEditError."""
    changes.setdefault("updated_at", timezone.now())
    updated = Meeting.objects.filter(pk=meeting.pk, version=version).update(version=F("version") + 1, **changes)
    if updated != 1:
        raise ConcurrentEditError(
            _("这条记录已被他人修改（您打开页面后）。您填写的内容没有丢失，请查看最新内容后再保存。")
        )
    meeting.version = version + 1
    for name, value in changes.items():
        setattr(meeting, name, value)


def _held_on(starts_at: datetime.datetime) -> datetime.date:
    return timezone.localtime(starts_at).date()


def _set_counted_kinds(meeting: Meeting, counts_as: Iterable[str]) -> None:
    kinds = {meeting.kind, *counts_as}
    CountedKind.objects.filter(meeting=meeting).exclude(kind__in=kinds).delete()
    CountedKind.objects.bulk_create(
        [CountedKind(meeting=meeting, kind=kind) for kind in sorted(kinds)], ignore_conflicts=True
    )


def _compliance_changed(meeting: Meeting, *years: int) -> None:
    """After commit, re-judge the organisation's compliance for the years the meeting was (and is) in, and its
    members' M1 flags."""
    from reviews import tasks

    organization_id = meeting.organization_id
    years = sorted({*years, meeting.held_on.year})
    tasks.compliance_refresh.delay_on_commit(organization_id=organization_id, years=years)
    # Attending ends a member's M1 run at once rather than at the nightly refresh.
    tasks.member_flags_refresh.delay_on_commit(organization_ids=[organization_id], today=None)


# Scheduling and editing ----------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    organization: Organization,
    created_by: User | None,
    group: PartyGroup | None = None,
    counts_as: Iterable[str] = (),
    plan_items: Iterable[StudyPlanItem] = (),
    creation_key: uuid.UUID | None = None,
    **fields: Any,
) -> Meeting:
    """Schedule a meeting (已安排). A second submission of the same form (same `creation_key`) returns the first
    meeting instead of creating another. Expected attendees are notified after commit."""
    if creation_key is not None:
        existing = Meeting.objects.filter(creation_key=creation_key).first()
        if existing is not None:
            return existing
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    counts_as = list(counts_as)
    plan_items = list(plan_items)
    meeting = Meeting(
        organization=organization, group=group, created_by=created_by, creation_key=creation_key, **fields
    )
    _validate(meeting, counts_as, plan_items)
    meeting.held_on = _held_on(meeting.starts_at)
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError:
        # The same form submitted twice at the same moment: the other request created it.
        existing = Meeting.objects.filter(creation_key=creation_key).first() if creation_key else None
        if existing is None:
            raise
        return existing
    _set_counted_kinds(meeting, counts_as)
    meeting.plan_items.set(plan_items)
    if meeting.starts_at > timezone.now():
        from activities import tasks

        tasks.meeting_planned_notify.delay_on_commit(meeting_id=meeting.pk)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    version: int,
    updated_by: User | None,
    counts_as: Iterable[str] | None = None,
    plan_items: Iterable[StudyPlanItem] | None = None,
    group: PartyGroup | None = None,
    **fields: Any,
) -> Meeting:
    """Change a meeting that is not filed yet (a filed one takes an amendment: `meeting_amend`)."""
    if meeting.is_filed:
        raise ValidationError(_("这次活动已归档，不能直接修改；如需更正，请填写更正原因提交更正。"))
    return _apply_changes(
        meeting=meeting, version=version, counts_as=counts_as, plan_items=plan_items, group=group, **fields
    )


def _apply_changes(
    *,
    meeting: Meeting,
    version: int,
    counts_as: Iterable[str] | None,
    plan_items: Iterable[StudyPlanItem] | None,
    group: PartyGroup | None = None,
    **fields: Any,
) -> Meeting:
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    old_kinds = set(meeting.counted_kinds.values_list("kind", flat=True))
    old_year = meeting.held_on.year
    for name, value in fields.items():
        setattr(meeting, name, value)
    if group is not None or "kind" in fields:
        meeting.group = group
    counts_as = list(counts_as) if counts_as is not None else sorted(old_kinds - {meeting.kind})
    items = list(plan_items) if plan_items is not None else list(meeting.plan_items.select_related("plan"))
    _validate(meeting, counts_as, items)
    if meeting.status != MeetingStatus.PLANNED:
        _held_check(meeting, timezone.now())
    changes = {name: getattr(meeting, name) for name in fields}
    for name in ("host", "recorder", "lecturer"):
        if name in changes:
            person = changes.pop(name)
            changes[f"{name}_id"] = person.pk if person is not None else None
    changes["group_id"] = meeting.group_id
    changes["held_on"] = _held_on(meeting.starts_at)
    _claim(meeting, version, **changes)
    _set_counted_kinds(meeting, counts_as)
    if plan_items is not None:
        meeting.plan_items.set(items)
    _compliance_changed(meeting, old_year)
    return meeting


@transaction.atomic
def meeting_delete(*, meeting: Meeting, version: int) -> None:
    """Delete a meeting that was scheduled or entered by mistake; a filed meeting stays (amend it instead)."""
    if meeting.is_filed:
        raise ValidationError(_("已归档的活动不能删除。"))
    _claim(meeting, version)
    _compliance_changed(meeting)
    meeting.delete()


# Attendance ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceEntry:
    status: str
    leave_reason: str = ""


def expected_attendees_q(meeting: Meeting) -> Q:
    """Who is expected: the group's or the branch's active members (leading cadres included: 双重组织生活).
    A committee's meeting expects the members organised directly in it, if any."""
    q = Q(organization_id=meeting.organization_id, status=MemberStatus.ACTIVE)
    if meeting.group_id is not None:
        q &= Q(group_id=meeting.group_id)
    if meeting.kind == MeetingKind.COMMITTEE_MEETING:
        # 支委会: the committee members (holders of a committee role in the branch), not the whole branch.
        q &= Q(
            pk__in=Member.objects.filter(
                user__roles__organization_id=meeting.organization_id, user__roles__kind__in=COMMITTEE_ROLE_KINDS
            ).values("pk")
        )
    return q


def attendance_record(
    *,
    meeting: Meeting,
    version: int,
    entries: Mapping[int, AttendanceEntry],
    recorded_by: User | None,
    today: datetime.date | None = None,
) -> Meeting:
    """Record who came: every expected attendee not named in `entries` was present. Marks the meeting held.

    A 请假 needs a reason and, for a meeting with study content, gives the member a 补学 task; a member taken
    off leave has that task closed. Costs a fixed number of queries whatever the number of attendees (≤ 5 for
    a first recording).
    """
    with transaction.atomic():
        if meeting.is_filed:
            raise ValidationError(_("这次活动已归档，出勤记录不能直接修改；如需更正，请提交更正。"))
        now = timezone.now()
        _held_check(meeting, now)
        _claim(meeting, version, status=MeetingStatus.HELD, recorded_at=now)
        _write_attendance(meeting=meeting, entries=entries, today=today or timezone.localdate())
        _compliance_changed(meeting)
    return meeting


def _write_attendance(*, meeting: Meeting, entries: Mapping[int, AttendanceEntry], today: datetime.date) -> None:
    # One query: the expected members and everybody already on this meeting's list, with their status then.
    # A UNION of two index lookups: an OR of both conditions would make PostgreSQL scan (and JIT-compile).
    listed = Attendance.objects.filter(meeting=meeting)
    expected = (
        Member.objects.filter(expected_attendees_q(meeting))
        .annotate(previous=Subquery(listed.filter(member=OuterRef("pk")).values("status")[:1]))
        .values_list("pk", "previous")
        .order_by()
    )
    previous: dict[int, str | None] = {}
    for member_id, status in expected.union(listed.values_list("member_id", "status").order_by()).order_by():
        if status is not None or member_id not in previous:
            previous[member_id] = status
    unknown = set(entries) - set(previous)
    if unknown:
        raise ValidationError(
            _("有%(n)d人不是本次活动的应到人员（不在本支部或本党小组），未予登记。") % {"n": len(unknown)}
        )
    rows = []
    for member_id in previous:
        entry = entries.get(member_id, AttendanceEntry(AttendanceStatus.PRESENT))
        if entry.status not in AttendanceStatus.values:
            raise ValidationError(_("出勤状态无效。"))
        reason = entry.leave_reason.strip() if entry.status == AttendanceStatus.LEAVE else ""
        if entry.status == AttendanceStatus.LEAVE and not reason:
            raise ValidationError(_("请假须填写事由。"))
        rows.append(Attendance(meeting=meeting, member_id=member_id, status=entry.status, leave_reason=reason[:200]))
    Attendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["meeting", "member"],
        update_fields=["status", "leave_reason"],
        batch_size=500,
    )
    on_leave = {row.member_id for row in rows if row.status == AttendanceStatus.LEAVE}
    was_on_leave = {member_id for member_id, status in previous.items() if status == AttendanceStatus.LEAVE}
    if (on_leave - was_on_leave) and has_study_content(meeting):
        _makeup_tasks_open(
            meeting=meeting,
            member_ids=on_leave - was_on_leave,
            reopen=any(previous[m] is not None for m in on_leave - was_on_leave),
            today=today,
        )
    if was_on_leave - on_leave:
        StudyTask.objects.filter(meeting=meeting, member_id__in=was_on_leave - on_leave, status=TaskStatus.OPEN).update(
            status=TaskStatus.CLOSED, closed_reason=_("已改为出席，无需补学"), updated_at=timezone.now()
        )


def has_study_content(meeting: Meeting) -> bool:
    """Whether missing the meeting calls for 补学: it (or a kind it counts as) carries study content."""
    if meeting.kind in STUDY_KINDS:
        return True
    return meeting.counted_kinds.filter(kind__in=STUDY_KINDS).exists()


def _makeup_tasks_open(*, meeting: Meeting, member_ids: set[int], reopen: bool, today: datetime.date) -> None:
    """Give each member a 补学 task for the meeting (one query; a second for tasks closed earlier)."""
    due = today + datetime.timedelta(days=MAKEUP_DUE_DAYS)
    topic = _("补学：%(topic)s（%(date)s %(kind)s）") % {
        "topic": meeting.topic,
        "date": meeting.held_on.strftime("%Y-%m-%d"),
        "kind": meeting.get_kind_display(),
    }
    hours = max(Decimal("0.5"), meeting.duration_hours)
    now = timezone.now()
    StudyTask.objects.bulk_create(
        [
            StudyTask(
                member_id=member_id,
                kind=TaskKind.MAKEUP,
                meeting=meeting,
                organization_id=meeting.organization_id,
                topic=topic[:200],
                hours=hours,
                due_date=due,
                created_at=now,
                updated_at=now,
            )
            for member_id in sorted(member_ids)
        ],
        ignore_conflicts=True,
    )
    if reopen:
        StudyTask.objects.filter(meeting=meeting, member_id__in=member_ids, status=TaskStatus.CLOSED).update(
            status=TaskStatus.OPEN, closed_reason="", due_date=due, updated_at=now
        )


# Filing, amendments and the content hash ------------------------------------------------------------------------


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


def _new_version(meeting: Meeting, *, by: User | None, reason: str = "") -> MeetingVersion:
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
    _claim(meeting, version, status=MeetingStatus.FILED, filed_at=now, filed_by_id=filed_by.pk if filed_by else None)
    _new_version(meeting, by=filed_by)
    _compliance_changed(meeting)
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
        _apply_changes(
            meeting=meeting, version=version, counts_as=counts_as, plan_items=plan_items, group=group, **fields
        )
    else:
        _claim(meeting, version)
    if entries is not None:
        _write_attendance(meeting=meeting, entries=entries, today=timezone.localdate())
    return _new_version(meeting, by=amended_by, reason=reason)


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


# QR sign-in -----------------------------------------------------------------------------------------------------


def sign_in_window(meeting: Meeting) -> tuple[datetime.datetime, datetime.datetime]:
    return meeting.starts_at - SIGN_IN_EARLY, meeting.ends_at + SIGN_IN_LATE


def sign_in_token(meeting: Meeting) -> str:
    """The code in the meeting's QR: signed, names the meeting; valid only inside its sign-in window."""
    return signing.dumps({"m": meeting.pk}, salt=SIGN_IN_SALT, compress=True)


def sign_in_meeting_id(token: str) -> int:
    """The meeting a code names; ValidationError for a code that was not issued here."""
    try:
        return int(signing.loads(token, salt=SIGN_IN_SALT)["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("二维码无效，请扫描会场展示的签到二维码。")) from None


@transaction.atomic
def sign_in(*, meeting: Meeting, member: Member | None, now: datetime.datetime | None = None) -> Attendance:
    """Mark the member present by scanning the meeting's code. Refused outside the window, for a filed meeting
    and for anybody who is not an expected attendee."""
    now = now or timezone.now()
    opens, closes = sign_in_window(meeting)
    if member is None:
        raise ValidationError(_("您的账号没有关联党员信息，不能签到。"))
    if meeting.is_filed:
        raise ValidationError(_("这次活动已归档，签到已结束。"))
    if now < opens:
        raise ValidationError(
            _("签到尚未开始：%(when)s起可以签到。") % {"when": timezone.localtime(opens).strftime("%m-%d %H:%M")}
        )
    if now > closes:
        raise ValidationError(_("签到二维码已过期（活动已结束）。"))
    expected = Member.objects.filter(expected_attendees_q(meeting), pk=member.pk).exists()
    listed = Attendance.objects.filter(meeting=meeting, member=member).first()
    if not expected and listed is None:
        raise ValidationError(_("您不是这次活动的应到人员（不在本支部或本党小组），不能签到。"))
    if listed is None:
        listed = Attendance.objects.create(
            meeting=meeting, member=member, status=AttendanceStatus.PRESENT, signed_in_at=now
        )
    elif listed.signed_in_at is None or listed.status != AttendanceStatus.PRESENT:
        was_leave = listed.status == AttendanceStatus.LEAVE
        listed.status, listed.leave_reason, listed.signed_in_at = AttendanceStatus.PRESENT, "", now
        listed.save(update_fields=["status", "leave_reason", "signed_in_at"])
        if was_leave:
            StudyTask.objects.filter(meeting=meeting, member=member, status=TaskStatus.OPEN).update(
                status=TaskStatus.CLOSED, closed_reason=_("已扫码签到，无需补学"), updated_at=now
            )
    # No version bump: a scan must not make the secretary's open attendance form look stale.
    return listed


# Recording a meeting (attendance and minutes in one save) -------------------------------------------------------


@transaction.atomic
def meeting_record(
    *,
    meeting: Meeting,
    version: int,
    entries: Mapping[int, AttendanceEntry],
    minutes: str,
    recorded_by: User | None,
    today: datetime.date | None = None,
) -> Meeting:
    """登记出勤 and the minutes (纪要) in one save: the attendance as in `attendance_record` (everyone not in
    `entries` was present; marks the meeting held; 补学 for 请假) and the minutes on the same version claim, so
    the queries stay those of `attendance_record` (≤ 5 for a first recording) whatever the number of attendees.
    All or nothing: a bad entry leaves both the minutes and the attendance as they were."""
    if meeting.is_filed:
        raise ValidationError(_("这次活动已归档，出勤记录不能直接修改；如需更正，请提交更正。"))
    now = timezone.now()
    _held_check(meeting, now)
    _claim(meeting, version, status=MeetingStatus.HELD, recorded_at=now, minutes=minutes.strip())
    _write_attendance(meeting=meeting, entries=entries, today=today or timezone.localdate())
    _compliance_changed(meeting)
    return meeting


# Attachments ----------------------------------------------------------------------------------------------------

# Thumbnails of images fit in this square (JPEG), enough for a list on a phone and on a wide screen.
THUMBNAIL_SIZE = 320


@dataclass(frozen=True)
class AttachmentUpload:
    """One uploaded file with its type as read from its content (activities.attachment_forms)."""

    file: Any  # django.core.files.File (an UploadedFile from a form)
    name: str
    content_type: str


@dataclass(frozen=True)
class _PreparedAttachment:
    upload: AttachmentUpload
    sha256: str
    thumbnail: bytes | None


def _amendment_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < AMENDMENT_REASON_MIN_LENGTH:
        raise ValidationError({"reason": _("请写明更正原因（至少%(n)d个字）。") % {"n": AMENDMENT_REASON_MIN_LENGTH}})
    return reason


def _sha256(file: Any) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _thumbnail_jpeg(file: Any) -> bytes:
    """A JPEG of the image (first frame, turned upright by its EXIF orientation) within THUMBNAIL_SIZE px.
    Raises ValueError when the image cannot be decoded."""
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    file.seek(0)
    try:
        with Image.open(file) as image:
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            upright = ImageOps.exif_transpose(image)
            if upright.mode not in ("RGB", "L"):
                rgba = upright.convert("RGBA")
                upright = Image.new("RGB", rgba.size, "white")
                upright.paste(rgba, mask=rgba.getchannel("A"))
            buffer = io.BytesIO()
            upright.save(buffer, format="JPEG", quality=82, optimize=True)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError(str(error)) from error
    finally:
        file.seek(0)
    return buffer.getvalue()


def _prepare(uploads: Iterable[AttachmentUpload]) -> list[_PreparedAttachment]:
    """Hash every file and make the thumbnails, before anything is stored; the errors name each bad file."""
    prepared, errors = [], []
    for upload in uploads:
        thumbnail = None
        if upload.content_type.startswith("image/"):
            try:
                thumbnail = _thumbnail_jpeg(upload.file)
            except ValueError:
                errors.append(
                    _("“%(name)s”的图片内容不完整或已损坏，无法读取，请重新导出后上传。") % {"name": upload.name}
                )
                continue
        prepared.append(_PreparedAttachment(upload, _sha256(upload.file), thumbnail))
    if errors:
        raise ValidationError({"files": errors})
    return prepared


def _locked_status(meeting: Meeting) -> tuple[str, int]:
    """The meeting's status and version now, with its row locked until the end of the transaction (so that
    filing, which snapshots the attachments, cannot run in between)."""
    return Meeting.objects.select_for_update().filter(pk=meeting.pk).values_list("status", "version").get()


@transaction.atomic
def attachment_add(
    *,
    meeting: Meeting,
    version: int,
    uploads: Iterable[AttachmentUpload],
    uploaded_by: User | None,
    reason: str = "",
) -> list[MeetingAttachment]:
    """Attach files (photos, scans, PDFs) to a meeting: all or none. Images get a JPEG thumbnail.

    For a filed meeting this is an amendment: it needs a reason and is stored as the next version (with the
    files' hashes), after checking that nobody changed the meeting since `version`. An unfiled meeting's version
    is left alone, so adding photos never collides with somebody editing the record.
    """
    from django.core.files.base import ContentFile

    uploads = list(uploads)
    if not uploads:
        raise ValidationError({"files": _("请选择要上传的文件。")})
    status, _current = _locked_status(meeting)
    filed = status == MeetingStatus.FILED
    if filed:
        reason = _amendment_reason(reason)
    prepared = _prepare(uploads)
    if filed:
        _claim(meeting, version)
    attachments: list[MeetingAttachment] = []
    stored: list[tuple[Any, str]] = []
    try:
        for item in prepared:
            attachment = MeetingAttachment(
                meeting=meeting,
                original_name=item.upload.name[:200],
                content_type=item.upload.content_type,
                size=item.upload.file.size,
                sha256=item.sha256,
                uploaded_by=uploaded_by,
            )
            attachment.full_clean(
                exclude=["file", "thumbnail"] if uploaded_by else ["file", "thumbnail", "uploaded_by"]
            )
            attachment.file.save(item.upload.name, item.upload.file, save=False)
            stored.append((attachment.file.storage, attachment.file.name))
            if item.thumbnail is not None:
                attachment.thumbnail.save("thumbnail.jpg", ContentFile(item.thumbnail), save=False)
                stored.append((attachment.thumbnail.storage, attachment.thumbnail.name))
            attachment.save()
            attachments.append(attachment)
        if filed:
            _new_version(meeting, by=uploaded_by, reason=reason)
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    return attachments


@transaction.atomic
def attachment_delete(
    *, attachment: MeetingAttachment, version: int, deleted_by: User | None, reason: str = ""
) -> MeetingVersion | None:
    """Remove an attachment and its files. For a filed meeting this is an amendment with a reason, stored as the
    next version (the earlier versions keep the file's hash). Returns that version, or None."""
    meeting = attachment.meeting
    status, _current = _locked_status(meeting)
    filed = status == MeetingStatus.FILED
    if filed:
        reason = _amendment_reason(reason)
        _claim(meeting, version)
    files = [(field.storage, field.name) for field in (attachment.file, attachment.thumbnail) if field]
    attachment.delete()
    new_version = _new_version(meeting, by=deleted_by, reason=reason) if filed else None

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return new_version
