"""Subjects as threads compare them: reply/forward prefixes in many languages and list tags removed."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Re, AW (de), WG (de fwd), Fwd/Fw, TR (fr fwd), R/RIF (it), Antw (nl), SV/VS (nordic), Odp (pl), YNT (tr),
# VL (fi), Enc (pt), RES (pt), Doorst (nl); counters such as "RE[2]:", "Re(3):", "Re^2:".
_PREFIX = re.compile(
    r"^\s*(?:re|aw|wg|fwd?|fw|tr|r|rif|antw|sv|vs|odp|ynt|vl|enc|res|doorst|antwort|weitergeleitet)"
    r"\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*",
    re.IGNORECASE,
)
_TAG = re.compile(r"^\s*\[[^\]]{0,60}\]\s*")
_FWD_SUFFIX = re.compile(r"\s*\((?:fwd|fw)\)\s*$", re.IGNORECASE)
SUBJECT_KEY_MAX = 300


@dataclass(frozen=True, slots=True)
class NormalizedSubject:
    key: str  # lower-cased, whitespace collapsed; "" when nothing is left
    is_reply: bool  # a reply or forward prefix was removed


def subject_normalize(subject: str | None) -> NormalizedSubject:
    """``"AW: [team] Re: RE[2]:  Budget 2026"`` → ``NormalizedSubject("budget 2026", is_reply=True)``."""
    text = " ".join((subject or "").split())
    is_reply = False
    while True:
        before = text
        text = _TAG.sub("", text, count=1)
        stripped = _PREFIX.sub("", text, count=1)
        if stripped != text:
            is_reply = True
            text = stripped
        if text == before:
            break
    without_suffix = _FWD_SUFFIX.sub("", text)
    if without_suffix != text:
        is_reply = True
    return NormalizedSubject(key=without_suffix.strip().casefold()[:SUBJECT_KEY_MAX], is_reply=is_reply)
