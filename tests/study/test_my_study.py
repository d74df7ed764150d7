"""我的学习: hours against the requirement, the four task lists, completing a task with a 心得."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import RoleKind
from study.learning import selectors
from study.learning import services as learning_services
from study.materials import services as materials_services
from study.models import (
    REQUIRED_HOURS_COMMITTEE,
    REQUIRED_HOURS_MEMBER,
    MaterialCategory,
    StudyTask,
    TaskKind,
    TaskStatus,
)
from tests.factories import MemberFactory, UserFactory, give_role
from tests.study.conftest import YEAR
from tests.study.member_tasks import make_many_tasks, make_task

pytestmark = pytest.mark.django_db

URL = reverse("study:my_study")
REFLECTION = "学习了党章总纲，进一步明确了党员的义务和权利，要在工作中发挥先锋模范作用。"
HTMX = {"HTTP_HX_REQUEST": "true"}
MINUTES_10 = datetime.timedelta(minutes=10)


def today() -> datetime.date:
    return timezone.localdate()


def complete_url(task: StudyTask) -> str:
    return reverse("study:task_complete", args=[task.pk])


@pytest.fixture
def member(member_user):
    return member_user.member


@pytest.fixture
def material(committee):
    return materials_services.material_publish(
        organization=committee,
        published_by=None,
        title="中国共产党章程",
        category=MaterialCategory.PARTY_CONSTITUTION,
        body="第一章 党员",
    )


# The page --------------------------------------------------------------------------------------------------


def test_it_counts_the_hours_of_tasks_done_this_year_against_32_for_a_member(client, member_user, member):
    now = timezone.now()
    make_task(member, due=today(), topic="学习一", hours=3, done_at=now)
    make_task(member, due=today(), topic="学习二", hours="2.5", done_at=now)
    make_task(member, due=today(), topic="未完成", hours=4)
    last_year = datetime.datetime(YEAR - 1, 6, 1, 10, tzinfo=timezone.get_current_timezone())
    make_task(member, due=last_year.date(), topic="去年完成", hours=5, done_at=last_year)
    client.force_login(member_user)

    response = client.get(URL)

    hours = response.context["study"].hours
    assert hours.done == Decimal("5.5")
    assert hours.required == REQUIRED_HOURS_MEMBER == 32
    assert not hours.holds_committee_role
    content = response.content.decode()
    assert "5.5" in content
    assert "32 学时" in content
    assert "党员每年集中学习培训不少于32学时" in content
    assert "学时来源：已完成的学习任务" in content
    assert '<progress class="study-progress my-2" max="32" value="5.5"' in content


def test_it_asks_56_hours_of_a_branch_committee_member_and_says_why(client, secretary):
    client.force_login(secretary)

    response = client.get(URL)

    assert response.context["study"].hours.required == REQUIRED_HOURS_COMMITTEE == 56
    assert "您是支部委员会成员" in response.content.decode()


def test_it_does_not_count_a_committee_role_in_another_organisation(client, member_user, member, sibling_branch):
    give_role(member_user, sibling_branch, RoleKind.COMMITTEE_MEMBER)
    client.force_login(member_user)

    assert client.get(URL).context["study"].hours.required == 32


def test_it_sorts_tasks_into_overdue_this_month_upcoming_and_done(member_user, member, filed_plan):
    tasks = {task.item.month: task for task in StudyTask.objects.filter(member=member).select_related("item")}
    learning_services.task_complete(task=tasks[3], reflection=REFLECTION)
    learning_services.task_complete(task=tasks[8], reflection=REFLECTION)
    StudyTask.objects.filter(pk=tasks[4].pk).update(status=TaskStatus.CLOSED)

    study = selectors.my_study_get(user=member_user, member=member, today=datetime.date(YEAR, 6, 10))

    def months(tasks):
        return [task.item.month for task in tasks]

    assert months(study.overdue) == [5, 2, 1]  # newest first
    assert study.overdue_count == 3
    assert months(study.this_month) == [6]
    assert months(study.upcoming) == [7]  # due 25 July, within 30 days after the end of June
    assert months(study.done) == [8, 3]  # most recent first
    assert study.hours.done == Decimal(6)


def test_it_keeps_a_task_done_this_month_in_this_month_and_in_done(member_user, member, filed_plan):
    june = StudyTask.objects.get(member=member, item__month=6)
    learning_services.task_complete(task=june, reflection=REFLECTION)

    study = selectors.my_study_get(user=member_user, member=member, today=datetime.date(YEAR, 6, 26))

    assert [task.pk for task in study.this_month] == [june.pk]
    assert [task.pk for task in study.done] == [june.pk]
    assert [task.item.month for task in study.overdue] == [5, 4, 3, 2, 1]


def test_it_shows_each_task_with_topic_form_due_date_and_material_links(client, member_user, member, material):
    task = make_task(member, due=today(), topic="学习党章第一章", materials=[material])
    client.force_login(member_user)

    content = client.get(URL).content.decode()

    assert f'id="task-{task.pk}"' in content
    assert "学习党章第一章" in content
    assert "个人自学" in content
    assert f"{today():%Y}年{today().month}月{today().day}日前完成" in content
    assert reverse("study:material_detail", args=[material.pk]) in content
    assert f'hx-post="{complete_url(task)}"' in content


def test_it_lists_done_tasks_with_the_reflection_excerpt(client, member_user, member):
    long_reflection = "深入学习了习近平总书记系列重要讲话精神，" * 20
    make_task(member, due=today(), topic="已学完的专题", done_at=timezone.now(), reflection=long_reflection)
    client.force_login(member_user)

    response = client.get(URL)

    done = response.context["study"].done
    assert [task.item.topic for task in done] == ["已学完的专题"]
    content = response.content.decode()
    assert long_reflection[:60] in content
    assert long_reflection not in content  # an excerpt, not the whole text


def test_it_shows_only_the_members_own_tasks(client, member_user, member, secretary):
    make_task(secretary.member, due=today(), topic="书记自己的任务")
    make_task(member, due=today(), topic="党员自己的任务")
    client.force_login(member_user)

    content = client.get(URL).content.decode()

    assert "党员自己的任务" in content
    assert "书记自己的任务" not in content


def test_it_tells_a_user_without_a_member_record_so(client, district_officer):
    client.force_login(district_officer)

    response = client.get(URL)

    assert response.status_code == 200
    assert "没有关联党员信息" in response.content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    return len(captured)


def test_it_costs_the_same_few_queries_for_3_and_60_tasks(
    client, member_user, member, material, django_assert_max_num_queries
):
    client.force_login(member_user)
    make_many_tasks(member, count=3, due=today(), materials=[material])
    make_task(member, due=today(), done_at=timezone.now())
    with django_assert_max_num_queries(10):
        small = _count_queries(client)

    make_many_tasks(member, count=57, due=today() + datetime.timedelta(days=3), materials=[material])
    make_task(member, due=today() - datetime.timedelta(days=3))
    with django_assert_max_num_queries(10):
        large = _count_queries(client)

    assert StudyTask.objects.filter(member=member).count() == 62
    assert small == large


def _years_of_tasks(member, material, *, per_day: int) -> None:
    """Open tasks due on 15 days spread over three years before today, `per_day` each, and as many done
    this year (bulk writes)."""
    for months_back in range(1, 36, 5):
        due = today() - datetime.timedelta(days=30 * months_back)
        make_many_tasks(member, count=per_day, due=due, materials=[material])
    done_due = today().replace(month=1, day=1)
    done = make_many_tasks(member, count=per_day, due=done_due, materials=[material])
    StudyTask.objects.filter(pk__in=[task.pk for task in done]).update(
        status=TaskStatus.DONE, completed_at=timezone.now(), reflection=REFLECTION
    )


def test_it_costs_the_same_queries_and_a_bounded_page_for_15_and_315_tasks(client, member_user, member, material):
    """A member who never completes anything piles up overdue tasks of every year: the page lists this month,
    a page of the last 12 months' overdue tasks and the latest done ones, whatever the number."""
    client.force_login(member_user)
    make_many_tasks(member, count=7, due=today(), materials=[material])
    _years_of_tasks(member, material, per_day=1)
    assert StudyTask.objects.filter(member=member).count() == 15
    with CaptureQueriesContext(connection) as small_queries:
        client.get(URL)

    _years_of_tasks(member, material, per_day=37)
    make_many_tasks(member, count=4, due=today(), materials=[material])
    assert StudyTask.objects.filter(member=member).count() == 315
    with CaptureQueriesContext(connection) as large_queries:
        large = client.get(URL)

    assert len(small_queries) == len(large_queries) <= 11
    study = large.context["study"]
    assert len(study.overdue) == selectors.OVERDUE_PAGE_SIZE
    assert len(study.done) == selectors.DONE_SHOWN
    assert study.overdue_count == 7 * 38
    assert study.done_count == 38
    assert study.hours.done == 38  # every done task counts, not only those listed
    content = large.content.decode()
    assert "<strong>266</strong>" in content and "<strong>38</strong>" in content
    assert len(large.content) < 100 * 1024, len(large.content)


