"""A digest that names one logical message across folders and server-side copies."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from emails.parsing.types import Address, AttachmentMeta

FINGERPRINT_BODY_CHARS = 2_048
_SEPARATOR = b"\x1f"


def fingerprint_compute(
    *,
    message_id: str | None,
    date: datetime | None,
    from_address: Address | None,
    subject: str,
    body: str,
    attachments: Iterable[AttachmentMeta] = (),
) -> str:
    """32 hex characters from the Message-ID and a normalized content summary.

    Only fields a server keeps when it copies a message are used (never Received, Status, X-Keywords or
    flags), and the body is compared after whitespace normalization, so CRLF/LF conversions and
    re-wrapped trailing blanks do not change the result. The content part also tells apart distinct
    messages that reuse one Message-ID.
    """
    digest = hashlib.blake2b(digest_size=16, person=b"mailhelper-fp1")
    body_summary = " ".join(body[: FINGERPRINT_BODY_CHARS * 4].split())[:FINGERPRINT_BODY_CHARS]
    fields = (
        message_id or "",
        date.isoformat() if date else "",
        from_address.address.lower() if from_address else "",
        " ".join(subject.split()).casefold(),
        body_summary,
        ";".join(f"{item.content_type}:{item.filename or ''}" for item in attachments),
    )
    for value in fields:
        digest.update(value.encode("utf-8", "replace"))
        digest.update(_SEPARATOR)
    return digest.hexdigest()
