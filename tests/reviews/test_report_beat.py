"""The January beat job: last year's report of every committee with data, requested once."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings

from portal.celery import app
from portal.jobs.models import Job, JobState
from reviews import tasks
from reviews.models import YearlyReportFile
from reviews.reports.services import YEARLY_REPORT
from tests.reviews.test_dashboard import YEAR
from tests.reviews.test_reports import make_history

pytestmark = pytest.mark.django_db

JANUARY_2 = datetime.date(YEAR + 1, 1, 2)


@pytest.fixture
def history(branch, sibling_branch, other_branch, secretary, member_user):
    return make_history(branch, sibling_branch, other_branch, secretary)


def test_it_is_scheduled_on_the_second_of_january_after_the_nightly_recompute():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "reviews.tasks.yearly_reports_january"]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.month_of_year, schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {2}, {3}, {30})
    assert entries[0]["task"] in app.tasks


def test_it_requests_last_years_report_of_every_committee_with_data_once(
    history, city, district, committee, other_district, branch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.yearly_reports_january(today=JANUARY_2.isoformat()) == 4
    jobs = Job.objects.filter(kind=YEARLY_REPORT)
    assert {job.organization for job in jobs} == {city, district, committee, other_district}  # no branch
    assert all(job.state == JobState.DONE and job.params["year"] == YEAR for job in jobs), [j.error for j in jobs]
    assert YearlyReportFile.objects.filter(year=YEAR).count() == 4

    with django_capture_on_commit_callbacks(execute=True):  # a second beat (or a re-run) asks for nothing
        assert tasks.yearly_reports_january(today=JANUARY_2.isoformat()) == 0
    assert Job.objects.filter(kind=YEARLY_REPORT).count() == 4
    assert YearlyReportFile.objects.filter(year=YEAR).count() == 4


def test_it_asks_nothing_for_a_year_without_data(history):
    assert tasks.yearly_reports_january(today=datetime.date(YEAR - 4, 1, 2).isoformat()) == 0
    assert not Job.objects.filter(kind=YEARLY_REPORT).exists()
