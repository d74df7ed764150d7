"""A district officer drills down in the browser from the district's dashboard to a branch's missing meeting:
district → 基层党委 → branch → the red cell → the page naming the gap and the rule's source."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activities.meetings import services as activities
from activities.models import MeetingKind
from reviews.compliance.services import compliance_recompute

pytestmark = pytest.mark.browser

YEAR = timezone.localdate().year - 1  # a closed year: every period is past its grace window
MISSING_MONTH = 3


@pytest.fixture
def default_rules(transactional_db):
    """The default rule sets come from a data migration that an earlier transactional test flushed: put them back."""
    migration = importlib.import_module("reviews.migrations.0002_default_rule_sets")
    migration.install(django_apps, None)


@pytest.fixture
def history(default_rules, branch, sibling_branch, secretary):
    """Every month's 主题党日 in both branches, except March in `branch`; then the year's compliance."""
    for organization in (branch, sibling_branch):
        for month in range(1, 13):
            if organization == branch and month == MISSING_MONTH:
                continue
            starts = timezone.make_aware(datetime.datetime(YEAR, month, 12, 14, 30))
            meeting = activities.meeting_create(
                organization=organization,
                created_by=secretary,
                kind=MeetingKind.THEME_DAY,
                topic=f"{month}月主题党日",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
            )
            activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=secretary)
    compliance_recompute(year=YEAR, today=timezone.localdate())


def test_an_officer_drills_from_the_district_to_a_branchs_missing_meeting(
    web, history, district, committee, branch, district_officer
):
    web.log_in_as(district_officer)
    web.open(reverse("reviews:dashboard", args=[district.pk]) + f"?year={YEAR}")
    page = web.page
    expect(page.get_by_role("heading", level=1)).to_contain_text(district.name)

    page.locator("table.children-table").get_by_role("link", name=committee.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(committee.name)

    page.locator("table.children-table").get_by_role("link", name=branch.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(branch.name)

    theme_days = page.locator("table.compliance-grid tr", has_text="每月至少开展一次主题党日")
    march = theme_days.locator("td.grid-cell").nth(MISSING_MONTH - 1)
    expect(march).to_have_class("grid-cell outcome-missed")
    march.get_by_role("link").click()

    body = page.locator("main")
    expect(body).to_contain_text(f"{YEAR}年{MISSING_MONTH}月")
    expect(body).to_contain_text("未开展主题党日")
    expect(body).to_contain_text("每月至少固定一天")  # the rule's source, from the 实施方案
    assert web.horizontal_overflow() <= 0
    web.screenshot("compliance-drilldown-gap")


def test_an_officer_finds_a_child_by_name_and_reads_cut_off_names_whole(
    web, history, committee, branch, sibling_branch, district_officer
):
    web.log_in_as(district_officer)
    web.open(reverse("reviews:dashboard", args=[committee.pk]) + f"?year={YEAR}")
    page = web.page
    children = page.locator("table.children-table tbody tr")
    expect(children).to_have_count(2)
    expect(page.locator("table.heat-table").get_by_role("link", name=branch.name)).to_have_attribute(
        "title", branch.name
    )

    # The search runs on the server over every child (the tables show one page of them).
    page.get_by_label("按名称或代码查找下级组织").fill(sibling_branch.name[-4:])
    page.get_by_role("button", name="查找").click()

    expect(children).to_have_count(1)
    expect(children).to_contain_text(sibling_branch.name)
    expect(page.get_by_role("status").filter(has_text="找到 1 个")).to_contain_text("找到 1 个（共 2 个下级组织）")
    page.get_by_role("link", name="显示全部").click()
    expect(children).to_have_count(2)
    assert web.console_errors == []
