"""The secretary's path on a phone (issue 13 items 7 and 9), server side: the meeting form opened from the to-do
defaults to held, today, started, with the plan item of the kind and month ticked and 主题党日 content ticked;
the attendance page names the first row in error at the top; after recording 归档 is the primary action and
删除 is away from the others. The browser side (375 px) is tests/browser/test_secretary_path.py."""

import datetime
import re

import pytest
from django.utils import timezone

from activities.meetings import selectors, services
from activities.models import AttendanceStatus, MeetingKind, ThemeDayPart
from study.models import Audience, StudyForm
from study.plans import services as study_services
from tests.activities.conftest import local
from tests.activities.meeting_pages import record_data, text, url

pytestmark = pytest.mark.django_db

THEME_TOPIC = "%d月主题党日：重温入党誓词，交流学习体会"


@pytest.fixture
def plan_with_kinds(branch, secretary):
    """This month: a 专题研讨 item and a collective one first (the lower ids), then the 主题党日's collective item
    (named so), then a 党课 item."""
    today = timezone.localdate()
    plan = study_services.plan_create(
        organization=branch, year=today.year, title=f"{today.year}年度学习计划", created_by=secretary
    )
    items = {}
    for key, topic, form in (
        ("discussion", "第四季度专题研讨：对照“四个合格”开展自我检视", StudyForm.DISCUSSION),
        ("collective", "学党规：《中国共产党支部工作条例（试行）》", StudyForm.COLLECTIVE),
        ("theme_day", THEME_TOPIC % today.month, StudyForm.COLLECTIVE),
        ("lecture", "专题党课：从党的历史中汲取力量", StudyForm.LECTURE),
    ):
        items[key] = study_services.plan_item_save(
            plan=plan,
            month=today.month,
            topic=topic,
            form=form,
            audience=Audience.ALL,
            due_date=today,
            hours=2,
        )
    return items


def test_from_the_to_do_a_theme_day_starts_held_today_with_its_plan_item_and_content(
    client, secretary, branch, branch_members, plan_with_kinds
):
    client.force_login(secretary)
    before = timezone.now()
    response = client.get(url("meeting_create", branch.pk) + "?kind=theme_day&held=1")
    form = response.context["form"]
    item = plan_with_kinds["theme_day"]
    assert form.initial["kind"] == MeetingKind.THEME_DAY
    assert form.initial["topic"] == item.topic and form.initial["plan_items"] == [item.pk]
    assert form.initial["theme_day_parts"] == [ThemeDayPart.STUDY]
    starts = form.initial["starts_at"]
    assert timezone.localtime(starts).date() == timezone.localdate() and starts <= before
    page = text(response)
    assert re.search(rf'value="{item.pk}"[^>]*checked', page)
    assert re.search(r'name="theme_day_parts" value="study"[^>]*checked', page)
    # 保存 sits in the sticky action bar; the rarely used fields are folded away.
    assert "data-form-actions" in page and "data-meeting-more" in page


def test_each_kind_gets_the_plan_item_that_names_it_or_is_held_in_its_form(
    client, secretary, branch, branch_members, plan_with_kinds
):
    client.force_login(secretary)
    for kind, key in (("party_lecture", "lecture"), ("general_meeting", "discussion"), ("theme_day", "theme_day")):
        form = client.get(url("meeting_create", branch.pk) + f"?kind={kind}").context["form"]
        assert form.initial["plan_items"] == [plan_with_kinds[key].pk], kind
    # The form's script switches the topic with the kind: each kind's suggestion where it differs.
    response = client.get(url("meeting_create", branch.pk))
    month = timezone.localdate().strftime("%Y-%m")
    kinds = response.context["plan_suggestions"][month]["kinds"]
    assert kinds[MeetingKind.THEME_DAY]["item"] == plan_with_kinds["theme_day"].pk
    assert kinds[MeetingKind.PARTY_LECTURE]["item"] == plan_with_kinds["lecture"].pk


