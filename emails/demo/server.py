"""The demo user's account on the local pymap server that serves the demo mailbox (see ``maildir``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models.mail_account import AccountKind, MailAccount, Security
from emails.demo.maildir import DEMO_IMAP_USER

DEMO_ACCOUNT_NAME = "Demo mailbox"


def demo_account_ensure(*, owner: Any, host: str, port: int, password: str) -> MailAccount:
    """The demo user's IMAP account on the local pymap server (created or pointed at today's port)."""
    with transaction.atomic():
        account = MailAccount.objects.select_for_update().filter(owner=owner, name=DEMO_ACCOUNT_NAME).first()
        if account is None:
            account = MailAccount(owner=owner, name=DEMO_ACCOUNT_NAME, kind=AccountKind.IMAP)
        account.email_address = "demo@example.org"
        account.imap_host = host
        account.imap_port = port
        account.imap_security = Security.NONE
        account.username = DEMO_IMAP_USER
        account.sync_interval_minutes = 2
        account.enabled = True
        account.needs_reauth = False
        account.last_error = ""
        account.consecutive_failures = 0
        account.password_set(password)
        account.save()
    return account


def demo_sync_request(*, account: MailAccount) -> bool:
    """Queue the demo account's sync now (the beat fan-out would pick it up within a minute anyway)."""
    from emails.models import SyncTrigger
    from emails.services.scheduling import sync_enqueue

    return sync_enqueue(account=account, trigger=SyncTrigger.MANUAL).queued
