"""The secretary's members × tasks grid for a month, the 心得 behind a done cell, and the once-a-month nudge."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from branches import services as branch_services
from branches.models import MembershipType, MemberStatus, RoleKind
from notifications.models import Notification, Reminder, ReminderKind
from study.learning import services as learning_services
from study.models import Audience, StudyForm, StudyTask
from study.plans import services as services
from study.plans.selectors import CELL_DONE, CELL_NONE, CELL_OPEN, CELL_OVERDUE
from tests.factories import MemberFactory, UserFactory, give_role
from tests.study.conftest import YEAR

pytestmark = pytest.mark.django_db

BUDGET = 10
REFLECTION = "学习了党章总纲，进一步明确了党员的义务和权利。"


def file_plan(branch, year, secretary, officer, items):
    """A filed plan for `year` with the given (month, day, topic, audience) items."""
    plan = services.plan_create(organization=branch, year=year, title=f"{year}年度学习计划", created_by=secretary)
    for month, day, topic, audience in items:
        services.plan_item_save(
            plan=plan,
            month=month,
            topic=topic,
            form=StudyForm.SELF_STUDY,
            audience=audience,
            due_date=datetime.date(year, month, day),
            hours=2,
        )
    services.plan_submit(plan=plan, submitted_by=secretary)
    return services.plan_file(plan=plan, filed_by=officer)


def progress_url(branch, month=None, **params):
    url = reverse("study:branch_progress", args=[branch.pk])
    query = [f"month={month}"] if month else []
    query += [f"{key}={value}" for key, value in params.items()]
    return url + ("?" + "&".join(query) if query else "")


@pytest.fixture
def past_plan(branch, secretary, member_user, district_officer):
    """Last year's March: one item for everyone, one for probationary members; a member has left."""
    MemberFactory(
        organization=branch, name="预备党员甲", membership_type=MembershipType.PROBATIONARY, full_member_on=None
    )
    return file_plan(
        branch,
        YEAR - 1,
        secretary,
        district_officer,
        [(3, 10, "三月：学习党章总纲", Audience.ALL), (3, 28, "三月：预备党员专题", Audience.PROBATIONARY)],
    )


def test_it_shows_members_by_tasks_with_done_open_overdue_and_not_assigned(client, secretary, member_user, past_plan):
    task = StudyTask.objects.get(member=member_user.member, item__topic="三月：学习党章总纲")
    learning_services.task_complete(task=task, reflection=REFLECTION)
    client.force_login(secretary)
    response = client.get(progress_url(past_plan.organization, f"{YEAR - 1}-03"))
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [column.item.topic for column in grid.columns] == ["三月：学习党章总纲", "三月：预备党员专题"]
    states = {row.member.name: [cell.state for cell in row.cells] for row in grid.rows}
    assert states == {
        "李党员": [CELL_DONE, CELL_NONE],
        "王书记": [CELL_OVERDUE, CELL_NONE],
        "预备党员甲": [CELL_OVERDUE, CELL_OVERDUE],
    }
    assert [(row.done, row.assigned) for row in grid.rows] == [(1, 1), (0, 1), (0, 2)]
    assert [(column.done, column.assigned, column.rate) for column in grid.columns] == [(1, 3, 33), (0, 1, 0)]
    assert (grid.done, grid.assigned, grid.rate, grid.overdue, grid.behind_count) == (1, 4, 25, 3, 2)
    text = response.content.decode()
    assert "25%" in text and "33%" in text
    assert REFLECTION not in text  # the 心得 opens on demand


