"""Unit tests of emails.parsing on small hand-written messages (no database, no Django)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emails.parsing import Address, attachment_payload, message_parse
from emails.parsing.types import HEADER_VALUE_MAX_CHARS, MIME_DEPTH_MAX, TEXT_PART_MAX_BYTES

FIXTURES = Path(__file__).parent / "fixtures" / "parsing"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def headers_only(*lines: str, body: str = "body\n") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8")


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ("=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", "Grüße aus Köln"),
        ("=?iso-8859-1?q?Caf=E9?= au lait", "Café au lait"),
        ("=?koi8-r?b?8NLJ18XU?=", "Привет"),
        ("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"),
        ("=?gb2312?b?xOO6ww==?=", "你好"),
        ("=?utf-8?b?w6k=?= =?utf-8?b?w6k=?=", "éé"),
        ("=?utf-8?q?split_=E2=82?= =?utf-8?q?=AC_euro?=", "split € euro"),
    ],
)
def test_subject_is_decoded_from_rfc2047_in_several_charsets(encoded: str, expected: str) -> None:
    """GIVEN a Subject of RFC 2047 words in some charset WHEN parsed THEN the subject is the decoded text."""
    parsed = message_parse(raw=headers_only(f"Subject: {encoded}", "Message-ID: <a@b>"))
    assert parsed.subject == expected
    assert "charset_fallback" not in parsed.warnings


def test_subject_with_bogus_charset_falls_back_and_warns() -> None:
    """GIVEN an encoded word in an unknown charset WHEN parsed THEN it is decoded as windows-1252 and warned."""
    parsed = message_parse(raw=fixture("bogus_charset.eml"))
    assert parsed.subject == "Café crème"
    assert "charset_fallback" in parsed.warnings


def test_body_with_bogus_charset_is_decoded_as_windows_1252() -> None:
    """GIVEN an 8-bit body under an unknown charset WHEN parsed THEN it reads as windows-1252 text."""
    parsed = message_parse(raw=fixture("bogus_charset.eml"))
    assert parsed.text_body == "Café crème \u201cquoted\u201d\n"


def test_folded_subject_becomes_one_clean_line() -> None:
    """GIVEN a folded subject with tabs and control characters WHEN parsed THEN it is one single-spaced line."""
    parsed = message_parse(raw=headers_only("Subject: Hello\r\n\t  wide\x07  world", "Message-ID: <a@b>"))
    assert parsed.subject == "Hello wide world"


def test_utf8_raw_header_is_decoded() -> None:
    """GIVEN an RFC 6532 subject in raw UTF-8 WHEN parsed THEN it is decoded as UTF-8."""
    parsed = message_parse(raw=headers_only("Subject: Ünïcödé ✓", "Message-ID: <a@b>"))
    assert parsed.subject == "Ünïcödé ✓"


def test_ids_are_normalized_without_brackets() -> None:
    """GIVEN Message-ID, In-Reply-To and a folded References WHEN parsed THEN ids lose brackets, keep order."""
    parsed = message_parse(raw=fixture("multipart_full.eml"))
    assert parsed.message_id == "Full.Example-1@Example.ORG"
    assert parsed.in_reply_to == "parent-1@example.org"
    assert parsed.references == ("root-0@example.org", "parent-1@example.org")


def test_missing_message_id_is_none_with_a_warning() -> None:
    """GIVEN a message without Message-ID WHEN parsed THEN message_id is None and a warning says so."""
    parsed = message_parse(raw=headers_only("Subject: x"))
    assert parsed.message_id is None
    assert "message_id_missing" in parsed.warnings


def test_addresses_are_decoded_and_domains_lower_cased() -> None:
    """GIVEN encoded display names, a comma inside one and a group WHEN parsed THEN each mailbox is typed."""
    parsed = message_parse(raw=fixture("multipart_full.eml"))
    assert parsed.from_address == Address(name="Jürgen Müller", address="Juergen.Mueller@example.org")
    assert parsed.sender == Address(name="Mailer", address="mailer@lists.example.org")
    assert parsed.reply_to == (Address(name="List", address="list@example.org"),)
    assert parsed.to == (Address("Doe, Jane", "jane@example.net"), Address("", "bob@example.net"))
    assert parsed.cc == (Address("", "carol@example.net"), Address("", "dave@example.net"))
    assert parsed.bcc == ()


def test_date_is_aware_utc() -> None:
    """GIVEN a Date with a +0100 offset WHEN parsed THEN date is the same instant in UTC."""
    parsed = message_parse(raw=fixture("multipart_full.eml"))
    assert parsed.date == datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_unparseable_date_is_none_with_a_warning() -> None:
    """GIVEN a Date that is not a date WHEN parsed THEN date is None and 'date_invalid' is warned."""
    parsed = message_parse(raw=headers_only("Date: the day after tomorrow", "Message-ID: <a@b>"))
    assert parsed.date is None
    assert "date_invalid" in parsed.warnings


def test_bodies_come_from_alternative_and_footer_is_appended() -> None:
    """GIVEN mixed[alternative[plain, related[html, img]], ..., footer] WHEN parsed THEN plain + footer, html."""
    parsed = message_parse(raw=fixture("multipart_full.eml"))
    assert parsed.text_body == "Grüße aus Köln,\nhere are the numbers.\n\n-- \nTeam list footer"
    assert parsed.html_body.startswith("<html><body><p>Grüße aus Köln</p>")


def test_attachments_carry_imap_section_numbers() -> None:
    """GIVEN a nested message WHEN parsed THEN every attachment has its IMAP BODY section number."""
    parsed = message_parse(raw=fixture("multipart_full.eml"))
    assert [(item.part_id, item.content_type) for item in parsed.attachments] == [
        ("1.2.2", "image/png"),
        ("2", "application/pdf"),
        ("3", "message/rfc822"),
    ]


def test_inline_cid_image_is_inline_and_not_counted_as_attachment() -> None:
    """GIVEN an inline image referenced by cid WHEN parsed THEN it is inline with its content id."""
    image = message_parse(raw=fixture("multipart_full.eml")).attachments[0]
    assert (image.filename, image.content_id, image.is_inline, image.size) == (
        "logo.png",
        "logo@example.org",
        True,
        70,
    )


def test_rfc2231_filename_is_decoded() -> None:
    """GIVEN a continued, percent-encoded UTF-8 filename (RFC 2231) WHEN parsed THEN it is joined and decoded."""
    pdf = message_parse(raw=fixture("multipart_full.eml")).attachments[1]
    assert pdf.filename == "€ Bericht 2025-Q1.pdf"
    assert pdf.size == 52


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\\\Users\\\\x\\\\evil.exe"', "evil.exe"),
        ('attachment; filename="=?utf-8?q?r=C3=A9sum=C3=A9?= \x01.pdf"', "résumé .pdf"),
        ('attachment; filename="invoice\u202egpj.exe"', "invoicegpj.exe"),
        (f'attachment; filename="{"a" * 500}.pdf"', "a" * 196 + ".pdf"),
    ],
)
def test_attachment_filenames_are_sanitized(header: str, expected: str) -> None:
    """GIVEN a hostile filename WHEN parsed THEN it has no path, no control or bidi characters, bounded length."""
    raw = headers_only(
        "Message-ID: <a@b>",
        'Content-Type: multipart/mixed; boundary="b"',
        body=f"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Disposition: {header}\r\n\r\nxx\r\n--b--\r\n",
    )
    assert message_parse(raw=raw).attachments[0].filename == expected


def test_attached_message_is_an_attachment_not_merged() -> None:
    """GIVEN a message/rfc822 part WHEN parsed THEN it is an attachment named after its subject, body not merged."""
    parsed = message_parse(raw=fixture("multipart_full.eml"))
    attached = parsed.attachments[2]
    assert attached.filename == "The original question.eml"
    assert "must not be merged" not in parsed.text_body
    assert parsed.has_attachments


def test_attachment_payload_returns_decoded_bytes() -> None:
    """GIVEN a raw message and a section number WHEN the part is fetched THEN its decoded bytes come back."""
    result = attachment_payload(raw=fixture("multipart_full.eml"), part_id="2")
    assert result is not None
    meta, data = result
    assert meta.filename == "€ Bericht 2025-Q1.pdf"
    assert data.startswith(b"%PDF-1.4")
    assert len(data) == meta.size


def test_attachment_payload_of_attached_message_is_rfc822() -> None:
    """GIVEN an attached message's section WHEN fetched THEN the bytes are the embedded message."""
    result = attachment_payload(raw=fixture("multipart_full.eml"), part_id="3")
    assert result is not None
    assert b"Subject: The original question" in result[1]


