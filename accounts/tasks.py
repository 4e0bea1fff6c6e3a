"""Background work of the accounts app: ids in, one service call each."""

from __future__ import annotations

from celery import shared_task

from accounts.services.mail_accounts import mail_account_local_data_delete


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900, max_retries=3)
def mail_account_delete_task(account_id: int) -> int:
    """Remove our local copy of a mail account marked for deletion (mail on the server stays untouched)."""
    return mail_account_local_data_delete(account_id=account_id)
