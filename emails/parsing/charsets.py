"""Turning bytes in a declared (possibly bogus) charset into clean text."""

from __future__ import annotations

import codecs
from functools import lru_cache

# Labels seen in real mail that Python does not know, or that senders use for a superset in practice
# (the WHATWG Encoding Standard makes the same substitutions).
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-sjis": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf7": "utf-7",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
}
# Codecs that are text encodings to Python but are no mail charset, or are slow on hostile input.
_REFUSED_CODECS = frozenset(
    {"punycode", "idna", "raw_unicode_escape", "unicode_escape", "undefined", "mbcs", "oem"}
)
# Codecs whose text is (or may be) made of ASCII bytes that still need decoding.
_SEVEN_BIT_CODEC_PREFIXES = ("iso2022", "utf-7", "utf-16", "utf-32", "hz")
# Python codec names of labels under which 8-bit text is UTF-8 more often than not.
_SINGLE_BYTE_LOOKALIKES = frozenset({"ascii", "cp1252", "iso8859-1", "latin-1"})


@lru_cache(maxsize=512)
def charset_codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when the label is missing or unknown."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower().split("*", 1)[0]
    label = _CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        if label.startswith("cp-") or label.startswith("windows"):
            return charset_codec(label.replace("-", "").replace("windows", "cp"))
        return None
    if name in _REFUSED_CODECS or not getattr(codecs.lookup(name), "_is_text_encoding", True):
        return None
    return name


def bytes_decode(data: bytes, charset: str | None, *, is_truncated: bool = False) -> tuple[str, bool]:
    """Decode ``data``: declared charset → UTF-8 → windows-1252 with replacement.

    Returns the text and whether a fallback was needed (the caller turns that into a warning): the label
    was unknown, or the bytes did not fit it. UTF-8 under a missing, ascii or latin-1 label is so common
    that it is not counted as a fallback. When the data was cut (``is_truncated``) a partial multi-byte
    sequence at the end is dropped rather than blamed on the charset.
    """
    codec = charset_codec(charset)
    if data.isascii() and not (codec and codec.startswith(_SEVEN_BIT_CODEC_PREFIXES)):
        return data.decode("ascii"), False
    is_unknown_label = codec is None and bool(charset and charset.strip())
    if codec is None or codec in _SINGLE_BYTE_LOOKALIKES:
        text = _strict_decode(data, "utf-8", is_truncated=is_truncated)
        if text is not None:
            return text, is_unknown_label
        return data.decode("cp1252", "replace"), codec in (None, "ascii")
    text = _strict_decode(data, codec, is_truncated=is_truncated)
    if text is not None:
        return text, False
    text = _strict_decode(data, "utf-8", is_truncated=is_truncated)
    if text is not None:
        return text, True
    return data.decode(codec, "replace"), True


def _strict_decode(data: bytes, codec: str, *, is_truncated: bool) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        pass
    except Exception:  # some codecs raise odd errors on hostile input
        return None
    if is_truncated:
        for cut in (1, 2, 3):
            try:
                return data[:-cut].decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
    return None


def surrogates_decode(value: str) -> str:
    """Headers read by the bytes parser keep 8-bit octets as surrogates: decode them as UTF-8 or cp1252."""
    if value.isascii():
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    text, _ = bytes_decode(data, "utf-8")
    return text


def text_clean(value: str) -> str:
    """Drop NUL and lone surrogates, which PostgreSQL text columns refuse."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value
