"""Two-factor authentication in a real browser: the QR code shows under the CSP and codes work."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse
from playwright.sync_api import expect

from branches.models import RoleKind
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.browser


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def officer(settings, district):
    settings.PORTAL_MFA_REQUIRED = True
    settings.MFA_TOTP_TOLERANCE = 1  # a code typed at a period's end still counts
    user = UserFactory(username="new_officer", first_name="钱干事")
    give_role(user, district, RoleKind.OFFICER)
    return user


def test_it_walks_an_officer_through_totp_set_up(web, officer, branch):
    web.log_in("new_officer")

    # The portal sends the officer to the TOTP set-up; allauth first asks for the password again.
    expect(web.page.locator("main h1")).to_have_text("确认身份")
    web.page.get_by_label("密码").fill("pass-1234-word")
    with web.page.expect_navigation():
        web.page.locator("main").get_by_role("button", name="确认").click()

    qr = web.page.locator("img.totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0"), "the QR code did not load"
    web.screenshot("totp-activate-1280")
    secret = web.page.locator("#authenticator_secret").input_value()
    web.page.get_by_label("验证码").fill(totp_code(secret))
    with web.page.expect_navigation():
        web.page.locator("main").get_by_role("button", name="开启").click()

    expect(web.page.locator("ol.recovery-codes li")).to_have_count(10)
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()
    web.open(reverse("branches:organization_tree"))
    assert web.page.url.endswith(reverse("branches:organization_tree"))
    expect(web.page.locator("main")).to_contain_text("东城区委")
    assert web.console_errors == []


def test_it_asks_an_officer_for_the_code_at_login(web, officer, branch):
    secret = generate_totp_secret()
    TOTP.activate(officer, secret)

    web.log_in("new_officer")
    expect(web.page.locator("main h1")).to_have_text("两步验证")
    web.screenshot("totp-login-1280")
    web.page.get_by_label("验证码").fill(totp_code(secret))
    with web.page.expect_navigation():
        web.page.locator("main").get_by_role("button", name="验证并登录").click()

    assert web.page.url.endswith(reverse("branches:organization_tree"))
    assert web.console_errors == []
