"""Walking the MIME tree: body choice, attachments, calendar parts, IMAP section numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import errors
from email.message import Message

from emails.parsing.charsets import bytes_decode, surrogates_decode, text_clean
from emails.parsing.headers import calendar_method_find, header_text_decode
from emails.parsing.payloads import (
    content_id_of,
    filename_sanitize,
    part_filename,
    part_param,
    payload_decode,
    payload_size_estimate,
)
from emails.parsing.types import (
    CALENDAR_TEXT_MAX_CHARS,
    MIME_DEPTH_MAX,
    MIME_PARTS_MAX,
    TEXT_PART_MAX_BYTES,
    AttachmentMeta,
    CalendarPart,
)

CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})
_DEFECT_WARNINGS: dict[type[errors.MessageDefect], str] = {
    errors.MissingHeaderBodySeparatorDefect: "no_header_separator",
    errors.NoBoundaryInMultipartDefect: "multipart_boundary_missing",
    errors.StartBoundaryNotFoundDefect: "multipart_boundary_missing",
    errors.CloseBoundaryNotFoundDefect: "multipart_unterminated",
    errors.FirstHeaderLineIsContinuationDefect: "header_malformed",
    errors.MisplacedEnvelopeHeaderDefect: "header_malformed",
}


@dataclass(slots=True)
class PartsResult:
    text_parts: list[str] = field(default_factory=list)
    html_body: str | None = None
    attachments: list[AttachmentMeta] = field(default_factory=list)
    calendar: list[CalendarPart] = field(default_factory=list)
    part_count: int = 0


@dataclass(frozen=True, slots=True)
class LeafPart:
    """A non-multipart part together with its IMAP section number and its multipart parent's subtype."""

    part: Message
    part_id: str
    parent_subtype: str


def part_headers_decode(part: Message) -> None:
    """Replace 8-bit header octets (kept as surrogates) by text in place.

    Otherwise compat32 turns such values into "unknown-8bit" Header objects and parameters read from them
    (filename, charset) come back mangled.
    """
    headers = getattr(part, "_headers", None)
    if not isinstance(headers, list):
        return
    for index, (name, value) in enumerate(headers):
        if isinstance(value, str) and not value.isascii():
            headers[index] = (name, surrogates_decode(value))


def defect_warnings(part: Message, warnings: list[str]) -> None:
    for defect in getattr(part, "defects", ()):
        code = _DEFECT_WARNINGS.get(type(defect))
        if code:
            warnings.append(code)


@dataclass(slots=True)
class _PartCounter:
    value: int = 0
    is_exhausted: bool = False


def leaf_parts(message: Message, warnings: list[str]) -> Iterator[LeafPart]:
    """Every leaf part in document order, with guards on depth and part count.

    Numbering follows IMAP BODY sections: children of a multipart are 1, 2, ...; a nested multipart's
    children are 1.1, 1.2, ...; a single-part message's only part is "1". Attached messages are leaves.
    """
    part_headers_decode(message)
    defect_warnings(message, warnings)
    if not _is_container(message):
        yield LeafPart(message, "1", "")
        return
    yield from _children(message, "", 1, warnings, _PartCounter())


def _children(
    container: Message, prefix: str, depth: int, warnings: list[str], counter: _PartCounter
) -> Iterator[LeafPart]:
    subtype = container.get_content_subtype()
    children = container.get_payload()
    if not isinstance(children, list):
        return
    for index, child in enumerate(children, start=1):
        counter.value += 1
        if counter.value > MIME_PARTS_MAX:
            if not counter.is_exhausted:
                warnings.append("part_limit")
                counter.is_exhausted = True
            return
        part_id = f"{prefix}.{index}" if prefix else str(index)
        part_headers_decode(child)
        defect_warnings(child, warnings)
        if not _is_container(child):
            yield LeafPart(child, part_id, subtype)
        elif depth >= MIME_DEPTH_MAX:
            warnings.append("depth_limit")
        else:
            yield from _children(child, part_id, depth + 1, warnings, counter)


def _is_container(part: Message) -> bool:
    return part.get_content_maintype() == "multipart" and part.is_multipart()


