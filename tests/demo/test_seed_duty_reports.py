"""seed_demo's 述职评议考核: the demo committee's round of the year, part way through."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.tree import tables as tree_tables
from notifications.models import Notification
from reviews.duty_reports.models import DutyAssessment, DutyReport, DutyReportRound, DutyReportStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_it_seeds_the_committees_round_once():
    call_command("seed_demo", "--branches=40", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    duty_round = DutyReportRound.objects.get()
    assert (duty_round.committee.code, duty_round.year) == ("BJ-DC-EDU", 2026)
    assert list(duty_round.representatives.values_list("username", flat=True)) == ["member"]
    reports = DutyReport.objects.filter(round=duty_round)
    assert reports.filter(status=DutyReportStatus.SUBMITTED).exists()
    assert DutyAssessment.objects.filter(report__round=duty_round, assessor__username="committee").exists()
    assert not DutyAssessment.objects.filter(assessor__username="member").exists()
    assert Notification.objects.filter(recipient__username="member", url=reverse("reviews:duty_mine")).exists()
    demo = reports.get(organization__code=tree_tables.DEMO_BRANCH_CODE)
    assert demo.status == DutyReportStatus.DRAFT and demo.figures and demo.performance

    counts = (DutyReportRound.objects.count(), DutyReport.objects.count(), DutyAssessment.objects.count())
    call_command("seed_demo", "--branches=40", "--seed=7", f"--today={TODAY.isoformat()}", stdout=io.StringIO())
    assert (DutyReportRound.objects.count(), DutyReport.objects.count(), DutyAssessment.objects.count()) == counts
