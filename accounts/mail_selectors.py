"""Reads of mail accounts, always scoped to their owner."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import MailAccount


def mail_accounts_for_user(*, user: Any) -> QuerySet[MailAccount]:
    """The user's mail accounts, without those being deleted (they are gone as far as the user knows)."""
    return MailAccount.objects.filter(owner_id=user.pk, deleting=False).order_by("name", "pk")


def mail_account_same_mailbox(
    *, owner_id: int, host: str, port: int | None, username: str, exclude_pk: int | None = None
) -> MailAccount | None:
    """The owner's account already reading this IMAP mailbox, if any. Host names are case-blind (DNS);
    user names are compared exactly, as some servers tell users apart by case. Other users' accounts
    never count: their copy of the mail is theirs."""
    if port is None:  # no port yet: the form reports that field, nothing to compare
        return None
    same = MailAccount.objects.filter(
        owner_id=owner_id, deleting=False, imap_host__iexact=host.strip().rstrip("."), imap_port=port
    ).filter(username=username)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.order_by("pk").first()
