"""A branch secretary schedules this month's 主题党日 in the browser, records attendance for 30 members with one
on leave, adds a photo, files the record and finds it locked; the member on leave finds the 补学 task and the
meeting; an officer of the committee above reads what was recorded and when.

Screenshots go to test-artifacts/screenshots/ (meetings-*.png).
"""

import datetime
import importlib
import io
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from activities.models import Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingStatus
from branches.models import RoleKind
from study.models import TaskKind
from tests.browser.conftest import PHONE, Browser
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.browser

TOPIC = "学习党章 重温入党誓词"
LEAVE_REASON = "外出参加区教委培训"
MINUTES = "王书记领学党章第一章，全体党员重温入党誓词，围绕“亮明身份、做出表率”交流发言。"
OTHER_NAMES = [
    "赵一",
    "钱二",
    "孙三",
    "周四",
    "吴五",
    "郑六",
    "冯七",
    "陈八",
    "褚九",
    "卫十",
    "蒋十一",
    "沈十二",
    "韩十三",
    "杨十四",
    "朱十五",
    "秦十六",
    "尤十七",
    "许十八",
    "何十九",
    "吕二十",
    "施二一",
    "张二二",
    "孔二三",
    "曹二四",
    "严二五",
    "华二六",
    "金二七",
    "魏二八",
]


@pytest.fixture
def thirty_members(branch, secretary, member_user):
    """The secretary, the member (who will be on leave) and 28 more: a 30-member branch."""
    others = [MemberFactory(organization=branch, name=name) for name in OTHER_NAMES]
    return [secretary.member, member_user.member, *others]


@pytest.fixture
def default_rules(transactional_db):
    """The default rule sets behind the month view's to-do. They come from a data migration, and a transactional
    test before this one flushes the database, so they are put back here (the migration's step is idempotent)."""
    migration = importlib.import_module("reviews.migrations.0002_default_rule_sets")
    migration.install(django_apps, None)


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee_officer", first_name="刘干事")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


