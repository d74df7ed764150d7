"""重点约谈: an officer above a branch records an interview of its secretary about problems of its ledger; the
interview is listed on the branch's 整改台账 and on the officers' ledger; the secretary sees it; foreign branches,
members, problems and committees are refused (404 in the path, form errors in the body) and nothing is written."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import RoleKind
from reviews.oversight import services
from reviews.oversight.models import Interview, ProblemSource
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee_officer", first_name="陈干事")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


def _problem(organization, user, description="会议记录不完整"):
    return services.problem_register(
        organization=organization,
        source=ProblemSource.SELF_CHECK,
        description=description,
        responsible="书记",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        created_by=user,
    )


def _form(committee, interviewee, problems, **extra):
    return {
        "committee": committee.pk,
        "interviewers": "陈干事、刘部长",
        "interviewee": interviewee.pk,
        "held_on": timezone.localdate().isoformat(),
        "subject": "整改进度滞后",
        "linked_problems": [p.pk for p in problems],
        "outcome": "书记表态一个月内整改到位。",
    } | extra


def test_an_officer_records_an_interview_and_everyone_concerned_sees_it(
    client, committee, district, branch, secretary, committee_officer, district_officer
):
    problem = _problem(branch, secretary)
    client.force_login(committee_officer)
    url = reverse("reviews:interview_create", args=[branch.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["committee"].queryset) == [committee]  # the district is above the officer's reach
    response = client.post(url, _form(committee, secretary.member, [problem]))
    interview = Interview.objects.get()
    assert response.status_code == 302 and response["Location"] == interview.get_absolute_url()
    assert list(interview.problems.all()) == [problem]
    assert interview.recorded_by == committee_officer

    # The branch's 整改台账 (its secretary) and the interview itself.
    client.force_login(secretary)
    page = client.get(reverse("reviews:problem_ledger", args=[branch.pk])).content.decode()
    assert "重点约谈" in page and interview.get_absolute_url() in page
    assert reverse("reviews:interview_create", args=[branch.pk]) not in page
    detail = client.get(interview.get_absolute_url()).content.decode()
    assert "书记表态一个月内整改到位" in detail and "会议记录不完整" in detail
    # The officers' ledger of the subtree.
    client.force_login(district_officer)
    page = client.get(reverse("reviews:problem_ledger", args=[district.pk])).content.decode()
    assert interview.get_absolute_url() in page


def test_the_secretary_may_not_record_an_interview_of_their_own_branch(client, branch, secretary, committee):
    client.force_login(secretary)
    url = reverse("reviews:interview_create", args=[branch.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _form(committee, secretary.member, [])).status_code == 403
    assert not Interview.objects.exists()


def test_foreign_ids_are_refused_and_nothing_is_written(
    client, committee, branch, other_branch, other_district, secretary, committee_officer, other_branch_secretary
):
    own_problem = _problem(branch, secretary)
    foreign_problem = _problem(other_branch, other_branch_secretary, description="外支部问题")
    stranger = MemberFactory(organization=other_branch, name="外支部书记")
    foreign_interview = services.interview_record(
        organization=other_branch,
        committee=other_district,
        interviewers="外区",
        interviewee=stranger,
        held_on=timezone.localdate(),
        subject="外区约谈",
        outcome="外区结果",
        problems=[foreign_problem],
        recorded_by=other_branch_secretary,
    )
    client.force_login(committee_officer)
    # Foreign ids in the path: 404 for GET and POST.
    for url in (
        reverse("reviews:interview_create", args=[other_branch.pk]),
        reverse("reviews:interview_detail", args=[foreign_interview.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, _form(committee, secretary.member, [own_problem])).status_code in (404, 405)
    # Foreign ids in the body: form errors, nothing shown, nothing written.
    url = reverse("reviews:interview_create", args=[branch.pk])
    for data in (
        _form(committee, stranger, [own_problem]),
        _form(committee, secretary.member, [foreign_problem]),
        _form(other_district, secretary.member, [own_problem]),
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors
        assert "外支部" not in response.content.decode()
    assert Interview.objects.count() == 1


def test_the_interviewed_member_sees_the_interview_and_others_do_not(
    client, committee, branch, secretary, member_user, committee_officer
):
    interview = services.interview_record(
        organization=branch,
        committee=committee,
        interviewers="陈干事",
        interviewee=secretary.member,
        held_on=timezone.localdate(),
        subject="约谈",
        outcome="结果",
        problems=[],
        recorded_by=committee_officer,
    )
    client.force_login(member_user)
    assert client.get(interview.get_absolute_url()).status_code == 404
    Interview.objects.filter(pk=interview.pk).update(interviewee=member_user.member)
    assert client.get(interview.get_absolute_url()).status_code == 200


def test_the_ledgers_cost_the_same_with_1_and_12_interviews(
    client, committee, branch, secretary, committee_officer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    problem = _problem(branch, secretary)

    def interview():
        services.interview_record(
            organization=branch,
            committee=committee,
            interviewers="陈干事",
            interviewee=secretary.member,
            held_on=timezone.localdate(),
            subject="约谈",
            outcome="结果",
            problems=[problem],
            recorded_by=committee_officer,
        )

    interview()
    client.force_login(committee_officer)
    urls = [reverse("reviews:problem_ledger", args=[pk]) for pk in (branch.pk, committee.pk)]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    for _ in range(11):
        interview()
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200
