"""Writes to a user's triage results (the Done workflow)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from emails.models import Triage


def triage_for_user(*, user: User, logical_id: int) -> Triage:
    """The user's triage of one logical message; ``Triage.DoesNotExist`` for anyone else's (a 404)."""
    return Triage.objects.get(owner=user, logical_id=logical_id)


def triage_mark_done(*, user: User, logical_id: int, done: bool) -> Triage:
    """Mark a message done (or not done again). Another user's id raises ``Triage.DoesNotExist``."""
    with transaction.atomic():
        triage = Triage.objects.select_for_update().get(owner=user, logical_id=logical_id)
        if done and triage.done_at is None:
            triage.done_at = timezone.now()
        elif not done:
            triage.done_at = None
        triage.save(update_fields=["done_at", "updated_at"])
    return triage
