"""Liveness of the parts the app needs: database, Redis and at least one Celery worker heartbeat."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpResponse


@dataclass(frozen=True)
class HealthReport:
    database: str
    redis: str
    workers: dict[str, float] = field(default_factory=dict)  # hostname -> seconds since last beat

    @property
    def worker(self) -> str:
        stale_after = settings.WORKER_HEARTBEAT_STALE_AFTER
        return "ok" if any(age <= stale_after for age in self.workers.values()) else "no recent heartbeat"

    @property
    def is_healthy(self) -> bool:
        return self.database == "ok" and self.redis == "ok" and self.worker == "ok"


def broker_redis() -> redis.Redis:
    """Heartbeats live beside the queues (broker database), so clearing the cache never hides a worker."""
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5, socket_connect_timeout=5)


def heartbeat_record(*, hostname: str) -> None:
    """Called by each worker every WORKER_HEARTBEAT_INTERVAL seconds."""
    broker_redis().hset(settings.WORKER_HEARTBEAT_KEY, hostname, repr(time.time()))


def heartbeat_forget(*, hostname: str) -> None:
    broker_redis().hdel(settings.WORKER_HEARTBEAT_KEY, hostname)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure means "down"; the class name tells the operator why
        return f"error: {type(exc).__name__}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def health_check() -> HealthReport:
    database = _database_status()
    try:
        beats = broker_redis().hgetall(settings.WORKER_HEARTBEAT_KEY)
        redis_status = "ok"
    except Exception as exc:
        return HealthReport(database=database, redis=f"error: {type(exc).__name__}")
    now = time.time()
    workers = {_text(host): round(now - float(ts), 1) for host, ts in beats.items()}
    return HealthReport(database=database, redis=redis_status, workers=workers)


def health_response() -> HttpResponse:
    report = health_check()
    body = {
        "status": "ok" if report.is_healthy else "unhealthy",
        "database": report.database,
        "redis": report.redis,
        "worker": report.worker,
    }
    return HttpResponse(
        json.dumps(body),
        status=200 if report.is_healthy else 503,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
