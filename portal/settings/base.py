"""Settings for every deployment, read from the environment.

Defaults give a working development setup on a fresh machine: a SQLite file
database and Celery tasks run in-process. Production is the same file with
environment variables set (see `.env.example`); nothing forks on DEBUG.
"""

import base64
import datetime
import hashlib
import os
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "import_export",
    "portal",
    "branches",
    "notifications",
    "study",
    "activities",
    "reviews",
    "demo",
    "django.forms",  # the widget templates, for the project's form renderer (FORM_RENDERER)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.RejectControlCharactersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses HTML and JSON responses. Django's GZipMiddleware pads each response with random bytes ("Heal
    # the Breach", BREACH mitigation); CSRF tokens are masked per response. Below whitenoise, which answers
    # static files itself, already compressed.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.RequireMfaMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

FORM_RENDERER = "portal.forms.PortalFormRenderer"

# gunicorn (scripts/docker-web): WEB_CONCURRENCY worker processes of WEB_THREADS threads each. Defaults per core
# count, measured with bench/bench_load.py (docs/performance.md "Throughput"): 2 workers per core, 4 threads each.
CPU_COUNT = os.cpu_count() or 1
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=2 * CPU_COUNT)
WEB_THREADS = env.int("WEB_THREADS", default=4)
if WEB_CONCURRENCY < 1 or WEB_THREADS < 1:
    raise ImproperlyConfigured("WEB_CONCURRENCY and WEB_THREADS must be at least 1.")
