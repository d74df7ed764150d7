"""Organisational life in the Django admin: scoped lists, filed meetings read-only, talk summaries kept private."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Commitment, HeartTalk, Meeting, MeetingStatus, PioneerPost, PioneerPostKind
from branches.models import RoleKind
from tests.activities.test_meeting_reminders import held
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

PERMISSIONS = [
    "view_meeting",
    "change_meeting",
    "delete_meeting",
    "add_meeting",
    "view_hearttalk",
    "change_hearttalk",
    "view_commitment",
    "view_pioneerpost",
]


def staff(user_or_none, organization, kind=RoleKind.ADMINISTRATOR, username="district_admin"):
    user = user_or_none or UserFactory(username=username)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    if kind:
        give_role(user, organization, kind)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="activities", codename__in=PERMISSIONS)
    )
    enrol_totp(user)
    return user


@pytest.fixture
def district_admin(district):
    return staff(None, district)


@pytest.fixture
def other_meeting(other_branch, other_branch_secretary):
    MemberFactory(organization=other_branch, name="西城党员")
    return held(other_branch, other_branch_secretary, days_ago=3, topic="西城的党课")


def change_url(meeting):
    return reverse("admin:activities_meeting_change", args=[meeting.pk])


def post_data(meeting, **changes):
    data = {
        "topic": meeting.topic,
        "location": meeting.location,
        "agenda": meeting.agenda,
        "minutes": meeting.minutes,
        "observers": meeting.observers,
        "version": meeting.version,
    }
    for prefix in ("attendances", "attachments", "versions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def test_the_meeting_list_shows_the_administrators_subtree_only(
    client, district_admin, filed_meeting, other_meeting, django_assert_max_num_queries
):
    client.force_login(district_admin)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:activities_meeting_changelist"))

    assert [m.topic for m in response.context["cl"].result_list] == [filed_meeting.topic]
    assert client.get(change_url(other_meeting)).status_code == 404  # outside the scope: not found
    assert client.get(reverse("admin:activities_meeting_changelist") + "?q=西城").context["cl"].result_count == 0


def test_the_meeting_list_searches_topics(client, district_admin, filed_meeting, branch, secretary):
    held(branch, secretary, days_ago=4, topic="七一党课")
    client.force_login(district_admin)

    response = client.get(reverse("admin:activities_meeting_changelist") + "?q=七一")

    assert [m.topic for m in response.context["cl"].result_list] == ["七一党课"]


def test_a_filed_meeting_is_read_only_and_cannot_be_changed_by_a_post(client, district_admin, filed_meeting):
    client.force_login(district_admin)
    meeting = Meeting.objects.get(pk=filed_meeting.pk)

    page = client.get(change_url(meeting))
    posted = client.post(change_url(meeting), post_data(meeting, topic="悄悄改掉"))

    assert page.status_code == 200
    assert 'name="topic"' not in page.text and "学习党章 重温入党誓词" in page.text
    assert posted.status_code == 403
    meeting.refresh_from_db()
    assert (meeting.topic, meeting.version) == ("学习党章 重温入党誓词", filed_meeting.version)


def test_the_change_page_lists_attendance_and_versions_read_only(
    client, district_admin, filed_meeting, branch_members, django_assert_max_num_queries
):
    client.force_login(district_admin)

    with django_assert_max_num_queries(20):
        page = client.get(change_url(filed_meeting))

    version = filed_meeting.versions.get()
    assert version.content_hash in page.text
    assert all(member.name in page.text for member in branch_members)
    assert 'name="attendances-0-status"' not in page.text


def test_the_texts_of_a_meeting_not_filed_are_corrected_through_the_service(client, district_admin, held_meeting):
    client.force_login(district_admin)
    meeting = Meeting.objects.get(pk=held_meeting.pk)

    response = client.post(change_url(meeting), post_data(meeting, minutes="会议学习了党章第一章。"))

    assert response.status_code == 302
    changed = Meeting.objects.get(pk=meeting.pk)
    assert changed.minutes == "会议学习了党章第一章。"
    assert changed.version == meeting.version + 1
    assert changed.status == MeetingStatus.HELD


def test_a_stale_admin_form_is_refused_and_keeps_the_input(client, district_admin, held_meeting, secretary):
    client.force_login(district_admin)
    opened = Meeting.objects.get(pk=held_meeting.pk)
    Meeting.objects.filter(pk=opened.pk).update(version=opened.version + 1, location="别人改的地点")

    response = client.post(change_url(opened), post_data(opened, minutes="我的纪要"))

    assert response.status_code == 200
    assert "这条记录已被他人修改" in response.text and "我的纪要" in response.text
    assert Meeting.objects.get(pk=opened.pk).minutes == ""


def test_meetings_are_not_added_or_deleted_in_the_admin(client, district_admin, held_meeting):
    client.force_login(district_admin)

    assert client.get(reverse("admin:activities_meeting_add")).status_code == 403
    assert client.get(reverse("admin:activities_meeting_delete", args=[held_meeting.pk])).status_code == 403


def test_only_those_who_manage_the_branch_may_correct_a_meeting(client, branch, member_user, held_meeting):
    looker = staff(member_user, branch, kind=None)  # a member with admin rights but no role: sees own branch only
    client.force_login(looker)

    page = client.get(change_url(held_meeting))

    assert page.status_code == 200
    assert 'name="minutes"' not in page.text
    assert client.post(change_url(held_meeting), post_data(held_meeting, minutes="x")).status_code == 403


# Talks, commitments, pioneer posts -------------------------------------------------------------------------------


@pytest.fixture
def talk(branch, secretary, member_user):
    return HeartTalk.objects.create(
        organization=branch,
        initiator=secretary.member,
        counterpart=member_user.member,
        held_on=datetime.date(2026, 3, 2),
        summary="谈了工作中的困难和思想状况，机密内容",
        recorded_by=secretary,
    )


def test_the_talk_list_and_page_hide_the_summary_from_administrators(
    client, district_admin, talk, other_branch, other_branch_secretary
):
    outsider = MemberFactory(organization=other_branch, name="西城甲")
    HeartTalk.objects.create(
        organization=other_branch,
        initiator=outsider,
        counterpart=MemberFactory(organization=other_branch, name="西城乙"),
        held_on=datetime.date(2026, 3, 5),
        summary="西城的谈话",
    )
    client.force_login(district_admin)

    listing = client.get(reverse("admin:activities_hearttalk_changelist"))
    page = client.get(reverse("admin:activities_hearttalk_change", args=[talk.pk]))

    assert list(listing.context["cl"].result_list) == [talk]
    assert "机密内容" not in listing.text and "谈话要点" not in listing.text
    assert page.status_code == 200 and "机密内容" not in page.text
    assert client.post(reverse("admin:activities_hearttalk_change", args=[talk.pk]), {}).status_code == 403


def test_the_branch_secretary_reads_the_summary_on_the_talk_page(client, branch, secretary, talk):
    staff(secretary, branch, kind=None)  # already the branch's secretary
    client.force_login(secretary)

    page = client.get(reverse("admin:activities_hearttalk_change", args=[talk.pk]))
    listing = client.get(reverse("admin:activities_hearttalk_changelist"))

    assert "机密内容" in page.text
    assert "机密内容" not in listing.text


def test_commitments_and_pioneer_posts_are_scoped_and_view_only(client, district_admin, member_user, other_branch):
    outsider = MemberFactory(organization=other_branch, name="西城党员")
    Commitment.objects.create(member=member_user.member, year=2026, post="语文教师", pledge="上好每一节课")
    Commitment.objects.create(member=outsider, year=2026, post="会计", pledge="西城的承诺")
    PioneerPost.objects.create(
        member=member_user.member,
        kind=PioneerPostKind.PIONEER,
        title="党员先锋岗",
        started_on=datetime.date(2026, 1, 1),
    )
    PioneerPost.objects.create(
        member=outsider, kind=PioneerPostKind.MODEL, title="西城示范岗", started_on=datetime.date(2026, 1, 1)
    )
    client.force_login(district_admin)

    commitments = client.get(reverse("admin:activities_commitment_changelist"))
    posts = client.get(reverse("admin:activities_pioneerpost_changelist"))

    assert [c.pledge for c in commitments.context["cl"].result_list] == ["上好每一节课"]
    assert [p.title for p in posts.context["cl"].result_list] == ["党员先锋岗"]
    assert client.get(reverse("admin:activities_commitment_add")).status_code == 403


def test_the_meeting_list_costs_the_same_queries_for_many_meetings(
    client, district_admin, branch, secretary, branch_members
):
    held(branch, secretary, days_ago=2)
    client.force_login(district_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:activities_meeting_changelist"))
    for day in range(3, 15):
        held(branch, secretary, days_ago=day, topic=f"第{day}次")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("admin:activities_meeting_changelist"))

    assert response.context["cl"].result_count == 13
    assert len(many.captured_queries) == len(few.captured_queries)
