"""Reads for the meeting pages (schedule, edit, record, file, amend, detail), each in a fixed number of queries
whatever the number of attendees, attachments or versions. Scope comes from the access module
(`Meeting.objects.visible_to`)."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, StringAgg, Subquery, Value, When
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.meetings.services import MEETING_FIELDS, expected_attendees_q
from activities.models import (
    STUDY_KINDS,
    Attendance,
    AttendanceStatus,
    CountedKind,
    LeaveRequest,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingStatus,
    MeetingVersion,
    ThemeDayPart,
)
from branches.models import Member, MemberStatus, Organization, PartyGroup, RoleKind, User
from study.models import StudyForm, StudyPlanItem

# Without an earlier meeting to copy from, a new meeting starts at 14:30 and lasts two hours.
DEFAULT_START = datetime.time(14, 30)
DEFAULT_DURATION = datetime.timedelta(hours=2)
HELD_START_STEP_MINUTES = 15
HASH_PREFIX_LENGTH = 12
PERSON_FIELDS = ("host", "recorder", "lecturer")
# How a plan item names the kind of meeting it is for (plan topics are written in Chinese, whatever the page's
# language), and the study forms each kind is held in: they pick the month's item for a new meeting.
KIND_KEYWORDS: dict[str, str] = {
    MeetingKind.THEME_DAY: "主题党日",
    MeetingKind.PARTY_LECTURE: "党课",
    MeetingKind.GENERAL_MEETING: "党员大会",
    MeetingKind.GROUP_MEETING: "党小组",
    MeetingKind.THEMATIC_DISCUSSION: "专题研讨",
    MeetingKind.WARNING_EDUCATION: "警示教育",
    MeetingKind.COLLECTIVE_STUDY: "集中学习",
}
KIND_STUDY_FORMS: dict[str, tuple[str, ...]] = {
    MeetingKind.THEME_DAY: (StudyForm.COLLECTIVE,),
    MeetingKind.PARTY_LECTURE: (StudyForm.LECTURE,),
    MeetingKind.GENERAL_MEETING: (StudyForm.DISCUSSION,),
    MeetingKind.THEMATIC_DISCUSSION: (StudyForm.DISCUSSION,),
    MeetingKind.GROUP_MEETING: (StudyForm.COLLECTIVE, StudyForm.DISCUSSION),
    MeetingKind.COLLECTIVE_STUDY: (StudyForm.COLLECTIVE,),
    MeetingKind.WARNING_EDUCATION: (StudyForm.COLLECTIVE,),
}


# One meeting -------------------------------------------------------------------------------------------------


def meeting_get(*, user: User, pk: int, for_form: bool = False) -> Meeting:
    """A meeting in the user's scope, with its organisation and group; DoesNotExist outside the scope.
    `for_form` also fetches what it counts as and its plan items (the edit and amend forms show them)."""
    meetings = Meeting.objects.visible_to(user).select_related("organization", "group")
    if for_form:
        meetings = meetings.prefetch_related("counted_kinds", "plan_items")
    return meetings.get(pk=pk)  # type: ignore[no-any-return]  # MeetingQuerySet is not generic


def meeting_created_with(*, user: User, creation_key: uuid.UUID | None) -> Meeting | None:
    """The meeting an earlier submission of the same form created (double submit), if the user may see it."""
    if creation_key is None:
        return None
    return Meeting.objects.visible_to(user).filter(creation_key=creation_key).first()


# Detail ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceSummary:
    """出席 x / 应到 y, with 请假 and 缺席. `recorded` is False while nobody has recorded attendance yet."""

    expected: int
    present: int
    leave: int
    absent: int
    signed_in: int
    recorded: bool

    @property
    def rate(self) -> int | None:
        """Attendance rate in whole percent (None when nobody is expected)."""
        return round(self.present * 100 / self.expected) if self.expected else None


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionEntry:
    """A filed version; for an amendment, what it changed against the version before it."""

    version: MeetingVersion
    changes: list[FieldChange]


@dataclass
class MeetingDetail:
    meeting: Meeting
    also_counts_as: list[str]
    present: list[Attendance]
    on_leave: list[Attendance]
    absent: list[Attendance]
    summary: AttendanceSummary
    plan_items: list[StudyPlanItem]
    attachments: list[MeetingAttachment]
    versions: list[VersionEntry] = field(default_factory=list)

    @property
    def theme_day_parts(self) -> list[str]:
        return [str(ThemeDayPart(part).label) for part in self.meeting.theme_day_parts if part in ThemeDayPart.values]

    @property
    def content_hash_short(self) -> str:
        """The first characters of the latest filed version's content hash ("" before filing)."""
        return self.versions[-1].version.content_hash[:HASH_PREFIX_LENGTH] if self.versions else ""


