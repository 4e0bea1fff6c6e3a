"""Default periodic tasks of the infrastructure (see ``manage.py seed_schedules``)."""

from __future__ import annotations

from typing import Any


def default_schedules() -> list[dict[str, Any]]:
    return [
        {
            # django-celery-results only honours CELERY_RESULT_EXPIRES when this task runs.
            "name": "Delete expired task results",
            "task": "celery.backend_cleanup",
            "interval": 24 * 3600,  # seconds
            "queue": "default",
        },
    ]
