"""党小组 over time: set up and dissolved on a date; a dissolved group keeps its history but takes no new members
or meetings (issue #13 item 1)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.meetings.selectors import meeting_form_options
from branches import services
from branches.forms import MemberForm
from branches.models import PartyGroup
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_secretary_dissolves_a_group_on_its_page(client, secretary, branch):
    group = services.group_create(organization=branch, name="第一党小组", established_on=datetime.date(2020, 3, 1))
    member = MemberFactory(organization=branch, group=group)
    client.force_login(secretary)
    today = timezone.localdate()
    response = client.post(
        reverse("branches:group_edit", args=[group.pk]),
        {"name": group.name, "leader": "", "established_on": "2020-03-01", "dissolved_on": today.isoformat()},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    member.refresh_from_db()
    assert group.dissolved_on == today and member.group_id is None
    page = client.get(reverse("branches:organization_detail", args=[branch.pk])).content.decode()
    assert f"{today:%Y-%m-%d} 撤销" in page
    assert not MemberForm(organization=branch).fields["group"].queryset.exists()
    options = meeting_form_options(organization=branch, year=today.year, month=today.month)
    assert options.groups == []
    kept = meeting_form_options(organization=branch, year=today.year, month=today.month, keep_group_id=group.pk)
    assert kept.groups == [group]


def test_a_dissolution_before_the_setting_up_is_refused_and_nothing_is_written(client, secretary, branch):
    group = services.group_create(organization=branch, name="第一党小组", established_on=datetime.date(2020, 3, 1))
    client.force_login(secretary)
    response = client.post(
        reverse("branches:group_edit", args=[group.pk]),
        {"name": group.name, "leader": "", "established_on": "2020-03-01", "dissolved_on": "2020-02-01"},
    )
    assert response.status_code == 200
    assert "撤销日期应晚于成立日期。" in response.content.decode()
    assert PartyGroup.objects.get(pk=group.pk).dissolved_on is None


def test_a_new_group_is_set_up_today_unless_told_otherwise(branch):
    assert services.group_create(organization=branch, name="第二党小组").established_on == timezone.localdate()


def test_a_group_cannot_be_dissolved_on_a_day_to_come(branch):
    group = services.group_create(organization=branch, name="第一党小组", established_on=datetime.date(2020, 3, 1))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.group_update(group=group, name=group.name, leader=None, dissolved_on=tomorrow)
    assert error.value.message_dict == {"dissolved_on": ["撤销日期不能晚于今天。"]}
