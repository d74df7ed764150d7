"""The administrators' annual exports in the Django admin (branches/exports): a year of meetings and attendance as
xlsx and csv, scoped to the administrator's subtree, formula-safe, ID numbers masked unless permitted; a large
export runs as a job; talks go out without their summary; nobody without the admin's rights exports anything."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from activities.models import Attendance, Meeting
from activities.talks import services as talk_services
from branches.exports.jobs import ADMIN_EXPORT
from branches.models import RoleKind
from portal.jobs.models import Job, JobState
from tests.activities.test_meeting_reminders import held
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

MEETING_EXPORT = "admin:activities_meeting_annual_export"
ATTENDANCE_EXPORT = "admin:activities_attendance_annual_export"
FORMULA = '=HYPERLINK("http://evil.example","点这里")'


@pytest.fixture
def district_admin(district):
    """An administrator of one district (东城区委): the 系统管理员 group's rights, no full ID numbers."""
    user = UserFactory(username="district_admin", first_name="区管理员")
    give_role(user, district, RoleKind.ADMINISTRATOR)
    enrol_totp(user)
    return user


@pytest.fixture
def year_of_meetings(branch, sibling_branch, secretary, other_branch, other_branch_secretary):
    """In scope: a meeting of this year with a formula for a topic, one of the sibling branch, one of last year;
    out of scope: the other district's meeting."""
    member = MemberFactory(organization=branch, name="-减号开头的党员")
    own = held(branch, secretary, days_ago=1, topic=FORMULA)
    sibling_secretary = UserFactory(username="sibling_secretary")
    give_role(sibling_secretary, sibling_branch, RoleKind.SECRETARY)
    MemberFactory(organization=sibling_branch, name="兄弟支部党员")
    sibling = held(sibling_branch, sibling_secretary, days_ago=1, topic="兄弟支部的党课")
    last_year = held(branch, secretary, days_ago=400, topic="去年的党课")
    MemberFactory(organization=other_branch, name="西城党员")
    foreign = held(other_branch, other_branch_secretary, days_ago=1, topic="西城的党课")
    return {"own": own, "sibling": sibling, "last_year": last_year, "foreign": foreign, "member": member}


def export(client, url_name, **data):
    return client.post(reverse(url_name), {"file_format": "xlsx", "organization": "", **data})


def sheet_rows(content: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()]


def table(rows: list[list], header: str) -> list[dict]:
    """The rows below the header row (the one whose first cell is `header`), as dicts."""
    start = next(index for index, row in enumerate(rows) if row and row[0] == header)
    headers = rows[start]
    return [dict(zip(headers, row, strict=False)) for row in rows[start + 1 :]]


def test_it_exports_a_year_of_meetings_as_xlsx_in_scope_and_formula_safe(client, district_admin, year_of_meetings):
    client.force_login(district_admin)
    year = year_of_meetings["own"].held_on.year

    response = export(client, MEETING_EXPORT, year=year)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows[0][0] == "三会一课"
    meetings = table(rows, "党组织")
    topics = {row["主题"] for row in meetings}
    assert topics == {FORMULA, "兄弟支部的党课"}  # not last year's, not the other district's
    own = next(row for row in meetings if row["主题"] == FORMULA)
    assert own["党组织"] == "第一党支部"
    assert own["召开日期"] == datetime.datetime.combine(year_of_meetings["own"].held_on, datetime.time())
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    formula_cells = [cell for row in workbook.worksheets[0].iter_rows() for cell in row if cell.value == FORMULA]
    assert formula_cells and all(cell.data_type == "s" and cell.quotePrefix for cell in formula_cells)


def test_it_exports_a_year_of_attendance_with_masked_id_numbers_as_xlsx(client, district_admin, year_of_meetings):
    client.force_login(district_admin)
    member = year_of_meetings["member"]

    response = export(client, ATTENDANCE_EXPORT, year=year_of_meetings["own"].held_on.year)

    assert response.status_code == 200
    rows = table(sheet_rows(response.content), "党组织")
    assert {row["党员"] for row in rows} >= {member.name, "兄弟支部党员"}
    assert "西城党员" not in {row["党员"] for row in rows}
    assert {row["主题"] for row in rows} == {FORMULA, "兄弟支部的党课"}
    mine = next(row for row in rows if row["党员"] == member.name)
    assert mine["身份证号"] == member.id_number_masked != member.id_number
    assert member.id_number not in repr(rows)
    assert mine["出勤"] == "出席"


