"""A folder the server only lets us read (it answers SELECT with ``[READ-ONLY]``) against Dovecot.

Shared and public folders, ACLs without write rights or a maildir the server cannot write: such a folder is
synced read-only like any other and never stops the account's sync; a user action on its mail fails with a
message and its local change is rolled back. Dovecot is made to say READ-ONLY by taking the write
permission from the folder's maildir (``ImapServer.folder_make_readonly``), on both the QRESYNC and the
CONDSTORE-only path; the recording proxy shows which SELECT was sent.
"""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from emails.models import MailFolder, Message, OperationStatus, PendingOperation, SyncRun
from emails.services.operations import message_action, operations_apply
from emails.tests.conftest import Mailbox, assert_in_step, mailbox_make, message_bytes
from mailhelper.testing.imap_servers import (
    DroppingProxy,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.dovecot]

FULL_SCAN = re.compile(r"^UID (SEARCH UID|FETCH) 1:\*", re.IGNORECASE)
SHARED = "Shared"


class Box:
    """A mailbox reached through a proxy that records the client's commands; ``path`` is the sync path."""

    def __init__(self, mailbox: Mailbox, proxy: DroppingProxy, path: str) -> None:
        self.mailbox, self.proxy, self.path = mailbox, proxy, path
        self.server, self.user = mailbox.server, mailbox.username

    def commands(self) -> list[str]:
        return [line.split(" ", 1)[1] for line in self.proxy.client_lines if " " in line]

    def forget(self) -> None:
        self.proxy.client_lines.clear()

    def selects(self, folder: str) -> list[str]:
        return [c for c in self.commands() if re.match(rf'(SELECT|EXAMINE) "?{folder}"?( |$)', c, re.I)]


@pytest.fixture(params=["qresync", "condstore"])
def box(request: pytest.FixtureRequest, alice: Any) -> Iterator[Box]:
    server = request.getfixturevalue(
        "dovecot_server" if request.param == "qresync" else "condstore_only_server"
    )
    proxy = DroppingProxy(upstream_port=server.port)
    yield Box(mailbox_make(server, alice, port=proxy.port), proxy, request.param)
    proxy.close()


def _filled(box: Box) -> dict[str, list[int]]:
    """INBOX, Archive and Zeta around the read-only folder (LIST order is the server's), mixed flags."""
    uids = {}
    for n, folder in enumerate(("INBOX", SHARED, "Archive", "Zeta")):
        uids[folder] = [
            *box.mailbox.append(folder, [message_bytes(10 * n + i) for i in range(2)]),
            *box.mailbox.append(folder, [message_bytes(10 * n + 5)], flags=(b"\\Seen",)),
            *box.mailbox.append(folder, [message_bytes(10 * n + 6)], flags=(b"\\Flagged",)),
        ]
    return uids


def _account_ok(mailbox: Mailbox) -> None:
    mailbox.account.refresh_from_db()
    assert mailbox.account.last_error == ""
    assert mailbox.account.consecutive_failures == 0
    assert not mailbox.account.needs_reauth


def _selected_readonly(box: Box, folder: str) -> bool:
    """Positive control: a raw SELECT of the folder really gets ``[READ-ONLY]`` from the server."""
    imap = imaplib.IMAP4("127.0.0.1", box.server.port)
    try:
        imap.login(box.user, box.server.users[box.user])
        imap.select(folder)
        return False
    except imaplib.IMAP4.readonly:
        imap.is_readonly = True  # else imaplib refuses every further command, LOGOUT too
        return True
    finally:
        imap.logout()


def test_a_read_only_folder_is_synced_and_the_others_too(box, sync):
    """GIVEN a folder the server answers READ-ONLY among three writable ones WHEN synced twice THEN every
    folder's mail is stored once with its flags, the sync succeeds, the server's flags are untouched, and
    the second sync (QRESYNC SELECT on that path) changes nothing."""
    uids = _filled(box)
    box.server.folder_make_readonly(box.user, SHARED)
    assert _selected_readonly(box, SHARED)
    assert not _selected_readonly(box, "Archive")
    before = box.server.state(box.user)

    report = sync(box.mailbox)

    assert report.status == "succeeded", report.errors
    assert report.new == 16
    assert report.folders == 4
    assert_in_step(box.mailbox)
    for folder, folder_uids in uids.items():
        stored = Message.objects.filter(account=box.mailbox.account, folder__raw_name=folder)
        assert sorted(stored.values_list("uid", flat=True)) == sorted(folder_uids)
    assert box.server.state(box.user) == before  # \Seen untouched, nothing moved or expunged
    _account_ok(box.mailbox)
    assert SyncRun.objects.get(pk=report.run_id).status == "succeeded"

    box.forget()
    again = sync(box.mailbox)

    assert again.status == "succeeded", again.errors
    assert (again.new, again.updated, again.deleted) == (0, 0, 0)
    if box.path == "qresync":
        assert [c for c in box.selects(SHARED) if "(QRESYNC (" in c.upper()], box.commands()
    else:
        assert box.selects(SHARED), box.commands()
    assert box.server.state(box.user) == before
    assert_in_step(box.mailbox)
    _account_ok(box.mailbox)


