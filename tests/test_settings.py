"""Settings come from the environment, loudly: what is named is used, nothing falls back in silence."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import environ
import pytest
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


# Production defaults for speed (docs/performance.md "Throughput") -----------------------------------------------

POSTGRES_URL = "postgres://portal:secret@db.example.org:5432/portal"
DATABASE_SETTINGS_CODE = (
    "import json, sys\n"
    "sys.argv = {argv!r}\n"
    "import django; django.setup()\n"
    "from django.conf import settings\n"
    "from portal.celery import app\n"
    "database = settings.DATABASES['default']\n"
    "print(json.dumps({{'options': database.get('OPTIONS', {{}}), 'conn_max_age': database.get('CONN_MAX_AGE'),"
    " 'health_checks': database.get('CONN_HEALTH_CHECKS'), 'db_reuse_max': app.conf.get('CELERY_DB_REUSE_MAX'),"
    " 'middleware': settings.MIDDLEWARE, 'workers': settings.WEB_CONCURRENCY, 'threads': settings.WEB_THREADS,"
    " 'cpus': settings.CPU_COUNT}}))\n"
)
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.base",
    "DEBUG": "false",
    "SECRET_KEY": "settings-test-" + "x" * 50,
    "RECORDS_SIGNING_KEY": "settings-test-records-" + "y" * 40,
    "DATABASE_URL": POSTGRES_URL,
}
GUNICORN_ARGV = ["/usr/local/bin/gunicorn", "portal.wsgi"]
CELERY_WORKER_ARGV = ["/usr/local/bin/celery", "-A", "portal", "worker", "--concurrency", "2"]


def _database_settings(argv: list[str], **variables: str) -> dict:
    result = run_python(DATABASE_SETTINGS_CODE.format(argv=argv), **(PRODUCTION | variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_web_process_uses_a_psycopg_pool_sized_by_its_threads_by_default():
    values = _database_settings(GUNICORN_ARGV)
    assert values["options"]["pool"] == {"min_size": 2, "max_size": 4, "timeout": 10}
    assert values["threads"] == 4
    assert values["workers"] == 2 * values["cpus"]
    assert values["conn_max_age"] == 0  # the pool and persistent connections exclude each other
    assert values["health_checks"] is True

    sized = _database_settings(GUNICORN_ARGV, WEB_THREADS="8", WEB_CONCURRENCY="3")
    assert sized["options"]["pool"]["max_size"] == 8
    assert sized["workers"] == 3


def test_the_pool_can_be_turned_off():
    values = _database_settings(GUNICORN_ARGV, DATABASE_POOL="false")
    assert "pool" not in values["options"]
    assert values["conn_max_age"] == 0


def test_the_portals_connections_run_without_jit():
    assert _database_settings(GUNICORN_ARGV)["options"]["options"] == "-c jit=off"
    assert _database_settings(GUNICORN_ARGV, DATABASE_PG_OPTIONS="")["options"].get("options", "") == ""


def test_a_celery_worker_keeps_a_persistent_connection_instead_of_a_pool():
    values = _database_settings(CELERY_WORKER_ARGV)
    assert "pool" not in values["options"]
    assert values["options"]["options"] == "-c jit=off"
    assert values["conn_max_age"] == 600
    # Celery's Django fixup closes the connection after every task unless it may reuse it.
    assert values["db_reuse_max"] == 1000


def test_a_celery_worker_started_as_a_module_is_a_worker_too():
    argv = ["/usr/lib/python3/site-packages/celery/__main__.py", "-A", "portal", "worker"]
    assert "pool" not in _database_settings(argv)["options"]


def test_celery_beat_is_not_taken_for_a_worker():
    values = _database_settings(["/usr/local/bin/celery", "-A", "portal", "beat"])
    assert "pool" in values["options"]


def test_the_celery_worker_drops_a_broken_connection_before_each_task(monkeypatch):
    from celery import signals

    import portal.celery

    closed = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: closed.append(True))
    receivers = [receiver() for _key, receiver in signals.task_prerun.receivers]
    assert portal.celery.close_old_connections in receivers
    portal.celery.close_old_connections(task=None)
    assert closed == [True]
    eager = type("EagerTask", (), {"request": type("Request", (), {"is_eager": True})()})()
    portal.celery.close_old_connections(task=eager)
    assert closed == [True]  # eager tasks run inside the caller's request or transaction: left alone


def test_responses_are_compressed_below_whitenoise_with_djangos_breach_padding():
    middleware = settings.MIDDLEWARE
    assert "django.middleware.gzip.GZipMiddleware" in middleware
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < middleware.index(
        "django.middleware.gzip.GZipMiddleware"
    )
    assert _database_settings(GUNICORN_ARGV)["middleware"] == middleware


@pytest.mark.django_db
def test_a_page_is_sent_gzipped_and_padded_differently_each_time(client):
    import gzip

    from django.middleware.gzip import GZipMiddleware
    from django.urls import reverse

    first = client.get(reverse("account_login"), headers={"accept-encoding": "gzip"})
    second = client.get(reverse("account_login"), headers={"accept-encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    assert "<form" in gzip.decompress(first.content).decode()
    assert first.content != second.content
    # "Heal the Breach": Django pads the gzip header with up to this many random bytes (not switched off).
    assert GZipMiddleware.max_random_bytes >= 100


def test_gunicorn_starts_with_workers_and_threads_per_core():
    script = (ROOT / "scripts" / "docker-web").read_text()
    assert '--workers "${WEB_CONCURRENCY:-$((2 * $(nproc)))}"' in script
    assert '--threads "${WEB_THREADS:-4}"' in script


@pytest.mark.django_db
def test_a_postgresql_connection_runs_without_jit():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: set DATABASE_URL to a PostgreSQL database")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
