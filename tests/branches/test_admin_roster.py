"""The roster in the Django admin: import through the same service, export in the roster's format, both scoped."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Member, Membership, RoleKind
from branches.roster.jobs import ROSTER_IMPORT, roster_import_start
from portal.jobs.models import Job, JobState
from tests.branches.test_roster_import import roster_row, xlsx_upload
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:branches_member_roster_import"
MEMBER_PERMISSIONS = ("view_member", "add_member", "change_member")


def grant(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="branches", codename__in=codenames))


@pytest.fixture
def staff_administrator(administrator):
    grant(administrator, *MEMBER_PERMISSIONS)
    return administrator


@pytest.fixture
def district_administrator(district):
    """An administrator whose scope is one district (东城区委), not the whole city."""
    user = UserFactory(username="district_admin", first_name="区管理员", is_staff=True)
    give_role(user, district, RoleKind.ADMINISTRATOR)
    enrol_totp(user)
    grant(user, *MEMBER_PERMISSIONS)
    return user


def sheet_rows(content: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()]


def test_it_links_the_roster_import_and_export_from_the_member_list(client, staff_administrator):
    client.force_login(staff_administrator)
    response = client.get(reverse("admin:branches_member_changelist"))

    assert response.status_code == 200
    assert reverse(IMPORT_URL) in response.text
    assert reverse("admin:branches_member_export") in response.text


def test_it_imports_a_roster_for_the_administrator_as_a_job(
    client, staff_administrator, branch, django_capture_on_commit_callbacks
):
    client.force_login(staff_administrator)
    upload = xlsx_upload([roster_row(姓名="后台甲"), roster_row(姓名="后台乙")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(IMPORT_URL), {"organization": branch.pk, "file": upload})

    job = Job.objects.get(kind=ROSTER_IMPORT)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(IMPORT_URL)}?job={job.pk}"
    assert (job.state, job.owner, job.organization) == (JobState.DONE, staff_administrator, branch)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "新增 2 人，更新 0 人，未变 0 人。" in page.text
    assert 'id="import-job"' in page.text
    imported = Member.objects.filter(name__startswith="后台")
    assert imported.count() == 2
    assert set(imported.values_list("organization", flat=True)) == {branch.pk}
    assert Membership.objects.filter(member__in=imported, ended_on=None).count() == 2


def test_it_shows_the_same_error_table_in_the_admin_and_writes_nothing(
    client, staff_administrator, branch, django_capture_on_commit_callbacks
):
    client.force_login(staff_administrator)
    upload = xlsx_upload([roster_row(姓名="后台好行"), roster_row(姓名="后台坏行", 入党日期="2010-02-30")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(IMPORT_URL), {"organization": branch.pk, "file": upload})
    response = client.get(response["Location"])

    assert response.status_code == 200
    assert Job.objects.get(kind=ROSTER_IMPORT).state == JobState.FAILED
    assert "文件中有错误，未导入任何数据" in response.text
    assert "第 3 行" in response.text
    assert "入党日期" in response.text
    assert not Member.objects.filter(name__startswith="后台").exists()


def test_it_offers_only_branches_in_the_administrators_scope(client, district_administrator, branch, other_branch):
    client.force_login(district_administrator)
    page = client.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    assert branch.name in page.text
    assert other_branch.name not in page.text

    upload = xlsx_upload([roster_row(姓名="越界导入")])
    # A foreign organisation id in the form body is refused: no job, nothing stored, nothing written.
    response = client.post(reverse(IMPORT_URL), {"organization": other_branch.pk, "file": upload})

    assert response.status_code == 200
    assert response.context["form"].errors["organization"]
    assert not Job.objects.exists()
    assert not Member.objects.filter(name="越界导入").exists()


def test_it_refuses_a_file_over_the_size_limit_before_starting_a_job(client, staff_administrator, branch, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 1024
    client.force_login(staff_administrator)
    upload = xlsx_upload([roster_row(姓名="超限") for _ in range(30)])
    response = client.post(reverse(IMPORT_URL), {"organization": branch.pk, "file": upload})

    assert response.status_code == 200
    assert "超过上限1.0\xa0KB" in str(response.context["form"].errors["file"])
    assert not Job.objects.exists()


def test_it_answers_404_for_a_job_of_another_user_in_the_admin(
    client, staff_administrator, district_administrator, branch
):
    upload = xlsx_upload([roster_row(姓名="别人的任务")])
    job = roster_import_start(organization=branch, upload=upload, by=district_administrator)
    client.force_login(staff_administrator)

    assert client.get(f"{reverse(IMPORT_URL)}?job={job.pk}").status_code == 404
    assert client.get(f"{reverse(IMPORT_URL)}?job=abc").status_code == 404


def test_it_refuses_the_import_to_staff_without_the_member_permissions(client, city, branch):
    # Staff with an officer role (not an administrator role) and only the view permission.
    viewer = UserFactory(is_staff=True)
    give_role(viewer, city, RoleKind.OFFICER)
    enrol_totp(viewer)
    grant(viewer, "view_member")
    client.force_login(viewer)
    upload = xlsx_upload([roster_row(姓名="无权导入")])

    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.post(reverse(IMPORT_URL), {"organization": branch.pk, "file": upload}).status_code == 403
    assert reverse(IMPORT_URL) not in client.get(reverse("admin:branches_member_changelist")).text
    assert not Member.objects.filter(name="无权导入").exists()


def test_it_downloads_the_template_for_the_chosen_branch(client, staff_administrator, branch):
    client.force_login(staff_administrator)
    response = client.post(reverse(IMPORT_URL), {"organization": branch.pk, "_template": "1"})

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["花名册", "填写说明"]
    assert branch.name in workbook["填写说明"]["A1"].value


def test_it_exports_masked_id_numbers_without_the_permission(client, staff_administrator, branch):
    member = MemberFactory(organization=branch, name="导出甲")
    client.force_login(staff_administrator)
    response = client.get(reverse("admin:branches_member_export"))

    assert response.status_code == 200
    rows = sheet_rows(response.content)
    assert rows[0][:3] == ["所在党支部", "党员编号", "姓名"]
    row = next(row for row in rows if row[2] == "导出甲")
    assert row[0] == branch.name
    assert row[1] == member.pk
    assert row[4] == member.id_number_masked


def test_it_exports_full_id_numbers_with_the_permission(client, staff_administrator, branch):
    member = MemberFactory(organization=branch, name="导出乙")
    grant(staff_administrator, "view_full_id_number")
    client.force_login(staff_administrator)
    rows = sheet_rows(client.get(reverse("admin:branches_member_export")).content)

    assert next(row for row in rows if row[2] == "导出乙")[4] == member.id_number


def test_it_exports_formula_text_as_plain_strings(client, staff_administrator, branch):
    MemberFactory(organization=branch, name="=1+1", position="@SUM(A1)")
    client.force_login(staff_administrator)
    content = client.get(reverse("admin:branches_member_export")).content

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert {"=1+1", "@SUM(A1)"} <= {cell.value for cell in cells if cell.data_type == "s"}


def test_it_exports_the_filtered_member_list(client, staff_administrator, branch, sibling_branch):
    MemberFactory(organization=branch, name="本支部")
    MemberFactory(organization=sibling_branch, name="兄弟支部")
    client.force_login(staff_administrator)
    response = client.get(reverse("admin:branches_member_export") + f"?organization__id__exact={sibling_branch.pk}")

    names = [row[2] for row in sheet_rows(response.content)[1:]]
    assert names == ["兄弟支部"]


def test_it_keeps_the_admin_list_and_export_inside_the_scope(
    client, district_administrator, branch, other_branch, django_assert_max_num_queries
):
    MemberFactory(organization=branch, name="区内党员")
    MemberFactory(organization=other_branch, name="区外党员")
    client.force_login(district_administrator)

    listing = client.get(reverse("admin:branches_member_changelist"))
    assert "区内党员" in listing.text
    assert "区外党员" not in listing.text
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:branches_member_export"))
    names = [row[2] for row in sheet_rows(response.content)[1:]]
    assert "区内党员" in names
    assert "区外党员" not in names


def test_it_exports_in_a_fixed_number_of_queries(client, staff_administrator, branch):
    client.force_login(staff_administrator)
    MemberFactory(organization=branch)
    client.get(reverse("admin:branches_member_export"))  # warm the session and permission caches

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:branches_member_export"))
    for _ in range(15):
        MemberFactory(organization=branch)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("admin:branches_member_export"))

    assert len(sheet_rows(response.content)) == 17
    assert len(many.captured_queries) == len(few.captured_queries)
