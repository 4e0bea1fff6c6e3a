"""manage.py search prints one user's results."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from emails.search.tests.mail import mail_make


@pytest.mark.django_db
def test_search_command_prints_only_that_users_hits(alice: Any, bob: Any) -> None:
    """GIVEN mail of alice and bob with one word WHEN the command searches for alice THEN only hers."""
    mail = mail_make(alice, subject="Rechnung Strom", from_name="Stadtwerke")
    mail_make(bob, subject="Rechnung Gas")
    out = StringIO()
    call_command("search", "Rechnungen", user="alice", mode="text", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert "Rechnung Strom" in lines[0]
    assert f"#{mail.pk}" in lines[0]
    assert "text" in lines[0]


@pytest.mark.django_db
def test_search_command_reindexes_and_threads(alice: Any) -> None:
    """GIVEN unindexed mail WHEN --reindex --threads runs THEN it reports both and the mail is found."""
    mail_make(alice, subject="Vergessen", index=False)
    out = StringIO()
    call_command("search", "vergessen", user="alice", mode="text", reindex=True, threads=True, stdout=out)
    text = out.getvalue()
    assert "indexed 1 messages" in text
    assert "threaded 1 messages" in text
    assert "Vergessen" in text


@pytest.mark.django_db
def test_search_command_refuses_an_unknown_user() -> None:
    """GIVEN no such user THEN a clear error."""
    with pytest.raises(CommandError, match="no user"):
        call_command("search", "x", user="nobody")
