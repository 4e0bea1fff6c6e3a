"""Bulk actions and undo: done, read/unread, archive, move, trash, tag; never on another user's mail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from emails.tests.test_ui_dashboard import account_make, folder, mail_make

pytestmark = pytest.mark.django_db


def post_bulk(client, action: str, ids: list[int], **extra):
    return client.post(reverse("emails:bulk"), {"action": action, "ids": ids, "next": "/mail/", **extra})


def undo(client):
    token = client.session["ui_undo"]["token"]
    return client.post(reverse("emails:undo"), {"token": token, "next": "/mail/"})


def test_bulk_done_and_undo(verified_client, alice):
    """GIVEN two open messages WHEN marked done THEN they leave the matrix; undo brings them back."""
    from emails.models import Triage

    account = account_make(alice)
    a = mail_make(account, urgency=3, importance=3)
    b = mail_make(account, urgency=3, importance=3)
    client = verified_client(alice)
    response = post_bulk(client, "done", [a.pk, b.pk])
    assert response.status_code == 302
    assert Triage.objects.filter(owner=alice, done_at__isnull=False).count() == 2
    assert client.get(reverse("home")).context["matrix"].total == 0
    assert b"Undo" in client.get(reverse("emails:list")).content
    assert undo(client).status_code == 302
    assert Triage.objects.filter(owner=alice, done_at__isnull=True).count() == 2
    assert client.get(reverse("home")).context["matrix"].total == 2


def test_row_done_button_marks_only_its_row(verified_client, alice):
    """GIVEN two messages WHEN the row button of one is pressed THEN only that one is done."""
    from emails.models import Triage

    account = account_make(alice)
    a = mail_make(account, urgency=2, importance=2)
    mail_make(account, urgency=2, importance=2)
    client = verified_client(alice)
    client.post(reverse("emails:bulk"), {"done_one": a.pk, "next": "/mail/"})
    assert list(Triage.objects.filter(done_at__isnull=False).values_list("logical_id", flat=True)) == [
        a.logical_id
    ]


def test_bulk_read_unread_is_journaled_and_undone(verified_client, alice):
    """GIVEN unread mail WHEN marked read THEN rows change and operations are journaled; undo marks unread."""
    from emails.models import Message, PendingOperation

    account = account_make(alice)
    a, b = mail_make(account), mail_make(account)
    client = verified_client(alice)
    post_bulk(client, "read", [a.pk, b.pk])
    assert Message.objects.filter(pk__in=[a.pk, b.pk], is_seen=True).count() == 2
    assert PendingOperation.objects.filter(owner=alice, kind="flags_add").count() == 2
    undo(client)
    assert Message.objects.filter(pk__in=[a.pk, b.pk], is_seen=False).count() == 2


def test_bulk_archive_and_undo(verified_client, alice):
    """GIVEN two inbox messages WHEN archived THEN they are in Archive; undo puts them back in INBOX."""
    from emails.models import Message

    account = account_make(alice)
    a, b = mail_make(account), mail_make(account)
    client = verified_client(alice)
    post_bulk(client, "archive", [a.pk, b.pk])
    archive, inbox = folder(account, "archive"), folder(account, "inbox")
    assert set(Message.objects.filter(pk__in=[a.pk, b.pk]).values_list("folder_id", flat=True)) == {
        archive.pk
    }
    undo(client)
    assert set(Message.objects.filter(pk__in=[a.pk, b.pk]).values_list("folder_id", flat=True)) == {inbox.pk}


def test_bulk_move_and_trash(verified_client, alice):
    """GIVEN inbox mail WHEN moved to Archive and another trashed THEN each lands in its folder."""
    from emails.models import Message

    account = account_make(alice)
    a, b = mail_make(account), mail_make(account)
    client = verified_client(alice)
    post_bulk(client, "move", [a.pk], target_folder=folder(account, "archive").pk)
    post_bulk(client, "trash", [b.pk])
    assert Message.objects.get(pk=a.pk).folder.role == "archive"
    assert Message.objects.get(pk=b.pk).folder.role == "trash"


def test_bulk_tag(verified_client, alice):
    """GIVEN two messages WHEN tagged "project" THEN both carry the tag and the tag filter lists them."""
    from tags.models import MessageTag, Tag

    account = account_make(alice)
    a, b = mail_make(account), mail_make(account)
    client = verified_client(alice)
    post_bulk(client, "tag", [a.pk, b.pk], tag_name="project")
    tag = Tag.objects.get(owner=alice, name="project")
    assert MessageTag.objects.filter(tag=tag).count() == 2
    listed = client.get(reverse("emails:list"), {"tag": tag.pk}).context["rows"]
    assert {m.pk for m in listed} == {a.pk, b.pk}


@pytest.mark.parametrize("action", ["done", "read", "unread", "archive", "trash", "tag"])
def test_another_users_ids_act_on_nothing(verified_client, alice, charlie, action):
    """GIVEN a message of alice's WHEN charlie posts its id (with one of his own) THEN 404 and nothing changes."""
    from emails.models import Message, PendingOperation, Triage

    alices = mail_make(account_make(alice), urgency=3, importance=3, is_seen=False)
    charlies = mail_make(account_make(charlie, "Charlie"), urgency=3, importance=3, is_seen=False)
    before = Message.objects.filter(pk=alices.pk).values("folder_id", "is_seen").get()
    response = post_bulk(verified_client(charlie), action, [charlies.pk, alices.pk], tag_name="x")
    assert response.status_code == 404
    assert Message.objects.filter(pk=alices.pk).values("folder_id", "is_seen").get() == before
    assert not PendingOperation.objects.exists()
    assert not Triage.objects.filter(done_at__isnull=False).exists()
    # positive control: his own id alone works
    assert post_bulk(verified_client(charlie), action, [charlies.pk], tag_name="x").status_code == 302