MEETING_MEMBER_FIELDS = ("host", "recorder", "lecturer")
MEETING_USER_FIELDS = ("created_by", "filed_by")


def _attach_people(meeting: Meeting) -> None:
    """Read the meeting's host, recorder and lecturer (one query) and who registered and filed it (one query),
    and set them on the meeting as select_related would."""
    member_ids = {getattr(meeting, f"{name}_id") for name in MEETING_MEMBER_FIELDS} - {None}
    user_ids = {getattr(meeting, f"{name}_id") for name in MEETING_USER_FIELDS} - {None}
    members = Member.objects.in_bulk(member_ids) if member_ids else {}
    users = User.objects.in_bulk(user_ids) if user_ids else {}
    for name in MEETING_MEMBER_FIELDS:
        setattr(meeting, name, members.get(getattr(meeting, f"{name}_id")))
    for name in MEETING_USER_FIELDS:
        setattr(meeting, name, users.get(getattr(meeting, f"{name}_id")))


def meeting_detail_get(*, user: User, pk: int) -> MeetingDetail:
    """Everything the detail page shows: 7 queries whatever the number of attendees, attachments and versions
    (the meeting with its organisation, group and the kinds it counts as; its members and its users; attendance
    with members; plan items; attachments; and the versions of a filed meeting, or the expected attendees of one
    not recorded yet)."""
    counted = (
        CountedKind.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(kinds=StringAgg("kind", Value(",")))
        .values("kinds")
    )
    # The people are read apart (`_attach_people`): one join of the meeting with its eight related rows took
    # PostgreSQL 18–36 ms to plan on a district's database, three small queries take well under 2 ms.
    meeting = (
        Meeting.objects.visible_to(user)
        .select_related("organization", "group")
        .annotate(counted_kinds_joined=Subquery(counted))
        .prefetch_related(
            Prefetch(
                "attendances", queryset=Attendance.objects.select_related("member").order_by("member__name", "pk")
            ),
            Prefetch(
                "plan_items",
                queryset=StudyPlanItem.objects.select_related("plan").order_by("plan__year", "month", "pk"),
            ),
            Prefetch("attachments", queryset=MeetingAttachment.objects.order_by("uploaded_at", "pk")),
        )
        .get(pk=pk)
    )
    _attach_people(meeting)
    attendances = list(meeting.attendances.all())
    by_status: dict[str, list[Attendance]] = {status: [] for status in AttendanceStatus.values}
    for row in attendances:
        by_status[row.status].append(row)
    recorded = meeting.recorded_at is not None
    versions: list[VersionEntry] = []
    if recorded:
        expected = len(attendances)
    else:
        # Not recorded yet: everyone expected (and anyone who already signed in by QR).
        listed = [row.member_id for row in attendances]
        expected = Member.objects.filter(expected_attendees_q(meeting) | Q(pk__in=listed)).count()
    if meeting.is_filed:
        stored = list(meeting.versions.select_related("created_by").order_by("number"))
        versions = _version_entries(meeting, stored, attendances)
    summary = AttendanceSummary(
        expected=expected,
        present=len(by_status[AttendanceStatus.PRESENT]),
        leave=len(by_status[AttendanceStatus.LEAVE]),
        absent=len(by_status[AttendanceStatus.ABSENT]),
        signed_in=sum(1 for row in attendances if row.signed_in_at is not None),
        recorded=recorded,
    )
    return MeetingDetail(
        meeting=meeting,
        also_counts_as=[
            MeetingKind(kind).label  # type: ignore[misc]  # a lazy label, shown in a template
            for kind in MeetingKind.values
            if kind in (meeting.counted_kinds_joined or "").split(",") and kind != meeting.kind
        ],
        present=by_status[AttendanceStatus.PRESENT],
        on_leave=by_status[AttendanceStatus.LEAVE],
        absent=by_status[AttendanceStatus.ABSENT],
        summary=summary,
        plan_items=list(meeting.plan_items.all()),
        attachments=list(meeting.attachments.all()),
        versions=versions,
    )


