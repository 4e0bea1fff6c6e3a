"""Dashboard: the matrix of open mail, totals, charts and sync status, scoped to the owner."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def account_make(owner: Any, name: str = "Work", **fields: Any) -> Any:
    """A mail account with an INBOX, Archive and Trash folder (no server needed for page tests)."""
    from accounts.models import MailAccount
    from emails.models import FolderRole, MailFolder

    account = MailAccount(
        owner=owner, name=name, imap_host="imap.example.org", username=name.lower(), **fields
    )
    account.password_set("secret")
    account.save()
    for folder_name, role in (
        ("INBOX", FolderRole.INBOX),
        ("Archive", FolderRole.ARCHIVE),
        ("Trash", FolderRole.TRASH),
    ):
        MailFolder.objects.create(
            owner=owner, account=account, name=folder_name, raw_name=folder_name, role=role, uidvalidity=1
        )
    return account


def folder(account: Any, role: str) -> Any:
    from emails.models import MailFolder

    return MailFolder.objects.get(account=account, role=role)


def mail_make(
    account: Any,
    *,
    subject: str | None = None,
    urgency: int | None = None,
    importance: int = 2,
    role: str = "inbox",
    received_at: Any = None,
    **fields: Any,
) -> Any:
    """One message in ``account`` (and its triage when ``urgency`` is given)."""
    from emails.models import LogicalMessage, Message, Triage

    n = next(_seq)
    logical = LogicalMessage.objects.create(owner=account.owner, fingerprint=f"fp{n}", message_id=f"<m{n}@x>")
    message = Message.objects.create(
        owner=account.owner,
        account=account,
        folder=folder(account, role),
        logical=logical,
        uidvalidity=1,
        uid=n,
        message_id=f"<m{n}@x>",
        subject=subject if subject is not None else f"message {n}",
        from_name=f"Sender {n}",
        from_address=f"sender{n}@example.org",
        received_at=received_at or timezone.now() - timedelta(minutes=n),
        **fields,
    )
    if urgency is not None:
        triage = Triage(owner=account.owner, logical=logical, urgency=urgency, importance=importance)
        triage.save()
    return message


def test_dashboard_counts_open_mail_per_cell_in_matrix_colours(verified_client, alice):
    """GIVEN open mail in three cells WHEN alice opens the dashboard THEN each cell shows its count and colour."""
    account = account_make(alice)
    mail_make(account, urgency=3, importance=3)
    mail_make(account, urgency=3, importance=3)
    mail_make(account, urgency=2, importance=1)  # score 5: yellow
    mail_make(account, urgency=1, importance=2)  # score 4: green
    response = verified_client(alice).get(reverse("home"))
    assert response.status_code == 200
    matrix = response.context["matrix"]
    cells = {(c.urgency, c.importance): c for row in matrix.rows for c in row}
    assert cells[(3, 3)].count == 2
    assert cells[(3, 3)].colour == "red"
    assert cells[(2, 1)].count == 1
    assert cells[(2, 1)].colour == "yellow"
    assert cells[(1, 2)].count == 1
    assert cells[(1, 2)].colour == "green"
    assert matrix.total == 4
    assert b"cell cell-red" in response.content
    assert b"?cell=3-3&amp;state=open" in response.content


def test_done_spam_and_trashed_mail_leave_the_matrix(verified_client, alice):
    """GIVEN open, done, spam and trashed mail WHEN the matrix is counted THEN only the open one counts."""
    from emails.models import Triage

    account = account_make(alice)
    mail_make(account, urgency=3, importance=3)
    done = mail_make(account, urgency=3, importance=3)
    Triage.objects.filter(logical=done.logical).update(done_at=timezone.now())
    spam = mail_make(account, urgency=3, importance=3)
    Triage.objects.filter(logical=spam.logical).update(is_spam=True)
    mail_make(account, urgency=3, importance=3, role="trash")
    response = verified_client(alice).get(reverse("emails:dashboard"))
    assert response.context["matrix"].total == 1
    assert response.context["totals"].done == 1


def test_matrix_filters_by_account(verified_client, alice):
    """GIVEN mail in two accounts WHEN the dashboard is filtered to one THEN only its mail counts."""
    work, home = account_make(alice, "Work"), account_make(alice, "Home")
    mail_make(work, urgency=3, importance=3)
    mail_make(home, urgency=1, importance=1)
    mail_make(home, urgency=1, importance=1)
    client = verified_client(alice)
    assert client.get(reverse("home")).context["matrix"].total == 3
    response = client.get(reverse("home"), {"account": home.pk})
    assert response.context["matrix"].total == 2
    panel = client.get(reverse("emails:dashboard_panel"), {"account": work.pk}, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert panel.context["matrix"].total == 1


def test_another_users_account_id_is_a_404_on_every_dashboard_url(verified_client, alice, charlie):
    """GIVEN alice's account WHEN charlie filters his dashboard by it THEN 404, and alice gets 200."""
    account = account_make(alice)
    mail_make(account, subject="quarterly numbers", urgency=3, importance=3)
    account_make(charlie, "Charlie's")
    for name in ("home", "emails:dashboard", "emails:dashboard_panel"):
        url = reverse(name)
        assert verified_client(alice).get(url, {"account": account.pk}).status_code == 200
        response = verified_client(charlie).get(url, {"account": account.pk})
        assert response.status_code == 404
        assert b"quarterly numbers" not in response.content


