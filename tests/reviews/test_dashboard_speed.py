"""The dashboard at district and city width: the children paged (most missed first) and searchable, the roll-ups
summed in the database, the same figures as before, and the same number of queries for 20 and 643 children."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import MeetingKind
from activities.records import services as records
from branches.models import OrganizationCategory, OrganizationKind, RoleKind
from reviews.compliance import dashboard as selectors
from reviews.compliance.rules import PeriodKind
from reviews.compliance.services import ALL_RULES, compliance_recompute
from reviews.models import ComplianceRollup
from reviews.oversight.models import ProblemRollup
from tests.branches.test_query_budgets import bulk_branches
from tests.conftest import enrol_totp
from tests.factories import BranchFactory, OrganizationFactory, UserFactory, give_role
from tests.reviews.dashboard_reference import dashboard_before
from tests.reviews.test_dashboard import BUDGET, TODAY, YEAR, dashboard_url, day, hold, hold_everything, text

pytestmark = pytest.mark.django_db

MAX_HTML = 150 * 1024


def _figures(board):
    """Every number the dashboard shows, as plain values (the old and the new selector must agree on them)."""

    def tally(t):
        return (t.met, t.applicable, t.open_met, t.open_applicable, t.missed, t.pending, t.rate, t.rate_class)

    def figures(f):
        return (f.flagged, f.warned, f.tasks_done, f.tasks_open, f.branches, f.plans_not_filed, f.task_rate)

    return {
        "has_data": board.has_data,
        "total": tally(board.total),
        "months": [tally(t) for t in board.months],
        "missed": [
            (m.kind, m.period and m.period.key, m.missed, m.total, m.closed) for m in board.missed_organizations
        ],
        "figures": figures(board.figures),
        "children": [
            (row.organization.pk, tally(row.total), [tally(t) for t in row.months], figures(row.figures))
            for row in board.children
        ],
        "grid": [
            (
                s.kind,
                [(r.code, r.subject_label, [(c.result and c.result.pk, c.outcome) for c in r.cells]) for r in s.rows],
            )
            for s in board.grid
        ],
    }


@pytest.fixture
def seeded(district, committee, branch, sibling_branch, other_branch):
    """A subtree with every kind of figure: a branch that meets everything, one that meets half a year, a second
    committee whose branches met some months, a branch straight under the district, a year still running."""
    hold_everything(branch)
    for month in range(1, 7):
        hold(sibling_branch, MeetingKind.THEME_DAY, day(month), topic=f"第二支部{month}月主题党日")
    second = OrganizationFactory(
        kind=OrganizationKind.PRIMARY_COMMITTEE,
        parent=district,
        name="东城区卫生系统党委",
        category=OrganizationCategory.PUBLIC_INSTITUTION,
    )
    for number, months in enumerate((range(1, 4), range(4, 13), range(2, 12, 2)), start=1):
        child = BranchFactory(parent=second, name=f"卫生第{number}党支部", code=f"BJ-DC-WS-{number:02d}")
        hold_everything(child, months=months)
    direct = BranchFactory(parent=district, name="区直属党支部", code="BJ-DC-ZS")
    hold_everything(direct, months=[1, 2, 3])
    hold_everything(direct, year=TODAY.year, months=range(1, TODAY.month))  # the months past
    compliance_recompute(year=YEAR, today=TODAY)
    compliance_recompute(year=TODAY.year, today=TODAY)
    return {"second": second, "direct": direct}


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"period": "Q1"},
        {"period": "07"},
        {"period": "month"},
        {"period": "quarter"},
        {"rule": "C1"},
        {"category": OrganizationCategory.PUBLIC_INSTITUTION},
    ],
)
@pytest.mark.parametrize("year", [YEAR, TODAY.year])
def test_it_shows_the_same_figures_as_the_reading_before_paging(district, committee, branch, seeded, filters, year):
    for node in (district, committee, seeded["second"], branch):
        chosen = selectors.Filters(year=year, **filters)
        before = dashboard_before(organization=node, filters=chosen, today=TODAY)
        after = selectors.dashboard(organization=node, filters=chosen, today=TODAY)
        assert _figures(after) == _figures(before), (node.name, filters)
    assert _figures(before)["has_data"] or year == TODAY.year  # the data is there to compare


def _table_rows(page: str, table: str) -> list[str]:
    body = page.split(f'class="table table-sm align-middle mb-0 {table}"')[1].split("</tbody>")[0]
    return re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], flags=re.S)


def _numbers(html: str) -> list[str]:
    return re.findall(r"\d+(?:/\d+|%)?", re.sub(r"<[^>]+>", " ", html))


def test_it_prints_every_childs_numbers_on_one_of_its_pages_as_before(
    client, district_officer, district, seeded, monkeypatch
):
    """The old page printed every child in both tables; now they are paged: walking the pages shows every child
    once, in the old order, with the same heat cells and table figures."""
    monkeypatch.setattr(selectors, "CHILDREN_PAGE_SIZE", 1)
    before = dashboard_before(organization=district, filters=selectors.Filters(year=YEAR), today=TODAY)
    client.force_login(district_officer)
    assert len(before.children) == 3
    for number, old in enumerate(before.children, start=1):
        page = text(client.get(dashboard_url(district, year=YEAR, page=number)))
        [heat] = _table_rows(page, "heat-table")
        [row] = _table_rows(page, "children-table")
        assert old.organization.name in heat and old.organization.name in row
        expected = [
            figure
            for tally in old.months
            for figure in ([f"{tally.rate}%", f"{tally.met}/{tally.applicable}"] if tally.rate is not None else [])
        ]
        assert _numbers(heat) == expected
        figures = _numbers(row.split("</td>", 1)[1])
        rate = [f"{old.total.rate}%", f"{old.total.met}/{old.total.applicable}"] if old.total.rate is not None else []
        task_rate = [f"{old.figures.task_rate}%"] if old.figures.task_rate is not None else []
        warned = [str(old.figures.warned)] if old.figures.warned else []
        assert figures == [
            str(old.total.missed),
            *rate,
            str(old.total.pending),
            str(old.figures.flagged),
            *warned,
            *task_rate,
            str(old.figures.plans_not_filed),
            *_rectification(old.organization),
        ]


def _rectification(organization) -> list[str]:
    """The 整改 column, added with the paging: problems open (and overdue, when any) from the problem roll-up."""
    rollup = ProblemRollup.objects.filter(node=organization).first()
    if rollup is None:
        return ["0"]
    return [str(rollup.open), *([str(rollup.overdue)] if rollup.overdue else [])]


def test_it_pages_the_children_most_missed_first_and_finds_them_by_name_or_code(
    client, district_officer, district, committee, seeded, monkeypatch
):
    monkeypatch.setattr(selectors, "CHILDREN_PAGE_SIZE", 2)
    client.force_login(district_officer)
    response = client.get(dashboard_url(district, year=YEAR))
    first = [row.organization for row in response.context["heat_rows"]]
    assert first == [row.organization for row in response.context["board"].children[:2]]
    page = text(response)
    assert "第1/2页" in page and f"?year={YEAR}&amp;page=2" in page
    second = client.get(dashboard_url(district, year=YEAR, page=2)).context["heat_rows"]
    assert len(second) == 1 and second[0].organization not in first
    # Not a number, or past the end: the nearest page, not an error.
    assert client.get(dashboard_url(district, year=YEAR, page="x")).context["children"].page.number == 1
    assert client.get(dashboard_url(district, year=YEAR, page=99)).context["children"].page.number == 2

    found = client.get(dashboard_url(district, year=YEAR, q="教育"))
    assert [row.organization for row in found.context["heat_rows"]] == [committee]
    assert "找到 1 个（共 3 个下级组织）" in text(found)
    by_code = client.get(dashboard_url(district, year=YEAR, q="bj-dc-zs")).context["heat_rows"]
    assert [row.organization for row in by_code] == [seeded["direct"]]
    nothing = client.get(dashboard_url(district, year=YEAR, q="没有这个组织"))
    assert nothing.status_code == 200 and "没有名称或代码包含这段文字的下级组织。" in text(nothing)
    # The headline figures stay those of the whole node.
    assert found.context["board"].total == response.context["board"].total


def _wide_node(district, width):
    """A node with `width` branches under it and a year of roll-up rows for each (bulk_create: the page reads
    roll-ups only, so the rows need not come from meetings)."""
    node = OrganizationFactory(kind=OrganizationKind.WORKING_COMMITTEE, parent=district, name=f"宽{width}工委")
    children = bulk_branches(node, width)
    rows = []
    for target, scale in [(node, width), *((child, 1) for child in children)]:
        for month in range(1, 13):
            end = datetime.date(YEAR, month, 28)
            key = f"{YEAR}-{month:02d}"
            for code in ("C1", "C3", ALL_RULES):
                met = scale if (target.pk + month) % 3 else 0
                rows.append(
                    ComplianceRollup(
                        node=target,
                        rule_code=code,
                        period_key=key,
                        period_kind=PeriodKind.MONTH,
                        period_end=end,
                        applicable=scale,
                        met=met,
                    )
                )
        rows.append(
            ComplianceRollup(
                node=target,
                rule_code=ALL_RULES,
                period_key=str(YEAR),
                period_kind=PeriodKind.YEAR,
                period_end=datetime.date(YEAR, 12, 31),
                applicable=scale,
                met=0,
            )
        )
    ComplianceRollup.objects.bulk_create(rows, batch_size=2000)
    officer = UserFactory(username=f"officer-wide{width}")
    give_role(officer, node, RoleKind.OFFICER)
    enrol_totp(officer)
    return node, officer


def test_it_reads_the_dashboard_of_643_children_in_the_queries_of_20_and_prints_one_page(client, district):
    counts = {}
    for width in (20, 643):
        node, officer = _wide_node(district, width)
        client.force_login(officer)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(dashboard_url(node, year=YEAR))
        assert response.status_code == 200
        counts[width] = len(captured)
        assert len(response.context["board"].children) == width
        page = text(response)
        assert len(_table_rows(page, "heat-table")) == min(width, selectors.CHILDREN_PAGE_SIZE)
        assert len(_table_rows(page, "children-table")) == min(width, selectors.CHILDREN_PAGE_SIZE)
        assert len(response.content) <= MAX_HTML
    assert counts[20] == counts[643] <= BUDGET


def test_it_reads_the_roll_up_sums_from_the_cache_until_a_filed_meeting_changes_them(
    client, district_officer, district, committee, branch, secretary, django_capture_on_commit_callbacks
):
    hold(branch, MeetingKind.THEME_DAY, day(1))
    compliance_recompute(year=YEAR, today=TODAY)
    client.force_login(district_officer)

    def read():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(dashboard_url(district, year=YEAR))
        rollups = [q for q in captured.captured_queries if "reviews_compliancerollup" in q["sql"]]
        return response.context["board"], len(rollups)

    first, first_rollups = read()
    version = selectors.rollups_version()
    again, again_rollups = read()
    assert (first_rollups, again_rollups) == (1, 0)  # the second time from the cache
    assert _figures(again) == _figures(first)

    # A meeting is held (its result not computed yet) and then filed: the filing's update after commit moves the
    # roll-ups and their version, so the next page reads the new sums.
    meeting = hold(branch, MeetingKind.COLLECTIVE_STUDY, day(1, 12))
    with django_capture_on_commit_callbacks(execute=True):
        records.meeting_file(meeting=meeting, version=meeting.version, filed_by=secretary)
    assert selectors.rollups_version() != version
    after, after_rollups = read()
    assert after_rollups == 1
    assert after.total.met == first.total.met + 1
    assert after.months[0].met == first.months[0].met + 1


def test_it_keys_the_cached_sums_by_the_roll_ups_version_the_nodes_the_filters_and_the_day(district, committee):
    def key(**changes):
        args = {
            "node_ids": [district.pk, committee.pk],
            "filters": selectors.Filters(year=YEAR),
            "today": TODAY,
            "star_keys": [str(YEAR)],
            "version": "v1",
        }
        return selectors.rollup_sums_cache_key(**{**args, **changes})

    variants = [
        key(),
        key(version="v2"),
        key(node_ids=[district.pk]),
        key(filters=selectors.Filters(year=YEAR, rule="C1")),
        key(filters=selectors.Filters(year=YEAR, period="Q1")),
        key(filters=selectors.Filters(year=YEAR - 1)),
        key(today=TODAY + datetime.timedelta(days=1)),
        key(star_keys=[str(YEAR), f"{YEAR}-Q4"]),
    ]
    assert len(set(variants)) == len(variants)
    assert key() == key()


def test_it_escapes_what_the_heat_cells_print():
    cell = selectors.HeatCell("rate-low", "/d/1/?year=2026&period=01", "支部<b>\"甲\"</b> & '乙'", "50%", "1/2")
    html = cell.html()
    assert 'href="/d/1/?year=2026&amp;period=01"' in html
    assert 'title="支部&lt;b&gt;&quot;甲&quot;&lt;/b&gt; &amp; &#x27;乙&#x27;"' in html
    assert "<b>" not in html
    assert selectors.HeatCell("rate-none").html() == (
        '<td class="heat-cell rate-none"><span class="text-body-tertiary">—</span></td>'
    )


def test_a_full_rebuild_gives_the_roll_ups_a_new_version(district, branch, django_capture_on_commit_callbacks):
    # A whole-tree recompute rewrites the roll-ups in bulk (no deltas): the cached sums must not outlive it.
    hold(branch, MeetingKind.THEME_DAY, day(1))
    compliance_recompute(year=YEAR, today=TODAY)
    version = selectors.rollups_version()
    with django_capture_on_commit_callbacks(execute=True):
        compliance_recompute(year=YEAR, today=TODAY)
    assert selectors.rollups_version() != version
