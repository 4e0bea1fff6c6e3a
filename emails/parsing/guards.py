"""Cheap checks on raw bytes that run before the stdlib parser sees them."""

from __future__ import annotations

import re

from emails.parsing.types import MIME_DEPTH_MAX

_BOUNDARY_EVENT = re.compile(
    rb'boundary[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))|^--([^\r\n]{1,200}?)--[ \t]*\r?$',
    re.IGNORECASE | re.MULTILINE,
)


def raw_nesting_limit(raw: bytes, *, max_depth: int = MIME_DEPTH_MAX) -> tuple[bytes, bool]:
    """Cut the raw message where multipart nesting would pass ``max_depth`` (+1 spare level).

    The stdlib parser recurses once per level and its cost grows with depth × lines; around 1,000 levels
    it raises RecursionError. Nesting can never exceed the number of boundary declarations, so the usual
    message is cleared by one ``bytes.count``; otherwise boundary declarations and close delimiters are
    replayed as a stack. Returns the (possibly cut) bytes and whether they were cut.
    """
    if raw.count(b"oundary") + raw.count(b"OUNDARY") <= max_depth:
        return raw, False
    stack: list[bytes] = []
    for match in _BOUNDARY_EVENT.finditer(raw):
        closed = match.group(3)
        if closed is not None:
            if closed in stack:
                del stack[stack.index(closed) :]
            continue
        stack.append(match.group(1) or match.group(2))
        if len(stack) > max_depth + 1:
            line_start = raw.rfind(b"\n", 0, match.start()) + 1
            return raw[:line_start], True
    return raw, False


_SPACED_HEADER_NAME = re.compile(rb"^([!-9;-~]{1,76})[ \t]+:", re.MULTILINE)


def raw_header_names_repair(raw: bytes) -> bytes | None:
    """Remove blanks between a header name and its colon (RFC 5322 obsolete syntax, "Subject :").

    The stdlib parser takes such a line for the start of the body. Only the header block is touched;
    returns None when there is nothing to repair.
    """
    ends = [found for found in (raw.find(b"\n\n"), raw.find(b"\n\r\n")) if found >= 0]
    end = min(ends) if ends else len(raw)
    head, count = _SPACED_HEADER_NAME.subn(rb"\1:", raw[:end])
    return head + raw[end:] if count else None
