"""Periodic tasks of the emails app, read by ``manage.py seed_schedules`` (one PeriodicTask row each)."""

from __future__ import annotations


def default_schedules() -> list[dict]:
    """The beat fan-out runs every minute; each account's own cadence is its ``sync_interval_minutes``."""
    return [
        {
            "name": "emails: enqueue due account syncs",
            "task": "emails.tasks.accounts_due_fan_out_task",
            "interval": 60,
            "queue": "sync",
        },
    ]
