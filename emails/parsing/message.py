"""The entry points: raw RFC 822 bytes in, a ParsedMessage (or one part's bytes) out. Never raises."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from email.errors import MissingHeaderBodySeparatorDefect
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from emails.parsing.addresses import address_first, addresses_parse
from emails.parsing.fingerprint import fingerprint_compute
from emails.parsing.guards import raw_header_names_repair, raw_nesting_limit
from emails.parsing.headers import (
    date_parse,
    header_text_decode,
    header_unfold,
    header_value_limit,
    is_triage_header,
    message_id_normalize,
    raw_header_block,
    raw_header_scan,
    references_parse,
    triage_header_decode,
)
from emails.parsing.parts import attachment_meta_of, leaf_parts, parts_collect
from emails.parsing.payloads import payload_decode
from emails.parsing.types import MESSAGE_MAX_BYTES, AttachmentMeta, CalendarPart, ParsedMessage

logger = logging.getLogger(__name__)

_FIELD_HEADERS = frozenset(
    {
        "message-id",
        "in-reply-to",
        "references",
        "subject",
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "date",
    }
)
ATTACHMENT_PAYLOAD_MAX_BYTES = 256 * 1024 * 1024


def message_parse(*, raw: bytes) -> ParsedMessage:
    """Parse one message as fetched by IMAP ``BODY.PEEK[]``.

    Never raises for bad input: when the MIME structure cannot be read the result carries the header
    fields read straight from the header block, ``is_structure_parsed=False`` and a warning.
    """
    raw = bytes(raw)
    warnings: list[str] = []
    try:
        if len(raw) > MESSAGE_MAX_BYTES:
            warnings.append("message_too_large")
            return _headers_only(raw, warnings)
        return _message_parse(raw, warnings)
    except Exception:  # a bad message must be stored with a warning, never crash the sync
        logger.warning("MIME structure unreadable, keeping headers only (%d bytes)", len(raw), exc_info=True)
        warnings.append("parse_error")
    try:
        return _headers_only(raw, warnings)
    except Exception:
        logger.exception("header block unreadable (%d bytes)", len(raw))
        return _empty_result(raw, [*warnings, "header_error"])


def mime_tree_parse(raw: bytes, warnings: list[str]) -> Message:
    """The compat32 tree of ``raw`` after the cheap pre-parse guards (nesting cut, "Name :" repair)."""
    parse_input, is_cut = raw_nesting_limit(raw)
    if is_cut:
        warnings.append("depth_limit")
    message = BytesParser(policy=compat32).parsebytes(parse_input)
    if any(isinstance(defect, MissingHeaderBodySeparatorDefect) for defect in message.defects):
        repaired = raw_header_names_repair(parse_input)
        if repaired is not None:
            message = BytesParser(policy=compat32).parsebytes(repaired)
    return message


def _message_parse(raw: bytes, warnings: list[str]) -> ParsedMessage:
    message = mime_tree_parse(raw, warnings)
    headers = list(message.raw_items())
    if headers and b"\n\n" not in raw and b"\n\r\n" not in raw:
        warnings.append("no_header_separator")
    parts = parts_collect(message, warnings)
    text_body = (
        "\n\n".join(part.strip("\n") for part in parts.text_parts) if len(parts.text_parts) > 1 else ""
    )
    if len(parts.text_parts) == 1:
        text_body = parts.text_parts[0]
    return _result_build(
        raw=raw,
        headers=headers,
        warnings=warnings,
        text_body=text_body,
        html_body=parts.html_body or "",
        attachments=tuple(parts.attachments),
        calendar=tuple(parts.calendar),
        is_structure_parsed=True,
    )


def _headers_only(raw: bytes, warnings: list[str]) -> ParsedMessage:
    return _result_build(
        raw=raw,
        headers=raw_header_scan(raw),
        warnings=warnings,
        text_body="",
        html_body="",
        attachments=(),
        calendar=(),
        is_structure_parsed=False,
    )


def _result_build(
    *,
    raw: bytes,
    headers: list[tuple[str, str]],
    warnings: list[str],
    text_body: str,
    html_body: str,
    attachments: tuple[AttachmentMeta, ...],
    calendar: tuple[CalendarPart, ...],
    is_structure_parsed: bool,
) -> ParsedMessage:
    fields: dict[str, str] = {}
    triage: dict[str, str] = {}
    for name, value in headers:
        key = name.strip().lower()
        if key in _FIELD_HEADERS:
            fields.setdefault(key, value)
        elif is_triage_header(key) and key not in triage:
            triage[key] = triage_header_decode(name=key, value=value, warnings=warnings)
    message_id = message_id_normalize(_id_header(fields, "message-id", warnings))
    if message_id is None:
        warnings.append("message_id_missing")
    references = references_parse(_id_header(fields, "references", warnings))
    from_address = address_first(name="from", value=fields.get("from"), warnings=warnings)
    subject = header_text_decode(name="subject", value=fields.get("subject", ""), warnings=warnings)
    date_value = fields.get("date")
    date = date_parse(
        None
        if date_value is None
        else header_unfold(header_value_limit(name="date", value=date_value, warnings=warnings)),
        warnings=warnings,
    )
    fingerprint = fingerprint_compute(
        message_id=message_id,
        date=date,
        from_address=from_address,
        subject=subject,
        body=text_body or html_body,
        attachments=attachments,
    )
    return ParsedMessage(
        message_id=message_id,
        in_reply_to=message_id_normalize(_id_header(fields, "in-reply-to", warnings)),
        references=references,
        subject=subject,
        from_address=from_address,
        sender=address_first(name="sender", value=fields.get("sender"), warnings=warnings),
        reply_to=addresses_parse(name="reply-to", value=fields.get("reply-to"), warnings=warnings),
        to=addresses_parse(name="to", value=fields.get("to"), warnings=warnings),
        cc=addresses_parse(name="cc", value=fields.get("cc"), warnings=warnings),
        bcc=addresses_parse(name="bcc", value=fields.get("bcc"), warnings=warnings),
        date=date,
        text_body=text_body,
        html_body=html_body,
        attachments=attachments,
        calendar=calendar,
        list_headers=triage,
        raw_headers=raw_header_block(raw),
        size=len(raw),
        has_attachments=any(not _is_embedded_image(item) for item in attachments),
        is_structure_parsed=is_structure_parsed,
        warnings=tuple(dict.fromkeys(warnings)),
        fingerprint=fingerprint,
    )


def _id_header(fields: dict[str, str], name: str, warnings: list[str]) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    return header_unfold(header_value_limit(name=name, value=value, warnings=warnings))


def _is_embedded_image(item: AttachmentMeta) -> bool:
    """An image referenced from the HTML by cid: is part of the body, not something the user attached."""
    return item.is_inline and item.content_id is not None and item.content_type.startswith("image/")


def _empty_result(raw: bytes, warnings: list[str]) -> ParsedMessage:
    return ParsedMessage(
        message_id=None,
        in_reply_to=None,
        references=(),
        subject="",
        from_address=None,
        sender=None,
        reply_to=(),
        to=(),
        cc=(),
        bcc=(),
        date=None,
        text_body="",
        html_body="",
        attachments=(),
        calendar=(),
        list_headers={},
        raw_headers="",
        size=len(raw),
        has_attachments=False,
        is_structure_parsed=False,
        warnings=tuple(dict.fromkeys(warnings)),
        fingerprint=hashlib.blake2b(raw, digest_size=16).hexdigest(),
    )


def attachment_payload(*, raw: bytes, part_id: str) -> tuple[AttachmentMeta, bytes] | None:
    """The metadata and decoded bytes of the part at IMAP section ``part_id``; None if there is none.

    Any leaf part can be fetched, body parts included. An attached message comes back as its RFC 822
    bytes. Never raises for bad input.
    """
    try:
        raw = bytes(raw)
        message = mime_tree_parse(raw, [])
        for leaf in leaf_parts(message, []):
            if leaf.part_id != part_id:
                continue
            meta = attachment_meta_of(leaf)
            data, _ = payload_decode(leaf.part, max_bytes=ATTACHMENT_PAYLOAD_MAX_BYTES, warnings=[])
            meta = dataclasses.replace(meta, size=len(data))
            return meta, data
    except Exception:
        logger.warning("attachment %s unreadable (%d bytes)", part_id, len(raw), exc_info=True)
    return None
