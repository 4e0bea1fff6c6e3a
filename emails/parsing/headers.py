"""Header values: length guard, RFC 2047 decoding, ids, dates and the headers triage needs."""

from __future__ import annotations

import binascii
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from emails.parsing.charsets import bytes_decode, surrogates_decode, text_clean
from emails.parsing.types import (
    HEADER_LIST_VALUE_MAX_CHARS,
    HEADER_VALUE_MAX_CHARS,
    RAW_HEADERS_MAX_CHARS,
    REFERENCES_MAX,
    TRIAGE_HEADER_MAX_CHARS,
)

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_ANGLE_ID = re.compile(r"<([^<>]{1,998})>")
_C0_CONTROLS = dict.fromkeys([*range(0, 32), 127], " ")
_METHOD_LINE = re.compile(r"^METHOD[ \t]*:[ \t]*([A-Za-z-]{1,32})", re.MULTILINE | re.IGNORECASE)

LIST_VALUED_HEADERS = frozenset({"to", "cc", "bcc", "reply-to", "from", "references", "in-reply-to"})
TRIAGE_HEADER_NAMES = frozenset(
    {
        "precedence",
        "auto-submitted",
        "authentication-results",
        "return-path",
        "content-language",
        "x-mailer",
        "x-auto-response-suppress",
        "feedback-id",
        "x-priority",
    }
)
_TRIAGE_HEADER_PREFIXES = ("list-", "x-spam-")


def header_value_limit(*, name: str, value: str, warnings: list[str]) -> str:
    """Cut an oversized raw value before any decoding; list headers are cut after the last comma."""
    limit = HEADER_LIST_VALUE_MAX_CHARS if name in LIST_VALUED_HEADERS else HEADER_VALUE_MAX_CHARS
    if len(value) <= limit:
        return value
    warnings.append(f"header_truncated:{name}")
    value = value[:limit]
    if name in LIST_VALUED_HEADERS:
        separator = value.rfind("," if name != "references" else ">")
        if separator > 0:
            value = value[: separator + (name == "references")]
    return value


def header_unfold(value: str) -> str:
    """Undo RFC 5322 folding and turn raw 8-bit octets into text."""
    if "\n" in value or "\r" in value:
        value = _FOLD.sub("", value)
    return surrogates_decode(value)


def rfc2047_decode(value: str) -> tuple[str, bool]:
    """Decode encoded words anywhere in ``value``; returns the text and whether a charset fallback happened.

    Whitespace between adjacent encoded words is dropped, and adjacent words in one charset are joined
    before decoding, so a multi-byte character split across two words survives.
    """
    if "=?" not in value:
        return value, False
    pieces: list[str] = []
    pending = bytearray()
    pending_charset: str | None = None
    is_fallback = False
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (pending_charset is not None and between.isspace()):
            if pending_charset is not None:
                text, failed = bytes_decode(bytes(pending), pending_charset)
                pieces.append(text)
                is_fallback |= failed
                pending.clear()
                pending_charset = None
            pieces.append(between)
        charset, encoding, payload = match.group(1).lower(), match.group(2), match.group(3)
        data = _word_decode(payload, is_base64=encoding in "bB")
        if data is None:  # undecodable word: keep it verbatim
            if pending_charset is not None:
                text, failed = bytes_decode(bytes(pending), pending_charset)
                pieces.append(text)
                is_fallback |= failed
                pending.clear()
                pending_charset = None
            pieces.append(match.group(0))
            position = match.end()
            continue
        charset = charset.split("*", 1)[0]
        if pending_charset is not None and charset != pending_charset:
            text, failed = bytes_decode(bytes(pending), pending_charset)
            pieces.append(text)
            is_fallback |= failed
            pending.clear()
        pending_charset = charset
        pending += data
        position = match.end()
    if pending_charset is not None:
        text, failed = bytes_decode(bytes(pending), pending_charset)
        pieces.append(text)
        is_fallback |= failed
    pieces.append(value[position:])
    return "".join(pieces), is_fallback


