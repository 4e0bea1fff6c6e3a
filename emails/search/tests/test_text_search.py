"""Full-text search on real PostgreSQL: German and English stemming, accent folding, isolation, the index."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from emails.search.selectors import TEXT_SEARCH_SQL, Mode, search_for_user
from emails.search.services import search_index_missing, search_index_update
from emails.search.tests.mail import mail_make

pytestmark = pytest.mark.django_db


def found(user: Any, query: str, mode: Mode = "text") -> list[str]:
    return [hit.subject for hit in search_for_user(user=user, query=query, mode=mode)]


def test_german_plural_finds_singular_and_back(alice: Any) -> None:
    """GIVEN mail about "Rechnung" and about "Lieferungen" WHEN searching the other number THEN found."""
    mail_make(alice, subject="Ihre Rechnung für März", body="Bitte überweisen Sie den Betrag.")
    mail_make(alice, subject="Status", body="Die Lieferungen kommen morgen.")
    mail_make(alice, subject="Mittagessen", body="Wir treffen uns um zwölf.")
    assert found(alice, "Rechnungen") == ["Ihre Rechnung für März"]
    assert found(alice, "Lieferung") == ["Status"]


def test_english_plural_finds_singular_and_back(alice: Any) -> None:
    """GIVEN mail about an "invoice" and about "meetings" WHEN searching the other form THEN found."""
    mail_make(alice, subject="Your invoice", body="Payment is due next week.")
    mail_make(alice, subject="Calendar", body="All meetings are moved to Tuesday.")
    mail_make(alice, subject="Lunch", body="Pizza at noon.")
    assert found(alice, "invoices") == ["Your invoice"]
    assert found(alice, "meeting") == ["Calendar"]


def test_search_ignores_accents_both_ways(alice: Any) -> None:
    """GIVEN mail from "Jürgen Müller" and about a "cafe" WHEN searching "Muller" and "café" THEN found;
    an accented query also finds unaccented text and the other way round."""
    mail_make(alice, subject="Termin", from_name="Jürgen Müller", from_address="jm@example.org")
    mail_make(alice, subject="Treffen im cafe am Markt", body="")
    mail_make(alice, subject="Sonstiges", body="nichts")
    assert found(alice, "Muller") == ["Termin"]
    assert found(alice, "Müller") == ["Termin"]
    assert found(alice, "café") == ["Treffen im cafe am Markt"]
    assert found(alice, "cafe") == ["Treffen im cafe am Markt"]


def test_sender_address_is_searchable(alice: Any) -> None:
    """GIVEN mail from an address WHEN searching that address THEN found."""
    mail_make(alice, subject="Hi", from_address="anna.schmidt@firma.de")
    mail_make(alice, subject="Other", from_address="x@example.org")
    assert found(alice, "anna.schmidt@firma.de") == ["Hi"]


def test_subject_match_outranks_body_match(alice: Any) -> None:
    """GIVEN one mail with the word in its subject and one with it deep in the body THEN subject first."""
    mail_make(alice, subject="Weekly report", body="nothing about money", minutes=1)
    mail_make(alice, subject="Budget review", body="see attached")
    mail_make(alice, subject="Misc", body="long text " * 50 + "budget", minutes=2)
    assert found(alice, "budget") == ["Budget review", "Misc"]


def test_web_search_syntax_phrases_and_exclusion(alice: Any) -> None:
    """GIVEN two mails sharing a word WHEN excluding the other word / asking a phrase THEN only one."""
    mail_make(alice, subject="Server outage tonight", body="The database will be down.")
    mail_make(alice, subject="Server upgrade", body="New disks arrive.")
    assert found(alice, "server -outage") == ["Server upgrade"]
    assert found(alice, '"server outage"') == ["Server outage tonight"]


def test_search_never_returns_another_users_mail(alice: Any, bob: Any) -> None:
    """GIVEN a word only in bob's mail WHEN alice searches it (every mode) THEN nothing; bob finds it."""
    mail_make(bob, subject="Zebrafinken im Garten", body="Die Zebrafinken brüten wieder.")
    mail_make(alice, subject="Einkaufsliste", body="Milch, Brot")
    assert found(bob, "Zebrafinken") == ["Zebrafinken im Garten"]  # the query really matches...
    for mode in ("text", "hybrid", "semantic"):
        assert not any(
            h.subject == "Zebrafinken im Garten"
            for h in search_for_user(user=alice, query="Zebrafinken", mode=mode)
        )
    assert found(alice, "Zebrafinken") == []  # ...but never for alice


def test_html_only_mail_is_searched_through_the_sanitized_text(alice: Any) -> None:
    """GIVEN mail with no text part whose sanitizer text mentions a word WHEN re-indexed THEN found."""
    from emails.models import MessageContent

    message = mail_make(alice, subject="Newsletter", body="")
    assert found(alice, "Frühlingsangebote") == []
    MessageContent.objects.create(logical_id=message.logical_id, owner=alice, text="Unsere Frühlingsangebote")
    search_index_update(logical_ids=[message.logical_id])
    assert found(alice, "Frühlingsangebot") == ["Newsletter"]


def test_missing_documents_are_indexed_by_the_sweeper(alice: Any, bob: Any) -> None:
    """GIVEN mail stored without a search document WHEN the sweeper runs THEN it is found."""
    mail_make(alice, subject="Vergessene Nachricht", index=False)
    mail_make(bob, subject="Vergessene Nachricht von Bob", index=False)
    assert found(alice, "vergessen") == []
    assert search_index_missing(owner_id=alice.pk) == 1
    assert found(alice, "vergessen") == ["Vergessene Nachricht"]
    assert found(bob, "vergessen") == []
    assert search_index_missing() == 1


def test_expunged_mail_leaves_the_index(alice: Any) -> None:
    """GIVEN an indexed mail WHEN its last copy is deleted and the index updated THEN not found."""
    message = mail_make(alice, subject="Einmalig")
    assert found(alice, "einmalig") == ["Einmalig"]
    logical_id = message.logical_id
    message.delete()
    search_index_update(logical_ids=[logical_id])
    assert found(alice, "einmalig") == []


def test_full_text_query_uses_the_gin_index(alice: Any, bob: Any) -> None:
    """GIVEN thousands of documents of two users (statistics fresh) WHEN alice searches a rare word THEN
    PostgreSQL's plan reads the GIN index on the document, not the whole table."""
    for owner in (alice, bob):
        mail_make(owner, subject="seed")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO emails_logicalmessage (owner_id, fingerprint, message_id, first_seen_at)
            SELECT o, 'bulk' || g || '-' || o, '', now()
            FROM generate_series(1, 3000) g, unnest(%s::bigint[]) o
            """,
            [[alice.pk, bob.pk]],
        )
        cursor.execute(
            """
            INSERT INTO emails_messagesearch (logical_id, owner_id, document, received_at, indexed_at)
            SELECT l.id, l.owner_id,
                   mh_search_document('Bericht ' || l.id, 'sender', 'common words about the weekly report'),
                   now(), now()
            FROM emails_logicalmessage l WHERE l.fingerprint LIKE 'bulk%%'
            """
        )
        # what autovacuum does after a bulk load: move the GIN pending list into the index, fresh statistics
        cursor.execute("SELECT gin_clean_pending_list('message_search_document_gin'::regclass)")
        cursor.execute("ANALYZE emails_messagesearch")
        cursor.execute(
            "EXPLAIN " + TEXT_SEARCH_SQL, {"query": "Zebrafinken", "owner_id": alice.pk, "limit": 50}
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "message_search_document_gin" in plan, plan
    assert "Seq Scan on emails_messagesearch" not in plan, plan
