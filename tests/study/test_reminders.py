"""Scheduled reminders: who gets what, once only, and again in the next period."""

import datetime
from smtplib import SMTPException

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import RoleKind
from notifications.models import Notification, Reminder, ReminderKind
from study import reminders, tasks
from study.learning import services as learning_services
from study.models import StudyTask, TaskStatus
from study.plans import services as services
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, MemberFactory, UserFactory, give_role
from tests.study.conftest import YEAR, add_monthly_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_login_member(branch):
    return MemberFactory(organization=branch, name="无账号党员")


@pytest.fixture
def plan_with_tasks(filed_plan, member_user, no_login_member):
    """The filed branch plan (an item due on the 25th of each month) with tasks for every active member:
    the secretary and member_user (with logins) and a member without a login."""
    learning_services.tasks_sync_for_plan(plan=filed_plan)
    return filed_plan


def reminders_of(kind, user=None):
    qs = Reminder.objects.filter(kind=kind)
    return qs.filter(recipient=user) if user else qs


def task_of(user, month):
    return StudyTask.objects.get(member__user=user, item__month=month)


# Tasks due within three days --------------------------------------------------------------------------------


def test_it_reminds_each_member_with_a_login_of_a_task_due_within_three_days(
    plan_with_tasks, branch, secretary, member_user, no_login_member, mailoutbox
):
    sent = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 23))

    assert sent == 2
    march = {user: task_of(user, 3) for user in (secretary, member_user)}
    for user, task in march.items():
        reminder = reminders_of(ReminderKind.TASK_DUE_SOON, user).get()
        assert (reminder.object_key, reminder.period) == (f"task:{task.pk}", f"{YEAR}-03-25")
        assert reminder.notification.title == "学习任务“3月学习：党章第3章”将于3月25日到期"
        assert reminder.notification.url == "/me/study/"
    assert not Reminder.objects.filter(recipient__member=no_login_member).exists()
    assert sorted(message.to[0] for message in mailoutbox) == sorted([secretary.email, member_user.email])


def test_it_sends_a_due_soon_reminder_once_however_often_it_runs(plan_with_tasks, branch, mailoutbox):
    first = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 22))
    again = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 22))
    next_day = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 24))

    assert (first, again, next_day) == (2, 0, 0)
    assert Notification.objects.count() == 2
    assert len(mailoutbox) == 2


def test_it_reminds_again_for_the_next_months_task(plan_with_tasks, branch, member_user):
    reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 23))
    sent = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 4, 23))

    assert sent == 2
    periods = set(reminders_of(ReminderKind.TASK_DUE_SOON, member_user).values_list("period", flat=True))
    assert periods == {f"{YEAR}-03-25", f"{YEAR}-04-25"}


@pytest.mark.parametrize(("day", "expected"), [(21, 0), (22, 2), (25, 2), (26, 0)])
def test_it_reminds_only_inside_the_three_day_window(plan_with_tasks, branch, day, expected):
    sent = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, day))

    assert sent == expected


def test_it_does_not_remind_of_done_or_closed_tasks(plan_with_tasks, branch, secretary, member_user):
    learning_services.task_complete(task=task_of(member_user, 3), reflection="认真学习了党章第三章，体会很深。")
    StudyTask.objects.filter(pk=task_of(secretary, 3).pk).update(status=TaskStatus.CLOSED)

    sent = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 23))

    assert sent == 0


def test_it_skips_inactive_accounts_and_mails_only_users_with_an_address(
    plan_with_tasks, branch, secretary, member_user, mailoutbox
):
    member_user.is_active = False
    member_user.save(update_fields=["is_active"])
    secretary.email = ""
    secretary.save(update_fields=["email"])

    sent = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 23))

    assert sent == 1
    assert reminders_of(ReminderKind.TASK_DUE_SOON).get().recipient == secretary
    assert mailoutbox == []


def test_it_reminds_only_the_branches_of_the_chunk(plan_with_tasks, branch, sibling_branch):
    sent = reminders.due_task_reminders_send(organization_ids=[sibling_branch.pk], today=datetime.date(YEAR, 3, 23))

    assert sent == 0
    assert not Reminder.objects.exists()


