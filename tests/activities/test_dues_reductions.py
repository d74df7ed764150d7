"""A 党费 reduction (减免) above `DUES_REDUCTION_APPROVAL_ABOVE` waits for the parent committee: until it is
approved the month owes the full amount; the parent's officers approve it or return it with a reason."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from activities.dues import selectors, services
from activities.dues.models import DuesMonth, DuesPayment, DuesStatus, ReductionState
from activities.dues.services import DuesEntry
from branches.models import Member, RoleKind
from tests.activities.dues_pages import give_bases
from tests.conftest import enrol_totp
from tests.factories import MemberFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def members(secretary, member_user, branch):
    MemberFactory(organization=branch, name="张三", joined_on=datetime.date(2010, 1, 1))
    give_bases(branch, income="8000.00")  # 1.5 %: 120.00 a month
    return {m.name: m for m in Member.objects.filter(organization=branch)}


@pytest.fixture
def committee_officer(committee):
    user = UserFactory(username="committee-officer")
    give_role(user, committee, RoleKind.OFFICER)
    enrol_totp(user)
    return user


def save(branch, secretary, entries, month=JAN):
    sheet = selectors.collection_sheet(organization=branch, month=month)
    return services.dues_collection_save(
        sheet=sheet, entries=entries, method="transfer", paid_on=month, recorded_by=secretary
    )


def reduce(amount: str) -> DuesEntry:
    return DuesEntry(reduction=Decimal(amount), reduction_reason="因病住院，经济困难")


def test_a_reduction_up_to_the_threshold_needs_no_approval(branch, secretary, members, settings):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "50.00"
    save(branch, secretary, {members["张三"].pk: reduce("50.00")})
    payment = DuesPayment.objects.get(member=members["张三"])
    assert payment.reduction_state == ReductionState.NONE
    assert payment.due_in_force == Decimal("70.00") and payment.arrears == 0


def test_a_larger_reduction_is_pending_and_the_month_owes_the_full_amount(branch, secretary, members, settings):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "50.00"
    zhang = members["张三"]
    save(branch, secretary, {zhang.pk: reduce("50.01")})
    payment = DuesPayment.objects.get(member=zhang)
    assert payment.reduction_state == ReductionState.PENDING
    assert payment.amount_paid == Decimal("69.99") and payment.due_in_force == Decimal("120.00")
    assert payment.arrears == Decimal("50.01") and payment.is_owed
    month = DuesMonth.objects.get(organization=branch, month=JAN)
    assert month.arrears == Decimal("50.01")
    assert selectors.arrears_by_member(organization_ids=[branch.pk], today=JAN)[zhang.pk].months == 1


def test_approval_puts_the_reduction_in_force_and_the_rollup_follows(
    branch, committee, secretary, committee_officer, members, settings
):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "0"
    zhang = members["张三"]
    save(branch, secretary, {zhang.pk: reduce("120.00")})  # an exemption
    payment = DuesPayment.objects.get(member=zhang)
    assert selectors.pending_reductions(organization=committee) == [payment]
    services.dues_reduction_decide(payment=payment, approve=True, reason="", decided_by=committee_officer)
    payment.refresh_from_db()
    assert payment.reduction_state == ReductionState.APPROVED and payment.reduction_decided_by == committee_officer
    assert payment.arrears == 0 and not payment.is_owed
    stored = DuesMonth.objects.get(organization=branch, month=JAN)
    recomputed = services.dues_month_recompute(organization=branch, month=JAN)
    assert stored.arrears == recomputed.arrears == 0
    assert selectors.pending_reductions(organization=committee) == []
    # saving the month again keeps the approval
    save(branch, secretary, {zhang.pk: reduce("120.00")})
    assert DuesPayment.objects.get(member=zhang).reduction_state == ReductionState.APPROVED


def test_a_changed_reduction_waits_again(branch, secretary, committee_officer, members, settings):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "0"
    zhang = members["张三"]
    save(branch, secretary, {zhang.pk: reduce("60.00")})
    services.dues_reduction_decide(
        payment=DuesPayment.objects.get(member=zhang), approve=True, reason="", decided_by=committee_officer
    )
    save(branch, secretary, {zhang.pk: reduce("80.00")})
    assert DuesPayment.objects.get(member=zhang).reduction_state == ReductionState.PENDING


def test_returning_needs_a_reason(client, branch, secretary, committee_officer, members, settings):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "0"
    zhang = members["张三"]
    save(branch, secretary, {zhang.pk: reduce("60.00")})
    payment = DuesPayment.objects.get(member=zhang)
    url = reverse("activities:dues_reduction_decide", args=[payment.pk])
    client.force_login(committee_officer)
    response = client.post(url, {"decision": "return", "reason": " "})
    assert response.status_code == 200 and "退回须填写理由" in response.content.decode()
    assert DuesPayment.objects.get(pk=payment.pk).reduction_state == ReductionState.PENDING
    response = client.post(url, {"decision": "return", "reason": "证明材料不全"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.reduction_state == ReductionState.RETURNED and payment.reduction_return_reason == "证明材料不全"
    assert payment.is_owed and payment.status == DuesStatus.PAID
    page = client.get(reverse("activities:dues_reductions", args=[branch.parent_id]))
    assert page.context["payments"] == []


def test_the_parent_lists_and_approves_on_its_pages(
    client, branch, committee, secretary, committee_officer, members, settings
):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "0"
    zhang = members["张三"]
    save(branch, secretary, {zhang.pk: reduce("60.00")})
    payment = DuesPayment.objects.get(member=zhang)
    client.force_login(committee_officer)
    page = client.get(reverse("activities:dues_reductions", args=[committee.pk]))
    assert page.status_code == 200 and "张三" in page.content.decode()
    url = reverse("activities:dues_reduction_decide", args=[payment.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert DuesPayment.objects.get(pk=payment.pk).reduction_state == ReductionState.APPROVED


def test_the_branch_secretary_cannot_approve_their_own_reduction(client, branch, secretary, members, settings):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "0"
    zhang = members["张三"]
    save(branch, secretary, {zhang.pk: reduce("60.00")})
    payment = DuesPayment.objects.get(member=zhang)
    client.force_login(secretary)
    url = reverse("activities:dues_reduction_decide", args=[payment.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "approve"}).status_code == 403
    assert client.get(reverse("activities:dues_reductions", args=[branch.parent_id])).status_code in (403, 404)
    assert DuesPayment.objects.get(pk=payment.pk).reduction_state == ReductionState.PENDING


def test_a_foreign_officer_gets_404_and_nothing_is_written(
    client, branch, committee, secretary, other_branch, members, settings
):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "0"
    zhang = members["张三"]
    save(branch, secretary, {zhang.pk: reduce("60.00")})
    payment = DuesPayment.objects.get(member=zhang)
    foreign = UserFactory(username="foreign-officer")
    give_role(foreign, other_branch.parent, RoleKind.OFFICER)
    enrol_totp(foreign)
    client.force_login(foreign)
    url = reverse("activities:dues_reduction_decide", args=[payment.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    assert client.get(reverse("activities:dues_reductions", args=[committee.pk])).status_code == 404
    assert client.post(reverse("activities:dues_reductions", args=[committee.pk])).status_code in (404, 405)
    assert DuesPayment.objects.get(pk=payment.pk).reduction_state == ReductionState.PENDING


def test_the_list_reads_in_a_fixed_number_of_queries(
    client, branch, committee, secretary, committee_officer, members, settings, django_assert_max_num_queries
):
    settings.DUES_REDUCTION_APPROVAL_ABOVE = "0"
    entries = {member.pk: reduce("60.00") for member in members.values()}
    save(branch, secretary, entries)
    client.force_login(committee_officer)
    url = reverse("activities:dues_reductions", args=[committee.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as captured:
        assert client.get(url).status_code == 200
    few = len(captured.captured_queries)
    for index in range(5):
        MemberFactory(organization=branch, name=f"新党员{index}", joined_on=datetime.date(2010, 1, 1))
    give_bases(branch, income="8000.00", applies_from=datetime.date(2019, 1, 1))
    save(branch, secretary, {m.pk: reduce("60.00") for m in Member.objects.filter(organization=branch)})
    with django_assert_max_num_queries(few):
        client.get(url)
