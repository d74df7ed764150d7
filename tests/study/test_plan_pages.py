"""The plan pages: list, create, adopt, copy, detail, items and the workflow buttons — scope, rights, bad input."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import RoleKind
from study.materials import services as materials_services
from study.models import Audience, MaterialCategory, PlanStatus, StudyForm, StudyPlan, StudyPlanItem, StudyTask
from study.plans import services as services
from study.plans.selectors import default_plan_year
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, give_role
from tests.study.conftest import YEAR, add_monthly_items

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 10


def page_text(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def count_queries(client, url, django_assert_max_num_queries, budget=PAGE_BUDGET) -> int:
    with django_assert_max_num_queries(budget), CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def other_district_officer(other_district):
    user = UserFactory(username="xc_officer")
    give_role(user, other_district, RoleKind.OFFICER)
    enrol_totp(user)
    return user


@pytest.fixture
def template(district, district_officer):
    plan = services.plan_create(
        organization=district,
        year=YEAR,
        title=f"{YEAR}年度学习计划（东城区模板）",
        created_by=district_officer,
        is_template=True,
    )
    add_monthly_items(plan, months=[1, 2, 3, 7])
    return plan


@pytest.fixture
def published_template(template, district_officer):
    return services.template_publish(plan=template, published_by=district_officer)


def material(organization, title, **fields):
    return materials_services.material_publish(
        organization=organization,
        published_by=None,
        title=title,
        category=MaterialCategory.PARTY_CONSTITUTION,
        body="正文",
        **fields,
    )


# Plan list ---------------------------------------------------------------------------------------------------


def test_it_lists_the_branch_plans_with_current_revision_first(client, secretary, branch, filed_plan):
    revision = services.plan_revise(plan=filed_plan, revised_by=secretary)
    client.force_login(secretary)
    response = client.get(reverse("study:plan_list", args=[branch.pk]))
    assert response.status_code == 200
    listing = response.context["listing"]
    assert listing.years[0].current == revision
    assert listing.years[0].earlier == [filed_plan]
    text = page_text(response)
    assert revision.get_absolute_url() in text
    assert filed_plan.get_absolute_url() in text
    assert "第2版" in text and "历史版本" in text
    assert reverse("study:plan_create", args=[branch.pk]) in text


def test_it_offers_published_templates_from_above_and_adopts_one_in_one_click(
    client, secretary, branch, published_template, other_district
):
    unpublished = services.plan_create(
        organization=branch.parent, year=YEAR, title="教育系统模板（未下发）", created_by=None, is_template=True
    )
    foreign = services.plan_create(
        organization=other_district, year=YEAR, title="西城模板", created_by=None, is_template=True
    )
    add_monthly_items(foreign, months=[1])
    services.template_publish(plan=foreign, published_by=None)
    client.force_login(secretary)
    response = client.get(reverse("study:plan_list", args=[branch.pk]))
    assert response.context["listing"].templates == [published_template]
    adopt_url = reverse("study:plan_adopt", args=[branch.pk, published_template.pk])
    assert adopt_url in page_text(response)
    assert unpublished.title not in page_text(response)

    response = client.post(adopt_url)
    plan = StudyPlan.objects.get(organization=branch, is_template=False)
    assert response.status_code == 302
    assert response.url == plan.get_absolute_url()
    assert plan.template == published_template
    assert plan.items.count() == 4

    # Adopting again for the same year says so and changes nothing.
    response = client.post(adopt_url, follow=True)
    assert any("计划已存在" in message for message in flashed(response))
    assert StudyPlan.objects.filter(organization=branch, is_template=False).count() == 1


def test_it_answers_404_for_a_template_the_branch_cannot_see(client, secretary, branch, template, other_district):
    foreign = services.plan_create(
        organization=other_district, year=YEAR, title="西城模板", created_by=None, is_template=True
    )
    add_monthly_items(foreign, months=[1])
    services.template_publish(plan=foreign, published_by=None)
    client.force_login(secretary)
    assert client.post(reverse("study:plan_adopt", args=[branch.pk, foreign.pk])).status_code == 404
    assert client.post(reverse("study:plan_adopt", args=[branch.pk, template.pk])).status_code == 404  # not published
    assert not StudyPlan.objects.filter(organization=branch).exists()


def test_it_copies_last_years_plan_from_the_list(client, secretary, branch):
    today = timezone.localdate()
    year = default_plan_year(today)
    previous = services.plan_create(
        organization=branch, year=year - 1, title=f"{year - 1}年度学习计划", created_by=None
    )
    add_monthly_items(previous, months=[3])
    client.force_login(secretary)
    response = client.get(reverse("study:plan_list", args=[branch.pk]))
    assert year in response.context["listing"].copy_years
    response = client.post(reverse("study:plan_copy_previous", args=[branch.pk]), {"year": year})
    plan = StudyPlan.objects.get(organization=branch, year=year)
    assert response.url == plan.get_absolute_url()
    assert list(plan.items.values_list("due_date", flat=True)) == [datetime.date(year, 3, 25)]


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("", "请填写年度。"),
        ("20xx", "年度请填写四位数字"),
        ("1999", "年度不能早于2016年。"),
        ("YEAR", "年没有可复制的学习计划"),
    ],
)
def test_it_explains_why_a_copy_failed(client, secretary, branch, year, message):
    client.force_login(secretary)
    year = str(YEAR) if year == "YEAR" else year
    response = client.post(reverse("study:plan_copy_previous", args=[branch.pk]), {"year": year}, follow=True)
    assert any(message in text for text in flashed(response))
    assert not StudyPlan.objects.filter(organization=branch).exists()


def test_it_shows_a_committee_its_templates_and_lets_its_officer_make_one(client, district_officer, district, template):
    client.force_login(district_officer)
    response = client.get(reverse("study:plan_list", args=[district.pk]))
    assert response.status_code == 200
    assert response.context["listing"].years[0].current == template
    assert "新建计划模板" in page_text(response)
    assert reverse("study:plan_filing_status", args=[district.pk]) in page_text(response)
    response = client.post(reverse("study:plan_create", args=[district.pk]), {"year": YEAR + 1, "title": ""})
    created = StudyPlan.objects.get(organization=district, year=YEAR + 1)
    assert response.url == created.get_absolute_url()
    assert created.is_template
    assert created.title == f"{YEAR + 1}年度学习计划（模板）"


def test_it_shows_a_member_the_plans_read_only(client, member_user, branch, filed_plan):
    client.force_login(member_user)
    response = client.get(reverse("study:plan_list", args=[branch.pk]))
    assert response.status_code == 200
    assert filed_plan.title in page_text(response)
    assert reverse("study:plan_create", args=[branch.pk]) not in page_text(response)
    assert client.get(reverse("study:plan_create", args=[branch.pk])).status_code == 403


def test_the_plan_list_has_a_query_budget(
    client, secretary, branch, district, district_officer, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("study:plan_list", args=[branch.pk])
    small = count_queries(client, url, django_assert_max_num_queries)
    for year in range(YEAR - 6, YEAR + 1):
        plan = services.plan_create(organization=branch, year=year, title=f"{year}计划", created_by=None)
        add_monthly_items(plan, months=[1, 2])
        template = services.plan_create(
            organization=district, year=year, title=f"{year}模板", created_by=None, is_template=True
        )
        add_monthly_items(template, months=[1])
        services.template_publish(plan=template, published_by=district_officer)
    assert count_queries(client, url, django_assert_max_num_queries) == small


# Create -------------------------------------------------------------------------------------------------------


def test_it_prefills_the_new_plan_with_the_coming_year(client, secretary, branch):
    client.force_login(secretary)
    response = client.get(reverse("study:plan_create", args=[branch.pk]))
    year = default_plan_year(timezone.localdate())
    assert response.context["form"]["year"].value() == year
    assert response.context["form"]["title"].value() == f"{year}年度学习计划"


def test_it_creates_a_draft_plan(client, secretary, branch):
    client.force_login(secretary)
    response = client.post(reverse("study:plan_create", args=[branch.pk]), {"year": YEAR, "title": "支部年度学习计划"})
    plan = StudyPlan.objects.get(organization=branch)
    assert response.url == plan.get_absolute_url()
    assert (plan.status, plan.is_template, plan.title) == (PlanStatus.DRAFT, False, "支部年度学习计划")
    assert plan.history.get().changed_by == secretary


@pytest.mark.parametrize(
    ("year", "error"),
    [("", "请填写年度。"), ("2015", "年度不能早于2016年。"), ("3000", "年度不能晚于"), ("YEAR", "计划已存在")],
)
def test_it_rejects_a_bad_or_taken_year(client, secretary, branch, draft_plan, year, error):
    client.force_login(secretary)
    year = str(YEAR) if year == "YEAR" else year
    response = client.post(reverse("study:plan_create", args=[branch.pk]), {"year": year, "title": "x"})
    assert response.status_code == 200
    assert error in page_text(response)
    assert StudyPlan.objects.filter(organization=branch).count() == 1


def test_it_lets_only_committee_staff_make_a_template(client, committee):
    committee_secretary = UserFactory()
    give_role(committee_secretary, committee, RoleKind.SECRETARY)
    client.force_login(committee_secretary)
    assert client.get(reverse("study:plan_create", args=[committee.pk])).status_code == 403
    assert client.post(reverse("study:plan_create", args=[committee.pk]), {"year": YEAR}).status_code == 403
    assert not StudyPlan.objects.exists()


@pytest.mark.parametrize(
    "name", ["study:plan_list", "study:plan_create", "study:plan_copy_previous", "study:branch_progress"]
)
def test_it_answers_404_for_an_organisation_in_another_subtree(client, other_branch_secretary, branch, name):
    client.force_login(other_branch_secretary)
    url = reverse(name, args=[branch.pk])
    response = client.post(url) if name == "study:plan_copy_previous" else client.get(url)
    assert response.status_code == 404


# Detail --------------------------------------------------------------------------------------------------------


def test_it_shows_the_twelve_months_with_gaps_and_the_history(client, secretary, branch):
    plan = services.plan_create(organization=branch, year=YEAR, title="计划", created_by=secretary)
    add_monthly_items(plan, months=[1, 3])
    client.force_login(secretary)
    response = client.get(plan.get_absolute_url())
    text = page_text(response)
    assert [len(entry.items) for entry in response.context["page"].months] == [1, 0, 1] + [0] * 9
    assert text.count("本月暂无安排") == 10
    assert "1月学习：党章第1章" in text and "3月学习：党章第3章" in text
    assert "草稿" in text
    assert "报送备案" in text
    assert reverse("study:plan_item_create", args=[plan.pk]) + "?month=2" in text


def test_it_shows_a_filed_plan_read_only(client, secretary, filed_plan):
    client.force_login(secretary)
    response = client.get(filed_plan.get_absolute_url())
    text = page_text(response)
    item = filed_plan.items.first()
    assert reverse("study:plan_item_edit", args=[item.pk]) not in text
    assert reverse("study:plan_item_create", args=[filed_plan.pk]) not in text
    assert reverse("study:plan_submit", args=[filed_plan.pk]) not in text
    assert reverse("study:plan_revise", args=[filed_plan.pk]) in text
    assert "已备案" in text and "张干事" in text  # the history shows who filed it


def test_it_links_a_revision_to_the_previous_one(client, secretary, filed_plan):
    revision = services.plan_revise(plan=filed_plan, revised_by=secretary)
    client.force_login(secretary)
    text = page_text(client.get(revision.get_absolute_url()))
    assert filed_plan.get_absolute_url() in text
    assert "由第1版修订" in text
    old = page_text(client.get(filed_plan.get_absolute_url()))
    assert "这是历史版本" in old and revision.get_absolute_url() in old
    assert reverse("study:plan_revise", args=[filed_plan.pk]) not in old


def test_it_shows_the_officer_the_decision_form_only_for_a_submitted_plan(
    client, district_officer, secretary, submitted_plan
):
    client.force_login(district_officer)
    text = page_text(client.get(submitted_plan.get_absolute_url()))
    assert reverse("study:plan_file", args=[submitted_plan.pk]) in text
    assert reverse("study:plan_return", args=[submitted_plan.pk]) in text
    client.force_login(secretary)
    text = page_text(client.get(submitted_plan.get_absolute_url()))
    assert reverse("study:plan_file", args=[submitted_plan.pk]) not in text


def test_it_shows_a_branch_a_published_template_from_above_but_not_an_unpublished_one(
    client, secretary, template, district_officer
):
    client.force_login(secretary)
    assert client.get(template.get_absolute_url()).status_code == 404
    services.template_publish(plan=template, published_by=district_officer)
    response = client.get(template.get_absolute_url())
    assert response.status_code == 200
    assert reverse("study:template_publish", args=[template.pk]) not in page_text(response)


def test_it_answers_404_for_a_plan_in_another_subtree(
    client, other_branch_secretary, other_district_officer, draft_plan
):
    item = draft_plan.items.first()
    for user in (other_branch_secretary, other_district_officer):
        client.force_login(user)
        assert client.get(draft_plan.get_absolute_url()).status_code == 404
        assert client.get(reverse("study:plan_item_create", args=[draft_plan.pk])).status_code == 404
        assert client.get(reverse("study:plan_item_edit", args=[item.pk])).status_code == 404
        assert client.post(reverse("study:plan_item_delete", args=[item.pk])).status_code == 404
        for name in ("study:plan_submit", "study:plan_revise", "study:template_publish"):
            assert client.post(reverse(name, args=[draft_plan.pk])).status_code == 404
    assert draft_plan.items.count() == 12


def test_the_plan_detail_has_a_query_budget(
    client, district_officer, branch, secretary, district, django_assert_max_num_queries
):
    small_plan = services.plan_create(organization=branch, year=YEAR - 1, title="小计划", created_by=secretary)
    add_monthly_items(small_plan, months=[1])
    services.plan_submit(plan=small_plan, submitted_by=secretary)
    big_plan = services.plan_create(organization=branch, year=YEAR, title="大计划", created_by=secretary)
    materials = [material(district, f"资料{i}") for i in range(5)]
    for month in range(1, 13):
        for n in range(3):
            services.plan_item_save(
                plan=big_plan,
                materials=materials,
                month=month,
                topic=f"{month}月专题{n}",
                form=StudyForm.SELF_STUDY,
                audience=Audience.ALL,
                due_date=datetime.date(YEAR, month, 20),
                hours=2,
            )
    services.plan_submit(plan=big_plan, submitted_by=secretary)
    client.force_login(district_officer)
    small = count_queries(client, small_plan.get_absolute_url(), django_assert_max_num_queries)
    big = count_queries(client, big_plan.get_absolute_url(), django_assert_max_num_queries)
    assert big == small


# Items ------------------------------------------------------------------------------------------------------------


def test_it_prefills_the_item_form_from_the_month(client, secretary, draft_plan):
    client.force_login(secretary)
    response = client.get(reverse("study:plan_item_create", args=[draft_plan.pk]) + "?month=3")
    form = response.context["form"]
    assert form["month"].value() == 3
    assert form["due_date"].value() == datetime.date(YEAR, 3, 25)
    assert f'min="{YEAR}-01-01"' in page_text(response)


def test_it_adds_an_item_due_on_the_25th_when_no_date_is_given(client, secretary, draft_plan, district, other_district):
    visible = material(district, "习近平新时代中国特色社会主义思想学习纲要")
    client.force_login(secretary)
    response = client.post(
        reverse("study:plan_item_create", args=[draft_plan.pk]),
        {
            "month": 6,
            "topic": "七一前专题：重温入党誓词",
            "form": StudyForm.DISCUSSION,
            "audience": Audience.ALL,
            "due_date": "",
            "hours": "2.5",
            "materials": [visible.pk],
        },
    )
    assert response.status_code == 302
    item = StudyPlanItem.objects.get(topic="七一前专题：重温入党誓词")
    assert item.due_date == datetime.date(YEAR, 6, 25)
    assert list(item.materials.all()) == [visible]


def test_it_offers_only_materials_that_reach_the_branch(client, secretary, draft_plan, district, other_district):
    visible = material(district, "东城区资料")
    foreign = material(other_district, "西城区资料")
    client.force_login(secretary)
    url = reverse("study:plan_item_create", args=[draft_plan.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["materials"].queryset) == [visible]
    response = client.post(
        url,
        {
            "month": 6,
            "topic": "越权资料",
            "form": StudyForm.SELF_STUDY,
            "audience": Audience.ALL,
            "hours": 2,
            "materials": [foreign.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["materials"]
    assert not StudyPlanItem.objects.filter(topic="越权资料").exists()


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"due_date": f"{YEAR + 1}-01-05"}, "due_date", f"完成期限须在计划年度（{YEAR}年）内。"),
        ({"due_date": f"{YEAR}-05-05"}, "due_date", "完成期限不能早于所在月份。"),
        ({"audience": Audience.GROUP}, "group", "学习对象为党小组时，请选择党小组。"),
        ({"topic": ""}, "topic", "请填写学习主题。"),
        ({"hours": "0"}, "hours", "学时应大于0。"),
        ({"hours": "abc"}, "hours", "学时请填写数字"),
        ({"month": "13"}, "month", "13"),
        ({"due_date": "2026-02-30"}, "due_date", "完成期限的日期格式不正确。"),
    ],
)
def test_it_shows_why_an_item_is_refused_and_saves_nothing(client, secretary, draft_plan, data, field, error):
    client.force_login(secretary)
    fields = {"month": 6, "topic": "新条目", "form": StudyForm.SELF_STUDY, "audience": Audience.ALL, "hours": 2}
    response = client.post(reverse("study:plan_item_create", args=[draft_plan.pk]), fields | data)
    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors[field])
    assert draft_plan.items.count() == 12


def test_it_refuses_a_group_of_another_branch(client, secretary, draft_plan, sibling_branch, branch):
    foreign_group = PartyGroupFactory(organization=sibling_branch, name="兄弟支部小组")
    own_group = PartyGroupFactory(organization=branch, name="本支部小组")
    client.force_login(secretary)
    url = reverse("study:plan_item_create", args=[draft_plan.pk])
    assert list(client.get(url).context["form"].fields["group"].queryset) == [own_group]
    response = client.post(
        url,
        {
            "month": 6,
            "topic": "小组学习",
            "form": StudyForm.COLLECTIVE,
            "audience": Audience.GROUP,
            "group": foreign_group.pk,
            "hours": 2,
        },
    )
    assert response.context["form"].errors["group"]
    assert draft_plan.items.count() == 12


def test_it_edits_an_item_with_the_form_prefilled(client, secretary, draft_plan):
    item = draft_plan.items.get(month=4)
    client.force_login(secretary)
    url = reverse("study:plan_item_edit", args=[item.pk])
    form = client.get(url).context["form"]
    assert form["topic"].value() == item.topic
    response = client.post(
        url,
        {
            "month": 4,
            "topic": "四月：学习党规",
            "form": StudyForm.LECTURE,
            "audience": Audience.ALL,
            "due_date": f"{YEAR}-04-28",
            "hours": 4,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.topic, item.form, item.due_date) == ("四月：学习党规", StudyForm.LECTURE, datetime.date(YEAR, 4, 28))


def test_it_deletes_an_item_after_confirmation(client, secretary, draft_plan):
    item = draft_plan.items.get(month=4)
    client.force_login(secretary)
    url = reverse("study:plan_item_delete", args=[item.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert item.topic in page_text(response)
    assert draft_plan.items.count() == 12
    client.post(url)
    assert not StudyPlanItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("name", ["study:plan_item_edit", "study:plan_item_delete"])
def test_it_refuses_to_change_an_item_of_a_filed_plan_with_a_message(client, secretary, filed_plan, name):
    item = filed_plan.items.get(month=4)
    client.force_login(secretary)
    url = reverse(name, args=[item.pk])
    for response in (client.get(url, follow=True), client.post(url, {"topic": "改", "month": 4}, follow=True)):
        assert response.redirect_chain[-1][0] == filed_plan.get_absolute_url()
        assert "计划已报送或已备案，不能修改；如需调整请先修订。" in flashed(response)
    item.refresh_from_db()
    assert item.topic == "4月学习：党章第4章"


def test_it_refuses_to_add_an_item_to_a_submitted_plan(client, secretary, submitted_plan):
    client.force_login(secretary)
    response = client.post(
        reverse("study:plan_item_create", args=[submitted_plan.pk]),
        {"month": 6, "topic": "迟到的条目", "form": StudyForm.SELF_STUDY, "audience": Audience.ALL, "hours": 2},
        follow=True,
    )
    assert "计划已报送或已备案，不能修改；如需调整请先修订。" in flashed(response)
    assert submitted_plan.items.count() == 12


@pytest.mark.parametrize("name", ["study:plan_item_create", "study:plan_submit", "study:plan_revise"])
def test_it_answers_403_to_a_member_who_may_see_but_not_change_the_plan(client, member_user, draft_plan, name):
    client.force_login(member_user)
    assert client.get(draft_plan.get_absolute_url()).status_code == 200
    url = reverse(name, args=[draft_plan.pk])
    response = client.get(url) if name == "study:plan_item_create" else client.post(url)
    assert response.status_code == 403
    item = draft_plan.items.first()
    assert client.get(reverse("study:plan_item_edit", args=[item.pk])).status_code == 403
    assert client.post(reverse("study:plan_item_delete", args=[item.pk])).status_code == 403
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT


# Workflow through the pages -------------------------------------------------------------------------------------------


def test_it_submits_from_the_page_and_refuses_a_second_submission(client, secretary, draft_plan):
    client.force_login(secretary)
    url = reverse("study:plan_submit", args=[draft_plan.pk])
    response = client.post(url, follow=True)
    assert "计划已报送上级党组织备案。" in flashed(response)
    response = client.post(url, follow=True)
    assert "计划已报送，正在等待上级党组织备案，请勿重复报送。" in flashed(response)
    assert draft_plan.history.filter(to_status=PlanStatus.SUBMITTED).count() == 1


def test_it_shows_which_item_has_nobody_to_study_it(client, secretary, draft_plan):
    services.plan_item_save(
        plan=draft_plan,
        month=8,
        topic="领导干部专题",
        form=StudyForm.SELF_STUDY,
        audience=Audience.LEADING_CADRES,
        due_date=datetime.date(YEAR, 8, 20),
        hours=2,
    )
    client.force_login(secretary)
    response = client.post(reverse("study:plan_submit", args=[draft_plan.pk]), follow=True)
    assert "8月“领导干部专题”的学习对象（党员领导干部）中没有党员。" in flashed(response)
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT


def test_it_files_from_the_page_with_a_comment(client, district_officer, submitted_plan, member_user):
    client.force_login(district_officer)
    response = client.post(reverse("study:plan_file", args=[submitted_plan.pk]), {"comment": "同意备案。"}, follow=True)
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.FILED
    assert "同意备案。" in page_text(response)
    assert StudyTask.objects.filter(member=member_user.member).count() == 12


def test_it_requires_a_comment_to_return_and_keeps_the_plan_submitted(client, district_officer, submitted_plan):
    client.force_login(district_officer)
    url = reverse("study:plan_return", args=[submitted_plan.pk])
    response = client.post(url, {"comment": "  "})
    assert response.status_code == 200
    assert "退回时请写明修改意见。" in page_text(response)
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.SUBMITTED
    response = client.post(url, {"comment": "缺少七月的专题学习，请补充。"}, follow=True)
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.RETURNED
    assert "缺少七月的专题学习，请补充。" in page_text(response)


def test_it_refuses_an_overlong_comment(client, district_officer, submitted_plan):
    client.force_login(district_officer)
    response = client.post(reverse("study:plan_file", args=[submitted_plan.pk]), {"comment": "很" * 1001})
    assert "审核意见不超过1000个字。" in page_text(response)
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.SUBMITTED


def test_it_says_a_draft_cannot_be_filed(client, district_officer, draft_plan):
    client.force_login(district_officer)
    response = client.post(reverse("study:plan_file", args=[draft_plan.pk]), follow=True)
    assert "只有已报送的计划可以备案。" in flashed(response)
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT


def test_it_revises_from_the_page(client, secretary, filed_plan):
    client.force_login(secretary)
    response = client.post(reverse("study:plan_revise", args=[filed_plan.pk]))
    revision = StudyPlan.objects.get(previous_revision=filed_plan)
    assert response.url == revision.get_absolute_url()
    response = client.post(reverse("study:plan_revise", args=[filed_plan.pk]), follow=True)
    assert "只有当前已备案的计划可以修订。" in flashed(response)


def test_it_publishes_a_template_and_refuses_an_empty_one(client, district_officer, district, template):
    client.force_login(district_officer)
    client.post(reverse("study:template_publish", args=[template.pk]))
    template.refresh_from_db()
    assert template.published_at is not None
    empty = services.plan_create(
        organization=district, year=YEAR + 1, title="空模板", created_by=None, is_template=True
    )
    response = client.post(reverse("study:template_publish", args=[empty.pk]), follow=True)
    assert "模板还没有学习内容。" in flashed(response)
    empty.refresh_from_db()
    assert empty.published_at is None


def test_it_answers_403_to_a_branch_secretary_publishing_a_template_they_can_see(client, secretary, published_template):
    client.force_login(secretary)
    assert client.post(reverse("study:template_publish", args=[published_template.pk])).status_code == 403


def test_it_answers_405_to_a_get_on_an_action(client, secretary, draft_plan, branch):
    client.force_login(secretary)
    for url in (
        reverse("study:plan_submit", args=[draft_plan.pk]),
        reverse("study:plan_copy_previous", args=[branch.pk]),
        reverse("study:branch_progress_remind", args=[branch.pk]),
    ):
        assert client.get(url).status_code == 405


def test_it_lets_a_member_who_joins_see_the_plan_only_of_their_own_branch(client, sibling_branch, draft_plan):
    user = UserFactory()
    MemberFactory(organization=sibling_branch, user=user)
    client.force_login(user)
    assert client.get(draft_plan.get_absolute_url()).status_code == 404


def test_it_lets_only_committee_staff_change_a_template(client, district_officer, committee, template):
    district_template_item = template.items.first()
    committee_template = services.plan_create(
        organization=committee, year=YEAR, title="教育系统模板", created_by=None, is_template=True
    )
    add_monthly_items(committee_template, months=[1])
    committee_secretary = UserFactory()
    give_role(committee_secretary, committee, RoleKind.SECRETARY)
    client.force_login(committee_secretary)
    assert client.get(committee_template.get_absolute_url()).status_code == 200
    assert client.get(reverse("study:plan_item_create", args=[committee_template.pk])).status_code == 403
    assert client.post(reverse("study:template_publish", args=[committee_template.pk])).status_code == 403
    assert client.get(reverse("study:plan_item_edit", args=[district_template_item.pk])).status_code == 404

    client.force_login(district_officer)
    response = client.post(
        reverse("study:plan_item_edit", args=[district_template_item.pk]),
        {"month": 1, "topic": "模板一月：学习党章", "form": StudyForm.SELF_STUDY, "audience": Audience.ALL, "hours": 2},
    )
    assert response.status_code == 302
    district_template_item.refresh_from_db()
    assert district_template_item.topic == "模板一月：学习党章"
    assert district_template_item.due_date == datetime.date(YEAR, 1, 25)
    form = client.get(reverse("study:plan_item_create", args=[template.pk])).context["form"]
    assert "group" not in form.fields
    assert Audience.GROUP not in dict(form.fields["audience"].choices)