def test_the_scan_fans_out_chunks_of_branches_and_sends_once(
    plan_with_tasks, branch, other_branch, other_branch_secretary, monkeypatch, django_capture_on_commit_callbacks
):
    other_member = MemberFactory(organization=other_branch, name="西城党员", user=UserFactory())
    other_plan = services.plan_create(organization=other_branch, year=YEAR, title="西城计划", created_by=None)
    add_monthly_items(other_plan, months=[3])
    services.plan_submit(plan=other_plan, submitted_by=other_branch_secretary)
    services.plan_file(plan=other_plan, filed_by=UserFactory())
    monkeypatch.setattr(reminders, "REMINDER_CHUNK_SIZE", 1)

    with django_capture_on_commit_callbacks(execute=True):
        chunks = tasks.due_task_reminders_schedule.apply(kwargs={"today": f"{YEAR}-03-23"}).get()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.due_task_reminders_schedule.apply(kwargs={"today": f"{YEAR}-03-23"}).get()

    assert chunks == 2
    assert reminders_of(ReminderKind.TASK_DUE_SOON).count() == 3
    assert reminders_of(ReminderKind.TASK_DUE_SOON, other_member.user).get().object_key.startswith("task:")
    assert Notification.objects.filter(reminder__kind=ReminderKind.TASK_DUE_SOON).count() == 3


def test_the_scan_costs_the_same_queries_whatever_the_number_of_tasks(
    plan_with_tasks, branch, sibling_branch, district_officer, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert reminders.due_task_reminders_schedule(today=datetime.date(YEAR, 3, 23)) == 1

    for i in range(15):
        MemberFactory(organization=branch, name=f"新党员{i}", user=UserFactory())
    sibling_plan = services.plan_create(organization=sibling_branch, year=YEAR, title="计划", created_by=None)
    MemberFactory(organization=sibling_branch, user=UserFactory())
    add_monthly_items(sibling_plan)
    services.plan_submit(plan=sibling_plan, submitted_by=district_officer)
    services.plan_file(plan=sibling_plan, filed_by=district_officer)
    learning_services.tasks_sync_for_plan(plan=plan_with_tasks)

    with django_assert_num_queries(1):
        assert reminders.due_task_reminders_schedule(today=datetime.date(YEAR, 3, 23)) == 1


def test_a_failed_email_is_sent_again_when_the_task_is_retried(
    plan_with_tasks, branch, secretary, member_user, settings, mailoutbox
):
    settings.MAILERS = {"default": {"BACKEND": "tests.study.test_reminders.RefusingEmailBackend"}}
    with pytest.raises(SMTPException):
        reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 23))
    assert not Notification.objects.exists()

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    sent = reminders.due_task_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 23))

    assert sent == 2
    assert len(mailoutbox) == 2


class RefusingEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise SMTPException("connection refused")


# Weekly overdue digest --------------------------------------------------------------------------------------


def test_it_sends_each_member_one_digest_of_their_overdue_tasks(
    plan_with_tasks, branch, secretary, member_user, no_login_member
):
    learning_services.task_complete(task=task_of(member_user, 2), reflection="二月的学习任务已经完成，收获很大。")
    monday = datetime.date(YEAR, 3, 30)

    sent = reminders.overdue_task_digests_send(organization_ids=[branch.pk], today=monday)

    assert sent == 2
    mine = reminders_of(ReminderKind.TASKS_OVERDUE_DIGEST, member_user).get()
    member = member_user.member
    assert (mine.object_key, mine.period) == (f"member:{member.pk}", reminders.iso_week(monday))
    assert mine.notification.title == "您有2项学习任务已逾期"
    assert "1月学习：党章第1章（期限：1月25日）" in mine.notification.body
    assert "2月学习" not in mine.notification.body
    assert (
        reminders_of(ReminderKind.TASKS_OVERDUE_DIGEST, secretary).get().notification.title == "您有3项学习任务已逾期"
    )
    assert not Reminder.objects.filter(recipient__member=no_login_member).exists()


def test_it_sends_the_digest_once_a_week_and_again_the_next_week(plan_with_tasks, branch):
    monday = datetime.date(YEAR, 3, 30)

    first = reminders.overdue_task_digests_send(organization_ids=[branch.pk], today=monday)
    same_week = reminders.overdue_task_digests_send(
        organization_ids=[branch.pk], today=monday + datetime.timedelta(days=3)
    )
    next_week = reminders.overdue_task_digests_send(
        organization_ids=[branch.pk], today=monday + datetime.timedelta(days=7)
    )

    assert (first, same_week, next_week) == (2, 0, 2)
    assert set(reminders_of(ReminderKind.TASKS_OVERDUE_DIGEST).values_list("period", flat=True)) == {
        reminders.iso_week(monday),
        reminders.iso_week(monday + datetime.timedelta(days=7)),
    }


