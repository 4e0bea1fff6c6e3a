"""Header signals of one parsed message: automation, priority, lists, authentication, sender oddities."""

from __future__ import annotations

import re
from dataclasses import dataclass

from emails.parsing import ParsedMessage

_FIELD = re.compile(r"^([!-9;-~]{1,76})[ \t]*:[ \t]*(.*)$")
_NOREPLY = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|noreply|no[-_.]?response|mailer[-_]daemon|"
    r"postmaster|notifications?|notify|alerts?|bounces?|automated)(?:[-_.+][^@]*)?@",
    re.IGNORECASE,
)
_AUTH_FAIL = re.compile(r"\b(spf|dkim|dmarc|arc)\s*=\s*(fail|softfail|permerror)\b", re.IGNORECASE)
_PRIORITY_NUMBER = re.compile(r"^\s*([1-5])")
FREEMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.de", "yahoo.fr", "yahoo.it", "hotmail.com",
        "hotmail.de", "hotmail.fr", "hotmail.it", "outlook.com", "live.com", "msn.com", "aol.com", "gmx.de",
        "gmx.net", "web.de", "t-online.de", "libero.it", "orange.fr", "free.fr", "laposte.net", "mail.ru",
        "yandex.ru", "protonmail.com", "icloud.com", "me.com",
    }
)  # fmt: skip
# Headers that a mailing-list manager or bulk sender adds; the "no list headers" evaluation removes them.
LIST_HEADER_NAMES = frozenset(
    {"precedence", "x-beenthere", "x-mailman-version", "errors-to", "mailing-list", "x-loop", "x-list"}
)


def header_fields(raw_headers: str) -> dict[str, list[str]]:
    """Unfold a raw header block into lower-case name → values (in order); the mbox From_ line is skipped."""
    fields: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in raw_headers.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            if last is not None:
                break
            continue
        if line[0] in " \t":
            if last:
                last[-1] = f"{last[-1]} {line.strip()}"
            continue
        match = _FIELD.match(line)
        if match is None:
            last = None
            continue
        last = fields.setdefault(match.group(1).lower(), [])
        last.append(match.group(2).strip())
    return fields


def registered_domain(address: str) -> str:
    """The last two labels of an address's domain (three for two-letter second levels like co.uk)."""
    domain = address.rpartition("@")[2].lower().strip(". >")
    labels = domain.split(".")
    if len(labels) >= 3 and len(labels[-2]) <= 3 and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


@dataclass(frozen=True, slots=True)
class HeaderSignals:
    fields: dict[str, list[str]]
    auto_submitted: bool
    precedence: str
    high_priority: bool
    low_priority: bool
    noreply_sender: bool
    auth_failures: tuple[str, ...]
    reply_to_mismatch: bool
    list_id: str
    list_unsubscribe: str
    list_post: str
    feedback_id: bool
    spam_flag_header: bool
    is_reply: bool
    recipients: int

    @property
    def is_list(self) -> bool:
        return bool(self.list_id or self.list_unsubscribe or self.precedence in {"bulk", "list", "junk"})

    @property
    def is_discussion_list(self) -> bool:
        return bool(self.list_post) and self.list_post.strip().upper() != "NO"

    @property
    def is_bulk(self) -> bool:
        """Bulk mail (newsletter, marketing, announcement) rather than a discussion list."""
        return (self.is_list and not self.is_discussion_list) or self.feedback_id


def header_signals(*, parsed: ParsedMessage, strip_names: frozenset[str] = frozenset()) -> HeaderSignals:
    """Collect header signals; ``strip_names`` (lower-case, ``list-*`` allowed) are ignored as if absent."""
    fields = header_fields(parsed.raw_headers)
    for name, value in parsed.list_headers.items():
        fields.setdefault(name, [value])
    if strip_names:
        fields = {k: v for k, v in fields.items() if not _stripped(k, strip_names)}

    def first(name: str) -> str:
        values = fields.get(name)
        return values[0].strip() if values else ""

    precedence = first("precedence").lower()
    auto = first("auto-submitted").lower()
    priority = first("x-priority")
    importance = (first("importance") or first("x-msmail-priority") or first("priority")).lower()
    number = _PRIORITY_NUMBER.match(priority)
    high = importance in {"high", "urgent"} or (number is not None and number.group(1) in {"1", "2"})
    low = importance in {"low", "non-urgent"} or (number is not None and number.group(1) in {"4", "5"})
    failures: list[str] = []
    for value in fields.get("authentication-results", [])[:3]:
        failures.extend(f"{m.group(1).lower()}={m.group(2).lower()}" for m in _AUTH_FAIL.finditer(value))
    sender = parsed.from_address.address if parsed.from_address else ""
    mismatch = False
    if sender and parsed.reply_to:
        from_domain = registered_domain(sender)
        mismatch = any(registered_domain(a.address) != from_domain for a in parsed.reply_to if a.address)
    spam_flag = first("x-spam-flag").upper().startswith("YES") or first("x-spam-status").upper().startswith(
        "YES"
    )
    return HeaderSignals(
        fields=fields,
        auto_submitted=bool(auto) and auto != "no",
        precedence=precedence,
        high_priority=high,
        low_priority=low,
        noreply_sender=bool(sender) and _NOREPLY.match(sender) is not None,
        auth_failures=tuple(dict.fromkeys(failures)),
        reply_to_mismatch=mismatch,
        list_id=first("list-id"),
        list_unsubscribe=first("list-unsubscribe"),
        list_post=first("list-post"),
        feedback_id=bool(first("feedback-id")) or bool(first("x-campaign") or first("x-mailgun-tag")),
        spam_flag_header=spam_flag,
        is_reply=bool(parsed.in_reply_to or parsed.references),
        recipients=len(parsed.to) + len(parsed.cc),
    )


def _stripped(name: str, strip_names: frozenset[str]) -> bool:
    return name in strip_names or ("list-*" in strip_names and name.startswith("list-"))
