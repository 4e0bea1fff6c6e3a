"""Calendar invites: the scheduling METHOD and the first event of a text/calendar part (icalendar)."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import Any

import icalendar

from emails.analysis.types import CalendarInvite
from emails.parsing import CalendarPart

logger = logging.getLogger(__name__)

_LINE = re.compile(r"^([A-Z-]+)(?:;[^:\r\n]*)?:(.*)$", re.MULTILINE)
COMPONENTS = ("VEVENT", "VTODO", "VFREEBUSY", "VJOURNAL")
ICS_MAX_CHARS = 256 * 1024


def calendar_invite(*, parts: tuple[CalendarPart, ...]) -> CalendarInvite | None:
    """The invite of the first calendar part that has a component; None when the mail carries none."""
    for part in parts:
        invite = ics_invite(ics=part.ics, method=part.method)
        if invite is not None:
            return invite
    return None


def ics_invite(*, ics: str, method: str | None = None) -> CalendarInvite | None:
    """Parse one iCalendar text; the part's METHOD parameter fills in when the body has none."""
    ics = ics[:ICS_MAX_CHARS]
    try:
        calendar = icalendar.Calendar.from_ical(ics)
    except Exception:  # icalendar raises ValueError, KeyError, IndexError… on broken input
        logger.debug("icalendar refused a part; falling back to line scanning", exc_info=True)
        return _invite_from_lines(ics, method)
    body_method = str(calendar.get("METHOD", "") or "").strip().upper() or None
    for name in COMPONENTS:
        for component in calendar.walk(name):
            return CalendarInvite(
                method=body_method or (method.upper() if method else None),
                title=_text(component.get("SUMMARY")),
                start=_when(component, "DTSTART"),
                end=_when(component, "DTEND") or _end_from_duration(component),
                organizer=_organizer(component.get("ORGANIZER")),
                location=_text(component.get("LOCATION")),
                uid=_text(component.get("UID")) or None,
                sequence=_int(component.get("SEQUENCE")),
                status=_text(component.get("STATUS")).upper() or None,
                component=name,
            )
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())[:500]


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return None


def _when(component: Any, name: str) -> str | None:
    try:
        return _iso(component.decoded(name)) if name in component else None
    except Exception:  # an unknown TZID or a malformed value
        raw = component.get(name)
        return str(getattr(raw, "to_ical", lambda: raw)().decode() if hasattr(raw, "to_ical") else raw)


def _end_from_duration(component: Any) -> str | None:
    try:
        start = component.decoded("DTSTART") if "DTSTART" in component else None
        duration = component.decoded("DURATION") if "DURATION" in component else None
    except Exception:
        return None
    if isinstance(start, datetime | date) and isinstance(duration, timedelta):
        return (start + duration).isoformat()
    return None


def _organizer(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    name = value.params.get("CN") if hasattr(value, "params") else None
    return f"{name} <{text}>" if name and text else text or None


def _invite_from_lines(ics: str, method: str | None) -> CalendarInvite | None:
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    values: dict[str, str] = {}
    component = None
    for match in _LINE.finditer(unfolded):
        key, value = match.group(1), match.group(2).strip()
        if key == "BEGIN" and value in COMPONENTS and component is None:
            component = value
        values.setdefault(key, value)
    if component is None:
        return None
    organizer = values.get("ORGANIZER")
    return CalendarInvite(
        method=(values.get("METHOD") or method or "").upper() or None,
        title=values.get("SUMMARY", "")[:500],
        start=values.get("DTSTART"),
        end=values.get("DTEND"),
        organizer=organizer[7:] if organizer and organizer.lower().startswith("mailto:") else organizer,
        location=values.get("LOCATION", "")[:500],
        uid=values.get("UID"),
        component=component,
    )
