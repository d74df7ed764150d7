"""Logins, first-login links, password reset, closed sign-up and two-factor authentication."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import services
from branches.models import RoleKind, User
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory
LOGIN_URL = reverse("account_login")


@pytest.fixture(autouse=True)
def _clear_rate_limits_and_used_codes():
    """allauth keeps rate-limit counters and used TOTP codes in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tasks_run_in_process():
    """account_create e-mails the first-login link from a Celery task; run it here even when REDIS_URL is set."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def mfa_required(settings):
    settings.PORTAL_MFA_REQUIRED = True
    # Accept the neighbouring 30-second period too, so a code made at a period's end still counts.
    settings.MFA_TOTP_TOLERANCE = 1


@pytest.fixture
def officer_without_totp(district):
    user = UserFactory(username="new_officer", first_name="钱干事")
    give_role(user, district, RoleKind.OFFICER)
    return user


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(client, login: str, password: str = PASSWORD):
    return client.post(LOGIN_URL, {"login": login, "password": password})


def reauthenticate(client, password: str = PASSWORD):
    """allauth asks for the password again before two-factor settings change, even right after login."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.text


def totp_secret_from_set_up_page(client) -> str:
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    return response.context["form"].secret


def logged_in_user_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


def mailed_link(message) -> str:
    match = re.search(r"https?://\S+|/accounts/\S+", message.body)
    assert match, message.body
    return match.group(0)


# --- Login page and closed sign-up ---------------------------------------------------------------


def test_it_shows_a_chinese_login_page_without_a_sign_up_link(client):
    response = client.get(LOGIN_URL)
    html = response.text
    assert response.status_code == 200
    assert "<title>登录 · 两学一做学习教育平台</title>" in html
    assert "用户名 / 手机号 / 邮箱" in html
    assert "密码" in html
    assert "账号由党支部书记或系统管理员开通" in html
    assert f'href="{reverse("account_reset_password")}"' in html
    assert "忘记密码？" in html
    assert reverse("account_signup") not in html
    assert "portal-navbar" in html  # the portal layout, not allauth's bare one
    assert 'class="entrance"' in html


def test_it_uses_the_chinese_translations_of_allauth_and_django(client):
    response = client.post(reverse("account_reset_password"), {"email": "not-an-address"})
    assert 'placeholder="电子邮件地址"' in response.text
    assert "输入一个有效的 Email 地址。" in response.text  # Django's own zh_Hans catalogue


def test_it_keeps_sign_up_closed(client):
    users_before = User.objects.count()

    page = client.get(reverse("account_signup"))
    posted = client.post(
        reverse("account_signup"),
        {
            "username": "intruder",
            "email": "intruder@example.org",
            "password1": "Xk3!long-pass",
            "password2": "Xk3!long-pass",
        },
    )

    assert "账号由党支部书记或系统管理员开通" in page.text
    assert "不开放注册" in posted.text
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="intruder").exists()
    assert logged_in_user_id(client) is None


# --- Login by username, phone and e-mail ---------------------------------------------------------


def test_it_logs_in_by_username(client, secretary):
    response = log_in(client, "secretary")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(secretary.pk)


def test_it_logs_in_by_phone_number(client, secretary):
    secretary.phone = "13800138000"
    secretary.save(update_fields=["phone"])

    response = log_in(client, "13800138000")

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(secretary.pk)


def test_it_logs_in_by_phone_number_written_with_country_code_and_spaces(client, secretary):
    secretary.phone = "13800138000"
    secretary.save(update_fields=["phone"])

    log_in(client, "+86 138 0013 8000")

    assert logged_in_user_id(client) == str(secretary.pk)


def test_it_logs_in_by_email(client, secretary):
    secretary.email = "wang.shuji@example.org"
    secretary.save(update_fields=["email"])

    response = log_in(client, "Wang.Shuji@example.org")

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(secretary.pk)


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(client, secretary):
    response = log_in(client, "secretary", "wrong-password")

    assert response.status_code == 200
    assert "用户名/手机号/邮箱或密码不正确。" in response.text
    assert logged_in_user_id(client) is None


def test_it_refuses_even_the_right_password_after_too_many_failed_logins(client, secretary):
    for _attempt in range(10):
        log_in(client, "secretary", "wrong-password")

    response = log_in(client, "secretary")

    assert "登录失败次数过多，请稍后再试。" in response.text
    assert logged_in_user_id(client) is None


def test_it_refuses_an_account_without_a_password_yet(client):
    user = services.account_create(username="no_password_yet", full_name="孙同志")

    log_in(client, "no_password_yet", "")
    log_in(client, "no_password_yet", "anything-at-all")

    assert not user.has_usable_password()
    assert logged_in_user_id(client) is None


# --- First-login link and password reset ---------------------------------------------------------


