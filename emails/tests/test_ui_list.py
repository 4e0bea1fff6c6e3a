"""Message list: filters, sorting, keyset pages, search, rows partial; never another user's mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from emails.tests.test_ui_dashboard import account_make, folder, mail_make

pytestmark = pytest.mark.django_db


def subjects(response) -> list[str]:
    return [row.subject for row in response.context["rows"]]


def test_list_shows_own_mail_newest_first_and_links_to_the_detail(verified_client, alice, bob):
    """GIVEN mail of alice and bob WHEN alice lists her mail THEN she sees only hers, newest first."""
    account = account_make(alice)
    now = timezone.now()
    old = mail_make(account, subject="older", received_at=now - timedelta(hours=2))
    new = mail_make(account, subject="newer", received_at=now - timedelta(hours=1))
    mail_make(account_make(bob, "Bob"), subject="bob's secret")
    response = verified_client(alice).get(reverse("emails:list"))
    assert response.status_code == 200
    assert subjects(response) == ["newer", "older"]
    assert b"bob&#x27;s secret" not in response.content
    assert b"bob's secret" not in response.content
    assert reverse("emails:detail", args=[new.pk]).encode() in response.content
    assert reverse("emails:detail", args=[old.pk]).encode() in response.content


@pytest.mark.parametrize("name", ["emails:list", "emails:rows"])
@pytest.mark.parametrize("param", ["account", "folder", "tag"])
def test_another_users_ids_in_filters_are_a_404(verified_client, alice, charlie, name, param):
    """GIVEN alice's account, folder and tag WHEN charlie filters by them THEN 404; alice gets 200."""
    from tags.models import Tag

    account = account_make(alice)
    mail_make(account, subject="quarterly numbers")
    tag = Tag.objects.create(owner=alice, name="work")
    account_make(charlie, "Charlie")
    value = {"account": account.pk, "folder": folder(account, "inbox").pk, "tag": tag.pk}[param]
    assert verified_client(alice).get(reverse(name), {param: value}).status_code == 200
    response = verified_client(charlie).get(reverse(name), {param: value})
    assert response.status_code == 404
    assert b"quarterly numbers" not in response.content


def test_matrix_cell_filter_lists_the_open_mail_of_that_cell(verified_client, alice):
    """GIVEN mail in several cells, one done WHEN the 3-3 cell is opened THEN only its open mail is listed."""
    from emails.models import Triage

    account = account_make(alice)
    mail_make(account, subject="urgent", urgency=3, importance=3)
    done = mail_make(account, subject="urgent but done", urgency=3, importance=3)
    Triage.objects.filter(logical=done.logical).update(done_at=timezone.now())
    mail_make(account, subject="later", urgency=1, importance=1)
    response = verified_client(alice).get(reverse("emails:list"), {"cell": "3-3", "state": "open"})
    assert subjects(response) == ["urgent"]


def test_filters_narrow_the_list(verified_client, alice):
    """GIVEN mail with different flags WHEN each filter is applied THEN only the matching mail is listed."""
    from emails.models import Triage

    account = account_make(alice)
    mail_make(account, subject="unread", is_seen=False)
    mail_make(account, subject="seen flagged", is_seen=True, is_flagged=True)
    mail_make(account, subject="attachment", is_seen=True, has_attachments=True)
    mail_make(account, subject="invite", is_seen=True, calendar_parts=[{"method": "REQUEST"}])
    news = mail_make(account, subject="newsletter", is_seen=True, urgency=1, importance=1)
    Triage.objects.filter(logical=news.logical).update(is_newsletter=True, category="newsletter")
    spam = mail_make(account, subject="spam", is_seen=True, urgency=1, importance=1)
    Triage.objects.filter(logical=spam.logical).update(is_spam=True)
    mail_make(account, subject="old", is_seen=True, received_at=timezone.now() - timedelta(days=50))
    mail_make(account, subject="trashed", is_seen=True, role="trash")
    client = verified_client(alice)

    def listed(**params) -> set[str]:
        return set(subjects(client.get(reverse("emails:list"), params)))

    assert "spam" not in listed()
    assert "trashed" not in listed()
    assert listed(unread="1") == {"unread"}
    assert listed(flagged="1") == {"seen flagged"}
    assert listed(attachments="1") == {"attachment"}
    assert listed(invite="1") == {"invite"}
    assert listed(newsletter="1") == {"newsletter"}
    assert listed(category="newsletter") == {"newsletter"}
    assert listed(spam="1") == {"spam"}
    assert listed(folder=folder(account, "trash").pk) == {"trashed"}
    until = (timezone.localdate() - timedelta(days=40)).isoformat()
    assert listed(until=until) == {"old"}
    assert "old" not in listed(since=(timezone.localdate() - timedelta(days=1)).isoformat())


