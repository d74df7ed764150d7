"""Study fixtures: a branch plan with one item a month, and the same plan filed."""

import datetime

import pytest

from study.models import Audience, StudyForm, StudyPlan
from study.plans import services

YEAR = datetime.date.today().year


def add_monthly_items(plan: StudyPlan, *, months=range(1, 13), **overrides) -> None:
    for month in months:
        fields = {
            "month": month,
            "topic": f"{month}月学习：党章第{month}章",
            "form": StudyForm.SELF_STUDY if month % 2 else StudyForm.COLLECTIVE,
            "audience": Audience.ALL,
            "due_date": datetime.date(plan.year, month, 25),
            "hours": 3,
        } | overrides
        services.plan_item_save(plan=plan, **fields)


@pytest.fixture
def draft_plan(branch, secretary):
    plan = services.plan_create(organization=branch, year=YEAR, title=f"{YEAR}年度学习计划", created_by=secretary)
    add_monthly_items(plan)
    return plan


@pytest.fixture
def submitted_plan(draft_plan, secretary):
    return services.plan_submit(plan=draft_plan, submitted_by=secretary)


@pytest.fixture
def filed_plan(submitted_plan, district_officer):
    return services.plan_file(plan=submitted_plan, filed_by=district_officer)
