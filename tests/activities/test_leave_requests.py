"""请假申请 (issue 13 item 14): a member asks leave before a meeting with a reason, may withdraw it until the
meeting starts, and the secretary finds the member pre-marked as 请假 with that reason on the attendance page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.leave import services as leave_services
from activities.meetings import selectors, services
from activities.models import AttendanceStatus, LeaveRequest, Meeting, MeetingKind
from tests.activities.conftest import in_days
from tests.activities.meeting_pages import flashed, text
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "出差参加区里的培训"


def url(name: str, pk: int) -> str:
    return reverse(f"activities:{name}", args=[pk])


@pytest.fixture
def theme_day(branch, secretary, branch_members):
    starts = in_days(5)
    return services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="重温入党誓词",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )


@pytest.fixture
def other_meeting(other_branch, other_branch_secretary):
    MemberFactory(organization=other_branch, name="外支部党员")
    starts = in_days(5)
    return services.meeting_create(
        organization=other_branch,
        created_by=other_branch_secretary,
        kind=MeetingKind.THEME_DAY,
        topic="外支部主题党日",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )


def start_now(meeting: Meeting) -> None:
    starts = timezone.now() - datetime.timedelta(minutes=5)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    meeting.refresh_from_db()


# Services ----------------------------------------------------------------------------------------------------


def test_it_stores_one_request_per_member_and_updates_the_reason(theme_day, member_user):
    member = member_user.member
    leave_services.leave_request_submit(meeting=theme_day, member=member, reason="  家中有事 ")
    leave_services.leave_request_submit(meeting=theme_day, member=member, reason=REASON)
    request = LeaveRequest.objects.get()
    assert (request.member, request.reason) == (member, REASON)


@pytest.mark.parametrize("reason", ["", "   ", "长" * 201])
def test_it_refuses_a_missing_or_too_long_reason(theme_day, member_user, reason):
    with pytest.raises(ValidationError):
        leave_services.leave_request_submit(meeting=theme_day, member=member_user.member, reason=reason)
    assert not LeaveRequest.objects.exists()


def test_it_refuses_a_member_who_is_not_expected(branch, secretary, branch_members):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    starts = in_days(3)
    meeting = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.GROUP_MEETING,
        group=group,
        topic="小组学习",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError, match="不在这次活动的应到人员中"):
        leave_services.leave_request_submit(meeting=meeting, member=branch_members[1], reason=REASON)


def test_nothing_is_asked_or_withdrawn_once_the_meeting_has_started(theme_day, member_user):
    member = member_user.member
    leave_services.leave_request_submit(meeting=theme_day, member=member, reason=REASON)
    start_now(theme_day)
    with pytest.raises(ValidationError, match="活动已经开始"):
        leave_services.leave_request_submit(meeting=theme_day, member=member, reason="改个理由")
    with pytest.raises(ValidationError, match="活动已经开始"):
        leave_services.leave_request_withdraw(meeting=theme_day, member=member)
    assert LeaveRequest.objects.get().reason == REASON


def test_the_roster_pre_marks_the_request_as_leave_until_attendance_is_saved(theme_day, secretary, member_user):
    member = member_user.member
    leave_services.leave_request_submit(meeting=theme_day, member=member, reason=REASON)
    rows = {row.member_id: row for row in selectors.meeting_roster(meeting=theme_day)}
    assert (rows[member.pk].status, rows[member.pk].leave_reason, rows[member.pk].leave_requested) == (
        AttendanceStatus.LEAVE,
        REASON,
        REASON,
    )
    assert rows[secretary.member.pk].status == AttendanceStatus.PRESENT
    # What the secretary saves wins (the member came after all).
    start_now(theme_day)
    services.attendance_record(meeting=theme_day, version=theme_day.version, entries={}, recorded_by=secretary)
    rows = {row.member_id: row for row in selectors.meeting_roster(meeting=theme_day)}
    assert rows[member.pk].status == AttendanceStatus.PRESENT and rows[member.pk].leave_requested == REASON


def test_the_roster_costs_three_queries_whatever_the_number_of_requests(
    theme_day, branch, django_assert_max_num_queries
):
    for index in range(10):
        member = MemberFactory(organization=branch, name=f"党员{index}")
        leave_services.leave_request_submit(meeting=theme_day, member=member, reason=REASON)
    with django_assert_max_num_queries(3):
        rows = selectors.meeting_roster(meeting=theme_day)
    assert sum(row.status == AttendanceStatus.LEAVE for row in rows) == 10


# Pages -------------------------------------------------------------------------------------------------------


def test_a_member_asks_leave_from_my_meetings_and_withdraws_it(client, member_user, theme_day):
    client.force_login(member_user)
    page = text(client.get(reverse("activities:my_meetings")))
    assert url("meeting_leave", theme_day.pk) in page and "请假申请" in page
    assert "请假申请" in text(client.get(theme_day.get_absolute_url()))

    response = client.post(url("meeting_leave", theme_day.pk), {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == reverse("activities:my_meetings")
    assert LeaveRequest.objects.get().reason == REASON
    page = text(client.get(reverse("activities:my_meetings")))
    assert "已申请请假" in page and REASON in page
    assert f"您已申请请假：{REASON}" in text(client.get(theme_day.get_absolute_url()))

    response = client.post(url("meeting_leave_withdraw", theme_day.pk))
    assert response.status_code == 302
    assert not LeaveRequest.objects.exists()
    assert "已撤回“重温入党誓词”的请假申请。" in flashed(client.get(response["Location"]))


def test_an_empty_reason_is_refused_with_a_message_and_nothing_stored(client, member_user, theme_day):
    client.force_login(member_user)
    response = client.post(url("meeting_leave", theme_day.pk), {"reason": " "})
    assert response.status_code == 200 and "请填写请假事由。" in text(response)
    assert not LeaveRequest.objects.exists()


def test_after_the_start_the_page_says_so_and_a_post_changes_nothing(client, member_user, theme_day):
    client.force_login(member_user)
    client.post(url("meeting_leave", theme_day.pk), {"reason": REASON})
    start_now(theme_day)
    page = text(client.get(url("meeting_leave", theme_day.pk)))
    assert "活动已经开始，不能再申请请假或撤回" in page and "撤回请假申请" not in page
    assert "请假申请" not in text(client.get(theme_day.get_absolute_url())).split("</h1>", 1)[1].split("基本情况")[0]
    response = client.post(url("meeting_leave", theme_day.pk), {"reason": "新理由"})
    assert response.status_code == 200 and "活动已经开始" in text(response)
    client.post(url("meeting_leave_withdraw", theme_day.pk))
    assert LeaveRequest.objects.get().reason == REASON


def test_the_secretary_sees_the_request_pre_marked_on_the_attendance_page(client, secretary, member_user, theme_day):
    leave_services.leave_request_submit(meeting=theme_day, member=member_user.member, reason=REASON)
    start_now(theme_day)
    client.force_login(secretary)
    page = text(client.get(url("meeting_record", theme_day.pk)))
    member_id = member_user.member.pk
    assert "已申请请假" in page
    leave_radio = f'id="id_status_{member_id}_leave" value="leave" autocomplete="off" checked'
    assert leave_radio in page
    assert f'value="{REASON}"' in page


def test_a_member_without_a_member_record_or_not_expected_gets_404(client, branch, secretary, branch_members):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    starts = in_days(3)
    meeting = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.GROUP_MEETING,
        group=group,
        topic="小组学习",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    client.force_login(branch_members[1].user)
    assert client.get(url("meeting_leave", meeting.pk)).status_code == 404
    client.force_login(UserFactory(username="no_member"))
    assert client.get(url("meeting_leave", meeting.pk)).status_code == 404


@pytest.mark.parametrize("name", ["meeting_leave", "meeting_leave_withdraw"])
def test_another_branch_s_meeting_is_404_for_get_and_post(client, member_user, theme_day, other_meeting, name):
    client.force_login(member_user)
    if name == "meeting_leave":
        assert client.get(url(name, other_meeting.pk)).status_code == 404
    assert client.post(url(name, other_meeting.pk), {"reason": REASON}).status_code == 404
    # A foreign id in the body changes nothing either: the meeting comes from the path only.
    client.post(url(name, theme_day.pk), {"reason": REASON, "meeting": other_meeting.pk, "member": 1})
    assert not LeaveRequest.objects.filter(meeting=other_meeting).exists()


def test_my_meetings_has_a_query_budget_whatever_the_number_of_requests(
    client, member_user, branch, secretary, branch_members, django_assert_max_num_queries
):
    def schedule(count: int) -> None:
        for index in range(count):
            starts = in_days(3 + index)
            meeting = services.meeting_create(
                organization=branch,
                created_by=secretary,
                kind=MeetingKind.THEME_DAY,
                topic=f"主题党日{index}",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
            )
            leave_services.leave_request_submit(meeting=meeting, member=member_user.member, reason=REASON)

    client.force_login(member_user)
    schedule(1)
    client.get(reverse("activities:my_meetings"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("activities:my_meetings"))
    schedule(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = text(client.get(reverse("activities:my_meetings")))
    assert page.count("已申请请假") == 6


def test_the_secretary_sees_the_requests_on_the_meeting_page_until_attendance_is_recorded(
    client, secretary, member_user, theme_day
):
    leave_services.leave_request_submit(meeting=theme_day, member=member_user.member, reason=REASON)
    client.force_login(secretary)
    page = text(client.get(theme_day.get_absolute_url()))
    assert "data-leave-requests" in page and f"李党员：{REASON}" in page
    client.force_login(member_user)  # the list is the secretary's
    assert "data-leave-requests" not in text(client.get(theme_day.get_absolute_url()))
    client.force_login(secretary)
    start_now(theme_day)
    services.attendance_record(meeting=theme_day, version=theme_day.version, entries={}, recorded_by=secretary)
    assert "data-leave-requests" not in text(client.get(theme_day.get_absolute_url()))
