"""Create the default periodic tasks in django-celery-beat, once.

Beat reads its schedule from the database (DatabaseScheduler) so operators can edit it in the admin; this
command only adds rows that are missing and never overwrites an operator's edits (``--reset`` does, on
purpose). Each app may offer ``<app>.schedules.default_schedules()``: dicts with name, task, interval (seconds)
and queue.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

OUR_APPS = ("mailhelper", "accounts", "emails", "rules", "tags", "training")


def default_schedules_all() -> list[dict[str, Any]]:
    schedules: list[dict[str, Any]] = []
    for label in OUR_APPS:
        if not apps.is_installed(label):
            continue
        try:
            module = importlib.import_module(f"{label}.schedules")
        except ModuleNotFoundError:
            continue
        schedules.extend(module.default_schedules())
    return schedules


class Command(BaseCommand):
    help = "Create missing default periodic tasks (idempotent; never overwrites admin edits)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reset", action="store_true", help="Restore the defaults over existing rows.")

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        created = updated = kept = 0
        with transaction.atomic():
            for spec in default_schedules_all():
                interval, _ = IntervalSchedule.objects.get_or_create(
                    every=int(spec["interval"]), period=IntervalSchedule.SECONDS
                )
                values = {
                    "task": spec["task"],
                    "interval": interval,
                    "queue": spec.get("queue"),
                    "enabled": True,
                }
                task = PeriodicTask.objects.filter(name=spec["name"]).first()
                if task is None:
                    PeriodicTask.objects.create(name=spec["name"], **values)
                    created += 1
                elif reset:
                    for key, value in values.items():
                        setattr(task, key, value)
                    task.save()
                    updated += 1
                else:
                    kept += 1
        self.stdout.write(f"schedules: {created} created, {updated} reset, {kept} kept as they were")
