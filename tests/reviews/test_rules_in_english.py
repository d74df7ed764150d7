"""The rules in the page's language: the rule rows carry English titles, sources and gap texts (filled for the
default rule sets by a migration), shown on English pages and in English exports, with the Chinese where no
English is stored; and dates on English pages are not written 2026年11月25日."""

import datetime
import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from activities.meetings import services as activities
from activities.models import MeetingKind
from reviews.compliance.rules import MEETING_RULES, RuleSpec
from reviews.compliance.services import compliance_recompute
from reviews.models import Rule
from study.materials import services as materials_services
from study.models import MaterialCategory
from tests.study.member_tasks import make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year - 2  # every period and grace window of that year is over
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
CHINESE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")

THEME_DAY = {
    "title": ("每月至少开展一次主题党日", "A Theme Party Day at least once a month"),
    "source": ("《实施方案》二.3：党支部每月至少固定一天", "Implementation Plan §2.3: each Party branch sets aside"),
    "gap": ("未开展主题党日", "No Theme Party Day held"),
}


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def history(branch, sibling_branch):
    """`branch` holds its 主题党日 every month of YEAR; `sibling_branch` holds nothing. Judged as the nightly job
    does."""
    for month in range(1, 13):
        starts = timezone.make_aware(datetime.datetime(YEAR, month, 5, 9))
        meeting = activities.meeting_create(
            organization=branch,
            created_by=None,
            kind=MeetingKind.THEME_DAY,
            topic=f"{month}月主题党日",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
        )
        activities.attendance_record(meeting=meeting, version=meeting.version, entries={}, recorded_by=None)
    compliance_recompute(year=YEAR, today=TODAY)


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# The stored texts ------------------------------------------------------------------------------------------------


def test_it_stores_english_for_every_rule_of_the_default_sets():
    rules = list(Rule.objects.filter(rule_set__code__in=["national", "beijing-2017"]))
    assert {rule.code for rule in rules} >= {f"C{n}" for n in range(1, 10)}
    for rule in rules:
        for english in (rule.title_en, rule.source_en, rule.missing_text_en):
            assert english and not CJK.search(english), (rule, english)
    # The citation names the section of the source document.
    c8 = next(rule for rule in rules if rule.code == "C8")
    assert c8.source.startswith("《实施方案》二.6") and c8.source_en.startswith("Implementation Plan §2.6")


def test_it_gives_the_rule_row_the_same_english_as_the_rules_in_code():
    """The rows (migration) and MEETING_RULES (gettext) say the same in English."""
    rows = {(rule.code, rule.scope): rule for rule in Rule.objects.filter(effective_to__isnull=True)}
    with translation.override("en"):
        for spec in MEETING_RULES:
            row = rows[(spec.code, spec.scope)]
            assert row.localized_title() == spec.localized_title(), spec.code
            assert row.localized_source() == spec.localized_source(), spec.code
            assert row.localized_missing_text() == spec.localized_missing_text(), spec.code


def test_it_shows_the_english_text_only_on_english_pages_and_the_chinese_where_none_is_stored():
    rule = Rule.objects.filter(code="C3").first()
    with translation.override("en"):
        assert rule.localized_title() == rule.title_en
        rule.title_en = ""
        assert rule.localized_title() == rule.title  # nothing stored: the Chinese
        assert rule.localized_source() == rule.source_en
    with translation.override("zh-hans"):
        assert rule.localized_source() == rule.source and rule.localized_missing_text() == rule.missing_text
    spec = RuleSpec(code="X", title="标题", source="依据", scope="branch", period="month", kinds=frozenset())
    assert (spec.localized_title(), spec.localized_source()) == ("标题", "依据")


# The pages -------------------------------------------------------------------------------------------------------


def test_it_shows_the_branch_todo_in_the_pages_language(client, secretary, branch):
    client.force_login(secretary)
    url = reverse("reviews:branch_todo", args=[branch.pk])

    chinese = text(client.get(url))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = text(client.get(url))

    assert THEME_DAY["title"][0] in chinese and THEME_DAY["source"][0] in chinese
    assert THEME_DAY["title"][1] in english and THEME_DAY["source"][1] in english
    assert THEME_DAY["title"][0] not in english and THEME_DAY["source"][0] not in english


def test_it_falls_back_to_the_chinese_where_a_rule_has_no_english(english, secretary, branch):
    Rule.objects.filter(code="C3").update(title_en="", source_en="")
    english.force_login(secretary)

    page = text(english.get(reverse("reviews:branch_todo", args=[branch.pk])))

    assert THEME_DAY["title"][0] in page and THEME_DAY["source"][0] in page


