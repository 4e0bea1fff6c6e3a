"""Control characters in a query (a NUL byte would make PostgreSQL refuse the statement) are dropped."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from emails.search.selectors import search_for_user, text_search
from emails.search.tests.mail import mail_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("mode", ["text", "hybrid", "semantic"])
def test_search_with_a_nul_byte_finds_the_mail_instead_of_failing(alice: Any, mode: str) -> None:
    """GIVEN mail about an invoice WHEN the query holds NUL and other control bytes THEN no error."""
    mail_make(alice, subject="Your invoice", body="Payment is due.")
    hits = search_for_user(user=alice, query="in\x00voice\x07", mode=mode)  # type: ignore[arg-type]
    if mode == "text":
        assert [hit.subject for hit in hits] == ["Your invoice"]


def test_text_search_itself_drops_nul(alice: Any) -> None:
    """GIVEN mail WHEN text_search is called directly with a NUL THEN it answers."""
    mail_make(alice, subject="Your invoice")
    assert len(text_search(owner_id=alice.pk, query="\x00invoice", limit=5)) == 1
    assert text_search(owner_id=alice.pk, query="\x00\x01", limit=5) == []


def test_search_command_with_a_nul_byte(alice: Any) -> None:
    """GIVEN mail WHEN manage.py search gets a NUL in the query THEN it prints the hit."""
    mail_make(alice, subject="Rechnung Strom")
    out = StringIO()
    call_command("search", "Rech\x00nung", user="alice", mode="text", stdout=out)
    assert "Rechnung Strom" in out.getvalue()
