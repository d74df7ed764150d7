"""`manage.py seed_demo` builds the study demo (study.demo): what a new user checks in issue 3's "Done means"."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activities.models import HeartTalk, Meeting
from branches.models import (
    Member,
    Membership,
    MembershipType,
    MemberStatus,
    Organization,
    PartyGroup,
    Role,
    User,
)
from branches.terms.models import CommitteeTerm
from demo.study import tables as study_tables
from demo.tree import tables as tree
from notifications.models import Notification, Reminder, ReminderKind
from reviews.duty_reports.models import DutyReportRound
from reviews.evaluations.models import EvaluationCampaign
from reviews.oversight.models import Inspection, Interview, Problem
from study.models import (
    TASK_TITLE,
    Audience,
    CadreStudyItem,
    CadreStudyPlan,
    MaterialCategory,
    MaterialRead,
    PlanStatus,
    PlanStatusChange,
    StudyMaterial,
    StudyPlan,
    StudyPlanItem,
    StudyTask,
    TaskStatus,
)
from study.plans import services
from tests.record_chain import chain_wipe

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)
BRANCHES = 12
STUDY_MODELS = (
    StudyMaterial,
    MaterialRead,
    StudyPlan,
    StudyPlanItem,
    StudyPlanItem.materials.through,
    PlanStatusChange,
    StudyTask,
    CadreStudyPlan,
    CadreStudyItem,
    Notification,
    Reminder,
)


def seed(*, branches: int = BRANCHES, seed: int = 7, today: datetime.date = TODAY) -> str:
    out = io.StringIO()
    call_command("seed_demo", f"--branches={branches}", f"--seed={seed}", f"--today={today.isoformat()}", stdout=out)
    return out.getvalue()


def printed_password(output: str, username: str) -> str:
    line = next(line for line in output.splitlines() if re.search(rf"\b{username}\b", line))
    return line.split()[2]


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in STUDY_MODELS}


def snapshot() -> dict[str, list]:
    """The study data, independent of primary keys, item keys and the moments the services stamp now."""
    return {
        "materials": sorted(
            StudyMaterial.objects.values_list(
                "organization__code", "title", "category", "body", "is_required", "published_on"
            )
        ),
        "plans": sorted(
            StudyPlan.objects.values_list(
                "organization__code", "year", "is_template", "status", "title", "template__organization__code"
            )
        ),
        "items": sorted(
            StudyPlanItem.objects.values_list(
                "plan__organization__code", "plan__year", "month", "topic", "form", "audience", "due_date", "hours"
            )
        ),
        "item_materials": sorted(
            StudyPlanItem.materials.through.objects.values_list(
                "studyplanitem__plan__organization__code", "studyplanitem__topic", "studymaterial__title"
            )
        ),
        "history": sorted(
            PlanStatusChange.objects.filter(plan__status=PlanStatus.FILED).values_list(
                "plan__organization__code",
                "plan__year",
                "from_status",
                "to_status",
                "changed_by__username",
                "changed_at",
                "comment",
            )
        ),
        "tasks": sorted(
            StudyTask.objects.values_list(
                "member__id_number_digest",
                "organization__code",
                TASK_TITLE,  # the plan item's topic, or a 补学's own
                "due_date",
                "status",
                "completed_at",
                "reflection",
            )
        ),
        "cadre": sorted(
            CadreStudyItem.objects.values_list(
                "plan__member__id_number_digest", "plan__year", "title", "target_month", "progress", "note"
            )
        ),
    }


def wipe() -> None:
    """Everything seed_demo wrote, study data first (plans and materials protect their organisations)."""
    chain_wipe()  # the chain of filings protects the branches too, and only a test may empty it
    EvaluationCampaign.objects.all().delete()  # 民主评议 protects its branch, its decision meeting and openers
    DutyReportRound.objects.all().delete()  # 述职评议考核 protects its committee, branches, openers and authors
    Interview.objects.all().delete()  # 重点约谈 protects its organisations, interviewee and recorder
    CommitteeTerm.objects.all().delete()  # 换届 records protect their committees' members
    Problem.objects.all().delete()  # the 整改台账 protects its organisations and the users who acted
    Inspection.objects.all().delete()  # 督导检查 protects its organisation, branches and inspectors
    Meeting.objects.all().delete()  # the organisational-life demo (activities.demo): meetings protect their branches
    HeartTalk.objects.all().delete()
    StudyTask.objects.all().delete()
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


def demo_branch() -> Organization:
    return Organization.objects.get(code=tree.DEMO_BRANCH_CODE)


def current_plan(code: str, year: int = TODAY.year) -> StudyPlan | None:
    return StudyPlan.objects.filter(organization__code=code, year=year, is_template=False, is_current=True).first()


# The member's page ------------------------------------------------------------------------------------------------


def test_it_shows_the_demo_member_this_months_tasks_overdue_and_done(client):
    today = timezone.localdate()
    output = seed(today=today)
    assert client.login(username="member", password=printed_password(output, "member"))
    response = client.get(reverse("study:my_study"))
    assert response.status_code == 200
    study = response.context["study"]
    member = User.objects.get(username="member").member
    assert study.member == member
    open_this_month = [task for task in study.this_month if task.status == TaskStatus.OPEN]
    assert len(open_this_month) >= 2
    assert all(task.due_date >= today for task in open_this_month)
    for task in open_this_month:
        assert task.item.topic in response.text
        assert reverse("study:task_complete", args=[task.pk]) in response.text
    assert study.done and study.hours.done > 0
    assert all(task.reflection for task in study.done)
    if today.month > 1:
        assert study.overdue
    own = study_tables.OWN_ITEM_THEME_DAY % {"month": today.month}
    assert own in response.text
    # The member completes one; it moves to "done".
    task = open_this_month[0]
    response = client.post(
        reverse("study:task_complete", args=[task.pk]),
        {"reflection": "学习了本月的内容，要在岗位上发挥先锋模范作用，带头做好本职工作。"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_it_gives_the_demo_member_a_task_due_within_three_days_and_reminds_them():
    seed()
    member = User.objects.get(username="member").member
    due_soon = StudyTask.objects.filter(
        member=member, status=TaskStatus.OPEN, due_date__gte=TODAY, due_date__lte=TODAY + datetime.timedelta(days=3)
    )
    assert due_soon.exists()
    kinds = set(Reminder.objects.filter(recipient__username="member").values_list("kind", flat=True))
    assert kinds == {ReminderKind.TASK_DUE_SOON, ReminderKind.TASKS_OVERDUE_DIGEST}
    assert Notification.objects.filter(recipient__username="member", read_at__isnull=True).count() >= 2
    assert Notification.objects.filter(
        recipient__username="secretary", reminder__kind=ReminderKind.TASK_DUE_SOON
    ).exists()
    # After 31 January the officers get the digest of branches without a filed plan.
    digest = Notification.objects.get(recipient__username="district", reminder__kind=ReminderKind.ANNUAL_PLAN_NOT_FILED)
    assert "尚未备案" in digest.title


# Materials and templates ---------------------------------------------------------------------------------------


def test_it_publishes_materials_in_every_category_from_the_city_and_a_few_from_the_district():
    seed()
    city_materials = StudyMaterial.objects.filter(organization__code=tree.CITY_CODE)
    assert set(city_materials.values_list("category", flat=True)) == set(MaterialCategory.values)
    assert city_materials.filter(is_required=True).exists()
    titles = set(StudyMaterial.objects.values_list("title", flat=True))
    assert {"《中国共产党章程》总纲", "《中国共产党廉洁自律准则》", "《关于新形势下党内政治生活的若干准则》"} <= titles
    assert "廖俊波同志先进事迹" in titles
    assert any("视察北京重要讲话" in title for title in titles)
    district = StudyMaterial.objects.filter(organization__code="BJ-DC")
    assert district.count() >= 2
    for material in StudyMaterial.objects.all():
        assert material.body.count("\n\n") >= 1, material.title  # a few paragraphs
        assert material.published_on <= TODAY
        material.full_clean()
    assert StudyMaterial.objects.filter(published_by__username="admin").count() == city_materials.count()


def test_it_publishes_the_districts_templates_for_this_year_and_the_next():
    seed()
    template = StudyPlan.objects.get(organization__code="BJ-DC", year=TODAY.year, is_template=True)
    assert template.published_at is not None
    assert timezone.localtime(template.published_at).date() == datetime.date(TODAY.year - 1, 12, 15)
    items = list(template.items.prefetch_related("materials"))
    assert {item.month for item in items} == set(range(1, 13))
    assert sum(item.audience == Audience.ALL for item in items) == 12
    assert {item.audience for item in items} == {Audience.ALL, Audience.LEADING_CADRES, Audience.PROBATIONARY}
    assert len({item.form for item in items}) == 4
    assert all(item.materials.all() for item in items)
    assert sum(item.hours for item in items if item.audience == Audience.ALL) >= 32
    assert [item.month for item in items if item.form == "discussion"] == [3, 6, 9, 12]
    next_year = StudyPlan.objects.get(organization__code="BJ-DC", year=TODAY.year + 1, is_template=True)
    assert next_year.published_at is not None
    assert {item.audience for item in next_year.items.all()} == {Audience.ALL}
    assert next_year.items.count() == 12


# Branch plans ------------------------------------------------------------------------------------------------------


def test_it_gives_most_branches_a_filed_plan_and_some_branches_problems():
    seed()
    assert current_plan(tree.DEMO_BRANCH_CODE).status == PlanStatus.FILED
    assert current_plan(tree.DEMO_BRANCH_CODE, TODAY.year + 1) is None
    assert current_plan("BJ-DC-FG01-01").status == PlanStatus.SUBMITTED
    assert current_plan("BJ-DC-LT01-01").status == PlanStatus.DRAFT
    assert current_plan("BJ-DC-LY01-01") is None
    returned = current_plan("BJ-DC-GQ01-01")
    assert returned.status == PlanStatus.RETURNED
    assert returned.history.get(to_status=PlanStatus.RETURNED).comment in study_tables.RETURN_COMMENTS
    partial = current_plan("BJ-DC-JD01-01")
    assert partial.status == PlanStatus.FILED
    assert max(partial.items.values_list("month", flat=True)) == TODAY.month
    assert "12月" in partial.history.get(to_status=PlanStatus.SUBMITTED).comment
    filed = StudyPlan.objects.filter(year=TODAY.year, is_template=False, status=PlanStatus.FILED)
    assert filed.count() >= BRANCHES // 2
    # Filed in January (before the deadline), by the officer of the nearest committee above.
    for plan in filed.select_related("organization"):
        assert timezone.localtime(plan.filed_at).date() <= datetime.date(TODAY.year, 1, 31)
        assert plan.history.get(to_status=PlanStatus.FILED).changed_by.roles.filter(
            kind__in=["officer", "administrator"]
        )
    assert filed.filter(organization__code__startswith="BJ-DC", template__isnull=False).exists()
    assert filed.exclude(organization__code__startswith="BJ-DC").filter(template__isnull=True).exists()


def test_it_completes_past_tasks_mostly_this_months_partly():
    seed()
    tasks = StudyTask.objects.filter(item__plan__year=TODAY.year)
    past = tasks.filter(due_date__lt=TODAY.replace(day=1))
    done_share = past.filter(status=TaskStatus.DONE).count() / past.count()
    assert 0.8 < done_share < 1
    assert past.filter(status=TaskStatus.OPEN).exists()  # a few overdue
    story_end = datetime.datetime.combine(TODAY, datetime.time(8), tzinfo=timezone.get_default_timezone())
    assert not tasks.filter(completed_at__gt=story_end).exists()
    assert not tasks.filter(due_date__gte=datetime.date(TODAY.year, 12, 1)).exclude(status=TaskStatus.OPEN).exists()
    done = tasks.filter(status=TaskStatus.DONE)
    assert len(set(done.values_list("reflection", flat=True))) > 50  # varied 心得
    for task in done.select_related("item__plan")[:300]:
        assert 10 <= len(task.reflection) <= 2000
        assert task.completed_at >= task.item.plan.filed_at
        assert timezone.localtime(task.completed_at).date() <= TODAY


def test_it_writes_the_rows_the_services_would_write():
    seed()
    # A filed 东城 plan whose members all joined the branch before it was filed.
    for plan in (
        StudyPlan.objects.filter(
            organization__code__startswith="BJ-DC", year=TODAY.year, is_template=False, status=PlanStatus.FILED
        )
        .exclude(organization__code__in=[tree.DEMO_BRANCH_CODE, *study_tables.SHOWCASE_STATES])
        .select_related("organization")
        .order_by("organization__code")
    ):
        started = Membership.objects.filter(
            organization=plan.organization, ended_on__isnull=True, member__status=MemberStatus.ACTIVE
        ).values_list("started_on", flat=True)
        if max(started) <= timezone.localtime(plan.filed_at).date():
            break
    else:
        pytest.fail("no filed plan of 东城 whose members all joined before it was filed")
    branch = plan.organization

    def rows(plan: StudyPlan) -> dict:
        return {
            "plan": (plan.title, plan.status, plan.template_id, plan.revision, plan.is_current),
            "items": sorted(
                (item.month, item.topic, item.form, item.audience, item.group_id, item.due_date, item.hours)
                for item in plan.items.all()
            ),
            "materials": sorted(
                plan.items.values_list("month", "topic", "materials__title").exclude(materials__isnull=True)
            ),
            "history": list(plan.history.order_by("pk").values_list("from_status", "to_status", "comment")),
            "tasks": sorted(
                StudyTask.objects.filter(item__plan=plan).values_list(
                    "member_id", "organization_id", "item__topic", "due_date"
                )
            ),
        }

    written = rows(plan)
    writers = list(plan.history.order_by("pk").values_list("changed_by_id", flat=True))
    keys = list(plan.items.values_list("key", flat=True))
    assert len(set(keys)) == len(keys)
    assert set(StudyTask.objects.filter(item__plan=plan).values_list("item_key", flat=True)) <= set(keys)

    StudyTask.objects.filter(item__plan=plan).delete()
    plan.delete()
    secretary = User.objects.get(pk=writers[0])
    officer = User.objects.get(pk=writers[-1])
    template = StudyPlan.objects.get(organization__code="BJ-DC", year=TODAY.year, is_template=True)
    again = services.plan_adopt_template(template=template, organization=branch, adopted_by=secretary)
    members = Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE)
    for item in again.items.all():
        if not members.filter(services.audience_members(organization=branch, item=item)).exists():
            services.plan_item_delete(item=item)
    services.plan_submit(plan=again, submitted_by=secretary)
    comment = written["history"][-1][2]
    again = services.plan_file(plan=again, filed_by=officer, comment=comment)
    assert rows(again) == written
    assert list(again.history.order_by("pk").values_list("changed_by_id", flat=True)) == writers


def test_it_gives_members_who_joined_after_the_filing_only_the_tasks_still_ahead():
    seed(branches=40)
    late = 0
    for plan in StudyPlan.objects.filter(year=TODAY.year, is_template=False, status=PlanStatus.FILED):
        filed_on = timezone.localtime(plan.filed_at).date()
        for member_id, started_on in Membership.objects.filter(
            organization_id=plan.organization_id,
            ended_on__isnull=True,
            member__status=MemberStatus.ACTIVE,
            started_on__gt=filed_on,
        ).values_list("member_id", "started_on"):
            due_dates = list(StudyTask.objects.filter(member_id=member_id).values_list("due_date", flat=True))
            assert all(due_date >= started_on for due_date in due_dates)
            late += bool(due_dates)
    assert late > 0
    # Members no longer active have no tasks; tasks only reach members addressed by their item.
    assert not StudyTask.objects.exclude(member__status=MemberStatus.ACTIVE).exists()
    assert not StudyTask.objects.filter(item__audience=Audience.LEADING_CADRES, member__is_leading_cadre=False).exists()
    assert not StudyTask.objects.filter(
        item__audience=Audience.PROBATIONARY, member__membership_type=MembershipType.FULL
    ).exists()


def test_it_keeps_a_self_study_plan_for_a_few_leading_cadres():
    seed()
    plans = CadreStudyPlan.objects.filter(year=TODAY.year).select_related("member__organization")
    cadres = Member.objects.filter(
        organization__code__startswith="BJ-DC-", status=MemberStatus.ACTIVE, is_leading_cadre=True
    ).count()
    assert plans.count() == min(study_tables.CADRE_PLANS, cadres) >= 2
    for plan in plans:
        assert plan.member.is_leading_cadre and plan.member.organization.code.startswith("BJ-DC-")
        for month, progress in plan.items.values_list("target_month", "progress"):
            if month < TODAY.month:
                assert progress > 0
            elif month == TODAY.month:
                assert 0 < progress < 100
            else:
                assert progress == 0


# The officers ------------------------------------------------------------------------------------------------------


def test_it_shows_the_district_officer_branches_with_problems(client, settings):
    settings.PORTAL_MFA_REQUIRED = False
    output = seed(today=timezone.localdate())
    assert client.login(username="district", password=printed_password(output, "district"))
    district = Organization.objects.get(code="BJ-DC")
    response = client.get(reverse("study:plan_filing_status", args=[district.pk]))
    assert response.status_code == 200
    counts = response.context["status"].counts
    assert counts.not_filed >= 3 and counts.waiting >= 1
    for code, badge in (("BJ-DC-FG01-01", "待备案"), ("BJ-DC-GQ01-01", "已退回"), ("BJ-DC-LY01-01", "未制定")):
        name = Organization.objects.get(code=code).name
        row = re.search(rf"{re.escape(name)}.*?</tr>", response.text, re.S)
        assert row and badge in row.group(0), code
    assert counts.rate > 80


def test_it_lets_the_secretary_plan_next_year_and_the_committee_file_it(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_MFA_REQUIRED = False
    output = seed(today=timezone.localdate())
    year = timezone.localdate().year + 1
    branch = demo_branch()
    assert client.login(username="secretary", password=printed_password(output, "secretary"))
    template = StudyPlan.objects.get(organization__code="BJ-DC", year=year, is_template=True)
    assert template.title in client.get(reverse("study:plan_list", args=[branch.pk])).text
    response = client.post(reverse("study:plan_adopt", args=[branch.pk, template.pk]))
    plan = StudyPlan.objects.get(organization=branch, year=year)
    assert response.url == plan.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("study:plan_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert Notification.objects.filter(recipient__username="committee", url=plan.get_absolute_url()).exists()

    client.logout()
    assert client.login(username="committee", password=printed_password(output, "committee"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("study:plan_file", args=[plan.pk]), {"comment": "同意备案。"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED
    assert StudyTask.objects.filter(item__plan=plan).count() == 12 * branch.members.filter(status="active").count()
    assert Notification.objects.filter(recipient__username="secretary", url=plan.get_absolute_url()).exists()
    committee = Organization.objects.get(code="BJ-DC-EDU")
    response = client.get(reverse("study:plan_filing_status", args=[committee.pk]), {"year": year})
    assert response.context["status"].counts.filed == 1


# Idempotence and determinism ---------------------------------------------------------------------------------


def test_it_creates_nothing_new_when_run_twice():
    first = seed()
    before = counts()
    assert before["study.StudyTask"] > 0 and before["notifications.Notification"] > 0
    output = seed()
    assert counts() == before
    assert "学习任务0项" in output and "发出提醒0条" in output
    assert "学习任务" in first


def test_it_adds_the_study_data_of_branches_added_later():
    seed(branches=10)
    before = StudyPlan.objects.filter(is_template=False).count()
    seed(branches=BRANCHES)
    assert StudyPlan.objects.filter(is_template=False).count() > before
    assert StudyPlan.objects.filter(organization__code="BJ-DC", is_template=True).count() == 2


def test_it_gives_the_same_study_data_for_the_same_seed():
    seed(seed=3)
    first = snapshot()
    assert first["tasks"] and first["history"]
    wipe()
    seed(seed=3)
    assert snapshot() == first


def test_it_prints_a_short_summary_of_the_study_data():
    output = seed()
    assert "学习演示数据" in output
    assert re.search(r"学习资料\d+份（必读\d+份，8个类别）", output)
    assert re.search(r"计划已备案\d+个，待备案[1-9]\d*个，已退回[1-9]\d*个，草稿[1-9]\d*个，未制定[1-9]\d*个", output)
    assert re.search(r"党员[1-9]\d*条", output)  # the member's inbox
