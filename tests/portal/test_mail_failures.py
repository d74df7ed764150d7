"""Server errors reach ADMIN_EMAILS; account mails go through the worker, so a down SMTP server is no 500."""

import json
import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from branches import services
from branches.tasks import account_email_send
from tests.test_settings import run_python

pytestmark = pytest.mark.django_db


class DownSmtpBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPConnectError(421, "service not available")


@pytest.fixture
def smtp_down(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.DownSmtpBackend"}}


def test_it_answers_a_password_reset_normally_when_smtp_is_down(
    client, secretary, smtp_down, django_capture_on_commit_callbacks
):
    secretary.email = "wang.shuji@example.org"
    secretary.save(update_fields=["email"])

    with django_capture_on_commit_callbacks() as callbacks:  # the request ends; the worker has not run yet
        response = client.post(reverse("account_reset_password"), {"email": "wang.shuji@example.org"}, follow=True)

    assert response.status_code == 200 and "邮件已发送" in response.text
    assert len(callbacks) == 1  # one mail handed to the worker after commit
    with pytest.raises(smtplib.SMTPConnectError):  # the worker's send fails and is retried (autoretry_for)
        account_email_send.apply(
            kwargs={"subject": "s", "body": "b", "to": ["wang.shuji@example.org"]}, throw=True, retries=5
        )
    assert any(issubclass(smtplib.SMTPConnectError, kind) for kind in account_email_send.autoretry_for)


def test_it_creates_an_account_normally_when_smtp_is_down(smtp_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        user = services.account_create(username="new_member", full_name="新党员", email="new@example.org")

    assert user.pk is not None
    assert len(callbacks) == 1  # the invite goes to the worker


_LOGGING_PROBE = """
import json, logging, django
django.setup()
from django.core import mail
from django.test.utils import setup_test_environment
setup_test_environment()
handlers = [type(h).__name__ for h in logging.getLogger("django").handlers]
logging.getLogger("django.request").error("Internal Server Error: /boom/", extra={"status_code": 500})
print(json.dumps({"handlers": handlers, "mails": [[m.subject, m.to] for m in mail.outbox]}))
"""


def _probe(**variables):
    defaults = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": "settings-test-" + "x" * 50,
        "RECORDS_SIGNING_KEY": "settings-test-records-" + "y" * 40,
        "DATABASE_URL": "sqlite:///:memory:",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    result = run_python(_LOGGING_PROBE, **(defaults | variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_mails_server_errors_to_admin_emails():
    probe = _probe(ADMIN_EMAILS="ops@example.org,oncall@example.org")

    assert "AdminEmailHandler" in probe["handlers"]
    [[subject, to]] = probe["mails"]
    assert "Internal Server Error: /boom/" in subject
    assert to == ["ops@example.org", "oncall@example.org"]


def test_it_mails_nobody_without_admin_emails():
    probe = _probe()

    assert "AdminEmailHandler" not in probe["handlers"]
    assert probe["mails"] == []
