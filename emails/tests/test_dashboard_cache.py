"""The dashboard's cached aggregates never show a stale state after a write that changes them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emails.services.operations import message_action
from emails.tests.test_ui_dashboard import account_make, mail_make
from training.services.labels import label_record

pytestmark = pytest.mark.django_db


def _cells(client: Any) -> dict[tuple[int, int], int]:
    matrix = client.get(reverse("home")).context["matrix"]
    return {(c.urgency, c.importance): c.count for row in matrix.rows for c in row if c.count}


def _totals(client: Any) -> Any:
    return client.get(reverse("home")).context["totals"]


def test_a_second_render_is_served_from_the_cache(verified_client, alice):
    """GIVEN a rendered dashboard WHEN it is opened again unchanged THEN the counting queries are skipped."""
    account = account_make(alice)
    mail_make(account, urgency=3, importance=3)
    client = verified_client(alice)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("home"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("home"))
    assert len(second) < len(first)


def test_a_correction_moves_the_cached_matrix_at_once(verified_client, alice):
    """GIVEN a cached matrix WHEN alice corrects a message's urgency THEN the next render shows it moved."""
    account = account_make(alice)
    message = mail_make(account, urgency=1, importance=2)
    client = verified_client(alice)
    assert _cells(client) == {(1, 2): 1}
    label_record(user=alice, logical_id=message.logical_id, field="urgency", value=3)
    assert _cells(client) == {(3, 2): 1}


def test_new_mail_and_read_state_reach_the_cached_totals(verified_client, alice):
    """GIVEN cached totals WHEN new mail arrives and a message is read THEN open and unread follow."""
    account = account_make(alice)
    first = mail_make(account, urgency=2, importance=2)
    client = verified_client(alice)
    before = _totals(client)
    assert (before.open, before.unread) == (1, 1)
    mail_make(account, urgency=3, importance=3)  # the analysis of new mail saves a Triage
    message_action(user=alice, message_id=first.pk, action="mark_read")
    after = _totals(client)
    assert (after.open, after.unread) == (2, 1)


def test_one_users_writes_do_not_touch_another_users_cache(verified_client, alice, bob):
    """GIVEN both dashboards cached WHEN alice's mail changes THEN bob's stays served from his cache."""
    mail_make(account_make(alice), urgency=3, importance=3)
    mail_make(account_make(bob, name="Home"), urgency=1, importance=1)
    alice_client, bob_client = verified_client(alice), verified_client(bob)
    assert _cells(alice_client) == {(3, 3): 1}
    assert _cells(bob_client) == {(1, 1): 1}
    mail_make(alice.mail_accounts.get(), urgency=3, importance=3)
    with CaptureQueriesContext(connection) as bob_queries:
        assert _cells(bob_client) == {(1, 1): 1}
    assert not any("emails_triage" in q["sql"] for q in bob_queries.captured_queries)
    assert _cells(alice_client) == {(3, 3): 2}
