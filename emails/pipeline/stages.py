"""The CPU stages of the pipeline (parse, sanitize, embed) and the hooks for later issues (tags, rules).

Each stage function does the work for one logical message and returns the warning codes it collected; it
raises ``StageError`` for a failure that retrying cannot fix, anything else is retried with backoff.
Each is idempotent: running it twice leaves the same rows behind.
"""

from __future__ import annotations

import logging
from datetime import datetime

from emails.models import LogicalMessage, Message, MessageContent
from emails.parsing import Address, AttachmentMeta, CalendarPart, ParsedMessage
from emails.sanitize import html_make_safe, html_to_text, reply_split
from emails.search.services import search_index_update
from emails.threads.services import threads_assign

logger = logging.getLogger(__name__)

TEXT_MAX_CHARS = 200_000


class StageError(Exception):
    """A stage cannot succeed for this message whatever we retry (the message is marked failed)."""


def message_representative(*, logical_id: int) -> Message:
    """The copy a stage reads: the oldest stored one (all copies share the same content)."""
    message = Message.objects.filter(logical_id=logical_id).order_by("id").first()
    if message is None:
        raise StageError("no stored copy of this message (expunged everywhere?)")
    return message


def _address(value: dict | None) -> Address | None:
    if not value or not value.get("address"):
        return None
    return Address(name=value.get("name") or "", address=value["address"])


def _addresses(values: list) -> tuple[Address, ...]:
    return tuple(a for a in (_address(v) for v in values or []) if a is not None)


def parsed_from_message(message: Message) -> ParsedMessage:
    """Rebuild the parser's value object from a stored row (the raw bytes are not kept)."""
    from_address = (
        Address(name=message.from_name, address=message.from_address) if message.from_address else None
    )
    date: datetime | None = message.sent_at or message.received_at
    return ParsedMessage(
        message_id=message.message_id or None,
        in_reply_to=message.in_reply_to or None,
        references=tuple(message.references or ()),
        subject=message.subject,
        from_address=from_address,
        sender=_address(message.sender),
        reply_to=_addresses(message.reply_to),
        to=_addresses(message.to),
        cc=_addresses(message.cc),
        bcc=_addresses(message.bcc),
        date=date,
        text_body=message.text_body,
        html_body=message.html_body,
        attachments=tuple(
            AttachmentMeta(
                part_id=a.get("part_id", ""),
                filename=a.get("filename"),
                content_type=a.get("content_type", "application/octet-stream"),
                size=int(a.get("size") or 0),
                content_id=a.get("content_id"),
                is_inline=bool(a.get("is_inline")),
            )
            for a in message.attachments or []
        ),
        calendar=tuple(
            CalendarPart(
                part_id=c.get("part_id", ""),
                method=c.get("method"),
                ics=c.get("ics", ""),
                is_truncated=bool(c.get("is_truncated")),
            )
            for c in message.calendar_parts or []
        ),
        list_headers=dict(message.list_headers or {}),
        raw_headers=message.raw_headers,
        size=message.size,
        has_attachments=message.has_attachments,
        is_structure_parsed=message.is_structure_parsed,
        warnings=tuple(message.parse_warnings or ()),
    )


def parse_stage(logical: LogicalMessage) -> list[str]:
    """Check that a readable copy exists and carry the parser's warnings into the processing state.

    The MIME parsing itself happened during sync (bounded, guarded); the stage records its outcome
    (``structure_unparsed``, ``charset_fallback`` …) so a half-readable mail is visible, not dropped.
    """
    message = message_representative(logical_id=logical.pk)
    warnings = [f"parse:{w}" for w in (message.parse_warnings or [])]
    if not message.text_body.strip() and not message.html_body.strip():
        warnings.append("parse:empty_body")
    return warnings


def sanitize_stage(logical: LogicalMessage) -> list[str]:
    """Readable text, the reply split and display-safe HTML into ``MessageContent``."""
    message = message_representative(logical_id=logical.pk)
    warnings: list[str] = []
    text = message.text_body
    converted = False
    if len(text.strip()) < 20 and message.html_body:
        try:
            text = html_to_text(html=message.html_body)
            converted = True
        except Exception:  # a converter crash must not lose the mail: keep what the plain part had
            logger.exception("html_to_text failed logical=%s", logical.pk)
            warnings.append("sanitize:html_to_text_failed")
    text = text[:TEXT_MAX_CHARS]
    parts = reply_split(text=text)
    safe_html = ""
    blocked = 0
    if message.html_body:
        # cid: references stay as they are; the display view rewrites them to its owner-checked URL.
        safe = html_make_safe(
            html=message.html_body, allow_remote_images=False, cid_url=lambda cid: f"cid:{cid}"
        )
        safe_html, blocked = safe.html, safe.remote_images_blocked
        if blocked:
            warnings.append("sanitize:remote_images_blocked")
    MessageContent.objects.update_or_create(
        logical=logical,
        defaults={
            "owner_id": logical.owner_id,
            "text": text,
            "new_text": parts.visible or text,
            "quoted": parts.quoted,
            "signature": parts.signature,
            "safe_html": safe_html,
            "remote_images_blocked": blocked,
            "html_to_text": converted,
            "warnings": warnings,
        },
    )
    # Searchable and threaded as soon as its readable text exists; the analyze stage that follows reads
    # the thread for context. Done here, not in the sync path, so syncing stays fast.
    search_index_update(logical_ids=[logical.pk])
    threads_assign(owner_id=logical.owner_id, logical_ids=[logical.pk])
    return warnings


def embedding_input(logical: LogicalMessage) -> str:
    from emails.analysis.embeddings import embedding_text

    message = message_representative(logical_id=logical.pk)
    content = MessageContent.objects.filter(logical=logical).first()
    body = (content.new_text or content.text) if content else message.text_body
    return embedding_text(subject=message.subject, body=body)


def embed_stage(logical: LogicalMessage) -> list[str]:
    """Embed subject + new text with the configured local model and store it through ``emails.search``."""
    from emails.analysis.embeddings import MODELS, embed_texts

    try:
        from emails.search.vectors import embedding_model_current, vectors_store
    except ImportError:  # emails.search not installed: embed later with ``reprocess --stage embed``
        return ["embed:store_unavailable"]
    model_id, _dimension = embedding_model_current()
    if model_id not in MODELS:  # a provider's embedding model: not computed locally (later issue)
        return ["embed:model_not_local"]
    vectors = embed_texts([embedding_input(logical)], model_id=model_id)
    vectors_store(owner_id=logical.owner_id, logical_ids=[logical.pk], model_id=model_id, vectors=vectors)
    return []


def tags_suggest_stage(logical: LogicalMessage) -> list[str]:
    """Tag suggestions (a later issue fills this in)."""
    return []


def rules_run_stage(logical: LogicalMessage) -> list[str]:
    """User rules (a later issue fills this in)."""
    return []