def started_earlier_today() -> tuple[datetime.datetime, datetime.datetime]:
    """A start 90 minutes ago (not before today's midnight, so it stays in this month) and a 2-hour length."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    starts = max(now - datetime.timedelta(minutes=90), now.replace(hour=0, minute=0))
    return starts, starts + datetime.timedelta(hours=2)


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (176, 42, 55)).save(buffer, format="PNG")
    return buffer.getvalue()


def flash(page, level: str = "success"):
    """The message the portal shows after an action (not the page's own notices)."""
    return page.locator(f".alert-{level}[role=alert]")


def local_minute(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def test_a_secretary_schedules_records_and_files_a_theme_day(
    default_rules, web, browser, branch, secretary, member_user, committee_officer, thirty_members
):
    page = web.page
    starts, ends = started_earlier_today()

    # The secretary schedules this month's 主题党日 from the month view.
    web.log_in("secretary")
    web.open(reverse("activities:month", args=[branch.pk]))
    expect(page.locator("main h1")).to_have_text("组织生活")
    # The to-do's 本月 section (a 上期补录 or 本年度已逾期未完成 section may also name a 主题党日).
    this_month = page.locator(".obligation-section").filter(has=page.get_by_role("heading", name=re.compile("^本月")))
    todo = this_month.locator(".obligation", has_text="主题党日")
    expect(todo).to_contain_text("尚未安排会议")
    with page.expect_navigation():
        todo.get_by_role("link", name="安排会议").click()
    expect(page.locator("main h1")).to_have_text("安排活动")
    form = page.locator("form[data-meeting-form]")
    expect(form.get_by_label("活动类型")).to_have_value(MeetingKind.THEME_DAY)
    form.get_by_role("textbox", name="主题").fill(TOPIC)
    form.get_by_label("开始时间").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("结束时间").fill(ends.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("地点").fill("三楼会议室")
    form.get_by_label("主持人").select_option(label="王书记")
    form.get_by_label("记录人").select_option(label="赵一")
    theme_day = form.get_by_role("group", name="主题党日内容")
    theme_day.get_by_label("学习").check()
    theme_day.get_by_label("志愿服务").check()
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()

    # It has started, so the portal goes straight on to 登记出勤: everyone present unless changed.
    meeting = Meeting.objects.get(organization=branch, topic=TOPIC)
    assert (meeting.kind, meeting.status, meeting.held_on) == (
        MeetingKind.THEME_DAY,
        MeetingStatus.PLANNED,
        starts.date(),
    )
    assert page.url.endswith(reverse("activities:meeting_record", args=[meeting.pk]))
    expect(flash(page)).to_contain_text("活动已召开，请登记出勤和会议纪要")
    rows = page.locator("[data-attendance-row]")
    expect(rows).to_have_count(30)
    expect(page.locator("main")).to_contain_text("应到 30 人")
    expect(page.locator("[data-attendance-row] input[value=present]:checked")).to_have_count(30)
    expect(page.get_by_label("李党员的请假事由")).to_be_hidden()

    attendance = page.get_by_role("radiogroup", name="李党员的出勤")
    attendance.get_by_text("请假", exact=True).click()
    reason = page.get_by_label("李党员的请假事由")
    expect(reason).to_be_visible()
    expect(reason).to_be_focused()
    reason.fill(LEAVE_REASON)
    page.get_by_label("会议纪要").fill(MINUTES)
    web.resize(PHONE)
    assert web.horizontal_overflow() <= 1, "the record page is wider than 375 px"
    web.screenshot("meetings-record-30-375")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="保存").click()

    assert page.url.endswith(reverse("activities:meeting_detail", args=[meeting.pk]))
    expect(flash(page)).to_contain_text("出席29人，请假1人，缺席0人")
    expect(page.locator("[data-on-leave]")).to_have_text(f"李党员：{LEAVE_REASON}")
    expect(page.locator("#minutes")).to_contain_text(MINUTES)

    # A photo as optional evidence, before filing.
    with page.expect_navigation():
        page.locator("#attachments").get_by_role("link", name="上传附件").click()
    page.get_by_label("文件").set_input_files(
        files=[{"name": "主题党日合影.png", "mimeType": "image/png", "buffer": small_png()}]
    )
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="上传").click()
    expect(flash(page)).to_contain_text("已上传1个附件")
    thumbnail = page.locator("#attachments img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute("alt", "主题党日合影.png")
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=thumbnail.element_handle())

    # 归档: confirm, then the record is locked.
    with page.expect_navigation():
        page.locator("[data-meeting-actions]").get_by_role("link", name="归档").click()
    expect(page.locator("main h1")).to_have_text("归档这次活动")
    expect(page.locator("main")).to_contain_text("出席 29 / 应到 30，请假 1，缺席 0")
    with page.expect_navigation():
        page.get_by_role("button", name="确认归档").click()

    meeting.refresh_from_db()
    version = meeting.versions.get()
    assert meeting.status == MeetingStatus.FILED
    expect(flash(page)).to_contain_text("已归档。记录已锁定")
    filed = page.locator("[data-filed]")
    expect(filed).to_contain_text("已归档")
    expect(filed).to_contain_text(version.content_hash[:12])
    expect(page.locator("[data-versions]")).to_contain_text(version.content_hash[:12])
    actions = page.locator("[data-meeting-actions]")
    for name in ("编辑", "登记出勤", "修改出勤和纪要", "删除", "归档"):
        expect(actions.get_by_role("link", name=name, exact=True)).to_have_count(0)
    expect(actions.get_by_role("link", name="提交更正")).to_be_visible()
    assert web.horizontal_overflow() <= 1, "the meeting page is wider than 375 px"
    web.screenshot("meetings-filed-375")

    web.open(reverse("activities:meeting_edit", args=[meeting.pk]))
    assert page.url.endswith(reverse("activities:meeting_detail", args=[meeting.pk]))
    expect(flash(page, "danger")).to_contain_text("这次活动已归档，不能直接修改")
    assert Attendance.objects.filter(meeting=meeting, status=AttendanceStatus.PRESENT).count() == 29
    leave = Attendance.objects.get(meeting=meeting, status=AttendanceStatus.LEAVE)
    assert (leave.member, leave.leave_reason) == (member_user.member, LEAVE_REASON)
    assert meeting.attachments.count() == 1
    assert web.console_errors == []

    # The member on leave: the 补学 task in 我的学习, the meeting in 我的会议.
    web.context.clear_cookies()
    web.resize(PHONE)
    web.log_in("member")
    makeup = member_user.member.study_tasks.get(kind=TaskKind.MAKEUP)
    assert makeup.meeting == meeting
    web.open(reverse("study:my_study"))
    card = page.locator(f"#task-{makeup.pk}")
    expect(card).to_contain_text(f"补学：{TOPIC}")
    expect(card.locator(".badge", has_text="补学")).to_be_visible()
    web.open(reverse("activities:my_meetings"))
    expect(page.locator("main h1")).to_have_text("我的会议")
    history = page.locator(".attendance-history li", has_text=TOPIC)
    expect(history).to_have_count(1)
    expect(history.locator(".badge")).to_have_text("请假")
    expect(history).to_contain_text(f"请假事由：{LEAVE_REASON}")
    expect(history).to_contain_text("补学：")
    assert web.horizontal_overflow() <= 1, "我的会议 is wider than 375 px"
    assert web.console_errors == []

    # An officer of the committee above opens the meeting: what was recorded, by whom and when.
    officer = Browser(browser, web.base_url, PHONE)
    try:
        officer.log_in_as(committee_officer)
        officer.open(reverse("activities:meeting_detail", args=[meeting.pk]))
        officer_page = officer.page
        expect(officer_page.locator("main h1")).to_have_text(TOPIC)
        expect(officer_page.locator("[data-filed]")).to_contain_text(version.content_hash[:12])
        expect(officer_page.locator("[data-attendance-summary]")).to_contain_text("29 / 30")
        expect(officer_page.locator("[data-on-leave]")).to_have_text(f"李党员：{LEAVE_REASON}")
        expect(officer_page.locator("#minutes")).to_contain_text(MINUTES)
        expect(officer_page.locator("#attachments img")).to_have_count(1)
        facts = officer_page.locator("[data-record-facts]")
        expect(facts).to_contain_text(f"{local_minute(meeting.created_at)} · 王书记")
        expect(facts).to_contain_text(local_minute(meeting.recorded_at))
        expect(facts).to_contain_text(f"{local_minute(meeting.filed_at)} · 王书记")
        expect(officer_page.locator("[data-versions]")).to_contain_text(f"{local_minute(version.created_at)} · 王书记")
        assert officer.console_errors == []
    finally:
        officer.close()
