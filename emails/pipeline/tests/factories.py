"""Mail for pipeline tests: real RFC 822 bytes stored through the sync engine's own batch_store."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from emails.models import LogicalMessage, MailFolder, Message

_uids = itertools.count(1)
_counter = itertools.count(1)


def account_make(owner: Any) -> Any:
    from accounts.models.mail_account import MailAccount

    n = next(_counter)
    account = MailAccount(
        owner=owner,
        name=f"acc{n}",
        imap_host="127.0.0.1",
        imap_port=1,
        imap_security="none",
        username=f"u{n}",
    )
    account.password_set("secret")
    account.save()
    return account


def folder_make(owner: Any, account: Any | None = None) -> MailFolder:
    account = account or account_make(owner)
    return MailFolder.objects.create(
        owner=owner, account=account, name="INBOX", raw_name="INBOX", delimiter="/", uidvalidity=1
    )


def raw_mail(
    *,
    subject: str = "Quarterly numbers",
    body: str = "Hi Alice,\n\nplease send me the quarterly numbers.\n\nThanks\nBob",
    sender: str = "Bob Builder <bob@example.com>",
    to: str = "Alice Smith <alice@example.org>",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    date: datetime | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or f"<m{next(_counter)}@example.com>"
    msg["Date"] = format_datetime(date or timezone.now())
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    return bytes(msg)


def mail_store(folder: MailFolder, raw: bytes, *, received: datetime | None = None) -> Message:
    """Store one mail as a sync would (the messages_stored hook fires on commit)."""
    from emails.services.storage import FetchedMessage, batch_store

    uid = next(_uids)
    item = FetchedMessage(
        uid=uid, raw=raw, flags=(), internal_date=received or datetime.now(UTC), size=len(raw), modseq=None
    )
    with transaction.atomic():
        batch_store(folder=folder, uidvalidity=1, items=[item], state={"last_uid_seen": uid})
    return Message.objects.get(folder=folder, uid=uid)


def logical_of(message: Message) -> LogicalMessage:
    return LogicalMessage.objects.get(pk=message.logical_id)
