"""Audit events the activities write: talk summaries read, meetings filed and amended."""

import pytest
from django.urls import reverse

from activities.models import AttendanceStatus
from activities.records import services as records_services
from activities.records.services import AttendanceEntry
from portal.audit.models import AuditAction, AuditEvent
from tests.activities.test_talks import record
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def talk(branch, secretary, member_user, branch_members):
    return record(branch, secretary.member, member_user.member, secretary, summary="谈工作打算。")


def test_it_logs_each_read_of_a_talk_summary(client, secretary, talk, branch):
    client.force_login(secretary)

    client.get(reverse("activities:talk_detail", args=[talk.pk]))
    client.get(reverse("activities:talk_list", args=[branch.pk]))

    detail, listing = events(AuditAction.TALK_SUMMARY_VIEWED)
    assert (detail.actor_id, detail.target_id, detail.organization_id) == (secretary.pk, str(talk.pk), branch.pk)
    assert listing.detail == {"talks": [talk.pk], "count": 1}


def test_it_logs_nothing_for_who_sees_only_that_a_talk_happened(client, branch, branch_members, talk):
    from tests.factories import UserFactory

    other = UserFactory(username="bystander")
    branch_members[2].user = other
    branch_members[2].save(update_fields=["user"])
    client.force_login(other)

    client.get(reverse("activities:talk_list", args=[branch.pk]))

    assert events(AuditAction.TALK_SUMMARY_VIEWED) == []


def test_it_logs_a_talk_summary_read_in_the_admin(client, secretary, talk):
    from django.contrib.auth.models import Permission

    secretary.is_staff = True
    secretary.save(update_fields=["is_staff"])
    secretary.user_permissions.add(Permission.objects.get(codename="view_hearttalk"))
    enrol_totp(secretary)  # staff must enrol two-factor login before working
    client.force_login(secretary)

    response = client.get(reverse("admin:activities_hearttalk_change", args=[talk.pk]))

    assert response.status_code == 200 and "谈工作打算" in response.text
    [event] = events(AuditAction.TALK_SUMMARY_VIEWED)
    assert event.target_id == str(talk.pk)


def test_it_logs_filing_and_amendments(filed_meeting, secretary, branch, branch_members):
    records_services.meeting_amend(
        meeting=filed_meeting,
        version=filed_meeting.version,
        amended_by=secretary,
        reason="漏记一名请假党员",
        entries={branch_members[3].pk: AttendanceEntry(AttendanceStatus.LEAVE, "病假")},
    )

    [filed] = events(AuditAction.MEETING_FILED)
    [amended] = events(AuditAction.MEETING_AMENDED)
    assert (filed.actor_id, filed.target_id, filed.organization_id) == (secretary.pk, str(filed_meeting.pk), branch.pk)
    assert amended.detail == {"reason": "漏记一名请假党员"}
