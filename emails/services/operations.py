"""User actions on messages (placeholder, filled in below)."""

from __future__ import annotations

from collections.abc import Callable

from imapclient.imapclient import IMAPClient

from accounts.models.mail_account import MailAccount


def operations_apply_with_client(
    *, account: MailAccount, client: IMAPClient, keep_lock: Callable[[], None]
) -> int:
    return 0
