"""Reads of a conversation: for the message page and for the analyzer's context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from emails.models import Message, MessageContent, ThreadMembership

CONTEXT_TEXT_CHARS = 2000


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    logical_id: int
    message_id: int  # pk of the oldest copy, for links
    subject: str
    sender: str
    received_at: datetime


def _thread_logical_ids(*, owner_id: int, logical_id: int) -> list[int]:
    thread_id = (
        ThreadMembership.objects.filter(owner_id=owner_id, logical_id=logical_id)
        .values_list("thread_id", flat=True)
        .first()
    )
    if thread_id is None:
        return [logical_id]
    return list(
        ThreadMembership.objects.filter(owner_id=owner_id, thread_id=thread_id).values_list(
            "logical_id", flat=True
        )
    )


def _first_copies(*, owner_id: int, logical_ids: list[int]) -> list[dict[str, Any]]:
    copies = (
        Message.objects.filter(owner_id=owner_id, logical_id__in=logical_ids)
        .order_by("logical_id", "id")
        .distinct("logical_id")
        .values("id", "logical_id", "subject", "from_name", "from_address", "received_at", "text_body")
    )
    return sorted(cast("Iterable[dict[str, Any]]", copies), key=lambda c: (c["received_at"], c["logical_id"]))


def _sender(copy: dict[str, Any]) -> str:
    if copy["from_name"] and copy["from_address"]:
        return f"{copy['from_name']} <{copy['from_address']}>"
    return copy["from_name"] or copy["from_address"]


def thread_for_message(*, user: Any, logical_id: int) -> list[ThreadMessage]:
    """The conversation of one of the user's messages, oldest first (the message alone when it has no
    thread yet); empty when the message is not the user's."""
    copies = _first_copies(
        owner_id=user.pk, logical_ids=_thread_logical_ids(owner_id=user.pk, logical_id=logical_id)
    )
    if not any(c["logical_id"] == logical_id for c in copies):
        return []
    return [
        ThreadMessage(
            logical_id=c["logical_id"],
            message_id=c["id"],
            subject=c["subject"],
            sender=_sender(c),
            received_at=c["received_at"],
        )
        for c in copies
    ]


def thread_context(*, logical_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """Up to ``limit`` messages of the same thread received before this one (the most recent ones), oldest
    first, as ``{"subject", "sender", "date", "text"}`` for the analyzer's prompt; the text is the reply
    without quoted history when the sanitizer has split it, cut to CONTEXT_TEXT_CHARS. Scoped to the
    message's own owner (the caller holds a message id, not a user)."""
    owner_id = Message.objects.filter(logical_id=logical_id).values_list("owner_id", flat=True).first()
    if owner_id is None or limit <= 0:
        return []
    copies = _first_copies(
        owner_id=owner_id, logical_ids=_thread_logical_ids(owner_id=owner_id, logical_id=logical_id)
    )
    current = next((c for c in copies if c["logical_id"] == logical_id), None)
    if current is None:
        return []
    earlier = [
        c
        for c in copies
        if c["logical_id"] != logical_id
        and (c["received_at"], c["logical_id"]) < (current["received_at"], current["logical_id"])
    ][-limit:]
    new_text = dict(
        MessageContent.objects.filter(logical_id__in=[c["logical_id"] for c in earlier]).values_list(
            "logical_id", "new_text"
        )
    )
    return [
        {
            "subject": c["subject"],
            "sender": _sender(c),
            "date": c["received_at"],
            "text": (new_text.get(c["logical_id"]) or c["text_body"] or "")[:CONTEXT_TEXT_CHARS],
        }
        for c in earlier
    ]
