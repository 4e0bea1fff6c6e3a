"""A display-safe copy of a mail's HTML, built on nh3's allow-list sanitizer.

The result is meant for a sandboxed iframe (no scripts) with its own CSP; this module is the
second wall: whatever reaches the browser has no script, no event handler, no form, no frame,
no style that can fetch a URL, and no remote image unless the user asked for remote images.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import nh3

MAX_HTML_CHARS = 2_000_000  # larger bodies are cut; html5ever closes whatever the cut leaves open

# A 1x1 transparent GIF: keeps the layout of a blocked image without any request leaving the page.
BLOCKED_IMAGE_PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

_TAGS = frozenset(nh3.ALLOWED_TAGS) | {
    "font",
    "picture",
    "source",
    "tfoot",
    "main",
    "section",
    "address",
    "big",
}

# Removed together with everything inside them.
_DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "title",
        "template",
        "noscript",
        "svg",
        "math",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "textarea",
        "select",
    }
)

_PRESENTATION = {"align", "valign", "width", "height", "bgcolor", "border", "dir", "lang", "title", "style"}
_ATTRIBUTES: dict[str, set[str]] = {
    "*": _PRESENTATION | {"class"},
    "a": {"href", "name", "hreflang"},
    "img": {"src", "alt", "srcset", "sizes", "hspace", "vspace"},
    "source": {"srcset", "media", "type", "sizes"},
    "table": {"cellpadding", "cellspacing", "background", "summary", "frame", "rules"},
    "td": {"colspan", "rowspan", "background", "nowrap", "headers", "scope"},
    "th": {"colspan", "rowspan", "background", "nowrap", "headers", "scope"},
    "tr": {"background"},
    "div": {"background"},
    "body": {"background"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "col": {"span"},
    "colgroup": {"span"},
    "blockquote": {"cite", "type"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "hr": {"size", "noshade"},
    "area": {"href", "alt", "shape", "coords"},
    "map": {"name"},
}

_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
_IMAGE_DATA_URL = re.compile(r"^data:image/(?:png|gif|jpe?g|webp)(?:;[a-z0-9=._+-]*)*,", re.IGNORECASE)
_REMOTE_URL = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_CSS_DANGER = (
    "url(",
    "image(",
    "image-set(",
    "expression(",
    "@import",
    "behavior:",
    "-moz-binding",
    "javascript:",
)
_CONTROL_AND_SPACE = re.compile(r"[\x00-\x20\x7f]+")


@dataclass(frozen=True, slots=True)
class SafeHtml:
    """Sanitized HTML and what was held back while making it."""

    html: str
    remote_images_blocked: int


def html_make_safe(*, html: str, allow_remote_images: bool, cid_url: Callable[[str], str] | None) -> SafeHtml:
    """Return HTML that is safe to show: allow-listed tags and attributes, no active content.

    ``cid:`` image references go through ``cid_url`` (``None`` drops them); remote images are
    replaced by a transparent placeholder unless ``allow_remote_images`` is true, and counted.
    """
    policy = _ImagePolicy(allow_remote=allow_remote_images, cid_url=cid_url)
    cleaned = nh3.clean(
        html[:MAX_HTML_CHARS],
        tags=set(_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=policy.filter,
        url_schemes=set(_URL_SCHEMES),
        url_relative=policy.relative_url,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}, "area": {"target": "_blank"}},
        strip_comments=True,
    )
    return SafeHtml(html=cleaned, remote_images_blocked=policy.blocked)


def css_is_dangerous(style: str) -> bool:
    """Whether an inline style could load a resource or run code (after undoing CSS escapes)."""
    text = _CSS_COMMENT.sub("", style)
    text = _CSS_ESCAPE.sub(_css_unescape, text)
    compact = _CONTROL_AND_SPACE.sub("", text).lower()
    return any(token in compact for token in _CSS_DANGER)


def _css_unescape(match: re.Match[str]) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF else ""
    return match.group(2)


def url_scheme(url: str) -> str:
    """The lower-case scheme of a URL as a browser sees it (control characters ignored), or ''."""
    compact = _CONTROL_AND_SPACE.sub("", url)
    head, colon, _ = compact.partition(":")
    if (
        not colon
        or "/" in head
        or not head.isascii()
        or not head.replace("+", "a").replace("-", "a").isalnum()
    ):
        return ""
    return head.lower()


class _ImagePolicy:
    """Per-call attribute filter: decides every URL-bearing attribute and counts blocked images."""

    def __init__(self, *, allow_remote: bool, cid_url: Callable[[str], str] | None) -> None:
        self.allow_remote = allow_remote
        self.cid_url = cid_url
        self.blocked = 0
        self.cid_targets: set[str] = set()

    def relative_url(self, url: str) -> str | None:
        """Relative URLs would resolve against our own origin: keep only ``//host/…`` (as https)
        and the same-origin URLs that ``cid_url`` produced."""
        if url in self.cid_targets:
            return url
        return "https:" + url if url.startswith("//") else None

    def filter(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute == "style":
            return None if css_is_dangerous(value) else value
        if attribute == "href":
            return value if url_scheme(value) in {"http", "https", "mailto", "tel"} else None
        if attribute in {"cite"}:
            return value if url_scheme(value) in {"http", "https"} else None
        if attribute == "src":
            return self._image_src(tag, value)
        if attribute == "srcset":
            return self._srcset(value)
        if attribute == "background":
            return self._background(value)
        return value

    def _image_src(self, tag: str, value: str) -> str | None:
        value = value.strip()
        if tag != "img":
            return None
        scheme = url_scheme(value)
        if scheme == "data":
            return value if _IMAGE_DATA_URL.match(value) else None
        if scheme == "cid":
            return self._cid(value)
        if scheme in {"http", "https"} or _REMOTE_URL.match(value):
            if self.allow_remote:
                return "https:" + value if value.startswith("//") else value
            self.blocked += 1
            return BLOCKED_IMAGE_PLACEHOLDER
        return None

    def _cid(self, value: str) -> str | None:
        if self.cid_url is None:
            return None
        content_id = value.strip()[4:].strip().strip("<>")
        if not content_id:
            return None
        target = self.cid_url(content_id)
        self.cid_targets.add(target)
        return target

    def _srcset(self, value: str) -> str | None:
        kept: list[str] = []
        for candidate in value.split(","):
            parts = candidate.split()
            if not parts:
                continue
            url, descriptor = parts[0], " ".join(parts[1:2])
            if _REMOTE_URL.match(url) and url_scheme(url) in {"http", "https", ""}:
                if not self.allow_remote:
                    self.blocked += 1
                    return None
                url = "https:" + url if url.startswith("//") else url
            elif not _IMAGE_DATA_URL.match(url):
                continue  # cid:, relative and anything else: a srcset candidate we cannot vouch for
            kept.append(f"{url} {descriptor}".strip())
        return ", ".join(kept) or None

    def _background(self, value: str) -> str | None:
        value = value.strip()
        scheme = url_scheme(value)
        if scheme in {"http", "https"} or _REMOTE_URL.match(value):
            if self.allow_remote:
                return "https:" + value if value.startswith("//") else value
            self.blocked += 1
            return None
        if scheme == "cid":
            return self._cid(value)
        return value if _IMAGE_DATA_URL.match(value) else None
