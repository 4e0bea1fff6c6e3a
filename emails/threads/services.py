"""Grouping logical messages into threads, incrementally, in any arrival order.

Links first (JWZ): every Message-ID a message carries — its own, In-Reply-To, References — is a key; all
messages sharing a key are one thread, and keys are kept (``ThreadKey``), so a message that arrives after its
replies, or a missing middle message, joins through the keys the others left behind. Grouping is by
connected keys, not by building the reply tree, so reference loops and contradictory References cannot
trap it. When a message's keys reach no thread, the normalised subject (no Re:/AW:/[list] tags) joins it
to a recent thread with that subject — only when one side is a reply and the people overlap (its sender
took part in the thread and one of the thread's senders is among its addresses), so two unrelated
"Re: Hello" from different people stay apart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction

from emails.models import Message, Thread, ThreadKey, ThreadMembership
from emails.threads.subjects import subject_normalize

logger = logging.getLogger(__name__)

SUBJECT_FALLBACK_WINDOW = timedelta(days=120)
_LOCK_NAMESPACE = 0x7468  # "th": per-owner advisory lock, so two batches of one owner never interleave
KEYS_PER_MESSAGE = 50


def message_id_key(value: str | None) -> str:
    """A Message-ID as we compare it: no brackets, no whitespace, case-folded (some MTAs change case)."""
    return "".join((value or "").split()).strip("<>").casefold()[:998]


def _addresses(values: Any) -> list[str]:
    out = []
    for item in values or []:
        address = item.get("address") if isinstance(item, dict) else item
        if address:
            out.append(str(address).strip().casefold()[:500])
    return out


@dataclass
class _Mail:
    logical_id: int
    received_at: datetime
    keys: list[str]
    subject: str
    subject_key: str
    is_reply: bool
    sender: str
    participants: set[str]


@dataclass
class _ThreadState:
    thread: Thread
    participants: set[str] = field(default_factory=set)
    senders: set[str] = field(default_factory=set)
    is_new: bool = False
    is_dirty: bool = False


@dataclass(frozen=True, slots=True)
class ThreadsAssigned:
    messages: int
    threads_created: int
    threads_merged: int


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, node: Any) -> Any:
        self.parent.setdefault(node, node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _mails(*, owner_id: int, logical_ids: list[int]) -> list[_Mail]:
    """The headers of each logical message's oldest copy, oldest mail first."""
    copies = (
        Message.objects.filter(owner_id=owner_id, logical_id__in=logical_ids)
        .order_by("logical_id", "id")
        .distinct("logical_id")
        .values(
            "logical_id",
            "received_at",
            "message_id",
            "in_reply_to",
            "references",
            "subject",
            "from_address",
            "to",
            "cc",
        )
    )
    mails = []
    for c in copies:
        own = message_id_key(c["message_id"])
        refs = [message_id_key(r) for r in [*(c["references"] or []), c["in_reply_to"]]]
        keys = list(dict.fromkeys(k for k in [own, *refs] if k))[:KEYS_PER_MESSAGE]
        normalized = subject_normalize(c["subject"])
        sender = (c["from_address"] or "").strip().casefold()
        participants = {a for a in [sender, *_addresses(c["to"]), *_addresses(c["cc"])] if a}
        mails.append(
            _Mail(
                logical_id=c["logical_id"],
                received_at=c["received_at"],
                keys=keys,
                subject=c["subject"],
                subject_key=normalized.key,
                is_reply=normalized.is_reply,
                sender=sender,
                participants=participants,
            )
        )
    mails.sort(key=lambda m: (m.received_at, m.logical_id))
    return mails


