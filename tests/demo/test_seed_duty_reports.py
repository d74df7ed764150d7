"""seed_demo's 述职评议考核: the demo committee's round of the year, part way through."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from branches.models import Organization, RoleKind
from demo.duty_reports.seed import duty_reports_demo_seed
from demo.tree import tables as tree_tables
from notifications.models import Notification
from reviews.duty_reports.models import DutyAssessment, DutyReport, DutyReportRound, DutyReportStatus
from tests.factories import BranchFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_it_seeds_the_committees_round_once():
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    duty_round = DutyReportRound.objects.get()
    assert (duty_round.committee.code, duty_round.year) == ("BJ-DC-EDU", 2026)
    assert list(duty_round.representatives.values_list("username", flat=True)) == ["member"]
    demo = DutyReport.objects.get(round=duty_round, organization__code=tree_tables.DEMO_BRANCH_CODE)
    assert demo.status == DutyReportStatus.DRAFT and demo.figures and demo.performance

    counts = (DutyReportRound.objects.count(), DutyReport.objects.count(), DutyAssessment.objects.count())
    call_command("seed_demo", "--branches=12", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    assert (DutyReportRound.objects.count(), DutyReport.objects.count(), DutyAssessment.objects.count()) == counts

    # A bigger committee (as with --branches 400): the other units' 书记 submit, `committee` grades and concludes.
    DutyReportRound.objects.all().delete()
    school = Organization.objects.get(code="BJ-DC-EDU-S01")
    for number in range(2, 7):
        give_role(UserFactory(), BranchFactory(parent=school, code=f"BJ-DC-EDU-S01-{number:02d}"), RoleKind.SECRETARY)
    result = duty_reports_demo_seed(today=TODAY)
    reports = DutyReport.objects.filter(round__committee__code="BJ-DC-EDU")
    assert result.reports_submitted == 5
    assert reports.filter(status=DutyReportStatus.SUBMITTED).count() == 3
    assert reports.filter(status=DutyReportStatus.CONCLUDED).count() == 2
    assert DutyAssessment.objects.filter(assessor__username="committee").count() == 4
    assert not DutyAssessment.objects.filter(assessor__username="member").exists()
    assert Notification.objects.filter(recipient__username="member", url=reverse("reviews:duty_mine")).exists()
