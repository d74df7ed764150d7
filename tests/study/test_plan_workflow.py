"""The plan workflow at the service level: every transition, every forbidden one, and the tasks that follow."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branches import services as branch_services
from branches.models import MembershipType, MemberStatus, RoleKind
from study.learning import services as learning_services
from study.models import (
    Audience,
    PlanStatus,
    StudyForm,
    StudyPlan,
    StudyPlanItem,
    StudyTask,
    TaskStatus,
)
from study.plans import services as services
from study.plans.permissions import can_file_plan
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, give_role
from tests.study.conftest import YEAR, add_monthly_items

pytestmark = pytest.mark.django_db


def item_fields(plan, month, **overrides):
    return {
        "month": month,
        "topic": f"第{month}月专题",
        "form": StudyForm.COLLECTIVE,
        "audience": Audience.ALL,
        "due_date": datetime.date(plan.year, month, 20),
        "hours": 2,
    } | overrides


def statuses(plan):
    return [(change.from_status, change.to_status) for change in plan.history.order_by("pk")]


@pytest.fixture
def other_district_officer(other_district):
    user = UserFactory(username="xc_officer")
    give_role(user, other_district, RoleKind.OFFICER)
    enrol_totp(user)
    return user


# Transitions ---------------------------------------------------------------------------------------------------


def test_it_moves_a_draft_to_submitted_and_records_who(draft_plan, secretary):
    plan = services.plan_submit(plan=draft_plan, submitted_by=secretary)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert plan.submitted_at is not None
    last = plan.history.order_by("-pk").first()
    assert (last.from_status, last.to_status, last.changed_by) == (PlanStatus.DRAFT, PlanStatus.SUBMITTED, secretary)


def test_it_files_a_submitted_plan_and_gives_every_member_the_tasks(member_user, submitted_plan, district_officer):
    plan = services.plan_file(plan=submitted_plan, filed_by=district_officer, comment="同意备案")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED
    assert plan.filed_at is not None
    assert statuses(plan)[-1] == (PlanStatus.SUBMITTED, PlanStatus.FILED)
    assert plan.history.order_by("-pk").first().comment == "同意备案"
    # Two active members (the secretary and the member) × 12 monthly items.
    assert StudyTask.objects.filter(item__plan=plan).count() == 24
    assert set(StudyTask.objects.filter(member__user=member_user).values_list("item__month", flat=True)) == set(
        range(1, 13)
    )


def test_it_returns_a_submitted_plan_with_the_comment(submitted_plan, district_officer):
    plan = services.plan_return(plan=submitted_plan, returned_by=district_officer, comment="请补充七一专题学习。")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED
    last = plan.history.order_by("-pk").first()
    assert (last.to_status, last.comment, last.changed_by) == (
        PlanStatus.RETURNED,
        "请补充七一专题学习。",
        district_officer,
    )
    assert not StudyTask.objects.exists()


def test_it_lets_a_returned_plan_be_changed_and_submitted_again(submitted_plan, district_officer, secretary):
    services.plan_return(plan=submitted_plan, returned_by=district_officer, comment="请补充七一专题学习。")
    submitted_plan.refresh_from_db()
    services.plan_item_save(plan=submitted_plan, **item_fields(submitted_plan, 7, topic="七一专题：重温入党誓词"))
    plan = services.plan_submit(plan=submitted_plan, submitted_by=secretary)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert statuses(plan)[-2:] == [
        (PlanStatus.SUBMITTED, PlanStatus.RETURNED),
        (PlanStatus.RETURNED, PlanStatus.SUBMITTED),
    ]


def test_it_keeps_the_officers_comment_when_a_plan_with_empty_months_is_submitted_again(
    branch, secretary, district_officer
):
    plan = services.plan_create(organization=branch, year=YEAR, title="计划", created_by=secretary)
    add_monthly_items(plan, months=[1, 2])
    services.plan_submit(plan=plan, submitted_by=secretary)
    services.plan_return(plan=plan, returned_by=district_officer, comment="请补充下半年的学习安排。")
    services.plan_submit(plan=plan, submitted_by=secretary)
    comments = [change.comment for change in plan.history.order_by("pk")]
    assert comments[0] == ""  # created
    assert comments[2] == "请补充下半年的学习安排。"  # returned
    assert comments[1].startswith("以下月份暂无学习安排") and comments[3].startswith("以下月份暂无学习安排")


def test_it_revises_a_filed_plan_as_a_new_revision_whose_tasks_follow_the_items(
    member_user, filed_plan, secretary, district_officer
):
    member = member_user.member
    items = {item.month: item for item in filed_plan.items.all()}
    done = StudyTask.objects.get(member=member, item=items[2])
    learning_services.task_complete(task=done, reflection="学习了党章第二章，体会很深。")
    dropped_done_task = done

    revision = services.plan_revise(plan=filed_plan, revised_by=secretary)
    filed_plan.refresh_from_db()
    assert (revision.revision, revision.status, revision.is_current) == (2, PlanStatus.DRAFT, True)
    assert revision.previous_revision == filed_plan
    assert filed_plan.is_current is False
    assert filed_plan.status == PlanStatus.FILED  # the filed revision stays as it was
    assert set(revision.items.values_list("key", flat=True)) == set(filed_plan.items.values_list("key", flat=True))

    new_items = {item.month: item for item in revision.items.all()}
    # Drop March and February, move April's due date, add a second item in May.
    services.plan_item_delete(item=new_items[3])
    services.plan_item_delete(item=new_items[2])
    services.plan_item_save(
        plan=revision,
        item=new_items[4],
        **item_fields(revision, 4, topic=new_items[4].topic, due_date=datetime.date(YEAR, 4, 28)),
    )
    added = services.plan_item_save(plan=revision, **item_fields(revision, 5, topic="五月增补：学习先进典型"))
    services.plan_submit(plan=revision, submitted_by=secretary)
    services.plan_file(plan=revision, filed_by=district_officer)

    april = StudyTask.objects.get(member=member, item_key=items[4].key)
    assert april.item_id == new_items[4].pk
    assert april.due_date == datetime.date(YEAR, 4, 28)
    march = StudyTask.objects.get(member=member, item_key=items[3].key)
    assert march.status == TaskStatus.CLOSED  # closed, not deleted
    assert march.closed_reason
    dropped_done_task.refresh_from_db()
    assert dropped_done_task.status == TaskStatus.DONE  # done work is never undone
    assert StudyTask.objects.filter(item=added).count() == 2  # new item: both members
    # No task was duplicated: one per member and item key.
    assert StudyTask.objects.filter(member=member).count() == 13


# Forbidden transitions ------------------------------------------------------------------------------------------


def test_it_refuses_to_submit_a_plan_twice(submitted_plan, secretary):
    with pytest.raises(ValidationError) as error:
        services.plan_submit(plan=submitted_plan, submitted_by=secretary)
    assert "请勿重复报送" in " ".join(error.value.messages)
    assert submitted_plan.history.filter(to_status=PlanStatus.SUBMITTED).count() == 1


def test_it_refuses_to_submit_a_filed_plan(filed_plan, secretary):
    with pytest.raises(ValidationError, match="已备案"):
        services.plan_submit(plan=filed_plan, submitted_by=secretary)


def test_it_refuses_to_file_a_draft(draft_plan, district_officer):
    with pytest.raises(ValidationError) as error:
        services.plan_file(plan=draft_plan, filed_by=district_officer)
    assert "只有已报送的计划可以备案" in error.value.messages[0]
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT
    assert not StudyTask.objects.exists()


def test_it_refuses_to_return_a_plan_without_a_comment(submitted_plan, district_officer):
    with pytest.raises(ValidationError) as error:
        services.plan_return(plan=submitted_plan, returned_by=district_officer, comment="   ")
    assert error.value.message_dict["comment"] == ["退回时请写明修改意见。"]
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.SUBMITTED


def test_it_refuses_to_return_a_filed_plan(filed_plan, district_officer):
    with pytest.raises(ValidationError, match="只有已报送的计划可以退回"):
        services.plan_return(plan=filed_plan, returned_by=district_officer, comment="再改改")


def test_it_refuses_to_revise_a_draft_or_an_old_revision(filed_plan, branch, secretary):
    draft = services.plan_create(organization=branch, year=YEAR + 1, title="明年计划", created_by=secretary)
    with pytest.raises(ValidationError, match="只有当前已备案的计划可以修订"):
        services.plan_revise(plan=draft, revised_by=secretary)
    services.plan_revise(plan=filed_plan, revised_by=secretary)
    with pytest.raises(ValidationError, match="只有当前已备案的计划可以修订"):
        services.plan_revise(plan=filed_plan, revised_by=secretary)
    assert StudyPlan.objects.filter(organization=branch, year=YEAR).count() == 2


def test_it_keeps_a_submitted_or_filed_plan_read_only(filed_plan):
    item = filed_plan.items.first()
    with pytest.raises(ValidationError, match="不能修改"):
        services.plan_item_save(plan=filed_plan, item=item, topic="改个题目")
    with pytest.raises(ValidationError, match="不能修改"):
        services.plan_item_delete(item=item)
    item.refresh_from_db()
    assert item.topic != "改个题目"


def test_it_lets_only_officers_above_file_a_plan(submitted_plan, secretary, district_officer, committee):
    assert can_file_plan(district_officer, submitted_plan)
    assert not can_file_plan(secretary, submitted_plan)  # the branch's own secretary
    committee_officer = UserFactory()
    give_role(committee_officer, committee, RoleKind.OFFICER)
    assert can_file_plan(committee_officer, submitted_plan)
    committee_secretary = UserFactory()
    give_role(committee_secretary, committee, RoleKind.SECRETARY)
    assert not can_file_plan(committee_secretary, submitted_plan)


def test_it_answers_403_when_the_branch_secretary_files_their_own_plan(client, submitted_plan, secretary):
    client.force_login(secretary)
    response = client.post(reverse("study:plan_file", args=[submitted_plan.pk]))
    assert response.status_code == 403
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.SUBMITTED


def test_it_answers_404_when_an_officer_of_another_district_files_or_returns(
    client, submitted_plan, other_district_officer
):
    client.force_login(other_district_officer)
    assert client.post(reverse("study:plan_file", args=[submitted_plan.pk])).status_code == 404
    assert client.post(reverse("study:plan_return", args=[submitted_plan.pk]), {"comment": "退回"}).status_code == 404
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.SUBMITTED


# Templates and copies --------------------------------------------------------------------------------------------


def test_it_adopts_a_published_template_in_one_action(district, district_officer, branch, secretary):
    template = services.plan_create(
        organization=district, year=YEAR, title=f"{YEAR}年度学习计划模板", created_by=district_officer, is_template=True
    )
    add_monthly_items(template, months=[1, 2, 3])
    services.template_publish(plan=template, published_by=district_officer)

    plan = services.plan_adopt_template(template=template, organization=branch, adopted_by=secretary)
    assert (plan.organization, plan.year, plan.status, plan.is_template) == (branch, YEAR, PlanStatus.DRAFT, False)
    assert plan.template == template
    assert list(plan.items.values_list("month", "topic")) == list(template.items.values_list("month", "topic"))
    assert not set(plan.items.values_list("key", flat=True)) & set(template.items.values_list("key", flat=True))
    # The branch adapts it freely.
    services.plan_item_save(plan=plan, **item_fields(plan, 4))
    assert plan.items.count() == 4
    assert template.items.count() == 3


def test_it_refuses_an_unpublished_template_or_one_from_another_subtree(
    district, other_district, district_officer, branch, secretary
):
    template = services.plan_create(
        organization=district, year=YEAR, title="模板", created_by=district_officer, is_template=True
    )
    add_monthly_items(template, months=[1])
    with pytest.raises(ValidationError, match="尚未下发"):
        services.plan_adopt_template(template=template, organization=branch, adopted_by=secretary)
    foreign = services.plan_create(
        organization=other_district, year=YEAR, title="西城模板", created_by=None, is_template=True
    )
    add_monthly_items(foreign, months=[1])
    services.template_publish(plan=foreign, published_by=district_officer)
    with pytest.raises(ValidationError, match="只能采用上级党组织下发的模板"):
        services.plan_adopt_template(template=foreign, organization=branch, adopted_by=secretary)
    assert not StudyPlan.objects.filter(organization=branch).exists()


def test_it_copies_last_years_plan_with_dates_moved_on(branch, secretary):
    last_year = services.plan_create(
        organization=branch, year=YEAR - 1, title=f"{YEAR - 1}年度学习计划", created_by=secretary
    )
    add_monthly_items(last_year, months=[2, 6])
    plan = services.plan_copy_previous_year(organization=branch, year=YEAR, copied_by=secretary)
    assert plan.title == f"{YEAR}年度学习计划"
    assert plan.status == PlanStatus.DRAFT
    assert list(plan.items.values_list("month", "due_date")) == [
        (2, datetime.date(YEAR, 2, 25)),
        (6, datetime.date(YEAR, 6, 25)),
    ]
    with pytest.raises(ValidationError, match="已存在"):
        services.plan_copy_previous_year(organization=branch, year=YEAR, copied_by=secretary)


def test_it_says_when_there_is_no_plan_to_copy(branch, secretary):
    with pytest.raises(ValidationError, match=f"{YEAR - 1}年没有可复制的学习计划"):
        services.plan_copy_previous_year(organization=branch, year=YEAR, copied_by=secretary)


# Task generation ---------------------------------------------------------------------------------------------------


def test_it_gives_tasks_only_to_the_members_in_each_items_audience(branch, sibling_branch, secretary, district_officer):
    group = PartyGroupFactory(organization=branch, name="第一党小组")
    in_group = MemberFactory(organization=branch, name="组员", group=group)
    cadre = MemberFactory(organization=branch, name="领导干部", is_leading_cadre=True)
    probationary = MemberFactory(
        organization=branch, name="预备党员", membership_type=MembershipType.PROBATIONARY, full_member_on=None
    )
    left = MemberFactory(organization=branch, name="已转出")
    branch_services.member_status_change(member=left, status=MemberStatus.TRANSFERRED_OUT, on=timezone.localdate())
    MemberFactory(organization=sibling_branch, name="兄弟支部党员")
    everyone = {secretary.member.pk, in_group.pk, cadre.pk, probationary.pk}

    plan = services.plan_create(organization=branch, year=YEAR, title="计划", created_by=secretary)
    all_item = services.plan_item_save(plan=plan, **item_fields(plan, 1))
    group_item = services.plan_item_save(plan=plan, **item_fields(plan, 2, audience=Audience.GROUP, group=group))
    cadre_item = services.plan_item_save(plan=plan, **item_fields(plan, 3, audience=Audience.LEADING_CADRES))
    probation_item = services.plan_item_save(plan=plan, **item_fields(plan, 4, audience=Audience.PROBATIONARY))
    services.plan_submit(plan=plan, submitted_by=secretary)
    services.plan_file(plan=plan, filed_by=district_officer)

    def audience(item):
        return set(StudyTask.objects.filter(item=item).values_list("member_id", flat=True))

    assert audience(all_item) == everyone
    assert audience(group_item) == {in_group.pk}
    assert audience(cadre_item) == {cadre.pk}
    assert audience(probation_item) == {probationary.pk}
    assert set(StudyTask.objects.values_list("organization_id", flat=True)) == {branch.pk}


def test_it_gives_a_member_who_joins_later_the_tasks_still_ahead(
    filed_plan, branch, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        newcomer = MemberFactory(organization=branch, name="新转入党员")
    assert callbacks, "member_create must enqueue the member's task sync on commit"
    due_dates = set(StudyTask.objects.filter(member=newcomer).values_list("due_date", flat=True))
    expected = {item.due_date for item in filed_plan.items.all() if item.due_date >= today}
    assert due_dates == expected


def test_it_gives_a_member_transferred_in_the_tasks_still_ahead(
    filed_plan, branch, sibling_branch, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    arriving = MemberFactory(organization=sibling_branch, name="转入党员")
    with django_capture_on_commit_callbacks(execute=True):
        branch_services.member_transfer(member=arriving, to_organization=branch, on=today)
    due_dates = set(StudyTask.objects.filter(member=arriving, organization=branch).values_list("due_date", flat=True))
    assert due_dates == {item.due_date for item in filed_plan.items.all() if item.due_date >= today}


def test_it_closes_but_keeps_the_open_tasks_of_a_member_who_transfers_out(
    member_user, filed_plan, sibling_branch, django_capture_on_commit_callbacks
):
    member = member_user.member
    first = StudyTask.objects.filter(member=member).order_by("due_date").first()
    learning_services.task_complete(task=first, reflection="认真学习了党章，收获很大。")
    before = StudyTask.objects.filter(member=member).count()
    with django_capture_on_commit_callbacks(execute=True):
        branch_services.member_transfer(member=member, to_organization=sibling_branch, on=timezone.localdate())
    tasks = StudyTask.objects.filter(member=member)
    assert tasks.count() == before  # nothing deleted
    assert not tasks.filter(status=TaskStatus.OPEN).exists()
    assert tasks.filter(status=TaskStatus.CLOSED).count() == before - 1
    assert tasks.get(pk=first.pk).status == TaskStatus.DONE


def test_it_closes_the_open_tasks_of_a_member_whose_status_changes(
    member_user, filed_plan, django_capture_on_commit_callbacks
):
    member = member_user.member
    with django_capture_on_commit_callbacks(execute=True):
        branch_services.member_status_change(member=member, status=MemberStatus.DECEASED, on=timezone.localdate())
    tasks = StudyTask.objects.filter(member=member)
    assert tasks.count() == 12
    assert set(tasks.values_list("status", flat=True)) == {TaskStatus.CLOSED}


# Bad input ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("due_date", [datetime.date(YEAR + 1, 1, 10), datetime.date(YEAR - 1, 12, 31)])
def test_it_rejects_a_due_date_outside_the_plan_year(draft_plan, due_date):
    before = draft_plan.items.count()
    with pytest.raises(ValidationError) as error:
        services.plan_item_save(plan=draft_plan, **item_fields(draft_plan, 12, due_date=due_date))
    assert error.value.message_dict["due_date"] == [f"完成期限须在计划年度（{YEAR}年）内。"]
    assert draft_plan.items.count() == before


def test_it_blocks_submission_when_an_items_audience_is_empty(draft_plan, secretary):
    services.plan_item_save(
        plan=draft_plan, **item_fields(draft_plan, 5, topic="预备党员专题", audience=Audience.PROBATIONARY)
    )
    with pytest.raises(ValidationError) as error:
        services.plan_submit(plan=draft_plan, submitted_by=secretary)
    assert error.value.messages == ["5月“预备党员专题”的学习对象（预备党员）中没有党员。"]
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT
    assert draft_plan.submitted_at is None


def test_it_refuses_to_submit_a_plan_without_items(branch, secretary):
    plan = services.plan_create(organization=branch, year=YEAR, title="空计划", created_by=secretary)
    with pytest.raises(ValidationError, match="还没有学习内容"):
        services.plan_submit(plan=plan, submitted_by=secretary)


def test_it_refuses_a_second_plan_for_the_same_year(draft_plan, branch, secretary):
    with pytest.raises(ValidationError) as error:
        services.plan_create(organization=branch, year=YEAR, title="重复", created_by=secretary)
    assert "计划已存在" in error.value.message_dict["year"][0]
    assert StudyPlanItem.objects.filter(plan__organization=branch).count() == 12
