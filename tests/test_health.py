"""/healthz/: 200 with JSON when the database (and Redis, when configured) answer; 503 otherwise."""

import json
import os

import pytest
from django.urls import reverse

from tests.test_settings import run_python

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_it_answers_200_with_json_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_redis_is_configured_but_unreachable(client, settings):
    settings.REDIS_URL = UNREACHABLE_REDIS
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error: ")


def test_it_answers_200_when_the_configured_redis_answers(client, settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set in the environment (CI sets it): no real Redis to check against")
    settings.REDIS_URL = url
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_it_answers_over_plain_http_when_https_is_enforced(client, settings):
    """The container health check calls /healthz/ directly, not through the TLS proxy."""
    settings.REDIS_URL = ""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    home = client.get(reverse("home"))
    assert home.status_code == 301
    assert home["Location"].startswith("https://")


def test_it_answers_503_when_the_database_does_not_answer():
    """A real unreachable PostgreSQL (nothing listens on port 1), in a process of its own."""
    code = (
        "import json, django; django.setup()\n"
        "from django.test import Client\n"
        "response = Client().get('/healthz/')\n"
        "print(json.dumps({'status': response.status_code, 'body': response.json()}))\n"
    )
    result = run_python(
        code,
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable",
        REDIS_URL="",
        ALLOWED_HOSTS="testserver",
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == 503
    assert answer["body"]["status"] == "error"
    assert answer["body"]["checks"]["database"].startswith("error: ")
