"""Attachments and inline (``cid:``) images, fetched from the server on demand, owner-checked.

Downloads are always ``Content-Disposition: attachment`` with ``application/octet-stream`` (the browser
never renders an attached HTML or SVG on our origin). Inline images are served only for a small
allow-list of raster types whose magic bytes match, with ``nosniff`` and a sandboxing CSP.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from emails.selectors import messages_for_user
from emails.services.attachments import (
    INLINE_IMAGE_TYPES,
    PartNotFound,
    PartUnavailable,
    message_attachment_meta,
    message_part_fetch,
)

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def image_type_sniff(data: bytes) -> str | None:
    """The raster image type the bytes really are (of the inline allow-list), or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    return None


def _part_headers(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _unavailable(exc: Exception) -> HttpResponse:
    return HttpResponse(
        _("This part cannot be fetched from the mail server right now. Please try again later."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )


@require_GET
def message_cid(request: HttpRequest, pk: int, content_id: str) -> HttpResponse:
    """An inline image referenced as ``cid:`` from the body of one of the user's messages."""
    message = get_object_or_404(messages_for_user(user=request.user), pk=pk)
    try:
        meta = message_attachment_meta(message=message, content_id=content_id)
        if str(meta.get("content_type", "")).lower() not in INLINE_IMAGE_TYPES:
            raise Http404
        part = message_part_fetch(message=message, part_id=str(meta["part_id"]))
    except PartNotFound as exc:
        raise Http404 from exc
    except PartUnavailable as exc:
        return _part_headers(_unavailable(exc))
    kind = image_type_sniff(part.data)
    if kind is None:
        raise Http404
    response = HttpResponse(part.data, content_type=kind)
    disposition = content_disposition_header(as_attachment=False, filename="image")
    assert disposition is not None  # Django returns None only without a filename for an inline part
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, max-age=300"
    return _part_headers(response)


@require_GET
def message_attachment(request: HttpRequest, pk: int, part_id: str) -> HttpResponse:
    """Download one attachment of one of the user's messages (always as a file, never rendered)."""
    message = get_object_or_404(messages_for_user(user=request.user), pk=pk)
    try:
        part = message_part_fetch(message=message, part_id=part_id)
    except PartNotFound as exc:
        raise Http404 from exc
    except PartUnavailable as exc:
        return _part_headers(_unavailable(exc))
    response = HttpResponse(part.data, content_type="application/octet-stream")
    disposition = content_disposition_header(
        as_attachment=True, filename=safe_filename(part.filename, part_id=part_id)
    )
    assert disposition is not None  # never None for an attachment
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return _part_headers(response)


def safe_filename(name: str | None, *, part_id: str) -> str:
    """A file name without path, control characters or leading dots (the parser already cleaned it)."""
    cleaned = "".join(ch for ch in (name or "") if ch.isprintable() and ch not in '/\\"<>:|?*').strip(" .")
    return cleaned[:200] or f"attachment-{part_id}"
