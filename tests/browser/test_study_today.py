"""我的学习 opens with what matters today (issue 13, item 13): on the first screen of a 375 px phone the meeting
happening today with its sign-in button, then this month's tasks, the 补学 given this month among them.

Screenshots at 375 and 1280 px go to test-artifacts/screenshots/ (study-today-*.png).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activities.meetings import services as meetings
from activities.models import MeetingKind
from study.models import StudyTask, TaskKind
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.study.member_tasks import make_task

pytestmark = pytest.mark.browser


@pytest.fixture
def today_data(member_user, secretary):
    member = member_user.member
    now = timezone.now()
    today = timezone.localdate()
    meeting = meetings.meeting_create(
        organization=member.organization,
        created_by=secretary,
        kind=MeetingKind.THEME_DAY,
        topic="重温入党誓词",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(minutes=100),
        location="党员活动室",
    )
    missed = meetings.meeting_create(
        organization=member.organization,
        created_by=secretary,
        kind=MeetingKind.PARTY_LECTURE,
        topic="党课：学习党章",
        starts_at=now - datetime.timedelta(days=1, hours=2),
        ends_at=now - datetime.timedelta(days=1),
    )
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=10)
    StudyTask.objects.create(
        member=member,
        kind=TaskKind.MAKEUP,
        meeting=missed,
        topic="补学：党课《学习党章》",
        hours=2,
        organization=member.organization,
        due_date=next_month,
    )
    make_task(member, due=today, topic="学习党章第一章“党员”", hours=3)
    for days in (40, 45, 50):
        make_task(member, due=today - datetime.timedelta(days=days), topic=f"逾期的学习任务{days}", hours=1)
    return meeting


def test_a_member_sees_todays_meeting_and_this_months_tasks_on_the_first_screen_of_a_phone(
    web, member_user, today_data
):
    web.resize(PHONE)
    web.log_in_as(member_user)
    web.open(reverse("study:my_study"))
    page = web.page

    meetings_section = page.locator("section[aria-labelledby='study-meetings-title']")
    expect(meetings_section).to_contain_text("重温入党誓词")
    expect(meetings_section).to_contain_text("今天")
    sign_in = meetings_section.get_by_text("正在签到：请扫描会场二维码")
    expect(sign_in).to_be_visible()
    month = page.locator("section[aria-labelledby='study-month-title']")
    expect(month).to_contain_text("补学：党课《学习党章》")  # given this month, due next month
    expect(month).to_contain_text("学习党章第一章")
    expect(page.locator("#study-summary")).to_contain_text("本月 2")

    first_screen = PHONE["height"]
    assert _bottom(sign_in) <= first_screen
    assert _top(month.locator(".task-card").first) < first_screen
    order = [_top(page.locator(f"#{name}")) for name in ("study-meetings-title", "study-month-title")]
    order.append(_top(page.locator("#study-overdue-title")))
    assert order == sorted(order)
    assert web.horizontal_overflow() <= 1
    _screenshot(web, "study-today-375")
    # Signing in stays with the room's QR code: the page names it and gives no sign-in link.
    expect(meetings_section.locator("a[href*='/sign-in/']")).to_have_count(0)

    web.resize(DESKTOP)
    web.open(reverse("study:my_study"))
    _screenshot(web, "study-today-1280")
    assert web.console_errors == []


def _top(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"]


def _bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


def _screenshot(web, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    web.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False, caret="initial")
