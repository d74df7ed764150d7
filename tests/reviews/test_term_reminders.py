"""换届 reminders: six months and 60 days before a term ends and once when it is overdue, to the branch's 书记
and the parent's 党委工作人员; each once (a second run, the next day's run, a retry send nothing); a new term is
reminded afresh; the beat runs the task daily."""

import datetime

import pytest
from django.conf import settings

from branches.models import Organization, RoleKind
from notifications.models import Notification, Reminder, ReminderKind
from reviews.oversight.term_reminders import SIX_MONTHS_DAYS, term_reminders_send
from reviews.tasks import term_reminders_send as term_reminders_task
from tests.conftest import enrol_totp
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee_officer", first_name="陈干事")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


def _ends(branch, day):
    Organization.objects.filter(pk=branch.pk).update(
        term_started_on=day - datetime.timedelta(days=1095), term_ends_on=day
    )


def test_it_reminds_the_secretary_and_parent_officers_at_each_step_once(
    branch, secretary, committee_officer, district_officer
):
    ends = TODAY + datetime.timedelta(days=SIX_MONTHS_DAYS)
    _ends(branch, ends)
    assert term_reminders_send(today=TODAY) == 2
    assert term_reminders_send(today=TODAY) == 0
    assert term_reminders_send(today=TODAY + datetime.timedelta(days=1)) == 0  # inside the catch-up window
    recipients = set(Reminder.objects.values_list("recipient__username", "kind", "period"))
    assert recipients == {
        ("secretary", ReminderKind.TERM_DUE_SOON, f"6m:{ends}"),
        ("committee_officer", ReminderKind.TERM_DUE_SOON, f"6m:{ends}"),
    }  # the district's officer is not the parent's
    assert term_reminders_send(today=ends - datetime.timedelta(days=60)) == 2
    assert term_reminders_send(today=ends - datetime.timedelta(days=59)) == 0
    assert term_reminders_send(today=ends) == 0  # the last day of the term: not yet overdue
    assert term_reminders_send(today=ends + datetime.timedelta(days=1)) == 2
    assert term_reminders_send(today=ends + datetime.timedelta(days=2)) == 0
    assert Notification.objects.filter(recipient=secretary).count() == 3
    overdue = Notification.objects.filter(recipient=secretary).order_by("-pk").first()
    assert "已届满" in overdue.title and overdue.url == branch.get_absolute_url()


def test_a_new_term_is_reminded_afresh_and_old_overdue_terms_are_left_out(branch, secretary):
    _ends(branch, TODAY - datetime.timedelta(days=30))  # overdue long before the job first ran
    assert term_reminders_send(today=TODAY) == 0
    _ends(branch, TODAY + datetime.timedelta(days=60))
    assert term_reminders_send(today=TODAY) == 1
    _ends(branch, TODAY + datetime.timedelta(days=58))  # the date moved: a new term end, reminded again
    assert term_reminders_send(today=TODAY) == 1


def test_the_task_runs_daily_from_the_beat(branch, secretary):
    _ends(branch, TODAY - datetime.timedelta(days=1))
    assert term_reminders_task.apply(kwargs={"today": TODAY.isoformat()}).get() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-term-reminders"]
    assert entry["task"] == "reviews.tasks.term_reminders_send"
    assert entry["schedule"].hour == {8}