def test_it_lists_overdue_tasks_of_the_last_12_months_newest_first_and_older_ones_on_request(
    client, member_user, member
):
    client.force_login(member_user)
    recent = [make_task(member, due=today() - datetime.timedelta(days=days), topic=f"近期{days}") for days in (5, 40)]
    old = make_task(member, due=today() - datetime.timedelta(days=400), topic="两年前的任务")

    first = client.get(URL)

    study = first.context["study"]
    assert [task.pk for task in study.overdue] == [task.pk for task in recent]
    assert study.overdue_count == 3
    content = first.content.decode()
    assert "两年前的任务" not in content
    assert "近12个月，共3项" in content
    assert f'href="{URL}?overdue_from=2#study-overdue">显示更早的逾期任务</a>' in content

    older = client.get(URL, {"overdue_from": 2})

    assert [task.pk for task in older.context["study"].overdue] == [old.pk]
    content = older.content.decode()
    assert "两年前的任务" in content
    assert "更早的逾期任务：第3–3项，共3项" in content
    assert "显示更早的逾期任务" not in content
    assert f'href="{URL}#study-overdue">较近的逾期任务</a>' in content


def test_it_pages_the_overdue_tasks_twenty_at_a_time(client, member_user, member):
    client.force_login(member_user)
    tasks = make_many_tasks(member, count=45, due=today() - datetime.timedelta(days=3))
    newest_first = sorted((task.pk for task in tasks), reverse=True)

    pages = [client.get(URL, {"overdue_from": start}).context["study"] for start in (0, 20, 40)]

    assert [[task.pk for task in page.overdue] for page in pages] == [
        newest_first[:20],
        newest_first[20:40],
        newest_first[40:],
    ]
    assert [page.older_overdue_from for page in pages] == [20, 40, None]
    assert [page.newer_overdue_from for page in pages] == [None, 0, 20]


