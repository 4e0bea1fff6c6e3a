"""Deadlines stated in German, English, French and Italian, resolved against the mail's date.

A date expression counts as a deadline when a trigger ("by", "bis", "avant", "entro", "due", "Frist",
…) stands right before it. The earliest such date that is not in the past is returned.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from emails.analysis.types import Deadline

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar jänner janvier gennaio gen",
        "february feb februar février fevrier febbraio",
        "march mar märz maerz mars marzo",
        "april apr avril aprile",
        "may mai maggio mag",
        "june jun juni juin giugno giu",
        "july jul juli juillet luglio lug",
        "august aug août aout agosto ago",
        "september sep sept septembre settembre set",
        "october oct oktober okt octobre ottobre ott",
        "november nov novembre",
        "december dec dezember dez décembre decembre dicembre dic",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "monday mon montag lundi lunedì lunedi",
        "tuesday tue tues dienstag mardi martedì martedi",
        "wednesday wed mittwoch mercredi mercoledì mercoledi",
        "thursday thu thurs donnerstag jeudi giovedì giovedi",
        "friday fri freitag vendredi venerdì venerdi",
        "saturday sat samstag sonnabend samedi sabato",
        "sunday sun sonntag dimanche domenica",
    )
):
    for _name in _names.split():
        WEEKDAYS[_name] = _number

_MONTH_NAMES = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(sorted((re.escape(d) for d in WEEKDAYS), key=len, reverse=True))

TRIGGERS = (
    r"by|until|till|before|due(?:\s+(?:on|by|date))?|deadline(?:\s+is)?|no\s+later\s+than|not\s+later\s+than|"
    r"latest(?:\s+by)?|on\s+or\s+before|expires?(?:\s+on)?|"
    r"bis(?:\s+(?:zum|zur|spätestens|am|ende))?|spätestens(?:\s+(?:am|bis))?|vor\s+dem|frist(?:\s+ist)?|"
    r"fällig(?:\s+am)?|abgabe(?:\s+am)?|"
    r"avant(?:\s+le)?|d'ici(?:\s+(?:le|à))?|jusqu'(?:au|à)|au\s+plus\s+tard(?:\s+le)?|échéance|date\s+limite|"
    r"pour\s+le|"
    r"entro(?:\s+(?:il|la|le|lo|l'|e\s+non\s+oltre))?|prima\s+del|non\s+oltre(?:\s+il)?|scadenza(?:\s+il)?|"
    r"entro\s+e\s+non\s+oltre"
)
_TRIGGER_BEFORE = re.compile(
    rf"\b(?:{TRIGGERS})\s*:?\s*(?:(?:the|this|le|ce|il|den|dem|am|der|diesen|kommenden|next)\s+)?$",
    re.IGNORECASE,
)

_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})\b)?")
_SLASH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|°|º|\.)?\s+(?:of\s+|de\s+)?({_MONTH_NAMES})\.?(?:,?\s+(\d{{4}}))?\b",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE
)
_WEEKDAY = re.compile(
    rf"\b(?:(next|nächsten?|kommenden?|prochain|prossimo)\s+)?({_WEEKDAY_NAMES})\b", re.IGNORECASE
)
_RELATIVE = re.compile(
    r"\b(today|tonight|tomorrow|end\s+of\s+(?:the\s+)?(?:day|week|month)|eod|eow|"
    r"heute(?:\s+abend)?|morgen|übermorgen|ende\s+(?:der|dieser)\s+woche|ende\s+des\s+monats|monatsende|"
    r"aujourd'hui|ce\s+soir|demain|après-demain|la\s+fin\s+de\s+(?:la\s+)?(?:semaine|journée|mois)|"
    r"fin\s+de\s+(?:la\s+)?(?:semaine|journée|mois)|"
    r"oggi|stasera|domani|dopodomani|fine\s+(?:della\s+)?(?:settimana|giornata|mese))\b",
    re.IGNORECASE,
)
_WITHIN = re.compile(
    r"\b(?:within|in\s+the\s+next|innerhalb\s+(?:von\s+)?|binnen|sous|dans\s+les|d'ici|entro)\s+"
    r"(\d{1,2}|one|two|three|seven|ten|fourteen|einem|einer|zwei|drei|sieben|zehn|vierzehn|un|une|deux|trois|"
    r"sept|dix|quinze|uno|una|due|tre|sette|dieci|quindici)\s+"
    r"(days?|business\s+days?|working\s+days?|weeks?|tagen?|werktagen?|wochen?|jours?|jours\s+ouvrés|semaines?|"
    r"giorni|giorno|giorni\s+lavorativi|settimane?)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "seven": 7, "ten": 10, "fourteen": 14, "einem": 1, "einer": 1,
    "zwei": 2, "drei": 3, "sieben": 7, "zehn": 10, "vierzehn": 14, "un": 1, "une": 1, "deux": 2, "trois": 3,
    "sept": 7, "dix": 10, "quinze": 15, "uno": 1, "una": 1, "due": 2, "tre": 3, "sette": 7, "dieci": 10,
    "quindici": 15,
}  # fmt: skip
MAX_TEXT_CHARS = 20_000


def deadline_find(*, text: str, reference: date) -> Deadline | None:
    """The earliest deadline on or after ``reference`` stated in ``text`` (None when there is none)."""
    text = text[:MAX_TEXT_CHARS]
    found: list[Deadline] = []
    for when, start, end in _date_expressions(text, reference):
        if when < reference:
            continue
        if _WITHIN.fullmatch(text[start:end]) or _has_trigger(text, start):
            found.append(Deadline(when=when, phrase=_phrase(text, start, end)))
    return min(found, key=lambda d: d.when) if found else None


def _has_trigger(text: str, start: int) -> bool:
    window = text[max(0, start - 40) : start]
    return _TRIGGER_BEFORE.search(window) is not None


def _phrase(text: str, start: int, end: int) -> str:
    left = text.rfind("\n", 0, start)
    begin = max(left + 1, start - 40)
    right = text.find("\n", end)
    stop = min(right if right != -1 else len(text), end + 20)
    return " ".join(text[begin:stop].split())


def _date_expressions(text: str, reference: date) -> list[tuple[date, int, int]]:
    out: list[tuple[date, int, int]] = []
    for m in _ISO.finditer(text):
        _add(out, _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))), m)
    for m in _NUMERIC.finditer(text):
        _add(out, _resolve(int(m.group(1)), int(m.group(2)), m.group(3), reference), m)
    for m in _SLASH.finditer(text):
        _add(out, _resolve(int(m.group(1)), int(m.group(2)), m.group(3), reference), m)
    for m in _DAY_MONTH.finditer(text):
        _add(out, _resolve(int(m.group(1)), MONTHS[m.group(2).lower()], m.group(3), reference), m)
    for m in _MONTH_DAY.finditer(text):
        _add(out, _resolve(int(m.group(2)), MONTHS[m.group(1).lower()], m.group(3), reference), m)
    for m in _WEEKDAY.finditer(text):
        if m.group(2).lower() in {"mar", "sat", "sun", "set", "mon"} and not m.group(2)[0].isupper():
            continue  # "mar", "set", "sun" are ordinary words in lower case
        ahead = (WEEKDAYS[m.group(2).lower()] - reference.weekday()) % 7 or 7
        if m.group(1):
            ahead = ahead if ahead > 1 else ahead + 7
        out.append((reference + timedelta(days=ahead), m.start(), m.end()))
    for m in _RELATIVE.finditer(text):
        out.append((_relative(m.group(1).lower(), reference), m.start(), m.end()))
    for m in _WITHIN.finditer(text):
        count = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS.get(m.group(1).lower(), 0)
        unit = m.group(2).lower()
        days = count * 7 if unit[:2] in {"we", "wo", "se"} else count
        if 0 < days <= 366:
            out.append((reference + timedelta(days=days), m.start(), m.end()))
    return out


def _add(out: list[tuple[date, int, int]], when: date | None, m: re.Match[str]) -> None:
    if when is not None:
        out.append((when, m.start(), m.end()))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(day: int, month: int, year_text: str | None, reference: date) -> date | None:
    if year_text:
        year = int(year_text)
        year = year + 2000 if year < 100 else year
        return _safe_date(year, month, day)
    when = _safe_date(reference.year, month, day)
    if when is not None and when < reference - timedelta(days=14):
        when = _safe_date(reference.year + 1, month, day)
    return when


def _relative(word: str, reference: date) -> date:
    word = " ".join(word.split())
    if word in {"tomorrow", "morgen", "demain", "domani"}:
        return reference + timedelta(days=1)
    if word in {"übermorgen", "après-demain", "dopodomani"}:
        return reference + timedelta(days=2)
    if "week" in word or "woche" in word or "semaine" in word or "settimana" in word or word == "eow":
        return reference + timedelta(days=max(0, 4 - reference.weekday()))
    if "month" in word or "monat" in word or "mois" in word or "mese" in word:
        following = date(reference.year + (reference.month == 12), reference.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return reference