def test_a_held_start_lies_before_now_on_the_quarter_hour_and_not_before_midnight(branch, secretary, branch_members):
    options = selectors.meeting_form_options(organization=branch, year=2026, month=12)
    ten = local(2026, 12, 7, 10, 7)
    initial = selectors.meeting_initial(
        organization=branch, group=None, on=ten.date(), options=options, kind="theme_day", held=True, now=ten
    )
    assert timezone.localtime(initial["starts_at"]) == local(2026, 12, 7, 8, 0)
    assert initial["ends_at"] - initial["starts_at"] == datetime.timedelta(hours=2)
    early = local(2026, 12, 7, 0, 40)
    initial = selectors.meeting_initial(
        organization=branch, group=None, on=early.date(), options=options, kind="theme_day", held=True, now=early
    )
    assert timezone.localtime(initial["starts_at"]) == local(2026, 12, 7, 0, 0)
    # Not held (scheduling ahead): the usual time of day, even if later than now.
    initial = selectors.meeting_initial(organization=branch, group=None, on=ten.date(), options=options, now=ten)
    assert timezone.localtime(initial["starts_at"]) == local(2026, 12, 7, 14, 30)


def test_the_last_theme_day_s_content_and_time_are_the_defaults(branch, secretary, branch_members):
    starts = local(2026, 11, 12, 9, 0)
    services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="11月主题党日",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=90),
        theme_day_parts=[ThemeDayPart.STUDY, ThemeDayPart.VOLUNTEER],
    )
    later = local(2026, 11, 20, 19, 0)
    services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.COMMITTEE_MEETING,
        topic="支委会",
        starts_at=later,
        ends_at=later + datetime.timedelta(hours=1),
    )
    options = selectors.meeting_form_options(organization=branch, year=2026, month=12)
    initial = selectors.meeting_initial(
        organization=branch, group=None, on=datetime.date(2026, 12, 20), options=options, kind="theme_day"
    )
    assert initial["theme_day_parts"] == [ThemeDayPart.STUDY, ThemeDayPart.VOLUNTEER]
    assert timezone.localtime(initial["starts_at"]) == local(2026, 12, 20, 9, 0)
    assert initial["ends_at"] - initial["starts_at"] == datetime.timedelta(minutes=90)


def test_a_failed_save_names_the_first_row_in_error_at_the_top(client, secretary, past_meeting, branch_members):
    client.force_login(secretary)
    first, second = branch_members[2], branch_members[4]
    data = record_data(
        past_meeting,
        branch_members,
        changes={first: (AttendanceStatus.LEAVE, ""), second: (AttendanceStatus.LEAVE, "")},
    )
    response = client.post(url("meeting_record", past_meeting.pk), data)
    page = text(response)
    assert response.status_code == 200 and not past_meeting.attendances.exists()
    alert = page.split("data-attendance-errors", 1)[1].split("</div>\n  {% endif %}", 1)[0]
    assert "有 2 人的出勤需要修改，未保存。" in alert
    ordered = sorted([first, second], key=lambda member: (member.name, member.pk))
    assert f'href="#attendance-{ordered[0].pk}"' in alert and f"转到{ordered[0].name}" in alert
    assert page.index("data-attendance-errors") < page.index("data-attendance-form")
    assert f'id="attendance-{ordered[0].pk}"' in page
    # The filter-as-you-type box (shown by the script).
    assert "data-attendance-filter" in page


def test_after_recording_filing_is_the_primary_action_and_delete_is_away_from_it(client, secretary, held_meeting):
    client.force_login(secretary)
    page = text(client.get(held_meeting.get_absolute_url()))
    actions = page.split("data-meeting-actions", 1)[1].split("</div>", 1)[0]
    assert re.search(r'class="btn btn-sm btn-primary"\s+href="[^"]*/file/"', actions)
    assert actions.index("/file/") < actions.index("/attendance/")
    assert "/delete/" not in actions
    assert page.index("data-meeting-delete") > page.index('id="attendance"')


def test_before_recording_attendance_stays_the_primary_action(client, secretary, past_meeting):
    client.force_login(secretary)
    page = text(client.get(past_meeting.get_absolute_url()))
    actions = page.split("data-meeting-actions", 1)[1].split("</div>", 1)[0]
    assert re.search(r'class="btn btn-sm btn-primary"\s+href="[^"]*/attendance/"', actions)
    assert "/file/" not in actions
