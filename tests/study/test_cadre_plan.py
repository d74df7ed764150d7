"""个人自学计划: a leading cadre's own yearly plan, its items and their progress."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from study.learning import services
from study.models import CadreStudyItem, CadreStudyPlan
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("study:cadre_plan")


def edit_url(item) -> str:
    return reverse("study:cadre_item_edit", args=[item.pk])


@pytest.fixture
def cadre_user(branch):
    user = UserFactory(username="cadre", first_name="周局长")
    MemberFactory(organization=branch, name="周局长", user=user, is_leading_cadre=True)
    return user


@pytest.fixture
def other_cadre(sibling_branch):
    user = UserFactory(username="other_cadre")
    MemberFactory(organization=sibling_branch, name="吴处长", user=user, is_leading_cadre=True)
    return user


def add_item(user, title="精读《习近平谈治国理政》第二卷", **fields) -> CadreStudyItem:
    fields = {"target_month": 3, "progress": 0, "note": ""} | fields
    return services.cadre_item_save(member=user.member, year=timezone.localdate().year, title=title, **fields)


def test_it_shows_the_cadres_items_for_this_year(client, cadre_user):
    add_item(cadre_user, "精读党章", target_month=2, progress=40, note="已读完前三章")
    add_item(cadre_user, "学习党史", target_month=1, progress=100)
    services.cadre_item_save(
        member=cadre_user.member, year=timezone.localdate().year - 1, title="去年的条目", target_month=5
    )
    client.force_login(cadre_user)

    response = client.get(URL)

    assert [item.title for item in response.context["items"]] == ["学习党史", "精读党章"]
    assert response.context["average"] == 70
    content = response.content.decode()
    assert "已读完前三章" in content
    assert '<progress class="study-progress" max="100" value="40"' in content
    assert "去年的条目" not in content


def test_it_adds_an_item(client, cadre_user):
    client.force_login(cadre_user)

    response = client.post(URL, {"title": "学习《中国共产党廉洁自律准则》", "target_month": "4", "progress": "0"})

    assert response.status_code == 302
    item = CadreStudyItem.objects.get()
    assert (item.title, item.target_month, item.progress) == ("学习《中国共产党廉洁自律准则》", 4, 0)
    assert item.plan.member == cadre_user.member
    assert item.plan.year == timezone.localdate().year


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "target_month": "4", "progress": "0"}, "请填写学习内容。"),
        ({"title": "学习", "target_month": "13", "progress": "0"}, "选择一个有效的选项"),
        ({"title": "学习", "target_month": "4", "progress": "101"}, "进度应在0到100之间。"),
    ],
    ids=["no-title", "month-13", "progress-101"],
)
def test_it_rejects_a_bad_new_item(client, cadre_user, data, message):
    client.force_login(cadre_user)

    response = client.post(URL, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CadreStudyItem.objects.exists()
    assert not CadreStudyPlan.objects.exists()


def test_it_updates_progress_and_notes(client, cadre_user):
    item = add_item(cadre_user)
    client.force_login(cadre_user)
    assert client.get(edit_url(item)).status_code == 200

    response = client.post(edit_url(item), {"progress": "60", "note": "读完第十章，做了摘抄。"})

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.progress, item.note) == (60, "读完第十章，做了摘抄。")


@pytest.mark.parametrize("progress", ["101", "-1", "五十", ""])
def test_it_rejects_a_progress_outside_0_to_100(client, cadre_user, progress):
    item = add_item(cadre_user, progress=30)
    client.force_login(cadre_user)

    response = client.post(edit_url(item), {"progress": progress, "note": "改了笔记"})

    assert response.status_code == 200
    content = response.content.decode()
    assert any(text in content for text in ("进度应在0到100之间。", "进度请填写0到100之间的整数。", "请填写进度。"))
    item.refresh_from_db()
    assert (item.progress, item.note) == (30, "")


def test_it_answers_404_for_another_cadres_item(client, cadre_user, other_cadre):
    item = add_item(other_cadre)
    client.force_login(cadre_user)

    assert client.get(edit_url(item)).status_code == 404
    assert client.post(edit_url(item), {"progress": "100", "note": ""}).status_code == 404
    item.refresh_from_db()
    assert item.progress == 0


def test_it_answers_404_to_the_branch_secretary_and_other_branch_secretary(
    client, cadre_user, secretary, other_branch_secretary
):
    item = add_item(cadre_user)
    for user in (secretary, other_branch_secretary):
        client.force_login(user)
        assert client.get(edit_url(item)).status_code == 404
        assert client.post(edit_url(item), {"progress": "100", "note": ""}).status_code == 404


def test_it_tells_a_member_who_is_not_a_leading_cadre(client, member_user):
    client.force_login(member_user)

    response = client.get(URL)

    assert response.status_code == 200
    assert "个人自学计划适用于党员领导干部。" in response.content.decode()
    assert client.post(URL, {"title": "学习", "target_month": "4", "progress": "0"}).status_code == 200
    assert not CadreStudyItem.objects.exists()


def test_it_tells_a_user_without_member_record(client, district_officer):
    client.force_login(district_officer)

    assert "没有关联党员信息" in client.get(URL).content.decode()


def test_it_links_the_cadre_plan_from_my_study_for_cadres_only(client, cadre_user, member_user):
    client.force_login(cadre_user)
    assert URL in client.get(reverse("study:my_study")).content.decode()

    client.force_login(member_user)
    assert URL not in client.get(reverse("study:my_study")).content.decode()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


def test_it_costs_the_same_few_queries_for_3_and_30_items(client, cadre_user, django_assert_max_num_queries):
    client.force_login(cadre_user)
    for i in range(3):
        add_item(cadre_user, f"条目{i}")
    with django_assert_max_num_queries(10):
        small = _queries(client)
    for i in range(27):
        add_item(cadre_user, f"更多条目{i}", target_month=i % 12 + 1)
    with django_assert_max_num_queries(10):
        large = _queries(client)
    assert small == large


def test_it_costs_a_few_queries_to_edit_an_item(client, cadre_user, django_assert_max_num_queries):
    item = add_item(cadre_user)
    client.force_login(cadre_user)

    with django_assert_max_num_queries(10):
        assert client.get(edit_url(item)).status_code == 200
