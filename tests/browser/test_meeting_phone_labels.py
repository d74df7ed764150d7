"""On a phone (375 px), the secretary is offered 修改时间 instead of 登记出勤 on a meeting that has not started, reads
a filed meeting's hash as 内容校验码 with its one-line explanation, and is greeted by their member name, not their
username (issue 13, items 8 and 10).

Screenshots go to test-artifacts/screenshots/ (meeting-labels-*.png).
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activities.meetings import services
from activities.models import MeetingKind
from activities.records import services as records_services
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def _meeting(branch, secretary, *, starts: datetime.datetime):
    return services.meeting_create(
        organization=branch,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="学习党章 重温入党誓词",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location="三楼会议室",
    )


def test_a_secretary_on_a_phone_reschedules_before_the_meeting_and_reads_the_hash_after_filing(web, branch, secretary):
    member = secretary.member
    member.name = "王建国"
    member.save(update_fields=["name"])
    future = _meeting(branch, secretary, starts=timezone.now() + datetime.timedelta(days=10))
    past = _meeting(branch, secretary, starts=timezone.now() - datetime.timedelta(days=2))
    held = services.attendance_record(meeting=past, version=past.version, entries={}, recorded_by=secretary)
    records_services.meeting_file(meeting=held, version=held.version, filed_by=secretary)
    web.resize(PHONE)
    web.log_in_as(secretary)

    web.open(future.get_absolute_url())
    main = web.page.locator("main")
    expect(main.get_by_role("link", name="修改时间")).to_be_visible()
    expect(main.get_by_role("link", name="登记出勤")).to_have_count(0)
    assert web.horizontal_overflow() <= 1
    web.screenshot("meeting-labels-future-375")

    web.open(past.get_absolute_url())
    filed = web.page.locator("[data-filed]")
    expect(filed).to_contain_text("已归档，内容校验码")
    expect(filed.locator("[data-hash-help]")).to_contain_text("记录一旦被改动，校验码就对不上")
    expect(web.page.locator("nav.portal-navbar")).to_contain_text("王建国")
    expect(web.page.locator("nav.portal-navbar")).not_to_contain_text("secretary")
    assert web.horizontal_overflow() <= 1
    web.screenshot("meeting-labels-filed-375")
    assert web.console_errors == []