def _version_entries(
    meeting: Meeting, stored: list[MeetingVersion], attendances: list[Attendance]
) -> list[VersionEntry]:
    names = {row.member_id: row.member.name for row in attendances}
    for name in PERSON_FIELDS:
        person = getattr(meeting, name)
        if person is not None:
            names[person.pk] = person.name
    items = {
        str(item.key): _("%(month)d月 %(topic)s") % {"month": item.month, "topic": item.topic}
        for item in meeting.plan_items.all()
    }
    groups = {meeting.group_id: meeting.group.name} if meeting.group_id else {}  # type: ignore[union-attr]  # group_id set: group is not None
    entries = []
    previous: Mapping[str, Any] | None = None
    for version in stored:
        changes = _changes(previous, version.content, names=names, items=items, groups=groups) if previous else []
        entries.append(VersionEntry(version=version, changes=changes))
        previous = version.content
    return entries


def _changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    names: Mapping[int, str],
    items: Mapping[str, str],
    groups: Mapping[int, str],
) -> list[FieldChange]:
    """What an amendment changed: fields (old → new), counted kinds, plan items, each member's attendance and
    the number of attachments, from the two stored snapshots."""
    changes: list[FieldChange] = []
    old_fields, new_fields = before.get("fields", {}), after.get("fields", {})
    for name in (*MEETING_FIELDS, "group"):
        old, new = old_fields.get(name), new_fields.get(name)
        if old != new:
            label = str(Meeting._meta.get_field(name).verbose_name)  # type: ignore[union-attr]  # concrete fields
            changes.append(
                FieldChange(label, _field_text(name, old, names, groups), _field_text(name, new, names, groups))
            )
    if before.get("counts_as") != after.get("counts_as"):
        changes.append(
            FieldChange(_("计入类型"), _kinds_text(before.get("counts_as")), _kinds_text(after.get("counts_as")))
        )
    if before.get("plan_items") != after.get("plan_items"):
        changes.append(
            FieldChange(
                _("对应学习计划"),
                _items_text(before.get("plan_items"), items),
                _items_text(after.get("plan_items"), items),
            )
        )
    old_rows = {row[0]: row for row in before.get("attendance", [])}
    new_rows = {row[0]: row for row in after.get("attendance", [])}
    for member_id in sorted(set(old_rows) | set(new_rows), key=lambda pk: (names.get(pk, ""), pk)):
        old_row, new_row = old_rows.get(member_id), new_rows.get(member_id)
        if old_row is None or new_row is None or old_row[1:3] != new_row[1:3]:
            name = names.get(member_id) or _("党员#%(id)d") % {"id": member_id}
            changes.append(
                FieldChange(_("出勤：%(name)s") % {"name": name}, _attendance_text(old_row), _attendance_text(new_row))
            )
    old_files, new_files = before.get("attachments", []), after.get("attachments", [])
    if old_files != new_files:
        changes.append(
            FieldChange(
                _("附件"),
                _("%(n)d个") % {"n": len(old_files)},
                _("%(n)d个") % {"n": len(new_files)},
            )
        )
    return changes