def parts_collect(message: Message, warnings: list[str]) -> PartsResult:
    """Choose the bodies and list attachments and calendar parts.

    The first inline text/plain is the text body and the first inline text/html the HTML body. Later
    inline text/plain parts outside a multipart/alternative (list footers, split bodies) are appended to
    the text body; other alternatives are renderings of the same content and are skipped. Everything
    else, attached messages included, is an attachment; calendar parts are also kept as text.
    """
    result = PartsResult()
    for leaf in leaf_parts(message, warnings):
        result.part_count += 1
        part = leaf.part
        content_type = part.get_content_type()
        maintype = content_type.partition("/")[0]
        if maintype == "multipart":  # declared multipart whose boundary was never found: read it as text
            warnings.append("multipart_broken")
            content_type, maintype = "text/plain", "text"
        disposition = part.get_content_disposition()
        filename = part_filename(part)
        is_body_candidate = (
            maintype == "text"
            and disposition != "attachment"
            and (filename is None or disposition == "inline")
        )
        if content_type in CALENDAR_TYPES:
            result.calendar.append(_calendar_part(part, leaf.part_id, warnings))
            if is_body_candidate and content_type == "text/calendar" and filename is None:
                continue
        elif is_body_candidate and content_type == "text/plain":
            if not result.text_parts or leaf.parent_subtype not in ("alternative", "related"):
                result.text_parts.append(_part_text(part, warnings))
            continue
        elif is_body_candidate and content_type == "text/html":
            if result.html_body is None:
                result.html_body = _part_text(part, warnings)
                continue
            if leaf.parent_subtype == "alternative":
                continue
        elif is_body_candidate and leaf.parent_subtype == "alternative":
            continue
        result.attachments.append(_attachment_meta(leaf, content_type, disposition, filename))
    return result


def _part_text(part: Message, warnings: list[str], *, max_bytes: int = TEXT_PART_MAX_BYTES) -> str:
    data, is_truncated = payload_decode(part, max_bytes=max_bytes, warnings=warnings)
    if is_truncated:
        warnings.append("part_truncated")
    text, is_fallback = bytes_decode(data, part.get_content_charset(), is_truncated=is_truncated)
    if is_fallback:
        warnings.append("charset_fallback")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text_clean(text)


def _calendar_part(part: Message, part_id: str, warnings: list[str]) -> CalendarPart:
    data, is_truncated = payload_decode(part, max_bytes=CALENDAR_TEXT_MAX_CHARS, warnings=warnings)
    text, is_fallback = bytes_decode(data, part.get_content_charset(), is_truncated=is_truncated)
    if is_fallback:
        warnings.append("charset_fallback")
    text = text_clean(text.replace("\r\n", "\n"))
    method = part_param(part, "method")
    method = method.upper()[:32] if method else calendar_method_find(text)
    return CalendarPart(part_id=part_id, method=method, ics=text, is_truncated=is_truncated)


def attachment_meta_of(leaf: LeafPart) -> AttachmentMeta:
    """The attachment metadata of any leaf part (used to fetch one part on demand)."""
    content_type = leaf.part.get_content_type()
    if content_type.startswith("multipart/"):
        content_type = "text/plain"
    return _attachment_meta(leaf, content_type, leaf.part.get_content_disposition(), part_filename(leaf.part))


def _attachment_meta(
    leaf: LeafPart, content_type: str, disposition: str | None, filename: str | None
) -> AttachmentMeta:
    part = leaf.part
    content_id = content_id_of(part)
    if filename is None and content_type in ("message/rfc822", "message/global"):
        filename = _attached_message_filename(part)
    return AttachmentMeta(
        part_id=leaf.part_id,
        filename=filename,
        content_type=content_type,
        size=payload_size_estimate(part),
        content_id=content_id,
        is_inline=disposition == "inline" or (disposition is None and content_id is not None),
    )


def _attached_message_filename(part: Message) -> str:
    """An attached message without a filename is named after its subject, as mail clients do."""
    payload = part.get_payload()
    subject = ""
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        for name, value in payload[0].raw_items():
            if name.lower() == "subject":
                subject = header_text_decode(name="subject", value=value, warnings=[])
                break
    return filename_sanitize(f"{subject[:120]}.eml") or "message.eml"
