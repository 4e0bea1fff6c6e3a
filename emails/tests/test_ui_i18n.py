"""German and English on the mail pages: words that are both a noun and a verb, abbreviations with their full
labels, error messages from the services, chart labels and the language switch.

Each German check has its English control on the same page, so a test cannot pass because a page failed to
render or the text moved elsewhere.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from emails.models import AIProviderSettings, FolderRole, PendingOperation
from emails.tests.pages import in_language, page_html
from tags.tests.factories import account_make, folder_make, message_make, triage_make

pytestmark = pytest.mark.django_db


def _inbox_only_message(owner: Any) -> Any:
    """A triaged message in an account that has an INBOX and nothing else (no archive, no trash)."""
    account = account_make(owner)
    message = message_make(owner, account=account, folder=folder_make(account), subject="Invoice 12")
    triage_make(message, urgency=3, importance=1)
    return message


def test_language_switch_names_each_language_in_itself(verified_client, alice):
    """GIVEN the dashboard in German and in English WHEN the language switch is read THEN it offers "English"
    and "Deutsch" both times (not "Englisch", not "German")."""
    for language in ("de", "en"):
        html = page_html(in_language(language, verified_client(alice)), reverse("home"))
        assert f'<html lang="{language}"' in html
        assert '<option value="en" lang="en"' in html
        assert ">English</option>" in html
        assert ">Deutsch</option>" in html
        assert "Englisch" not in html
        assert ">German<" not in html


def test_folder_names_and_actions_differ_in_german(alice):
    """GIVEN the folder roles WHEN named in German THEN they are nouns (Archiv, Papierkorb), in English unchanged."""
    with translation.override("de"):
        assert str(FolderRole.ARCHIVE.label) == "Archiv"
        assert str(FolderRole.TRASH.label) == "Papierkorb"
    with translation.override("en"):
        assert str(FolderRole.ARCHIVE.label) == "Archive"
        assert str(FolderRole.TRASH.label) == "Trash"


def test_action_buttons_are_verbs_in_german(verified_client, alice):
    """GIVEN a message WHEN its page and the list are shown in German THEN the buttons are verbs (Archivieren,
    In den Papierkorb, Verschlagworten) while the tag filter keeps the noun (Schlagwort)."""
    message = _inbox_only_message(alice)
    from tags.services import tag_add

    tag_add(user=alice, logical_id=message.logical_id, name="Steuer")  # the tag filter shows only with tags
    detail_url = reverse("emails:detail", args=[message.pk])

    detail = page_html(in_language("de", verified_client(alice)), detail_url)
    assert 'value="archive" class="button secondary small">Archivieren</button>' in detail
    assert 'value="trash" class="button secondary small">In den Papierkorb</button>' in detail
    listing = page_html(in_language("de", verified_client(alice)), reverse("emails:list"))
    assert 'value="tag" class="secondary">Verschlagworten</button>' in listing
    assert 'value="archive" class="secondary">Archivieren</button>' in listing
    assert '<label for="f-tag">Schlagwort</label>' in listing

    english = page_html(in_language("en", verified_client(alice)), detail_url)
    assert 'value="archive" class="button secondary small">Archive</button>' in english
    english_list = page_html(in_language("en", verified_client(alice)), reverse("emails:list"))
    assert 'value="tag" class="secondary">Tag</button>' in english_list
    assert '<label for="f-tag">Tag</label>' in english_list


def test_urgency_and_importance_abbreviations_are_translated_with_full_labels(verified_client, alice):
    """GIVEN a triaged message WHEN the AI panel is shown in German THEN the matrix says D3 / W1 with the full words
    (Dringlichkeit 3, Wichtigkeit 1) for screen readers and on hover; in English U3 / I1 with Urgency / Importance."""
    message = _inbox_only_message(alice)
    url = reverse("emails:ai_panel", args=[message.pk])

    german = page_html(in_language("de", verified_client(alice)), url)
    assert '<span aria-hidden="true">D3</span><span class="visually-hidden">Dringlichkeit 3</span>' in german
    assert 'title="Wichtigkeit 1"><span aria-hidden="true">W1</span>' in german
    assert ">U3<" not in german
    assert ">I1<" not in german

    english = page_html(in_language("en", verified_client(alice)), url)
    assert '<span aria-hidden="true">U3</span><span class="visually-hidden">Urgency 3</span>' in english
    assert 'title="Importance 1"><span aria-hidden="true">I1</span>' in english


def test_list_score_has_a_full_label_in_the_users_language(verified_client, alice):
    """GIVEN a triaged message WHEN the list is shown THEN its score says what it is made of, in German and English."""
    _inbox_only_message(alice)
    german = page_html(in_language("de", verified_client(alice)), reverse("emails:list"))
    assert "Bewertung 7: Dringlichkeit 3, Wichtigkeit 1" in german
    english = page_html(in_language("en", verified_client(alice)), reverse("emails:list"))
    assert "Score 7: urgency 3, importance 1" in english


def test_action_errors_reach_the_detail_page_in_german(verified_client, alice):
    """GIVEN an account without an archive folder WHEN a German user archives a message THEN the error is German
    and names the folder as a noun; the English control says the same in English."""
    message = _inbox_only_message(alice)
    url = reverse("emails:detail_action", args=[message.pk])

    german = in_language("de", verified_client(alice)).post(
        url, {"action": "archive"}, HTTP_HX_REQUEST="true"
    )
    assert german.status_code == 200
    assert "Dieses Konto hat keinen Ordner „Archiv“." in german.content.decode()

    english = in_language("en", verified_client(alice)).post(url, {"action": "trash"}, HTTP_HX_REQUEST="true")
    assert "This account has no “Trash” folder." in english.content.decode()


def test_undo_errors_are_translated(verified_client, alice):
    """GIVEN a mark-read operation WHEN a German user tries to undo it as a move THEN the refusal is German."""
    message = _inbox_only_message(alice)
    client = in_language("de", verified_client(alice))
    client.post(
        reverse("emails:detail_action", args=[message.pk]), {"action": "mark_read"}, HTTP_HX_REQUEST="true"
    )
    operation = PendingOperation.objects.get(message=message)
    response = client.post(
        reverse("emails:detail_undo", args=[message.pk, operation.pk]), HTTP_HX_REQUEST="true"
    )
    assert "Nur Verschieben, Archivieren und In-den-Papierkorb-Legen" in response.content.decode()
    english = in_language("en", client).post(
        reverse("emails:detail_undo", args=[message.pk, operation.pk]), HTTP_HX_REQUEST="true"
    )
    assert "Only a move, archive or trash can be undone." in english.content.decode()


def test_bulk_action_errors_are_flashed_in_german(verified_client, alice):
    """GIVEN an account without a trash folder WHEN a German user bulk-trashes a message THEN the flash is German."""
    message = _inbox_only_message(alice)
    client = in_language("de", verified_client(alice))
    response = client.post(
        reverse("emails:bulk"), {"action": "trash", "ids": [message.pk], "next": "/mail/"}, follow=True
    )
    html = response.content.decode()
    assert "Nicht ausgeführt: Dieses Konto hat keinen Ordner „Papierkorb“." in html
    assert "has no" not in html


def test_ai_provider_validation_and_test_messages_are_translated(verified_client, alice):
    """GIVEN the AI settings service WHEN it refuses an endpoint or tests the local analyzer for a German user
    THEN the messages are German; the English control is English."""
    from django.core.exceptions import ValidationError

    from emails.pipeline.ai_settings import ai_settings_test, endpoint_check

    with translation.override("de"), pytest.raises(ValidationError) as refused:
        endpoint_check(endpoint="ftp://example.org/")
    assert refused.value.messages == ["Der Endpunkt muss eine http- oder https-URL sein."]
    with translation.override("en"), pytest.raises(ValidationError) as refused_en:
        endpoint_check(endpoint="ftp://example.org/")
    assert refused_en.value.messages == ["The endpoint must be an http or https URL."]

    AIProviderSettings.objects.create(owner=alice, provider="local")
    response = in_language("de", verified_client(alice)).post(
        reverse("emails:settings_ai_test"), HTTP_HX_REQUEST="true"
    )
    assert "Die lokale Analyse braucht keine Verbindung." in response.content.decode()
    with translation.override("en"):
        local = AIProviderSettings.objects.get(owner=alice)
        assert ai_settings_test(settings=local).message == "The local analyzer needs no connection."


def test_charts_are_translated_and_keep_svg_numbers_in_german(verified_client, alice):
    """GIVEN a yellow message today WHEN the dashboard panel is shown in German THEN the bar and mix titles name the
    colour in German and the date in the German format, and the SVG coordinates keep their decimal points."""
    message = _inbox_only_message(alice)  # urgency 3, importance 1: score 7, yellow
    message.received_at = timezone.now()
    message.save(update_fields=["received_at"])
    url = reverse("emails:dashboard_panel")
    german = page_html(in_language("de", verified_client(alice)), url)
    with translation.override("de"):
        today = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    assert f"<title>{today}: gelb 1</title>" in german
    assert "<title>gelb: 1 (100%)</title>" in german
    assert "yellow 1" not in german
    coordinates = re.findall(r'<rect x="([^"]*)" y="([^"]*)" width="([^"]*)" height="([^"]*)"', german)
    assert coordinates  # the chart really has bars...
    assert all("," not in number for rect in coordinates for number in rect)  # ...drawn with SVG numbers
    english = page_html(in_language("en", verified_client(alice)), url)
    assert ": yellow 1</title>" in english
    assert "<title>yellow: 1 (100%)</title>" in english


def test_why_this_score_names_sources_and_fields_in_german(verified_client, alice):
    """GIVEN a triage decided by an LLM and the user's correction WHEN the panel is shown in German THEN the
    sources and fields are German words, with the provider's name kept."""
    account = account_make(alice)
    message = message_make(alice, account=account, folder=folder_make(account))
    triage_make(
        message,
        urgency=3,
        importance=2,
        sources={"urgency": "llm:openai", "importance": "user"},
        corrected_fields=["importance"],
        explanation=[{"source": "heuristics", "weight": 0.5, "urgency": 2, "importance": 2, "note": "x"}],
    )
    url = reverse("emails:ai_panel", args=[message.pk])
    german = page_html(in_language("de", verified_client(alice)), url)
    assert "Dringlichkeit: KI-Modell (openai)" in german
    assert "Wichtigkeit: Ihre Korrektur" in german
    assert "<td>Textregeln</td>" in german
    english = page_html(in_language("en", verified_client(alice)), url)
    assert "Urgency: AI model (openai)" in english
    assert "<td>text rules</td>" in english


def test_the_inbox_is_named_in_the_users_language(verified_client, alice):
    """GIVEN a message in INBOX and a server folder called "Archiv" WHEN the list and the message are shown in
    German THEN the inbox reads "Posteingang" (INBOX is the protocol's fixed name) and other folders keep the
    server's name; in English the inbox reads "Inbox"."""
    message = _inbox_only_message(alice)
    folder_make(message.account, name="Archiv", role="archive")
    german_list = page_html(in_language("de", verified_client(alice)), reverse("emails:list"))
    assert ">Posteingang</option>" in german_list
    assert ">Archiv</option>" in german_list
    assert ">INBOX<" not in german_list
    german_detail = page_html(
        in_language("de", verified_client(alice)), reverse("emails:detail", args=[message.pk])
    )
    assert "/ Posteingang</span>" in german_detail
    english_list = page_html(in_language("en", verified_client(alice)), reverse("emails:list"))
    assert ">Inbox</option>" in english_list
