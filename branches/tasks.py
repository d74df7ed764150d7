from celery import shared_task

from portal.taskkit import RETRY


@shared_task(**RETRY)
def account_invite_send(*, user_id: int, link: str) -> bool:
    """Adapter: e-mail the first-login link to a new account."""
    from branches.services import account_invite_send as service

    return service(user_id=user_id, link=link)
