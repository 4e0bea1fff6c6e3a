"""Every request sent to a cloud AI provider, kept for the user's privacy log."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CloudRequestLog(models.Model):
    """``payload`` is the exact (anonymized) request body as sent; the API key is never part of it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    logical = models.ForeignKey(
        "emails.LogicalMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=200, blank=True)
    endpoint = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    payload = models.TextField()
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "created_at", "id"], name="cloudlog_owner_created")]

    def __str__(self) -> str:
        return f"{self.provider} {self.model} {self.created_at:%Y-%m-%d %H:%M}"