def test_sync_status_only_shows_own_accounts(verified_client, alice, charlie):
    """GIVEN accounts of alice and charlie WHEN each loads the status partial THEN each sees only his own."""
    account_make(alice, "Alice mailbox")
    account_make(charlie, "Charlie mailbox")
    response = verified_client(charlie).get(reverse("emails:dashboard_accounts"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"Charlie mailbox" in response.content
    assert b"Alice mailbox" not in response.content


def test_needs_reauth_shows_the_error_and_the_reenter_link(verified_client, alice):
    """GIVEN an account whose password was rejected WHEN the dashboard loads THEN it links to re-auth."""
    account = account_make(alice, needs_reauth=True, last_error="AUTHENTICATIONFAILED")
    response = verified_client(alice).get(reverse("home"))
    assert reverse("mailaccounts:reauth", args=[account.pk]).encode() in response.content
    assert b"Re-enter password" in response.content


def test_new_user_is_told_to_add_a_mailbox(verified_client, alice):
    """GIVEN no account WHEN the dashboard loads THEN it says what to do next."""
    response = verified_client(alice).get(reverse("home"))
    assert b"Add your first mailbox" in response.content
    assert reverse("mailaccounts:add").encode() in response.content


def test_charts_count_the_last_30_days_by_colour(verified_client, alice):
    """GIVEN mail today and 40 days ago WHEN charts are drawn THEN only today's counts, by colour."""
    account = account_make(alice)
    mail_make(account, urgency=3, importance=3)
    mail_make(account)  # not analysed yet
    mail_make(account, urgency=3, importance=3, received_at=timezone.now() - timedelta(days=40))
    response = verified_client(alice).get(reverse("home"))
    charts = response.context["charts"]
    assert (charts.red, charts.pending, charts.total) == (1, 1, 2)
    assert b"<rect" in response.content


def test_dashboard_query_count_does_not_grow_with_data(verified_client, alice, django_assert_max_num_queries):
    """GIVEN 10, then 50 messages in two accounts WHEN the dashboard renders THEN the query count is the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    accounts = [account_make(alice, "Work"), account_make(alice, "Home")]
    client = verified_client(alice)
    client.get(reverse("home"))  # warm the session
    counts = []
    for total in (10, 50):
        for n in range(total):
            mail_make(accounts[n % 2], urgency=1 + n % 3, importance=1 + (n // 3) % 3)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(16):
        client.get(reverse("emails:dashboard_panel"), HTTP_HX_REQUEST="true")


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=10), "Synced just now"),
        (timedelta(seconds=-5), "Synced just now"),  # the worker's clock a little ahead
        (timedelta(seconds=65), "Synced 1 minute ago"),
        (timedelta(minutes=59), "Synced 59 minutes ago"),
        (timedelta(hours=3, minutes=20), "Synced 3 hours ago"),
        (timedelta(days=2, hours=5), "Synced 2 days ago"),
    ],
)
def test_sync_status_says_when_in_one_phrase(verified_client, alice, ago, text):
    """GIVEN an account last synced some time ago WHEN the status is shown THEN one whole phrase says when
    ("just now" under a minute, never "0 minutes"), so a translation can order it as its grammar needs."""
    account_make(alice, last_success_at=timezone.now() - ago)
    response = verified_client(alice).get(reverse("emails:dashboard_accounts"), HTTP_HX_REQUEST="true")
    content = " ".join(response.content.decode().split())
    assert text in content
    assert "0 minutes" not in content