def test_a_member_with_nothing_overdue_gets_no_digest(plan_with_tasks, branch, member_user):
    for month in (1, 2):
        learning_services.task_complete(task=task_of(member_user, month), reflection="按时完成了本月的学习任务。")

    reminders.overdue_task_digests_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 2))

    assert not reminders_of(ReminderKind.TASKS_OVERDUE_DIGEST, member_user).exists()
    assert reminders_of(ReminderKind.TASKS_OVERDUE_DIGEST).count() == 1


def test_the_digest_job_runs_from_the_scan(plan_with_tasks, branch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        chunks = tasks.overdue_task_digests_schedule.apply(kwargs={"today": f"{YEAR}-03-30"}).get()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.overdue_task_digests_schedule.apply(kwargs={"today": f"{YEAR}-03-31"}).get()

    assert chunks == 1
    assert reminders_of(ReminderKind.TASKS_OVERDUE_DIGEST).count() == 2


def test_iso_weeks_roll_over_at_the_year_end():
    assert reminders.iso_week(datetime.date(2026, 11, 23)) == "2026-W48"
    assert reminders.iso_week(datetime.date(2025, 12, 29)) == "2026-W01"


# Next month's plan missing (the 25th) -----------------------------------------------------------------------


@pytest.fixture
def sibling_secretary(sibling_branch):
    user = UserFactory(username="sibling_secretary", first_name="孙书记")
    give_role(user, sibling_branch, RoleKind.SECRETARY)
    MemberFactory(organization=sibling_branch, name="孙书记", user=user)
    return user


def test_it_reminds_the_managers_of_a_branch_without_next_months_plan(
    plan_with_tasks, branch, sibling_branch, secretary, sibling_secretary, mailoutbox
):
    organizer = UserFactory()
    give_role(organizer, sibling_branch, RoleKind.ORGANIZER)
    propaganda = UserFactory()
    give_role(propaganda, sibling_branch, RoleKind.PROPAGANDA)

    sent = reminders.monthly_plan_reminders_send(
        organization_ids=[branch.pk, sibling_branch.pk], today=datetime.date(YEAR, 3, 25)
    )

    assert sent == 2
    assert set(reminders_of(ReminderKind.MONTHLY_PLAN_MISSING).values_list("recipient", flat=True)) == {
        sibling_secretary.pk,
        organizer.pk,
    }
    reminder = reminders_of(ReminderKind.MONTHLY_PLAN_MISSING, sibling_secretary).get()
    assert (reminder.object_key, reminder.period) == (f"org:{sibling_branch.pk}", f"{YEAR}-04")
    assert reminder.notification.title == f"第二党支部尚未安排{YEAR}年4月的学习计划"
    assert reminder.notification.url == f"/orgs/{sibling_branch.pk}/plans/"
    assert len(mailoutbox) == 2


def test_a_draft_plan_with_next_month_counts_and_one_without_does_not(branch, secretary, member_user):
    plan = services.plan_create(organization=branch, year=YEAR, title="计划", created_by=secretary)
    add_monthly_items(plan, months=[1, 2, 3])

    in_march = reminders.monthly_plan_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 2, 25))
    in_april = reminders.monthly_plan_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 3, 25))

    assert (in_march, in_april) == (0, 1)
    assert reminders_of(ReminderKind.MONTHLY_PLAN_MISSING, secretary).get().period == f"{YEAR}-04"


def test_it_reminds_once_a_month_and_again_the_next_month(sibling_branch, sibling_secretary):
    first = reminders.monthly_plan_reminders_send(
        organization_ids=[sibling_branch.pk], today=datetime.date(YEAR, 3, 25)
    )
    again = reminders.monthly_plan_reminders_send(
        organization_ids=[sibling_branch.pk], today=datetime.date(YEAR, 3, 26)
    )
    next_month = reminders.monthly_plan_reminders_send(
        organization_ids=[sibling_branch.pk], today=datetime.date(YEAR, 4, 25)
    )

    assert (first, again, next_month) == (1, 0, 1)


