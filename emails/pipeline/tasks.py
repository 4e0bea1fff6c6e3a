"""Celery tasks of the triage pipeline: CPU stages on "default", LLM calls on "ai" (a thread-pool worker)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import close_old_connections
from django.utils import timezone

from emails.models import Processing

logger = logging.getLogger(__name__)

__all__ = ["processing_analyze_task", "processing_run_task", "processing_sweep_task"]


def _retry_later(logical_id: int) -> None:
    """Queue the next attempt for when its backoff ends (the sweeper catches it if this send is lost)."""
    due = Processing.objects.filter(logical_id=logical_id).values_list("next_attempt_at", flat=True).first()
    if due is None:
        return
    countdown = max(1, int((due - timezone.now()).total_seconds()) + 1)
    try:
        processing_run_task.apply_async(args=([logical_id],), countdown=countdown, queue="default")
    except Exception:
        logger.exception("retry enqueue failed logical=%s; the sweeper will pick it up", logical_id)


def _hand_off(logical_id: int) -> None:
    processing_analyze_task.apply_async(args=(logical_id,), queue="ai")


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=600, time_limit=660)
def processing_run_task(logical_ids: list[int]) -> dict[str, int]:
    """Run the CPU stages of these messages; the analyze stage of LLM users goes to the ai queue."""
    from emails.pipeline.services import logical_process

    counts: dict[str, int] = {}
    for logical_id in logical_ids:
        outcome = logical_process(logical_id=logical_id, hand_off=_hand_off)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "retry":
            _retry_later(logical_id)
    return counts


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=900, time_limit=960)
def processing_analyze_task(logical_id: int) -> str:
    """The analyze stage of one message with an LLM; then the rest of its stages go back to "default"."""
    from emails.pipeline.services import analyze_run

    close_old_connections()
    outcome = analyze_run(logical_id=logical_id)
    if outcome == "done":
        processing_run_task.apply_async(args=([logical_id],), queue="default")
    elif outcome == "retry":
        _retry_later(logical_id)
    close_old_connections()
    return outcome


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def processing_sweep_task() -> int:
    """Re-queue unfinished messages whose task never reached the broker or whose worker died."""
    from emails.pipeline.services import processing_sweep
    from emails.search.services import search_index_missing

    search_index_missing()  # mail stored before the search table existed, or whose indexing failed
    return processing_sweep()
