"""Turning one fetched batch into rows: parse, link to logical messages, bulk insert, one transaction."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from emails import hooks
from emails.models import LogicalMessage, MailFolder, Message
from emails.parsing import message_parse
from emails.services.dashboard_cache import dashboard_invalidate

logger = logging.getLogger(__name__)

SESSION_FLAGS = {"\\Recent"}


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes
    flags: tuple[str, ...]
    internal_date: datetime | None
    size: int
    modseq: int | None


def flags_normalize(flags: Iterable[bytes | str]) -> list[str]:
    out = set()
    for flag in flags:
        text = flag.decode("utf-8", "replace") if isinstance(flag, bytes) else str(flag)
        if text and text not in SESSION_FLAGS:
            out.add(text[:200])
    return sorted(out)


def _address(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    return {"name": value.name[:500], "address": value.address[:500]}


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _clip(value: str | None, limit: int = 998) -> str:
    return (value or "")[:limit]


def message_row_build(
    *, folder: MailFolder, uidvalidity: int, item: FetchedMessage
) -> tuple[Message, str, str]:
    """An unsaved Message (without its logical id) plus its fingerprint and Message-ID."""
    parsed = message_parse(raw=item.raw)
    fingerprint = parsed.fingerprint or "raw:" + hashlib.blake2b(item.raw, digest_size=16).hexdigest()
    flags = flags_normalize(item.flags)
    sent_at = _aware(parsed.date)
    received_at = _aware(item.internal_date) or sent_at or timezone.now()
    warnings = list(parsed.warnings)
    if not parsed.is_structure_parsed and "structure_unparsed" not in warnings:
        warnings.append("structure_unparsed")
    from_address = parsed.from_address
    row = Message(
        owner_id=folder.owner_id,
        account_id=folder.account_id,
        folder_id=folder.pk,
        uidvalidity=uidvalidity,
        uid=item.uid,
        modseq=item.modseq,
        message_id=_clip(parsed.message_id),
        in_reply_to=_clip(parsed.in_reply_to),
        references=[_clip(r) for r in parsed.references],
        subject=parsed.subject,
        from_name=_clip(from_address.name if from_address else "", 500),
        from_address=_clip(from_address.address if from_address else "", 500),
        sender=_address(parsed.sender),
        reply_to=[_address(a) for a in parsed.reply_to],
        to=[_address(a) for a in parsed.to],
        cc=[_address(a) for a in parsed.cc],
        bcc=[_address(a) for a in parsed.bcc],
        sent_at=sent_at,
        received_at=received_at,
        size=item.size or parsed.size,
        flags=flags,
        is_seen="\\Seen" in flags,
        is_flagged="\\Flagged" in flags,
        is_answered="\\Answered" in flags,
        is_draft="\\Draft" in flags,
        text_body=parsed.text_body,
        html_body=parsed.html_body,
        raw_headers=parsed.raw_headers,
        attachments=[
            {
                "part_id": a.part_id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "content_id": a.content_id,
                "is_inline": a.is_inline,
            }
            for a in parsed.attachments
        ],
        has_attachments=parsed.has_attachments,
        calendar_parts=[
            {"part_id": c.part_id, "method": c.method, "ics": c.ics, "is_truncated": c.is_truncated}
            for c in parsed.calendar
        ],
        list_headers=dict(parsed.list_headers),
        is_structure_parsed=parsed.is_structure_parsed,
        parse_warnings=[w[:200] for w in warnings],
    )
    return row, fingerprint, _clip(parsed.message_id)


def _logical_ids(*, owner_id: int, keys: dict[str, str]) -> dict[str, int]:
    """Logical message ids by fingerprint, creating the missing ones (one insert, one select)."""
    LogicalMessage.objects.bulk_create(
        [LogicalMessage(owner_id=owner_id, fingerprint=fp, message_id=mid) for fp, mid in keys.items()],
        ignore_conflicts=True,
    )
    return dict(
        LogicalMessage.objects.filter(owner_id=owner_id, fingerprint__in=list(keys)).values_list(
            "fingerprint", "id"
        )
    )


def batch_store(
    *, folder: MailFolder, uidvalidity: int, items: list[FetchedMessage], state: dict[str, int]
) -> int:
    """Store one batch and move the folder's cursors in the same transaction; returns rows inserted.

    ``state`` holds the folder columns to save with the batch (last_uid_seen / backfill_cursor), so a
    crash after the commit resumes after this batch and a crash before it refetches the batch.
    """
    built = [message_row_build(folder=folder, uidvalidity=uidvalidity, item=item) for item in items]
    with transaction.atomic():
        logical = _logical_ids(owner_id=folder.owner_id, keys={fp: mid for _, fp, mid in built})
        # A move of ours left a placeholder row (negative uid) here: give it the real uid instead of
        # inserting a second row, so the row keeps its id.
        placeholders = {}
        if Message.objects.filter(folder=folder, uid__lt=0).exists():
            placeholders = dict(
                Message.objects.filter(folder=folder, uid__lt=0).values_list("logical_id", "id")
            )
        rows = []
        claimed = []
        for row, fingerprint, _mid in built:
            row.logical_id = logical[fingerprint]
            placeholder = placeholders.pop(row.logical_id, None)
            if placeholder is not None:
                Message.objects.filter(pk=placeholder).update(
                    uid=row.uid,
                    uidvalidity=uidvalidity,
                    flags=row.flags,
                    is_seen=row.is_seen,
                    is_flagged=row.is_flagged,
                    is_answered=row.is_answered,
                    is_draft=row.is_draft,
                    modseq=row.modseq,
                )
                claimed.append(placeholder)
                continue
            rows.append(row)
        Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        MailFolder.objects.filter(pk=folder.pk).update(**state)
        # We hold the account's sync lock and skipped stored UIDs before fetching, so these rows are new.
        inserted_ids = (
            list(
                Message.objects.filter(
                    folder=folder, uidvalidity=uidvalidity, uid__in=[r.uid for r in rows]
                ).values_list("id", flat=True)
            )
            if rows
            else []
        )
        if inserted_ids:

            def stored(ids: tuple[int, ...] = tuple(inserted_ids)) -> None:
                hooks.messages_stored(ids)

            transaction.on_commit(stored)
            dashboard_invalidate(user_id=folder.owner_id)
    for key, value in state.items():
        setattr(folder, key, value)
    return len(rows) + len(claimed)
