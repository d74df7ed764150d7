"""党费 reminders when a month is closed: members who did not pay in full, and the secretary about members three
or more months behind; each sent once."""

import pytest
from django.utils import timezone

from activities.dues import selectors, services
from activities.dues.models import DuesStatus
from activities.dues.reminders import dues_reminders_send
from notifications.models import Notification, ReminderKind
from portal.periods import shift_month
from tests.activities.dues_pages import give_bases
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_closing_a_month_reminds_the_unpaid_member_and_the_secretary_of_arrears_once(
    secretary, member_user, branch, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    behind = MemberFactory(organization=branch, name="欠费三月")
    give_bases(branch)
    months = [shift_month(today.replace(day=1), -offset) for offset in (3, 2, 1)]
    for month in months:
        sheet = selectors.collection_sheet(organization=branch, month=month)
        entries = {behind.pk: services.DuesEntry(status=DuesStatus.UNPAID)}
        if month == months[-1]:
            entries[member_user.member.pk] = services.DuesEntry(status=DuesStatus.PARTIAL, amount_paid=10)
        services.dues_collection_save(sheet=sheet, entries=entries, method="cash", paid_on=today, recorded_by=secretary)
    with django_capture_on_commit_callbacks(execute=True):
        services.dues_month_close(organization=branch, month=months[-1], closed_by=secretary)

    mine = Notification.objects.get(recipient=member_user)
    assert "党费未交足" in mine.title and "实交10.00元" in mine.body
    secretaries = Notification.objects.get(recipient=secretary)
    assert "连续3个月以上" in secretaries.title and "欠费三月（3个月）" in secretaries.body
    assert member_user.reminders.get().kind == ReminderKind.DUES_UNPAID
    # A retry sends nothing again.
    assert dues_reminders_send(organization_id=branch.pk, month=months[-1]) == 0
    assert Notification.objects.count() == 2
