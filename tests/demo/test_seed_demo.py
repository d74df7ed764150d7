import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from branches import idnumbers
from branches.models import (
    Member,
    MemberCategory,
    Membership,
    MembershipType,
    MemberStatus,
    Organization,
    OrganizationCategory,
    OrganizationKind,
    PartyGroup,
    Role,
    RoleKind,
    User,
)
from demo.tree import plan as tree_plan
from demo.tree import seed as tree
from demo.tree import tables as tree_tables

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


def seed(branches: int = 20, seed: int = 7, today: datetime.date = TODAY) -> str:
    out = io.StringIO()
    call_command("seed_demo", f"--branches={branches}", f"--seed={seed}", f"--today={today.isoformat()}", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Organization, Member, Membership, PartyGroup, Role, User)
    }


def snapshot() -> dict[str, list]:
    """What the seed wrote, independent of primary keys and encryption nonces."""
    return {
        "organizations": sorted(
            Organization.objects.values_list(
                "code", "name", "kind", "category", "parent__code", "term_ends_on", "depth"
            )
        ),
        "members": sorted(
            Member.objects.values_list("organization__code", "name", "id_number_digest", "joined_on", "status")
        ),
        "memberships": sorted(
            Membership.objects.values_list("member__id_number_digest", "organization__code", "started_on", "ended_on")
        ),
        "roles": sorted(Role.objects.values_list("user__username", "organization__code", "kind")),
    }


def wipe() -> None:
    from activities.models import HeartTalk, Meeting
    from branches.terms.models import CommitteeTerm
    from notifications.models import Notification, Reminder
    from reviews.duty_reports.models import DutyReportRound
    from reviews.evaluations.models import EvaluationCampaign
    from reviews.oversight.models import Inspection, Interview, Problem
    from reviews.ratings.models import BranchRating
    from reviews.weak_branches.models import RectificationPlan, WeakSuggestion
    from study.models import CadreStudyPlan, MaterialRead, StudyMaterial, StudyPlan, StudyTask
    from tests.record_chain import chain_wipe

    chain_wipe()  # the chain of filings protects the branches too, and only a test may empty it
    EvaluationCampaign.objects.all().delete()  # 民主评议 protects its branch, its decision meeting and openers
    DutyReportRound.objects.all().delete()  # 述职评议考核 protects its committee, units, openers and authors
    Interview.objects.all().delete()  # 重点约谈 protects its organisations, interviewee and recorder
    CommitteeTerm.objects.all().delete()  # 换届 records protect their committees' members
    Problem.objects.all().delete()  # the 整改台账 protects its organisations and the users who acted
    Inspection.objects.all().delete()  # 督导检查 protects its organisation, branches and inspectors
    BranchRating.objects.all().delete()  # 星级评定 protects the officers who decided (its history goes with it)
    RectificationPlan.objects.all().delete()  # 软弱涣散 整顿方案 protect their branch and the users who acted
    WeakSuggestion.objects.all().delete()
    for model in (Reminder, Notification, StudyTask, MaterialRead, CadreStudyPlan, Meeting, HeartTalk):
        model.objects.all().delete()
    StudyPlan.objects.update(previous_revision=None, template=None)
    StudyPlan.objects.all().delete()
    StudyMaterial.objects.all().delete()
    Role.objects.all().delete()
    Membership.objects.all().delete()
    PartyGroup.objects.update(leader=None)
    Member.objects.all().delete()
    PartyGroup.objects.all().delete()
    User.objects.all().delete()
    for organization in Organization.objects.order_by("-depth"):
        organization.delete()


def test_it_builds_every_kind_of_organisation_and_every_branch_category():
    seed(branches=20)
    assert set(Organization.objects.values_list("kind", flat=True)) == set(OrganizationKind.values)
    branches = Organization.objects.filter(kind=OrganizationKind.BRANCH)
    assert branches.count() == 20
    assert set(branches.values_list("category", flat=True)) == set(OrganizationCategory.values)
    city = Organization.objects.get(code="BJ")
    assert city.name == "北京市委"
    assert set(Organization.objects.filter(parent=city).values_list("name", flat=True)) >= {"东城区委", "西城区委"}
    assert Organization.objects.get(code=tree_tables.DEMO_BRANCH_CODE).name == "东城区教育系统第一中学教工第一党支部"
    assert branches.filter(is_weak=True, weak_since__isnull=False).exclude(weak_reason="").exists()
    assert branches.filter(term_ends_on__gte=TODAY, term_ends_on__lte=TODAY + datetime.timedelta(days=60)).exists()
    assert branches.filter(term_ends_on__lt=TODAY).exists()
    assert PartyGroup.objects.filter(leader__isnull=False).exists()


