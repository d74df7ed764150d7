"""承诺践诺 (the member's yearly commitment, the two self-reports, the branch's comment) and 党员先锋岗 / 示范岗 /
责任区 on the member page (亮明身份)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Commitment, PioneerPost, PioneerPostKind
from activities.talks import selectors as talk_selectors
from activities.talks import services as talk_services
from activities.talks.services import ReportStage
from branches.models import MemberStatus, RoleKind
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
COMMITMENT_LIST_BUDGET = 10
MEMBER_PAGE_BUDGET = 10


@pytest.fixture
def on_date(monkeypatch):
    """Make `timezone.localdate()` answer a chosen day (the pages and services ask it for "today")."""

    def set_day(day: datetime.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_day


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10))


@pytest.fixture
def commitment(member_user):
    return talk_services.commitment_pledge(
        member=member_user.member, post="窗口服务岗", pledge="办事群众满意率百分之百。", today=datetime.date(YEAR, 2, 1)
    )


# Services ----------------------------------------------------------------------------------------------------


def test_it_keeps_one_commitment_a_year_and_edits_it(member_user):
    member = member_user.member
    first = talk_services.commitment_pledge(member=member, post="教师", pledge="上好每一节课。")
    second = talk_services.commitment_pledge(member=member, post="班主任", pledge="  关心每一名学生。 ")
    assert first.pk == second.pk
    second.refresh_from_db()
    assert (second.year, second.post, second.pledge) == (YEAR, "班主任", "关心每一名学生。")
    assert Commitment.objects.count() == 1


def test_it_refuses_an_empty_pledge_and_a_member_who_has_left(member_user, branch):
    with pytest.raises(ValidationError) as caught:
        talk_services.commitment_pledge(member=member_user.member, post="", pledge="   ")
    assert caught.value.message_dict["pledge"] == ["请填写承诺内容。"]
    gone = MemberFactory(organization=branch, name="已转出党员", status=MemberStatus.TRANSFERRED_OUT)
    with pytest.raises(ValidationError, match="已转出党员不是在册党员"):
        talk_services.commitment_pledge(member=gone, post="", pledge="承诺")
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    ("stage", "too_early", "first_day"),
    [
        (ReportStage.MID_YEAR, datetime.date(YEAR, 5, 31), datetime.date(YEAR, 6, 1)),
        (ReportStage.YEAR_END, datetime.date(YEAR, 11, 30), datetime.date(YEAR, 12, 1)),
    ],
)
def test_it_refuses_a_report_before_its_time(commitment, stage, too_early, first_day):
    with pytest.raises(ValidationError) as caught:
        talk_services.commitment_report(commitment=commitment, stage=stage, report="已兑现。", now=at(too_early))
    assert f"自{first_day.isoformat()}起填写，现在还不到时间" in caught.value.message_dict["report"][0]
    commitment.refresh_from_db()
    assert getattr(commitment, f"{stage}_report") == ""

    talk_services.commitment_report(commitment=commitment, stage=stage, report="已兑现。", now=at(first_day))
    commitment.refresh_from_db()
    assert getattr(commitment, f"{stage}_report") == "已兑现。"
    assert getattr(commitment, f"{stage}_reported_at") == at(first_day)


def test_only_a_manager_comments(commitment, secretary, member_user, district_officer):
    with pytest.raises(ValidationError, match="只有本支部书记"):
        talk_services.commitment_comment(commitment=commitment, comment="很好。", commented_by=member_user)
    talk_services.commitment_comment(commitment=commitment, comment="  兑现承诺，群众满意。 ", commented_by=secretary)
    commitment.refresh_from_db()
    assert commitment.branch_comment == "兑现承诺，群众满意。"
    assert commitment.commented_by == secretary and commitment.commented_at is not None


# 我的承诺 ----------------------------------------------------------------------------------------------------


def test_a_member_makes_this_years_commitment_with_the_post_filled_in(client, member_user, on_date):
    on_date(datetime.date(YEAR, 3, 10))
    member = member_user.member
    member.position = "社区网格员"
    member.save()
    client.force_login(member_user)
    url = reverse("activities:commitment_mine")
    page = client.get(url).text
    assert 'value="社区网格员"' in page
    assert "请先作出本年度的承诺，再填写践诺情况。" in page
    response = client.post(url, {"action": "pledge", "pledge-post": "社区网格员", "pledge-pledge": "走访每一户居民。"})
    assert response.status_code == 302
    commitment = Commitment.objects.get(member=member)
    assert (commitment.year, commitment.post, commitment.pledge) == (YEAR, "社区网格员", "走访每一户居民。")
    page = client.get(url).text
    assert "走访每一户居民。" in page
    assert f"还不到填写时间：{YEAR}-06-01 起可以填写。" in page


def test_an_empty_pledge_is_explained_and_nothing_is_saved(client, member_user):
    client.force_login(member_user)
    response = client.post(
        reverse("activities:commitment_mine"), {"action": "pledge", "pledge-post": "我的岗位", "pledge-pledge": ""}
    )
    assert response.status_code == 200
    assert "请填写承诺内容。" in response.text
    assert 'value="我的岗位"' in response.text
    assert not Commitment.objects.exists()


def test_a_report_posted_before_its_time_is_explained_and_kept(client, member_user, commitment, on_date):
    on_date(datetime.date(YEAR, 5, 20))
    client.force_login(member_user)
    response = client.post(
        reverse("activities:commitment_mine"), {"action": "mid_year", "mid_year-report": "上半年办结事项三十件。"}
    )
    assert response.status_code == 200
    assert f"年中践诺情况自{YEAR}-06-01起填写，现在还不到时间。" in response.text
    assert "上半年办结事项三十件。" in response.text
    commitment.refresh_from_db()
    assert commitment.mid_year_report == ""


def test_a_member_writes_the_mid_year_report_from_june_but_not_yet_the_year_end_one(
    client, member_user, commitment, on_date
):
    on_date(datetime.date(YEAR, 6, 1))
    client.force_login(member_user)
    url = reverse("activities:commitment_mine")
    client.post(url, {"action": "mid_year", "mid_year-report": "上半年办结事项三十件。"})
    early = client.post(url, {"action": "year_end", "year_end-report": "全年办结。"})
    assert f"年终践诺情况自{YEAR}-12-01起填写" in early.text
    commitment.refresh_from_db()
    assert commitment.mid_year_report == "上半年办结事项三十件。"
    assert commitment.year_end_report == ""

    on_date(datetime.date(YEAR, 12, 1))
    client.post(url, {"action": "year_end", "year_end-report": "全年办结事项八十件。"})
    commitment.refresh_from_db()
    assert commitment.year_end_report == "全年办结事项八十件。"


def test_the_member_sees_the_branch_comment_and_earlier_years(client, member_user, commitment, secretary):
    talk_services.commitment_comment(commitment=commitment, comment="践诺到位，予以肯定。", commented_by=secretary)
    Commitment.objects.create(member=member_user.member, year=YEAR - 1, pledge="去年的承诺内容")
    client.force_login(member_user)
    page = client.get(reverse("activities:commitment_mine")).text
    assert "践诺到位，予以肯定。" in page
    assert "去年的承诺内容" in page


def test_a_user_without_a_member_record_is_told_why(client, district_officer):
    client.force_login(district_officer)
    page = client.get(reverse("activities:commitment_mine")).text
    assert "没有关联党员信息" in page


def test_my_commitment_costs_a_fixed_number_of_queries(client, member_user, commitment, django_assert_max_num_queries):
    for year in range(YEAR - 6, YEAR):
        Commitment.objects.create(member=member_user.member, year=year, pledge=f"{year}年承诺")
    client.force_login(member_user)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("activities:commitment_mine")).status_code == 200


# The branch list and the comment -----------------------------------------------------------------------------


def test_the_branch_list_shows_each_members_steps(
    client, branch, secretary, member_user, branch_members, commitment, on_date
):
    on_date(datetime.date(YEAR, 7, 1))
    talk_services.commitment_report(
        commitment=commitment, stage=ReportStage.MID_YEAR, report="上半年兑现。", now=at(datetime.date(YEAR, 6, 15))
    )
    table = talk_selectors.commitment_table(organization=branch, year=YEAR, today=datetime.date(YEAR, 7, 1))
    states = {row.member.name: row.states for row in table.rows}
    assert states["李党员"] == ("done", "done", "not_yet", "missing")
    assert states["赵一"] == ("missing", "missing", "not_yet", "missing")
    assert (table.pledged, table.mid_year_reported, table.commented) == (1, 1, 0)

    client.force_login(secretary)
    page = client.get(reverse("activities:commitment_list", args=[branch.pk])).text
    assert reverse("activities:commitment_detail", args=[commitment.pk]) in page
    assert "窗口服务岗" in page
    for name in ("王书记", "赵一", "钱二", "孙三"):
        assert name in page
    assert "1/5" in page


def test_the_branch_list_filters_by_year(client, branch, secretary, member_user, commitment):
    old = Commitment.objects.create(member=member_user.member, year=YEAR - 1, pledge="去年", post="去年的岗位")
    client.force_login(secretary)
    url = reverse("activities:commitment_list", args=[branch.pk])
    last_year = client.get(url, {"year": YEAR - 1}).text
    assert "去年的岗位" in last_year and "窗口服务岗" not in last_year
    assert reverse("activities:commitment_detail", args=[old.pk]) in last_year
    future = client.get(url, {"year": YEAR + 5}).text
    assert "年份不正确，已显示今年。" in future and "窗口服务岗" in future


def test_the_branch_list_has_a_query_budget(client, branch, secretary, branch_members, django_assert_max_num_queries):
    def queries() -> int:
        with django_assert_max_num_queries(COMMITMENT_LIST_BUDGET), CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("activities:commitment_list", args=[branch.pk])).status_code == 200
        return len(captured)

    client.force_login(secretary)
    small = queries()
    for i in range(40):
        member = MemberFactory(organization=branch, name=f"党员{i:02d}")
        talk_services.commitment_pledge(member=member, post="岗位", pledge=f"承诺{i}")
    assert queries() == small


def test_a_member_uses_their_own_page_not_the_branch_list(client, branch, member_user):
    client.force_login(member_user)
    assert client.get(reverse("activities:commitment_list", args=[branch.pk])).status_code == 403


def test_the_district_officer_sees_the_branch_list(client, branch, district_officer, commitment):
    client.force_login(district_officer)
    page = client.get(reverse("activities:commitment_list", args=[branch.pk])).text
    assert "窗口服务岗" in page


def test_the_secretary_writes_the_branch_comment(client, secretary, commitment):
    client.force_login(secretary)
    url = reverse("activities:commitment_detail", args=[commitment.pk])
    page = client.get(url).text
    assert "办事群众满意率百分之百。" in page and "保存支部评价" in page
    empty = client.post(url, {"branch_comment": ""})
    assert "请填写支部评价。" in empty.text
    response = client.post(url, {"branch_comment": "兑现承诺，表现突出。"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.branch_comment == "兑现承诺，表现突出。" and commitment.commented_by == secretary


def test_a_member_cannot_reach_another_members_commitment_or_comment_on_it(client, branch, member_user, secretary):
    other = talk_services.commitment_pledge(member=secretary.member, post="书记", pledge="带头学习。")
    client.force_login(member_user)
    url = reverse("activities:commitment_detail", args=[other.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"branch_comment": "自己给书记评价"}).status_code == 404
    other.refresh_from_db()
    assert other.branch_comment == ""


def test_a_member_cannot_comment_on_their_own_commitment(client, member_user, commitment):
    client.force_login(member_user)
    response = client.post(
        reverse("activities:commitment_detail", args=[commitment.pk]), {"branch_comment": "自评优秀"}
    )
    assert response.status_code == 404
    commitment.refresh_from_db()
    assert commitment.branch_comment == ""


def test_a_committee_member_who_does_not_manage_may_look_but_not_comment(client, branch, commitment):
    propaganda = UserFactory()
    give_role(propaganda, branch, RoleKind.PROPAGANDA)
    client.force_login(propaganda)
    url = reverse("activities:commitment_detail", args=[commitment.pk])
    page = client.get(url)
    assert page.status_code == 200 and "保存支部评价" not in page.text
    assert client.post(url, {"branch_comment": "越权评价"}).status_code == 403
    commitment.refresh_from_db()
    assert commitment.branch_comment == ""


# Scope -------------------------------------------------------------------------------------------------------


def test_the_commitment_pages_answer_404_outside_the_scope(client, other_branch_secretary, branch, commitment):
    client.force_login(other_branch_secretary)
    assert client.get(reverse("activities:commitment_list", args=[branch.pk])).status_code == 404
    detail = reverse("activities:commitment_detail", args=[commitment.pk])
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"branch_comment": "外区评价"}).status_code == 404
    commitment.refresh_from_db()
    assert commitment.branch_comment == ""


def test_my_commitment_is_only_the_users_own(client, other_branch_secretary, commitment, other_branch):
    MemberFactory(organization=other_branch, name="赵书记", user=other_branch_secretary)
    client.force_login(other_branch_secretary)
    page = client.get(reverse("activities:commitment_mine")).text
    assert "办事群众满意率百分之百" not in page


# 党员先锋岗 / 示范岗 / 责任区 ----------------------------------------------------------------------------------


def test_the_secretary_assigns_a_post_and_the_member_page_shows_it(client, secretary, branch_members):
    zhao = branch_members[2]
    client.force_login(secretary)
    url = reverse("activities:pioneer_post_create", args=[zhao.pk])
    response = client.post(url, {"kind": PioneerPostKind.MODEL, "title": "便民服务窗口", "started_on": "2026-03-01"})
    assert response.status_code == 302 and response.url == zhao.get_absolute_url()
    post = PioneerPost.objects.get()
    assert (post.member, post.kind, post.title, post.started_on) == (
        zhao,
        PioneerPostKind.MODEL,
        "便民服务窗口",
        datetime.date(2026, 3, 1),
    )
    page = client.get(zhao.get_absolute_url()).text
    assert "党员示范岗" in page and "便民服务窗口" in page
    assert reverse("activities:pioneer_post_end", args=[post.pk]) in page


def test_an_ended_post_leaves_the_member_page(client, secretary, branch_members):
    zhao = branch_members[2]
    post = talk_services.pioneer_post_assign(
        member=zhao, kind=PioneerPostKind.RESPONSIBILITY, title="三号楼责任区", started_on=datetime.date(2026, 1, 5)
    )
    client.force_login(secretary)
    url = reverse("activities:pioneer_post_end", args=[post.pk])
    before = client.post(url, {"ended_on": "2026-01-04"})
    assert "撤销日期不能早于设立日期（2026-01-05）。" in before.text
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    assert "撤销日期不能晚于今天。" in client.post(url, {"ended_on": future}).text
    post.refresh_from_db()
    assert post.ended_on is None
    assert client.post(url, {"ended_on": timezone.localdate().isoformat()}).status_code == 302
    page = client.get(zhao.get_absolute_url()).text
    assert "已撤销三号楼责任区。" in page  # the flash message, once
    assert url not in page and "暂无党员先锋岗、示范岗或责任区。" in page
    assert "三号楼责任区" not in client.get(zhao.get_absolute_url()).text
    again = client.post(url, {"ended_on": timezone.localdate().isoformat()})
    assert "该岗位已于" in again.text


def test_the_post_form_explains_bad_input(client, secretary, branch_members):
    client.force_login(secretary)
    url = reverse("activities:pioneer_post_create", args=[branch_members[2].pk])
    response = client.post(url, {"kind": "hero", "title": "", "started_on": "3月1日"})
    assert response.status_code == 200
    assert "请填写岗位名称。" in response.text
    assert "请输入正确的日期" in response.text
    assert not PioneerPost.objects.exists()


def test_the_member_sees_their_own_posts_but_cannot_assign_or_end_them(client, member_user, branch_members):
    post = talk_services.pioneer_post_assign(
        member=member_user.member,
        kind=PioneerPostKind.PIONEER,
        title="党员先锋示范窗口",
        started_on=datetime.date(2026, 2, 1),
    )
    client.force_login(member_user)
    page = client.get(member_user.member.get_absolute_url()).text
    assert "党员先锋岗" in page and "党员先锋示范窗口" in page
    assert reverse("activities:pioneer_post_end", args=[post.pk]) not in page
    assert reverse("activities:commitment_mine") in page
    own = reverse("activities:pioneer_post_create", args=[member_user.member.pk])
    assert client.get(own).status_code == 403
    assert client.get(reverse("activities:pioneer_post_create", args=[branch_members[2].pk])).status_code == 404
    assert (
        client.post(reverse("activities:pioneer_post_end", args=[post.pk]), {"ended_on": "2026-02-02"}).status_code
        == 404
    )
    post.refresh_from_db()
    assert post.ended_on is None


def test_the_post_pages_answer_404_outside_the_scope(client, other_branch_secretary, branch_members):
    post = talk_services.pioneer_post_assign(
        member=branch_members[2], kind=PioneerPostKind.PIONEER, title="先锋岗", started_on=datetime.date(2026, 2, 1)
    )
    client.force_login(other_branch_secretary)
    create = reverse("activities:pioneer_post_create", args=[branch_members[2].pk])
    assert client.get(create).status_code == 404
    assert client.post(create, {"kind": "pioneer", "title": "外区设岗", "started_on": "2026-02-01"}).status_code == 404
    end = reverse("activities:pioneer_post_end", args=[post.pk])
    assert client.get(end).status_code == 404
    assert client.post(end, {"ended_on": "2026-02-02"}).status_code == 404
    assert PioneerPost.objects.count() == 1 and PioneerPost.objects.get().ended_on is None


def test_the_member_page_links_the_managers_to_this_years_commitment(client, secretary, member_user, commitment):
    client.force_login(secretary)
    page = client.get(member_user.member.get_absolute_url()).text
    assert reverse("activities:commitment_detail", args=[commitment.pk]) in page


def test_the_member_page_costs_the_same_with_many_posts(
    client, secretary, branch_members, django_assert_max_num_queries
):
    zhao = branch_members[2]

    def queries() -> int:
        with django_assert_max_num_queries(MEMBER_PAGE_BUDGET), CaptureQueriesContext(connection) as captured:
            assert client.get(zhao.get_absolute_url()).status_code == 200
        return len(captured)

    client.force_login(secretary)
    talk_services.pioneer_post_assign(member=zhao, kind="pioneer", title="岗0", started_on=datetime.date(2026, 1, 1))
    one = queries()
    for i in range(1, 12):
        talk_services.pioneer_post_assign(
            member=zhao, kind=PioneerPostKind.values[i % 3], title=f"岗{i}", started_on=datetime.date(2026, 1, 1)
        )
    assert queries() == one
    assert "岗11" in client.get(zhao.get_absolute_url()).text