@pytest.mark.parametrize("sort", ["date", "score", "sender"])
def test_keyset_pages_cover_every_message_once_in_order(verified_client, alice, sort):
    """GIVEN 7 messages with ties WHEN paged 2 at a time THEN every message appears once, in sort order."""
    account = account_make(alice)
    same_time = timezone.now() - timedelta(hours=1)
    for n in range(7):
        mail_make(account, urgency=1 + n % 3, importance=2, received_at=same_time if n < 3 else None)
    client = verified_client(alice)
    seen, cursor = [], ""
    for _ in range(10):
        response = client.get(reverse("emails:rows"), {"sort": sort, "size": 2, "cursor": cursor})
        seen.extend(response.context["rows"])
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    assert len(seen) == 7
    assert len({m.pk for m in seen}) == 7
    full = client.get(reverse("emails:list"), {"sort": sort, "size": 50}).context["rows"]
    assert [m.pk for m in seen] == [m.pk for m in full]
    if sort == "score":
        scores = [m.triage.score for m in full]
        assert scores == sorted(scores, reverse=True)


def test_a_malformed_cursor_shows_the_first_page(verified_client, alice):
    """GIVEN a tampered cursor WHEN the list loads THEN it starts from the top instead of failing."""
    account = account_make(alice)
    mail_make(account, subject="only")
    response = verified_client(alice).get(reverse("emails:list"), {"cursor": "!!not-base64"})
    assert response.status_code == 200
    assert subjects(response) == ["only"]


def test_search_finds_own_mail_only(verified_client, alice, charlie):
    """GIVEN both users have a mail about "invoice" WHEN charlie searches THEN he finds only his."""
    from emails.search import search_index_missing

    mail_make(account_make(alice), subject="invoice for alice")
    mail_make(account_make(charlie, "Charlie"), subject="invoice for charlie")
    search_index_missing()
    response = verified_client(charlie).get(reverse("emails:list"), {"q": "invoice", "mode": "text"})
    assert response.status_code == 200
    assert subjects(response) == ["invoice for charlie"]
    assert b"invoice for alice" not in response.content


def test_new_user_list_says_add_a_mailbox(verified_client, alice):
    """GIVEN no account WHEN the list loads THEN it says what to do next."""
    response = verified_client(alice).get(reverse("emails:list"))
    assert b"Add your first mailbox" in response.content


def _count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("sort", ["date", "score"])
def test_list_query_count_is_the_same_for_10_and_50_rows(
    verified_client, alice, django_assert_max_num_queries, sort
):
    """GIVEN 60 messages in two accounts WHEN 10 or 50 rows are shown THEN the same (small) number of queries runs."""
    accounts = [account_make(alice, "Work"), account_make(alice, "Home")]
    for n in range(60):
        mail_make(accounts[n % 2], urgency=1 + n % 3, importance=1 + (n // 3) % 3, has_attachments=n % 5 == 0)
    client = verified_client(alice)
    client.get(reverse("emails:list"))  # warm the session
    counts = [
        _count_queries(client, reverse("emails:list"), {"size": size, "sort": sort}) for size in (10, 50)
    ]
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(14):
        client.get(reverse("emails:list"), {"size": 50, "sort": sort})
    rows = [_count_queries(client, reverse("emails:rows"), {"size": size, "sort": sort}) for size in (10, 50)]
    assert rows[0] == rows[1]