def test_attachment_payload_of_unknown_section_is_none() -> None:
    """GIVEN a section number that does not exist WHEN fetched THEN None, while an existing one works."""
    raw = fixture("multipart_full.eml")
    assert attachment_payload(raw=raw, part_id="9") is None
    assert attachment_payload(raw=raw, part_id="1.2.2") is not None


def test_calendar_parts_keep_method_from_parameter_or_body() -> None:
    """GIVEN a text/calendar alternative (method=) and an .ics attachment (METHOD: line) WHEN parsed THEN both."""
    parsed = message_parse(raw=fixture("invite.eml"))
    assert [(part.part_id, part.method) for part in parsed.calendar] == [("1.3", "REQUEST"), ("2", "CANCEL")]
    assert "UID:planning-1@example.com" in parsed.calendar[0].ics
    assert [item.filename for item in parsed.attachments] == ["invite.ics"]
    assert parsed.text_body == "You have been invited to Planning."


def test_report_and_tnef_parts_are_attachments() -> None:
    """GIVEN a multipart/report with a winmail.dat WHEN parsed THEN text is the body, the rest attachments."""
    parsed = message_parse(raw=fixture("tnef_report.eml"))
    assert parsed.text_body.startswith("Your message could not be delivered")
    assert [item.content_type for item in parsed.attachments] == [
        "message/delivery-status",
        "application/ms-tnef",
    ]
    assert parsed.attachments[1].filename == "winmail.dat"


