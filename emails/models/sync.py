"""The history of sync runs, one row per run, visible to the account's owner."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIAL = "partial", _("Partly done (continues in the next run)")
    FAILED = "failed", _("Failed")


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Sync now")
    OPERATOR = "operator", _("Operator command")


class SyncRun(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.MailAccount", on_delete=models.CASCADE, related_name="sync_runs")
    status = models.CharField(max_length=10, choices=SyncRunStatus.choices, default=SyncRunStatus.RUNNING)
    trigger = models.CharField(max_length=10, choices=SyncTrigger.choices, default=SyncTrigger.SCHEDULE)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    folders_synced = models.PositiveIntegerField(default=0)
    messages_new = models.PositiveIntegerField(default=0)
    messages_updated = models.PositiveIntegerField(default=0)
    messages_deleted = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "account", "-started_at"], name="sync_run_owner_account")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"sync {self.account_id} {self.status} {self.started_at:%Y-%m-%d %H:%M}"
