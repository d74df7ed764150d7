"""Login limits per account, whatever identifier is typed (branches/logins.py, docs/security.md)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse

from branches import logins

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory
LOGIN_URL = reverse("account_login")
TOO_MANY = "登录失败次数过多，请稍后再试。"
WRONG = "用户名/手机号/邮箱或密码不正确。"
ATTACKER = "203.0.113.7"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def loose_address_limit(settings):
    """allauth's own limit (10 failures a minute from one address, over all accounts) would hide the per-account
    limit in a burst; raise it so these tests see the account's own counting."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1000/m/ip"}


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(logins, "clock", lambda: now[0])
    return now


@pytest.fixture
def target(secretary):
    secretary.email = "wang.shuji@example.org"
    secretary.phone = "13800138000"
    secretary.save(update_fields=["email", "phone"])
    return secretary


def log_in(client, login, password=PASSWORD, ip="198.51.100.20"):
    return client.post(LOGIN_URL, {"login": login, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


IDENTIFIERS = ["secretary", "wang.shuji@example.org", "+86 138 0013 8000"]


def test_it_refuses_guesses_after_ten_whatever_identifier_is_used(client, loose_address_limit, clock, target):
    answers = [log_in(client, IDENTIFIERS[i % 3], "wrong-password", ip=ATTACKER).text for i in range(15)]

    assert all(WRONG in text for text in answers[:10])
    assert all(TOO_MANY in text for text in answers[10:])
    assert TOO_MANY in log_in(client, "secretary", ip=ATTACKER).text  # the right password too, from there
    assert not logged_in(client)


def test_it_still_lets_the_real_user_log_in_from_another_address(client, loose_address_limit, clock, target):
    for i in range(15):
        log_in(client, IDENTIFIERS[i % 3], "wrong-password", ip=ATTACKER)

    response = log_in(client, "wang.shuji@example.org", ip="198.51.100.20")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(target.pk)


def test_it_lets_the_attackers_address_try_again_after_the_window(client, loose_address_limit, clock, target):
    for _attempt in range(10):
        log_in(client, "secretary", "wrong-password", ip=ATTACKER)
    clock[0] += 15 * 60 + 1

    response = log_in(client, "secretary", ip=ATTACKER)

    assert response.status_code == 302


def test_it_slows_guesses_from_many_addresses_with_a_growing_delay(client, loose_address_limit, clock, target):
    for i in range(11):  # ten addresses reach the threshold; the eleventh failure starts the backoff
        assert WRONG in log_in(client, "secretary", "wrong-password", ip=f"192.0.2.{i + 1}").text

    assert TOO_MANY in log_in(client, "secretary", "wrong-password", ip="192.0.2.100").text
    clock[0] += 31
    assert WRONG in log_in(client, "secretary", "wrong-password", ip="192.0.2.101").text
    clock[0] += 31  # the delay doubled to 60 s
    assert TOO_MANY in log_in(client, "secretary", "wrong-password", ip="192.0.2.102").text
    clock[0] += 30
    assert WRONG in log_in(client, "secretary", "wrong-password", ip="192.0.2.103").text


def test_it_lets_a_browser_that_logged_in_before_skip_the_backoff(client, loose_address_limit, clock, target):
    assert log_in(client, "secretary", ip="198.51.100.20").status_code == 302
    trusted_cookie = client.cookies[logins.TRUST_COOKIE].value
    client.logout()
    for i in range(12):
        log_in(client, "secretary", "wrong-password", ip=f"192.0.2.{i + 1}")
    client.cookies.pop(logins.TRUST_COOKIE, None)
    assert TOO_MANY in log_in(client, "secretary", ip="198.51.100.99").text  # an unknown browser waits

    client.cookies[logins.TRUST_COOKIE] = trusted_cookie
    response = log_in(client, "secretary", ip="198.51.100.99")

    assert response.status_code == 302


def test_it_counts_an_unknown_identifier_like_an_account(client, loose_address_limit, clock, db):
    answers = [log_in(client, "nobody-here", "wrong-password", ip=ATTACKER).text for _ in range(11)]

    assert WRONG in answers[9]
    assert TOO_MANY in answers[10]  # the same answer as for a real account: nothing tells them apart


def test_it_warns_the_owner_by_email_once(
    client, loose_address_limit, clock, target, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(25):
            log_in(client, IDENTIFIERS[i % 3], "wrong-password", ip=f"192.0.2.{i % 4}")
            clock[0] += 31 if i >= 10 else 0

    assert [m.to for m in mailoutbox] == [["wang.shuji@example.org"]]
    assert "有人多次使用错误的密码尝试登录" in mailoutbox[0].body
    assert "secretary" in mailoutbox[0].body


def test_it_sends_the_warning_once_even_when_the_task_runs_twice(target, mailoutbox):
    from branches.tasks import login_guessing_warn

    first = login_guessing_warn.apply(kwargs={"user_id": target.pk, "period": 7}).get()
    second = login_guessing_warn.apply(kwargs={"user_id": target.pk, "period": 7}).get()

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1
