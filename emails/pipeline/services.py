"""Driving a logical message through the pipeline: claim a stage, do it, advance; enqueueing; reprocessing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from emails.models import AIProvider, LogicalMessage, Message, Processing, ProcessingStage
from emails.models.processing import WORK_STAGES
from emails.pipeline import state
from emails.pipeline.stages import (
    StageError,
    embed_stage,
    parse_stage,
    rules_run_stage,
    sanitize_stage,
    tags_suggest_stage,
)
from mailhelper.events import user_event_send

logger = logging.getLogger(__name__)

StageFunction = Callable[[LogicalMessage], list[str]]

STAGE_FUNCTIONS: dict[str, StageFunction] = {
    ProcessingStage.PARSE: parse_stage,
    ProcessingStage.SANITIZE: sanitize_stage,
    ProcessingStage.EMBED: embed_stage,
    ProcessingStage.TAGS: tags_suggest_stage,
    ProcessingStage.RULES: rules_run_stage,
}


def _stage_of(logical_id: int) -> str | None:
    return Processing.objects.filter(logical_id=logical_id).values_list("stage", flat=True).first()


def stage_run(*, logical_id: int, stage: str) -> str:
    """Claim and run one CPU stage. Returns "done", "busy" (not claimable), "lost", "retry", "parked", "failed"."""
    claim = state.stage_claim(logical_id=logical_id, stage=stage)
    if claim is None:
        return "busy"
    try:
        logical = LogicalMessage.objects.get(pk=logical_id)
        warnings = STAGE_FUNCTIONS[stage](logical)
    except StageError as exc:
        return state.stage_fail(claim=claim, error=str(exc), retryable=False)
    except Exception as exc:
        logger.exception("pipeline stage crashed logical=%s stage=%s", logical_id, stage)
        return state.stage_fail(claim=claim, error=f"{type(exc).__name__}: {exc}")
    return "done" if state.stage_advance(claim=claim, warnings=warnings) else "lost"


def analyze_run(*, logical_id: int) -> str:
    """Claim the analyze stage, then prepare (DB) → call the provider (no DB connection) → finish (DB)."""
    from emails.pipeline.analyze import ProviderRetryable, analyze_call, analyze_finish, analyze_prepare

    claim = state.stage_claim(logical_id=logical_id, stage=ProcessingStage.ANALYZE)
    if claim is None:
        return "busy"
    try:
        job = analyze_prepare(logical=LogicalMessage.objects.get(pk=logical_id))
        if job.wants_llm and not connection.in_atomic_block:
            connection.close()  # an LLM answer can take a minute: give the connection back meanwhile
        outcome = analyze_call(job)
        final = claim.attempt >= settings.PIPELINE_MAX_ATTEMPTS
        with transaction.atomic():
            # Still ours? (a reprocess or an expired lease hands the stage to someone else)
            held = Processing.objects.select_for_update().filter(
                logical_id=logical_id, stage=ProcessingStage.ANALYZE, lease_owner=claim.token
            )
            if not held.exists():
                return "lost"
            triage = analyze_finish(job=job, outcome=outcome, final_attempt=final)
            advanced = state.stage_advance(claim=claim, warnings=_analyze_warnings(job, triage))
    except ProviderRetryable as exc:
        return state.stage_fail(claim=claim, error=f"provider unavailable: {exc}", delay=exc.retry_after)
    except StageError as exc:
        return state.stage_fail(claim=claim, error=str(exc), retryable=False)
    except Exception as exc:
        logger.exception("analyze crashed logical=%s", logical_id)
        return state.stage_fail(claim=claim, error=f"{type(exc).__name__}: {exc}")
    if not advanced:
        return "lost"
    user_event_send(
        user_id=claim.owner_id,
        event="processing.finished",
        data={"logical_id": logical_id, "score": triage.score, "colour": triage.colour},
    )
    return "done"


def _analyze_warnings(job, triage) -> list[str]:
    warnings = []
    if triage.injection_flagged:
        warnings.append("analyze:injection_flagged")
    provider_note = triage.sources.get("provider", "")
    if "budget_exhausted" in provider_note:
        warnings.append("analyze:budget_exhausted")
    elif "provider_error" in provider_note:
        warnings.append("analyze:provider_error")
    return warnings


def needs_ai_queue(*, owner_id: int) -> bool:
    from emails.pipeline.analyze import ai_settings_for

    return ai_settings_for(owner_id=owner_id).provider != AIProvider.LOCAL


def logical_process(
    *, logical_id: int, hand_off: Callable[[int], None] | None = None, max_steps: int = 20
) -> str:
    """Run this message's stages in order until it completes, waits (backoff/busy) or is handed off.

    ``hand_off(logical_id)`` sends the analyze stage to the ``ai`` queue when the user's provider is an
    LLM; without it (commands, tests) the analyze stage runs here too.
    """
    outcome = "idle"
    for _ in range(max_steps):
        stage = _stage_of(logical_id)
        if stage is None or stage not in WORK_STAGES:
            return stage or "missing"
        if stage == ProcessingStage.ANALYZE:
            owner_id = LogicalMessage.objects.filter(pk=logical_id).values_list("owner_id", flat=True).first()
            if hand_off is not None and owner_id is not None and needs_ai_queue(owner_id=owner_id):
                hand_off(logical_id)
                return "handed_off"
            outcome = analyze_run(logical_id=logical_id)
        else:
            outcome = stage_run(logical_id=logical_id, stage=stage)
        if outcome != "done":
            return outcome
    return outcome


# ---- enqueueing --------------------------------------------------------------------------------------


def _chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def processing_enqueue(*, logical_ids: Iterable[int]) -> int:
    """Send processing tasks for these messages; returns how many were queued.

    A broker outage is logged, not raised: the rows stay unqueued and the sweeper picks them up.
    """
    from emails.pipeline.tasks import processing_run_task

    ids = sorted(set(logical_ids))
    queued = 0
    for chunk in _chunks(ids, settings.PIPELINE_BATCH_SIZE):
        try:
            processing_run_task.apply_async(args=(chunk,), queue="default")
        except Exception:
            logger.exception("pipeline enqueue failed; the sweeper will retry (%s messages)", len(chunk))
            continue
        state.processing_mark_queued(logical_ids=chunk)
        queued += len(chunk)
    return queued


def messages_stored_enqueue(*, message_ids: Sequence[int]) -> int:
    """New Message rows were committed: create their processing rows and queue the unfinished ones."""
    logical_ids = set(Message.objects.filter(pk__in=list(message_ids)).values_list("logical_id", flat=True))
    state.processing_ensure(logical_ids=logical_ids)
    pending = Processing.objects.filter(logical_id__in=logical_ids, stage__in=WORK_STAGES).values_list(
        "logical_id", flat=True
    )
    return processing_enqueue(logical_ids=list(pending))


def processing_sweep() -> int:
    """Queue unfinished messages nobody works on or queued recently (lost enqueues, expired leases, backoff)."""
    orphans = (
        LogicalMessage.objects.filter(processing__isnull=True, copies__isnull=False)
        .values_list("pk", flat=True)
        .distinct()[: settings.PIPELINE_SWEEP_LIMIT]
    )
    state.processing_ensure(logical_ids=list(orphans))
    return processing_enqueue(logical_ids=state.processing_due())


def reprocess_queryset(
    *,
    user_id: int | None = None,
    account_id: int | None = None,
    logical_ids: Sequence[int] | None = None,
    everything: bool = False,
) -> QuerySet[Processing]:
    """The processing rows a reprocess selects; creates rows for stored messages that never had one."""
    if not (everything or user_id or account_id or logical_ids):
        raise ValueError("choose a user, an account, messages or everything")
    messages = Message.objects.all()
    if user_id:
        messages = messages.filter(owner_id=user_id)
    if account_id:
        messages = messages.filter(account_id=account_id)
    if logical_ids:
        messages = messages.filter(logical_id__in=list(logical_ids))
    ids = set(messages.values_list("logical_id", flat=True).distinct())
    state.processing_ensure(logical_ids=ids)
    return Processing.objects.filter(logical_id__in=ids)


def processing_reprocess(
    *,
    user_id: int | None = None,
    account_id: int | None = None,
    logical_ids: Sequence[int] | None = None,
    everything: bool = False,
    stage: str = ProcessingStage.PARSE,
    enqueue: bool = True,
) -> list[int]:
    """Send the chosen messages back to ``stage`` and queue them. User corrections survive (corrected_fields)."""
    queryset = reprocess_queryset(
        user_id=user_id, account_id=account_id, logical_ids=logical_ids, everything=everything
    )
    ids = list(queryset.values_list("logical_id", flat=True))
    state.processing_reset(queryset=Processing.objects.filter(logical_id__in=ids), stage=stage)
    if enqueue:
        processing_enqueue(logical_ids=ids)
    return ids
