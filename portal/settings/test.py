"""Test settings: only overrides of base."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("RECORDS_SIGNING_KEY", "test-only-records-signing-key-0123456789abcdefghijklmnop")
# Tests against PostgreSQL open plain connections (the pool is the production default: tests/test_settings.py).
os.environ.setdefault("DATABASE_POOL", "false")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/lxyz-test-media")  # noqa: S108
# Serve static files from the app folders, no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tasks run in-process in tests; the tests that need a real worker start one against REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
