"""The sanitize stage of the triage pipeline: HTML to text, display-safe HTML, reply splitting.

Pure Python (nh3, inscriptis, lxml); nothing here imports Django.
"""

from emails.sanitize.html_safe import BLOCKED_IMAGE_PLACEHOLDER, SafeHtml, html_make_safe
from emails.sanitize.html_text import html_to_text
from emails.sanitize.reply_html import reply_split_html
from emails.sanitize.reply_split import Fragment, ReplyParts, SignatureKind, reply_split

__all__ = [
    "BLOCKED_IMAGE_PLACEHOLDER",
    "Fragment",
    "ReplyParts",
    "SafeHtml",
    "SignatureKind",
    "html_make_safe",
    "html_to_text",
    "reply_split",
    "reply_split_html",
]