def test_it_gives_each_branch_about_25_members_of_every_category():
    seed(branches=20)
    members = Member.objects.all()
    assert 20 * 22 <= members.count() <= 20 * 28
    for category in MemberCategory:
        assert members.filter(**{category.value: True}).exists(), category
    assert members.exclude(status=MemberStatus.ACTIVE).exists()
    assert set(members.values_list("gender", flat=True)) == {"male", "female"}
    assert members.exclude(ethnicity="汉族").exists()
    probationary = members.filter(membership_type=MembershipType.PROBATIONARY)
    assert probationary.exists()
    assert not probationary.filter(full_member_on__isnull=False).exists()
    assert not probationary.filter(joined_on__lt=TODAY - datetime.timedelta(days=365)).exists()
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) for name in members.values_list("name", flat=True))
    assert all(re.fullmatch(r"1[3-9]\d{9}", phone) for phone in members.values_list("phone", flat=True))


def test_it_writes_what_the_services_would_write():
    seed(branches=20)
    for organization in Organization.objects.select_related("parent"):
        parent_path = organization.parent.path if organization.parent else ""
        assert organization.path == parent_path + Organization.path_segment(organization.pk)
        assert organization.depth == organization.path.count("/")
        organization.full_clean()
    for member in Member.objects.select_related("organization", "group"):
        number = member.id_number
        idnumbers.validate_id_number(number)  # GB 11643 checksum, birth date
        assert member.id_number_digest == idnumbers.digest(number)
        assert member.id_number_encrypted and number not in member.id_number_encrypted
        assert idnumbers.birth_date_of(number) == member.birth_date
        assert int(number[16]) % 2 == (1 if member.gender == "male" else 0)
        member.full_clean(exclude=["id_number_encrypted", "id_number_digest"])
        stays = list(member.memberships.order_by("started_on", "pk"))
        assert stays[-1].organization_id == member.organization_id
        assert [stay.ended_on is None for stay in stays[:-1]] == [False] * (len(stays) - 1)
        if member.status == MemberStatus.ACTIVE:
            assert stays[-1].ended_on is None
        else:
            assert stays[-1].ended_on == member.status_changed_on
    transferred = Member.objects.filter(memberships__ended_on__isnull=False, status=MemberStatus.ACTIVE).distinct()
    assert transferred.exists()
    for group in PartyGroup.objects.filter(leader__isnull=False).select_related("leader"):
        group.full_clean()


def test_it_creates_one_demo_login_per_role():
    seed(branches=10)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    assert admin.has_perm("branches.view_full_id_number")
    assert Role.objects.filter(user=admin, organization__code="BJ", kind=RoleKind.ADMINISTRATOR).exists()
    assert Role.objects.filter(user__username="district", organization__code="BJ-DC", kind=RoleKind.OFFICER).exists()
    committee = Role.objects.get(user__username="committee", kind=RoleKind.OFFICER).organization
    assert committee.kind == OrganizationKind.PRIMARY_COMMITTEE
    secretary = User.objects.get(username="secretary")
    branch = Organization.objects.get(code=tree_tables.DEMO_BRANCH_CODE)
    assert Role.objects.filter(user=secretary, organization=branch, kind=RoleKind.SECRETARY).exists()
    assert secretary.member.organization == branch
    assert secretary.first_name == secretary.member.name
    member = User.objects.get(username="member")
    assert member.member.organization == branch
    assert not member.roles.exists()
    assert not secretary.has_perm("branches.view_full_id_number")
    phones = set(User.objects.filter(username__in=tree_tables.DEMO_LOGINS_BY_USERNAME).values_list("phone", flat=True))
    emails = set(User.objects.filter(username__in=tree_tables.DEMO_LOGINS_BY_USERNAME).values_list("email", flat=True))
    assert len(phones) == len(emails) == 5 and None not in phones and "" not in emails
    # Every other branch committee member has an account without a password (first-login link).
    other = Role.objects.exclude(user__username__in=tree_tables.DEMO_LOGINS_BY_USERNAME).select_related("user").first()
    assert not other.user.has_usable_password()
    assert other.user.member.organization_id == other.organization_id


