"""Reply splitting for HTML mail: cut at the quote markers mail clients put into their HTML.

Clients mark quoted history structurally (Gmail's ``gmail_quote``, Apple/Thunderbird's
``<blockquote type="cite">``, Outlook's ``divRplyFwdMsg`` and border-top header block, Yahoo's
``yahoo_quoted`` …). Everything from the first marker on is history; the rest is converted to
text and split again as text, which also catches "On … wrote:" lines and unmarked history.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from emails.sanitize.html_text import MAX_HTML_CHARS, html_to_text, text_normalize
from emails.sanitize.reply_split import DEFAULT_LANGUAGES, Fragment, ReplyParts, reply_split

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)

# Document order decides: the first of these that occurs starts the history.
_QUOTE_MARKERS = " | ".join(
    (
        "//div[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote ')]",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote_container ')]",
        "//blockquote[@type='cite']",
        "//*[@id='divRplyFwdMsg']",
        "//*[@id='appendonsend']",
        "//*[@id='OLK_SRC_BODY_SECTION']",
        "//*[@id='mail-editor-reference-message-container']",
        "//*[contains(@class, 'moz-cite-prefix')]",
        "//*[contains(@class, 'yahoo_quoted')]",
        "//*[contains(@class, 'protonmail_quote')]",
        "//*[contains(@class, 'zmail_extra')]",
        "//*[contains(@class, 'OutlookMessageHeader')]",
        "//*[contains(@class, 'ms-outlook-mobile-reference-message')]",
        "//hr[@id='stopSpelling']",
        "//div[@name='quote']",
        "//div[@data-marker='__QUOTED_TEXT__']",
        "//div[starts-with(translate(@style, ' ', ''), 'border:none;border-top:solid')]",
    )
)


def reply_split_html(*, html: str, languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> ReplyParts:
    """Split an HTML reply: history from the first quote marker on, then the text splitter."""
    source = _XML_DECLARATION.sub("", html[:MAX_HTML_CHARS])
    try:
        document = lxml.html.document_fromstring(source)
    except (etree.ParserError, ValueError):
        return reply_split(text=html_to_text(html=source), languages=languages)
    markers = document.xpath(_QUOTE_MARKERS)
    history_html = ""
    if markers:
        history_html = _cut_from(markers[0])
    new_text = html_to_text(html=lxml.html.tostring(document, encoding="unicode"))
    parts = reply_split(text=new_text, languages=languages)
    if not history_html:
        return parts
    history = Fragment(html_to_text(html=history_html), is_quoted=True, is_hidden=True)
    fragments = [*parts.fragments, history]
    quoted = text_normalize(text="\n".join(f.text for f in fragments if f.is_quoted))
    return ReplyParts(visible=parts.visible, signature=parts.signature, quoted=quoted, fragments=fragments)


def _cut_from(element: etree._Element) -> str:
    """Remove ``element`` and everything after it in document order; return the removed HTML."""
    removed = [lxml.html.tostring(element, encoding="unicode", with_tail=True)]
    node = element
    parent = node.getparent()
    if parent is None:
        return removed[0]
    siblings_after = list(node.itersiblings())
    parent.remove(node)
    node = parent
    while True:
        for sibling in siblings_after:
            removed.append(lxml.html.tostring(sibling, encoding="unicode", with_tail=True))
            sibling.getparent().remove(sibling)
        parent = node.getparent()
        if parent is None:
            break
        if node.tail:
            removed.append(node.tail)
            node.tail = None
        siblings_after = list(node.itersiblings())
        node = parent
    return "".join(removed)
