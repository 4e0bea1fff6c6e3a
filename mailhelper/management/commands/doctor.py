"""``manage.py doctor``: what /healthz checks, plus pending migrations and queue lengths."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mailhelper.health import broker_redis, health_check

QUEUES = ("default", "sync", "ai")


def migrations_pending() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def queue_lengths() -> dict[str, int]:
    redis = broker_redis()
    return {queue: int(redis.llen(queue)) for queue in QUEUES}


class Command(BaseCommand):
    help = "Check database, Redis, workers, migrations and queues; exit 1 when something is wrong."

    def handle(self, *args: Any, **options: Any) -> None:
        report = health_check()
        problems = 0
        self.stdout.write(f"database:   {report.database}")
        self.stdout.write(f"redis:      {report.redis}")
        if report.workers:
            for host, age in sorted(report.workers.items()):
                state = "ok" if age <= settings.WORKER_HEARTBEAT_STALE_AFTER else "stale"
                self.stdout.write(f"worker:     {host} last heartbeat {age:.1f}s ago ({state})")
        else:
            self.stdout.write("worker:     no heartbeat from any worker")
        problems += report.database != "ok"
        problems += report.redis != "ok"
        problems += report.worker != "ok"
        if report.database == "ok":
            pending = migrations_pending()
            self.stdout.write(
                f"migrations: {len(pending)} pending" + (f" ({', '.join(pending)})" if pending else "")
            )
            problems += bool(pending)
        if report.redis == "ok":
            lengths = queue_lengths()
            self.stdout.write(
                "queues:     " + ", ".join(f"{name}={count}" for name, count in lengths.items())
            )
        if problems:
            raise CommandError(f"{problems} problem(s) found")
        self.stdout.write(self.style.SUCCESS("all good"))