@pytest.mark.parametrize("value", ["abc", "-5", "1e3", "９", "99999999999"])
def test_it_shows_the_first_page_for_a_bad_overdue_position(client, member_user, member, value):
    client.force_login(member_user)
    task = make_task(member, due=today() - datetime.timedelta(days=3))

    response = client.get(URL, {"overdue_from": value})

    assert response.status_code == 200
    assert response.context["study"].overdue_from == 0
    assert [row.pk for row in response.context["study"].overdue] == [task.pk]


def test_it_tells_how_many_done_tasks_it_does_not_list(client, member_user, member):
    client.force_login(member_user)
    done = make_many_tasks(member, count=selectors.DONE_SHOWN + 2, due=today().replace(month=1, day=1))
    StudyTask.objects.filter(pk__in=[task.pk for task in done]).update(
        status=TaskStatus.DONE, completed_at=timezone.now(), reflection=REFLECTION
    )

    content = client.get(URL).content.decode()

    assert f"显示最近完成的{selectors.DONE_SHOWN}项，今年共完成{selectors.DONE_SHOWN + 2}项。" in content


# Completing a task -----------------------------------------------------------------------------------------


def test_it_completes_a_task_with_a_reflection_and_goes_back_to_the_page(client, member_user, member):
    task = make_task(member, due=today(), topic="学习党章")
    client.force_login(member_user)

    response = client.post(complete_url(task), {"reflection": f"  {REFLECTION}  "})

    assert response.status_code == 302
    assert response.url == URL
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.reflection == REFLECTION  # stored for the secretary's progress grid, trimmed
    assert task.completed_at is not None
    page = client.get(URL)
    assert [t.pk for t in page.context["study"].done] == [task.pk]
    assert "已完成“学习党章”，学习心得已保存。" in page.content.decode()


