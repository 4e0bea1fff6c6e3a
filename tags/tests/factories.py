"""Rows for the UI tests: a mail account, folders and stored messages without an IMAP server."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

_counter = itertools.count(1)


def account_make(owner: Any, **fields: Any) -> Any:
    from accounts.models.mail_account import MailAccount

    n = next(_counter)
    account = MailAccount(
        owner=owner,
        name=fields.pop("name", f"{owner.username} account {n}"),
        imap_host="imap.example.org",
        imap_port=993,
        imap_security="ssl",
        username=f"{owner.username}{n}",
        **fields,
    )
    account.password_set("secret")
    account.save()
    return account


def folder_make(account: Any, name: str = "INBOX", role: str = "inbox") -> Any:
    from emails.models import MailFolder

    return MailFolder.objects.create(
        owner=account.owner, account=account, name=name, raw_name=name, role=role, uidvalidity=7
    )


def message_make(owner: Any, *, account: Any = None, folder: Any = None, **fields: Any) -> Any:
    """A stored message of ``owner`` (an account and INBOX are made when not given)."""
    from emails.models import LogicalMessage, Message

    account = account or (folder.account if folder is not None else account_make(owner))
    folder = folder or folder_make(account)
    n = next(_counter)
    logical = LogicalMessage.objects.create(owner=owner, fingerprint=f"fp{n}", message_id=f"m{n}@example.org")
    defaults: dict[str, Any] = {
        "subject": f"subject {n}",
        "from_name": "Sender",
        "from_address": "sender@example.org",
        "to": [{"name": "", "address": f"{owner.username}@example.org"}],
        "received_at": datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
        "text_body": f"Body {n}",
        "uidvalidity": 7,
        "uid": n,
        "message_id": f"m{n}@example.org",
    }
    defaults.update(fields)
    return Message.objects.create(owner=owner, account=account, folder=folder, logical=logical, **defaults)


def triage_make(message: Any, **fields: Any) -> Any:
    from emails.models import Triage

    defaults: dict[str, Any] = {
        "urgency": 2,
        "importance": 2,
        "score": 0,
        "colour": "",
        "summary": "A summary.",
    }
    defaults.update(fields)
    return Triage.objects.create(logical=message.logical, owner=message.owner, **defaults)
