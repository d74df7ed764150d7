"""Writes for meetings: schedule, change, delete, attendance and minutes.

Every function is one transaction. A meeting carries a `version`: each write names the version it was based on
and fails with a clear message when someone else saved in between (nothing is overwritten). A meeting counts by
the day it was held (Asia/Shanghai), and a change is announced through `portal.hooks.meetings_changed` so that
compliance follows. 请假 gives a 补学 task through study's services."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import (
    COUNTS_AS_ONLY,
    KINDS_BY_HOLDER,
    STUDY_KINDS,
    TEAM_KINDS,
    Attendance,
    AttendanceStatus,
    CountedKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    ThemeDayPart,
)
from branches.models import COMMITTEE_ROLE_KINDS, Member, MemberStatus, Organization, PartyGroup, Role, RoleKind, User
from branches.selectors import members_on_q
from portal import hooks
from study.models import StudyPlanItem, StudyTask, TaskKind, TaskStatus

# A meeting may be marked held only once it has started (a little slack for clocks and quick entry).
HELD_START_TOLERANCE = datetime.timedelta(minutes=30)


# 补学 is due this long after the meeting was recorded.
MAKEUP_DUE_DAYS = 30


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
    if meeting.kind in COUNTS_AS_ONLY:
        errors.setdefault("kind", []).append(
            _("“%(kind)s”只能作为支部党员大会同时计入的类型。") % {"kind": meeting.get_kind_display()}
        )
    if MeetingKind.DEMOCRATIC_EVALUATION in counts_as and meeting.kind != MeetingKind.GENERAL_MEETING:
        errors.setdefault("counts_as", []).append(_("只有支部党员大会可以计为民主评议党员。"))
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
            and not (name == "lecturer" and _is_secretary_above(person, meeting.organization))
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


def _is_secretary_above(member: Member, organization: Organization) -> bool:
    # The 书记 of a committee above may give a 党课 in an organisation below it (rule C8: it counts for the
    # committee whose 书记 they are).
    return member.user_id is not None and (
        Role.objects.filter(
            user_id=member.user_id, kind=RoleKind.SECRETARY, organization_id__in=organization.ancestor_ids
        ).exists()
    )


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


def claim_version(meeting: Meeting, version: int, **changes: Any) -> None:
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


def compliance_changed(meeting: Meeting, *years: int) -> None:
    """Announce the change for the years the meeting was (and is) in (`portal.hooks.meetings_changed`): reviews
    re-judges the organisation's compliance and its members' M1 flags after commit."""
    organization_id = meeting.organization_id
    years = sorted({*years, meeting.held_on.year})  # type: ignore[assignment]  # rebinds *years as the sorted list
    for receiver in hooks.meetings_changed.receivers():
        receiver(organization_id=organization_id, years=years)


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
    return apply_changes(
        meeting=meeting, version=version, counts_as=counts_as, plan_items=plan_items, group=group, **fields
    )


def apply_changes(
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
    claim_version(meeting, version, **changes)
    _set_counted_kinds(meeting, counts_as)
    if plan_items is not None:
        meeting.plan_items.set(items)
    compliance_changed(meeting, old_year)
    return meeting


@transaction.atomic
def meeting_delete(*, meeting: Meeting, version: int) -> None:
    """Delete a meeting that was scheduled or entered by mistake; a filed meeting stays (amend it instead)."""
    if meeting.is_filed:
        raise ValidationError(_("已归档的活动不能删除。"))
    claim_version(meeting, version)
    compliance_changed(meeting)
    meeting.delete()


@dataclass(frozen=True)
class AttendanceEntry:
    status: str
    leave_reason: str = ""


def expected_attendees_q(meeting: Meeting) -> Q:
    """Who is expected: the group's or the branch's members on the day held (leading cadres included: 双重组织
    生活), from the membership history — a member who left after the meeting is listed, one who joined after it
    is not, however late the attendance is entered. A committee's meeting expects the members organised
    directly in it, if any; its leadership team's meetings (民主生活会, 理论学习中心组学习) also the leading cadres
    who sit on its team."""
    q = members_on_q(organization_id=meeting.organization_id, on=meeting.held_on)
    if meeting.kind in TEAM_KINDS and meeting.group_id is None:
        return q | Q(leadership_team_id=meeting.organization_id, status=MemberStatus.ACTIVE)
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
        claim_version(meeting, version, status=MeetingStatus.HELD, recorded_at=now)
        write_attendance(meeting=meeting, entries=entries, today=today or timezone.localdate())
        compliance_changed(meeting)
    return meeting


def write_attendance(*, meeting: Meeting, entries: Mapping[int, AttendanceEntry], today: datetime.date) -> None:
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
    claim_version(meeting, version, status=MeetingStatus.HELD, recorded_at=now, minutes=minutes.strip())
    write_attendance(meeting=meeting, entries=entries, today=today or timezone.localdate())
    compliance_changed(meeting)
    return meeting
