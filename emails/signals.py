"""Cache invalidation on model writes (no business logic lives here)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from emails.models import Triage
from emails.services.dashboard_cache import dashboard_invalidate


@receiver([post_save, post_delete], sender=Triage)
def _triage_changed(sender: type[Triage], instance: Triage, **kwargs: Any) -> None:
    """Analysis, corrections and the Done workflow all save a Triage: the dashboard counts move."""
    dashboard_invalidate(user_id=instance.owner_id)
