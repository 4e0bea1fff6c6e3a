"""Owner-scoped reads about the pipeline for the settings pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from emails.models import CloudRequestLog

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ProviderStatus:
    """How the user's cloud provider has been answering: the last request and the last day's failures."""

    last: CloudRequestLog | None
    requests_24h: int
    failures_24h: int

    @property
    def is_failing(self) -> bool:
        """The last request failed: mail is analysed locally until the provider answers again."""
        return self.last is not None and bool(self.last.error)


def provider_status_for_user(*, user: Any) -> ProviderStatus:
    logs = CloudRequestLog.objects.filter(owner=user)
    recent = logs.filter(created_at__gte=timezone.now() - WINDOW)
    return ProviderStatus(
        last=logs.order_by("-created_at", "-id").first(),
        requests_24h=recent.count(),
        failures_24h=recent.exclude(error="").count(),
    )
