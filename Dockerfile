# Image of the portal for docker-compose.yml: web (gunicorn), Celery worker and beat.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=portal.settings.base

# The same system packages as the set-up script (RUNTIME_PACKAGES in scripts/bootstrap.sh):
# CJK font, harfbuzz-subset and pango for WeasyPrint, gettext for the translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The pinned dependencies of pyproject.toml, in a layer of their own (rebuilt only when it changes).
# The code runs from /app (PYTHONPATH), where templates/, static/ and locale/ sit beside it.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files (hashed and compressed for whitenoise) and translation catalogues are built into the
# image. The key and database below exist only for this build step.
RUN SECRET_KEY=build-only-not-a-secret RECORDS_SIGNING_KEY=build-only-not-a-secret-0123456789abcdef DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py collectstatic --noinput -v 0 \
    && SECRET_KEY=build-only-not-a-secret RECORDS_SIGNING_KEY=build-only-not-a-secret-0123456789abcdef DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py compilemessages -v 0 \
    && rm -f /tmp/build.sqlite3 \
    && useradd --system --create-home --uid 10001 portal \
    && mkdir -p /app/media \
    && chown portal:portal /app/media

USER portal
EXPOSE 8000
CMD ["/app/scripts/docker-web"]