def test_it_lets_the_demo_administrator_use_the_django_admin_without_being_a_superuser(client, settings):
    settings.PORTAL_MFA_REQUIRED = False
    seed(branches=3)
    admin = User.objects.get(username="admin")
    assert admin.has_perm("branches.view_full_id_number")
    client.force_login(admin)
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.get(reverse("admin:branches_organization_changelist"))
    assert response.status_code == 200
    assert "东城区委" in response.text
    response = client.get(reverse("admin:branches_member_changelist"))
    assert response.status_code == 200
    assert Member.objects.order_by("name", "pk").first().name in response.text


def test_it_prints_the_logins_and_they_log_in_with_the_printed_password(client):
    output = seed(branches=10)
    line = next(line for line in output.splitlines() if re.search(r"\bsecretary\b", line))
    password = line.split()[2]
    assert password == tree.DEMO_PASSWORD
    assert "TOTP" in output
    assert client.login(username="secretary", password=password)
    client.logout()
    response = client.post(reverse("account_login"), {"login": "13910000005", "password": password})
    assert response.status_code == 302
    # A member without a role lands on their study page.
    assert client.get(reverse("home"), follow=True).request["PATH_INFO"] == reverse("study:my_study")


def test_it_creates_nothing_new_when_run_twice():
    seed(branches=12)
    before = counts()
    output = seed(branches=12)
    assert counts() == before
    assert "演示组织树已存在" in output
    assert "已存在，密码未改动" in output


def test_it_adds_only_the_missing_branches_and_matches_a_fresh_run():
    seed(branches=8)
    seed(branches=14)
    grown = snapshot()
    assert Organization.objects.filter(kind=OrganizationKind.BRANCH).count() == 14
    wipe()
    seed(branches=14)
    assert snapshot() == grown


def test_it_gives_the_same_names_for_the_same_seed_and_others_for_another():
    seed(branches=6, seed=3)
    first = snapshot()
    wipe()
    seed(branches=6, seed=3)
    assert snapshot() == first
    wipe()
    seed(branches=6, seed=4)
    other = snapshot()
    assert {row[1] for row in other["members"]} != {row[1] for row in first["members"]}


def test_it_refuses_zero_branches():
    with pytest.raises(CommandError):
        seed(branches=0)


def test_it_refuses_a_code_held_by_another_kind_of_organisation():
    from branches import services

    services.organization_create(parent=None, name="别的市委", code="BJ", kind=OrganizationKind.MUNICIPAL_COMMITTEE)
    city = Organization.objects.get(code="BJ")
    services.organization_create(parent=city, name="别的工委", code="BJ-DC", kind=OrganizationKind.WORKING_COMMITTEE)
    with pytest.raises(CommandError, match="BJ-DC"):
        seed(branches=3)
    assert not Member.objects.exists()


def test_it_adds_a_branch_of_a_given_size_for_benchmarks():
    seed(branches=3)
    district = Organization.objects.get(code="BJ-DC")
    branch = tree.demo_branch_add(
        parent=district,
        code="BJ-DC-BENCH",
        name="东城区测试党支部",
        category=OrganizationCategory.COMMUNITY,
        size=60,
        today=TODAY,
    )
    again = tree.demo_branch_add(
        parent=district,
        code="BJ-DC-BENCH",
        name="东城区测试党支部",
        category=OrganizationCategory.COMMUNITY,
        size=60,
        today=TODAY,
    )
    assert again.pk == branch.pk
    assert branch.path == district.path + Organization.path_segment(branch.pk)
    assert Member.objects.filter(organization=branch).count() == 60
    assert (
        Membership.objects.filter(member__organization=branch, ended_on__isnull=True).count()
        == Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE).count()
    )


def test_it_counts_chinese_ordinals():
    assert [tree_plan.chinese_number(n) for n in (1, 10, 11, 20, 21, 100, 101, 110, 115)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十一",
        "一百",
        "一百零一",
        "一百一十",
        "一百一十五",
    ]


def test_it_explains_its_options_in_chinese():
    from demo.management.commands.seed_demo import Command

    text = Command().create_parser("manage.py", "seed_demo").format_help()
    assert "--branches" in text and "党支部数量" in text and "随机种子" in text


def test_it_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed_demo", "--today=2026-13-01", stdout=io.StringIO())
