"""Periodic tasks of the pipeline and training, read by ``manage.py seed_schedules``."""

from __future__ import annotations


def default_schedules() -> list[dict]:
    """The pipeline sweeper re-queues messages whose task was lost (broker outage) or whose worker died."""
    return [
        {
            "name": "pipeline: re-queue unfinished message processing",
            "task": "emails.pipeline.tasks.processing_sweep_task",
            "interval": 60,
            "queue": "default",
        },
        {
            "name": "training: retrain classifiers whose labels changed",
            "task": "training.tasks.classifiers_retrain_due_task",
            "interval": 3600,
            "queue": "default",
        },
    ]