def test_on_the_25th_of_december_it_asks_for_januarys_plan_of_next_year(plan_with_tasks, branch, secretary):
    sent = reminders.monthly_plan_reminders_send(organization_ids=[branch.pk], today=datetime.date(YEAR, 12, 25))

    assert sent == 1
    reminder = reminders_of(ReminderKind.MONTHLY_PLAN_MISSING, secretary).get()
    assert reminder.period == f"{YEAR + 1}-01"
    assert f"{YEAR + 1}年1月" in reminder.notification.title


def test_branches_without_members_or_managers_are_not_reminded(
    committee, sibling_branch, django_capture_on_commit_callbacks
):
    empty = BranchFactory(name="空支部", parent=committee)
    give_role(UserFactory(), empty, RoleKind.SECRETARY)
    MemberFactory(organization=sibling_branch, name="无人管理的支部党员")

    with django_capture_on_commit_callbacks(execute=True):
        chunks = tasks.monthly_plan_reminders_schedule.apply(kwargs={"today": f"{YEAR}-03-25"}).get()

    assert chunks == 0
    assert not Reminder.objects.exists()


def test_the_monthly_job_reminds_every_branch_concerned_once(
    plan_with_tasks, sibling_secretary, other_branch, other_branch_secretary, django_capture_on_commit_callbacks
):
    MemberFactory(organization=other_branch)
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.monthly_plan_reminders_schedule.apply(kwargs={"today": f"{YEAR}-03-25"}).get()

    assert set(reminders_of(ReminderKind.MONTHLY_PLAN_MISSING).values_list("recipient", flat=True)) == {
        sibling_secretary.pk,
        other_branch_secretary.pk,
    }
    assert Notification.objects.filter(reminder__kind=ReminderKind.MONTHLY_PLAN_MISSING).count() == 2


# Annual plan not filed by 31 January ------------------------------------------------------------------------


def run_annual_job(today: datetime.date, capture) -> int:
    with capture(execute=True):
        return tasks.annual_plan_reminders_schedule.apply(kwargs={"today": today.isoformat()}).get()


def test_in_late_january_only_the_managers_of_unfiled_branches_are_reminded(
    plan_with_tasks, secretary, sibling_branch, sibling_secretary, district_officer, django_capture_on_commit_callbacks
):
    run_annual_job(datetime.date(YEAR, 1, 20), django_capture_on_commit_callbacks)

    reminder = reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED).get()
    assert reminder.recipient == sibling_secretary
    assert (reminder.object_key, reminder.period) == (f"org:{sibling_branch.pk}", str(YEAR))
    assert reminder.notification.title == f"第二党支部的{YEAR}年度学习计划尚未备案"
    assert f"本支部还没有{YEAR}年度学习计划" in reminder.notification.body


def test_the_annual_reminder_is_sent_once_a_year_and_again_next_year(
    sibling_branch, sibling_secretary, django_capture_on_commit_callbacks
):
    for day in (20, 21, 31):
        run_annual_job(datetime.date(YEAR, 1, day), django_capture_on_commit_callbacks)
    assert reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED, sibling_secretary).count() == 1

    run_annual_job(datetime.date(YEAR + 1, 1, 20), django_capture_on_commit_callbacks)

    assert set(reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED).values_list("period", flat=True)) == {
        str(YEAR),
        str(YEAR + 1),
    }


def test_the_reminder_says_what_the_branch_still_has_to_do(
    submitted_plan, branch, secretary, member_user, sibling_branch, sibling_secretary
):
    draft = services.plan_create(organization=sibling_branch, year=YEAR, title="计划", created_by=sibling_secretary)
    add_monthly_items(draft, months=[1])

    sent = reminders.annual_plan_reminders_send(
        organization_ids=[branch.pk, sibling_branch.pk], today=datetime.date(YEAR, 1, 25)
    )

    assert sent == 2
    assert (
        "正在等待上级党组织备案" in reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED, secretary).get().notification.body
    )
    assert "计划还是草稿" in reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED, sibling_secretary).get().notification.body