def _word_decode(payload: str, *, is_base64: bool) -> bytes | None:
    data = payload.encode("utf-8", "replace")
    if not is_base64:
        return binascii.a2b_qp(data, header=True)
    data = data.strip().rstrip(b"=")
    missing = -len(data) % 4
    if missing == 3:  # one dangling sextet carries no whole byte
        data = data[:-1]
        missing = 0
    try:
        return binascii.a2b_base64(data + b"=" * missing)
    except binascii.Error:
        return None


def text_single_line(value: str) -> str:
    """Collapse every run of whitespace or control characters into one space."""
    if not value.isprintable():
        value = value.translate(_C0_CONTROLS)
    return text_clean(" ".join(value.split()))


def header_text_decode(*, name: str, value: str, warnings: list[str]) -> str:
    """A free-text header (Subject, List-Id, ...) as one clean line of text."""
    value = header_unfold(header_value_limit(name=name, value=value, warnings=warnings))
    text, is_fallback = rfc2047_decode(value)
    if is_fallback:
        warnings.append("charset_fallback")
    return text_single_line(text)


def message_id_normalize(value: str | None) -> str | None:
    """The first ``<id>`` of a header without brackets or whitespace; a bare token is accepted too."""
    if not value:
        return None
    match = _ANGLE_ID.search(value)
    candidate = match.group(1) if match else (value.split() or [""])[0]
    candidate = text_clean("".join(candidate.split()))[:998]
    return candidate or None


def references_parse(value: str | None) -> tuple[str, ...]:
    """All ids of a References header; a long chain keeps its first id and the most recent ones."""
    if not value:
        return ()
    ids = _ANGLE_ID.findall(value) or value.split()
    cleaned = [text_clean("".join(item.split()))[:998] for item in ids]
    cleaned = list(dict.fromkeys(item for item in cleaned if item))
    if len(cleaned) > REFERENCES_MAX:
        cleaned = [cleaned[0], *cleaned[-(REFERENCES_MAX - 1) :]]
    return tuple(cleaned)


def date_parse(value: str | None, *, warnings: list[str]) -> datetime | None:
    """An aware UTC datetime; a missing or unparseable Date gives None and a warning."""
    if value is None:
        warnings.append("date_missing")
        return None
    try:
        parsed = parsedate_to_datetime(" ".join(value.split()))
    except (TypeError, ValueError, IndexError, OverflowError):
        warnings.append("date_invalid")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        warnings.append("date_invalid")
        return None


def is_triage_header(name: str) -> bool:
    return name in TRIAGE_HEADER_NAMES or name.startswith(_TRIAGE_HEADER_PREFIXES)


def triage_header_decode(*, name: str, value: str, warnings: list[str]) -> str:
    text = header_text_decode(name=name, value=value[: TRIAGE_HEADER_MAX_CHARS * 4], warnings=warnings)
    return text[:TRIAGE_HEADER_MAX_CHARS]


def calendar_method_find(ics: str) -> str | None:
    match = _METHOD_LINE.search(ics)
    return match.group(1).upper() if match else None


def raw_header_block(raw: bytes) -> str:
    """The header block as text (decoded with replacement), cut at the first empty line."""
    head = raw[: RAW_HEADERS_MAX_CHARS * 2]
    end = len(head)
    for separator in (b"\r\n\r\n", b"\n\n", b"\n\r\n"):
        found = head.find(separator)
        if 0 <= found < end:
            end = found
    return text_clean(head[:end].decode("utf-8", "replace"))[:RAW_HEADERS_MAX_CHARS]


def raw_header_scan(raw: bytes) -> list[tuple[str, str]]:
    """Best-effort (name, value) pairs read straight from the header block, for when MIME parsing fails."""
    block = raw_header_block(raw)
    pairs: list[tuple[str, str]] = []
    for line in block.splitlines():
        if line[:1] in (" ", "\t") and pairs:
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value}\n{line}")
            continue
        name, colon, value = line.partition(":")
        if colon and name and " " not in name.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs
