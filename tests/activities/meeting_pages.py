"""Helpers shared by the meeting page tests (test_meeting_pages.py, test_meeting_record_pages.py)."""

import datetime
import uuid

from django.urls import reverse
from django.utils import timezone

from activities.models import (
    AttendanceStatus,
    Meeting,
    MeetingAttachment,
    MeetingKind,
)
from branches.models import Member, Membership
from tests.activities.conftest import in_days
from tests.factories import new_id_number


def url(name: str, pk: int) -> str:
    return reverse(f"activities:{name}", args=[pk])


def text(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def as_input(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def schedule_data(**overrides) -> dict:
    starts = overrides.pop("starts", in_days(7))
    data = {
        "kind": MeetingKind.THEME_DAY,
        "topic": "重温入党誓词",
        "starts_at": as_input(starts),
        "ends_at": as_input(starts + datetime.timedelta(hours=2)),
        "location": "党员活动室",
        "creation_key": str(uuid.uuid4()),
        "theme_day_parts": ["study", "volunteer"],
        "observers": "区委组织部 张干事",
        "agenda": "一、学习\n二、志愿服务",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_data(meeting: Meeting, **overrides) -> dict:
    data = {
        "kind": meeting.kind,
        "topic": meeting.topic,
        "starts_at": as_input(meeting.starts_at),
        "ends_at": as_input(meeting.ends_at),
        "location": meeting.location,
        "theme_day_parts": meeting.theme_day_parts,
        "version": meeting.version,
        "minutes": meeting.minutes,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def record_data(meeting: Meeting, members, *, changes=None, minutes="", version=None) -> dict:
    """Everyone present unless `changes` says {member: (status, reason)}."""
    changes = changes or {}
    data = {"version": meeting.version if version is None else version, "minutes": minutes}
    for member in members:
        status, reason = changes.get(member, (AttendanceStatus.PRESENT, ""))
        data[f"status_{member.pk}"] = status
        data[f"reason_{member.pk}"] = reason
    return data


def amend_data(meeting: Meeting, members, *, reason="", changes=None, **overrides) -> dict:
    data = edit_data(meeting, **overrides)
    data.update(record_data(meeting, members, changes=changes, minutes=data.get("minutes", "")))
    data["reason"] = reason
    return data


def bulk_members(branch, count: int) -> list[Member]:
    members = []
    for j in range(count):
        member = Member(organization=branch, name=f"批量党员{j:03d}", gender="male", joined_on="2010-07-01")
        member.set_id_number(new_id_number())
        members.append(member)
    created = Member.objects.bulk_create(members)
    # Every way into the roster opens a membership record (组织关系): meetings expect members by it.
    Membership.objects.bulk_create(Membership(member=m, organization=branch, started_on="2010-07-01") for m in created)
    return created


def add_attachments(meeting: Meeting, count: int, by) -> None:
    for n in range(count):
        MeetingAttachment.objects.create(
            meeting=meeting,
            file=f"meetings/test-{meeting.pk}-{n}",
            thumbnail=f"meetings/test-{meeting.pk}-{n}-thumb",
            original_name=f"照片{n}.jpg",
            content_type="image/jpeg",
            size=1000 + n,
            sha256=f"{n:064x}",
            uploaded_by=by,
        )