def test_from_february_the_officers_above_get_one_digest_per_committee(
    submitted_plan,
    district,
    branch,
    secretary,
    sibling_branch,
    sibling_secretary,
    district_officer,
    other_branch,
    other_branch_secretary,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    MemberFactory(organization=other_branch)
    run_annual_job(datetime.date(YEAR, 1, 31), django_capture_on_commit_callbacks)
    assert not reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED, district_officer).exists()

    run_annual_job(datetime.date(YEAR, 2, 1), django_capture_on_commit_callbacks)
    run_annual_job(datetime.date(YEAR, 2, 1), django_capture_on_commit_callbacks)

    digest = reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED, district_officer).get()
    assert (digest.object_key, digest.period) == (f"org:{district.pk}", str(YEAR))
    assert digest.notification.title == f"东城区委所属2个党支部的{YEAR}年度学习计划尚未备案"
    assert "· 第一党支部（已报送，待备案）" in digest.notification.body
    assert "· 第二党支部" in digest.notification.body
    assert "西城" not in digest.notification.body
    assert digest.notification.url == f"/orgs/{district.pk}/plan-filing/"
    # The managers of each unfiled branch were told once, in January.
    assert {r.recipient for r in reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED).exclude(pk=digest.pk)} == {
        secretary,
        sibling_secretary,
        other_branch_secretary,
    }
    assert reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED).count() == 4
    assert len(mailoutbox) == 4


def test_the_digest_goes_to_the_nearest_committee_with_officers(
    committee, sibling_branch, sibling_secretary, district_officer, django_capture_on_commit_callbacks
):
    committee_officer = UserFactory(username="committee_officer")
    give_role(committee_officer, committee, RoleKind.OFFICER)
    enrol_totp(committee_officer)

    run_annual_job(datetime.date(YEAR, 2, 1), django_capture_on_commit_callbacks)

    digest = reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED, committee_officer).get()
    assert digest.object_key == f"org:{committee.pk}"
    assert not reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED, district_officer).exists()


def test_a_branch_whose_plan_is_filed_is_not_reminded_nor_listed(
    plan_with_tasks, district_officer, django_capture_on_commit_callbacks
):
    chunks = run_annual_job(datetime.date(YEAR, 2, 1), django_capture_on_commit_callbacks)

    assert chunks == 0
    assert not reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED).exists()


def test_a_revised_plan_still_counts_as_filed(plan_with_tasks, branch, secretary, django_capture_on_commit_callbacks):
    services.plan_revise(plan=plan_with_tasks, revised_by=secretary)

    run_annual_job(datetime.date(YEAR, 2, 1), django_capture_on_commit_callbacks)

    assert not reminders_of(ReminderKind.ANNUAL_PLAN_NOT_FILED).exists()


def test_the_officer_digest_waits_for_the_deadline(committee, sibling_secretary, district_officer, district):
    before = reminders.annual_plan_officer_digests_send(committee_ids=[district.pk], today=datetime.date(YEAR, 1, 31))
    after = reminders.annual_plan_officer_digests_send(committee_ids=[district.pk], today=datetime.date(YEAR, 2, 1))

    assert (before, after) == (0, 1)


# The beat schedule ------------------------------------------------------------------------------------------


def test_the_beat_schedule_runs_the_four_jobs_at_their_times():
    from portal.celery import app

    app.autodiscover_tasks(force=True)  # as a worker does at start: every app's tasks.py
    schedule = settings.CELERY_BEAT_SCHEDULE
    by_task = {}
    for entry in schedule.values():
        assert entry["task"] in app.tasks
        assert isinstance(entry["schedule"], crontab)
        by_task.setdefault(entry["task"], []).append(entry["schedule"])

    daily = by_task["study.tasks.due_task_reminders_schedule"][0]
    assert (daily.hour, daily.minute, len(daily.day_of_week)) == ({8}, {0}, 7)
    weekly = by_task["study.tasks.overdue_task_digests_schedule"][0]
    assert (weekly.hour, weekly.day_of_week) == ({8}, {1})
    monthly = by_task["study.tasks.monthly_plan_reminders_schedule"][0]
    assert (monthly.hour, monthly.day_of_month) == ({9}, {25})
    annual = sorted(by_task["study.tasks.annual_plan_reminders_schedule"], key=lambda c: min(c.month_of_year))
    assert (annual[0].month_of_year, annual[0].day_of_month) == ({1}, set(range(20, 32)))
    assert (annual[1].month_of_year, annual[1].day_of_month) == ({2}, {1})
    assert app.conf.timezone == settings.TIME_ZONE == "Asia/Shanghai"


