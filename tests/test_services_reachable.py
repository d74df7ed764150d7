"""The database and Redis this run was given answer.

CI sets DATABASE_URL and REDIS_URL. When one of them names a server that does not answer, these tests
fail and say which; the settings never fall back to SQLite or to in-process tasks in silence
(tests/test_settings.py checks that the named services are the ones in use).
"""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from portal.celery import app as celery_app


@pytest.mark.django_db
def test_it_queries_the_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def _redis_url_or_skip() -> str:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: Celery tasks run in-process and the cache is in memory")
    return settings.REDIS_URL


def test_it_reaches_redis_when_redis_url_is_set():
    url = _redis_url_or_skip()
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        answer = client.ping()
    except redis.RedisError as error:
        pytest.fail(f"REDIS_URL={url} is set but Redis does not answer: {error}")
    finally:
        client.close()
    assert answer is True


def test_it_stores_and_reads_back_through_the_redis_cache():
    _redis_url_or_skip()
    cache.set("tests:services-reachable", "两学一做", timeout=30)
    try:
        assert cache.get("tests:services-reachable") == "两学一做"
    finally:
        cache.delete("tests:services-reachable")


def test_it_connects_celery_to_its_redis_broker():
    url = _redis_url_or_skip()
    with celery_app.connection_for_write() as broker:
        try:
            broker.ensure_connection(max_retries=1, timeout=3)
        except Exception as error:  # kombu raises its own OperationalError subclasses
            pytest.fail(f"Celery cannot reach its broker REDIS_URL={url}: {error}")
        assert broker.connected
        assert broker.transport_cls == "redis"
