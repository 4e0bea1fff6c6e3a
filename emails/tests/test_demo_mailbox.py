"""The demo mailbox: generated German and English mail of every kind, served by pymap and synced."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from emails.demo import DEMO_FOLDERS, demo_messages
from emails.parsing import message_parse
from mailhelper.embedded import free_port
from mailhelper.testing.imap_servers import ImapServer, _wait_for_port

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated():
    messages = demo_messages(now=NOW)
    return [(m, message_parse(raw=m.raw)) for m in messages]


def _of(generated, kind):
    found = [(m, p) for m, p in generated if m.kind == kind]
    assert found, f"no {kind} messages"
    return found


def test_at_least_200_messages_that_parse_cleanly(generated):
    """GIVEN the generator WHEN it runs THEN it yields >= 200 messages with unique Message-IDs, no parse
    warnings, in German and English, in every demo folder but Trash, dated over the last 60 days."""
    assert len(generated) >= 200
    assert [(m.message_id, p.warnings) for m, p in generated if p.warnings] == []
    assert len({p.message_id for _, p in generated}) == len(generated)
    languages = Counter(m.language for m, _ in generated)
    assert languages["de"] >= 80
    assert languages["en"] >= 80
    assert any("Viele Grüße" in p.text_body for _, p in generated)
    assert any("Best regards" in p.text_body for _, p in generated)
    folders = Counter(m.folder for m, _ in generated)
    assert set(folders) == set(DEMO_FOLDERS) - {"Trash"}
    dates = [p.date for _, p in generated]
    assert all(NOW - timedelta(days=60) <= d <= NOW for d in dates)
    assert max(dates) - min(dates) > timedelta(days=50)


def test_the_same_seed_gives_the_same_bytes():
    """GIVEN a seed and a reference time WHEN generated twice THEN the bytes are identical; another seed differs."""
    first = demo_messages(now=NOW)
    assert [m.raw for m in first] == [m.raw for m in demo_messages(now=NOW)]
    assert [m.raw for m in first] != [m.raw for m in demo_messages(now=NOW, seed=5)]


def test_newsletters_carry_list_headers(generated):
    """GIVEN the newsletters THEN each has List-Id and a one-click List-Unsubscribe (https and mailto)."""
    letters = _of(generated, "newsletter")
    assert len(letters) >= 30
    for _, parsed in letters:
        headers = {k.lower(): v for k, v in parsed.list_headers.items()}
        assert "list-id" in headers
        assert "https://" in headers["list-unsubscribe"]
        assert "mailto:" in headers["list-unsubscribe"]
    assert {m.language for m, _ in letters} == {"de", "en"}


def test_invoices_state_a_due_date(generated):
    """GIVEN the invoices THEN German ones say "Rechnung Nr. … fällig am <date>", English ones "Invoice … due by"."""
    invoices = _of(generated, "invoice")
    german = [p.text_body for m, p in invoices if m.language == "de"]
    english = [p.text_body for m, p in invoices if m.language == "en"]
    assert german
    assert english
    assert all(re.search(r"Rechnung Nr\. RE-\d{4}-\d+", t) for t in german)
    assert all(re.search(r"fällig am \d{2}\.\d{2}\.\d{4}", t) for t in german)
    assert all(re.search(r"Invoice INV-\d{4}-\d+|invoice INV-\d{4}-\d+", t) for t in english)
    assert all(re.search(r"Due by: \w+ \d{1,2}, \d{4}", t) for t in english)
    pdfs = [a for _, p in invoices for a in p.attachments if a.content_type == "application/pdf"]
    assert len(pdfs) >= 10


def test_meeting_requests_have_calendar_parts_and_one_cancel(generated):
    """GIVEN the meeting mail THEN each has a text/calendar part; all are REQUEST except exactly one CANCEL
    that names the UID of an earlier request."""
    meetings = _of(generated, "meeting")
    methods = Counter(
        c.method for _, p in meetings for c in p.calendar if c.ics.startswith("BEGIN:VCALENDAR")
    )
    assert methods["CANCEL"] == 1
    assert methods["REQUEST"] >= 20
    assert all(p.calendar for _, p in meetings)
    cancel = next(c for _, p in meetings for c in p.calendar if c.method == "CANCEL")
    found = re.search(r"^UID:(.+)$", cancel.ics, re.M)
    assert found
    uid = found.group(1).strip()
    requests = [c.ics for _, p in meetings for c in p.calendar if c.method == "REQUEST"]
    assert any(f"UID:{uid}" in ics for ics in requests)
    import icalendar

    for ics in requests[:3]:
        event: Any = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
        assert event["DTEND"].dt > event["DTSTART"].dt


def test_threads_link_replies_with_quotes_and_signatures(generated):
    """GIVEN the threads THEN replies are "Re:"/"AW:" with In-Reply-To and References to earlier messages,
    quote the previous mail and end with signatures; the demo user's replies are in Sent."""
    thread = _of(generated, "thread")
    ids = {p.message_id for _, p in thread}
    replies = [(m, p) for m, p in thread if p.in_reply_to]
    assert len(replies) >= 30
    for _, parsed in replies:
        assert parsed.subject.startswith(("Re: ", "AW: "))
        assert parsed.in_reply_to in ids
        assert parsed.references[-1] == parsed.in_reply_to
        assert "\n> " in parsed.text_body
        assert "\n-- \n" in parsed.text_body
    assert any(p.subject.startswith("AW: ") for _, p in replies)
    assert any(p.subject.startswith("Re: ") for _, p in replies)
    assert {m.folder for m, p in thread if p.from_address.address == "demo@example.org"} == {"Sent"}


