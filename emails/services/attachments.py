"""One part of a stored message (an attachment or an inline image), fetched from the server on demand.

Attachment bytes are not kept in the database: the part is fetched by UID with ``BODY.PEEK[<part>]``
(never setting \\Seen), decoded, and cached in Redis for a few minutes so a page that shows the same
inline image twice, or a repeated download, does not reconnect. The cache key contains the message's
server location, so a moved message never serves a stale part; callers pass only messages they have
already fetched through an owner-scoped selector.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from emails.models import Message
from emails.parsing import attachment_payload
from emails.services.imap_session import SyncError, imap_session

logger = logging.getLogger(__name__)

PART_CACHE_SECONDS = 300
PART_CACHE_MAX_BYTES = 5 * 1024 * 1024
PART_FETCH_TIMEOUT = 30.0

# Images a browser may render inline from our origin. SVG is not here: it is a document that can carry
# script and links, so it is only ever offered as a download.
INLINE_IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"}
)


class PartUnavailable(Exception):
    """The part cannot be fetched now (message in transit, moved on the server, server down)."""


class PartNotFound(Exception):
    """The message has no such part."""


@dataclass(frozen=True, slots=True)
class PartData:
    part_id: str
    content_type: str
    filename: str | None
    data: bytes


def message_attachment_meta(
    *, message: Message, part_id: str | None = None, content_id: str | None = None
) -> dict[str, Any]:
    """The stored metadata of one part, found by part id or by Content-ID; PartNotFound otherwise."""
    wanted_cid = (content_id or "").strip().strip("<>").lower()
    for item in message.attachments or []:
        if not isinstance(item, dict):
            continue
        if part_id is not None and str(item.get("part_id")) == part_id:
            return item
        if wanted_cid and str(item.get("content_id") or "").strip().strip("<>").lower() == wanted_cid:
            return item
    raise PartNotFound(part_id or content_id or "")


def _cache_key(message: Message, part_id: str) -> str:
    where = f"{message.pk}:{message.folder_id}:{message.uidvalidity}:{message.uid}:{part_id}"
    return "msgpart:" + hashlib.sha256(where.encode()).hexdigest()


def message_part_fetch(*, message: Message, part_id: str) -> PartData:
    """The decoded bytes of part ``part_id`` of ``message`` (cached briefly).

    Raises PartNotFound when the message has no such part, PartUnavailable when the server cannot give it
    now (the message is being moved, the folder's UIDVALIDITY changed, the server is unreachable).
    """
    meta = message_attachment_meta(message=message, part_id=part_id)
    if message.uid <= 0:
        raise PartUnavailable("this message is being moved; try again after the next sync")
    key = _cache_key(message, part_id)
    cached = cache.get(key)
    if cached is not None:
        return PartData(part_id=part_id, content_type=cached[0], filename=cached[1], data=cached[2])
    raw_part = _part_fetch_from_server(message=message, part_id=part_id)
    decoded = attachment_payload(raw=raw_part.entity, part_id=raw_part.section)
    if decoded is None:
        raise PartNotFound(part_id)
    parsed_meta, data = decoded
    result = PartData(
        part_id=part_id,
        content_type=str(meta.get("content_type") or parsed_meta.content_type).lower(),
        filename=meta.get("filename") or parsed_meta.filename,
        data=data,
    )
    if len(data) <= PART_CACHE_MAX_BYTES:
        cache.set(key, (result.content_type, result.filename, data), PART_CACHE_SECONDS)
    return result


@dataclass(frozen=True, slots=True)
class _RawPart:
    entity: bytes  # a MIME entity that contains the wanted part at ``section``
    section: str


def _part_fetch_from_server(*, message: Message, part_id: str) -> _RawPart:
    timeout = getattr(settings, "IMAP_PART_FETCH_TIMEOUT", PART_FETCH_TIMEOUT)
    try:
        with imap_session(account=message.account, timeout=timeout) as client:
            info = client.select_folder(message.folder.raw_name, readonly=True)
            if int(info[b"UIDVALIDITY"]) != message.uidvalidity:
                raise PartUnavailable("the folder changed on the server; it is being synced again")
            mime_key, body_key = f"BODY[{part_id}.MIME]".encode(), f"BODY[{part_id}]".encode()
            fetched = {}
            if part_id != "1":  # a single-part message has no MIME header for part 1 (RFC 3501 6.4.5)
                fetched = client.fetch([message.uid], [f"BODY.PEEK[{part_id}.MIME]", f"BODY.PEEK[{part_id}]"])
            row = fetched.get(message.uid, {})
            if row.get(mime_key) and row.get(body_key) is not None:
                # The part's own MIME header plus its body is a complete single-part entity: section "1".
                return _RawPart(entity=bytes(row[mime_key]) + bytes(row[body_key]), section="1")
            # Part 1 of a single-part message, or a server that will not split: fetch the whole message.
            whole = client.fetch([message.uid], ["BODY.PEEK[]"]).get(message.uid, {})
            raw = whole.get(b"BODY[]")
            if raw is None:
                raise PartUnavailable("the message is no longer on the server")
            return _RawPart(entity=bytes(raw), section=part_id)
    except (PartUnavailable, PartNotFound):
        raise
    except SyncError as exc:
        logger.info("part fetch failed message=%s part=%s: %s", message.pk, part_id, type(exc).__name__)
        raise PartUnavailable(str(exc)) from exc
    except Exception as exc:  # IMAP protocol errors, dropped connections
        logger.warning("part fetch failed message=%s part=%s", message.pk, part_id, exc_info=True)
        raise PartUnavailable(str(exc)) from exc