def test_move_to_another_users_folder_is_a_404(verified_client, alice, charlie):
    """GIVEN alice's folder WHEN charlie moves his mail into it THEN 404 and his mail stays."""
    from emails.models import Message

    alice_archive = folder(account_make(alice), "archive")
    charlie_account = account_make(charlie, "Charlie")
    mine = mail_make(charlie_account)
    client = verified_client(charlie)
    assert post_bulk(client, "move", [mine.pk], target_folder=alice_archive.pk).status_code == 404
    assert Message.objects.get(pk=mine.pk).folder.role == "inbox"
    own_archive = folder(charlie_account, "archive")
    assert post_bulk(client, "move", [mine.pk], target_folder=own_archive.pk).status_code == 302


def test_undo_needs_this_sessions_token(verified_client, alice, charlie):
    """GIVEN alice archived a message WHEN charlie posts her undo token THEN 404 and it stays archived."""
    from emails.models import Message

    account = account_make(alice)
    a = mail_make(account)
    alice_client = verified_client(alice)
    post_bulk(alice_client, "archive", [a.pk])
    token = alice_client.session["ui_undo"]["token"]
    response = verified_client(charlie).post(reverse("emails:undo"), {"token": token})
    assert response.status_code == 404
    assert Message.objects.get(pk=a.pk).folder.role == "archive"
    assert alice_client.post(reverse("emails:undo"), {"token": token}).status_code == 302
    assert Message.objects.get(pk=a.pk).folder.role == "inbox"


def test_bulk_rejects_get_and_offsite_next(verified_client, alice):
    """GIVEN a bulk request WHEN it is a GET, or ``next`` points off-site THEN 405 / a redirect to the list."""
    account = account_make(alice)
    a = mail_make(account, urgency=1, importance=1)
    client = verified_client(alice)
    assert client.get(reverse("emails:bulk")).status_code == 405
    response = client.post(
        reverse("emails:bulk"), {"action": "done", "ids": [a.pk], "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("emails:list")


def test_dashboard_sync_now_is_owner_checked(verified_client, alice, charlie):
    """GIVEN alice's account WHEN charlie asks to sync it THEN 404; alice's request is queued (200 for htmx)."""
    account = account_make(alice)
    account_make(charlie, "Charlie")
    url = reverse("emails:dashboard_sync_now", args=[account.pk])
    assert verified_client(charlie).post(url, HTTP_HX_REQUEST="true").status_code == 404
    response = verified_client(alice).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"sync-item" in response.content


@pytest.mark.parametrize(
    ("action", "text"), [("done", "1 message marked done."), ("read", "1 message updated.")]
)
def test_the_result_of_an_undoable_action_is_said_once(verified_client, alice, action, text):
    """GIVEN an open, unread message WHEN a bulk action changes it and the list is shown THEN the result is said
    once, in the undo bar that carries the Undo button, not again as a flash message."""
    account = account_make(alice)
    a = mail_make(account, urgency=3, importance=3, is_seen=False)
    client = verified_client(alice)
    post_bulk(client, action, [a.pk])
    content = client.get(reverse("emails:list")).content.decode()
    assert content.count(text) == 1
    assert 'id="undo-bar"' in content


def test_an_action_that_changed_nothing_still_says_so(verified_client, alice):
    """GIVEN a message already done WHEN it is marked done again THEN there is nothing to undo and the flash
    message says that nothing changed."""
    account = account_make(alice)
    a = mail_make(account, urgency=3, importance=3)
    client = verified_client(alice)
    post_bulk(client, "done", [a.pk])
    post_bulk(client, "done", [a.pk])
    content = client.get(reverse("emails:list")).content.decode()
    assert "0 messages marked done." in content
    assert 'id="undo-bar"' not in content