def test_phishing_uses_lookalike_links_and_urgency(generated):
    """GIVEN the phishing mail THEN every one links somewhere else than the address it shows, from a sender
    domain that is not the brand's, with a deadline."""
    for _, parsed in _of(generated, "phishing"):
        pairs = re.findall(r'<a href="([^"]+)">(https?://[^<]+)</a>', parsed.html_body)
        assert pairs, parsed.subject
        assert all(urlsplit(href).hostname != urlsplit(text).hostname for href, text in pairs)
        assert re.search(
            r"24|48|12|6 hours|Stunden|heute|today|immediately|sofort|now|jetzt", parsed.text_body
        )
        assert parsed.reply_to
        assert parsed.reply_to[0].address.split("@")[1] != parsed.from_address.address.split("@")[1]


def test_notifications_are_marked_automatic(generated):
    """GIVEN the notifications THEN each says Auto-Submitted: auto-generated and comes from a no-reply-ish sender."""
    for _, parsed in _of(generated, "notification"):
        assert "Auto-Submitted: auto-generated" in parsed.raw_headers
        assert re.search(r"no-?reply|notifications|alerts|versand", parsed.from_address.address)


def test_one_prompt_injection_attempt(generated):
    """GIVEN the demo mail THEN exactly one tries to instruct an AI, in visible text and in hidden HTML."""
    hits = [(m, p) for m, p in generated if "ignore previous instructions" in p.text_body.lower()]
    assert [m.kind for m, _ in hits] == ["injection"]
    assert "display:none" in hits[0][1].html_body


def test_inline_image_and_pdf(generated):
    """GIVEN the mail with attachments THEN its HTML shows a cid image that is in the mail, plus a real PDF."""
    (_, parsed) = _of(generated, "attachments")[0]
    image = next(a for a in parsed.attachments if a.content_type == "image/png")
    assert image.is_inline
    assert f"cid:{image.content_id}" in parsed.html_body
    pdf = next(a for a in parsed.attachments if a.content_type == "application/pdf")
    assert pdf.filename.endswith(".pdf")
    raw = next(m.raw for m in demo_messages(now=NOW) if m.kind == "attachments")
    from emails.parsing import attachment_payload

    pdf_payload = attachment_payload(raw=raw, part_id=pdf.part_id)
    png_payload = attachment_payload(raw=raw, part_id=image.part_id)
    assert pdf_payload
    assert png_payload
    assert pdf_payload[1].startswith(b"%PDF-1.4")
    assert png_payload[1].startswith(b"\x89PNG")


