"""Initial and incremental sync against pymap (no CONDSTORE): the default-suite proof of the engine."""

from __future__ import annotations

import pytest

from emails.models import LogicalMessage, MailFolder, Message, SyncRun
from emails.tests.conftest import assert_in_step, message_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_initial_sync_stores_every_message_with_its_flags(pymap_mailbox, sync):
    """GIVEN a mailbox with mail in two folders WHEN it is synced THEN the local copy equals the server's."""
    pymap_mailbox.append("INBOX", [message_bytes(i) for i in range(5)])
    pymap_mailbox.append("INBOX", [message_bytes(i) for i in range(5, 8)], flags=(b"\\Seen",))
    pymap_mailbox.append("Archive", [message_bytes(i) for i in range(8, 11)], flags=(b"\\Flagged",))

    report = sync(pymap_mailbox)

    assert report.status == "succeeded"
    assert report.new == 11
    assert_in_step(pymap_mailbox)
    assert Message.objects.filter(account=pymap_mailbox.account, is_seen=True).count() == 3
    run = SyncRun.objects.get(pk=report.run_id)
    assert (run.status, run.messages_new) == ("succeeded", 11)


def test_sync_never_sets_seen_on_the_server(pymap_mailbox, sync):
    """GIVEN unread mail WHEN synced (BODY.PEEK[]) THEN it is still unread on the server."""
    pymap_mailbox.append("INBOX", [message_bytes(1)])
    sync(pymap_mailbox)
    state = pymap_mailbox.server.state(pymap_mailbox.username, ["INBOX"])
    assert list(state["INBOX"].values()) == [()]


def test_incremental_sync_fetches_only_new_mail(pymap_mailbox, sync):
    """GIVEN a synced mailbox WHEN new mail arrives THEN the next sync adds exactly it."""
    pymap_mailbox.append("INBOX", [message_bytes(i) for i in range(3)])
    sync(pymap_mailbox)
    pymap_mailbox.append("INBOX", [message_bytes(i) for i in range(3, 5)])

    report = sync(pymap_mailbox)

    assert report.new == 2
    assert_in_step(pymap_mailbox)


def test_flag_and_expunge_changes_by_another_client_are_mirrored(pymap_mailbox, sync):
    """GIVEN a synced mailbox WHEN another client flags, unflags and expunges THEN the next sync mirrors it."""
    uids = pymap_mailbox.append("INBOX", [message_bytes(i) for i in range(6)], flags=(b"\\Seen",))
    sync(pymap_mailbox)
    server = pymap_mailbox.server
    server.flags_set(pymap_mailbox.username, "INBOX", uids[:2], [b"\\Flagged"])
    server.flags_set(pymap_mailbox.username, "INBOX", uids[2:3], [b"\\Seen"], add=False)
    server.expunge(pymap_mailbox.username, "INBOX", uids[4:])

    report = sync(pymap_mailbox)

    assert report.deleted == 2
    assert report.updated == 3
    assert_in_step(pymap_mailbox)


def test_a_move_by_another_client_keeps_the_logical_message(pymap_mailbox, sync):
    """GIVEN a synced message WHEN another client moves it THEN the copy moves and its logical message stays."""
    uids = pymap_mailbox.append("INBOX", [message_bytes(1), message_bytes(2)])
    pymap_mailbox.server.folder_create(pymap_mailbox.username, "Projects")
    sync(pymap_mailbox)
    logical_before = set(
        LogicalMessage.objects.filter(owner=pymap_mailbox.account.owner).values_list("id", flat=True)
    )
    pymap_mailbox.server.move(pymap_mailbox.username, "INBOX", uids[:1], "Projects")

    sync(pymap_mailbox)

    assert_in_step(pymap_mailbox)
    logical_after = set(
        LogicalMessage.objects.filter(owner=pymap_mailbox.account.owner).values_list("id", flat=True)
    )
    assert logical_after == logical_before
    moved = Message.objects.get(account=pymap_mailbox.account, folder__raw_name="Projects")
    assert moved.logical_id in logical_before


def test_copies_in_two_folders_share_one_logical_message(pymap_mailbox, sync):
    """GIVEN the same message in two folders WHEN synced THEN there are two copies and one logical message."""
    raw = message_bytes(1, msgid="same@example.org")
    pymap_mailbox.append("INBOX", [raw])
    pymap_mailbox.append("All", [raw])
    pymap_mailbox.append("INBOX", [message_bytes(2)])

    sync(pymap_mailbox)

    copies = Message.objects.filter(account=pymap_mailbox.account, message_id="same@example.org")
    assert copies.count() == 2
    assert len({c.logical_id for c in copies}) == 1
    assert LogicalMessage.objects.filter(owner=pymap_mailbox.account.owner).count() == 2


def test_folder_filter_change_fetches_but_never_deletes(pymap_mailbox, sync):
    """GIVEN a synced folder WHEN the filter excludes it THEN its mail stays; WHEN included again THEN it syncs."""
    pymap_mailbox.append("INBOX", [message_bytes(1)])
    pymap_mailbox.append("Lists", [message_bytes(2)])
    sync(pymap_mailbox)
    account = pymap_mailbox.account
    account.folder_exclude = "lists"
    account.save()
    pymap_mailbox.append("Lists", [message_bytes(3)])

    sync(pymap_mailbox)

    lists = MailFolder.objects.get(account=account, raw_name="Lists")
    assert not lists.is_selected
    assert lists.messages.count() == 1  # kept, and the new one not fetched
    account.folder_exclude = ""
    account.save()
    sync(pymap_mailbox)
    assert_in_step(pymap_mailbox)


def test_a_second_sync_while_one_runs_exits_quietly(pymap_mailbox, sync):
    """GIVEN the account's sync lock is held WHEN another sync starts THEN it is skipped at once."""
    from django.core.cache import cache

    from mailhelper.typing import locking_cache

    lock = locking_cache(cache).lock(f"sync:{pymap_mailbox.account.pk}", timeout=30)
    assert lock.acquire(blocking=False)
    try:
        assert sync(pymap_mailbox).status == "skipped"
    finally:
        lock.release()
    assert sync(pymap_mailbox).status == "succeeded"  # positive control
