"""Login limits per account, whatever identifier (username, e-mail or phone) is typed.

allauth counts failed logins per typed identifier, so one account took 5 guesses per identifier, and anyone
could lock anyone out. Here failures are counted per *account* (an identifier that matches no account is
counted under its own normalised text, so the answers do not reveal which accounts exist):

* **per account and address** (hard): ``LOGIN_FAILURES_PER_ADDRESS`` failures in ``LOGIN_FAILURE_WINDOW``
  seconds, then that address is refused for that account, right password included, until failures age out.
  The real user at another address is not affected.
* **per account, every address** (soft, CAPTCHA-free backoff): once the account has as many failures in the
  window from all addresses together, each further failure makes the next attempt from any *untrusted* client
  wait 30 s, 60 s, 120 s … up to the window, so a botnet gets a few guesses more per window, not thousands.
  A browser that has logged into the account before carries a signed trust cookie and is never delayed by
  others' failures.
* when the account reaches the threshold, its owner is e-mailed (a Celery task, at most once per window).

The counters live in the cache (Redis in production, shared by every web process).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from allauth.account.utils import filter_users_by_email, filter_users_by_username
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from branches.models import User

TRUST_COOKIE = "portal_login_trust"
TRUST_COOKIE_SALT = "branches.logins.trust"
TRUST_COOKIE_MAX_AGE = 180 * 24 * 3600
_BACKOFF_START = 30


def clock() -> float:
    """The time counters use (seconds); tests move it forward."""
    return time.time()


@dataclass(frozen=True)
class LoginSubject:
    """Whom a login attempt is about: an account id, or the normalised identifier when no account matches."""

    key: str
    user_id: int | None


def login_subject(credentials: dict) -> LoginSubject:
    """Resolve the typed identifier to the account it names (one query)."""
    from branches.adapters import AccountAdapter

    user: User | None = None
    if credentials.get("phone"):
        ident = "phone:" + str(credentials["phone"])
        user = AccountAdapter().get_user_by_phone(str(credentials["phone"]))
    elif credentials.get("email"):
        ident = "email:" + str(credentials["email"]).lower()
        users = filter_users_by_email(str(credentials["email"]), prefer_verified=True)
        user = users[0] if users else None
    else:
        ident = "username:" + str(credentials.get("username", "")).lower()
        user = filter_users_by_username(str(credentials.get("username", ""))).order_by("pk").first()
    if user is not None:
        return LoginSubject(key=f"user:{user.pk}", user_id=user.pk)
    return LoginSubject(key=ident, user_id=None)


def _recent(cache_key: str, now: float) -> list[float]:
    window = settings.LOGIN_FAILURE_WINDOW
    return [t for t in cache.get(cache_key, []) if t > now - window]


def _address_key(subject: LoginSubject, ip: str) -> str:
    return f"login-failures:{subject.key}:{ip}"


def _account_key(subject: LoginSubject) -> str:
    return f"login-failures:{subject.key}"


def _backoff_key(subject: LoginSubject) -> str:
    return f"login-backoff:{subject.key}"


def is_trusted(request: HttpRequest, subject: LoginSubject) -> bool:
    """The browser logged into this account before (a signed cookie set at a successful login)."""
    if subject.user_id is None:
        return False
    value = request.get_signed_cookie(TRUST_COOKIE, default=None, salt=TRUST_COOKIE_SALT, max_age=TRUST_COOKIE_MAX_AGE)
    return value == str(subject.user_id)


def login_refusal(request: HttpRequest, subject: LoginSubject, ip: str) -> str | None:
    """Why this attempt is refused before the password is checked ('address' or 'backoff'), or None."""
    now = clock()
    if len(_recent(_address_key(subject, ip), now)) >= settings.LOGIN_FAILURES_PER_ADDRESS:
        return "address"
    if is_trusted(request, subject):
        return None
    backoff = cache.get(_backoff_key(subject))
    if backoff and now < backoff["until"]:
        return "backoff"
    return None


def login_failure_record(request: HttpRequest, subject: LoginSubject, ip: str) -> None:
    """Count one failed password for the account (from this address and in total); warn the owner once."""
    now = clock()
    window = settings.LOGIN_FAILURE_WINDOW
    threshold = settings.LOGIN_FAILURES_PER_ADDRESS
    address = _recent(_address_key(subject, ip), now) + [now]
    cache.set(_address_key(subject, ip), address, timeout=window)
    account = _recent(_account_key(subject), now) + [now]
    cache.set(_account_key(subject), account, timeout=window)
    if len(account) > threshold and not is_trusted(request, subject):
        previous = cache.get(_backoff_key(subject)) or {"delay": 0}
        delay = min(max(previous["delay"] * 2, _BACKOFF_START), window)
        cache.set(_backoff_key(subject), {"delay": delay, "until": now + delay}, timeout=window)
    if len(account) >= threshold and subject.user_id is not None:
        period = int(now // window)
        if cache.add(f"login-warning-queued:{subject.user_id}:{period}", 1, timeout=window):
            from branches.tasks import login_guessing_warn

            login_guessing_warn.delay_on_commit(user_id=subject.user_id, period=period)


def trust_cookie_set(response: HttpResponse, user: User) -> None:
    """Mark this browser as one the user logs in from (it then skips the account-wide backoff)."""
    response.set_signed_cookie(
        TRUST_COOKIE,
        str(user.pk),
        salt=TRUST_COOKIE_SALT,
        max_age=TRUST_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
