"""Readable plain text from a mail's HTML, through inscriptis (Apache-2.0)."""

from __future__ import annotations

import re

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

MAX_HTML_CHARS = 2_000_000  # bigger bodies are cut before parsing: the text of a mail, not an archive

_CONFIG = ParserConfig(css=CSS_PROFILES["relaxed"], display_links=True, table_cell_separator="  ")

# inscriptis writes links as "[label](url)"; mail readers expect "label <url>".
_LINK = re.compile(r"\[([^\]\n]{0,500})\]\(((?:https?|mailto|tel|ftp):[^)\s]{1,4000})\)")
# Invisible characters newsletters pad their preheaders with, and BOMs.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e]")
_ODD_SPACE = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUN = re.compile(r"  +")  # table columns stay apart by two spaces; padding runs shrink to that
_BLANK_RUN = re.compile(r"\n{3,}")
_LEADING_DOCTYPE = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)


def html_to_text(*, html: str) -> str:
    """Return the visible text of ``html``: links as "label <url>", tables row by row, whitespace tidy."""
    source = _LEADING_DOCTYPE.sub("", html[:MAX_HTML_CHARS])  # lxml refuses str input with an XML declaration
    if not source.strip():
        return ""
    try:
        text = get_text(source, _CONFIG)
    except (ValueError, RecursionError):  # lxml gives up on some broken documents; fall back to no markup
        text = re.sub(r"<[^>]*>", " ", source)
    return text_normalize(text=_LINK.sub(_link_as_text, text))


def _link_as_text(match: re.Match[str]) -> str:
    label, url = match.group(1).strip(), match.group(2)
    if not label or label == url or label == url.removeprefix("mailto:"):
        return f"<{url}>"
    return f"{label} <{url}>"


def text_normalize(*, text: str) -> str:
    """Tidy whitespace: no invisible padding, single spaces, no trailing blanks, at most one empty line."""
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACE_RUN.sub("  ", _ODD_SPACE.sub(" ", line)).rstrip() for line in text.split("\n")]
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line), default=0)
    lines = [line[indent:] for line in lines]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")
