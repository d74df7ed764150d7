"""seed_demo's 软弱涣散党支部: in the demo district one branch confirmed weak with a plan in progress, and one
suggestion waiting for a decision; a second run adds nothing."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from branches.models import Organization, User
from reviews.weak_branches.models import PlanState, RectificationPlan, SuggestionState, WeakSuggestion
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_it_seeds_a_weak_branch_with_a_plan_and_a_suggestion_once():
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    plan = RectificationPlan.objects.get()
    assert plan.state == PlanState.RECTIFYING and plan.branch.is_weak
    assert plan.responsible.username == "district"
    assert plan.measures.count() == 3 and plan.measures.filter(done_on__isnull=False).count() == 1
    assert plan.updates.count() == 1
    waiting = WeakSuggestion.objects.get(state=SuggestionState.SUGGESTED)
    assert {r["code"] for r in waiting.reasons} >= {"problems_overdue"}
    assert WeakSuggestion.objects.filter(state=SuggestionState.CONFIRMED, branch=plan.branch).exists()

    counts = (WeakSuggestion.objects.count(), RectificationPlan.objects.count())
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    assert (WeakSuggestion.objects.count(), RectificationPlan.objects.count()) == counts

    officer = User.objects.get(username="district")
    if not officer.authenticator_set.exists():
        enrol_totp(officer)
    client = Client()
    client.force_login(officer)
    district = Organization.objects.get(code="BJ-DC")
    response = client.get(reverse("reviews:weak_overview", args=[district.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert waiting.branch.name in page and plan.branch.name in page
