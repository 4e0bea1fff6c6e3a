"""Infrastructure tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task(soft_time_limit=10, time_limit=15)
def ping_task(payload: str = "ping") -> str:
    """Round-trips through a real worker; its result lands in django-celery-results."""
    return f"pong:{payload}"
