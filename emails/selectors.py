"""Owner-scoped reads for the mail pages (views come later) and for operators."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from emails.models import MailFolder, Message, OperationStatus, PendingOperation, SyncRun


def messages_for_user(
    *, user: Any, account_id: int | None = None, folder_id: int | None = None
) -> QuerySet[Message]:
    qs = Message.objects.filter(owner=user).select_related("account", "folder")
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if folder_id is not None:
        qs = qs.filter(folder_id=folder_id)
    return qs


def folders_for_user(*, user: Any, account_id: int | None = None) -> QuerySet[MailFolder]:
    qs = MailFolder.objects.filter(owner=user)
    return qs if account_id is None else qs.filter(account_id=account_id)


def sync_runs_for_user(*, user: Any, account_id: int | None = None) -> QuerySet[SyncRun]:
    qs = SyncRun.objects.filter(owner=user)
    return qs if account_id is None else qs.filter(account_id=account_id)


def failed_operations_for_user(*, user: Any) -> QuerySet[PendingOperation]:
    """User actions the server refused, newest first, to be shown to their owner."""
    return PendingOperation.objects.filter(owner=user, status=OperationStatus.FAILED).order_by("-created_at")
