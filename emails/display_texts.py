"""Texts the code writes or stores (analysis notes, injection reasons, sync and journal errors, parser notes),
shown in the reader's language.

They are translated when a page is rendered, not when they are written: the writer is a worker with no
reader (and no language), the rows outlive a language switch, and existing rows hold English. So what is
stored stays as it is and is recognised here: a code, or a sentence of ours with the server's, library's or
provider's own words inside it, which are kept verbatim. Anything not recognised is shown as stored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext, pgettext_lazy

# --- sentences with placeholders ------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownText:
    """A sentence of ours that code stores: ``msgid`` is shown (translated); ``stored`` is the English format
    the code writes when it is not ``msgid`` itself. Without ``stored`` the writer translated the msgid with
    whatever language it had active, so the sentence is recognised in every language of the site."""

    msgid: str
    stored: str | None = None


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_MAX_DEPTH = 3


def _format_regex(text_format: str, *, followed: bool) -> re.Pattern[str]:
    """A regex for a %(name)s format; ``followed``: another sentence may follow after one space."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _PLACEHOLDER.finditer(text_format):
        parts.append(re.escape(text_format[position : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        position = match.end()
    parts.append(re.escape(text_format[position:]))
    if followed:
        parts.append(r" (?P<_rest>.+)")
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class _Compiled:
    known: KnownText
    whole: re.Pattern[str]
    followed: re.Pattern[str] | None  # None when the format ends in a placeholder (it would swallow the rest)


@functools.cache
def _compiled(catalog: tuple[KnownText, ...], languages: tuple[str, ...]) -> tuple[_Compiled, ...]:
    compiled = []
    for known in catalog:
        if known.stored is not None:
            formats = [known.stored]
        else:
            formats = []
            for language in languages:
                with translation.override(language):
                    formats.append(gettext(known.msgid))
        for text_format in dict.fromkeys(formats):
            ends_open = bool(re.search(r"%\(\w+\)s$", text_format))
            compiled.append(
                _Compiled(
                    known=known,
                    whole=_format_regex(text_format, followed=False),
                    followed=None if ends_open else _format_regex(text_format, followed=True),
                )
            )
    return tuple(compiled)


def _render(known: KnownText, values: Mapping[str, str], catalog: tuple[KnownText, ...], depth: int) -> str:
    params = {
        name: _translate(value, catalog, depth + 1)
        for name, value in values.items()
        if not name.startswith("_")
    }
    return gettext(known.msgid) % params


def _translate(text: str, catalog: tuple[KnownText, ...], depth: int = 0) -> str:
    """``text`` in the active language when it is one of ``catalog``'s sentences (or several in a row)."""
    if depth > _MAX_DEPTH or not text:
        return text
    entries = _compiled(catalog, tuple(code for code, _name in settings.LANGUAGES))
    for entry in entries:
        match = entry.whole.fullmatch(text)
        if match is not None:
            return _render(entry.known, match.groupdict(), catalog, depth)
    for entry in entries:
        if entry.followed is None:
            continue
        match = entry.followed.fullmatch(text)
        if match is None:
            continue
        rest = match.group("_rest")
        translated_rest = _translate(rest, catalog, depth + 1)
        if translated_rest != rest:
            return f"{_render(entry.known, match.groupdict(), catalog, depth)} {translated_rest}"
    return text


# Phrases that fill in a placeholder of the sentences below: mailhelper.netguard's msgids.
_ADDRESS_PHRASES = (
    KnownText("an unspecified address"),
    KnownText("a multicast address"),
    KnownText("a link-local address"),
    KnownText("a loopback address (this server itself)"),
    KnownText("a carrier-grade NAT address"),
    KnownText("a private network address"),
    KnownText("a reserved address"),
    KnownText("a non-public address"),
)

# accounts.services.mail_connection and mailhelper.netguard: translated when raised (in a worker: in the
# site's default language). Their msgids, extracted there (a test checks that the catalog has each).
_CONNECTION_ERRORS = (
    KnownText("The TLS certificate of “%(host)s” could not be verified: %(reason)s."),
    KnownText("The TLS handshake with %(host)s:%(port)s failed (%(reason)s)."),
    KnownText("Port %(port)s may expect STARTTLS or plain IMAP instead of SSL/TLS."),
    KnownText("Check the security setting for this port."),
    KnownText("%(host)s:%(port)s did not answer within %(seconds)s seconds."),
    KnownText("%(host)s refused the connection on port %(port)s. Check the port number."),
    KnownText("%(host)s cannot be reached from this server (network unreachable)."),
    KnownText("%(host)s:%(port)s closed the connection unexpectedly. Check the port and security settings."),
    KnownText("%(host)s:%(port)s sent an unexpected reply: %(reply)s"),
    KnownText("Could not talk to %(host)s:%(port)s: %(error)s"),
    KnownText(
        "Unencrypted connections are only allowed to servers on a local network. Choose SSL/TLS or STARTTLS."
    ),
    KnownText("%(host)s does not offer STARTTLS on port %(port)s, so the password would travel unencrypted."),
    KnownText("%(host)s does not allow password login on this connection."),
    KnownText("%(host)s could not check the login right now; it will be tried again later."),
    KnownText("%(host)s rejected the user name or password."),
    KnownText("The server said: %(reply)s"),
    KnownText(
        "The stored password can no longer be decrypted (the encryption key changed). Please re-enter it."
    ),
    KnownText("No server name was given."),
    KnownText("Port %(port)s is not a valid TCP port."),
    KnownText("The server name “%(host)s” could not be found. Check it for typos."),
    KnownText("“%(host)s” points to %(reason)s (%(ip)s); connections there are not allowed on this server."),
    KnownText("The server name “%(host)s” has no usable address."),
)

# emails.services.sync and emails.services.imap_session write these in English (not marked for translation).
_SYNC_ERRORS_STORED_IN_ENGLISH = (
    KnownText(
        gettext_noop("The connection to the server was lost: %(error)s"), stored="connection lost: %(error)s"
    ),
    KnownText(
        gettext_noop("The server refused a command: %(error)s"), stored="server refused a command: %(error)s"
    ),
    KnownText(
        gettext_noop("The connection was lost during login: %(error)s"),
        stored="connection lost during login: %(error)s",
    ),
    KnownText(
        gettext_noop("%(limit)s connections to this account are open already."),
        stored="already %(limit)s open connections to this account",
    ),
    KnownText(
        gettext_noop("The sync lock expired while this sync was running."),
        stored="the sync lock expired while this sync was running",
    ),
    KnownText(gettext_noop("The sync lost the account lock."), stored="lost the account lock"),
)

# Ours first: they begin with a fixed prefix, while some of the others begin with a host name that could
# swallow one.
SYNC_ERRORS: tuple[KnownText, ...] = _SYNC_ERRORS_STORED_IN_ENGLISH + _CONNECTION_ERRORS + _ADDRESS_PHRASES

# emails.services.operations: why the server did not take a user's action (PendingOperation.error).
OPERATION_ERRORS: tuple[KnownText, ...] = (
    KnownText(gettext_noop("The folder no longer exists."), stored="the folder no longer exists"),
    KnownText(
        gettext_noop("The folder was reset on the server (its UIDVALIDITY changed)."),
        stored="the folder was reset on the server (UIDVALIDITY changed)",
    ),
    KnownText(
        gettext_noop("The server refused the change: %(error)s"), stored="the server refused: %(error)s"
    ),
    # Written in the owner's language (operations._readonly_error); its msgid, extracted there.
    KnownText(
        "The folder “%(folder)s” is read-only on the server, so this change could not be made there and was undone."
    ),
)

# emails.ai.providers: what a failed provider request says (CloudRequestLog.error, the settings test). The
# provider's name and its own reply (after "HTTP 4xx") are kept.
PROVIDER_ERRORS: tuple[KnownText, ...] = (
    # Wrappers around the others first, or a sentence inside would swallow them.
    KnownText("No usable answer (%(kind)s): %(error)s"),  # emails.pipeline.ai_settings' msgid
    KnownText(
        gettext_noop("%(failure)s (asked to wait %(seconds)s s)"),
        stored="%(failure)s (asked to wait %(seconds)s s)",
    ),
    KnownText(
        gettext_noop("%(provider)s: no answer in time (%(error)s)"),
        stored="%(provider)s: timed out (%(error)s)",
    ),
    KnownText(
        gettext_noop("%(provider)s: the connection failed (%(error)s)"),
        stored="%(provider)s: connection failed (%(error)s)",
    ),
    KnownText(
        gettext_noop("%(provider)s: the daily budget is used up"), stored="%(provider)s: daily budget used up"
    ),
    KnownText(
        gettext_noop("%(provider)s: the response is larger than %(limit)s bytes"),
        stored="%(provider)s: response larger than %(limit)s bytes",
    ),
    KnownText(
        gettext_noop("%(provider)s: the response is not JSON"),
        stored="%(provider)s: the response is not JSON",
    ),
    KnownText(
        gettext_noop("%(provider)s: the answer was cut off at the token limit"),
        stored="%(provider)s: the answer was cut off at the token limit",
    ),
    KnownText(
        gettext_noop("%(provider)s: the response has no message content"),
        stored="%(provider)s: the response has no message content",
    ),
    KnownText(
        gettext_noop("%(provider)s: the response has no choices"),
        stored="%(provider)s: the response has no choices",
    ),
    KnownText(
        gettext_noop("%(provider)s: the model refused to answer"),
        stored="%(provider)s: the model refused to answer",
    ),
    KnownText(
        gettext_noop("%(provider)s: the response has no analysis"),
        stored="%(provider)s: the response has no record_analysis tool call",
    ),
    KnownText(
        gettext_noop("%(provider)s: the analysis is not an object"),
        stored="%(provider)s: the tool input is not an object",
    ),
    KnownText(gettext_noop("Unsupported URL scheme %(scheme)s"), stored="unsupported URL scheme %(scheme)s"),
    *_CONNECTION_ERRORS,
    *_ADDRESS_PHRASES,
)


def sync_error_text(error: str) -> str:
    """A mail account's last sync error (``MailAccount.last_error``, ``SyncRun.error``) in the active language."""
    return _translate(str(error or ""), SYNC_ERRORS)


def operation_error_text(error: str) -> str:
    """Why the server did not take a user's action (``PendingOperation.error``), in the active language."""
    return _translate(str(error or ""), OPERATION_ERRORS + SYNC_ERRORS)


def provider_error_text(error: str) -> str:
    """A failed AI provider request (``CloudRequestLog.error``, a test's error), in the active language."""
    return _translate(str(error or ""), PROVIDER_ERRORS)


# --- analysis notes ("Why this score?") -----------------------------------------------------------------

# emails.analysis.spam: the spam cues the local analyzer names (stored as "spam:<cue>").
SPAM_CUE_LABELS: dict[str, Promise] = {
    "gtube": pgettext_lazy("spam sign", "the GTUBE spam test pattern"),
    "x_spam_flag": pgettext_lazy("spam sign", "the mail server marked it as spam"),
    "auth_failure": pgettext_lazy("spam sign", "sender authentication failed"),
    "reply_to_mismatch": pgettext_lazy("spam sign", "replies go to another domain"),
    "phishing_phrases": pgettext_lazy("spam sign", "phishing phrases"),
    "scam_phrases": pgettext_lazy("spam sign", "scam phrases"),
    "brand_display_name_mismatch": pgettext_lazy(
        "spam sign", "the sender's name claims a brand its address does not have"
    ),
    "link_text_points_elsewhere": pgettext_lazy("spam sign", "a link shows one address and opens another"),
    "link_to_ip_address": pgettext_lazy("spam sign", "a link to a bare IP address"),
    "subject_shouting": pgettext_lazy("spam sign", "a subject in capitals"),
    "exclamations_or_money": pgettext_lazy("spam sign", "exclamation marks or dollar signs"),
    "no_visible_recipient": pgettext_lazy("spam sign", "no visible recipient"),
    "no_message_id": pgettext_lazy("spam sign", "no Message-ID"),
    "reply_or_discussion_list": pgettext_lazy("spam sign", "a reply or a discussion list (less likely spam)"),
}

# emails.pipeline.analyze: codes and fixed notes of the votes and of sources["provider"] ("local (<code>)").
NOTE_LABELS: dict[str, Promise] = {
    "vip_sender": pgettext_lazy("analysis note", "VIP sender"),
    "personal classifier": pgettext_lazy("analysis note", "personal classifier"),
    "capped: prompt injection suspected": pgettext_lazy(
        "analysis note", "capped: the message seems to instruct the AI"
    ),
    "provider_local": pgettext_lazy("analysis note", "the local analyzer is chosen"),
    "older_than_cloud_window": pgettext_lazy("analysis note", "too old for cloud analysis"),
    "no_api_key": pgettext_lazy("analysis note", "no API key saved"),
    "budget_exhausted": pgettext_lazy("analysis note", "the daily AI budget is used up"),
}


def _note_part_text(part: str) -> str:
    if part in NOTE_LABELS:
        return str(NOTE_LABELS[part])
    if part.startswith("spam:"):
        cue, _sep, detail = part.removeprefix("spam:").partition(":")
        cue_label = SPAM_CUE_LABELS.get(cue)
        if cue_label is None:
            return part
        sign = str(cue_label)
        if detail:  # auth_failure:dkim=fail,spf=fail: the checks as the mail's headers name them
            sign = pgettext("spam sign with its details", "%(sign)s (%(details)s)") % {
                "sign": sign,
                "details": detail.replace(",", ", "),
            }
        return pgettext("analysis note", "spam sign: %(sign)s") % {"sign": sign}
    if part.startswith("VIP sender "):
        return pgettext("analysis note", "VIP sender %(address)s") % {
            "address": part.removeprefix("VIP sender ")
        }
    if part.startswith("provider_error: "):
        return pgettext("analysis note", "the AI provider failed (%(error)s)") % {
            "error": part.removeprefix("provider_error: ")
        }
    return part


def analysis_note_text(note: str) -> str:
    """A vote's note (a code, a fixed English note, or several joined by ", ") in the active language."""
    note = str(note or "")
    if not note:
        return ""
    return ", ".join(_note_part_text(part) for part in note.split(", "))


def provider_name(provider: str) -> str:
    """The analyzer a triage came from ("local", "openai", …) as the provider list names it."""
    from emails.models import AIProvider

    provider = str(provider or "")
    return str(AIProvider(provider).label) if provider in AIProvider.values else provider


# --- prompt-injection reasons ---------------------------------------------------------------------------

# emails.ai.injection: where an instruction to the AI was found (the reason's part before ": ").
INJECTION_CHANNELS: dict[str, Promise] = {
    "text": pgettext_lazy("injection channel", "visible text"),
    "image alt text": pgettext_lazy("injection channel", "image alt text"),
    "calendar": pgettext_lazy("injection channel", "calendar invitation"),
}
# Why HTML text is hidden ("hidden html (<why>)"); CSS such as display:none is shown as written.
INJECTION_HIDING: dict[str, Promise] = {
    "hidden attribute": pgettext_lazy("hidden text", "hidden attribute"),
    "off-screen": pgettext_lazy("hidden text", "off-screen"),
    "zero-size box": pgettext_lazy("hidden text", "box of zero size"),
    "clipped": pgettext_lazy("hidden text", "clipped"),
    "white on white": pgettext_lazy("hidden text", "white on white"),
}
# emails.ai.injection.PATTERNS: what the phrase tries ("<language>: <kind>" or a language-independent kind).
INJECTION_KINDS: dict[str, Promise] = {
    "override previous instructions": pgettext_lazy(
        "injection pattern", "asks to ignore previous instructions"
    ),
    "override instructions": pgettext_lazy("injection pattern", "asks to ignore the AI's instructions"),
    "role change": pgettext_lazy("injection pattern", "tries to give the AI a new role"),
    "addressing the AI": pgettext_lazy("injection pattern", "addresses the AI directly"),
    "as an AI": pgettext_lazy("injection pattern", "speaks of “as an AI”"),
    "rate this mail": pgettext_lazy("injection pattern", "asks to rate this mail (as urgent, safe, …)"),
    "set field": pgettext_lazy("injection pattern", "tries to set urgency or importance"),
    "output control": pgettext_lazy("injection pattern", "dictates the AI's answer"),
    "new instructions": pgettext_lazy("injection pattern", "announces new instructions"),
    "system prompt": pgettext_lazy("injection pattern", "mentions a system prompt or jailbreak"),
    "reveal prompt": pgettext_lazy("injection pattern", "asks the AI to reveal its instructions"),
    "AI summary steering": pgettext_lazy("injection pattern", "steers the AI's summary"),
    "chat-template token": pgettext_lazy("injection pattern", "chat template tokens"),
    "fake role header": pgettext_lazy("injection pattern", "a fake role line (system:, assistant:)"),
    "fake block markers": pgettext_lazy("injection pattern", "fake block markers"),
    "answer in our schema": pgettext_lazy("injection pattern", "a ready-made answer in the analysis format"),
}
_HIDDEN_CHANNEL = re.compile(r"hidden html \((?P<why>[^)]*)\)")
_PATTERN_LANGUAGE = re.compile(r"(?P<language>[a-z]{2}): (?P<kind>.+)")


def language_name(code: str) -> str:
    """A language code in words in the active language ("de" → "German" / "Deutsch"); unknown codes as they are."""
    code = str(code or "")
    if code == "other":
        return pgettext("mail language", "another language")
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _injection_channel_text(channel: str) -> str | None:
    if channel in INJECTION_CHANNELS:
        return str(INJECTION_CHANNELS[channel])
    hidden = _HIDDEN_CHANNEL.fullmatch(channel)
    if hidden is None:
        return None
    why = hidden.group("why")
    return pgettext("injection channel", "hidden text (%(why)s)") % {"why": INJECTION_HIDING.get(why, why)}


def _injection_pattern_text(label: str) -> str:
    if label in INJECTION_KINDS:
        return str(INJECTION_KINDS[label])
    in_language = _PATTERN_LANGUAGE.fullmatch(label)
    if in_language is None or in_language.group("kind") not in INJECTION_KINDS:
        return label
    return pgettext("injection pattern in a language", "%(pattern)s (%(language)s)") % {
        "pattern": INJECTION_KINDS[in_language.group("kind")],
        "language": language_name(in_language.group("language")),
    }


def injection_reason_text(reason: str) -> str:
    """``"<channel>: <pattern label>"`` as stored by ``injection_scan``, in the active language."""
    reason = str(reason or "")
    for channel_end in (m.start() for m in re.finditer(": ", reason)):
        channel = _injection_channel_text(reason[:channel_end])
        if channel is not None:
            return pgettext("injection reason", "%(channel)s: %(pattern)s") % {
                "channel": channel,
                "pattern": _injection_pattern_text(reason[channel_end + 2 :]),
            }
    return reason


# --- parser notes ---------------------------------------------------------------------------------------

# emails.parsing: what the parser noticed about a message (Message.parse_warnings).
PARSE_WARNING_LABELS: dict[str, Promise] = {
    "part_limit": pgettext_lazy("parser note", "too many parts; the rest was skipped"),
    "depth_limit": pgettext_lazy("parser note", "nested too deeply; the inner parts were skipped"),
    "multipart_broken": pgettext_lazy(
        "parser note", "a multipart section without its boundary, read as text"
    ),
    "multipart_boundary_missing": pgettext_lazy("parser note", "a multipart boundary is missing"),
    "multipart_unterminated": pgettext_lazy("parser note", "a multipart section is not closed"),
    "part_truncated": pgettext_lazy("parser note", "a part was too large and was cut short"),
    "charset_fallback": pgettext_lazy(
        "parser note", "an unknown or wrong character set; the text may look odd"
    ),
    "message_too_large": pgettext_lazy("parser note", "the message is too large; only its headers were read"),
    "parse_error": pgettext_lazy(
        "parser note", "the structure could not be read; only the headers were kept"
    ),
    "no_header_separator": pgettext_lazy("parser note", "no blank line between the headers and the body"),
    "header_malformed": pgettext_lazy("parser note", "a malformed header"),
    "message_id_missing": pgettext_lazy("parser note", "no Message-ID"),
    "date_missing": pgettext_lazy("parser note", "no Date header"),
    "date_invalid": pgettext_lazy("parser note", "an unreadable Date header"),
    "base64_invalid": pgettext_lazy("parser note", "invalid base64 content"),
    "transfer_encoding_unknown": pgettext_lazy("parser note", "an unknown transfer encoding"),
}
# "<code>:<header name>"
PARSE_WARNING_HEADER_LABELS: dict[str, Promise] = {
    "header_truncated": pgettext_lazy("parser note", "the %(header)s header was cut short"),
    "address_invalid": pgettext_lazy("parser note", "unreadable addresses in %(header)s"),
    "addresses_truncated": pgettext_lazy(
        "parser note", "too many addresses in %(header)s; the rest was skipped"
    ),
}


def parse_warning_text(code: str) -> str:
    code = str(code or "")
    if code in PARSE_WARNING_LABELS:
        return str(PARSE_WARNING_LABELS[code])
    kind, _sep, header = code.partition(":")
    if header and kind in PARSE_WARNING_HEADER_LABELS:
        return str(PARSE_WARNING_HEADER_LABELS[kind]) % {"header": header.title()}
    return code


def parse_warnings_text(codes: Iterable[Any]) -> list[str]:
    """Each distinct parser note once, in the active language."""
    return list(dict.fromkeys(parse_warning_text(code) for code in codes or ()))


# --- calendar methods -----------------------------------------------------------------------------------

# iTIP methods (RFC 5546) of a calendar part.
CALENDAR_METHODS: dict[str, Promise] = {
    "REQUEST": pgettext_lazy("calendar method", "invitation"),
    "CANCEL": pgettext_lazy("calendar method", "cancellation"),
    "REPLY": pgettext_lazy("calendar method", "reply to an invitation"),
    "PUBLISH": pgettext_lazy("calendar method", "published event"),
    "COUNTER": pgettext_lazy("calendar method", "counter-proposal"),
    "DECLINECOUNTER": pgettext_lazy("calendar method", "counter-proposal declined"),
    "ADD": pgettext_lazy("calendar method", "added occurrences"),
    "REFRESH": pgettext_lazy("calendar method", "request for the latest version"),
}


def calendar_method_text(method: str) -> str:
    method = str(method or "")
    label = CALENDAR_METHODS.get(method.upper())
    return str(label) if label is not None else method


# --- bulk results and the undo bar ----------------------------------------------------------------------


def bulk_result_text(key: str, n: int) -> str:
    """What a bulk action did to ``n`` messages; the undo bar keeps ``key`` and ``n``, not the sentence, so it
    follows a language switch."""
    if key == "done":
        text = ngettext("%(n)d message marked done.", "%(n)d messages marked done.", n)
    elif key == "undone":
        text = ngettext("%(n)d message marked not done.", "%(n)d messages marked not done.", n)
    elif key == "updated":
        text = ngettext("%(n)d message updated.", "%(n)d messages updated.", n)
    elif key == "archive":
        text = ngettext("%(n)d message archived.", "%(n)d messages archived.", n)
    elif key == "trash":
        text = ngettext("%(n)d message moved to the trash.", "%(n)d messages moved to the trash.", n)
    elif key == "move":
        text = ngettext("%(n)d message moved.", "%(n)d messages moved.", n)
    else:
        raise KeyError(key)
    return text % {"n": n}


def undo_label_text(undo: Mapping[str, Any]) -> str:
    """The undo bar's sentence; a session from before the change holds the sentence itself."""
    key = undo.get("label_key")
    if key:
        try:
            return bulk_result_text(str(key), int(undo.get("label_n", 0)))
        except (KeyError, TypeError, ValueError):
            pass
    return str(undo.get("label", ""))
