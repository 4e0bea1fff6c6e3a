"""Attachments and inline images fetched on demand from a real IMAP server (pymap), owner-checked."""

from __future__ import annotations

import struct
import zlib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from django.urls import reverse

from emails.models import Message

pytestmark = pytest.mark.django_db


def png_bytes(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG with red pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def mail_with_parts(*, subject: str, html: str, content_id: str = "logo@test.example") -> bytes:
    """multipart/mixed: related(alternative(text, html), inline PNG) + an HTML and an SVG attachment."""
    message = EmailMessage()
    message["From"] = "Sender <sender@example.org>"
    message["To"] = "alice@example.com"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="test.example")
    message["Date"] = "Mon, 1 Jan 2024 10:00:00 +0000"
    message.set_content("plain version")
    message.add_alternative(html, subtype="html")
    payload = message.get_payload()
    assert isinstance(payload, list)
    html_part = payload[1]
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(
        png_bytes(), maintype="image", subtype="png", cid=f"<{content_id}>", filename="logo.png"
    )
    message.add_attachment(
        b"<html><script>alert(1)</script></html>", maintype="text", subtype="html", filename="page.html"
    )
    message.add_attachment(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        maintype="image",
        subtype="svg+xml",
        filename="../../evil\u202e.svg",
    )
    return message.as_bytes()


@pytest.fixture
def synced_message(pymap_mailbox: Any, sync: Any) -> Message:
    pymap_mailbox.append(
        "INBOX", [mail_with_parts(subject="parts test", html='<p>logo <img src="cid:logo@test.example"></p>')]
    )
    sync(pymap_mailbox)
    return Message.objects.get(owner=pymap_mailbox.account.owner, subject="parts test")


def _part(message: Message, content_type: str) -> dict[str, Any]:
    return next(a for a in message.attachments if a["content_type"] == content_type)


def test_inline_cid_image_comes_from_the_server(verified_client, alice, charlie, synced_message):
    """GIVEN a synced mail with a cid image WHEN alice asks for it THEN the PNG bytes, inline, nosniff; charlie 404."""
    url = reverse("emails:cid", args=[synced_message.pk, "logo@test.example"])
    response = verified_client(alice).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == png_bytes()
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert verified_client(charlie).get(url).status_code == 404


def test_body_points_cid_images_at_the_owner_checked_view(verified_client, alice, synced_message):
    """GIVEN the synced mail WHEN its body is served THEN the img src is our cid URL."""
    body = verified_client(alice).get(reverse("emails:body", args=[synced_message.pk])).content.decode()
    assert f'src="{reverse("emails:cid", args=[synced_message.pk, "logo@test.example"])}"' in body


def test_attachments_download_as_files_never_inline(verified_client, alice, charlie, synced_message):
    """GIVEN HTML and SVG attachments WHEN downloaded THEN octet-stream, attachment disposition, safe name; charlie 404."""
    for content_type, expected_name in (("text/html", "page.html"), ("image/svg+xml", ".svg")):
        part = _part(synced_message, content_type)
        url = reverse("emails:attachment", args=[synced_message.pk, part["part_id"]])
        response = verified_client(alice).get(url)
        assert response.status_code == 200, content_type
        assert response["Content-Type"] == "application/octet-stream"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert expected_name in disposition
        assert "/" not in disposition.split("filename", 1)[1]
        assert b"<script>" in response.content  # the bytes are the file's, untouched...
        assert response["X-Content-Type-Options"] == "nosniff"  # ...and never rendered by the browser
        assert "sandbox" in response["Content-Security-Policy"]
        assert verified_client(charlie).get(url).status_code == 404


def test_svg_is_not_served_as_an_inline_image(verified_client, alice, synced_message):
    """GIVEN an SVG part WHEN asked for through the cid view by its part THEN 404 (SVG is never inline)."""
    svg = _part(synced_message, "image/svg+xml")
    Message.objects.filter(pk=synced_message.pk).update(
        attachments=[
            {**a, "content_id": "svg@x"} if a["part_id"] == svg["part_id"] else a
            for a in synced_message.attachments
        ]
    )
    assert (
        verified_client(alice).get(reverse("emails:cid", args=[synced_message.pk, "svg@x"])).status_code
        == 404
    )


def test_unknown_part_is_404(verified_client, alice, synced_message):
    """GIVEN the synced mail WHEN a part id it does not have is asked for THEN 404."""
    assert (
        verified_client(alice).get(reverse("emails:attachment", args=[synced_message.pk, "9"])).status_code
        == 404
    )
    assert (
        verified_client(alice).get(reverse("emails:cid", args=[synced_message.pk, "nope@x"])).status_code
        == 404
    )
