"""Celery tasks of the sync engine: thin wrappers over emails.services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from accounts.models.mail_account import MailAccount
from emails.models import SyncTrigger
from emails.services.imap_session import AuthenticationFailed, ServerUnavailable
from mailhelper.logcontext import user_id_var

logger = logging.getLogger(__name__)

SYNC_SOFT_LIMIT = 15 * 60
SYNC_HARD_LIMIT = 16 * 60


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ServerUnavailable,),
    retry_backoff=True,
    retry_backoff_max=settings.SYNC_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=settings.SYNC_MAX_RETRIES,
    soft_time_limit=SYNC_SOFT_LIMIT,
    time_limit=SYNC_HARD_LIMIT,
)
def account_sync_task(self, account_id: int, trigger: str = SyncTrigger.SCHEDULE) -> str:
    from emails.services.scheduling import sync_ended, sync_enqueue, sync_started
    from emails.services.sync import account_sync, channel_progress

    account = MailAccount.objects.filter(
        pk=account_id, enabled=True, needs_reauth=False, deleting=False
    ).first()
    if account is None:
        sync_ended(account_id=account_id)
        return "gone"
    user_id_var.set(str(account.owner_id))
    sync_started(account_id=account_id)
    try:
        report = account_sync(account=account, trigger=trigger, progress=channel_progress(account.owner_id))
    except AuthenticationFailed:
        return "needs_reauth"  # recorded on the account by the service; no retry
    finally:
        sync_ended(account_id=account_id)
    if report.has_more:  # a long backfill continues in a fresh run, fresh mail first
        sync_enqueue(account=account, trigger=trigger)
    return report.status


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def accounts_due_fan_out_task() -> int:
    from emails.services.scheduling import accounts_due_enqueue

    return accounts_due_enqueue()


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ServerUnavailable,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=300,
    time_limit=360,
)
def operations_apply_task(self, account_id: int, user_id: int) -> int:
    from emails.services.operations import OperationsBusy, operations_apply

    account = MailAccount.objects.filter(pk=account_id, owner_id=user_id).first()  # ownership re-checked
    if account is None or account.needs_reauth:
        return 0
    user_id_var.set(str(user_id))
    try:
        return operations_apply(account=account)
    except OperationsBusy as exc:  # a sync holds the account; it pushes the journal itself too
        raise self.retry(countdown=5, exc=exc) from exc
    except AuthenticationFailed:
        return 0


from emails.pipeline.tasks import *  # noqa: F403, E402
