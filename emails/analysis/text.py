"""The plain text the analysis works on."""

from __future__ import annotations

from emails.parsing import ParsedMessage
from emails.sanitize import html_to_text

ANALYSIS_TEXT_MAX_CHARS = 50_000


def message_text(*, parsed: ParsedMessage) -> str:
    """The text/plain body, or the HTML body as text when there is no usable plain part."""
    text = parsed.text_body
    if len(text.strip()) < 20 and parsed.html_body:
        text = html_to_text(html=parsed.html_body[: ANALYSIS_TEXT_MAX_CHARS * 4])
    return text[:ANALYSIS_TEXT_MAX_CHARS]