def test_it_swaps_the_card_to_its_done_state_for_htmx(client, member_user, member):
    task = make_task(member, due=today(), topic="学习党章", hours=3)
    client.force_login(member_user)

    response = client.post(complete_url(task), {"reflection": REFLECTION}, **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<article class="card h-100 task-card is-done" id="task-{task.pk}">')
    assert "<html" not in content
    assert 'id="study-summary" hx-swap-oob="true"' in content
    assert 'id="study-done" hx-swap-oob="true"' in content
    assert f'id="done-task-{task.pk}"' in content
    assert 'value="3.0"' in content  # the hours bar moved on
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


@pytest.mark.parametrize(
    ("reflection", "message"),
    [
        ("", "请写下至少10个字的学习心得。"),
        ("   很好   ", "请写下至少10个字的学习心得。"),
        ("学" * 2001, "学习心得不超过2000个字（现有2001个字）。"),
    ],
    ids=["empty", "too-short", "2001-chars"],
)
def test_it_shows_bad_reflections_inline_and_saves_nothing(client, member_user, member, reflection, message):
    task = make_task(member, due=today())
    client.force_login(member_user)

    response = client.post(complete_url(task), {"reflection": reflection})

    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert f'<article class="card h-100 task-card" id="task-{task.pk}">' in content
    assert '<details class="task-complete" open>' in content
    task.refresh_from_db()
    assert (task.status, task.reflection, task.completed_at) == (TaskStatus.OPEN, "", None)


def test_it_shows_errors_in_the_card_for_htmx(client, member_user, member):
    task = make_task(member, due=today())
    client.force_login(member_user)

    response = client.post(complete_url(task), {"reflection": "学" * 2001}, **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<article class="card h-100 task-card"')
    assert "学习心得不超过2000个字（现有2001个字）。" in content
    assert "学" * 2001 in content  # the text is kept for correcting
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_it_accepts_exactly_2000_characters(client, member_user, member):
    task = make_task(member, due=today())
    client.force_login(member_user)

    client.post(complete_url(task), {"reflection": "学" * 2000})

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert len(task.reflection) == 2000


def test_it_refuses_to_complete_a_closed_task(client, member_user, member):
    task = make_task(member, due=today(), status=TaskStatus.CLOSED)
    client.force_login(member_user)

    response = client.post(complete_url(task), {"reflection": REFLECTION}, **HTMX)

    assert "该学习任务已关闭。" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED


def test_it_answers_404_for_another_members_task(client, member_user, secretary):
    task = make_task(secretary.member, due=today())
    client.force_login(member_user)

    response = client.post(complete_url(task), {"reflection": REFLECTION})

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_it_answers_404_to_the_secretary_of_another_branch(client, member_user, member, other_branch_secretary):
    task = make_task(member, due=today())
    client.force_login(other_branch_secretary)

    assert client.post(complete_url(task), {"reflection": REFLECTION}).status_code == 404


def test_it_answers_404_even_to_the_members_own_secretary(client, member, secretary):
    """Completing is the member's own act; the secretary reads the 心得 on the progress grid."""
    task = make_task(member, due=today())
    client.force_login(secretary)

    assert client.post(complete_url(task), {"reflection": REFLECTION}).status_code == 404


def test_it_only_completes_with_post(client, member_user, member):
    task = make_task(member, due=today())
    client.force_login(member_user)

    assert client.get(complete_url(task)).status_code == 405


def test_it_works_for_a_member_in_a_freshly_created_branch(client, sibling_branch):
    user = UserFactory(username="newcomer")
    newcomer = MemberFactory(organization=sibling_branch, name="新党员", user=user)
    task = make_task(newcomer, due=today(), topic="入党教育")
    client.force_login(user)

    client.post(complete_url(task), {"reflection": REFLECTION})

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


# What matters today: this week's meetings and the 补学 given this month ---------------------------------------


def _makeup(member, *, due: datetime.date, created: datetime.datetime, status: str = TaskStatus.OPEN) -> StudyTask:
    """A 补学 task for a missed meeting, given (created) at `created`."""
    from activities.meetings import services as meetings
    from activities.models import MeetingKind

    starts = created - datetime.timedelta(days=1)
    missed = meetings.meeting_create(
        organization=member.organization,
        created_by=None,
        kind=MeetingKind.THEME_DAY,
        topic="主题党日",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    task = StudyTask.objects.create(
        member=member,
        kind=TaskKind.MAKEUP,
        meeting=missed,
        topic="补学：主题党日",
        hours=Decimal(2),
        organization=member.organization,
        due_date=due,
        status=status,
    )
    StudyTask.objects.filter(pk=task.pk).update(created_at=created)
    return task


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_it_counts_a_makeup_task_given_this_month_in_this_month_even_when_due_next_month(member_user, member):
    day = datetime.date(YEAR, 6, 26)
    given_now = _makeup(member, due=datetime.date(YEAR, 7, 26), created=_at(datetime.date(YEAR, 6, 25)))
    given_in_may = _makeup(member, due=datetime.date(YEAR, 7, 10), created=_at(datetime.date(YEAR, 5, 31)))
    due_now = _makeup(member, due=datetime.date(YEAR, 6, 30), created=_at(datetime.date(YEAR, 5, 30)))

    study = selectors.my_study_get(user=member_user, member=member, today=day, now=_at(day))

    assert [task.pk for task in study.this_month] == [due_now.pk, given_now.pk]
    assert [task.pk for task in study.upcoming] == [given_in_may.pk]
    assert study.overdue == []


def test_the_page_counts_the_makeup_task_given_this_month_under_this_month(client, member_user, member):
    next_month = (today().replace(day=1) + datetime.timedelta(days=32)).replace(day=5)
    _makeup(member, due=next_month, created=timezone.now())
    client.force_login(member_user)

    html = client.get(URL).content.decode()

    month_section = html.split('id="study-month-title"')[1].split("</section>")[0]
    assert "补学：主题党日" in month_section
    assert "本月 <strong>1</strong>" in html


@pytest.fixture
def week(member, secretary):
    """Meetings around a Wednesday: today's (9:00–11:00), Friday's, next Monday's and another group's today."""
    from activities.meetings import services as meetings
    from activities.models import MeetingKind
    from tests.factories import PartyGroupFactory

    june_10 = datetime.date(YEAR, 6, 10)
    wednesday = june_10 + datetime.timedelta(days=2 - june_10.weekday())

    def meeting(day, topic, kind=MeetingKind.THEME_DAY, **fields):
        return meetings.meeting_create(
            organization=member.organization,
            created_by=secretary,
            kind=kind,
            topic=topic,
            starts_at=_at(day, 9),
            ends_at=_at(day, 11),
            location="党员活动室",
            **fields,
        )

    other_group = PartyGroupFactory(organization=member.organization)
    return SimpleNamespace(
        day=wednesday,
        today=meeting(wednesday, "今天的主题党日"),
        friday=meeting(wednesday + datetime.timedelta(days=2), "周五的党课"),
        next_week=meeting(wednesday + datetime.timedelta(days=5), "下周一的会"),
        other_group=meeting(wednesday, "别的党小组的会", group=other_group, kind=MeetingKind.GROUP_MEETING),
    )


def test_it_opens_with_the_members_meetings_of_this_week_and_the_sign_in_while_it_is_open(member_user, member, week):
    study = selectors.my_study_get(user=member_user, member=member, today=week.day, now=_at(week.day, 9) + MINUTES_10)

    assert [meeting.title for meeting in study.meetings_soon] == ["主题党日 · 今天的主题党日", "主题党日 · 周五的党课"]
    today_meeting, friday = study.meetings_soon
    assert today_meeting.sign_in_open
    assert today_meeting.url == week.today.get_absolute_url()
    assert not friday.sign_in_open  # not open yet
    assert not today_meeting.signed_in


def test_it_drops_the_sign_in_link_once_the_member_has_signed_in(member_user, member, week):
    from activities.signin import services as signin

    signin.sign_in(meeting=week.today, member=member, now=_at(week.day, 9))

    study = selectors.my_study_get(user=member_user, member=member, today=week.day, now=_at(week.day, 9) + MINUTES_10)

    assert study.meetings_soon[0].signed_in
    assert not study.meetings_soon[0].sign_in_open