def test_it_lets_a_new_account_set_its_password_from_the_first_login_link(
    client, mailoutbox, django_capture_on_commit_callbacks, tasks_run_in_process
):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.account_create(username="newcomer", full_name="周同志", email="newcomer@example.org")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["newcomer@example.org"]
    page = client.get(mailed_link(mailoutbox[0]), follow=True)
    assert page.status_code == 200
    assert "设置登录密码" in page.text
    assert "链接已失效" not in page.text

    done = client.post(
        page.request["PATH_INFO"], {"password1": "Hongqi-2024-study", "password2": "Hongqi-2024-study"}, follow=True
    )
    assert "密码已设置" in done.text
    client.logout()
    log_in(client, "newcomer", "Hongqi-2024-study")
    assert logged_in_user_id(client) == str(user.pk)


def test_it_refuses_a_first_login_link_used_twice(
    client, mailoutbox, django_capture_on_commit_callbacks, tasks_run_in_process
):
    with django_capture_on_commit_callbacks(execute=True):
        services.account_create(username="newcomer", full_name="周同志", email="newcomer@example.org")
    link = mailed_link(mailoutbox[0])
    page = client.get(link, follow=True)
    assert 'name="password1"' in page.text
    client.post(page.request["PATH_INFO"], {"password1": "Hongqi-2024-study", "password2": "Hongqi-2024-study"})
    client.logout()

    again = client.get(link, follow=True)

    assert "链接已失效" in again.text
    assert 'name="password1"' not in again.text


def test_it_resets_a_password_by_email(client, mailoutbox, secretary, django_capture_on_commit_callbacks):
    secretary.email = "wang.shuji@example.org"
    secretary.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):  # the worker sends it, after the request's commit
        response = client.post(reverse("account_reset_password"), {"email": "wang.shuji@example.org"}, follow=True)
    assert "邮件已发送" in response.text
    assert len(mailoutbox) == 1

    page = client.get(mailed_link(mailoutbox[0]), follow=True)
    client.post(page.request["PATH_INFO"], {"password1": "Dangzhang-1921", "password2": "Dangzhang-1921"})
    client.logout()

    log_in(client, "secretary", PASSWORD)
    assert logged_in_user_id(client) is None
    log_in(client, "secretary", "Dangzhang-1921")
    assert logged_in_user_id(client) == str(secretary.pk)


def test_it_writes_the_password_reset_email_in_chinese(
    client, mailoutbox, secretary, django_capture_on_commit_callbacks
):
    secretary.email = "wang.shuji@example.org"
    secretary.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "wang.shuji@example.org"})

    message = mailoutbox[0]
    assert message.subject == "[两学一做] 设置新的登录密码"
    assert "您的用户名：secretary" in message.body
    assert "两学一做学习教育平台" in message.body
    assert "Hello" not in message.body


def test_it_does_not_offer_sign_up_to_an_unknown_email_address(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "stranger@example.org"})

    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "没有登记这个邮箱的账号" in body
    assert reverse("account_signup") not in body
    assert "/accounts/" not in body


