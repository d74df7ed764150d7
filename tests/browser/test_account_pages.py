"""Every login, password and two-factor page fits a phone and a desktop, with nothing the CSP blocks.

Screenshots go to test-artifacts/screenshots/account-<page>-<width>.png.
"""

import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from playwright.sync_api import expect

from branches import services
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def first_login_path(user) -> str:
    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


def check_page(web, name: str, heading: str) -> None:
    expect(web.page.locator("main").get_by_role("heading", name=heading).first).to_be_visible()
    width = web.page.viewport_size["width"]
    web.screenshot(f"account-{name}-{width}")
    assert web.horizontal_overflow() <= 1, f"{name} is wider than {width} px"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_it_lays_out_the_entrance_pages_within_the_screen(web, viewport):
    newcomer = services.account_create(username="newcomer", full_name="周同志")
    web.resize(viewport)

    for name, path, heading in [
        ("login", reverse("account_login"), "登录"),
        ("signup-closed", reverse("account_signup"), "不开放注册"),
        ("password-reset", reverse("account_reset_password"), "找回密码"),
        ("password-reset-done", reverse("account_reset_password_done"), "邮件已发送"),
    ]:
        web.open(path)
        check_page(web, name, heading)

    web.open(first_login_path(newcomer))
    check_page(web, "first-login", "设置登录密码")
    web.page.get_by_label("新密码", exact=True).fill("Hongqi-2024-study")
    web.page.get_by_label("新密码（重复）").fill("Hongqi-2024-study")
    with web.page.expect_navigation():
        web.page.locator("main").get_by_role("button", name="设置密码").click()
    check_page(web, "first-login-done", "密码已设置")
    assert web.console_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_it_lays_out_the_account_settings_within_the_screen(web, settings, viewport, member_user):
    settings.MFA_TOTP_TOLERANCE = 1
    web.resize(viewport)
    web.log_in("member")

    web.open(reverse("account_change_password"))
    check_page(web, "password-change", "修改密码")
    web.open(reverse("mfa_index"))
    check_page(web, "mfa-index", "账号设置")
    web.open(reverse("mfa_activate_totp"))
    check_page(web, "reauthenticate", "确认身份")
    web.page.get_by_label("密码").fill("pass-1234-word")
    with web.page.expect_navigation():
        web.page.locator("main").get_by_role("button", name="确认").click()
    check_page(web, "totp-activate", "开启两步验证")
    secret = web.page.locator("#authenticator_secret").input_value()
    web.page.get_by_label("验证码").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    with web.page.expect_navigation():
        web.page.locator("main").get_by_role("button", name="开启").click()
    check_page(web, "recovery-codes", "恢复码")
    web.open(reverse("mfa_index"))
    expect(web.page.locator("main")).to_contain_text("已开启")
    check_page(web, "mfa-index-active", "账号设置")
    web.open(reverse("mfa_deactivate_totp"))
    check_page(web, "totp-deactivate", "关闭两步验证")
    web.open(reverse("account_logout"))
    check_page(web, "logout", "退出登录")
    assert web.console_errors == []
