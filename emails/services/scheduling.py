"""Who gets synced when: due accounts, "sync now" with a rate limit, and a per-user queue quota."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.utils import timezone

from accounts.models.mail_account import AccountKind, MailAccount
from emails.models import SyncTrigger

logger = logging.getLogger(__name__)

# A queued marker outlives any sane queue wait; it is cleared when the task starts.
QUEUED_MARKER_SECONDS = 30 * 60


def _queued_key(account_id: int) -> str:
    return f"sync:queued:{account_id}"


def accounts_due(*, now=None) -> QuerySet[MailAccount]:
    """Enabled accounts that need no re-authentication and whose interval has passed since the last start."""
    now = now or timezone.now()
    interval = ExpressionWrapper(
        F("sync_interval_minutes") * Value(timedelta(minutes=1), output_field=DurationField()),
        output_field=DurationField(),
    )
    return (
        MailAccount.objects.filter(enabled=True, needs_reauth=False, deleting=False, kind=AccountKind.IMAP)
        .alias(next_due=F("last_sync_started_at") + interval)
        .filter(Q(last_sync_started_at__isnull=True) | Q(next_due__lte=now))
    )


@dataclass(frozen=True)
class SyncRequest:
    queued: bool
    reason: str = ""


def _user_busy_count(owner_id: int) -> int:
    ids = list(MailAccount.objects.filter(owner_id=owner_id).values_list("pk", flat=True))
    if not ids:
        return 0
    queued = cache.get_many([_queued_key(pk) for pk in ids])
    running = sum(1 for pk in ids if _queued_key(pk) not in queued and cache.get(f"sync:running:{pk}"))
    return len(queued) + running


def sync_enqueue(*, account: MailAccount, trigger: str = SyncTrigger.SCHEDULE) -> SyncRequest:
    """Queue one sync of ``account`` unless one is already queued or the owner's quota is used up."""
    from emails.tasks import account_sync_task

    if account.kind == AccountKind.LOCAL:  # imported mail: there is no server to sync with
        return SyncRequest(queued=False, reason="local")
    if _user_busy_count(account.owner_id) >= settings.SYNC_USER_QUEUE_LIMIT:
        return SyncRequest(queued=False, reason="quota")
    if not cache.add(_queued_key(account.pk), 1, timeout=QUEUED_MARKER_SECONDS):
        return SyncRequest(queued=False, reason="already_queued")
    transaction.on_commit(lambda: account_sync_task.delay(account.pk, trigger), robust=True)
    return SyncRequest(queued=True)


def sync_started(*, account_id: int) -> None:
    """The task began: the queued marker goes, a running marker (with a timeout) takes its place."""
    cache.delete(_queued_key(account_id))
    cache.set(f"sync:running:{account_id}", 1, timeout=settings.SYNC_LOCK_SECONDS * 3)


def sync_ended(*, account_id: int) -> None:
    cache.delete(f"sync:running:{account_id}")


def sync_now_request(*, user, account_id: int) -> SyncRequest:
    """The user's "sync now": owner-checked, rate-limited per account, within the user's quota."""
    account = MailAccount.objects.filter(pk=account_id, owner=user).first()
    if account is None:
        raise MailAccount.DoesNotExist("no such account")
    if not account.enabled or account.needs_reauth:
        return SyncRequest(queued=False, reason="needs_reauth" if account.needs_reauth else "disabled")
    if not cache.add(f"sync:manual:{account.pk}", 1, timeout=settings.SYNC_MANUAL_MIN_INTERVAL_SECONDS):
        return SyncRequest(queued=False, reason="rate_limited")
    return sync_enqueue(account=account, trigger=SyncTrigger.MANUAL)


def accounts_due_enqueue() -> int:
    """The beat fan-out: queue a sync for every due account; returns how many were queued."""
    queued = 0
    for account in accounts_due().only("pk", "owner_id").iterator():
        if sync_enqueue(account=account).queued:
            queued += 1
    return queued
