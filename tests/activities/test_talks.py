"""谈心谈话: recording, who sees the summary, rule C11's progress, scope and query budgets."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import HeartTalk
from activities.talks import selectors as talk_selectors
from activities.talks import services as talk_services
from branches.models import RoleKind
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

SUMMARY_HIDDEN = "谈话内容仅谈话双方和支部书记可见"
TALK_LIST_BUDGET = 10


def record(organization, initiator, counterpart, by, *, held_on=None, summary="交流思想，谈工作打算。", **extra):
    return talk_services.heart_talk_record(
        organization=organization,
        initiator=initiator,
        counterpart=counterpart,
        held_on=held_on or timezone.localdate(),
        summary=summary,
        recorded_by=by,
        **extra,
    )


def member_with_login(branch, name, role=None):
    user = UserFactory(first_name=name)
    if role:
        give_role(user, branch, role)
    MemberFactory(organization=branch, name=name, user=user)
    return user


@pytest.fixture
def talk(branch, secretary, member_user, branch_members):
    """The secretary talked with the member today (a 批评教育)."""
    return record(
        branch,
        secretary.member,
        member_user.member,
        secretary,
        summary="指出长期不参加组织生活的问题。",
        is_criticism=True,
    )


def form_data(initiator, counterpart, held_on=None, summary="谈学习体会和工作打算。", **extra):
    return {
        "initiator": initiator.pk,
        "counterpart": counterpart.pk,
        "held_on": (held_on or timezone.localdate()).isoformat(),
        "summary": summary,
        **extra,
    }


# Services ----------------------------------------------------------------------------------------------------


def test_it_records_a_talk_between_two_members_of_the_branch(branch, secretary, branch_members):
    zhao = branch_members[2]
    talk = record(branch, secretary.member, zhao, secretary, summary="  谈思想状况。 ")
    talk.refresh_from_db()
    assert (talk.initiator, talk.counterpart, talk.organization) == (secretary.member, zhao, branch)
    assert talk.summary == "谈思想状况。"
    assert talk.recorded_by == secretary
    assert talk.is_criticism is False


def test_it_refuses_a_talk_with_oneself(branch, secretary, branch_members):
    with pytest.raises(ValidationError) as caught:
        record(branch, secretary.member, secretary.member, secretary)
    assert "谈话双方不能是同一人" in str(caught.value.message_dict["counterpart"])
    assert not HeartTalk.objects.exists()


def test_it_refuses_a_talk_with_a_member_of_another_branch(branch, sibling_branch, secretary, branch_members):
    stranger = MemberFactory(organization=sibling_branch, name="外支部党员")
    with pytest.raises(ValidationError) as caught:
        record(branch, secretary.member, stranger, secretary)
    assert "外支部党员不是第一党支部的党员" in str(caught.value.message_dict["counterpart"])
    assert not HeartTalk.objects.exists()


def test_it_refuses_a_talk_dated_in_the_future(branch, secretary, branch_members):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        record(branch, secretary.member, branch_members[2], secretary, held_on=tomorrow)
    assert "谈话日期不能晚于今天" in str(caught.value.message_dict["held_on"])


def test_it_lets_a_member_record_only_a_talk_they_took_part_in(branch, member_user, branch_members):
    zhao, qian = branch_members[2], branch_members[3]
    own = record(branch, zhao, member_user.member, member_user)
    assert own.recorded_by == member_user
    with pytest.raises(ValidationError) as caught:
        record(branch, zhao, qian, member_user)
    assert "只能登记本人参加的谈心谈话" in str(caught.value.message_dict["initiator"])
    assert HeartTalk.objects.count() == 1


def test_it_refuses_the_same_talk_submitted_twice(branch, secretary, branch_members):
    record(branch, secretary.member, branch_members[2], secretary, summary="谈心")
    with pytest.raises(ValidationError, match="已经登记过了"):
        record(branch, secretary.member, branch_members[2], secretary, summary="谈心")
    assert HeartTalk.objects.count() == 1


# Recording through the page ----------------------------------------------------------------------------------


def test_the_secretary_records_a_talk_through_the_form(client, branch, secretary, branch_members):
    client.force_login(secretary)
    url = reverse("activities:talk_create", args=[branch.pk])
    page = client.get(url).text
    assert "赵一" in page and timezone.localdate().isoformat() in page
    response = client.post(url, form_data(branch_members[2], branch_members[3], is_criticism="on"))
    talk = HeartTalk.objects.get()
    assert response.status_code == 302 and response.url == reverse("activities:talk_detail", args=[talk.pk])
    assert (talk.initiator, talk.counterpart, talk.is_criticism) == (branch_members[2], branch_members[3], True)


def test_the_form_keeps_the_input_and_explains_a_talk_with_oneself(client, branch, secretary, branch_members):
    client.force_login(secretary)
    url = reverse("activities:talk_create", args=[branch.pk])
    response = client.post(url, form_data(secretary.member, secretary.member, summary="我的独特要点"))
    assert response.status_code == 200
    assert "谈话双方不能是同一人，请选择另一名党员。" in response.text
    assert "我的独特要点" in response.text
    assert not HeartTalk.objects.exists()


def test_the_form_refuses_a_member_of_another_branch(client, branch, other_branch, secretary, branch_members):
    stranger = MemberFactory(organization=other_branch, name="西城党员")
    client.force_login(secretary)
    response = client.post(reverse("activities:talk_create", args=[branch.pk]), form_data(secretary.member, stranger))
    assert response.status_code == 200
    assert "请从本支部党员中选择谈话对象。" in response.text
    assert "西城党员" not in response.text
    assert not HeartTalk.objects.exists()


def test_the_form_refuses_a_future_date_and_keeps_the_summary(client, branch, secretary, branch_members):
    client.force_login(secretary)
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        reverse("activities:talk_create", args=[branch.pk]),
        form_data(secretary.member, branch_members[2], held_on=future, summary="未来的谈话"),
    )
    assert response.status_code == 200
    assert "谈话日期不能晚于今天，请登记已经进行的谈话。" in response.text
    assert "未来的谈话" in response.text
    assert not HeartTalk.objects.exists()


def test_a_member_records_their_own_talk_and_not_one_between_others(client, branch, member_user, branch_members):
    client.force_login(member_user)
    url = reverse("activities:talk_create", args=[branch.pk])
    page = client.get(url).text
    assert "谈话人或谈话对象须是您本人" in page
    refused = client.post(url, form_data(branch_members[2], branch_members[3]))
    assert "您只能登记本人参加的谈心谈话。" in refused.text
    assert not HeartTalk.objects.exists()
    client.post(url, form_data(branch_members[2], member_user.member))
    assert HeartTalk.objects.get().counterpart == member_user.member


def test_a_committee_officer_above_may_record_but_a_member_of_another_branch_may_not(
    client, branch, sibling_branch, district_officer, branch_members
):
    neighbour = member_with_login(sibling_branch, "邻支部党员")
    url = reverse("activities:talk_create", args=[branch.pk])
    client.force_login(neighbour)
    assert client.get(url).status_code == 404
    client.force_login(district_officer)
    assert client.get(url).status_code == 200


def test_a_non_managing_committee_member_may_not_record_others_talks(client, branch, branch_members):
    propaganda = UserFactory()
    give_role(propaganda, branch, RoleKind.PROPAGANDA)
    client.force_login(propaganda)
    assert client.get(reverse("activities:talk_create", args=[branch.pk])).status_code == 403


def test_a_committee_has_no_talk_pages(client, district_officer, committee):
    client.force_login(district_officer)
    assert client.get(reverse("activities:talk_list", args=[committee.pk])).status_code == 404
    assert client.get(reverse("activities:talk_create", args=[committee.pk])).status_code == 404


# Who reads the summary ---------------------------------------------------------------------------------------


def test_the_two_members_and_the_secretary_read_the_summary(client, talk, secretary, member_user, branch):
    for user in (secretary, member_user):
        client.force_login(user)
        listing = client.get(reverse("activities:talk_list", args=[branch.pk])).text
        detail = client.get(reverse("activities:talk_detail", args=[talk.pk])).text
        assert "指出长期不参加组织生活的问题。" in listing
        assert "指出长期不参加组织生活的问题。" in detail
        assert "批评教育" in listing


def test_the_district_officer_sees_that_the_talk_took_place_but_not_what_was_said(
    client, talk, district_officer, branch
):
    client.force_login(district_officer)
    listing = client.get(reverse("activities:talk_list", args=[branch.pk])).text
    detail = client.get(reverse("activities:talk_detail", args=[talk.pk])).text
    for page in (listing, detail):
        assert "王书记" in page and "李党员" in page
        assert talk.held_on.isoformat() in page
        assert SUMMARY_HIDDEN in page
        assert "指出长期不参加组织生活的问题" not in page


def test_a_committee_member_who_is_not_the_secretary_does_not_read_the_summary(client, talk, branch):
    organizer = member_with_login(branch, "组织委员", RoleKind.ORGANIZER)
    client.force_login(organizer)
    detail = client.get(reverse("activities:talk_detail", args=[talk.pk])).text
    assert SUMMARY_HIDDEN in detail
    assert "指出长期不参加组织生活的问题" not in detail


def test_a_third_member_neither_sees_nor_reads_the_talk(client, talk, branch):
    third = member_with_login(branch, "第三人")
    client.force_login(third)
    listing = client.get(reverse("activities:talk_list", args=[branch.pk])).text
    assert "指出长期不参加组织生活的问题" not in listing
    assert "王书记 — 李党员" not in listing
    assert client.get(reverse("activities:talk_detail", args=[talk.pk])).status_code == 404


def test_a_member_sees_their_own_talks_with_the_summary_and_no_coverage(client, talk, branch, member_user):
    client.force_login(member_user)
    listing = client.get(reverse("activities:talk_list", args=[branch.pk])).text
    assert "王书记 — 李党员" in listing
    assert "指出长期不参加组织生活的问题。" in listing
    assert "支委谈心谈话覆盖情况" not in listing


def test_the_administrator_sees_the_talk_but_not_the_summary(client, talk, administrator):
    client.force_login(administrator)
    detail = client.get(reverse("activities:talk_detail", args=[talk.pk])).text
    assert SUMMARY_HIDDEN in detail
    assert "指出长期不参加组织生活的问题" not in detail


# Scope -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["activities:talk_list", "activities:talk_create"])
def test_the_branch_talk_pages_answer_404_outside_the_scope(client, other_branch_secretary, branch, name):
    client.force_login(other_branch_secretary)
    assert client.get(reverse(name, args=[branch.pk])).status_code == 404
    assert client.post(reverse(name, args=[branch.pk]), {}).status_code in (404, 405)


def test_a_talk_answers_404_outside_the_scope(client, other_branch_secretary, talk):
    client.force_login(other_branch_secretary)
    assert client.get(reverse("activities:talk_detail", args=[talk.pk])).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, talk, branch):
    response = client.get(reverse("activities:talk_list", args=[branch.pk]))
    assert response.status_code == 302 and "login" in response.url


# Years -------------------------------------------------------------------------------------------------------


def test_the_list_shows_one_year_at_a_time(client, branch, secretary, branch_members):
    this_year = timezone.localdate().year
    record(branch, secretary.member, branch_members[2], secretary, summary="今年的谈话")
    record(
        branch,
        secretary.member,
        branch_members[3],
        secretary,
        summary="去年的谈话",
        held_on=datetime.date(this_year - 1, 5, 4),
    )
    client.force_login(secretary)
    url = reverse("activities:talk_list", args=[branch.pk])
    current = client.get(url).text
    assert "今年的谈话" in current and "去年的谈话" not in current
    last = client.get(url, {"year": this_year - 1}).text
    assert "去年的谈话" in last and "今年的谈话" not in last
    bad = client.get(url, {"year": "abc"}).text
    assert "年份不正确，已显示今年。" in bad and "今年的谈话" in bad


# Rule C11 progress -------------------------------------------------------------------------------------------


@pytest.fixture
def committee_branch(branch, secretary, member_user, branch_members):
    """Committee: the secretary and 赵一 (organiser). Members: 王书记, 李党员, 赵一, 钱二, 孙三."""
    zhao = branch_members[2]
    zhao_user = UserFactory(first_name="赵一")
    zhao.user = zhao_user
    zhao.save()
    give_role(zhao_user, branch, RoleKind.ORGANIZER)
    # A committee role held by someone without a member record does not count.
    give_role(UserFactory(), branch, RoleKind.COMMITTEE_MEMBER)
    return branch


def test_it_counts_the_committee_pairs_covered_this_year(committee_branch, secretary, member_user, branch_members):
    branch = committee_branch
    wang, li, zhao, qian, sun = branch_members
    this_year = timezone.localdate().year
    record(branch, wang, li, secretary)
    record(branch, qian, zhao, secretary)  # either direction counts
    record(branch, wang, li, secretary, summary="第二次")  # the same pair twice counts once
    record(branch, li, qian, secretary)  # two ordinary members: not a C11 pair
    record(branch, wang, sun, secretary, held_on=datetime.date(this_year - 1, 12, 31))  # last year

    coverage = talk_selectors.talk_coverage(organization=branch, year=this_year)

    assert {m.name for m in coverage.committee} == {"王书记", "赵一"}
    assert coverage.required == 4 + 3  # 王书记 with the 4 others; 赵一 with the 3 members left
    assert coverage.covered == 2
    missing = {entry.committee_member.name: {m.name for m in entry.others} for entry in coverage.missing}
    pairs = {frozenset((leader, other)) for leader, others in missing.items() for other in others}
    assert pairs == {
        frozenset(pair)
        for pair in [("王书记", "赵一"), ("王书记", "钱二"), ("王书记", "孙三"), ("赵一", "李党员"), ("赵一", "孙三")]
    }
    assert coverage.percent == 29


def test_the_managers_see_the_progress_and_the_missing_pairs(client, committee_branch, secretary, branch_members):
    wang, li = branch_members[:2]
    record(committee_branch, wang, li, secretary)
    client.force_login(secretary)
    page = client.get(reverse("activities:talk_list", args=[committee_branch.pk])).text
    assert "支委谈心谈话覆盖情况" in page
    assert "尚未谈话 6 对" in page
    assert "14%" in page
    assert "孙三" in page


def test_the_district_officer_sees_the_progress_too(client, committee_branch, district_officer, branch_members):
    client.force_login(district_officer)
    page = client.get(reverse("activities:talk_list", args=[committee_branch.pk])).text
    assert "支委谈心谈话覆盖情况" in page
    assert "尚未谈话 7 对" in page


def test_the_coverage_is_empty_without_a_committee(sibling_branch):
    MemberFactory(organization=sibling_branch)
    coverage = talk_selectors.talk_coverage(organization=sibling_branch, year=timezone.localdate().year)
    assert coverage.committee == [] and coverage.required == 0 and coverage.percent is None


# Query budget ------------------------------------------------------------------------------------------------


def _talk_list_queries(client, user, branch, django_assert_max_num_queries) -> int:
    client.force_login(user)
    with django_assert_max_num_queries(TALK_LIST_BUDGET), CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("activities:talk_list", args=[branch.pk]))
    assert response.status_code == 200
    return len(captured)


def test_the_talk_list_costs_the_same_for_a_big_branch(
    client, committee_branch, secretary, branch_members, django_assert_max_num_queries
):
    small = _talk_list_queries(client, secretary, committee_branch, django_assert_max_num_queries)
    wang, zhao = branch_members[0], branch_members[2]
    extra = [MemberFactory(organization=committee_branch, name=f"党员{i:02d}") for i in range(30)]
    for i, other in enumerate([*branch_members[1:], *extra]):
        record(committee_branch, wang, other, secretary, summary=f"第{i}次谈话")
        if other != zhao:
            record(committee_branch, other, zhao, secretary, summary=f"组织委员第{i}次谈话")
    big = _talk_list_queries(client, secretary, committee_branch, django_assert_max_num_queries)
    assert big == small + 1  # one audit event for the summaries read, however many there are
    page = client.get(reverse("activities:talk_list", args=[committee_branch.pk])).text
    assert "应谈的每一对都已谈过。" in page
