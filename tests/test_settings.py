"""Settings come from the environment, loudly: what is named is used, nothing falls back in silence."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import environ
from django.conf import settings

from portal.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)


def clean_environment(**variables: str) -> dict[str, str]:
    """A process environment with nothing of this test run's settings in it, plus `variables`."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return kept | variables


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter in the project folder with only these environment variables."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings_in_subprocess(**variables: str) -> subprocess.CompletedProcess:
    """Import the production settings in a fresh interpreter with these environment variables."""
    code = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from portal.celery import app\n"
        "print(json.dumps({'broker': settings.CELERY_BROKER_URL, 'celery_broker': app.conf.broker_url,"
        " 'eager': app.conf.task_always_eager, 'cache': settings.CACHES['default']['BACKEND']}))\n"
    )
    defaults = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": "settings-test-" + "x" * 50,
        "RECORDS_SIGNING_KEY": "settings-test-records-" + "y" * 40,
        "DATABASE_URL": "sqlite:///:memory:",
    }
    return run_python(code, **(defaults | variables))


def test_it_sends_tasks_to_redis_when_redis_url_is_set():
    result = _settings_in_subprocess(REDIS_URL="redis://cache.example.org:6379/3")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["broker"] == "redis://cache.example.org:6379/3"
    assert values["celery_broker"] == "redis://cache.example.org:6379/3"
    assert values["eager"] is False
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_it_runs_tasks_in_process_without_redis_url():
    result = _settings_in_subprocess(REDIS_URL="")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["celery_broker"] == "memory://"
    assert values["eager"] is True
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _settings_in_subprocess(SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_refuses_to_start_without_a_records_signing_key_when_debug_is_off():
    result = _settings_in_subprocess(RECORDS_SIGNING_KEY="")
    assert result.returncode != 0
    assert "RECORDS_SIGNING_KEY must be set when DEBUG is off" in result.stderr


def test_it_refuses_a_short_records_signing_key():
    result = _settings_in_subprocess(RECORDS_SIGNING_KEY="too-short")
    assert result.returncode != 0
    assert "RECORDS_SIGNING_KEY must be at least 32 characters long" in result.stderr


def test_it_refuses_a_first_year_cut_off_that_is_not_a_day_of_the_year():
    for value in ("13-01", "02-29", "1001", "october"):
        result = _settings_in_subprocess(COMPLIANCE_FIRST_YEAR_CUTOFF=value)
        assert result.returncode != 0, value
        assert "COMPLIANCE_FIRST_YEAR_CUTOFF must be a day of the year as MM-DD" in result.stderr


def test_it_derives_a_records_signing_key_for_development_when_debug_is_on():
    code = "import django; django.setup()\nfrom django.conf import settings\nprint(len(settings.RECORDS_SIGNING_KEY))\n"
    result = run_python(
        code,
        DJANGO_SETTINGS_MODULE="portal.settings.base",
        DEBUG="true",
        SECRET_KEY="settings-test-" + "x" * 50,
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "64"


def test_it_uses_the_services_this_test_run_was_given():
    """When the run names PostgreSQL or Redis (as CI does), the settings use them, never the defaults."""
    database = settings.DATABASES["default"]
    if os.environ.get("DATABASE_URL"):
        named = environ.Env.db_url_config(os.environ["DATABASE_URL"])
        assert database["ENGINE"] == named["ENGINE"]
        assert (database["HOST"], database["PORT"]) == (named["HOST"], named["PORT"])
    else:
        assert database["ENGINE"] == "django.db.backends.sqlite3"

    # Whether tasks run eagerly here is the test settings' choice; the production rule is checked above.
    if os.environ.get("REDIS_URL"):
        assert os.environ["REDIS_URL"] == settings.REDIS_URL
        assert celery_app.conf.broker_url == os.environ["REDIS_URL"]
        assert settings.CACHES["default"]["LOCATION"] == os.environ["REDIS_URL"]
    else:
        assert celery_app.conf.broker_url == "memory://"


def _variables_read_by_settings() -> set[str]:
    source = (ROOT / "portal" / "settings" / "base.py").read_text(encoding="utf-8")
    return set(re.findall(r"env\.[a-z]+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def test_it_documents_every_environment_variable_in_env_example_and_readme():
    variables = _variables_read_by_settings()
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEY",
        "RECORDS_SIGNING_KEY",
        "EMAIL_BACKEND",
    } <= variables
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing_in_example = sorted(name for name in variables if not re.search(rf"^#? ?{name}=", example, re.M))
    missing_in_readme = sorted(name for name in variables if f"`{name}`" not in readme)
    assert missing_in_example == [], "add these to .env.example"
    assert missing_in_readme == [], "add these to the configuration table in README.md"
