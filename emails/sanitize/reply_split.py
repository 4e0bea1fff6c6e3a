"""Split a plain-text reply into its new text, its signature and the quoted history.

The model follows github/email_reply_parser: the text becomes a list of fragments, each flagged
as quoted, signature and/or hidden; the new text is what remains visible. Everything after the
first header that introduces history ("On … wrote:", an Outlook "From:/Sent:" block, an
"Original Message" separator) is history, except when the header only introduces ``>``-quoted
lines that are answered inline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from emails.sanitize.reply_patterns import (
    CLOSING_LINE,
    CLOSING_ONLY,
    DATE_AND_ADDRESS,
    EMBEDDED_HEADER,
    HEADER_FROM_LINE,
    HEADER_OTHER_LINE,
    MOBILE_TAGLINE,
    OPENER,
    QUOTED_LINE,
    SEPARATOR_RULE,
    SIGNATURE_DELIMITER,
    SIGNATURE_RULE,
    is_quote_header,
    is_separator,
    is_short_quote_header,
)

MAX_TEXT_CHARS = 1_000_000  # beyond this only the head is split; the rest is history by definition
MAX_HEADER_LINES = 4  # "On … wrote:" wrapped by the sender's client over at most this many lines
MAX_SIGNATURE_LINES = 12
DEFAULT_LANGUAGES = ("en", "de", "fr", "it", "es", "nl", "pt", "pl", "sv", "da", "no", "fi", "ru", "ja", "zh")


class SignatureKind(StrEnum):
    DELIMITER = "delimiter"  # after "-- " (RFC 3676) or a "-Name" line
    MOBILE = "mobile"  # "Sent from my iPhone" and the like
    CLOSING = "closing"  # "Best regards,\nName"


@dataclass(frozen=True, slots=True)
class Fragment:
    text: str
    is_quoted: bool = False
    is_signature: bool = False
    is_hidden: bool = False
    signature_kind: SignatureKind | None = None


@dataclass(frozen=True, slots=True)
class ReplyParts:
    """The parts of one reply: ``visible`` is the new text without signature or history."""

    visible: str
    signature: str
    quoted: str
    fragments: list[Fragment] = field(default_factory=list)

    @property
    def visible_with_signature(self) -> str:
        return "\n".join(f.text for f in self.fragments if not f.is_quoted and f.text.strip()).strip()


def reply_split(*, text: str, languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> ReplyParts:
    """Split ``text`` into new text, signature and quoted history (see the module docstring).

    ``languages`` is accepted for callers that know the mail's languages; the patterns cover all
    supported languages at once, because replies mix them (German reply over English history).
    """
    del languages
    lines = _unglue_headers(text[:MAX_TEXT_CHARS].replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    raw = _raw_fragments(lines)
    fragments = _mark_hidden(raw)
    visible = "\n".join(f.text for f in fragments if not (f.is_quoted or f.is_signature)).strip()
    signature = "\n".join(f.text for f in fragments if f.is_signature).strip()
    quoted = "\n".join(f.text for f in fragments if f.is_quoted).strip()
    return ReplyParts(visible=visible, signature=signature, quoted=quoted, fragments=fragments)


def history_start(lines: list[str], begin: int = 0) -> tuple[int, int] | None:
    """(first line of the header, first line after it) of the first history header, or None."""
    for index in range(begin, len(lines)):
        line = lines[index].strip()
        if not line or QUOTED_LINE.match(lines[index]):
            continue
        if is_separator(line):
            return _with_rules_above(lines, index), index + 1
        block_end = _header_block_end(lines, index)
        if block_end is not None:
            return _with_rules_above(lines, index), block_end
        if _starts_header_line(line):
            found = _header_lines(lines, index)
            if found is not None:
                return _with_rules_above(lines, index), found
        if (DATE_AND_ADDRESS.match(line) or is_short_quote_header(line)) and _only_quoted_lines_follow(
            lines, index + 1
        ):
            return index, index + 1
    return None


def _header_lines(lines: list[str], index: int) -> int | None:
    """End of an "On … wrote:" header starting at ``index``, wrapped over a few lines, or None."""
    first = lines[index].strip()
    may_wrap = bool(OPENER.match(first) or re.search(r"[\d@]", first))
    parts: list[str] = []
    cursor = index
    while cursor < len(lines) and len(parts) < MAX_HEADER_LINES:
        part = lines[cursor].strip()
        cursor += 1
        if not part:
            # clients that wrap a long header sometimes leave empty lines inside it ("On …\n\n<addr>\n> wrote:")
            if OPENER.match(first) and cursor - index <= MAX_HEADER_LINES + 2:
                continue
            break
        parts.append(part.lstrip(">").strip() if parts else part)
        if is_quote_header(" ".join(parts)):
            return cursor
        if not may_wrap:
            break
    return None


def _unglue_headers(lines: list[str]) -> list[str]:
    """Put a header that shares a line with new text ("thanks! On Mon, … wrote:") on its own line."""
    result: list[str] = []
    for line in lines:
        match = EMBEDDED_HEADER.match(line) if len(line) < 500 and not QUOTED_LINE.match(line) else None
        if match and not OPENER.match(line.strip()) and is_quote_header(match.group("header")):
            result.extend([match.group("text").rstrip(" -_=*"), match.group("header")])
        else:
            result.append(line)
    return result


_HEADER_START = re.compile(r"^\S")


def _starts_header_line(line: str) -> bool:
    return bool(_HEADER_START.match(line)) and len(line) < 400


def _header_block_end(lines: list[str], index: int) -> int | None:
    """End of a block of mail headers starting at ``index``: "From:" and one more header, or any three."""
    first = lines[index].strip()
    has_from = bool(HEADER_FROM_LINE.match(first))
    if not has_from and not HEADER_OTHER_LINE.match(first):
        return None
    count = 1
    cursor = index + 1
    while cursor < len(lines) and cursor <= index + 10:
        line = lines[cursor].strip()
        if HEADER_FROM_LINE.match(line):
            has_from = True
        elif not HEADER_OTHER_LINE.match(line):
            if line and cursor == index + 1 and has_from:
                cursor += 1  # a wrapped "From:" value, e.g. a long display name
                continue
            break
        count += 1
        cursor += 1
    return cursor if (has_from and count >= 2) or count >= 3 else None


def _with_rules_above(lines: list[str], index: int) -> int:
    """Include separator rules (and blank lines between) directly above a header in the history."""
    cursor = index
    while cursor > 0 and (not lines[cursor - 1].strip() or SEPARATOR_RULE.match(lines[cursor - 1])):
        cursor -= 1
    if any(SEPARATOR_RULE.match(line) for line in lines[cursor:index]):
        return cursor
    return index


def _raw_fragments(lines: list[str]) -> list[Fragment]:
    fragments: list[Fragment] = []
    position = 0
    while position < len(lines):
        found = history_start(lines, position)
        stop = found[0] if found else len(lines)
        if found and _only_quoted_lines_follow(lines, found[1]):
            # an "On … wrote:" above ">" lines that may be answered inline: keep scanning after them
            fragments.extend(_text_and_quotes(lines[position:stop]))
            end = _quoted_block_end(lines, found[1])
            fragments.append(Fragment("\n".join(lines[stop:end]), is_quoted=True))
            position = end
            continue
        fragments.extend(_text_and_quotes(lines[position:stop]))
        if found:
            fragments.append(Fragment("\n".join(lines[stop:]), is_quoted=True))
        break
    return _split_signatures(fragments)


def _only_quoted_lines_follow(lines: list[str], start: int) -> bool:
    rest = [line for line in lines[start : start + 6] if line.strip()]
    return bool(rest) and bool(QUOTED_LINE.match(rest[0]))


def _quoted_block_end(lines: list[str], start: int) -> int:
    cursor = start
    while cursor < len(lines) and (QUOTED_LINE.match(lines[cursor]) or not lines[cursor].strip()):
        cursor += 1
    return cursor


def _text_and_quotes(lines: list[str]) -> list[Fragment]:
    """Runs of ``>`` lines become quoted fragments, everything between them text fragments."""
    fragments: list[Fragment] = []
    run: list[str] = []
    run_quoted = False
    for line in lines:
        quoted = bool(QUOTED_LINE.match(line))
        if line.strip() and quoted != run_quoted and run:
            fragments.append(Fragment("\n".join(run), is_quoted=run_quoted))
            run = []
        if line.strip():
            run_quoted = quoted
        run.append(line)
    if run:
        fragments.append(Fragment("\n".join(run), is_quoted=run_quoted))
    return fragments


def _split_signatures(fragments: list[Fragment]) -> list[Fragment]:
    """Cut the signature off the last text fragment that is followed only by quotes (or nothing)."""
    result: list[Fragment] = []
    last_text = max((i for i, f in enumerate(fragments) if not f.is_quoted and f.text.strip()), default=-1)
    for index, fragment in enumerate(fragments):
        if index != last_text:
            result.append(fragment)
            continue
        result.extend(signature_split(fragment.text))
    return result


def signature_split(text: str) -> list[Fragment]:
    """Split a block of new text into body and signature fragments (one per signature kind)."""
    lines = text.split("\n")
    starts = _signature_starts(lines)
    if not starts:
        return [Fragment(text)]
    pieces: list[Fragment] = []
    first = starts[0][0]
    if "\n".join(lines[:first]).strip():
        pieces.append(Fragment("\n".join(lines[:first])))
    for number, (start, kind) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        pieces.append(Fragment("\n".join(lines[start:end]), is_signature=True, signature_kind=kind))
    return pieces


def _signature_starts(lines: list[str]) -> list[tuple[int, SignatureKind]]:
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) < 1:
        return []
    starts: list[tuple[int, SignatureKind]] = []
    for index in content:
        line = lines[index].strip()
        after = [i for i in content if i > index]
        if MOBILE_TAGLINE.match(line) and sum(not MOBILE_TAGLINE.match(lines[i].strip()) for i in after) <= 3:
            starts.append((index, SignatureKind.MOBILE))
        elif SIGNATURE_RULE.match(lines[index]):
            if len(after) <= MAX_SIGNATURE_LINES * 2:
                starts.append((index, SignatureKind.DELIMITER))
        elif SIGNATURE_DELIMITER.match(line) and len(after) <= 4 and index != content[0]:
            starts.append((index, SignatureKind.DELIMITER))
        elif _is_closing(lines, index, after) and index != content[0]:
            starts.append((index, SignatureKind.CLOSING))
    return _keep_first_of_each_region(starts)


def _is_closing(lines: list[str], index: int, after: list[int]) -> bool:
    line = lines[index].strip()
    if CLOSING_ONLY.match(line):
        return len(after) <= 8 and all(len(lines[i].strip()) <= 80 for i in after[:4])
    return (bool(CLOSING_LINE.match(line)) and len(after) <= 6 and "," in line) or ("!" in line and not after)


def _keep_first_of_each_region(starts: list[tuple[int, SignatureKind]]) -> list[tuple[int, SignatureKind]]:
    """One closing is enough ("Thanks,\\nBob\\nBest,\\nBob" is one signature), kinds after it split it."""
    kept: list[tuple[int, SignatureKind]] = []
    for start, kind in starts:
        if kept and kept[-1][1] == kind and kind is not SignatureKind.MOBILE:
            continue
        if kind is SignatureKind.CLOSING and any(k is SignatureKind.DELIMITER for _, k in kept):
            continue  # everything below "-- " is signature already
        kept.append((start, kind))
    return kept


def _mark_hidden(fragments: list[Fragment]) -> list[Fragment]:
    """Quoted and signature fragments after the last visible text are hidden (github's model)."""
    result: list[Fragment] = []
    seen_visible = False
    for fragment in reversed(fragments):
        hideable = fragment.is_quoted or fragment.is_signature or not fragment.text.strip()
        hidden = hideable and not seen_visible
        if not hideable:
            seen_visible = True
        result.append(
            Fragment(
                fragment.text,
                is_quoted=fragment.is_quoted,
                is_signature=fragment.is_signature,
                is_hidden=hidden,
                signature_kind=fragment.signature_kind,
            )
        )
    return list(reversed(result))
