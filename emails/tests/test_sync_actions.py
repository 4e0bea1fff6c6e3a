"""User actions vs. sync: applied locally at once, journalled, reconciled, undoable, owner-checked."""

from __future__ import annotations

import pytest

from emails.models import Message, OperationStatus, PendingOperation
from emails.services.operations import message_action, operation_undo, operations_apply
from emails.services.sync import flags_apply
from emails.tests.conftest import assert_in_step, message_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(pymap_mailbox, sync):
    pymap_mailbox.append("INBOX", [message_bytes(i) for i in range(3)])
    for folder in ("Archive", "Trash"):
        pymap_mailbox.server.folder_create(pymap_mailbox.username, folder)
    sync(pymap_mailbox)
    return pymap_mailbox


def _inbox_message(mailbox, n=0):
    return Message.objects.filter(account=mailbox.account, folder__raw_name="INBOX").order_by("uid")[n]


def test_mark_read_is_local_at_once_and_then_reaches_the_server(synced, alice):
    """GIVEN an unread message WHEN alice marks it read THEN it is read locally now and on the server after push."""
    message = _inbox_message(synced)
    operation = message_action(user=alice, message_id=message.pk, action="mark_read")
    assert operation is not None
    message.refresh_from_db()
    assert message.is_seen
    assert operation.status == OperationStatus.PENDING
    assert operations_apply(account=synced.account) == 1
    assert_in_step(synced)


def test_archive_moves_on_the_server_keeps_the_row_and_can_be_undone(synced, alice, sync):
    """GIVEN a message WHEN archived, synced, undone, synced THEN it is back in INBOX with the same row and history."""
    message = _inbox_message(synced)
    operation = message_action(user=alice, message_id=message.pk, action="archive")
    assert operation is not None
    message.refresh_from_db()
    assert message.folder.raw_name == "Archive"
    sync(synced)  # pushes the move, then fetches the new UID into the same row
    message.refresh_from_db()
    assert message.uid > 0
    assert message.folder.raw_name == "Archive"
    assert_in_step(synced)
    operation_undo(user=alice, operation_id=operation.pk)
    sync(synced)
    moved_back = Message.objects.get(pk=message.pk)
    assert moved_back.folder.raw_name == "INBOX"
    assert moved_back.logical_id == message.logical_id
    assert_in_step(synced)


def test_undo_before_the_server_saw_the_move_cancels_it(synced, alice, sync):
    """GIVEN a pending trash WHEN undone before any push THEN nothing happens on the server."""
    message = _inbox_message(synced)
    operation = message_action(user=alice, message_id=message.pk, action="trash")
    assert operation is not None
    operation_undo(user=alice, operation_id=operation.pk)
    operation.refresh_from_db()
    assert operation.status == OperationStatus.CANCELLED
    sync(synced)
    assert Message.objects.get(pk=message.pk).folder.raw_name == "INBOX"
    assert_in_step(synced)


def test_delete_permanently_removes_it_everywhere(synced, alice, sync):
    """GIVEN a message WHEN deleted permanently THEN it is gone locally at once and on the server after sync."""
    message = _inbox_message(synced)
    message_action(user=alice, message_id=message.pk, action="delete")
    assert not Message.objects.filter(pk=message.pk).exists()
    sync(synced)
    assert len(synced.server.uids(synced.username, "INBOX")) == 2
    assert_in_step(synced)


def test_a_failed_action_is_shown_and_rolled_back(synced, alice, sync):
    """GIVEN a pending move WHEN its target folder vanished on the server THEN it fails visibly and nothing is lost."""
    message = _inbox_message(synced)
    message_action(user=alice, message_id=message.pk, action="archive")
    synced.server.folder_delete(synced.username, "Archive")
    sync(synced)
    failed = PendingOperation.objects.get(owner=alice)
    assert failed.status == OperationStatus.FAILED
    assert failed.error
    assert Message.objects.get(pk=message.pk).folder.raw_name == "INBOX"
    assert_in_step(synced)


def test_a_user_action_racing_a_sync_is_not_reverted(synced, alice, sync):
    """GIVEN a sync in progress WHEN alice flags a message mid-sync THEN the sync keeps her flag and pushes it."""
    target = _inbox_message(synced, 1)
    synced.append("INBOX", [message_bytes(50)])
    done: list[PendingOperation | None] = []

    def progress(event, data):
        if event == "sync.progress" and not done:
            done.append(message_action(user=alice, message_id=target.pk, action="flag"))

    sync(synced, progress=progress)
    target.refresh_from_db()
    assert target.is_flagged
    assert done
    assert_in_step(synced)  # the sync pushed the journal at its end


def test_a_sync_never_writes_flags_over_a_newer_local_version(synced, alice):
    """GIVEN flags read at version v WHEN a user action bumped the row meanwhile THEN the sync's write is skipped."""
    message = _inbox_message(synced)
    stale_version = message.local_version
    message_action(user=alice, message_id=message.pk, action="flag")
    PendingOperation.objects.all().update(status=OperationStatus.APPLIED)  # no journal protection left
    assert flags_apply(changes=[(message.pk, stale_version, [])]) == 0
    message.refresh_from_db()
    assert flags_apply(changes=[(message.pk, message.local_version, ["\\Seen"])]) == 1  # positive control


def test_other_users_cannot_act_on_alices_messages(synced, alice, charlie):
    """GIVEN alice's message WHEN charlie acts on it or undoes her action THEN he gets DoesNotExist and nothing changes."""
    message = _inbox_message(synced)
    with pytest.raises(Message.DoesNotExist):
        message_action(user=charlie, message_id=message.pk, action="mark_read")
    message.refresh_from_db()
    assert not message.is_seen
    operation = message_action(user=alice, message_id=message.pk, action="trash")  # positive control
    assert operation is not None
    with pytest.raises(PendingOperation.DoesNotExist):
        operation_undo(user=charlie, operation_id=operation.pk)
    assert Message.objects.get(pk=message.pk).folder.raw_name == "Trash"


def test_the_operations_task_rechecks_the_owner(synced, alice, charlie):
    """GIVEN a pending action of alice WHEN the task runs with charlie's id THEN nothing is pushed."""
    from emails.tasks import operations_apply_task

    message = _inbox_message(synced)
    message_action(user=alice, message_id=message.pk, action="mark_read")
    assert operations_apply_task.apply(args=(synced.account.pk, charlie.pk)).get() == 0
    assert PendingOperation.objects.get().status == OperationStatus.PENDING
    assert operations_apply_task.apply(args=(synced.account.pk, alice.pk)).get() == 1
