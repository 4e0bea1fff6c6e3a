"""Hand-written test mails built with the stdlib, parsed with the project's parser."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from emails.parsing import ParsedMessage, message_parse

DEFAULT_DATE = datetime(2024, 12, 2, 9, 30, tzinfo=UTC)  # a Monday


def mail(
    *,
    subject: str = "Hello",
    body: str = "",
    html: str | None = None,
    sender: str = "Anna Schmidt <anna@example.org>",
    to: str = "me@example.com",
    date: datetime = DEFAULT_DATE,
    headers: dict[str, str] | None = None,
    calendar: str | None = None,
    calendar_method: str | None = None,
) -> ParsedMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = f"<{abs(hash((subject, body))) % 10**12}@example.org>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body or " ")
    if html is not None:
        message.add_alternative(html, subtype="html")
    if calendar is not None:
        params = {"method": calendar_method} if calendar_method else {}
        message.add_alternative(calendar, subtype="calendar", params=params)
    return message_parse(raw=message.as_bytes())


def ics(*, method: str, summary: str = "Project sync", status: str = "CONFIRMED", sequence: int = 0) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//mailhelper tests//EN",
        "VERSION:2.0",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        "UID:test-event-1@example.org",
        f"SEQUENCE:{sequence}",
        "DTSTAMP:20241202T090000Z",
        "DTSTART:20241205T140000Z",
        "DTEND:20241205T150000Z",
        f"SUMMARY:{summary}",
        "LOCATION:Room 4",
        f"STATUS:{status}",
        "ORGANIZER;CN=Anna Schmidt:mailto:anna@example.org",
        "ATTENDEE;CN=Me;RSVP=TRUE:mailto:me@example.com",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)