# A Celery worker process (``celery -A portal worker``) keeps one persistent connection instead of a pool: Celery
# closes a prefork child's pool after every task, so a pool there would reconnect per task.
# (`celery … worker`, or `python -m celery … worker`, whose argv[0] is celery/__main__.py).
IS_CELERY_WORKER = "celery" in (Path(sys.argv[0]).name, Path(sys.argv[0]).parent.name) and "worker" in sys.argv[1:]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    # JIT compilation costs more than it saves on the portal's short queries (docs/performance.md "Throughput").
    _db_options["options"] = " ".join(
        filter(None, [_db_options.get("options", ""), env.str("DATABASE_PG_OPTIONS", default="-c jit=off")])
    )
    # The psycopg pool, one per process: a thread holds at most one connection, so WEB_THREADS connections per
    # gunicorn worker cover every request (WEB_CONCURRENCY × WEB_THREADS in all; keep it below PostgreSQL's
    # max_connections, 100 by default). Off in Celery workers, which keep a persistent connection instead.
    if env.bool("DATABASE_POOL", default=not IS_CELERY_WORKER):
        _db_options["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=min(2, WEB_THREADS)),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=WEB_THREADS),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600 if IS_CELERY_WORKER else 0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "branches.User"
AUTHENTICATION_BACKENDS = ["branches.backends.AuthenticationBackend"]
# Sessions are read from the cache (Redis in production) and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: no public sign-up; log in by username, e-mail or phone.
ACCOUNT_ADAPTER = "branches.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "branches.adapters.user_display_name"
ACCOUNT_LOGIN_METHODS = {"username", "email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "phone", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
# Failed logins: allauth limits each address over all accounts; branches/logins.py limits each account, whatever
# identifier is typed (docs/security.md "Login limits").
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=10)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
if not 1 <= LOGIN_FAILURES_PER_ADDRESS <= 10:
    raise ImproperlyConfigured("LOGIN_FAILURES_PER_ADDRESS must be between 1 and 10.")
if LOGIN_FAILURE_WINDOW < 15 * 60:
    raise ImproperlyConfigured("LOGIN_FAILURE_WINDOW must be at least 900 seconds.")
# The audit log (portal/audit.py) is kept at least 180 days (等保 2.0: six months); older entries go nightly.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=180)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 180 (six months).")
# 民主评议党员: the grade scale in use, best first (reviews/evaluations/models.py Grade lists the known codes).
EVALUATION_GRADES = env.list(
    "EVALUATION_GRADES", default=["excellent", "qualified", "basically_qualified", "unqualified"]
)
if not set(EVALUATION_GRADES) <= {"excellent", "qualified", "basically_qualified", "unqualified"} or not {
    "qualified",
    "unqualified",
} <= set(EVALUATION_GRADES):
    raise ImproperlyConfigured(
        "EVALUATION_GRADES must list known grades (excellent, qualified, basically_qualified, unqualified) "
        "and include qualified and unqualified."
    )
# 述职评议考核: the grade scale in use, best first (reviews/duty_reports/models.py DutyGrade lists the known codes).
DUTY_REPORT_GRADES = env.list("DUTY_REPORT_GRADES", default=["good", "fairly_good", "average", "poor"])
if not set(DUTY_REPORT_GRADES) <= {"good", "fairly_good", "average", "poor"} or len(set(DUTY_REPORT_GRADES)) < 2:
    raise ImproperlyConfigured(
        "DUTY_REPORT_GRADES must list at least two known grades (good, fairly_good, average, poor)."
    )
# Compliance (reviews/compliance/rules.py): an organisation founded in a year before this day (MM-DD) owes that
# year's yearly obligations (组织生活会和民主评议, …); one founded on or after it owes them from the next year.
COMPLIANCE_FIRST_YEAR_CUTOFF = env.str("COMPLIANCE_FIRST_YEAR_CUTOFF", default="10-01")
try:
    _cutoff_month, _cutoff_day = (int(part) for part in COMPLIANCE_FIRST_YEAR_CUTOFF.split("-"))
    datetime.date(2023, _cutoff_month, _cutoff_day)  # every year has this day (02-29 is refused)
except ValueError:
    raise ImproperlyConfigured("COMPLIANCE_FIRST_YEAR_CUTOFF must be a day of the year as MM-DD, e.g. 10-01.") from None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = env.str("ACCOUNT_EMAIL_SUBJECT_PREFIX", default="[两学一做] ")
MFA_ADAPTER = "branches.adapters.MFAAdapter"  # TOTP secrets encrypted with FIELD_ENCRYPTION_KEY
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="两学一做学习教育平台")
# Administrators and committee officers must enrol TOTP before they can work.
PORTAL_MFA_REQUIRED = env.bool("PORTAL_MFA_REQUIRED", default=True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage")
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"  # never served publicly; uploads go through access-checked views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
ROSTER_UPLOAD_MAX_BYTES = env.int("ROSTER_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
MATERIAL_UPLOAD_MAX_BYTES = env.int("MATERIAL_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# An admin export of more rows than this runs as a background job (branches/exports) instead of in the request.
ADMIN_EXPORT_JOB_ROWS = env.int("ADMIN_EXPORT_JOB_ROWS", default=5000)
# 党费: a reduction or exemption (减免) of more than this many 元 in a month needs the parent committee's approval
# (activities.dues); "0" makes every reduction wait for it, as the 2008 regulation's letter has it.
DUES_REDUCTION_APPROVAL_ABOVE = env.str("DUES_REDUCTION_APPROVAL_ABOVE", default="50.00")
if ADMIN_EXPORT_JOB_ROWS < 1:
    raise ImproperlyConfigured("ADMIN_EXPORT_JOB_ROWS must be at least 1.")
MEETING_UPLOAD_MAX_BYTES = env.int("MEETING_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Images larger than this many pixels are refused before they are decoded (a small file can unpack to gigabytes).
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=40_000_000)
if UPLOAD_IMAGE_MAX_PIXELS < 1_000_000:
    raise ImproperlyConfigured("UPLOAD_IMAGE_MAX_PIXELS must be at least 1000000 (one megapixel).")

# Key for field-level encryption of ID numbers (Fernet, urlsafe base64 of 32 bytes).
# Defaults to a key derived from SECRET_KEY; set it explicitly in production so that
# rotating SECRET_KEY does not make stored ID numbers unreadable.
FIELD_ENCRYPTION_KEY = env.str(
    "FIELD_ENCRYPTION_KEY",
    default=base64.urlsafe_b64encode(hashlib.sha256(("field-encryption:" + SECRET_KEY).encode()).digest()).decode(),
)

# Key that signs filed meeting records and their chain (HMAC-SHA256; see docs/security.md "Tamper evidence"). It is
# kept outside the database, so that someone who can write to the database cannot forge a signature. Required when
# DEBUG is off; with DEBUG on (development) it defaults to a key derived from SECRET_KEY. Never change it once
# records are signed: every signature would then fail to verify.
RECORDS_SIGNING_KEY = env.str("RECORDS_SIGNING_KEY", default="")
if not RECORDS_SIGNING_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("RECORDS_SIGNING_KEY must be set when DEBUG is off.")
    RECORDS_SIGNING_KEY = hashlib.sha256(("records-signing:" + SECRET_KEY).encode()).hexdigest()
if len(RECORDS_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("RECORDS_SIGNING_KEY must be at least 32 characters long.")

# E-mail (Django 6.1 MAILERS). EMAIL_URL-style settings: SMTP options apply only to the SMTP backend.
_email_backend = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
_email_options = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
        "use_ssl": env.bool("EMAIL_USE_SSL", default=False),
        "timeout": env.int("EMAIL_TIMEOUT", default=10),
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Redis and Celery. Without REDIS_URL, tasks run in-process (eagerly).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker can die mid-task (deploy, OOM, kill -9). The background job task (portal.jobs.tasks.job_run) is
# acknowledged late and rejected (requeued) when its pool process is lost, and Redis hands an unacknowledged
# message to another worker after the visibility timeout: so a message whose worker died before the job was
# claimed is delivered again within minutes, not lost with the job left queued forever. It cannot run twice:
# the job claim (queued -> running, one UPDATE) turns any second delivery, including one that arrives while
# the first is still running past the timeout, into a no-op; a job that was claimed and whose worker died is
# taken back by the reaper (jobs_reap_stale, every minute, after its kind's stale_after). 10 minutes, not
# Redis's default of 1 hour: the other late-acknowledged tasks are idempotent recomputes, so an early
# redelivery of a slow one costs time, never a duplicate write.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 10 * 60}
CELERY_TASK_ANNOTATIONS = {"portal.jobs.tasks.job_run": {"acks_late": True, "reject_on_worker_lost": True}}
# A worker process is replaced after a task that left it above this resident size (KiB): an import of a large
# roster must not leave a bloated process behind for the next job (per-kind soft time limits: portal/jobs).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
# Celery closes the database connection around every task unless told to reuse it: a worker keeps its
# persistent connection (CONN_MAX_AGE above) for this many tasks; portal/celery.py drops a broken or too old one
# before each task, as Django does between requests.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TIMEZONE = TIME_ZONE
# A yearly report request is read in chunks of this many organisations of the subtree, one task each
# (reviews/reports/services.py); the queries per chunk do not depend on its size.
YEARLY_REPORT_CHUNK_SIZE = env.int("YEARLY_REPORT_CHUNK_SIZE", default=100)
# Periodic jobs (celery beat; times are CELERY_TIMEZONE, Asia/Shanghai). They only scan and fan out per-chunk
# tasks; every reminder is sent once (unique key recipient, kind, object, period). Documented in README.md.
CELERY_BEAT_SCHEDULE: dict = {
    "reviews-compliance-recompute": {
        "task": "reviews.tasks.compliance_recompute_nightly",
        "schedule": crontab(minute=0, hour=2),
    },
    "reviews-member-flags-refresh": {
        "task": "reviews.tasks.member_flags_refresh_schedule",
        "schedule": crontab(minute=30, hour=2),
    },
    "reviews-duty-report-reminders": {
        "task": "reviews.tasks.duty_rounds_remind",
        "schedule": crontab(minute=30, hour=8),
    },
    # The problem roll-ups recounted as of the new day: "overdue" moves with the calendar (reviews/oversight).
    "reviews-problem-rollups": {
        "task": "reviews.tasks.problem_rollups_rebuild",
        "schedule": crontab(minute=5, hour=0),
    },
    "reviews-problem-reminders": {
        "task": "reviews.tasks.problem_reminders_send",
        "schedule": crontab(minute=45, hour=8),
    },
    # Mondays: each parent's officers get one digest of their children's overdue problems (reviews/oversight).
    "reviews-problem-overdue-digests": {
        "task": "reviews.tasks.problem_overdue_digests_send",
        "schedule": crontab(minute=50, hour=8, day_of_week="mon"),
    },
    # 换届: terms ending in six months, in 60 days, and just overdue (reviews/oversight/term_reminders.py).
    "reviews-term-reminders": {
        "task": "reviews.tasks.term_reminders_send",
        "schedule": crontab(minute=50, hour=8),
    },
    "study-due-task-reminders": {
        "task": "study.tasks.due_task_reminders_schedule",
        "schedule": crontab(minute=0, hour=8),
    },
    "study-overdue-task-digests": {
        "task": "study.tasks.overdue_task_digests_schedule",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    "study-monthly-plan-reminders": {
        "task": "study.tasks.monthly_plan_reminders_schedule",
        "schedule": crontab(minute=0, hour=9, day_of_month="25"),
    },
    "study-annual-plan-reminders": {
        "task": "study.tasks.annual_plan_reminders_schedule",
        "schedule": crontab(minute=0, hour=9, day_of_month="20-31", month_of_year="1"),
    },
    "study-annual-plan-reminders-after-deadline": {
        "task": "study.tasks.annual_plan_reminders_schedule",
        "schedule": crontab(minute=0, hour=9, day_of_month="1", month_of_year="2"),
    },
    # Last year's 年度检查报告 of every committee, after the night's recompute (reviews/reports/services.py).
    "reviews-yearly-reports": {
        "task": "reviews.tasks.yearly_reports_january",
        "schedule": crontab(minute=30, hour=3, day_of_month="2", month_of_year="1"),
    },
    # This month's suggested 软弱涣散党支部, after the night's recompute (reviews/weak_branches/services.py).
    "reviews-weak-suggestions": {
        "task": "reviews.tasks.weak_suggestions_schedule",
        "schedule": crontab(minute=0, hour=4, day_of_month="1"),
    },
    # Background jobs whose worker died (no heartbeat) are re-queued or failed (portal/jobs/services.py).
    "portal-jobs-reap-stale": {
        "task": "portal.jobs.tasks.jobs_reap_stale",
        "schedule": crontab(minute="*"),
    },
    # The audit log keeps AUDIT_RETENTION_DAYS; older events are deleted (portal/audit/services.py).
    "portal-audit-prune": {
        "task": "portal.audit.tasks.audit_prune",
        "schedule": crontab(minute=15, hour=3),
    },
    "activities-meeting-unfiled-reminders": {
        "task": "activities.tasks.meeting_unfiled_reminders_schedule",
        "schedule": crontab(minute=30, hour=8),
    },
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Security. Values are safe by default; production behind TLS sets nothing else.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# Server errors (500s and failed tasks) are e-mailed to ADMIN_EMAILS when it is set (Django's AdminEmailHandler).
ADMINS = env.list("ADMIN_EMAILS", default=[])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console", *(["mail_admins"] if ADMINS else [])], "propagate": False},
        "celery.app.trace": {"handlers": ["console", *(["mail_admins"] if ADMINS else [])], "propagate": False},
    },
}
