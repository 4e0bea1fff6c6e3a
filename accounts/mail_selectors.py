"""Reads of mail accounts, always scoped to their owner."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import MailAccount


def mail_accounts_for_user(*, user: Any) -> QuerySet[MailAccount]:
    """The user's mail accounts, without those being deleted (they are gone as far as the user knows)."""
    return MailAccount.objects.filter(owner_id=user.pk, deleting=False).order_by("name", "pk")
