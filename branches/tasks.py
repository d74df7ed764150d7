from celery import shared_task

from portal.taskkit import RETRY


@shared_task(**RETRY)
def account_invite_send(*, user_id: int, link: str) -> bool:
    """Adapter: e-mail the first-login link to a new account."""
    from branches.services import account_invite_send as service

    return service(user_id=user_id, link=link)


@shared_task(**RETRY)
def login_guessing_warn(*, user_id: int, period: int) -> bool:
    """Adapter: warn the account's owner of repeated failed logins (once per window)."""
    from branches.services import login_guessing_warn as service

    return service(user_id=user_id, period=period)


@shared_task(**{**RETRY, "autoretry_for": (*RETRY["autoretry_for"], OSError)})  # a refused SMTP connection
def account_email_send(*, subject: str, body: str, to: list[str], html_body: str = "", from_email: str = "") -> int:
    """Adapter: send an account e-mail (password reset, …) that the web process rendered."""
    from branches.services import account_email_send as service

    return service(subject=subject, body=body, to=to, html_body=html_body, from_email=from_email)
