"""Stored mail for the search and thread tests, built straight as rows (no IMAP server needed)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

_counter = itertools.count(1)


def _base_time() -> datetime:
    from datetime import UTC

    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def folder_for(owner: Any) -> Any:
    from accounts.models.mail_account import MailAccount
    from emails.models import MailFolder

    account, _ = MailAccount.objects.get_or_create(
        owner=owner, name="test", defaults={"imap_host": "127.0.0.1", "username": owner.username}
    )
    folder, _ = MailFolder.objects.get_or_create(
        owner=owner, account=account, raw_name="INBOX", defaults={"name": "INBOX", "role": "inbox"}
    )
    return folder


def mail_make(
    owner: Any,
    *,
    subject: str = "",
    body: str = "",
    from_name: str = "",
    from_address: str = "someone@example.org",
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    message_id: str | None = None,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    minutes: int = 0,
    index: bool = True,
) -> Any:
    """One logical message with one copy; ``minutes`` after a fixed start. Indexed for search unless told."""
    from emails.models import LogicalMessage, Message

    number = next(_counter)
    folder = folder_for(owner)
    message_id = f"m{number}@example.org" if message_id is None else message_id
    logical = LogicalMessage.objects.create(owner=owner, fingerprint=f"fp{number}", message_id=message_id)
    message = Message.objects.create(
        owner=owner,
        account=folder.account,
        folder=folder,
        logical=logical,
        uidvalidity=1,
        uid=number,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=list(references),
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        to=[{"name": "", "address": a} for a in to],
        cc=[{"name": "", "address": a} for a in cc],
        received_at=_base_time() + timedelta(minutes=minutes),
        text_body=body,
    )
    if index:
        from emails.search.services import search_index_update

        search_index_update(logical_ids=[logical.pk])
    return message
