"""The secretary's meeting pages: scope and rights on every URL, schedule, edit and the detail page —
pre-filled forms, bad input with Chinese messages, query budgets. Recording, filing, amending and deleting:
test_meeting_record_pages.py."""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services
from activities.meetings.services import AttendanceEntry
from activities.models import (
    AttendanceStatus,
    CountedKind,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingStatus,
)
from activities.records import services as records_services
from branches.models import RoleKind
from tests.activities.meeting_pages import (
    add_attachments,
    as_input,
    bulk_members,
    edit_data,
    flashed,
    in_days,
    schedule_data,
    text,
    url,
)
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

DETAIL_BUDGET = 12
WRITE_URLS = ["meeting_edit", "meeting_record", "meeting_file", "meeting_amend", "meeting_delete"]
ALL_MEETING_URLS = ["meeting_detail", *WRITE_URLS]


# Scope and rights on every URL --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_MEETING_URLS)
def test_it_answers_404_to_a_secretary_of_another_branch_on_every_meeting_url(
    client, other_branch_secretary, past_meeting, name
):
    client.force_login(other_branch_secretary)
    assert client.get(url(name, past_meeting.pk)).status_code == 404
    if name != "meeting_detail":
        assert client.post(url(name, past_meeting.pk), {"version": past_meeting.version}).status_code == 404
    assert Meeting.objects.filter(pk=past_meeting.pk, status=MeetingStatus.PLANNED).exists()


def test_it_answers_404_to_a_secretary_of_another_branch_on_schedule(client, other_branch_secretary, branch):
    client.force_login(other_branch_secretary)
    assert client.get(url("meeting_create", branch.pk)).status_code == 404
    assert client.post(url("meeting_create", branch.pk), schedule_data()).status_code == 404
    assert not Meeting.objects.exists()


def test_it_answers_404_to_a_member_of_another_branch(client, sibling_branch, past_meeting):
    outsider = UserFactory()
    MemberFactory(organization=sibling_branch, user=outsider)
    client.force_login(outsider)
    assert client.get(url("meeting_detail", past_meeting.pk)).status_code == 404


@pytest.mark.parametrize("name", WRITE_URLS)
def test_it_lets_a_member_read_but_refuses_every_write_url_with_403(client, member_user, held_meeting, name):
    client.force_login(member_user)
    assert client.get(url("meeting_detail", held_meeting.pk)).status_code == 200
    version = held_meeting.version
    assert client.get(url(name, held_meeting.pk)).status_code == 403
    assert client.post(url(name, held_meeting.pk), {"version": version, "topic": "改"}).status_code == 403
    held_meeting.refresh_from_db()
    assert held_meeting.version == version and held_meeting.status == MeetingStatus.HELD


def test_it_refuses_schedule_to_a_member_with_403(client, member_user, branch):
    client.force_login(member_user)
    assert client.get(url("meeting_create", branch.pk)).status_code == 403
    assert client.post(url("meeting_create", branch.pk), schedule_data()).status_code == 403
    assert not Meeting.objects.exists()


def test_it_shows_a_member_no_action_buttons(client, member_user, held_meeting):
    client.force_login(member_user)
    page = text(client.get(url("meeting_detail", held_meeting.pk)))
    assert "data-meeting-actions" not in page
    assert url("meeting_edit", held_meeting.pk) not in page


def test_it_shows_a_district_officer_any_meeting_in_the_subtree(client, district_officer, held_meeting):
    client.force_login(district_officer)
    response = client.get(url("meeting_detail", held_meeting.pk))
    assert response.status_code == 200
    assert held_meeting.topic in text(response)