# --- written into pymap and synced -----------------------------------------------------------------------


@pytest.fixture
def demo_imap(tmp_path: Path):
    from emails.demo.maildir import demo_maildir_write

    box = demo_maildir_write(directory=tmp_path / "demo-mail", now=NOW)
    port = free_port()
    log = tmp_path / "pymap.log"
    pymap = Path(sys.executable).with_name("pymap")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(pymap),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-tls",
                "maildir",
                str(box.directory),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _wait_for_port(port, process=process, log=log)
    server = ImapServer(kind="pymap", port=port, root=box.directory, process=process, log_path=log)
    server.users[box.username] = box.password
    yield server, box
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_demo_mailbox_syncs_completely_from_pymap(demo_imap, alice, bob):
    """GIVEN the demo Maildir served by pymap WHEN alice's account on it is synced THEN every generated message
    is stored in its folder with its flags, and bob sees none of it."""
    from emails.demo.server import demo_account_ensure
    from emails.models import Message
    from emails.selectors import messages_for_user
    from emails.services.sync import account_sync

    server, box = demo_imap
    account = demo_account_ensure(owner=alice, host="127.0.0.1", port=server.port, password=box.password)
    report = account_sync(account=account, time_budget=300)
    assert report.status == "succeeded", report.errors
    expected = demo_messages(now=NOW)
    stored = Counter(Message.objects.filter(account=account).values_list("folder__raw_name", flat=True))
    assert stored == Counter(m.folder for m in expected)
    assert sum(stored.values()) == box.messages >= 200
    assert (
        Message.objects.filter(account=account, calendar_parts__contains=[{"method": "CANCEL"}]).count() == 1
    )
    unseen = Message.objects.filter(account=account, is_seen=False).count()
    assert unseen == sum(1 for m in expected if "\\Seen" not in m.flags)
    assert messages_for_user(user=bob).count() == 0
    again = account_sync(account=account)  # the second run finds nothing new
    assert (again.new, again.deleted) == (0, 0)


def test_demo_mailbox_command_writes_once(tmp_path):
    """GIVEN an empty directory WHEN demo_mailbox runs twice THEN the first writes, the second reuses it."""
    out = StringIO()
    call_command("demo_mailbox", "--dir", str(tmp_path / "mail"), stdout=out)
    assert re.search(r"Demo mailbox: \d{3} messages in .* \(written\)", out.getvalue())
    assert "IMAP user name: demo" in out.getvalue()
    out = StringIO()
    call_command("demo_mailbox", "--dir", str(tmp_path / "mail"), stdout=out)
    assert "(already there)" in out.getvalue()
    inbox = tmp_path / "mail" / "demo" / "cur"
    count = len(list(inbox.iterdir()))
    assert count > 50
    call_command("demo_mailbox", "--dir", str(tmp_path / "mail"), "--force", stdout=StringIO())
    assert len(list(inbox.iterdir())) == count  # rewritten, not doubled


def test_demo_mailbox_connect_refuses_outside_demo_mode(tmp_path, settings):
    """GIVEN DEMO_MODE off WHEN --connect is asked for THEN the command refuses (no account with a printed
    password); with --port alone it only reports."""
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo mode is off"):
        call_command("demo_mailbox", "--dir", str(tmp_path / "mail"), "--port", "1143", "--connect")
    out = StringIO()
    call_command("demo_mailbox", "--dir", str(tmp_path / "mail"), "--port", "1143", stdout=out)
    assert "IMAP: 127.0.0.1:1143" in out.getvalue()