def test_triage_headers_are_kept() -> None:
    """GIVEN List-*, Precedence, X-Spam-* and X-Keywords headers WHEN parsed THEN only triage headers are kept."""
    headers = message_parse(raw=fixture("multipart_full.eml")).list_headers
    assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
    assert headers["precedence"] == "list"
    assert headers["x-spam-status"] == "No, score=-1.0"
    assert "x-keywords" not in headers


def test_missing_header_separator_is_warned_and_body_kept() -> None:
    """GIVEN headers running straight into the body WHEN parsed THEN headers are read, body kept, warning set."""
    parsed = message_parse(raw=fixture("no_separator.eml"))
    assert parsed.subject == "no separator"
    assert "starts the body" in parsed.text_body
    assert "no_header_separator" in parsed.warnings


def test_header_name_with_space_before_colon_is_repaired() -> None:
    """GIVEN an obsolete 'Subject :' header line WHEN parsed THEN the header is read instead of becoming body."""
    parsed = message_parse(raw=b"Subject : spaced\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n")
    assert parsed.subject == "spaced"
    assert parsed.text_body == "body\n"


def test_broken_base64_is_decoded_leniently_with_a_warning() -> None:
    """GIVEN base64 with noise and a bad length WHEN parsed THEN what decodes is kept and a warning is set."""
    parsed = message_parse(raw=fixture("broken_base64.eml"))
    assert parsed.text_body == "Hello world!"
    assert "base64_invalid" in parsed.warnings


def test_bare_lf_and_crlf_give_the_same_result() -> None:
    """GIVEN the same message with LF and with CRLF line ends WHEN parsed THEN fields and fingerprint agree."""
    lf = fixture("multipart_full.eml")
    crlf = lf.replace(b"\n", b"\r\n")
    first, second = message_parse(raw=lf), message_parse(raw=crlf)
    assert (first.subject, first.text_body, first.html_body) == (
        second.subject,
        second.text_body,
        second.html_body,
    )
    assert [a.size for a in first.attachments[:2]] == [a.size for a in second.attachments[:2]]
    assert first.fingerprint == second.fingerprint


def test_oversized_header_is_truncated_before_decoding() -> None:
    """GIVEN a 400 KB encoded Subject WHEN parsed THEN it is cut, warned, and parsing stays fast."""
    words = " ".join(["=?utf-8?q?h=C3=A9llo?="] * 20_000)
    raw = headers_only(f"Subject: {words}", "Message-ID: <a@b>")
    started = time.perf_counter()
    parsed = message_parse(raw=raw)
    assert time.perf_counter() - started < 0.5
    assert "header_truncated:subject" in parsed.warnings
    assert parsed.subject.startswith("héllohéllo")
    assert len(parsed.subject) < HEADER_VALUE_MAX_CHARS


