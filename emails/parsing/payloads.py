"""Part payloads: transfer decoding that tolerates broken input, size caps, filenames."""

from __future__ import annotations

import binascii
import io
import re
import unicodedata
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32
from email.utils import collapse_rfc2231_value

from emails.parsing.charsets import surrogates_decode
from emails.parsing.headers import rfc2047_decode, text_single_line
from emails.parsing.types import FILENAME_MAX_CHARS

_IDENTITY_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})
_UUENCODE_ENCODINGS = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})
_BASE64_NOISE = re.compile(rb"[^A-Za-z0-9+/]")
_GENERATOR_POLICY = compat32.clone(max_line_length=0)


def raw_payload(part: Message) -> str | list[Message] | None:
    """The payload as the bytes parser stored it: 8-bit octets kept as surrogates.

    ``get_payload()`` would decode such text with the declared charset and replace what fails, before
    our own charset fallback gets a chance.
    """
    payload = getattr(part, "_payload", None)
    return payload if isinstance(payload, str | list) else None


def transfer_encoding(part: Message) -> str:
    """The Content-Transfer-Encoding, with the common misspellings ("8 bit", "7-bit") normalized."""
    value = part.get("content-transfer-encoding")
    if value is None:
        return ""
    encoding = str(value).strip().lower().replace(" ", "").replace("-", "")
    return {"quotedprintable": "quoted-printable", "xuuencode": "x-uuencode", "plain": "7bit"}.get(
        encoding, encoding
    )


def base64_decode(data: bytes) -> tuple[bytes, bool]:
    """Decode lenient base64 (noise ignored, padding repaired); the flag says the input was broken."""
    try:
        return binascii.a2b_base64(data), True
    except binascii.Error:
        pass
    cleaned = _BASE64_NOISE.sub(b"", data)
    remainder = len(cleaned) % 4
    if remainder == 1:
        cleaned = cleaned[:-1]
    elif remainder:
        cleaned += b"=" * (4 - remainder)
    try:
        return binascii.a2b_base64(cleaned), False
    except binascii.Error:
        return b"", False


def payload_decode(part: Message, *, max_bytes: int, warnings: list[str]) -> tuple[bytes, bool]:
    """The decoded payload of a leaf part, cut to ``max_bytes``; returns (data, is_truncated)."""
    payload = raw_payload(part)
    if isinstance(payload, list):  # message/* parts hold parsed sub-messages
        data = message_bytes(part)
        return (data[:max_bytes], True) if len(data) > max_bytes else (data, False)
    if not isinstance(payload, str):
        return b"", False
    encoding = transfer_encoding(part)
    is_truncated = False
    if encoding == "base64":
        encoded_limit = max_bytes * 4 // 3 + max_bytes // 16 + 1024  # room for line breaks
    elif encoding == "quoted-printable":
        encoded_limit = max_bytes * 3 + 1024
    else:
        encoded_limit = max_bytes
    if len(payload) > encoded_limit:
        payload = payload[:encoded_limit]
        is_truncated = True
    raw = payload.encode("utf-8", "surrogateescape")
    if encoding == "base64":
        data, is_valid = base64_decode(raw)
        if not is_valid and not is_truncated:
            warnings.append("base64_invalid")
    elif encoding == "quoted-printable":
        data = binascii.a2b_qp(raw)
    elif encoding in _UUENCODE_ENCODINGS:
        decoded = part.get_payload(decode=True)
        data = decoded if isinstance(decoded, bytes) else raw
    else:
        if encoding not in _IDENTITY_ENCODINGS:
            warnings.append("transfer_encoding_unknown")
        data = raw
    if len(data) > max_bytes:
        data = data[:max_bytes]
        is_truncated = True
    return data, is_truncated


def payload_size_estimate(part: Message) -> int:
    """The decoded size of a leaf part, computed without decoding big payloads."""
    payload = raw_payload(part)
    if isinstance(payload, list):
        return len(message_bytes(part))
    if not isinstance(payload, str):
        return 0
    encoding = transfer_encoding(part)
    if encoding == "base64":
        characters = len(payload) - sum(payload.count(space) for space in ("\n", "\r", " ", "\t"))
        padding = 0
        tail = payload.rstrip()
        if tail.endswith("=="):
            padding = 2
        elif tail.endswith("="):
            padding = 1
        return max(0, characters * 3 // 4 - padding)
    if encoding == "quoted-printable" and len(payload) < 1024 * 1024:
        return len(binascii.a2b_qp(payload.encode("utf-8", "surrogateescape")))
    return len(payload)


def message_bytes(part: Message) -> bytes:
    """An attached message (or DSN block) rendered back to bytes, unfolded as it came."""
    buffer = io.BytesIO()
    payload = part.get_payload()
    try:
        generator = BytesGenerator(buffer, mangle_from_=False, policy=_GENERATOR_POLICY)
        if isinstance(payload, list):
            for index, sub_message in enumerate(payload):
                if index:
                    buffer.write(b"\n")
                generator.flatten(sub_message)
        else:
            generator.flatten(part)
    except Exception:  # rendering a broken sub-message is best effort
        return buffer.getvalue()
    return buffer.getvalue()


def filename_sanitize(name: str | None) -> str | None:
    """A display-safe filename: decoded, no path, no control or bidi characters, bounded length."""
    if not name:
        return None
    name = surrogates_decode(name)
    if "=?" in name:
        name, _ = rfc2047_decode(name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    if not (name.isascii() and name.isprintable()):
        name = "".join(
            " " if unicodedata.category(char) in ("Zl", "Zp") else char
            for char in name
            if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
        )
    name = text_single_line(name).strip(" .")
    if not name:
        return None
    if len(name) > FILENAME_MAX_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = f"{stem[: FILENAME_MAX_CHARS - len(extension) - 1]}.{extension}"
        else:
            name = name[:FILENAME_MAX_CHARS]
    return name


def part_filename(part: Message) -> str | None:
    """The filename from Content-Disposition or Content-Type "name" (RFC 2231 and RFC 2047 both decoded)."""
    try:
        name = part.get_filename()
    except Exception:  # broken RFC 2231 continuations
        return None
    return filename_sanitize(name) if isinstance(name, str) else None


def part_param(part: Message, name: str) -> str | None:
    """A Content-Type parameter as plain text (RFC 2231 collapsed)."""
    try:
        value = part.get_param(name)
    except Exception:
        return None
    if value is None:
        return None
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    return surrogates_decode(str(value)).strip() or None


def content_id_of(part: Message) -> str | None:
    value = part.get("content-id")
    if value is None:
        return None
    text = text_single_line(surrogates_decode(str(value))).strip("<> ")
    return text[:998] or None
