"""When an organisation's obligations start (issue #13 item 3): from its 成立日期, or — created in the portal
without one — from the day it was created, never 1 January; monthly and quarterly rules from the first full
period, and the yearly 组织生活会/民主评议 (C6) in the founding year only when founded before the cut-off
(settings.COMPLIANCE_FIRST_YEAR_CUTOFF, default 1 October)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization
from reviews.compliance.rules import MEETING_RULES, Outcome, PeriodKind, evaluate, period_containing
from reviews.compliance.services import compliance_recompute
from reviews.models import ComplianceResult
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db

# A year whose every period (and grace window) is over whatever day the suite runs on.
YEAR = timezone.localdate().year - 2
AFTER = datetime.date(YEAR + 1, 3, 1)
C6 = next(rule for rule in MEETING_RULES if rule.code == "C6")


def created_on(organization: Organization, day: datetime.date) -> None:
    created = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10))
    Organization.objects.filter(pk=organization.pk).update(created_at=created)


def results(branch) -> dict[str, set[str]]:
    by_rule: dict[str, set[str]] = {}
    for code, key in ComplianceResult.objects.filter(organization=branch).values_list("rule_code", "period_key"):
        by_rule.setdefault(code, set()).add(key)
    return by_rule


def test_it_judges_a_branch_created_without_a_founding_date_from_the_day_it_was_created(committee):
    branch = BranchFactory(parent=committee, established_on=None)
    created_on(branch, datetime.date(YEAR, 5, 20))

    compliance_recompute(year=YEAR, today=AFTER)

    judged = results(branch)
    # Monthly C3 from June (May was under way on the 20th), quarterly C5 from Q3, and the year's C6 (founded
    # before 1 October): nothing for January to May, which is what 1 January would have given.
    assert judged["C3"] == {f"{YEAR}-{month:02d}" for month in range(6, 13)}
    assert judged["C5"] == {f"{YEAR}-Q3", f"{YEAR}-Q4"}
    assert judged["C6"] == {str(YEAR)}
    assert not ComplianceResult.objects.filter(organization=branch, is_met=True).exists()


@pytest.mark.parametrize(("founded", "owes_first_year"), [((9, 30), True), ((10, 2), False)])
def test_it_asks_for_the_yearly_org_life_meeting_in_the_first_year_only_before_the_cut_off(
    committee, founded, owes_first_year
):
    branch = BranchFactory(parent=committee, established_on=datetime.date(YEAR, *founded))

    compliance_recompute(year=YEAR, today=AFTER)
    compliance_recompute(year=YEAR + 1, today=datetime.date(YEAR + 2, 3, 1))

    assert ComplianceResult.objects.filter(organization=branch, rule_code="C6", period_key=str(YEAR)).exists() is (
        owes_first_year
    )
    assert ComplianceResult.objects.filter(organization=branch, rule_code="C6", period_key=str(YEAR + 1)).exists()


def test_it_takes_the_cut_off_from_the_settings(settings):
    year = period_containing(PeriodKind.YEAR, datetime.date(YEAR, 1, 1))
    founded = datetime.date(YEAR, 9, 30)

    assert evaluate(C6, period=year, meetings=[], today=AFTER, applies_from=founded).outcome == Outcome.MISSED
    settings.COMPLIANCE_FIRST_YEAR_CUTOFF = "07-01"
    assert evaluate(C6, period=year, meetings=[], today=AFTER, applies_from=founded).outcome == Outcome.NOT_APPLICABLE


def test_it_says_when_the_obligations_start_on_the_rules_page(client, committee, secretary, branch):
    Organization.objects.filter(pk=branch.pk).update(established_on=None)
    created_on(branch, datetime.date(YEAR, 3, 15))
    compliance_recompute(year=YEAR, today=AFTER)
    client.force_login(secretary)

    yearly = client.get(reverse("reviews:result_detail", args=[branch.pk, "C6", str(YEAR)]))
    monthly = client.get(reverse("reviews:result_detail", args=[branch.pk, "C3", f"{YEAR}-04"]))

    yearly_text = re.sub(r"\s+", " ", yearly.content.decode())
    assert f"未填写成立日期：自在本平台建立之日 {YEAR}-03-15 起计算。" in yearly_text
    assert f"当年 {YEAR}-10-01 之前成立的组织当年即须完成" in yearly_text
    assert "从成立后的第一个完整周期起检查" in re.sub(r"\s+", " ", monthly.content.decode())