def _subject_compatible(state: _ThreadState, mails: list[_Mail]) -> bool:
    thread = state.thread
    if not any(m.is_reply for m in mails) and not thread.has_reply_subject:
        return False  # two originals with one subject ("Weekly report") are two conversations
    first, last = mails[0].received_at, mails[-1].received_at
    if thread.started_at and thread.last_activity_at:
        if first > thread.last_activity_at + SUBJECT_FALLBACK_WINDOW:
            return False
        if last < thread.started_at - SUBJECT_FALLBACK_WINDOW:
            return False
    senders = {m.sender for m in mails if m.sender}
    participants = set().union(*(m.participants for m in mails))
    return bool(senders & state.participants) and bool(state.senders & participants)


def threads_assign(*, owner_id: int, logical_ids: Iterable[int]) -> ThreadsAssigned:
    """Put these logical messages of ``owner_id`` into threads (new, existing, or merging existing ones).

    Idempotent and incremental: call it after each stored batch, in any order; messages already in a thread
    stay there unless a new link joins two threads. Other owners' ids are ignored.
    """
    ids = sorted(set(logical_ids))
    if not ids:
        return ThreadsAssigned(0, 0, 0)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, owner_id])
        mails = _mails(owner_id=owner_id, logical_ids=ids)
        if not mails:
            return ThreadsAssigned(0, 0, 0)
        all_keys = sorted({k for m in mails for k in m.keys})
        key_thread: dict[str, int] = {}
        for start in range(0, len(all_keys), 1000):
            key_thread.update(
                ThreadKey.objects.filter(
                    owner_id=owner_id, key__in=all_keys[start : start + 1000]
                ).values_list("key", "thread_id")
            )
        membership = dict(
            ThreadMembership.objects.filter(logical_id__in=[m.logical_id for m in mails]).values_list(
                "logical_id", "thread_id"
            )
        )

        links = _UnionFind()
        for mail in mails:
            node = ("l", mail.logical_id)
            links.find(node)
            for key in mail.keys:
                links.union(node, ("k", key))
                if key in key_thread:
                    links.union(node, ("t", key_thread[key]))
            if mail.logical_id in membership:
                links.union(node, ("t", membership[mail.logical_id]))

        components: dict[Any, list[_Mail]] = {}
        for mail in mails:
            components.setdefault(links.find(("l", mail.logical_id)), []).append(mail)
        thread_ids_of = {
            root: {node[1] for node in links.parent if node[0] == "t" and links.find(node) == root}
            for root in components
        }

        known_ids = set().union(*thread_ids_of.values())
        subject_keys = {m.subject_key for m in mails if m.subject_key}
        states: dict[int, _ThreadState] = {}
        for thread in Thread.objects.filter(owner_id=owner_id, pk__in=known_ids) | Thread.objects.filter(
            owner_id=owner_id, subject_key__in=subject_keys
        ):
            states[thread.pk] = _ThreadState(
                thread=thread, participants=set(thread.participants), senders=set(thread.senders)
            )
        by_subject: dict[str, list[_ThreadState]] = {}
        for state in states.values():
            if state.thread.subject_key:
                by_subject.setdefault(state.thread.subject_key, []).append(state)

        created = merged = 0
        merges: dict[int, int] = {}  # absorbed thread id → target id
        assignment: dict[int, _ThreadState] = {}
        for root, group in sorted(components.items(), key=lambda item: item[1][0].received_at):
            existing = [states[t] for t in sorted(thread_ids_of[root]) if t in states]  # oldest id first
            target: _ThreadState | None = existing[0] if existing else None
            if target is None:
                key = group[0].subject_key or next((m.subject_key for m in group if m.subject_key), "")
                candidates = (
                    [s for s in by_subject.get(key, []) if _subject_compatible(s, group)] if key else []
                )
                if candidates:
                    target = max(candidates, key=lambda s: s.thread.last_activity_at or group[0].received_at)
            if target is None:
                first = group[0]
                target = _ThreadState(
                    thread=Thread(
                        owner_id=owner_id,
                        subject=first.subject,
                        subject_key=first.subject_key,
                        started_at=first.received_at,
                        last_activity_at=group[-1].received_at,
                    ),
                    is_new=True,
                )
                created += 1
                if first.subject_key:
                    by_subject.setdefault(first.subject_key, []).append(target)
            for other in existing[1:]:
                if other is target or other.thread.pk in merges:
                    continue
                merges[other.thread.pk] = target.thread.pk
                target.participants |= other.participants
                target.senders |= other.senders
                target.thread.has_reply_subject |= other.thread.has_reply_subject
                if other in by_subject.get(other.thread.subject_key, []):
                    by_subject[other.thread.subject_key].remove(other)
                merged += 1
            for mail in group:
                assignment[mail.logical_id] = target
                target.participants |= mail.participants
                if mail.sender:
                    target.senders.add(mail.sender)
                target.thread.has_reply_subject |= mail.is_reply
                started, last = target.thread.started_at, target.thread.last_activity_at
                target.thread.started_at = min(started, mail.received_at) if started else mail.received_at
                target.thread.last_activity_at = max(last, mail.received_at) if last else mail.received_at
            target.is_dirty = True

        dirty = {id(s): s for s in assignment.values()}.values()
        for state in dirty:
            state.thread.participants = sorted(state.participants)[:200]
            state.thread.senders = sorted(state.senders)[:200]
        Thread.objects.bulk_create([s.thread for s in dirty if s.is_new])
        Thread.objects.bulk_update(
            [s.thread for s in dirty if not s.is_new],
            ["participants", "senders", "has_reply_subject", "started_at", "last_activity_at"],
        )
        for absorbed, target_id in merges.items():
            ThreadMembership.objects.filter(thread_id=absorbed).update(thread_id=target_id)
            ThreadKey.objects.filter(thread_id=absorbed).update(thread_id=target_id)
        Thread.objects.filter(pk__in=list(merges)).delete()
        ThreadMembership.objects.bulk_create(
            [
                ThreadMembership(logical_id=logical_id, owner_id=owner_id, thread_id=state.thread.pk)
                for logical_id, state in assignment.items()
            ],
            update_conflicts=True,
            unique_fields=["logical"],
            update_fields=["thread"],
        )
        new_keys = {k: assignment[m.logical_id].thread.pk for m in mails for k in m.keys}
        ThreadKey.objects.bulk_create(
            [ThreadKey(owner_id=owner_id, key=k, thread_id=t) for k, t in new_keys.items()],
            update_conflicts=True,
            unique_fields=["owner", "key"],
            update_fields=["thread"],
        )
        threads_refresh(thread_ids=sorted({s.thread.pk for s in dirty}))
    if merged:
        logger.info("threads merged owner=%s count=%s", owner_id, merged)
    return ThreadsAssigned(messages=len(mails), threads_created=created, threads_merged=merged)


_REFRESH_SQL = """
WITH members AS (
    SELECT tm.thread_id, tm.logical_id, first_copy.subject, first_copy.received_at
    FROM emails_threadmembership tm
    JOIN LATERAL (
        SELECT m.subject, m.received_at FROM emails_message m
        WHERE m.logical_id = tm.logical_id ORDER BY m.id LIMIT 1
    ) first_copy ON true
    WHERE tm.thread_id = ANY(%(ids)s)
), stats AS (
    SELECT thread_id, count(*) AS n, min(received_at) AS started, max(received_at) AS last,
           (array_agg(subject ORDER BY received_at, logical_id))[1] AS subject
    FROM members GROUP BY thread_id
)
UPDATE emails_thread t
SET message_count = stats.n, started_at = stats.started, last_activity_at = stats.last, subject = stats.subject
FROM stats WHERE t.id = stats.thread_id
"""


def threads_refresh(*, thread_ids: list[int]) -> None:
    """Recount messages and dates of these threads and take the earliest message's subject."""
    if thread_ids:
        with connection.cursor() as cursor:
            cursor.execute(_REFRESH_SQL, {"ids": thread_ids})
