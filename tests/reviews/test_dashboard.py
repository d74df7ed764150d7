"""The committee dashboard, its drill-down to a rule-period, the xlsx export and the 情况通报."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.meetings import services as activities
from activities.models import Meeting, MeetingKind
from branches.models import Organization, OrganizationCategory, OrganizationKind, RoleKind
from reviews.compliance import circular as compliance_circular
from reviews.compliance import dashboard as selectors
from reviews.compliance.services import compliance_recompute
from reviews.models import FlagLevel, MemberFlag
from study.models import Audience, StudyForm, StudyTask, TaskStatus
from study.plans import services as study
from tests.branches.test_query_budgets import bulk_branches
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, MemberFactory, OrganizationFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# A year whose every period (and grace window) is over whatever day the suite runs on.
YEAR = TODAY.year - 2
BUDGET = 15
# Rule-periods of a branch without groups and with fewer than 7 members: C1 and C3 monthly, C2 and C5
# quarterly, C6 and C9 yearly.
BRANCH_RULE_PERIODS = 12 + 12 + 4 + 4 + 1 + 1


def day(month: int, dd: int = 10, year: int = YEAR) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, dd, 9))


def hold(branch, kind, when, *, counts_as=(), topic="组织生活"):
    meeting = activities.meeting_create(
        organization=branch,
        created_by=None,
        kind=kind,
        counts_as=list(counts_as),
        topic=topic,
        starts_at=when,
        ends_at=when + datetime.timedelta(hours=2),
    )
    return activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=None)


def hold_everything(branch, year=YEAR, months=range(1, 13)):
    """A branch that meets every rule of the year (in the months given)."""
    for month in months:
        hold(branch, MeetingKind.THEME_DAY, day(month, 5, year), topic=f"{month}月主题党日")
        hold(branch, MeetingKind.COLLECTIVE_STUDY, day(month, 12, year), topic=f"{month}月集中学习")
        if month % 3 == 0:
            hold(branch, MeetingKind.GENERAL_MEETING, day(month, 20, year), counts_as=[MeetingKind.THEMATIC_DISCUSSION])
            hold(branch, MeetingKind.PARTY_LECTURE, day(month, 22, year))
    if 6 in months:
        hold(branch, MeetingKind.CEREMONY, day(6, 28, year))
    if 12 in months:
        hold(branch, MeetingKind.ORG_LIFE_MEETING, day(12, 15, year))


@pytest.fixture
def history(branch, sibling_branch, other_branch, secretary, member_user):
    """`branch` meets everything; `sibling_branch` only holds its 主题党日 in the first half of the year;
    `other_branch` (another district) holds nothing. Results and roll-ups computed as the nightly job does."""
    hold_everything(branch)
    for month in range(1, 7):
        hold(sibling_branch, MeetingKind.THEME_DAY, day(month), topic=f"第二支部{month}月主题党日")
    compliance_recompute(year=YEAR, today=TODAY)
    return {"branch": branch, "sibling": sibling_branch}


def dashboard_url(organization, **params):
    url = reverse("reviews:dashboard", args=[organization.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def text(response) -> str:
    return response.content.decode()


# The dashboard ---------------------------------------------------------------------------------------------------


def test_it_shows_the_district_its_children_by_obligations_missed(
    client, district_officer, district, committee, history
):
    client.force_login(district_officer)
    response = client.get(dashboard_url(district, year=YEAR))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.has_data
    assert [row.organization for row in board.children] == [committee]
    row = board.children[0]
    # Branch: all 34 met. Sibling: 6 主题党日 met of 34. The committee's own C7 and C8: both missed.
    assert (row.total.met, row.total.applicable) == (34 + 6, 2 * BRANCH_RULE_PERIODS + 2)
    assert row.total.missed == BRANCH_RULE_PERIODS - 6 + 2
    # The district's own C7/C8 missed too; the headline counts the whole subtree.
    assert (board.total.met, board.total.applicable) == (40, 2 * BRANCH_RULE_PERIODS + 4)
    assert board.total.rate == round(40 * 100 / (2 * BRANCH_RULE_PERIODS + 4))
    page = text(response)
    assert dashboard_url(committee, year=YEAR) in page
    assert 'id="dashboard-data"' in page
    assert "vendor/echarts/echarts.min.js" in page
    assert "<script>" not in page.replace('<script id="dashboard-data" type="application/json">', "")


def test_it_counts_organisations_with_a_missed_rule_per_period(client, district_officer, district, history):
    client.force_login(district_officer)
    board = client.get(dashboard_url(district, year=YEAR)).context["board"]
    month, quarter, year = board.missed_organizations
    # December: the branch met its monthly rules, the sibling missed them.
    assert month.period.key == f"{YEAR}-12" and month.closed
    assert (month.missed, month.total) == (1, 2)
    assert quarter.period.key == f"{YEAR}-Q4"
    assert (quarter.missed, quarter.total) == (1, 2)
    # The year: the sibling and both committees (民主生活会, 书记讲党课) missed their yearly rules.
    assert year.period.key == str(YEAR)
    assert (year.missed, year.total) == (3, 4)


def test_it_counts_an_organisation_that_missed_one_month_as_missed_in_its_quarter_and_year(
    client, district_officer, district, branch
):
    # Every quarterly and yearly rule met; only July's monthly rules missed.
    hold_everything(branch, months=[m for m in range(1, 13) if m != 7])
    hold(branch, MeetingKind.GENERAL_MEETING, day(9, 25), counts_as=[MeetingKind.THEMATIC_DISCUSSION])
    compliance_recompute(year=YEAR, today=TODAY)
    client.force_login(district_officer)

    board = client.get(dashboard_url(district, year=YEAR, period="Q3")).context["board"]

    _month, quarter, _year = board.missed_organizations
    assert quarter.period.key == f"{YEAR}-Q3" and (quarter.missed, quarter.total) == (1, 1)
    july = client.get(dashboard_url(district, year=YEAR, period="07")).context["board"].missed_organizations
    assert july[0].period.key == f"{YEAR}-07" and (july[0].missed, july[0].total) == (1, 1)
    august = client.get(dashboard_url(district, year=YEAR, period="08")).context["board"].missed_organizations
    assert (august[0].missed, august[0].total) == (0, 1)
    page = text(client.get(dashboard_url(district, year=YEAR)))
    assert "当季各月和季度的规则" in page


def test_it_draws_the_heat_map_and_trend_from_the_same_numbers_as_its_tables(
    client, district_officer, committee, branch, history
):
    client.force_login(district_officer)
    response = client.get(dashboard_url(committee, year=YEAR))
    board = response.context["board"]
    sibling = next(row for row in board.children if row.organization == history["sibling"])
    # July: the sibling held nothing (C1, C3 and the 七一 window of C9, which ends on 15 July, missed);
    # March: 主题党日 met, study, 党员大会, 党课 missed.
    assert (sibling.months[6].met, sibling.months[6].applicable) == (0, 3)
    assert (sibling.months[2].met, sibling.months[2].applicable) == (1, 4)
    assert board.children[0].organization == history["sibling"]  # most missed first
    data = response.context["chart_data"]
    assert data["heat"]["rows"][0] == history["sibling"].name
    assert [0, 0, 50, 1, 2] in data["heat"]["cells"]  # the sibling in January: 主题党日 met, 集中学习 missed
    assert data["trend"][6] == 50  # July: the branch's three rules met, the sibling's missed
    page = text(response)
    assert dashboard_url(history["sibling"], year=YEAR) in page
    assert f"?year={YEAR}&amp;period=07" in page


def test_it_shows_a_branch_its_rule_by_period_grid_with_links_to_each_result(
    client, district_officer, sibling_branch, history
):
    client.force_login(district_officer)
    response = client.get(dashboard_url(sibling_branch, year=YEAR))
    board = response.context["board"]
    assert board.is_branch and not board.children
    quarter = next(section for section in board.grid if section.kind == "quarter")
    c2 = next(row for row in quarter.rows if row.code == "C2")
    assert [cell.outcome for cell in c2.cells] == ["missed"] * 4
    assert "组织专题研讨" in c2.source or "全体党员会议" in c2.source
    page = text(response)
    detail = reverse("reviews:result_detail", args=[sibling_branch.pk, "C2", f"{YEAR}-Q3"])
    assert detail in page
    assert c2.source in page  # every result names its rule and source


def test_it_drills_from_the_district_to_a_branchs_missing_meeting(
    client, district_officer, district, committee, sibling_branch, history
):
    client.force_login(district_officer)
    page = text(client.get(dashboard_url(district, year=YEAR)))
    committee_url = reverse("reviews:dashboard", args=[committee.pk])
    assert committee_url in page
    page = text(client.get(dashboard_url(committee, year=YEAR)))
    assert reverse("reviews:dashboard", args=[sibling_branch.pk]) in page
    page = text(client.get(dashboard_url(sibling_branch, year=YEAR)))
    detail_url = reverse("reviews:result_detail", args=[sibling_branch.pk, "C2", f"{YEAR}-Q3"])
    assert detail_url in page
    response = client.get(detail_url)
    assert response.status_code == 200
    page = text(response)
    assert f"{YEAR}年第三季度 未召开支部党员大会（专题研讨）" in page
    assert "党支部每季度召开一次全体党员会议，组织专题研讨" in page  # the rule's source
    assert "未完成" in page


def test_it_lists_the_meetings_that_counted_for_a_met_rule(client, secretary, branch, history):
    client.force_login(secretary)
    response = client.get(reverse("reviews:result_detail", args=[branch.pk, "C3", f"{YEAR}-03"]))
    assert response.status_code == 200
    meeting = Meeting.objects.get(organization=branch, topic="3月主题党日")
    entry = response.context["detail"].entries[0]
    assert entry.outcome == "met" and entry.meetings == [meeting]
    page = text(response)
    assert reverse("activities:meeting_detail", args=[meeting.pk]) in page
    assert "3月主题党日" in page


@pytest.mark.parametrize("key", ["2026-13", "abc", "2026-Q5", "1999"])
def test_it_answers_404_for_a_rule_period_that_does_not_exist(client, district_officer, branch, history, key):
    client.force_login(district_officer)
    assert client.get(reverse("reviews:result_detail", args=[branch.pk, "C3", key])).status_code == 404
    assert client.get(reverse("reviews:result_detail", args=[branch.pk, "X9", f"{YEAR}-03"])).status_code == 404


def test_it_says_when_a_year_has_no_data(client, district_officer, district, history):
    client.force_login(district_officer)
    response = client.get(dashboard_url(district, year=2017))
    assert response.status_code == 200
    assert not response.context["board"].has_data
    assert "该年度暂无数据" in text(response)
    assert 'id="dashboard-data"' not in text(response)


def test_it_names_bad_filters_and_shows_the_defaults(client, district_officer, district, history):
    client.force_login(district_officer)
    response = client.get(dashboard_url(district, year="abc", period="2026-13", rule="Z9", category="moon"))
    assert response.status_code == 200
    filters = response.context["board"].filters
    assert filters == selectors.Filters(year=TODAY.year)
    page = text(response)
    assert "年度应在" in page
    assert "周期无效" in page
    assert "没有这条规则" in page
    assert "单位类别无效" in page


def test_it_filters_by_rule_and_period(client, district_officer, committee, history):
    client.force_login(district_officer)
    board = client.get(dashboard_url(committee, year=YEAR, rule="C2")).context["board"]
    # C2 only: four quarters for each branch, the branch met all four.
    assert (board.total.met, board.total.applicable) == (4, 8)
    assert board.rule.code == "C2"
    board = client.get(dashboard_url(committee, year=YEAR, period="Q1")).context["board"]
    # The first quarter: its months' C1 and C3 and the quarter's C2 and C5, for two branches.
    assert (board.total.met, board.total.applicable) == (8 + 3, 2 * (6 + 2))
    board = client.get(dashboard_url(committee, year=YEAR, period="year")).context["board"]
    assert (board.total.met, board.total.applicable) == (2, 2 * 2 + 2)  # C6 and C9; the committee's C7, C8
    board = client.get(dashboard_url(committee, year=YEAR, period="07")).context["board"]
    assert board.missed_organizations[0].period.key == f"{YEAR}-07"
    assert board.missed_organizations[1].period.key == f"{YEAR}-Q3"


def test_it_filters_children_by_category(client, district_officer, committee, branch, sibling_branch, history):
    sibling_branch.category = OrganizationCategory.SCHOOL
    sibling_branch.save(update_fields=["category"])
    client.force_login(district_officer)
    board = client.get(dashboard_url(committee, year=YEAR, category=OrganizationCategory.SCHOOL)).context["board"]
    assert [row.organization for row in board.children] == [sibling_branch]
    # The headline is the children shown: the sibling alone (not the committee's own rules).
    assert (board.total.met, board.total.applicable) == (6, BRANCH_RULE_PERIODS)
    assert (board.missed_organizations[0].missed, board.missed_organizations[0].total) == (1, 1)


def test_it_counts_only_rule_periods_past_their_grace_window_in_the_rate(branch, sibling_branch, committee):
    """On 5 July June and the second quarter are in grace: their unmet rules do not count yet, nor the met ones."""
    year = TODAY.year - 1
    hold_everything(branch, year=year, months=range(1, 7))
    today = datetime.date(year, 7, 5)
    compliance_recompute(year=year, today=today)
    board = selectors.dashboard(organization=committee, filters=selectors.Filters(year=year), today=today)
    # Closed on 5 July: January–May (C1, C3) and Q1 (C2, C5), for both branches; the branch met them all.
    assert (board.total.met, board.total.applicable) == (12, 24)
    # June's cell holds June's C1, C3 and Q2's C2, C5 (ending 30 June), in grace until 10 July.
    june = board.months[5]
    assert (june.rate, june.open_met, june.open_applicable) == (None, 4, 8)
    # Open and unmet: the sibling's June, Q2, July, Q3, 七一 (C9), 组织生活会 (C6); the branch's July, Q3 and C6;
    # the committee's own C7, C8.
    assert board.total.pending == (2 + 2 + 2 + 2 + 1 + 1) + (2 + 2 + 1) + 2
    month, quarter, _year = board.missed_organizations
    assert month.period.key == f"{year}-05" and quarter.period.key == f"{year}-Q1"
    assert (month.missed, month.total) == (1, 2)
    # On 12 July June's grace window is over: its unmet rules are missed.
    later = selectors.dashboard(
        organization=committee, filters=selectors.Filters(year=year), today=datetime.date(year, 7, 12)
    )
    assert (later.months[5].rate, later.months[5].met, later.months[5].applicable) == (50, 4, 8)
    assert [entry.period.key for entry in later.missed_organizations[:2]] == [f"{year}-06", f"{year}-Q2"]


def test_it_shows_flags_study_tasks_and_plans_not_filed_for_the_subtree(
    client, district_officer, committee, branch, sibling_branch, history
):
    members = [MemberFactory(organization=branch) for _ in range(3)]
    MemberFlag.objects.create(
        member=members[0], organization=branch, level=FlagLevel.FLAG_6, months=6, computed_on=TODAY
    )
    MemberFlag.objects.create(
        member=members[1], organization=branch, level=FlagLevel.WARN_3, months=3, computed_on=TODAY
    )
    plan = study.plan_create(organization=branch, year=YEAR, title="学习计划", created_by=None)
    study.plan_item_save(
        plan=plan,
        month=3,
        topic="学习党章",
        form=StudyForm.SELF_STUDY,
        audience=Audience.ALL,
        due_date=datetime.date(YEAR, 3, 25),
        hours=2,
    )
    study.plan_submit(plan=plan, submitted_by=None)
    study.plan_file(plan=plan, filed_by=district_officer)
    tasks = StudyTask.objects.filter(organization=branch)
    total = tasks.count()
    assert total >= 3
    tasks.filter(member=members[0]).update(status=TaskStatus.DONE, completed_at=timezone.now())
    # The study figure travels in the roll-ups: rebuilt here as the nightly job (or a completed task) does.
    compliance_recompute(year=YEAR, today=TODAY)
    client.force_login(district_officer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(dashboard_url(committee, year=YEAR))
    board = response.context["board"]
    # The branches with a filed plan are joined, not looked up one by one (no EXISTS per branch).
    assert not [query["sql"] for query in captured if "EXISTS" in query["sql"].upper()]
    # The evidence one click away: the flagged members and the branches without a filed plan.
    assert reverse("reviews:member_flags", args=[committee.pk]) in text(response)
    assert reverse("study:plan_filing_status", args=[committee.pk]) + f"?year={YEAR}&amp;show=not_filed" in text(
        response
    )
    assert (board.figures.flagged, board.figures.warned) == (1, 1)
    assert (board.figures.tasks_done, board.figures.tasks_open) == (1, total - 1)
    assert (board.figures.branches, board.figures.plans_not_filed) == (2, 1)  # the sibling has no plan
    by_branch = {row.organization: row.figures for row in board.children}
    assert by_branch[branch].flagged == 1 and by_branch[branch].plans_not_filed == 0
    assert by_branch[sibling_branch].plans_not_filed == 1


# Access ----------------------------------------------------------------------------------------------------------


def test_it_answers_404_outside_the_scope(
    client, district_officer, other_branch_secretary, other_district, other_branch, branch, committee, history
):
    client.force_login(district_officer)
    for organization in (other_district, other_branch):
        assert client.get(dashboard_url(organization)).status_code == 404
        assert client.get(reverse("reviews:dashboard_export", args=[organization.pk])).status_code == 404
        assert client.get(reverse("reviews:circular", args=[organization.pk])).status_code == 404
    assert client.get(reverse("reviews:result_detail", args=[other_branch.pk, "C3", f"{YEAR}-03"])).status_code == 404
    client.force_login(other_branch_secretary)
    assert client.get(dashboard_url(branch)).status_code == 404
    assert client.get(dashboard_url(committee)).status_code == 404
    assert client.get(reverse("reviews:result_detail", args=[branch.pk, "C3", f"{YEAR}-03"])).status_code == 404
    assert client.get(dashboard_url(other_branch, year=YEAR)).status_code == 200


def test_it_shows_a_secretary_their_own_branch_only(client, secretary, branch, sibling_branch, committee, history):
    client.force_login(secretary)
    assert client.get(dashboard_url(branch, year=YEAR)).status_code == 200
    assert client.get(dashboard_url(sibling_branch)).status_code == 404
    assert client.get(dashboard_url(committee)).status_code == 404
    assert client.get(reverse("reviews:dashboard_home")).url == dashboard_url(branch)
    # A branch has no 情况通报: that is for the committees above.
    assert client.get(reverse("reviews:circular", args=[branch.pk])).status_code == 404


def test_it_shows_plain_members_no_dashboard(client, member_user, branch, history):
    client.force_login(member_user)
    assert client.get(dashboard_url(branch)).status_code == 404
    assert client.get(reverse("reviews:result_detail", args=[branch.pk, "C3", f"{YEAR}-03"])).status_code == 404
    assert client.get(reverse("reviews:dashboard_export", args=[branch.pk])).status_code == 404
    response = client.get(reverse("reviews:dashboard_home"))
    assert response.status_code == 302 and response.url == reverse("home")


def test_it_opens_the_officers_own_dashboard_from_the_navigation(
    client, district_officer, administrator, district, city
):
    client.force_login(district_officer)
    home = reverse("reviews:dashboard_home")
    assert home in text(client.get(reverse("branches:organization_tree")))
    assert client.get(home).url == dashboard_url(district)
    client.force_login(administrator)
    assert client.get(home).url == dashboard_url(city)
    assert client.get(dashboard_url(district)).status_code == 200


def test_it_shows_no_dashboard_link_to_secretaries_and_members(client, secretary, member_user, branch):
    for user in (secretary, member_user):
        client.force_login(user)
        assert reverse("reviews:dashboard_home") not in text(client.get(reverse("study:material_list")))


# Speed -----------------------------------------------------------------------------------------------------------


def _subtree(district, size):
    committee = OrganizationFactory(kind=OrganizationKind.PRIMARY_COMMITTEE, parent=district, name=f"党委{size}")
    branches = bulk_branches(committee, size, members_each=1)
    for branch in branches[:3]:
        hold(branch, MeetingKind.THEME_DAY, day(3))
        hold(branch, MeetingKind.COLLECTIVE_STUDY, day(4))
    officer = UserFactory(username=f"officer{size}")
    give_role(officer, committee, RoleKind.OFFICER)
    enrol_totp(officer)
    return committee, officer


@pytest.mark.parametrize("path", ["committee", "district"])
def test_it_reads_the_dashboard_in_the_same_number_of_queries_for_3_and_30_branches(
    client, district, path, django_assert_max_num_queries
):
    small, small_officer = _subtree(district, 3)
    large, large_officer = _subtree(district, 30)
    compliance_recompute(year=YEAR, today=TODAY)
    district_officer = UserFactory(username="district-officer")
    give_role(district_officer, district, RoleKind.OFFICER)
    enrol_totp(district_officer)

    def count(user, organization):
        client.force_login(user)
        with django_assert_max_num_queries(BUDGET), CaptureQueriesContext(connection) as captured:
            response = client.get(dashboard_url(organization, year=YEAR))
        assert response.status_code == 200
        return len(captured), response.context["board"]

    if path == "committee":
        small_count, small_board = count(small_officer, small)
        large_count, large_board = count(large_officer, large)
        assert (len(small_board.children), len(large_board.children)) == (3, 30)
        # Branch dashboards cost the same too.
        branch_count, _board = count(large_officer, large_board.children[0].organization)
        assert branch_count <= BUDGET
    else:
        small_count, _board = count(district_officer, district)
        BranchFactory(parent=district, name="直属党支部")
        bulk_branches(small, 27, members_each=1)
        large_count, board = count(district_officer, district)
        assert len(board.children) == 3
    assert small_count == large_count


# Export ----------------------------------------------------------------------------------------------------------


def test_it_exports_the_dashboard_table_as_formula_safe_xlsx(client, district_officer, committee, history):
    history["sibling"].name = '=HYPERLINK("http://evil")'
    history["sibling"].save(update_fields=["name"])
    client.force_login(district_officer)
    response = client.get(reverse("reviews:dashboard_export", args=[committee.pk]) + f"?year={YEAR}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    heading, filters, as_of, _blank, *rows = list(sheet.iter_rows(values_only=True))
    assert heading[0] == f"东城区教育系统党委 {YEAR}年组织生活落实情况" and filters[0] == "筛选：全部"
    assert as_of[0].startswith("数据截至 ")
    assert rows[0][0] == "下级党组织" and "合规率（%）" in rows[0]
    assert sheet.freeze_panes == "A6"  # the header row stays in view
    names = [row[0] for row in rows[1:]]
    assert names == [history["sibling"].name, history["branch"].name]  # most missed first, as on screen
    sibling_row = rows[1]
    assert sibling_row[rows[0].index("未完成（已过补录期）")] == BRANCH_RULE_PERIODS - 6
    cell = next(sheet.iter_rows(min_row=6, max_row=6))[0]
    assert cell.data_type == "s" and cell.quotePrefix


def test_it_lists_every_missed_obligation_of_the_subtree_on_a_second_sheet(
    client, district_officer, committee, history
):
    long_name = "东城区教育系统第一百零一中学初中部第二党支部（含退休教师）"
    history["sibling"].name = long_name
    history["sibling"].save(update_fields=["name"])
    client.force_login(district_officer)

    response = client.get(reverse("reviews:dashboard_export", args=[committee.pk]) + f"?year={YEAR}")

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["下级党组织", "未落实事项"]
    sheet = workbook["未落实事项"]
    heading, filters, as_of, _blank, header, *rows = list(sheet.iter_rows(values_only=True))
    assert heading[0] == f"东城区教育系统党委 {YEAR}年组织生活落实情况" and as_of[0].startswith("数据截至 ")
    assert header == ("党组织", "组织代码", "规则编号", "周期", "未落实事项", "依据")
    sibling_rows = [row for row in rows if row[0] == long_name]
    assert len(sibling_rows) == BRANCH_RULE_PERIODS - 6  # the sibling's misses
    assert history["branch"].name not in {row[0] for row in rows}  # `branch` met everything
    assert (long_name, history["sibling"].code, "C1", f"{YEAR}年7月") in {row[:4] for row in rows}
    assert all(row[5] for row in rows)  # each with its source
    names_width = workbook["下级党组织"].column_dimensions["A"].width
    assert names_width >= len(long_name) * 2 and sheet.column_dimensions["A"].width >= len(long_name) * 2
    assert f"{YEAR}年" in response["Content-Disposition"] or "%E5%B9%B4" in response["Content-Disposition"]


def test_it_names_the_export_with_the_year_once(client, district_officer, committee, history):
    from urllib.parse import unquote

    client.force_login(district_officer)

    past = unquote(
        client.get(reverse("reviews:dashboard_export", args=[committee.pk]) + f"?year={YEAR}")["Content-Disposition"]
    )
    current = unquote(client.get(reverse("reviews:dashboard_export", args=[committee.pk]))["Content-Disposition"])
    today = timezone.localdate()  # not the module's TODAY: a run may cross midnight in Asia/Shanghai

    assert f"东城区教育系统党委{YEAR}年组织生活落实情况.xlsx" in past
    assert f"东城区教育系统党委组织生活落实情况-{today.isoformat()}.xlsx" in current
    assert current.count(str(today.year)) == 1 and past.count(str(YEAR)) == 1


def test_it_exports_a_branchs_rule_periods(client, secretary, branch, history):
    client.force_login(secretary)
    response = client.get(reverse("reviews:dashboard_export", args=[branch.pk]) + f"?year={YEAR}&rule=C2")
    heading, filters, _as_of, _blank, *rows = openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True
    )
    assert filters[0] == "筛选：C2"
    assert rows[0][:5] == ("规则编号", "规则", "检查对象", "周期", "结果")
    assert [(row[0], row[3], row[4]) for row in rows[1:]] == [
        ("C2", f"{YEAR}年第{q}季度", "已完成") for q in "一二三四"
    ]


# 情况通报 ----------------------------------------------------------------------------------------------------------


def test_it_prints_a_circular_of_the_organisations_that_missed_rules(
    client, district_officer, district, committee, branch, sibling_branch, history
):
    client.force_login(district_officer)
    response = client.get(reverse("reviews:circular", args=[district.pk]) + f"?period={YEAR}-Q3")
    assert response.status_code == 200
    circular = response.context["circular"]
    assert circular.period.key == f"{YEAR}-Q3" and circular.is_closed
    assert [group.parent for group in circular.groups] == [committee]
    [item] = circular.groups[0].items
    assert item.organization == sibling_branch
    gaps = [gap for gap, _code, _source in item.gaps]
    # The quarter's months and the quarter itself.
    assert f"{YEAR}年第三季度 未召开支部党员大会（专题研讨）" in gaps
    assert f"{YEAR}年7月 未开展主题党日" in gaps
    assert len(gaps) == 3 * 2 + 2
    assert circular.organizations_judged == 2  # both branches had rules in the quarter (committees: yearly only)
    page = text(response)
    assert f"关于{YEAR}年第三季度党组织生活制度落实情况的通报" in page
    assert branch.name not in page.split("circular-sheet", 1)[1]
    assert "@media print" not in page  # the print styles live in the stylesheet
    year_circular = client.get(reverse("reviews:circular", args=[district.pk]) + f"?period={YEAR}").context["circular"]
    organizations = {item.organization for group in year_circular.groups for item in group.items}
    assert organizations == {district, committee, sibling_branch}


def test_it_reads_the_circular_in_the_same_number_of_queries_for_3_and_30_branches(
    client, district, django_assert_max_num_queries
):
    small, small_officer = _subtree(district, 3)
    large, large_officer = _subtree(district, 30)
    Organization.objects.filter(path__startswith=district.path).update(established_on=datetime.date(YEAR - 1, 1, 1))
    compliance_recompute(year=YEAR, today=TODAY)

    def read(user, organization):
        client.force_login(user)
        with django_assert_max_num_queries(BUDGET), CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("reviews:circular", args=[organization.pk]) + f"?period={YEAR}-Q3")
        assert response.status_code == 200
        return captured, response.context["circular"]

    small_queries, small_circular = read(small_officer, small)
    large_queries, large_circular = read(large_officer, large)
    # Every branch of both subtrees missed something in the quarter (committees have yearly rules only).
    assert (small_circular.organizations_missed, large_circular.organizations_missed) == (3, 30)
    assert len(small_queries) == len(large_queries)
    # The missed results are read by the organisations that missed, never across the whole result table.
    results = [q["sql"] for q in large_queries if 'FROM "reviews_complianceresult"' in q["sql"]]
    assert len(results) == 2
    by_subtree = r'"branches_organization"\."path"(::text)? LIKE|"organization_id" IN \('
    assert all(re.search(by_subtree, sql) for sql in results)
    # The appendix's chain heads: the subtree's organisations, each with its last entry, not every entry.
    [chains] = [q["sql"] for q in large_queries if '"activities_recordchainentry"' in q["sql"]]
    assert re.search(r' FROM "branches_organization" WHERE \(?"branches_organization"\."path"(::text)? LIKE', chains)
    assert 'FROM "activities_recordchainentry" INNER JOIN' not in chains


def selected_period(response) -> str:
    select = re.search(r'<select name="period".*?</select>', text(response), re.S).group(0)
    return re.search(r'<option value="([^"]+)" selected', select).group(1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", "default"), ("?period=", "default"), ("?period=bogus", "default"), (f"?period={YEAR}-07", f"{YEAR}-07")],
)
def test_it_shows_the_displayed_period_as_chosen_in_the_circulars_selector(
    client, district_officer, district, query, expected
):
    client.force_login(district_officer)

    response = client.get(reverse("reviews:circular", args=[district.pk]) + query)

    shown = response.context["circular"].period.key
    default = compliance_circular.default_circular_period(TODAY).key
    assert shown == (default if expected == "default" else expected)
    assert selected_period(response) == shown


def test_it_says_on_paper_which_periods_of_the_circular_are_not_closed(client, district_officer, district):
    client.force_login(district_officer)
    this_year = TODAY.year

    response = client.get(reverse("reviews:circular", args=[district.pk]) + f"?period={this_year}")

    circular = response.context["circular"]
    assert circular.open_periods and not circular.is_closed
    month = compliance_circular.period_containing(compliance_circular.PeriodKind.MONTH, TODAY)
    assert month in circular.open_periods
    assert all(period.start.year == this_year for period in circular.open_periods)
    sheet = text(response).split("circular-sheet", 1)[1]
    assert "data-open-periods" in sheet and month.label in sheet
    closed = client.get(reverse("reviews:circular", args=[district.pk]) + f"?period={YEAR}")
    assert closed.context["circular"].open_periods == []
    assert "data-open-periods" not in text(closed)


def test_it_prints_the_chain_heads_of_the_subtree_in_the_circulars_appendix(
    client, district_officer, district, branch, sibling_branch, other_branch, history
):
    from activities.models import RecordChainEntry
    from activities.records.services import meeting_file

    filed = list(Meeting.objects.filter(organization=branch).order_by("starts_at")[:10])
    filed.append(hold(other_branch, MeetingKind.THEME_DAY, day(2, 5), topic="西城主题党日"))
    for meeting in filed:
        meeting_file(meeting=meeting, version=meeting.version, filed_by=district_officer)
    client.force_login(district_officer)

    response = client.get(reverse("reviews:circular", args=[district.pk]) + f"?period={YEAR}-Q3")

    heads = response.context["circular"].chain_heads
    assert [(head.organization, head.sequence) for head in heads] == [(branch, 10)]  # not the other district's
    assert RecordChainEntry.objects.filter(organization=other_branch).exists()
    last = RecordChainEntry.objects.get(organization=branch, sequence=10)
    appendix = text(response).split("附：归档记录链校验值", 1)[1]
    assert branch.name in appendix and last.signature[:16] in appendix and last.signature[16:32] not in appendix
    assert sibling_branch.name not in appendix  # nothing filed there


def test_it_refuses_the_circular_to_committee_members_who_only_look(client, committee, history):
    user = UserFactory(username="propaganda")
    give_role(user, committee, RoleKind.PROPAGANDA)
    client.force_login(user)
    assert client.get(dashboard_url(committee, year=YEAR)).status_code == 200
    assert client.get(reverse("reviews:circular", args=[committee.pk])).status_code == 403


def test_it_names_a_bad_circular_period_and_shows_the_default(client, district_officer, district, history):
    client.force_login(district_officer)
    response = client.get(reverse("reviews:circular", args=[district.pk]) + "?period=2026-Q9")
    assert response.status_code == 200
    assert "通报周期格式应为" in text(response)
    assert response.context["circular"].period == compliance_circular.default_circular_period(TODAY)
    future = f"{TODAY.year + 1}-Q1"
    response = client.get(reverse("reviews:circular", args=[district.pk]) + f"?period={future}")
    assert "尚未开始" in text(response)


def test_it_logs_the_dashboard_export(client, district_officer, committee, history):
    from portal.audit.models import AuditEvent

    client.force_login(district_officer)
    client.get(reverse("reviews:dashboard_export", args=[committee.pk]) + f"?year={YEAR}")

    [event] = AuditEvent.objects.filter(action="exported")
    assert (event.actor_id, event.organization_id) == (district_officer.pk, committee.pk)
    assert event.detail == {"export": "compliance_dashboard", "scope": committee.name, "year": YEAR, "rows": 2}
