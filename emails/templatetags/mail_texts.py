"""Template filters that show stored machine texts in the reader's language (see ``emails.display_texts``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from emails import display_texts

register = template.Library()


@register.filter
def sync_error(error: str) -> str:
    return display_texts.sync_error_text(error)


@register.filter
def operation_error(error: str) -> str:
    return display_texts.operation_error_text(error)


@register.filter
def provider_error(error: str) -> str:
    return display_texts.provider_error_text(error)


@register.filter
def language_name(code: str) -> str:
    return display_texts.language_name(code)


@register.filter
def calendar_method(method: str) -> str:
    return display_texts.calendar_method_text(method)


@register.filter
def undo_label(undo: Any) -> str:
    return display_texts.undo_label_text(undo) if isinstance(undo, dict) else ""


@register.filter
def injection_reason(reason: str) -> str:
    return display_texts.injection_reason_text(reason)


@register.filter
def analysis_note(note: str) -> str:
    return display_texts.analysis_note_text(note)


@register.filter
def analysis_provider(provider: str) -> str:
    return display_texts.provider_name(provider)


@register.filter
def parse_notes(codes: Any) -> str:
    """Parser warning codes as one comma-separated line of notes."""
    return ", ".join(display_texts.parse_warnings_text(codes if isinstance(codes, list | tuple) else ()))


@register.filter
def event_time(value: Any) -> str:
    """An invite's start or end as stored (ISO 8601, or the raw iCalendar value) in the reader's format; a
    time with a zone in the reader's time zone, a floating time as written, a whole day as a date."""
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        if "T" not in text.upper():
            return formats.date_format(date.fromisoformat(text), "DATE_FORMAT")
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # unreadable: show what the sender wrote rather than nothing
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


@register.filter
def synced_ago(value: datetime | None) -> str:
    """The whole "synced … ago" phrase with its largest unit only: a translation can then put "vor" first and
    inflect the unit (timesince gives "2 Tage", which German cannot use after "vor")."""
    if value is None:
        return ""
    seconds = int((timezone.now() - value).total_seconds())
    # Under a minute (or a worker clock slightly ahead) timesince would say "0 minutes".
    if seconds < 60:
        return gettext("Synced just now")
    minutes = seconds // 60
    if minutes < 60:
        return ngettext("Synced %(count)d minute ago", "Synced %(count)d minutes ago", minutes) % {
            "count": minutes
        }
    hours = minutes // 60
    if hours < 24:
        return ngettext("Synced %(count)d hour ago", "Synced %(count)d hours ago", hours) % {"count": hours}
    days = hours // 24
    return ngettext("Synced %(count)d day ago", "Synced %(count)d days ago", days) % {"count": days}
