"""The 系统管理员 group's rights in the Django admin: the demo `admin` opens every list it needs (meetings,
attendance, rules, notifications, results, 民主评议) and its 年度导出 pages; a district administrator gets 404 for an
object of another district; the data migration brings an existing group in step."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from activities.models import Attendance
from branches.models import RoleKind, User
from branches.services import ADMINISTRATORS_GROUP
from reviews.evaluations import services as evaluation_services
from reviews.evaluations.models import ApprovalStatus, Grade, GradeProposal
from tests.activities.test_meeting_reminders import held
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

ADMIN_LISTS = (
    "activities_meeting",
    "activities_attendance",
    "activities_hearttalk",
    "activities_commitment",
    "reviews_rule",
    "reviews_ruleset",
    "reviews_complianceresult",
    "reviews_evaluationcampaign",
    "reviews_gradeproposal",
    "reviews_evaluationproblem",
    "notifications_notification",
    "notifications_reminder",
    "study_studytask",
    "branches_member",
)
EXPORTS = (
    "activities_meeting",
    "activities_attendance",
    "activities_hearttalk",
    "activities_commitment",
    "reviews_complianceresult",
    "reviews_gradeproposal",
    "reviews_evaluationproblem",
    "study_studytask",
    "branches_member",
)


def test_the_demo_administrator_opens_the_lists_and_exports_it_needs(client, settings):
    settings.PORTAL_MFA_REQUIRED = False
    call_command("seed_demo", "--branches=3", "--seed=7", "--today=2026-11-28", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    client.force_login(admin)

    refused = {
        name: status
        for name in ADMIN_LISTS
        if (status := client.get(reverse(f"admin:{name}_changelist")).status_code) != 200
    }
    refused |= {
        f"{name} export": status
        for name in EXPORTS
        if (status := client.get(reverse(f"admin:{name}_annual_export")).status_code) != 200
    }
    assert refused == {}
    lines = {}
    for name in EXPORTS:
        # the demo's 评议 of 2026 has no grades (nor problems) yet
        year = 2025 if name in ("reviews_gradeproposal", "reviews_evaluationproblem") else 2026
        for file_format in ("xlsx", "csv"):
            response = client.post(
                reverse(f"admin:{name}_annual_export"), {"year": year, "organization": "", "file_format": file_format}
            )
            assert response.status_code == 200, name
            assert response["Content-Disposition"].startswith("attachment"), name
        lines[name] = response.content.decode("utf-8-sig").count("\n")
    assert all(count > 1 for count in lines.values()), lines
    assert lines["activities_meeting"] > 10 and lines["activities_attendance"] > lines["activities_meeting"]


@pytest.fixture
def district_admin(district):
    user = UserFactory(username="district_admin", first_name="区管理员")
    give_role(user, district, RoleKind.ADMINISTRATOR)
    enrol_totp(user)
    return user


def test_an_object_of_another_district_answers_404_in_the_admin(
    client, district_admin, branch, secretary, other_branch, other_branch_secretary
):
    MemberFactory(organization=other_branch, name="西城党员")
    foreign = held(other_branch, other_branch_secretary, days_ago=2, topic="西城的党课")
    campaign = evaluation_services.campaign_open(
        organization=other_branch,
        year=2026,
        schedule=evaluation_services.default_schedule(year=2026),
        opened_by=other_branch_secretary,
    )
    proposal = GradeProposal.objects.create(
        campaign=campaign,
        member=foreign.attendances.first().member,
        grade=Grade.QUALIFIED,
        proposed_by=other_branch_secretary,
        status=ApprovalStatus.STANDS,
    )
    own = held(branch, secretary, days_ago=2, topic="东城的党课")
    client.force_login(district_admin)

    assert client.get(reverse("admin:activities_meeting_change", args=[own.pk])).status_code == 200
    objects = {
        "activities_meeting": foreign,
        "activities_attendance": Attendance.objects.filter(meeting=foreign).first(),
        "reviews_evaluationcampaign": campaign,
        "reviews_gradeproposal": proposal,
    }
    answers = {
        name: client.get(reverse(f"admin:{name}_change", args=[obj.pk])).status_code for name, obj in objects.items()
    }
    assert answers == dict.fromkeys(objects, 404)
    listed = client.get(reverse("admin:activities_attendance_changelist"))
    assert "西城" not in listed.text and "东城的党课" in listed.text


def test_the_data_migration_gives_an_existing_group_the_new_rights():
    group = Group.objects.create(name=ADMINISTRATORS_GROUP)
    path = next(Path(apps.get_app_config("reviews").path, "migrations").glob("*_administrators_group_rights.py"))
    migration = importlib.import_module(f"reviews.migrations.{path.stem}")

    migration.grant(apps, None)

    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert {("activities", "view_meeting"), ("activities", "view_attendance"), ("reviews", "change_rule")} <= codenames
    assert ("reviews", "view_gradeproposal") in codenames
    assert not {codename for _app, codename in codenames if "ballot" in codename}
    migration.revoke(apps, None)
    assert not group.permissions.filter(content_type__app_label="activities").exists()
