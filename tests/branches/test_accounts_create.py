import pytest
from django.urls import reverse

from branches.models import User
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_secretary_opens_an_account_for_a_member(
    client, secretary, branch, mailoutbox, django_capture_on_commit_callbacks
):
    member = MemberFactory(organization=branch, name="周平")
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("branches:member_account_create", args=[member.pk]),
            {"username": "zhouping", "email": "zhou@example.org", "phone": "13800138000"},
        )
    assert response.status_code == 200
    user = User.objects.get(username="zhouping")
    member.refresh_from_db()
    assert member.user == user
    assert not user.has_usable_password()
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
    assert "/accounts/password/reset/key/" in response.text


def test_an_invite_is_not_sent_again_once_a_password_is_set(branch, mailoutbox):
    from branches.services import account_invite_send

    user = User.objects.create_user(username="has-password", email="p@example.org", password="x-1234-secret")
    assert account_invite_send(user_id=user.pk, link="http://x/") is False
    assert mailoutbox == []


def test_a_taken_username_gets_a_clear_message(client, secretary, branch):
    member = MemberFactory(organization=branch)
    client.force_login(secretary)
    response = client.post(reverse("branches:member_account_create", args=[member.pk]), {"username": "secretary"})
    assert response.status_code == 200
    assert "已存在" in response.text
    member.refresh_from_db()
    assert member.user is None
