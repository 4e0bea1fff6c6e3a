"""Value objects produced by the MIME parsing layer, and the limits that guard it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

# A header value longer than this (in characters, before RFC 2047 decoding) is cut first and decoded after.
HEADER_VALUE_MAX_CHARS = 8_192
# Address lists and References legitimately grow long (big recipient lists, long threads).
HEADER_LIST_VALUE_MAX_CHARS = 32_768
# At most this many addresses per address header and ids per References header are kept.
ADDRESSES_MAX = 500
REFERENCES_MAX = 100
# Multipart nesting deeper than this is not walked (the stdlib parser recurses once per level).
MIME_DEPTH_MAX = 20
# Parts beyond this count are not looked at.
MIME_PARTS_MAX = 500
# A text/plain or text/html body part is cut to this many decoded bytes.
TEXT_PART_MAX_BYTES = 2 * 1024 * 1024
# The raw iCalendar text kept per calendar part.
CALENDAR_TEXT_MAX_CHARS = 256 * 1024
# Messages bigger than this only get their headers parsed.
MESSAGE_MAX_BYTES = 64 * 1024 * 1024
# Header block kept verbatim (decoded with replacement) on every result.
RAW_HEADERS_MAX_CHARS = 64 * 1024
# Triage headers (List-*, X-Spam-*, ...) are cut to this many characters each.
TRIAGE_HEADER_MAX_CHARS = 2_048
FILENAME_MAX_CHARS = 200


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: a decoded display name (may be empty) and an address whose domain is lower-cased."""

    name: str
    address: str

    def __str__(self) -> str:
        if self.name:
            return f'"{self.name}" <{self.address}>'
        return self.address


@dataclass(frozen=True, slots=True)
class AttachmentMeta:
    """A non-body part; ``part_id`` is the IMAP BODY section number used to fetch it later."""

    part_id: str
    filename: str | None
    content_type: str
    size: int
    content_id: str | None
    is_inline: bool


@dataclass(frozen=True, slots=True)
class CalendarPart:
    """A text/calendar or application/ics part; ``method`` is upper-case (REQUEST, CANCEL, ...) or None."""

    part_id: str
    method: str | None
    ics: str
    is_truncated: bool = False


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """Everything the sync engine stores about one RFC 822 message.

    Strings never contain NUL or lone surrogates, so they can go straight into PostgreSQL text columns.
    ``warnings`` holds short stable codes ("charset_fallback", "header_truncated:subject", ...).
    ``is_structure_parsed`` is False when only the header block could be read.
    """

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: Address | None
    sender: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    date: datetime | None
    text_body: str
    html_body: str
    attachments: tuple[AttachmentMeta, ...]
    calendar: tuple[CalendarPart, ...]
    list_headers: Mapping[str, str]
    raw_headers: str
    size: int
    has_attachments: bool
    is_structure_parsed: bool
    warnings: tuple[str, ...]
    fingerprint: str = field(default="")