def _nested(levels: int) -> bytes:
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(levels)
    )
    closing = "".join(f"\r\n--b{i}--" for i in reversed(range(levels)))
    return f"Message-ID: <deep@x>\r\nSubject: deep\r\n{opening}Content-Type: text/plain\r\n\r\ninner{closing}\r\n".encode()


def test_nesting_within_the_limit_is_walked() -> None:
    """GIVEN multiparts nested 10 deep WHEN parsed THEN the innermost text is the body, without warning."""
    parsed = message_parse(raw=_nested(10))
    assert parsed.text_body.strip() == "inner"
    assert "depth_limit" not in parsed.warnings


def test_deep_nesting_stops_at_the_limit_quickly() -> None:
    """GIVEN multiparts nested 3,000 deep WHEN parsed THEN it returns fast with 'depth_limit' and headers."""
    started = time.perf_counter()
    parsed = message_parse(raw=_nested(3_000))
    assert time.perf_counter() - started < 1.0
    assert "depth_limit" in parsed.warnings
    assert parsed.subject == "deep"
    assert MIME_DEPTH_MAX == 20


def test_many_parts_stop_at_the_part_limit() -> None:
    """GIVEN 2,000 sibling parts WHEN parsed THEN only the first ones are listed and 'part_limit' is warned."""
    parts = "".join(f"--b\r\nContent-Type: image/gif; name=i{i}.gif\r\n\r\nx\r\n" for i in range(2_000))
    parsed = message_parse(
        raw=headers_only('Content-Type: multipart/mixed; boundary="b"', body=parts + "--b--\r\n")
    )
    assert "part_limit" in parsed.warnings
    assert 0 < len(parsed.attachments) <= 500


def test_huge_text_part_is_truncated_with_a_warning() -> None:
    """GIVEN a 3 MB text/plain part WHEN parsed THEN the body is cut to the cap and 'part_truncated' is warned."""
    body = ("é" * 1_500_000) + "\n"
    parsed = message_parse(raw=headers_only("Content-Type: text/plain; charset=utf-8", body=body))
    assert "part_truncated" in parsed.warnings
    assert "charset_fallback" not in parsed.warnings
    assert set(parsed.text_body) == {"é"}
    assert len(parsed.text_body.encode()) <= TEXT_PART_MAX_BYTES


def test_unparseable_input_never_raises() -> None:
    """GIVEN bytes that are no mail at all WHEN parsed THEN a result comes back with warnings, not an error."""
    for raw in (b"", b"\x00\xff\xfe" * 100, b"\r\n\r\n\r\n", b":::\n\n", b"From \n" * 10):
        parsed = message_parse(raw=raw)
        assert parsed.size == len(raw)
        assert parsed.warnings


def test_strings_never_contain_nul() -> None:
    """GIVEN NUL bytes in the subject and body WHEN parsed THEN they are gone (PostgreSQL refuses them)."""
    parsed = message_parse(raw=b"Subject: a\x00b\r\nMessage-ID: <a@b>\r\n\r\nx\x00y\r\n")
    assert (parsed.subject, parsed.text_body) == ("a b", "xy\n")


def test_fingerprint_ignores_headers_changed_by_a_copy() -> None:
    """GIVEN the same message with other Received/X-Keywords/Status lines WHEN parsed THEN equal fingerprints."""
    original = fixture("multipart_full.eml")
    copied = b"Received: from elsewhere\nStatus: RO\nX-Keywords: $Junk\n" + original.replace(
        b"$Forwarded", b""
    )
    assert message_parse(raw=original).fingerprint == message_parse(raw=copied).fingerprint


def test_fingerprint_differs_for_different_content_with_same_message_id() -> None:
    """GIVEN two different bodies that share a Message-ID WHEN parsed THEN the fingerprints differ."""
    first = message_parse(raw=headers_only("Message-ID: <same@x>", "Subject: s", body="one\n"))
    second = message_parse(raw=headers_only("Message-ID: <same@x>", "Subject: s", body="two\n"))
    assert first.fingerprint != second.fingerprint
    assert len(first.fingerprint) == 32