def test_changes_to_a_read_only_folder_reach_the_next_sync(box, sync):
    """GIVEN a synced read-only folder WHEN someone with write access flags, expunges and appends there THEN
    the next sync mirrors it (on the QRESYNC path from the READ-ONLY SELECT's answer, without a full scan)."""
    uids = _filled(box)[SHARED]
    box.server.folder_make_readonly(box.user, SHARED)
    sync(box.mailbox)
    box.server.folder_make_writable(box.user, SHARED)
    box.server.flags_set(box.user, SHARED, uids[:1], [b"\\Flagged", b"\\Seen"])
    box.server.expunge(box.user, SHARED, uids[1:2])
    new = box.mailbox.append(SHARED, [message_bytes(99)])
    box.server.folder_make_readonly(box.user, SHARED)
    assert _selected_readonly(box, SHARED)
    box.forget()

    report = sync(box.mailbox)

    assert report.status == "succeeded", report.errors
    assert (report.new, report.updated, report.deleted) == (1, 1, 1)
    assert_in_step(box.mailbox)
    stored = Message.objects.filter(account=box.mailbox.account, folder__raw_name=SHARED)
    assert sorted(stored.values_list("uid", flat=True)) == sorted([uids[0], *uids[2:], *new])
    if box.path == "qresync":
        assert [c for c in box.selects(SHARED) if "(QRESYNC (" in c.upper()], box.commands()
        assert not [c for c in box.commands() if FULL_SCAN.match(c)], box.commands()
    _account_ok(box.mailbox)


@pytest.mark.parametrize("pushed_by", ["task", "sync"])
def test_user_actions_in_a_read_only_folder_fail_with_a_message(box, alice, sync, pushed_by):
    """GIVEN mail in a read-only folder WHEN alice marks one read, archives one and deletes one THEN each
    action fails with a message naming the folder, her local changes are rolled back, nothing changes on
    the server (no copy in Archive either), and the sync that pushed them succeeds."""
    _filled(box)
    sync(box.mailbox)
    box.server.folder_make_readonly(box.user, SHARED)
    before = box.server.state(box.user)
    stored = Message.objects.filter(account=box.mailbox.account, folder__raw_name=SHARED).order_by("uid")
    unread, to_archive, to_delete = (m for m in stored if not m.is_seen)
    inbox_message = Message.objects.filter(
        account=box.mailbox.account, folder__raw_name="INBOX", is_flagged=False
    ).first()
    assert inbox_message is not None

    operations = [
        message_action(user=alice, message_id=unread.pk, action="mark_read"),
        message_action(user=alice, message_id=to_archive.pk, action="archive"),
        message_action(user=alice, message_id=to_delete.pk, action="delete"),
        message_action(user=alice, message_id=inbox_message.pk, action="flag"),  # positive control
    ]
    assert Message.objects.get(pk=unread.pk).is_seen  # applied locally at once
    assert Message.objects.get(pk=to_archive.pk).folder.raw_name == "Archive"

    if pushed_by == "task":
        assert operations_apply(account=box.mailbox.account) == 1
    report = sync(box.mailbox)

    assert report.status == "succeeded", report.errors
    _account_ok(box.mailbox)
    *failed, flagged = [PendingOperation.objects.get(pk=op.pk) for op in operations if op is not None]
    assert len(failed) == 3
    for operation in failed:
        assert operation.status == OperationStatus.FAILED
        assert "read-only" in operation.error
        assert f"“{SHARED}”" in operation.error
    assert flagged.status == OperationStatus.APPLIED
    assert not Message.objects.get(pk=unread.pk).is_seen
    assert Message.objects.get(pk=to_archive.pk).folder.raw_name == SHARED
    assert stored.filter(message_id=to_delete.message_id).count() == 1  # fetched again by the same sync

    after = box.server.state(box.user)
    assert after[SHARED] == before[SHARED]
    assert after["Archive"] == before["Archive"]
    assert after["INBOX"] != before["INBOX"]  # the writable folder's action did reach the server
    assert_in_step(box.mailbox)


def test_a_move_into_a_read_only_folder_fails_and_is_rolled_back(box, alice, sync):
    """GIVEN a read-only folder WHEN alice moves an INBOX message into it THEN the server's refusal marks the
    action failed, the message is back in INBOX, and the server still has it there only."""
    _filled(box)
    sync(box.mailbox)
    box.server.folder_make_readonly(box.user, SHARED)
    before = box.server.state(box.user)
    message = Message.objects.filter(account=box.mailbox.account, folder__raw_name="INBOX").first()
    assert message is not None
    target = MailFolder.objects.get(account=box.mailbox.account, raw_name=SHARED)

    operation = message_action(user=alice, message_id=message.pk, action="move", target_folder_id=target.pk)
    assert operation is not None
    report = sync(box.mailbox)

    assert report.status == "succeeded", report.errors
    operation.refresh_from_db()
    assert operation.status == OperationStatus.FAILED
    assert operation.error.startswith("the server refused")
    message.refresh_from_db()
    assert (message.folder.raw_name, message.uid > 0) == ("INBOX", True)
    assert box.server.state(box.user) == before
    assert_in_step(box.mailbox)
