"""The entry point for the sync hook: new rows become searchable and threaded."""

from __future__ import annotations

from typing import Any

import pytest

from emails.models import ThreadMembership
from emails.search.selectors import search_for_user
from emails.search.services import stored_messages_index
from emails.search.tests.mail import mail_make


@pytest.mark.django_db
def test_stored_messages_are_indexed_and_threaded_per_owner(alice: Any, bob: Any) -> None:
    """GIVEN new rows of two owners, none indexed WHEN the hook entry runs on their ids THEN each owner
    finds their own mail and each mail has a thread of its owner."""
    a = mail_make(alice, subject="Angebot Fenster", index=False)
    reply = mail_make(alice, subject="AW: Angebot Fenster", in_reply_to=a.message_id, minutes=5, index=False)
    b = mail_make(bob, subject="Angebot Türen", index=False)
    assert stored_messages_index(message_ids=[a.pk, reply.pk, b.pk]) == 3
    alices = search_for_user(user=alice, query="Angebote", mode="text")
    assert {h.subject for h in alices} == {"AW: Angebot Fenster", "Angebot Fenster"}
    assert [h.subject for h in search_for_user(user=bob, query="Angebote", mode="text")] == ["Angebot Türen"]
    memberships = dict(ThreadMembership.objects.values_list("logical_id", "thread__owner_id"))
    assert memberships == {a.logical_id: alice.pk, reply.logical_id: alice.pk, b.logical_id: bob.pk}
    assert len(set(ThreadMembership.objects.filter(owner=alice).values_list("thread_id", flat=True))) == 1