def _field_text(name: str, value: Any, names: Mapping[int, str], groups: Mapping[int, str]) -> str:
    if value in (None, "", []):
        return _("（空）")
    if name in PERSON_FIELDS:
        return names.get(value) or _("党员#%(id)d") % {"id": value}
    if name == "group":
        return groups.get(value) or _("党小组#%(id)d") % {"id": value}
    if name == "kind":
        return str(MeetingKind(value).label) if value in MeetingKind.values else str(value)
    if name in ("starts_at", "ends_at"):
        try:
            return timezone.localtime(datetime.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            return str(value)
    if name == "theme_day_parts":
        return "、".join(str(ThemeDayPart(part).label) for part in value if part in ThemeDayPart.values)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _kinds_text(kinds: Iterable[str] | None) -> str:
    labels = [str(MeetingKind(kind).label) for kind in kinds or () if kind in MeetingKind.values]
    return "、".join(labels) or _("（空）")


def _items_text(keys: Iterable[str] | None, items: Mapping[str, str]) -> str:
    keys = list(keys or ())
    if not keys:
        return _("（空）")
    known = [items[key] for key in keys if key in items]
    unknown = len(keys) - len(known)
    if unknown:
        known.append(_("另有%(n)d项已不再关联") % {"n": unknown})
    return "；".join(known)


def _attendance_text(row: list | None) -> str:
    if row is None:
        return _("（不在名单中）")
    status = str(AttendanceStatus(row[1]).label) if row[1] in AttendanceStatus.values else str(row[1])
    return f"{status}（{row[2]}）" if row[2] else status


# Recording attendance ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One line of the attendance form: the member, the status to show (saved, else 出席) and the QR sign-in."""

    member_id: int
    name: str
    status: str
    leave_reason: str
    signed_in_at: datetime.datetime | None
    is_expected: bool
    leave_requested: str = ""  # the reason of the member's 请假申请, if any


def meeting_roster(*, meeting: Meeting) -> list[RosterRow]:
    """Everyone expected at the meeting and anyone already on its list, by name. Three queries whatever the size.

    Members who signed in by QR are shown as such; a member who asked leave beforehand (请假申请) and has no
    saved status is 请假 with the request's reason; everybody else without a saved status is 出席 (present by
    default, the secretary ticks the exceptions)."""
    listed = {row.member_id: row for row in Attendance.objects.filter(meeting=meeting)}
    requested = dict(LeaveRequest.objects.filter(meeting=meeting).values_list("member_id", "reason"))
    expected_q = expected_attendees_q(meeting)
    members = (
        Member.objects.filter(expected_q | Q(pk__in=list(listed)))
        .annotate(expected=Q(expected_q))
        .order_by("name", "pk")
        .values_list("pk", "name", "expected")
    )
    rows = []
    for pk, name, expected in members:
        saved = listed.get(pk)
        request = requested.get(pk, "")
        if saved is not None:
            status, reason = saved.status, saved.leave_reason
        elif request:
            status, reason = AttendanceStatus.LEAVE, request
        else:
            status, reason = AttendanceStatus.PRESENT, ""
        rows.append(
            RosterRow(
                member_id=pk,
                name=name,
                status=status,
                leave_reason=reason,
                signed_in_at=saved.signed_in_at if saved else None,
                is_expected=bool(expected),
                leave_requested=request,
            )
        )
    return rows


# Schedule and edit forms -------------------------------------------------------------------------------------


@dataclass
class MeetingFormOptions:
    """The choices of the schedule/edit form, each fetched once."""

    people: list[Member]
    secretary_member_ids: set[int]
    groups: list[PartyGroup]
    plan_items: list[StudyPlanItem]


def meeting_form_options(
    *,
    organization: Organization,
    year: int,
    month: int,
    keep_member_ids: Iterable[int | None] = (),
    keep_item_ids: Iterable[int] = (),
    keep_group_id: int | None = None,
) -> MeetingFormOptions:
    """Who may host, record or lecture (the organisation's active members, the members of its subtree who
    hold a role in it: a committee's 书记 is organised in a branch below, and the 书记 of the committees above),
    which of them is the organisation's 书记, its 党小组, and the items of its current study plan for `year`,
    nearest to `month` first; a dissolved 党小组 is no longer offered. `keep_*` keeps a meeting's present choices
    listed (a host who has since left, a group since dissolved).
    Four queries."""
    keep_members = [pk for pk in keep_member_ids if pk]
    keep_groups = [keep_group_id] if keep_group_id else []
    people = list(
        Member.objects.filter(
            Q(organization=organization, status=MemberStatus.ACTIVE)
            | Q(user__roles__organization=organization, organization__path__startswith=organization.path)
            # The 书记 of a committee above, who may give a 党课 here (it counts for that committee's C8).
            | Q(user__roles__organization_id__in=organization.ancestor_ids, user__roles__kind=RoleKind.SECRETARY)
            | Q(pk__in=keep_members)
        )
        .select_related("organization")
        .distinct()
        .order_by("name", "pk")
    )
    secretaries = set(
        Member.objects.filter(user__roles__organization=organization, user__roles__kind=RoleKind.SECRETARY).values_list(
            "pk", flat=True
        )
    )
    groups = (
        list(
            PartyGroup.objects.filter(organization=organization)
            .filter(Q(pk__in=keep_groups) | Q(pk__in=PartyGroup.objects.standing()))
            .order_by("name")
        )
        if organization.is_branch
        else []
    )
    plan_items = list(
        StudyPlanItem.objects.filter(
            Q(plan__organization=organization, plan__year=year, plan__is_current=True, plan__is_template=False)
            | Q(pk__in=list(keep_item_ids))
        )
        .select_related("plan")
        .order_by(Abs(F("plan__year") - year), Abs(F("month") - month), "month", "pk")
    )
    return MeetingFormOptions(people=people, secretary_member_ids=secretaries, groups=groups, plan_items=plan_items)


def meeting_initial(
    *,
    organization: Organization,
    group: PartyGroup | None,
    on: datetime.date,
    options: MeetingFormOptions,
    kind: str = "",
    held: bool = False,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """What the schedule form starts with (DESIGN.md §4, nobody types a known fact twice): the plan's topic for
    the month and the kind (and that item ticked), the last meeting's host, recorder, place, time of day and
    length (the last of the same kind first), and for a 主题党日 the contents of the last one (else 学习).

    `held` (opened from the to-do for a period under way, the meeting most likely just took place): on today,
    the start is moved before `now` so that the meeting is entered as held. One query."""
    last = (
        Meeting.objects.filter(organization=organization, group=group)
        .annotate(same_kind=Case(When(kind=kind, then=Value(0)), default=Value(1)))
        .order_by("same_kind", "-starts_at", "-pk")
        .values("kind", "host_id", "recorder_id", "location", "starts_at", "ends_at", "theme_day_parts")
        .first()
    )
    people = {person.pk for person in options.people}
    start_time, duration = DEFAULT_START, DEFAULT_DURATION
    initial: dict[str, Any] = {}
    if last is not None:
        start_time = timezone.localtime(last["starts_at"]).time().replace(second=0, microsecond=0)
        duration = last["ends_at"] - last["starts_at"]
        initial["location"] = last["location"]
        for name in ("host", "recorder"):
            if last[f"{name}_id"] in people:  # type: ignore[literal-required]  # name is one of the TypedDict keys
                initial[name] = last[f"{name}_id"]  # type: ignore[literal-required]  # name is one of the TypedDict keys
    starts_at = timezone.make_aware(datetime.datetime.combine(on, start_time))
    now = now or timezone.now()
    if held and on == timezone.localdate(now) and starts_at > now:
        starts_at = _held_start(now, duration)
    initial["starts_at"] = starts_at
    initial["ends_at"] = starts_at + duration
    item = plan_item_for_month(options.plan_items, year=on.year, month=on.month, kind=kind)
    if item is not None:
        initial["topic"] = item.topic
        initial["plan_items"] = [item.pk]
    if kind == MeetingKind.THEME_DAY:
        parts = last["theme_day_parts"] if last is not None and last["kind"] == kind else []
        initial["theme_day_parts"] = [part for part in parts if part in ThemeDayPart.values] or [ThemeDayPart.STUDY]
    return initial


def _held_start(now: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
    """A start that lets a meeting of `duration` have ended by `now`, on the quarter hour, not before midnight."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    start = local - duration
    start -= datetime.timedelta(minutes=start.minute % HELD_START_STEP_MINUTES)
    return max(start, local.replace(hour=0, minute=0))


def plan_suggestions(items: Iterable[StudyPlanItem], kinds: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """For the schedule form's script: each month's ("YYYY-MM") suggested topic and plan item, and under
    "kinds" the suggestion for each meeting kind where it differs."""
    items = list(items)
    months = sorted({(item.plan.year, item.month) for item in items})
    suggestions = {}
    for year, month in months:
        item = plan_item_for_month(items, year=year, month=month)
        if item is not None:
            by_kind = {}
            for kind in kinds:
                match = plan_item_for_month(items, year=year, month=month, kind=kind)
                if match is not None and match.pk != item.pk:
                    by_kind[kind] = {"topic": match.topic, "item": match.pk}
            suggestions[f"{year}-{month:02d}"] = {"topic": item.topic, "item": item.pk, "kinds": by_kind}
    return suggestions


def plan_item_for_month(
    items: Iterable[StudyPlanItem], *, year: int, month: int, kind: str = ""
) -> StudyPlanItem | None:
    """The month's plan item a meeting (of `kind`, if given) most likely covers: one whose topic names the kind
    (“5月主题党日：…”), then one of the form the kind is held in (a 党课 item for a 党课), then collective forms
    before self-study."""
    keyword = KIND_KEYWORDS.get(kind)
    forms = KIND_STUDY_FORMS.get(kind, ())
    candidates = [item for item in items if item.plan.year == year and item.month == month]
    candidates.sort(
        key=lambda item: (
            not (keyword and keyword in item.topic),
            item.form not in forms,
            item.form == StudyForm.SELF_STUDY,
            item.pk,
        )
    )
    return candidates[0] if candidates else None


def meeting_study_hours(*, member_ids: Iterable[int], year: int) -> dict[int, Decimal]:
    """Hours of collective study each member attended in the year, by member id (receiver of
    `portal.hooks.meeting_study_hours`): held or filed meetings with study content, counted by the day they were
    held, their length; each meeting once per member. One query."""
    study_meeting = CountedKind.objects.filter(meeting=OuterRef("meeting_id"), kind__in=STUDY_KINDS)
    seconds: dict[int, float] = defaultdict(float)
    for member_id, starts, ends in Attendance.objects.filter(
        Exists(study_meeting),
        member_id__in=list(member_ids),
        status=AttendanceStatus.PRESENT,
        meeting__held_on__year=year,
        meeting__status__in=(MeetingStatus.HELD, MeetingStatus.FILED),
    ).values_list("member_id", "meeting__starts_at", "meeting__ends_at"):
        seconds[member_id] += (ends - starts).total_seconds()
    return {
        member_id: (Decimal(value) / Decimal(3600)).quantize(Decimal("0.1")) for member_id, value in seconds.items()
    }
