"""Where each logical message stands in the triage pipeline (its own table, not the busy Message row)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProcessingStage(models.TextChoices):
    """The stage a message waits for (or is in, while a lease is held); the order is the pipeline's."""

    PARSE = "parse", "parse"
    SANITIZE = "sanitize", "sanitize"
    EMBED = "embed", "embed"
    ANALYZE = "analyze", "analyze"
    TAGS = "tags", "tag suggestions"
    RULES = "rules", "rules"
    COMPLETE = "complete", "complete"
    FAILED = "failed", "failed (not retryable)"
    PARKED = "parked", "parked (retries exhausted)"


# Stages that do work, in order; COMPLETE follows the last one.
WORK_STAGES: tuple[str, ...] = (
    ProcessingStage.PARSE,
    ProcessingStage.SANITIZE,
    ProcessingStage.EMBED,
    ProcessingStage.ANALYZE,
    ProcessingStage.TAGS,
    ProcessingStage.RULES,
)

# The column that records when each stage last finished.
STAGE_TIMESTAMP_FIELDS: dict[str, str] = {
    ProcessingStage.PARSE: "parsed_at",
    ProcessingStage.SANITIZE: "sanitized_at",
    ProcessingStage.EMBED: "embedded_at",
    ProcessingStage.ANALYZE: "analyzed_at",
    ProcessingStage.TAGS: "tags_suggested_at",
    ProcessingStage.RULES: "rules_run_at",
}


class Processing(models.Model):
    """One row per logical message: its current stage, the lease of whoever works on it, and its history.

    A worker claims the current stage with a compare-and-swap UPDATE (``lease_until`` empty or expired)
    before doing its work, so two workers never pay twice for the same LLM call; see
    ``emails.pipeline.services.stage_claim``.
    """

    logical = models.OneToOneField(
        "emails.LogicalMessage", on_delete=models.CASCADE, related_name="processing"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16, choices=ProcessingStage.choices, default=ProcessingStage.PARSE)
    # The stage that failed, when ``stage`` is FAILED or PARKED (reprocess resumes from the start anyway).
    failed_stage = models.CharField(max_length=16, choices=ProcessingStage.choices, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True, help_text="Worker token of the lease holder")
    attempts = models.PositiveIntegerField(default=0, help_text="Claims of the current stage")
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="Backoff: not before this time")
    queued_at = models.DateTimeField(null=True, blank=True, help_text="Last time a task was sent for it")
    warnings = models.JSONField(default=list, blank=True, help_text="Warning codes collected on the way")
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    parsed_at = models.DateTimeField(null=True, blank=True)
    sanitized_at = models.DateTimeField(null=True, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)
    analyzed_at = models.DateTimeField(null=True, blank=True)
    tags_suggested_at = models.DateTimeField(null=True, blank=True)
    rules_run_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    parked_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "processing"
        indexes = [
            models.Index(fields=["owner", "stage"], name="processing_owner_stage"),
            models.Index(fields=["stage", "next_attempt_at"], name="processing_stage_next"),
            models.Index(fields=["stage", "lease_until"], name="processing_stage_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.logical_id}: {self.stage}"