def test_it_exports_attendance_as_csv_with_formulas_neutralised(client, district_admin, year_of_meetings):
    client.force_login(district_admin)
    member = year_of_meetings["member"]

    response = export(client, ATTENDANCE_EXPORT, year=year_of_meetings["own"].held_on.year, file_format="csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "'" + FORMULA in {row["主题"] for row in rows}
    assert "'" + member.name in {row["党员"] for row in rows}  # "-减号开头…" is a formula to Excel too
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
    assert "西城" not in text and member.id_number not in text
    assert member.id_number_masked in text


def test_it_shows_full_id_numbers_to_an_administrator_who_holds_the_permission(
    client, district_admin, year_of_meetings
):
    district_admin.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    client.force_login(district_admin)
    member = year_of_meetings["member"]

    response = export(client, ATTENDANCE_EXPORT, year=year_of_meetings["own"].held_on.year, file_format="csv")

    assert member.id_number in response.content.decode("utf-8-sig")


def test_it_narrows_to_a_subtree_and_refuses_a_foreign_one(client, district_admin, year_of_meetings, sibling_branch):
    client.force_login(district_admin)
    year = year_of_meetings["own"].held_on.year

    response = export(client, MEETING_EXPORT, year=year, organization=sibling_branch.pk)
    assert {row["主题"] for row in table(sheet_rows(response.content), "党组织")} == {"兄弟支部的党课"}

    foreign = year_of_meetings["foreign"].organization
    response = export(client, MEETING_EXPORT, year=year, organization=foreign.pk)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "所选的党组织不存在或不在您的管理范围内" in response.text
    assert "西城" not in response.text


def test_it_says_what_to_fix_for_a_missing_year(client, district_admin):
    client.force_login(district_admin)
    response = export(client, MEETING_EXPORT, year="")
    assert response.status_code == 200
    assert "请填写年度，如 2026。" in response.text


def test_it_links_the_export_from_the_change_list(client, district_admin):
    client.force_login(district_admin)
    response = client.get(reverse("admin:activities_meeting_changelist"))
    assert response.status_code == 200
    assert reverse(MEETING_EXPORT) in response.text
    page = client.get(reverse(MEETING_EXPORT))
    assert page.status_code == 200
    assert "身份证号已脱敏" in page.text


def test_it_runs_a_large_export_as_a_job_and_serves_the_file_to_its_owner_only(
    client, district_admin, administrator, year_of_meetings, settings, django_capture_on_commit_callbacks
):
    settings.ADMIN_EXPORT_JOB_ROWS = 2
    client.force_login(district_admin)
    year = year_of_meetings["own"].held_on.year

    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, ATTENDANCE_EXPORT, year=year)

    job = Job.objects.get(kind=ADMIN_EXPORT)
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.state, job.owner, job.progress_total) == (
        JobState.DONE,
        district_admin,
        Attendance.objects.filter(
            meeting__held_on__year=year,
            meeting__organization__path__startswith=district_admin.roles.get().organization.path,
        ).count(),
    )
    assert job.result_name.endswith(".xlsx")
    page = client.get(job.get_absolute_url())
    assert reverse("portal:job_download", args=[job.pk]) in page.text
    download = client.get(reverse("portal:job_download", args=[job.pk]))
    assert download.status_code == 200
    rows = table(sheet_rows(b"".join(download.streaming_content)), "党组织")
    assert {row["主题"] for row in rows} == {FORMULA, "兄弟支部的党课"}
    assert year_of_meetings["member"].id_number_masked in {row["身份证号"] for row in rows}

    client.force_login(administrator)  # another user: the job and its file are not theirs
    assert client.get(reverse("portal:job_download", args=[job.pk])).status_code == 404


def test_the_job_exports_nothing_for_an_owner_who_lost_the_scope(
    district_admin, year_of_meetings, sibling_branch, django_capture_on_commit_callbacks
):
    from branches.exports.jobs import admin_export_start
    from branches.services import role_revoke

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = admin_export_start(
            model_label="activities.meeting",
            year=2026,
            organization=sibling_branch,
            file_format="csv",
            by=district_admin,
        )
    role_revoke(role=district_admin.roles.get(), by=None)
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "您已不能导出这些数据" in job.message
    assert not job.result_file


@pytest.mark.parametrize("persona", ["secretary", "member_user"])
def test_a_member_or_secretary_without_admin_access_gets_no_export(client, request, persona, year_of_meetings):
    client.force_login(request.getfixturevalue(persona))
    for url_name in (MEETING_EXPORT, ATTENDANCE_EXPORT):
        for response in (client.get(reverse(url_name)), export(client, url_name, year=2026)):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_models_rights_gets_403(client, district, year_of_meetings):
    user = UserFactory(username="bare_staff", is_staff=True)
    give_role(user, district, RoleKind.OFFICER)
    enrol_totp(user)
    client.force_login(user)
    assert client.get(reverse(MEETING_EXPORT)).status_code == 403
    response = export(client, MEETING_EXPORT, year=2026)
    assert response.status_code == 403


