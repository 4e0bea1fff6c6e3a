"""MIME parsing for the IMAP sync: raw RFC 822 bytes in, a frozen, typed ParsedMessage out.

Pure Python, no Django: it runs for every synced message, so it is built on the fast compat32 parser and
guards every costly path (huge headers, deep nesting, many parts, big text parts, bogus charsets).
"""

from emails.parsing.fingerprint import fingerprint_compute
from emails.parsing.message import attachment_payload, message_parse
from emails.parsing.types import Address, AttachmentMeta, CalendarPart, ParsedMessage

__all__ = [
    "Address",
    "AttachmentMeta",
    "CalendarPart",
    "ParsedMessage",
    "attachment_payload",
    "fingerprint_compute",
    "message_parse",
]