def test_it_requires_login(client, past_meeting):
    response = client.get(url("meeting_detail", past_meeting.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Schedule ---------------------------------------------------------------------------------------------------


def test_it_prefills_the_schedule_form_from_the_plan_and_the_last_meeting(
    client, secretary, branch, branch_members, current_plan
):
    _plan, (this_month, next_month) = current_plan
    host, recorder = branch_members[2], branch_members[3]
    last_start = timezone.now() - datetime.timedelta(days=20)
    last_start = timezone.localtime(last_start).replace(hour=19, minute=0, second=0, microsecond=0)
    services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.GENERAL_MEETING,
        topic="上次会议",
        starts_at=last_start,
        ends_at=last_start + datetime.timedelta(minutes=90),
        location="二楼会议室",
        host=host,
        recorder=recorder,
    )
    client.force_login(secretary)
    response = client.get(url("meeting_create", branch.pk))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["topic"] == "学习党章第一章"
    assert form.initial["plan_items"] == [this_month.pk]
    assert form.initial["host"] == host.pk and form.initial["recorder"] == recorder.pk
    assert form.initial["location"] == "二楼会议室"
    starts, ends = timezone.localtime(form.initial["starts_at"]), timezone.localtime(form.initial["ends_at"])
    assert starts.date() == timezone.localdate() and (starts.hour, starts.minute) == (19, 0)
    assert ends - starts == datetime.timedelta(minutes=90)
    assert isinstance(form.initial["creation_key"], uuid.UUID)
    # Plan items of the current plan, the nearest month first.
    choices = [value for value, _label in form.fields["plan_items"].choices]
    assert choices == [this_month.pk, next_month.pk]
    page = text(response)
    assert 'value="学习党章第一章"' in page and 'name="creation_key"' in page
    assert 'type="datetime-local"' in page
    # The script that follows the chosen month gets each month's suggestion.
    suggestions = response.context["plan_suggestions"]
    this_key = f"{this_month.plan.year}-{this_month.month:02d}"
    assert suggestions[this_key] == {"topic": "学习党章第一章", "item": this_month.pk, "kinds": {}}
    assert 'id="meeting-plan-suggestions"' in page


def test_it_starts_at_half_past_two_for_two_hours_without_an_earlier_meeting(client, secretary, branch):
    client.force_login(secretary)
    day = timezone.localdate() + datetime.timedelta(days=3)
    form = client.get(url("meeting_create", branch.pk) + f"?date={day:%Y-%m-%d}&kind=party_lecture").context["form"]
    starts = timezone.localtime(form.initial["starts_at"])
    assert starts.date() == day and (starts.hour, starts.minute) == (14, 30)
    assert form.initial["ends_at"] - form.initial["starts_at"] == datetime.timedelta(hours=2)
    assert form.initial["kind"] == MeetingKind.PARTY_LECTURE


def test_it_offers_only_the_kinds_the_branch_may_hold(client, secretary, branch):
    client.force_login(secretary)
    kinds = {
        value for value, _label in client.get(url("meeting_create", branch.pk)).context["form"].fields["kind"].choices
    }
    assert MeetingKind.THEME_DAY in kinds and MeetingKind.PARTY_LECTURE in kinds
    assert MeetingKind.DEMOCRATIC_LIFE_MEETING not in kinds and MeetingKind.CENTRAL_GROUP_STUDY not in kinds
    assert MeetingKind.GROUP_MEETING not in kinds  # no 党小组 yet
    PartyGroupFactory(organization=branch, name="第一党小组")
    kinds = {
        value for value, _label in client.get(url("meeting_create", branch.pk)).context["form"].fields["kind"].choices
    }
    assert MeetingKind.GROUP_MEETING in kinds


def test_it_schedules_a_theme_day_that_also_counts_as_a_general_meeting_and_a_lecture(
    client, secretary, branch, branch_members, current_plan
):
    _plan, (item, _other) = current_plan
    client.force_login(secretary)
    data = schedule_data(
        counts_as=[MeetingKind.GENERAL_MEETING, MeetingKind.PARTY_LECTURE],
        lecturer=secretary.member.pk,
        lecturer_post="党支部书记",
        host=branch_members[1].pk,
        recorder=branch_members[2].pk,
        plan_items=[item.pk],
    )
    response = client.post(url("meeting_create", branch.pk), data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.status == MeetingStatus.PLANNED and meeting.created_by == secretary
    assert set(CountedKind.objects.filter(meeting=meeting).values_list("kind", flat=True)) == {
        MeetingKind.THEME_DAY,
        MeetingKind.GENERAL_MEETING,
        MeetingKind.PARTY_LECTURE,
    }
    assert meeting.lecturer == secretary.member and meeting.lecturer_is_secretary  # ticked: the lecturer is 书记
    assert meeting.host == branch_members[1] and meeting.recorder == branch_members[2]
    assert meeting.theme_day_parts == ["study", "volunteer"] and meeting.observers == "区委组织部 张干事"
    assert list(meeting.plan_items.all()) == [item]
    assert str(meeting.creation_key) == data["creation_key"]
    page = text(client.get(meeting.get_absolute_url()))
    assert "同时计为支部党员大会" in page and "同时计为党课" in page and "书记讲党课" in page


def test_it_marks_the_secretary_among_the_lecturer_choices(client, secretary, branch, branch_members):
    client.force_login(secretary)
    page = text(client.get(url("meeting_create", branch.pk)))
    assert f'data-secretaries="{secretary.member.pk}"' in page


def test_it_leaves_the_secretary_box_unticked_for_another_lecturer(client, secretary, branch, branch_members):
    client.force_login(secretary)
    data = schedule_data(kind=MeetingKind.PARTY_LECTURE, theme_day_parts=None, lecturer=branch_members[1].pk)
    client.post(url("meeting_create", branch.pk), data)
    meeting = Meeting.objects.get()
    assert meeting.lecturer == branch_members[1] and not meeting.lecturer_is_secretary


def test_it_lets_a_committee_secretary_from_a_branch_below_give_the_committees_lecture(client, committee, branch):
    """Rule C8: the committee's 书记 (organised in a branch below) lectures; the box ticks itself."""
    user = UserFactory(username="committee_secretary")
    give_role(user, committee, RoleKind.SECRETARY)
    lecturer = MemberFactory(organization=branch, name="党委书记", user=user)
    outsider = MemberFactory(organization=branch, name="普通党员")
    client.force_login(user)
    response = client.get(url("meeting_create", committee.pk))
    kinds = {value for value, _label in response.context["form"].fields["kind"].choices}
    assert MeetingKind.DEMOCRATIC_LIFE_MEETING in kinds and MeetingKind.THEME_DAY not in kinds
    people = {value for value, _label in response.context["form"].fields["lecturer"].choices}
    assert lecturer.pk in people and outsider.pk not in people
    data = schedule_data(kind=MeetingKind.PARTY_LECTURE, theme_day_parts=None, lecturer=lecturer.pk)
    assert client.post(url("meeting_create", committee.pk), data).status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.organization == committee and meeting.lecturer == lecturer and meeting.lecturer_is_secretary


def test_it_sends_a_meeting_entered_after_the_fact_straight_to_recording(client, secretary, branch, branch_members):
    client.force_login(secretary)
    response = client.post(url("meeting_create", branch.pk), schedule_data(starts=in_days(-3)), follow=True)
    meeting = Meeting.objects.get()
    assert response.redirect_chain[-1][0] == url("meeting_record", meeting.pk)
    assert any("请登记出勤" in message for message in flashed(response))
    assert meeting.held_on == timezone.localdate() - datetime.timedelta(days=3)


def test_it_saves_a_double_submitted_form_once(client, secretary, branch, branch_members):
    client.force_login(secretary)
    data = schedule_data()
    first = client.post(url("meeting_create", branch.pk), data)
    second = client.post(url("meeting_create", branch.pk), data, follow=True)
    meeting = Meeting.objects.get()
    assert first["Location"] == meeting.get_absolute_url()
    assert second.redirect_chain[-1][0] == meeting.get_absolute_url()
    assert "这份表单已经提交过，活动只保存了一次。以下是已保存的活动。" in flashed(second)


def test_it_refuses_an_end_before_the_start_and_keeps_the_input(client, secretary, branch):
    client.force_login(secretary)
    starts = in_days(5)
    data = schedule_data(topic="我的主题不丢", ends_at=as_input(starts - datetime.timedelta(hours=1)), starts=starts)
    response = client.post(url("meeting_create", branch.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"] == ["结束时间应晚于开始时间。"]
    page = text(response)
    assert "结束时间应晚于开始时间。" in page and 'value="我的主题不丢"' in page
    assert f'value="{data["creation_key"]}"' in page
    assert not Meeting.objects.exists()


def test_it_refuses_a_kind_the_branch_may_not_hold(client, secretary, branch):
    client.force_login(secretary)
    response = client.post(url("meeting_create", branch.pk), schedule_data(kind=MeetingKind.DEMOCRATIC_LIFE_MEETING))
    assert response.context["form"].errors["kind"] == ["请选择本组织可以召开的活动类型。"]
    assert not Meeting.objects.exists()


def test_it_asks_for_the_lecturer_of_a_party_lecture(client, secretary, branch):
    client.force_login(secretary)
    response = client.post(url("meeting_create", branch.pk), schedule_data(kind=MeetingKind.PARTY_LECTURE))
    assert response.context["form"].errors["lecturer"] == ["党课须填写授课人：请选择党员或填写授课人姓名。"]
    data = schedule_data(kind=MeetingKind.PARTY_LECTURE, lecturer_name="区委党校 刘教授")
    assert client.post(url("meeting_create", branch.pk), data).status_code == 302
    assert Meeting.objects.get().lecturer_name == "区委党校 刘教授"


def test_it_shows_the_service_message_for_a_group_meeting_without_a_group(client, secretary, branch):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    client.force_login(secretary)
    response = client.post(url("meeting_create", branch.pk), schedule_data(kind=MeetingKind.GROUP_MEETING))
    assert response.status_code == 200
    assert response.context["form"].errors["group"] == ["党小组会须选择党小组。"]
    assert not Meeting.objects.exists()
    response = client.post(
        url("meeting_create", branch.pk), schedule_data(kind=MeetingKind.GROUP_MEETING, group=group.pk)
    )
    assert response.status_code == 302 and Meeting.objects.get().group == group


def test_it_refuses_a_host_from_outside_the_organisation(client, secretary, branch, other_branch):
    stranger = MemberFactory(organization=other_branch, name="外人")
    client.force_login(secretary)
    response = client.post(url("meeting_create", branch.pk), schedule_data(host=stranger.pk))
    assert response.context["form"].errors["host"] == ["请从本组织的党员中选择。"]
    assert not Meeting.objects.exists()


# Edit -------------------------------------------------------------------------------------------------------


def test_it_edits_a_planned_meeting(client, secretary, future_meeting, branch_members):
    client.force_login(secretary)
    form = client.get(url("meeting_edit", future_meeting.pk)).context["form"]
    assert form.initial["topic"] == "研究下月工作" and form.initial["version"] == future_meeting.version
    data = edit_data(future_meeting, topic="研究发展党员工作", location="支部办公室", host=branch_members[0].pk)
    response = client.post(url("meeting_edit", future_meeting.pk), data)
    assert response.status_code == 302 and response["Location"] == future_meeting.get_absolute_url()
    future_meeting.refresh_from_db()
    assert future_meeting.topic == "研究发展党员工作" and future_meeting.location == "支部办公室"
    assert future_meeting.host == branch_members[0]


def test_it_tells_the_second_of_two_secretaries_saving_at_once_and_keeps_the_input(
    client, secretary, future_meeting, branch
):
    deputy = UserFactory(username="deputy")
    give_role(deputy, branch, RoleKind.DEPUTY_SECRETARY)
    opened_at = future_meeting.version
    client.force_login(deputy)
    assert (
        client.post(url("meeting_edit", future_meeting.pk), edit_data(future_meeting, topic="副书记的主题")).status_code
        == 302
    )
    client.force_login(secretary)
    response = client.post(
        url("meeting_edit", future_meeting.pk), edit_data(future_meeting, topic="书记的主题", version=opened_at)
    )
    assert response.status_code == 200
    page = text(response)
    assert "这条记录已被他人修改" in page and 'value="书记的主题"' in page
    future_meeting.refresh_from_db()
    assert future_meeting.topic == "副书记的主题"
    # The form now carries the latest version: saving again after looking is deliberate and goes through.
    assert f'name="version" value="{future_meeting.version}"' in page
    data = edit_data(future_meeting, topic="书记的主题")
    assert client.post(url("meeting_edit", future_meeting.pk), data).status_code == 302
    future_meeting.refresh_from_db()
    assert future_meeting.topic == "书记的主题"


def test_it_refuses_an_end_before_the_start_when_editing(client, secretary, future_meeting):
    client.force_login(secretary)
    data = edit_data(future_meeting, ends_at=as_input(future_meeting.starts_at - datetime.timedelta(minutes=30)))
    response = client.post(url("meeting_edit", future_meeting.pk), data)
    assert "结束时间应晚于开始时间。" in text(response)
    old_end = future_meeting.ends_at
    future_meeting.refresh_from_db()
    assert future_meeting.ends_at == old_end


def test_it_refuses_to_move_a_held_meeting_into_the_future(client, secretary, held_meeting):
    client.force_login(secretary)
    starts = in_days(30)
    data = edit_data(held_meeting, starts_at=as_input(starts), ends_at=as_input(starts + datetime.timedelta(hours=1)))
    response = client.post(url("meeting_edit", held_meeting.pk), data)
    assert response.status_code == 200 and "尚未开始" in text(response)
    held_meeting.refresh_from_db()
    assert held_meeting.starts_at < timezone.now()


def test_it_redirects_the_edit_of_a_filed_meeting_with_a_message(client, secretary, filed_meeting):
    client.force_login(secretary)
    response = client.get(url("meeting_edit", filed_meeting.pk), follow=True)
    assert response.redirect_chain[-1][0] == filed_meeting.get_absolute_url()
    assert "这次活动已归档，不能直接修改；如需更正，请填写更正原因提交更正。" in flashed(response)
    response = client.post(url("meeting_edit", filed_meeting.pk), edit_data(filed_meeting, topic="偷偷改"))
    assert response.status_code == 302
    filed_meeting.refresh_from_db()
    assert filed_meeting.topic == "学习党章 重温入党誓词"


# Detail -----------------------------------------------------------------------------------------------------


def test_it_shows_attendance_with_the_rate_reasons_and_absentees(client, secretary, past_meeting, branch_members):
    services.meeting_record(
        meeting=past_meeting,
        version=past_meeting.version,
        entries={
            branch_members[2].pk: AttendanceEntry(AttendanceStatus.LEAVE, "陪护家人"),
            branch_members[3].pk: AttendanceEntry(AttendanceStatus.ABSENT),
        },
        minutes="会议纪要正文",
        recorded_by=secretary,
    )
    client.force_login(secretary)
    response = client.get(url("meeting_detail", past_meeting.pk))
    summary = response.context["detail"].summary
    assert (summary.present, summary.expected, summary.leave, summary.absent, summary.rate) == (3, 5, 1, 1, 60)
    page = text(response)
    assert f"{branch_members[2].name}：陪护家人" in page
    assert branch_members[3].name in page and "会议纪要正文" in page and "60%" in page
    assert "王书记" in page  # created by
    assert url("meeting_file", past_meeting.pk) in page and url("meeting_record", past_meeting.pk) in page


def test_it_shows_how_many_are_expected_before_recording(client, secretary, past_meeting, branch_members):
    client.force_login(secretary)
    page = text(client.get(url("meeting_detail", past_meeting.pk)))
    assert "尚未登记出勤，应到 5 人。" in page
    assert "活动时间已到，请登记出勤和会议纪要。" in page


def test_it_links_the_breadcrumb_to_the_month_of_the_meeting(client, secretary, branch, past_meeting):
    client.force_login(secretary)
    page = text(client.get(url("meeting_detail", past_meeting.pk)))
    month_url = reverse("activities:month", args=[branch.pk]) + f"?month={past_meeting.held_on:%Y-%m}"
    assert f'href="{month_url}">组织生活</a>' in page
    assert f'href="{branch.get_absolute_url()}"' in page


def test_it_lists_the_attachments_and_the_plan_items(client, secretary, held_meeting, current_plan):
    _plan, (item, _other) = current_plan
    services.meeting_update(meeting=held_meeting, version=held_meeting.version, updated_by=secretary, plan_items=[item])
    add_attachments(held_meeting, 2, secretary)
    client.force_login(secretary)
    page = text(client.get(url("meeting_detail", held_meeting.pk)))
    assert 'id="meeting-attachments"' in page and "照片0.jpg" in page and "照片1.jpg" in page
    attachment = MeetingAttachment.objects.filter(meeting=held_meeting).first()
    assert reverse("activities:attachment_file", args=[attachment.pk]) in page
    assert reverse("activities:attachment_thumbnail", args=[attachment.pk]) in page
    assert "学习党章第一章" in page


@pytest.mark.parametrize("persona", ["secretary", "district_officer", "member_user"])
def test_it_shows_the_detail_in_the_same_few_queries_whatever_the_size(
    client, request, branch, secretary, past_meeting, branch_members, persona
):
    """≤ 12 queries for a meeting of 5 and one of 200 attendees with attachments and an amendment (both with
    a host: a meeting without host, recorder and lecturer skips reading them)."""
    Meeting.objects.filter(pk=past_meeting.pk).update(host=branch_members[0])
    past_meeting.refresh_from_db()
    small = services.attendance_record(
        meeting=past_meeting, version=past_meeting.version, entries={}, recorded_by=secretary
    )
    small = records_services.meeting_file(meeting=small, version=small.version, filed_by=secretary)
    members = bulk_members(branch, 195)
    starts = timezone.now() - datetime.timedelta(days=1)
    large = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="大会",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        counts_as=[MeetingKind.GENERAL_MEETING, MeetingKind.PARTY_LECTURE],
        lecturer=secretary.member,
        host=branch_members[1],
        recorder=branch_members[2],
    )
    large = services.attendance_record(
        meeting=large,
        version=large.version,
        entries={m.pk: AttendanceEntry(AttendanceStatus.LEAVE, "出差") for m in members[:30]},
        recorded_by=secretary,
    )
    add_attachments(large, 6, secretary)
    large = records_services.meeting_file(meeting=large, version=large.version, filed_by=secretary)
    records_services.meeting_amend(
        meeting=large,
        version=large.version,
        amended_by=secretary,
        reason="补记缺席人员",
        entries={m.pk: AttendanceEntry(AttendanceStatus.ABSENT) for m in members[30:40]},
    )
    user = request.getfixturevalue(persona)
    client.force_login(user)

    def count(meeting) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("meeting_detail", meeting.pk))
        assert response.status_code == 200
        return len(captured)

    small_count, large_count = count(small), count(large)
    assert small_count == large_count <= DETAIL_BUDGET


def test_it_shows_the_detail_of_a_planned_meeting_within_the_budget(
    client, secretary, branch, branch_members, django_assert_max_num_queries
):
    bulk_members(branch, 200)
    starts = in_days(10)
    general_meeting = services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.GENERAL_MEETING,
        topic="季度党员大会",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    client.force_login(secretary)
    with django_assert_max_num_queries(DETAIL_BUDGET):
        response = client.get(url("meeting_detail", general_meeting.pk))
    assert re.search(r"尚未登记出勤，应到 205 人。", text(response))


def test_it_expects_only_the_committee_at_a_committee_meeting(client, secretary, future_meeting):
    client.force_login(secretary)
    response = client.get(url("meeting_detail", future_meeting.pk))
    assert "尚未登记出勤，应到 1 人。" in text(response)


def test_it_offers_a_new_time_instead_of_attendance_before_a_meeting_starts(client, secretary, future_meeting):
    client.force_login(secretary)

    page = client.get(url("meeting_detail", future_meeting.pk)).content.decode()

    assert url("meeting_record", future_meeting.pk) not in page
    assert f'href="{url("meeting_edit", future_meeting.pk)}#id_starts_at"' in page and "修改时间" in page


def test_it_offers_attendance_once_a_meeting_has_started(client, secretary, past_meeting):
    client.force_login(secretary)

    page = client.get(url("meeting_detail", past_meeting.pk)).content.decode()

    assert url("meeting_record", past_meeting.pk) in page
    assert "data-reschedule" not in page


def test_it_reads_the_meeting_without_one_wide_join_of_its_people(client, secretary, branch_members, past_meeting):
    """PostgreSQL planned the meeting joined with its eight related rows in 18–36 ms on a district's database:
    the host, recorder, lecturer and the users who registered and filed it are read apart, in two queries."""
    Meeting.objects.filter(pk=past_meeting.pk).update(
        host=branch_members[0], recorder=branch_members[1], lecturer=branch_members[2]
    )
    client.force_login(secretary)
    with CaptureQueriesContext(connection) as captured:
        page = text(client.get(url("meeting_detail", past_meeting.pk)))

    meeting_reads = [query["sql"] for query in captured if query["sql"].startswith('SELECT "activities_meeting"."id"')]
    assert len(meeting_reads) == 1
    assert meeting_reads[0].count(" JOIN ") <= 2  # organisation and 党小组 only
    assert branch_members[0].name in page and branch_members[1].name in page and branch_members[2].name in page
    assert str(secretary) in page
