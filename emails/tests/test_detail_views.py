"""The message detail page and its fragments: owner-only access, headers, isolation of the mail body."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from emails.models import Message, PendingOperation
from emails.models.remote_images import RemoteImageAllowance
from tags.models import MessageTag, Tag
from tags.tests.factories import folder_make, message_make, triage_make

pytestmark = pytest.mark.django_db

HOSTILE_HTML = """
<html><head><meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">
<style>body { background: url(https://evil.example/css.png) }</style></head>
<body>
<script>window.top.document.title = "pwned"</script>
<img src="https://tracker.example/pixel.png" onerror="alert(1)">
<a href="javascript:alert(1)">click</a>
<a href="https://example.org/ok">ok link</a>
<form action="https://evil.example/steal"><input name="pw"></form>
<div style="background-image: url(https://evil.example/bg.png)">styled</div>
<img src="cid:logo@example">
</body></html>
"""


def _get_pages(message: Message) -> list[str]:
    pk = message.pk
    return [
        reverse("emails:detail", args=[pk]),
        reverse("emails:detail", args=[pk]) + "?view=text",
        reverse("emails:body", args=[pk]),
        reverse("emails:ai_panel", args=[pk]),
    ]


def test_owner_gets_every_detail_page_and_others_get_404(verified_client, alice, charlie):
    """GIVEN alice's message WHEN alice and charlie open the detail, text, body and AI panel THEN 200 vs 404."""
    message = message_make(alice, subject="quarterly numbers", html_body="<p>secret numbers</p>")
    owner, other = verified_client(alice), verified_client(charlie)
    for url in _get_pages(message):
        assert owner.get(url).status_code == 200, url
        response = other.get(url)
        assert response.status_code == 404, url
        assert b"quarterly numbers" not in response.content
        assert b"secret numbers" not in response.content


def test_others_cannot_post_to_any_detail_endpoint(verified_client, alice, charlie):
    """GIVEN alice's message WHEN charlie posts actions, corrections, tags, done, image allowances THEN 404, nothing changes."""
    message = message_make(alice)
    triage_make(message)
    tag = Tag.objects.create(owner=alice, name="work")
    MessageTag.objects.create(owner=alice, tag=tag, logical=message.logical)
    other = verified_client(charlie)
    pk = message.pk
    posts = [
        (reverse("emails:detail_action", args=[pk]), {"action": "flag"}),
        (reverse("emails:detail_action", args=[pk]), {"action": "delete"}),
        (reverse("emails:triage_correct", args=[pk]), {"field": "urgency", "value": "3"}),
        (reverse("emails:triage_done", args=[pk]), {"done": "true"}),
        (reverse("emails:detail_tag_add", args=[pk]), {"name": "mine"}),
        (reverse("emails:detail_tag_remove", args=[pk, tag.pk]), {}),
        (reverse("emails:remote_images_allow", args=[pk]), {"scope": "sender"}),
    ]
    for url, data in posts:
        assert other.post(url, data, HTTP_HX_REQUEST="true").status_code == 404, url
    message.refresh_from_db()
    assert not message.is_flagged
    assert MessageTag.objects.filter(tag=tag).count() == 1
    assert not Tag.objects.filter(owner=charlie).exists()
    assert not RemoteImageAllowance.objects.exists()
    assert not PendingOperation.objects.exists()
    # positive control: alice's own flag action goes through
    assert verified_client(alice).post(posts[0][0], posts[0][1], HTTP_HX_REQUEST="true").status_code == 200
    message.refresh_from_db()
    assert message.is_flagged


def test_others_cannot_fetch_parts_or_remove_a_tag_of_theirs(verified_client, alice, charlie):
    """GIVEN alice's message with an attachment and an inline image WHEN charlie asks for them THEN 404 before any IMAP."""
    message = message_make(
        alice,
        attachments=[
            {
                "part_id": "2",
                "filename": "a.pdf",
                "content_type": "application/pdf",
                "size": 3,
                "content_id": None,
                "is_inline": False,
            },
            {
                "part_id": "3",
                "filename": "l.png",
                "content_type": "image/png",
                "size": 3,
                "content_id": "logo@example",
                "is_inline": True,
            },
        ],
    )
    other = verified_client(charlie)
    assert other.get(reverse("emails:attachment", args=[message.pk, "2"])).status_code == 404
    assert other.get(reverse("emails:cid", args=[message.pk, "logo@example"])).status_code == 404
    charlie_message = message_make(charlie)
    alice_tag = Tag.objects.create(owner=alice, name="private")
    response = other.post(reverse("emails:detail_tag_remove", args=[charlie_message.pk, alice_tag.pk]))
    assert response.status_code == 404


def test_body_has_its_own_strict_csp_and_frame_headers(verified_client, alice):
    """GIVEN a HTML mail WHEN its body is fetched THEN script-src 'none', no remote images, framable same-origin only."""
    message = message_make(alice, html_body="<p>hello</p>")
    response = verified_client(alice).get(reverse("emails:body", args=[message.pk]))
    csp = response["Content-Security-Policy"]
    assert "script-src 'none'" in csp
    assert "default-src 'none'" in csp
    assert re.search(r"img-src 'self' data:;", csp)
    assert "form-action 'none'" in csp and "base-uri 'none'" in csp  # noqa: PT018
    assert "frame-ancestors 'self'" in csp
    assert "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox" in csp
    assert "allow-scripts" not in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "no-referrer"
    # the detail page itself keeps the global policy: no framing at all
    page = verified_client(alice).get(reverse("emails:detail", args=[message.pk]))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_hostile_html_is_defused_in_the_body_document(verified_client, alice):
    """GIVEN scripts, handlers, javascript: links, a form, meta refresh, remote and CSS images WHEN served THEN none survive."""
    message = message_make(
        alice,
        html_body=HOSTILE_HTML,
        attachments=[
            {
                "part_id": "2",
                "filename": "l.png",
                "content_type": "image/png",
                "size": 3,
                "content_id": "logo@example",
                "is_inline": True,
            }
        ],
    )
    body = verified_client(alice).get(reverse("emails:body", args=[message.pk])).content.decode()
    lowered = body.lower()
    for needle in (
        "<script",
        "onerror",
        "javascript:",
        "<form",
        "http-equiv",
        "<base",
        "evil.example",
        "tracker.example",
    ):
        assert needle not in lowered, needle
    assert reverse("emails:cid", args=[message.pk, "logo@example"]) in body
    assert 'target="_blank"' in body and "noopener" in body  # noqa: PT018
    assert "https://example.org/ok" in body


def test_iframe_is_sandboxed_without_scripts(verified_client, alice):
    """GIVEN a HTML mail WHEN the detail page renders THEN the body iframe is sandboxed without allow-scripts."""
    message = message_make(alice, html_body="<p>hi</p>")
    html = verified_client(alice).get(reverse("emails:detail", args=[message.pk])).content.decode()
    frame = re.search(r"<iframe[^>]*>", html, re.S)
    assert frame is not None
    tag = frame.group(0)
    assert 'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"' in tag
    assert "allow-scripts" not in tag
    assert reverse("emails:body", args=[message.pk]) in tag


def test_remote_images_stay_blocked_until_allowed_for_the_message(verified_client, alice, bob):
    """GIVEN a mail with a remote image WHEN alice allows it for this message THEN the body and CSP let it load, for her only."""
    message = message_make(alice, html_body='<img src="https://tracker.example/p.png">')
    client = verified_client(alice)
    body_url = reverse("emails:body", args=[message.pk])
    blocked = client.get(body_url)
    assert b"tracker.example" not in blocked.content
    assert "https:" not in blocked["Content-Security-Policy"]
    page = client.get(reverse("emails:detail", args=[message.pk]))
    assert b"remote image was blocked" in page.content
    response = client.post(
        reverse("emails:remote_images_allow", args=[message.pk]), {"scope": "message"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    allowed = client.get(body_url)
    assert b"https://tracker.example/p.png" in allowed.content
    assert "img-src 'self' data: https: http:" in allowed["Content-Security-Policy"]
    # another message from the same sender stays blocked (the allowance was for one message)
    other = message_make(alice, html_body='<img src="https://tracker.example/q.png">')
    assert b"tracker.example" not in client.get(reverse("emails:body", args=[other.pk])).content


def test_allowing_a_sender_covers_their_other_messages(verified_client, alice):
    """GIVEN two mails from one sender WHEN alice allows the sender THEN both show remote images."""
    first = message_make(
        alice, from_address="News@Shop.example", html_body='<img src="https://cdn.shop.example/a.png">'
    )
    second = message_make(
        alice, from_address="news@shop.example", html_body='<img src="https://cdn.shop.example/b.png">'
    )
    client = verified_client(alice)
    client.post(reverse("emails:remote_images_allow", args=[first.pk]), {"scope": "sender"})
    assert RemoteImageAllowance.objects.get(owner=alice).sender_address == "news@shop.example"
    assert b"cdn.shop.example/b.png" in client.get(reverse("emails:body", args=[second.pk])).content


def test_detail_shows_being_analysed_without_triage(verified_client, alice):
    """GIVEN a message without triage WHEN opened THEN the raw data shows and the AI panel says it is being analysed."""
    message = message_make(alice, subject="raw subject", text_body="raw text body")
    html = (
        verified_client(alice)
        .get(reverse("emails:detail", args=[message.pk]) + "?view=text")
        .content.decode()
    )
    assert "raw subject" in html and "raw text body" in html  # noqa: PT018
    assert "Being analysed" in html
    assert 'hx-trigger="every 10s"' in html


def test_ai_panel_shows_score_sources_explanation_and_injection_warning(verified_client, alice):
    """GIVEN a triage with explanation and an injection flag WHEN the page renders THEN all of it is shown."""
    message = message_make(alice)
    triage_make(
        message,
        urgency=3,
        importance=3,
        category="invoice_payment",
        summary="Pay the invoice by Friday.",
        action_items=["Pay invoice 42"],
        sources={"urgency": "llm", "category": "classifier"},
        explanation=[
            {"source": "header", "weight": 0.4, "urgency": 3, "importance": 2, "note": "reply requested"}
        ],
        injection_flagged=True,
        injection_reasons=["asks the assistant to ignore instructions"],
    )
    html = verified_client(alice).get(reverse("emails:detail", args=[message.pk])).content.decode()
    assert 'data-score="9"' in html and 'data-colour="red"' in html  # noqa: PT018
    for text in (
        "Pay the invoice by Friday.",
        "Pay invoice 42",
        "reply requested",
        "classifier",
        "ignore instructions",
        "Why this score?",
    ):
        assert text in html, text
    assert 'role="alert"' in html


def test_text_view_escapes_markup(verified_client, alice):
    """GIVEN a plain-text body with markup WHEN shown as text THEN it is escaped, not rendered."""
    message = message_make(alice, text_body="<script>alert(1)</script>")
    html = verified_client(alice).get(reverse("emails:detail", args=[message.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_actions_flag_read_and_archive_with_undo(verified_client, alice):
    """GIVEN a message WHEN alice marks it read, archives it and undoes THEN the journal and the row follow."""
    inbox_message = message_make(alice)
    folder_make(inbox_message.account, name="Archive", role="archive")
    client = verified_client(alice)
    url = reverse("emails:detail_action", args=[inbox_message.pk])
    response = client.post(url, {"action": "mark_read"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Mark unread" in response.content  # noqa: PT018
    response = client.post(url, {"action": "archive"}, HTTP_HX_REQUEST="true")
    assert b"Undo" in response.content
    inbox_message.refresh_from_db()
    assert inbox_message.folder.role == "archive"
    operation = PendingOperation.objects.filter(owner=alice, kind="move").get()
    response = client.post(
        reverse("emails:detail_undo", args=[inbox_message.pk, operation.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    inbox_message.refresh_from_db()
    assert inbox_message.folder.role == "inbox"


def test_undo_of_someone_elses_operation_is_404(verified_client, alice, charlie):
    """GIVEN alice archived a message WHEN charlie posts its undo on his own message THEN 404."""
    message = message_make(alice)
    folder_make(message.account, name="Archive", role="archive")
    verified_client(alice).post(reverse("emails:detail_action", args=[message.pk]), {"action": "archive"})
    operation = PendingOperation.objects.get(owner=alice)
    charlie_message = message_make(charlie)
    response = verified_client(charlie).post(
        reverse("emails:detail_undo", args=[charlie_message.pk, operation.pk])
    )
    assert response.status_code == 404


def test_delete_redirects_to_the_list(verified_client, alice):
    """GIVEN a message WHEN deleted from the detail page with htmx THEN the row is gone and htmx is sent to the list."""
    message = message_make(alice)
    response = verified_client(alice).post(
        reverse("emails:detail_action", args=[message.pk]), {"action": "delete"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"]
    assert not Message.objects.filter(pk=message.pk).exists()


def test_one_click_corrections_re_render_the_panel(verified_client, alice):
    """GIVEN a green triage WHEN alice corrects urgency, category and spam THEN each answer is the new panel."""
    from emails.views.detail import _label_record

    if _label_record() is None:
        pytest.skip("training.services.label_record is not there yet")
    message = message_make(alice)
    triage = triage_make(message, urgency=1, importance=1)
    client = verified_client(alice)
    url = reverse("emails:triage_correct", args=[message.pk])
    response = client.post(url, {"field": "urgency", "value": "3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'data-score="7"' in response.content and b'data-colour="yellow"' in response.content  # noqa: PT018
    client.post(url, {"field": "category", "value": "meeting"}, HTTP_HX_REQUEST="true")
    response = client.post(url, {"field": "spam", "value": "true"}, HTTP_HX_REQUEST="true")
    assert b"Not spam" in response.content
    triage.refresh_from_db()
    assert (triage.urgency, triage.score, triage.is_spam) == (3, 7, True)
    assert {"urgency", "category"} <= set(triage.corrected_fields)


def test_invalid_corrections_are_refused(verified_client, alice):
    """GIVEN a triage WHEN a correction has an unknown field or value THEN 422 and nothing changes."""
    message = message_make(alice)
    triage = triage_make(message, urgency=1, importance=1)
    client = verified_client(alice)
    url = reverse("emails:triage_correct", args=[message.pk])
    for data in (
        {"field": "urgency", "value": "4"},
        {"field": "summary", "value": "x"},
        {"field": "category", "value": "nope"},
    ):
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 422, data
    triage.refresh_from_db()
    assert triage.urgency == 1
