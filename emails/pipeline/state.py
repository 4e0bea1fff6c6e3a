"""The processing state machine: rows, leases (compare-and-swap claims), advancing, failing, resetting.

Claim first, then work, then advance. Every write that ends a stage checks the lease token it claimed
with, so a worker whose lease expired (or whose message was reset by ``reprocess``) cannot overwrite the
newer state.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from emails.models import LogicalMessage, Processing, ProcessingStage
from emails.models.processing import STAGE_TIMESTAMP_FIELDS, WORK_STAGES

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """A held lease on one stage of one message; ``token`` must accompany the advance or failure."""

    logical_id: int
    owner_id: int
    stage: str
    token: str
    attempt: int


def lease_for(stage: str) -> timedelta:
    if stage == ProcessingStage.ANALYZE:
        return timedelta(seconds=settings.PIPELINE_ANALYZE_LEASE_SECONDS)
    return timedelta(seconds=settings.PIPELINE_LEASE_SECONDS)


def next_stage(stage: str) -> str:
    index = WORK_STAGES.index(stage)
    return WORK_STAGES[index + 1] if index + 1 < len(WORK_STAGES) else ProcessingStage.COMPLETE


def processing_ensure(*, logical_ids: Iterable[int]) -> list[int]:
    """Create the missing processing rows (stage parse) for these logical messages; returns all their ids."""
    ids = sorted(set(logical_ids))
    if not ids:
        return []
    owners = dict(LogicalMessage.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
    Processing.objects.bulk_create(
        [Processing(logical_id=pk, owner_id=owner_id) for pk, owner_id in owners.items()],
        ignore_conflicts=True,
    )
    return sorted(owners)


def stage_claim(*, logical_id: int, stage: str, lease: timedelta | None = None) -> Claim | None:
    """Claim ``stage`` of one message before doing its work; None if it is elsewhere or someone holds it.

    One UPDATE with the expected stage and a free (or expired) lease in its WHERE clause: of two workers
    racing, exactly one sees ``1`` row updated. A stage in backoff (``next_attempt_at`` ahead) is not
    claimable yet.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    updated = (
        Processing.objects.filter(logical_id=logical_id, stage=stage)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            lease_until=now + (lease or lease_for(stage)),
            lease_owner=token,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    if updated != 1:
        return None
    row = Processing.objects.filter(logical_id=logical_id).values("owner_id", "attempts").first()
    if row is None:  # deleted in between
        return None
    return Claim(
        logical_id=logical_id, owner_id=row["owner_id"], stage=stage, token=token, attempt=row["attempts"]
    )


def _held(claim: Claim) -> QuerySet[Processing]:
    return Processing.objects.filter(logical_id=claim.logical_id, stage=claim.stage, lease_owner=claim.token)


def stage_advance(*, claim: Claim, warnings: Sequence[str] = ()) -> bool:
    """Record the stage as done and move to the next one; False if the lease was lost meanwhile."""
    now = timezone.now()
    target = next_stage(claim.stage)
    changes: dict[str, object] = {
        "stage": target,
        "lease_until": None,
        "lease_owner": "",
        "attempts": 0,
        "next_attempt_at": None,
        STAGE_TIMESTAMP_FIELDS[claim.stage]: now,
        "updated_at": now,
    }
    if target == ProcessingStage.COMPLETE:
        changes["completed_at"] = now
    if warnings:
        current = (
            Processing.objects.filter(logical_id=claim.logical_id).values_list("warnings", flat=True).first()
        )
        merged = list(dict.fromkeys([*(current or []), *warnings]))
        changes["warnings"] = merged
    return _held(claim).update(**changes) == 1


def retry_delay(attempt: int) -> int:
    """Seconds before the next attempt: exponential from PIPELINE_RETRY_BASE_SECONDS, capped, jittered."""
    base = settings.PIPELINE_RETRY_BASE_SECONDS * (2 ** max(0, attempt - 1))
    capped = min(settings.PIPELINE_RETRY_MAX_SECONDS, base)
    return int(capped * (1 + 0.25 * random.random()))


def stage_fail(*, claim: Claim, error: str, retryable: bool = True, delay: float | None = None) -> str:
    """Record a failure of the claimed stage. Returns the outcome: "retry", "parked", "failed" or "lost".

    A retryable failure waits ``delay`` (or the backoff) before the stage is claimable again; after
    PIPELINE_MAX_ATTEMPTS claims the message is parked with its error. A non-retryable one fails at once.
    """
    now = timezone.now()
    error = error[:4000]
    common = {
        "lease_until": None,
        "lease_owner": "",
        "last_error": error,
        "last_error_at": now,
        "updated_at": now,
    }
    if not retryable:
        done = _held(claim).update(
            stage=ProcessingStage.FAILED, failed_stage=claim.stage, parked_at=now, **common
        )
        outcome = "failed"
    elif claim.attempt >= settings.PIPELINE_MAX_ATTEMPTS:
        done = _held(claim).update(
            stage=ProcessingStage.PARKED, failed_stage=claim.stage, parked_at=now, **common
        )
        outcome = "parked"
    else:
        wait = delay if delay is not None else retry_delay(claim.attempt)
        done = _held(claim).update(next_attempt_at=now + timedelta(seconds=wait), **common)
        outcome = "retry"
    if done != 1:
        return "lost"
    logger.warning(
        "pipeline stage failed logical=%s stage=%s attempt=%s outcome=%s error=%s",
        claim.logical_id,
        claim.stage,
        claim.attempt,
        outcome,
        error.splitlines()[0] if error else "",
    )
    return outcome


def stage_release(*, claim: Claim) -> bool:
    """Give a claimed stage back untouched (the work was not done; the attempt is not counted)."""
    return (
        _held(claim).update(
            lease_until=None, lease_owner="", attempts=F("attempts") - 1, updated_at=timezone.now()
        )
        == 1
    )


def processing_reset(*, queryset: QuerySet[Processing], stage: str = ProcessingStage.PARSE) -> int:
    """Send messages back to ``stage`` (reprocess): leases dropped, attempts and errors cleared.

    A worker still busy with one of them loses its lease token, so its late result is discarded.
    """
    if stage not in WORK_STAGES:
        raise ValueError(f"cannot restart at {stage!r}")
    return queryset.update(
        stage=stage,
        failed_stage="",
        lease_until=None,
        lease_owner="",
        attempts=0,
        next_attempt_at=None,
        queued_at=None,
        last_error="",
        parked_at=None,
        completed_at=None,
        updated_at=timezone.now(),
    )


def processing_due(*, now=None, limit: int | None = None) -> list[int]:
    """Unfinished messages nobody works on and nobody queued recently (the sweeper re-queues them)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.PIPELINE_REQUEUE_AFTER_SECONDS)
    qs = (
        Processing.objects.filter(stage__in=WORK_STAGES)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=stale))
        .order_by("next_attempt_at", "logical_id")
        .values_list("logical_id", flat=True)
    )
    return list(qs[: limit or settings.PIPELINE_SWEEP_LIMIT])


def processing_mark_queued(*, logical_ids: Sequence[int]) -> None:
    Processing.objects.filter(logical_id__in=list(logical_ids)).update(queued_at=timezone.now())