def test_it_leaves_out_members_who_left_and_their_closed_tasks(
    client, secretary, member_user, past_plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        branch_services.member_status_change(
            member=member_user.member, status=MemberStatus.TRANSFERRED_OUT, on=timezone.localdate()
        )
    client.force_login(secretary)
    grid = client.get(progress_url(past_plan.organization, f"{YEAR - 1}-03")).context["grid"]
    assert [row.member.name for row in grid.rows] == ["王书记", "预备党员甲"]
    assert grid.assigned == 3


def test_it_shows_tasks_not_yet_due_as_open(client, secretary, member_user, branch, district_officer):
    file_plan(branch, YEAR + 1, secretary, district_officer, [(2, 20, "明年二月学习", Audience.ALL)])
    client.force_login(secretary)
    grid = client.get(progress_url(branch, f"{YEAR + 1}-02")).context["grid"]
    assert {cell.state for row in grid.rows for cell in row.cells} == {CELL_OPEN}
    assert grid.overdue == 0


def test_it_links_to_the_previous_and_next_month(client, secretary, branch):
    client.force_login(secretary)
    text = client.get(progress_url(branch, f"{YEAR}-01")).content.decode()
    assert f"?month={YEAR - 1}-12" in text
    assert f"?month={YEAR}-02" in text
    assert "没有到期的学习任务" in text


def test_it_defaults_to_this_month(client, secretary, branch):
    client.force_login(secretary)
    grid = client.get(progress_url(branch)).context["grid"]
    today = timezone.localdate()
    assert (grid.month.year, grid.month.month) == (today.year, today.month)
    assert grid.is_current_month


@pytest.mark.parametrize("month", ["2026-13", "abc", "1999-01", "2026-1-1", "9999-01"])
def test_it_falls_back_to_this_month_for_a_bad_month(client, secretary, branch, month):
    client.force_login(secretary)
    response = client.get(progress_url(branch, month))
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["grid"].month == today.replace(day=1)
    assert "月份格式不正确" in response.content.decode()


def test_it_opens_a_done_cells_reflection_with_htmx_or_without(client, secretary, member_user, past_plan):
    task = StudyTask.objects.get(member=member_user.member, item__topic="三月：学习党章总纲")
    learning_services.task_complete(task=task, reflection=REFLECTION)
    client.force_login(secretary)
    month = f"{YEAR - 1}-03"
    page = client.get(progress_url(past_plan.organization, month)).content.decode()
    assert f'hx-get="?month={month}&amp;task={task.pk}"' in page
    assert f'href="?month={month}&amp;task={task.pk}#reflection"' in page

    partial = client.get(progress_url(past_plan.organization, month, task=task.pk), headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert REFLECTION in text
    assert "<html" not in text
    assert "李党员的学习心得" in text

    full = client.get(progress_url(past_plan.organization, month, task=task.pk)).content.decode()
    assert REFLECTION in full and "<html" in full


def test_it_answers_404_for_a_task_that_is_open_foreign_or_not_a_number(
    client, secretary, member_user, past_plan, other_branch, district_officer, other_branch_secretary
):
    open_task = StudyTask.objects.filter(member=member_user.member, status="open").first()
    MemberFactory(organization=other_branch, name="西城党员")
    foreign_plan = file_plan(other_branch, YEAR - 1, other_branch_secretary, None, [(3, 10, "西城", Audience.ALL)])
    foreign_task = StudyTask.objects.get(item__plan=foreign_plan)
    learning_services.task_complete(task=foreign_task, reflection=REFLECTION)
    client.force_login(secretary)
    for task in (open_task.pk, foreign_task.pk, "x"):
        assert client.get(progress_url(past_plan.organization, f"{YEAR - 1}-03", task=task)).status_code == 404


def test_it_lets_the_branch_committee_and_officers_above_see_the_grid(client, branch, district_officer, member_user):
    propaganda = UserFactory()
    give_role(propaganda, branch, RoleKind.PROPAGANDA)
    for user in (district_officer, propaganda):
        client.force_login(user)
        assert client.get(progress_url(branch)).status_code == 200
    client.force_login(propaganda)
    assert client.post(reverse("study:branch_progress_remind", args=[branch.pk])).status_code == 403


def test_it_answers_403_to_a_member_and_404_outside_the_scope(client, member_user, other_branch_secretary, branch):
    client.force_login(member_user)
    assert client.get(progress_url(branch)).status_code == 403
    assert client.post(reverse("study:branch_progress_remind", args=[branch.pk])).status_code == 403
    client.force_login(other_branch_secretary)
    assert client.get(progress_url(branch)).status_code == 404
    assert client.post(reverse("study:branch_progress_remind", args=[branch.pk])).status_code == 404
    assert not Reminder.objects.exists()


def test_it_answers_404_for_a_committee(client, district_officer, committee):
    client.force_login(district_officer)
    assert client.get(progress_url(committee)).status_code == 404
    assert client.post(reverse("study:branch_progress_remind", args=[committee.pk])).status_code == 404


def this_month_plan(branch, secretary, officer):
    today = timezone.localdate()
    return file_plan(
        branch,
        today.year,
        secretary,
        officer,
        [(today.month, 28 if today.month != 2 else 27, "本月学习：党章", Audience.ALL)],
    )


def test_it_reminds_each_member_behind_this_month_once(client, secretary, member_user, branch, district_officer):
    no_login = MemberFactory(organization=branch, name="无账号党员")
    plan = this_month_plan(branch, secretary, district_officer)
    done = StudyTask.objects.get(member=secretary.member, item__plan=plan)
    learning_services.task_complete(task=done, reflection=REFLECTION)
    client.force_login(secretary)
    url = reverse("study:branch_progress_remind", args=[branch.pk])

    response = client.post(url, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "已提醒1人。" in messages
    assert any(no_login.name in m and "没有登录账号" in m for m in messages)
    reminder = Reminder.objects.get()
    period = timezone.localdate().strftime("%Y-%m")
    assert (reminder.recipient, reminder.kind, reminder.object_key, reminder.period) == (
        member_user,
        ReminderKind.TASK_NUDGE,
        f"org:{branch.pk}",
        period,
    )
    notification = Notification.objects.get(recipient=member_user)
    assert "本月学习：党章" in notification.body
    assert notification.url == reverse("study:my_study")
    assert len(mail.outbox) == 1

    response = client.post(url, follow=True)
    assert "本月已提醒过，未重复发送。" in [str(m) for m in response.context["messages"]]
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_it_says_when_nobody_is_behind(client, secretary, branch):
    client.force_login(secretary)
    response = client.post(reverse("study:branch_progress_remind", args=[branch.pk]), follow=True)
    assert "本月没有未完成学习任务的党员。" in [str(m) for m in response.context["messages"]]
    assert not Reminder.objects.exists()


def test_it_shows_the_remind_button_only_for_this_month_with_someone_behind(
    client, secretary, member_user, branch, district_officer
):
    client.force_login(secretary)
    url = reverse("study:branch_progress_remind", args=[branch.pk])
    assert url not in client.get(progress_url(branch)).content.decode()
    this_month_plan(branch, secretary, district_officer)
    assert url in client.get(progress_url(branch)).content.decode()
    assert url not in client.get(progress_url(branch, f"{YEAR - 1}-03")).content.decode()


def test_the_grid_costs_the_same_for_a_big_branch(
    client, secretary, branch, sibling_branch, district_officer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small_secretary = UserFactory()
    give_role(small_secretary, sibling_branch, RoleKind.SECRETARY)
    MemberFactory(organization=sibling_branch)
    file_plan(sibling_branch, YEAR - 1, small_secretary, district_officer, [(3, 10, "一项", Audience.ALL)])

    for i in range(40):
        MemberFactory(organization=branch, name=f"党员{i:02d}", is_leading_cadre=i % 4 == 0)
    plan = file_plan(
        branch,
        YEAR - 1,
        secretary,
        district_officer,
        [(3, day, f"三月第{day}日", Audience.ALL if day % 2 else Audience.LEADING_CADRES) for day in (5, 10, 15, 20)],
    )
    for task in StudyTask.objects.filter(item__plan=plan)[:30]:
        learning_services.task_complete(task=task, reflection=REFLECTION)

    def count(user, organization):
        client.force_login(user)
        with django_assert_max_num_queries(BUDGET), CaptureQueriesContext(connection) as captured:
            response = client.get(progress_url(organization, f"{YEAR - 1}-03"))
        assert response.status_code == 200
        return len(captured), response.context["grid"]

    small, small_grid = count(small_secretary, sibling_branch)
    big, big_grid = count(secretary, branch)
    assert (len(small_grid.rows), len(small_grid.columns)) == (1, 1)
    assert (len(big_grid.rows), len(big_grid.columns)) == (41, 4)
    assert big <= small + 1  # the big branch's secretary has a member record to load
