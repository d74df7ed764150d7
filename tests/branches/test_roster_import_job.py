"""The roster import page: the request checks the form and starts a background job (portal/jobs); the page shows
its progress, then the counts or the per-row errors. All or nothing, as before."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.models import Member
from branches.roster.jobs import ROSTER_IMPORT, roster_import_start
from branches.roster.services import roster_import
from portal.jobs.models import Job, JobState
from tests.branches.test_roster_import import XLSX_TYPE, counts, csv_upload, roster_row, xlsx_upload
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db


def import_url(branch) -> str:
    return reverse("branches:roster_import", args=[branch.pk])


def test_it_shows_the_import_page_to_the_secretary(client, secretary, branch):
    client.force_login(secretary)
    response = client.get(import_url(branch))

    assert response.status_code == 200
    assert reverse("branches:roster_template", args=[branch.pk]) in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert 'id="import-job"' not in response.text


def test_it_starts_a_job_returns_at_once_and_shows_the_counts_when_done(
    client, secretary, branch, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    upload = xlsx_upload([roster_row(姓名="新党员甲"), roster_row(姓名="新党员乙")])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(import_url(branch), {"file": upload})

    job = Job.objects.get(kind=ROSTER_IMPORT)
    assert response.status_code == 302
    assert response["Location"] == f"{import_url(branch)}?job={job.pk}"
    assert (job.state, job.owner, job.organization, job.params["file_name"]) == (
        JobState.QUEUED,
        secretary,
        branch,
        "roster.xlsx",
    )
    assert len(job.params["sha256"]) == 64 and job.params["owner"] == secretary.pk
    assert not Member.objects.filter(name__startswith="新党员").exists()  # nothing imported in the request
    queued = client.get(response["Location"]).text
    assert "排队中" in queued and 'hx-trigger="every 2s"' in queued

    for callback in callbacks:
        callback()  # the worker (in-process without Redis)
    job.refresh_from_db()
    assert (job.state, job.result) == (JobState.DONE, {"created": 2, "updated": 0, "unchanged": 0})
    assert job.message == "导入完成：新增2人，更新0人，未变0人。"
    page = client.get(response["Location"]).text
    assert "新增 2 人，更新 0 人，未变 0 人。" in page
    assert "hx-trigger" not in page
    assert Member.objects.filter(organization=branch, name__startswith="新党员").count() == 2


def test_it_fails_the_job_with_the_error_table_for_a_bad_upload_and_writes_nothing(
    client, secretary, branch, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    before = counts()
    upload = xlsx_upload([roster_row(姓名="好行"), roster_row(姓名="坏行", 手机号="555")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(import_url(branch), {"file": upload})
    response = client.get(response["Location"])

    job = Job.objects.get(kind=ROSTER_IMPORT)
    assert job.state == JobState.FAILED
    assert job.result["errors"][0]["line"] == 3
    assert "文件中有错误，未导入任何数据。请按下表改正后重新上传。" in response.text
    assert "第 3 行" in response.text
    assert "手机号应为11位" in response.text
    assert counts() == before


def test_the_job_page_shows_the_same_result(client, secretary, branch, django_capture_on_commit_callbacks):
    client.force_login(secretary)
    upload = xlsx_upload([roster_row(姓名="好行"), roster_row(姓名="坏行", 手机号="555")])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(import_url(branch), {"file": upload})
    job = Job.objects.get(kind=ROSTER_IMPORT)

    partial = client.get(reverse("portal:job_status", args=[job.pk]), headers={"HX-Request": "true"}).text
    assert "导入党员名册" in partial and "第 3 行" in partial and "手机号应为11位" in partial


def test_it_tells_the_secretary_when_the_upload_is_not_a_spreadsheet(
    client, secretary, branch, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    forged = SimpleUploadedFile("花名册.xlsx", "这不是表格".encode(), content_type=XLSX_TYPE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(import_url(branch), {"file": forged})
    response = client.get(response["Location"])

    assert Job.objects.get(kind=ROSTER_IMPORT).state == JobState.FAILED
    assert "内容不是 Excel 文件" in response.text


def test_it_refuses_a_file_over_the_size_limit_in_the_request(client, secretary, branch, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 1024
    client.force_login(secretary)
    upload = csv_upload([roster_row(姓名="超限") for _ in range(30)])
    response = client.post(import_url(branch), {"file": upload})

    assert response.status_code == 200
    assert "超过上限1.0\xa0KB" in response.text
    assert not Job.objects.exists()
    assert not Member.objects.filter(name="超限").exists()


def test_it_requires_a_file(client, secretary, branch):
    client.force_login(secretary)
    response = client.post(import_url(branch), {})

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Job.objects.exists()


def test_a_second_click_with_the_same_file_shows_the_running_job(client, secretary, branch):
    client.force_login(secretary)
    rows = [roster_row(姓名="两次")]
    first = client.post(import_url(branch), {"file": xlsx_upload(rows)})  # on_commit not run: the job stays queued
    second = client.post(import_url(branch), {"file": xlsx_upload(rows)})

    assert first["Location"] == second["Location"]
    assert Job.objects.filter(kind=ROSTER_IMPORT).count() == 1


def test_another_file_or_another_user_is_another_job(client, secretary, branch):
    deputy = UserFactory(username="deputy")
    give_role(deputy, branch, "deputy_secretary")
    first = roster_import_start(organization=branch, upload=xlsx_upload([roster_row()]), by=secretary)
    second = roster_import_start(organization=branch, upload=xlsx_upload([roster_row()]), by=secretary)
    rows = [roster_row()]
    third = roster_import_start(organization=branch, upload=xlsx_upload(rows), by=secretary)
    fourth = roster_import_start(organization=branch, upload=xlsx_upload(rows), by=deputy)

    assert len({first.pk, second.pk, third.pk, fourth.pk}) == 4


def test_it_answers_404_to_the_secretary_of_another_branch_and_starts_no_job(client, other_branch_secretary, branch):
    client.force_login(other_branch_secretary)
    upload = xlsx_upload([roster_row(姓名="越权")])

    assert client.get(import_url(branch)).status_code == 404
    assert client.post(import_url(branch), {"file": upload}).status_code == 404
    assert client.get(reverse("branches:roster_template", args=[branch.pk])).status_code == 404
    assert not Job.objects.exists()
    assert not Member.objects.filter(name="越权").exists()


def test_it_answers_404_for_a_job_of_someone_else_or_of_another_branch(
    client, secretary, other_branch_secretary, branch, other_branch
):
    theirs = roster_import_start(
        organization=other_branch, upload=xlsx_upload([roster_row()]), by=other_branch_secretary
    )
    client.force_login(secretary)

    assert client.get(f"{import_url(branch)}?job={theirs.pk}").status_code == 404
    assert client.get(f"{import_url(branch)}?job=x").status_code == 404


def test_it_refuses_the_import_page_to_a_plain_member(client, member_user, branch):
    client.force_login(member_user)

    assert client.get(import_url(branch)).status_code == 403
    assert client.post(import_url(branch), {"file": xlsx_upload([roster_row()])}).status_code == 403
    assert not Job.objects.exists()


def test_the_job_fails_when_its_owner_lost_the_branch_before_it_ran(
    client, secretary, branch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = roster_import_start(organization=branch, upload=xlsx_upload([roster_row(姓名="迟到")]), by=secretary)
    secretary.roles.all().delete()
    for callback in callbacks:
        callback()
    job.refresh_from_db()

    assert job.state == JobState.FAILED
    assert not Member.objects.filter(name="迟到").exists()


def test_the_import_page_with_a_job_costs_a_fixed_number_of_queries(
    client, secretary, branch, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(secretary)
    rows = [roster_row(手机号="555") for _ in range(300)]  # 300 listed errors
    with django_capture_on_commit_callbacks(execute=True):
        url = client.post(import_url(branch), {"file": xlsx_upload(rows)})["Location"]
    assert len(Job.objects.get().result["errors"]) == 300

    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200


def test_it_reports_progress_while_it_reads_checks_and_writes(branch):
    calls = []
    result = roster_import(
        organization=branch,
        uploaded_file=csv_upload([roster_row() for _ in range(1200)]),
        progress=lambda done, total=None, message=None: calls.append((done, total, message)),
    )

    assert result.ok and result.created == 1200
    assert calls[0] == (0, None, "读取文件中")
    assert (500, 1200, "检查中") in calls and (1000, 1200, "检查中") in calls
    assert calls[-1] == (1200, 1200, "写入中")