def test_talks_go_out_without_their_summary(client, district_admin, branch, secretary, member_user):
    talk_services.heart_talk_record(
        organization=branch,
        initiator=secretary.member,
        counterpart=member_user.member,
        held_on=datetime.date(2026, 3, 2),
        summary="只给两人和书记看的谈话要点",
        recorded_by=secretary,
    )
    client.force_login(district_admin)

    response = export(client, "admin:activities_hearttalk_annual_export", year=2026, file_format="csv")

    text = response.content.decode("utf-8-sig")
    assert "王书记" in text and "李党员" in text
    assert "谈话要点" not in text


def test_the_export_reads_a_fixed_number_of_queries(
    client, district_admin, year_of_meetings, branch, secretary, django_assert_max_num_queries
):
    client.force_login(district_admin)
    year = year_of_meetings["own"].held_on.year
    export(client, ATTENDANCE_EXPORT, year=year)  # warm the session and permission caches
    with django_assert_max_num_queries(14) as small:
        export(client, ATTENDANCE_EXPORT, year=year)
    for days in range(2, 8):
        MemberFactory(organization=branch, name=f"新党员{days}")
        held(branch, secretary, days_ago=days, topic=f"第{days}次")
    assert Meeting.objects.count() > 8
    with django_assert_max_num_queries(len(small.captured_queries)):
        export(client, ATTENDANCE_EXPORT, year=year)


def test_it_exports_the_members_of_the_scope_with_masked_id_numbers(client, district_admin, branch, other_branch):
    own = MemberFactory(organization=branch, name="@at开头的党员")
    MemberFactory(organization=other_branch, name="西城党员")
    client.force_login(district_admin)

    page = client.get(reverse("admin:branches_member_annual_export"))
    assert 'name="year"' not in page.text  # members have no year: the roster as it is now
    response = export(client, "admin:branches_member_annual_export", file_format="csv")

    text = response.content.decode("utf-8-sig")
    assert "'@at开头的党员" in text and "西城党员" not in text
    assert own.id_number_masked in text and own.id_number not in text


def test_it_exports_grades_and_never_a_ballot(client, district_admin, branch, secretary, member_user):
    from reviews.evaluations import services as evaluation_services
    from reviews.evaluations.models import ApprovalStatus, Grade, GradeProposal, MutualBallot

    campaign = evaluation_services.campaign_open(
        organization=branch,
        year=2026,
        schedule=evaluation_services.default_schedule(year=2026),
        opened_by=secretary,
    )
    GradeProposal.objects.create(
        campaign=campaign,
        member=member_user.member,
        grade=Grade.EXCELLENT,
        proposed_by=secretary,
        status=ApprovalStatus.STANDS,
    )
    MutualBallot.objects.create(
        campaign=campaign, subject=member_user.member, grade=Grade.UNQUALIFIED, comment="秘密意见"
    )
    client.force_login(district_admin)

    response = export(client, "admin:reviews_gradeproposal_annual_export", year=2026, file_format="csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["党员"], row["评定等次"], row["审批状态"]) for row in rows] == [("李党员", "优秀", "无需审批")]
    assert "秘密意见" not in response.content.decode("utf-8-sig")


def test_it_exports_the_problems_found_in_the_evaluation_of_its_scope(
    client, district_admin, branch, secretary, member_user, other_branch, other_branch_secretary
):
    from reviews.evaluations import services as evaluation_services
    from reviews.evaluations.models import EvaluationProblem, OpinionSource

    for organization, author, text in (
        (branch, secretary, "=学习不够深入"),
        (other_branch, other_branch_secretary, "西城的问题"),
    ):
        campaign = evaluation_services.campaign_open(
            organization=organization,
            year=2026,
            schedule=evaluation_services.default_schedule(year=2026),
            opened_by=author,
        )
        EvaluationProblem.objects.create(
            campaign=campaign,
            source=OpinionSource.SELF_CHECK,
            description=text,
            responsible="王书记",
            measures="每月集中学习",
            deadline=datetime.date(2026, 12, 31),
            entered_by=author,
        )
    client.force_login(district_admin)

    response = export(client, "admin:reviews_evaluationproblem_annual_export", year=2026, file_format="csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["问题描述"], row["来源"], row["责任人"], row["整改时限"]) for row in rows] == [
        ("'=学习不够深入", "对照检查", "王书记", "2026-12-31")
    ]
    empty = export(client, "admin:reviews_evaluationproblem_annual_export", year=2025, file_format="csv")
    assert empty.content.decode("utf-8-sig").count("\n") == 1  # the header only
