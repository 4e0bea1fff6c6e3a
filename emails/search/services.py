"""Keeping the full-text search table in step with stored mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection, transaction

logger = logging.getLogger(__name__)

# One representative copy per logical message (the oldest row); the body is the sanitizer's readable text
# when it exists (HTML-only mail has no text part), else the text part.
_UPSERT_SQL = """
INSERT INTO emails_messagesearch (logical_id, owner_id, document, received_at, indexed_at)
SELECT m.logical_id, m.owner_id,
       mh_search_document(
           m.subject,
           concat_ws(' ', m.from_name, m.from_address),
           coalesce(nullif(c.text, ''), m.text_body)
       ),
       m.received_at, now()
FROM (
    SELECT DISTINCT ON (logical_id) id
    FROM emails_message
    WHERE logical_id = ANY(%s)
    ORDER BY logical_id, id
) AS representative
JOIN emails_message m ON m.id = representative.id
LEFT JOIN emails_messagecontent c ON c.logical_id = m.logical_id
ON CONFLICT (logical_id) DO UPDATE
    SET document = EXCLUDED.document, received_at = EXCLUDED.received_at, indexed_at = EXCLUDED.indexed_at
"""

_DELETE_ORPHANS_SQL = """
DELETE FROM emails_messagesearch s
WHERE s.logical_id = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM emails_message m WHERE m.logical_id = s.logical_id)
"""

_MISSING_SQL = """
SELECT DISTINCT m.logical_id
FROM emails_message m
WHERE NOT EXISTS (SELECT 1 FROM emails_messagesearch s WHERE s.logical_id = m.logical_id)
  {owner_filter}
LIMIT %s
"""

BATCH = 500


def search_index_update(*, logical_ids: Iterable[int]) -> int:
    """(Re)build the search documents of these logical messages in one statement per 500; returns rows
    written. A logical message with no copy left loses its document. Idempotent; call it after new copies
    are stored and after the sanitizer writes a message's readable text."""
    ids = sorted(set(logical_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_UPSERT_SQL, [chunk])
            written += cursor.rowcount
            cursor.execute(_DELETE_ORPHANS_SQL, [chunk])
    return written


def search_index_missing(*, owner_id: int | None = None, limit: int = 5000) -> int:
    """Index stored mail that has no search document yet (a hook that never ran, mail from before this
    table existed); returns how many were indexed. Safe to run at any time."""
    owner_filter = "AND m.owner_id = %s" if owner_id is not None else ""
    params: list[int] = [owner_id] if owner_id is not None else []
    with connection.cursor() as cursor:
        cursor.execute(_MISSING_SQL.format(owner_filter=owner_filter), [*params, limit])
        missing = [row[0] for row in cursor.fetchall()]
    if missing:
        logger.info("indexing %d logical messages without a search document", len(missing))
    return search_index_update(logical_ids=missing)


def stored_messages_index(*, message_ids: Iterable[int]) -> int:
    """After a sync batch commits: search documents and threads for the logical messages of these new
    Message rows (one call per owner). Meant for ``emails.hooks.messages_stored``; returns logical messages
    handled."""
    from emails.models import Message
    from emails.threads.services import threads_assign

    by_owner: dict[int, set[int]] = {}
    for owner_id, logical_id in Message.objects.filter(pk__in=list(message_ids)).values_list(
        "owner_id", "logical_id"
    ):
        by_owner.setdefault(owner_id, set()).add(logical_id)
    for owner_id, logical_ids in by_owner.items():
        search_index_update(logical_ids=logical_ids)
        threads_assign(owner_id=owner_id, logical_ids=logical_ids)
    return sum(len(ids) for ids in by_owner.values())