def test_it_writes_the_circulars_gaps_and_sources_in_the_pages_language(client, district_officer, district, history):
    client.force_login(district_officer)
    url = reverse("reviews:circular", args=[district.pk]) + f"?period={YEAR}-Q3"

    chinese = text(client.get(url)).split("circular-sheet", 1)[1]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    english = text(response).split("circular-sheet", 1)[1]

    assert f"{YEAR}年7月 {THEME_DAY['gap'][0]}" in chinese and THEME_DAY["source"][0] in chinese
    gaps = [gap for group in response.context["circular"].groups for item in group.items for gap, *_ in item.gaps]
    assert f"7/{YEAR} {THEME_DAY['gap'][1]}" in gaps
    assert THEME_DAY["gap"][1] in english and THEME_DAY["source"][1] in english
    assert THEME_DAY["gap"][0] not in english and THEME_DAY["source"][0] not in english


def test_it_names_the_rules_of_the_dashboard_its_filter_and_its_rule_page_in_english(
    english, district_officer, committee, sibling_branch, history
):
    english.force_login(district_officer)

    dashboard = text(english.get(reverse("reviews:dashboard", args=[committee.pk]) + f"?year={YEAR}&rule=C3"))
    rule_page = text(english.get(reverse("reviews:result_detail", args=[sibling_branch.pk, "C3", f"{YEAR}-07"])))

    assert f"C3 {THEME_DAY['title'][1]}" in dashboard  # the filter's choice and the chosen rule
    assert THEME_DAY["title"][0] not in dashboard
    assert THEME_DAY["title"][1] in rule_page and THEME_DAY["source"][1] in rule_page
    assert THEME_DAY["title"][0] not in rule_page and THEME_DAY["source"][0] not in rule_page


def test_it_exports_the_dashboards_rules_and_missed_obligations_in_english(
    english, district_officer, secretary, committee, branch, history
):
    english.force_login(district_officer)
    workbook = openpyxl.load_workbook(
        io.BytesIO(english.get(reverse("reviews:dashboard_export", args=[committee.pk]) + f"?year={YEAR}").content)
    )
    missed = list(workbook.worksheets[1].iter_rows(values_only=True))
    english.force_login(secretary)
    rule_periods = list(
        openpyxl.load_workbook(
            io.BytesIO(
                english.get(reverse("reviews:dashboard_export", args=[branch.pk]) + f"?year={YEAR}&rule=C3").content
            )
        ).active.iter_rows(values_only=True)
    )

    c3_missed = [row for row in missed if row[2] == "C3"]
    assert c3_missed and all(THEME_DAY["gap"][1] in row[4] for row in c3_missed)
    assert all(row[5].startswith(THEME_DAY["source"][1]) for row in c3_missed)
    c3_rows = [row for row in rule_periods if row[0] == "C3"]
    assert c3_rows and all(row[1] == THEME_DAY["title"][1] for row in c3_rows)
    assert all(row[-1].startswith(THEME_DAY["source"][1]) for row in c3_rows)


# Dates -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def material(committee):
    return materials_services.material_publish(
        organization=committee,
        published_by=None,
        title="中国共产党章程",
        category=MaterialCategory.PARTY_CONSTITUTION,
        body="第一章 党员",
    )


def test_it_writes_dates_on_english_pages_the_english_way(client, member_user, material):
    task = make_task(member_user.member, due=TODAY + datetime.timedelta(days=3), topic="学习党章")
    client.force_login(member_user)
    material_url = reverse("study:material_detail", args=[material.pk])

    chinese = text(client.get(material_url)) + text(client.get(reverse("study:my_study")))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = text(client.get(material_url)) + text(client.get(reverse("study:my_study")))

    day, due = material.published_on, task.due_date
    assert f"{day.year}年{day.month}月{day.day}日" in chinese and f"{due.year}年{due.month}月{due.day}日" in chinese
    assert not CHINESE_DATE.search(english)
    with translation.override("en"):
        assert f"{day.day} {day:%B} {day.year}" in english
        assert f"{due.day} {due:%B} {due.year}" in english


def test_no_template_formats_a_date_with_a_chinese_format_that_is_not_translated():
    """`|date:"Y年n月j日"` would print Chinese dates on English pages; `|date:_("Y年n月j日")` follows the language."""
    from pathlib import Path

    literal = re.compile(r"""\|date:(["'])[^"']*[\u3400-\u9fff][^"']*\1""")
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if literal.search(line)
    ]
    assert offenders == []


def test_it_keeps_the_duty_reports_snapshot_in_chinese_whatever_the_pages_language(branch, history):
    """The snapshot is part of a filed record: it reads the same whichever language its author's page was in."""
    from reviews.duty_reports.selectors import figures_build

    with translation.override("en"):
        figures = figures_build(organization=branch, year=YEAR, today=TODAY)

    titles = {rule["code"]: rule["title"] for rule in figures["rules"]}
    assert titles["C3"] == THEME_DAY["title"][0]