@pytest.mark.parametrize(
    "name",
    [
        "due_task_reminders_schedule",
        "due_task_reminders_send",
        "overdue_task_digests_schedule",
        "overdue_task_digests_send",
        "monthly_plan_reminders_schedule",
        "monthly_plan_reminders_send",
        "annual_plan_reminders_schedule",
        "annual_plan_reminders_send",
        "annual_plan_officer_digests_send",
    ],
)
def test_the_reminder_tasks_retry_transient_errors_with_backoff(name):
    task = getattr(tasks, name)

    assert task.name == f"study.tasks.{name}"
    assert set(task.autoretry_for) == {SMTPException, ConnectionError}
    assert (task.retry_backoff, task.max_retries, task.acks_late) == (True, 5, True)


# Building the messages: aggregated queries, not one per member or branch --------------------------------------


def queries_of_a_rerun(send, **kwargs) -> int:
    """Queries of a run that finds everything already sent: the cost of building the messages."""
    send(**kwargs)
    with CaptureQueriesContext(connection) as captured:
        assert send(**kwargs) == 0
    return len(captured)


@pytest.mark.parametrize(
    ("send", "today"),
    [
        (reminders.due_task_reminders_send, datetime.date(YEAR, 3, 23)),
        (reminders.overdue_task_digests_send, datetime.date(YEAR, 3, 30)),
    ],
)
def test_member_reminders_cost_the_same_queries_for_2_or_17_members(plan_with_tasks, branch, send, today):
    small = queries_of_a_rerun(send, organization_ids=[branch.pk], today=today)
    for i in range(15):
        MemberFactory(organization=branch, name=f"新党员{i}", user=UserFactory())
    learning_services.tasks_sync_for_plan(plan=plan_with_tasks)

    large = queries_of_a_rerun(send, organization_ids=[branch.pk], today=today)

    assert Reminder.objects.values("recipient").distinct().count() == 17
    assert small == large


def managed_branches(committee, count):
    branches = []
    for _i in range(count):
        branch = BranchFactory(parent=committee)
        user = UserFactory()
        give_role(user, branch, RoleKind.SECRETARY)
        MemberFactory(organization=branch, user=user)
        branches.append(branch)
    return branches


@pytest.mark.parametrize(
    ("send", "today"),
    [
        (reminders.monthly_plan_reminders_send, datetime.date(YEAR, 3, 25)),
        (reminders.annual_plan_reminders_send, datetime.date(YEAR, 2, 1)),
    ],
)
def test_branch_reminders_cost_the_same_queries_for_1_or_8_branches(committee, send, today):
    few = managed_branches(committee, 1)
    small = queries_of_a_rerun(send, organization_ids=[b.pk for b in few], today=today)
    many = managed_branches(committee, 8)

    large = queries_of_a_rerun(send, organization_ids=[b.pk for b in many], today=today)

    assert small == large


def test_the_officer_digest_costs_the_same_queries_for_1_or_8_branches(committee, district, district_officer):
    managed_branches(committee, 1)
    today = datetime.date(YEAR, 2, 1)
    small = queries_of_a_rerun(reminders.annual_plan_officer_digests_send, committee_ids=[district.pk], today=today)
    Reminder.objects.all().delete()
    managed_branches(committee, 7)

    large = queries_of_a_rerun(reminders.annual_plan_officer_digests_send, committee_ids=[district.pk], today=today)

    assert "8个党支部" in Notification.objects.latest("pk").title
    assert small == large


@pytest.mark.parametrize(
    ("schedule", "today", "queries"),
    [
        (reminders.due_task_reminders_schedule, datetime.date(YEAR, 3, 23), 1),
        (reminders.overdue_task_digests_schedule, datetime.date(YEAR, 3, 30), 1),
        (reminders.monthly_plan_reminders_schedule, datetime.date(YEAR, 3, 25), 1),
        (reminders.annual_plan_reminders_schedule, datetime.date(YEAR, 1, 20), 1),
        (reminders.annual_plan_reminders_schedule, datetime.date(YEAR, 2, 1), 2),
    ],
)
def test_each_scan_is_a_fixed_number_of_queries(
    plan_with_tasks, committee, district_officer, schedule, today, queries, django_assert_num_queries
):
    managed_branches(committee, 5)

    with django_assert_num_queries(queries):
        schedule(today=today)