# --- Every account page looks like the portal ----------------------------------------------------

ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"]
SIGNED_IN_PAGES = [
    "account_change_password",
    "account_logout",
    "account_reauthenticate",
    "mfa_index",
    "mfa_activate_totp",
]


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_it_renders_entrance_pages_in_the_portal_layout(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "portal-navbar" in response.text
    assert 'class="entrance"' in response.text
    assert "Menu:" not in response.text  # allauth's unstyled layout


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_it_renders_account_settings_in_the_portal_layout(client, member_user, name):
    log_in(client, "member")
    reauthenticate(client)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "portal-navbar" in response.text
    assert "Menu:" not in response.text
    assert 'style="' not in response.text  # the CSP forbids inline styles
    assert "<script>" not in response.text  # … and inline scripts


def test_it_asks_for_the_password_again_before_totp_set_up(client, member_user):
    log_in(client, "member")

    response = client.get(reverse("mfa_activate_totp"), follow=True)

    assert response.request["PATH_INFO"] == reverse("account_reauthenticate")
    assert "确认身份" in response.text
    reauthenticate(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_it_shows_the_totp_qr_code_as_an_image_the_csp_allows(client, member_user):
    log_in(client, "member")
    reauthenticate(client)
    response = client.get(reverse("mfa_activate_totp"))

    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', response.text)
    assert "data:" in _csp_directive(response, "img-src")
    assert response.context["form"].secret in response.text


def _csp_directive(response, name: str) -> list[str]:
    for directive in response.headers["Content-Security-Policy"].split(";"):
        parts = directive.split()
        if parts and parts[0] == name:
            return parts[1:]
    return []


# --- Two-factor authentication required for officers ---------------------------------------------


@pytest.mark.parametrize("name", ["home", "branches:organization_tree"])
def test_it_sends_an_officer_without_totp_to_the_totp_set_up(client, mfa_required, officer_without_totp, name):
    client.force_login(officer_without_totp)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_it_sends_an_officer_without_totp_away_from_an_organization_page(
    client, mfa_required, officer_without_totp, branch
):
    client.force_login(officer_without_totp)
    response = client.get(reverse("branches:organization_detail", args=[branch.pk]))
    assert response["Location"] == reverse("mfa_activate_totp")


def test_it_lets_an_officer_without_totp_reach_account_pages_and_log_out(client, mfa_required, officer_without_totp):
    client.force_login(officer_without_totp)

    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_change_password")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize("persona", ["secretary", "member_user"])
def test_it_does_not_ask_secretaries_or_members_for_totp(client, mfa_required, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] != reverse("mfa_activate_totp")


def test_it_checks_totp_only_for_users_who_need_it(client, mfa_required, secretary, branch):
    client.force_login(secretary)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("branches:organization_detail", args=[branch.pk]))
    assert not [q for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]


def test_it_does_not_redirect_when_totp_is_not_required(client, settings, officer_without_totp):
    settings.PORTAL_MFA_REQUIRED = False
    client.force_login(officer_without_totp)
    response = client.get(reverse("branches:organization_tree"))
    assert response.status_code == 200


def test_it_lets_an_officer_work_after_enrolling_totp(client, mfa_required, officer_without_totp):
    log_in(client, "new_officer")
    reauthenticate(client)
    secret = totp_secret_from_set_up_page(client)

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=officer_without_totp).exists()

    enrolled = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert enrolled.status_code == 302
    assert Authenticator.objects.filter(user=officer_without_totp, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("branches:organization_tree")).status_code == 200


def test_it_asks_again_for_totp_as_soon_as_an_officer_deactivates_it(client, mfa_required, officer_without_totp):
    log_in(client, "new_officer")
    reauthenticate(client)
    secret = totp_secret_from_set_up_page(client)
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert client.get(reverse("branches:organization_tree")).status_code == 200

    deactivated = client.post(reverse("mfa_deactivate_totp"))

    assert deactivated.status_code == 302
    assert not Authenticator.objects.filter(user=officer_without_totp, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("branches:organization_tree"))["Location"] == reverse("mfa_activate_totp")


def test_it_asks_an_officer_with_totp_for_a_code_at_login(client, mfa_required, officer_without_totp):
    secret = generate_totp_secret()
    TOTP.activate(officer_without_totp, secret)

    response = log_in(client, "new_officer")
    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_user_id(client) is None
    prompt = client.get(reverse("mfa_authenticate"))
    assert "两步验证" in prompt.text
    assert 'autocomplete="one-time-code"' in prompt.text

    client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert logged_in_user_id(client) is None

    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert logged_in_user_id(client) == str(officer_without_totp.pk)
    assert client.get(reverse("branches:organization_tree")).status_code == 200


# --- Adapters --------------------------------------------------------------------------------------


def test_it_stores_totp_secrets_encrypted_with_the_portal_mfa_adapter(client, settings, mfa_required, member_user):
    settings.MFA_ADAPTER = "branches.adapters.MFAAdapter"
    log_in(client, "member")
    reauthenticate(client)
    secret = totp_secret_from_set_up_page(client)

    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    stored = Authenticator.objects.get(user=member_user, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    client.logout()
    log_in(client, "member")
    assert "验证码不正确。" in client.post(reverse("mfa_authenticate"), {"code": "12345"}).text
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert logged_in_user_id(client) == str(member_user.pk)


def test_it_accepts_a_recovery_code_once_with_the_portal_mfa_adapter(client, settings, mfa_required, member_user):
    settings.MFA_ADAPTER = "branches.adapters.MFAAdapter"
    log_in(client, "member")
    reauthenticate(client)
    secret = totp_secret_from_set_up_page(client)
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    codes = client.get(reverse("mfa_view_recovery_codes")).context["unused_codes"]
    assert "还有 10 个可用" in client.get(reverse("mfa_index")).text
    client.logout()

    log_in(client, "member")
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert logged_in_user_id(client) == str(member_user.pk)
    assert "还有 9 个可用" in client.get(reverse("mfa_index")).text
    client.logout()

    log_in(client, "member")
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert logged_in_user_id(client) is None


def test_it_greets_a_member_by_name_not_by_username(client, branch):
    from tests.factories import MemberFactory

    user = UserFactory(username="wang01", first_name="")
    MemberFactory(organization=branch, name="王建国", user=user)

    response = client.post(LOGIN_URL, {"login": "wang01", "password": PASSWORD}, follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "王建国" in page
    assert "wang01" not in page
