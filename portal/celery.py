import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

app = Celery("portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(**kwargs: object) -> None:
    """Drop a database connection that is broken or older than CONN_MAX_AGE around each task, as Django does
    around each request: the worker's persistent connection (CELERY_DB_REUSE_MAX) is otherwise kept."""
    from django.db import close_old_connections as django_close_old_connections

    request = getattr(kwargs.get("task"), "request", None)
    if not getattr(request, "is_eager", False):
        django_close_old_connections()
