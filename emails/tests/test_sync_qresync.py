"""QRESYNC against Dovecot: expunges and flag changes told by the server at SELECT, no full scans.

Every sync here goes through a recording proxy, so a test can tell which path ran: a QRESYNC re-sync must
never need ``UID SEARCH UID 1:*`` or ``UID FETCH 1:*``. The same scenarios also run against a Dovecot that
advertises CONDSTORE without QRESYNC, which keeps the engine's CONDSTORE path covered.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from emails.models import LogicalMessage, MailFolder, Message, OperationStatus, PendingOperation
from emails.services.operations import message_action
from emails.services.qresync import uid_set_parse
from emails.tests.conftest import Mailbox, assert_in_step, mailbox_make, message_bytes
from mailhelper.testing.imap_servers import (
    DroppingProxy,
    ImapServer,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.dovecot]

FULL_SCAN = re.compile(r"^UID (SEARCH UID|FETCH) 1:\*", re.IGNORECASE)


class Recorded:
    """A mailbox whose account talks to the server through a proxy that records the client's commands."""

    def __init__(self, mailbox: Mailbox, proxy: DroppingProxy, path: str) -> None:
        self.mailbox, self.proxy, self.path = mailbox, proxy, path

    def commands(self) -> list[str]:
        """The commands sent since the last ``forget()``, without their tags."""
        return [line.split(" ", 1)[1] for line in self.proxy.client_lines if " " in line]

    def forget(self) -> None:
        self.proxy.client_lines.clear()

    def full_scans(self) -> list[str]:
        return [c for c in self.commands() if FULL_SCAN.match(c)]

    def qresync_selects(self, folder: str) -> list[str]:
        return [c for c in self.commands() if c.upper().startswith(f'SELECT "{folder.upper()}" (QRESYNC (')]


def _recorded(request: pytest.FixtureRequest, server: ImapServer, alice: Any, path: str) -> Recorded:
    proxy = DroppingProxy(upstream_port=server.port)
    request.addfinalizer(proxy.close)
    return Recorded(mailbox_make(server, alice, port=proxy.port), proxy, path)


@pytest.fixture
def qresync_box(request: pytest.FixtureRequest, dovecot_server: ImapServer, alice: Any) -> Recorded:
    return _recorded(request, dovecot_server, alice, "qresync")


@pytest.fixture(params=["qresync", "condstore"])
def any_box(request: pytest.FixtureRequest, alice: Any) -> Recorded:
    server = request.getfixturevalue(
        "dovecot_server" if request.param == "qresync" else "condstore_only_server"
    )
    return _recorded(request, server, alice, request.param)


def _local_uids(mailbox: Mailbox, folder: str) -> list[int]:
    return sorted(
        Message.objects.filter(account=mailbox.account, folder__raw_name=folder).values_list("uid", flat=True)
    )


def test_uid_sets_are_read_as_ranges():
    """GIVEN uid-sets as servers send them THEN they become inclusive ranges; anything else is refused."""
    assert uid_set_parse("1:5,9,12:14") == [(1, 5), (9, 9), (12, 14)]
    assert uid_set_parse("14:12") == [(12, 14)]
    for bad in ("", "1:*", "1,,2", "5_0", " 1", "1:2:3"):
        with pytest.raises(ValueError, match="not a UID set"):
            uid_set_parse(bad)


def test_a_resync_mirrors_expunges_flags_and_new_mail(any_box, sync):
    """GIVEN a synced mailbox WHEN another client expunges, flags and appends THEN local equals server after
    one sync; with QRESYNC without any full scan, with CONDSTORE only through CHANGEDSINCE."""
    mailbox, server, user = any_box.mailbox, any_box.mailbox.server, any_box.mailbox.username
    uids = mailbox.append("INBOX", [message_bytes(i) for i in range(20)])
    mailbox.append("Archive", [message_bytes(i) for i in range(20, 25)], flags=(b"\\Seen",))
    sync(mailbox)
    assert any_box.full_scans()  # positive control: a first sync searches the whole folder
    assert MailFolder.objects.get(account=mailbox.account, raw_name="INBOX").highestmodseq

    server.expunge(user, "INBOX", [*uids[2:5], uids[9]])  # VANISHED (EARLIER) 3:5,10
    server.flags_set(user, "INBOX", uids[:2], [b"\\Flagged", b"\\Seen"])
    server.flags_set(user, "INBOX", uids[12:13], [b"\\Answered"])
    new_uids = mailbox.append("INBOX", [message_bytes(98), message_bytes(99)])
    any_box.forget()

    report = sync(mailbox)

    assert (report.new, report.updated, report.deleted) == (2, 3, 4)
    assert_in_step(mailbox)
    assert _local_uids(mailbox, "INBOX") == server.uids(user, "INBOX")
    assert set(new_uids) <= set(_local_uids(mailbox, "INBOX"))
    commands = any_box.commands()
    if any_box.path == "qresync":
        assert any_box.qresync_selects("INBOX"), commands
        assert any_box.full_scans() == [], commands
        assert not [c for c in commands if "CHANGEDSINCE" in c.upper()], commands
    else:
        assert not [c for c in commands if "QRESYNC" in c.upper()], commands
        assert [c for c in commands if "CHANGEDSINCE" in c.upper()], commands


def test_a_no_change_resync_only_selects(qresync_box, sync):
    """GIVEN a synced mailbox WHEN nothing changed THEN the re-sync sends one QRESYNC SELECT per folder and
    no SEARCH or FETCH at all."""
    mailbox = qresync_box.mailbox
    mailbox.append("INBOX", [message_bytes(i) for i in range(10)])
    mailbox.append("Archive", [message_bytes(i) for i in range(10, 12)])
    sync(mailbox)
    qresync_box.forget()

    report = sync(mailbox)

    assert (report.new, report.updated, report.deleted) == (0, 0, 0)
    commands = qresync_box.commands()
    assert qresync_box.qresync_selects("INBOX"), commands
    assert qresync_box.qresync_selects("Archive"), commands
    assert not [c for c in commands if re.search(r"\b(SEARCH|FETCH)\b", c, re.IGNORECASE)], commands
    assert_in_step(mailbox)


def test_an_expunge_during_the_sync_is_mirrored_in_the_same_sync(qresync_box, sync, settings):
    """GIVEN QRESYNC WHEN another client expunges a stored message while the folder is being synced THEN the
    server's VANISHED removes the local copy in that same sync, without a full scan."""
    settings.SYNC_BATCH_SIZE = 1
    mailbox, server, user = qresync_box.mailbox, qresync_box.mailbox.server, qresync_box.mailbox.username
    uids = mailbox.append("INBOX", [message_bytes(i) for i in range(5)])
    sync(mailbox)
    mailbox.append("INBOX", [message_bytes(50), message_bytes(51)])
    expunged: list[int] = []

    def progress(event: str, data: dict[str, Any]) -> None:
        if event == "sync.progress" and data["folder"] == "INBOX" and not expunged:
            server.expunge(user, "INBOX", uids[1:2])  # between the two batches of new mail
            expunged.append(uids[1])

    qresync_box.forget()
    report = sync(mailbox, progress=progress)

    assert expunged
    assert report.deleted == 1
    assert uids[1] not in _local_uids(mailbox, "INBOX")
    assert uids[0] in _local_uids(mailbox, "INBOX")  # positive control: only the vanished one went
    assert qresync_box.full_scans() == [], qresync_box.commands()
    assert_in_step(mailbox)


def test_a_pending_user_action_wins_over_a_flag_change_reported_by_the_server(any_box, alice, sync):
    """GIVEN another client flagged two read messages WHEN alice marks one of them unread during the sync,
    before its folder is synced THEN the server's report does not undo her action, the other message gets
    the server's flags, and the next sync leaves local and server in step with her action kept."""
    mailbox, server, user = any_box.mailbox, any_box.mailbox.server, any_box.mailbox.username
    first = {
        folder: mailbox.append(folder, [message_bytes(i) for i in range(3)], flags=(b"\\Seen",))[0]
        for folder in ("INBOX", "Archive")
    }
    sync(mailbox)
    for folder, uid in first.items():
        server.flags_set(user, folder, [uid], [b"\\Flagged"])  # the server now reports \Flagged \Seen
        mailbox.append(folder, [message_bytes(40)])  # new mail: a progress event while the folder syncs
    acted: dict[str, Any] = {}

    def progress(event: str, data: dict[str, Any]) -> None:
        if event != "sync.progress" or acted:
            return
        # Folders are synced one after the other in LIST order: act in the one not reached yet.
        later = "Archive" if data["folder"] == "INBOX" else "INBOX"
        message = Message.objects.get(account=mailbox.account, folder__raw_name=later, uid=first[later])
        acted.update(earlier=data["folder"], later=later, message_id=message.pk)
        acted["operation"] = message_action(user=alice, message_id=message.pk, action="mark_unread")

    any_box.forget()
    sync(mailbox, progress=progress)

    assert acted["operation"] is not None
    target = Message.objects.get(pk=acted["message_id"])
    assert not target.is_seen  # her action won over the server's \Seen
    assert PendingOperation.objects.get(pk=acted["operation"].pk).status == OperationStatus.APPLIED
    other = Message.objects.get(
        account=mailbox.account, folder__raw_name=acted["earlier"], uid=first[acted["earlier"]]
    )
    assert sorted(other.flags) == ["\\Flagged", "\\Seen"]  # positive control: the report was applied
    if any_box.path == "qresync":
        assert any_box.qresync_selects(acted["later"]), any_box.commands()

    sync(mailbox)

    assert_in_step(mailbox)
    target.refresh_from_db()
    assert target.flags == ["\\Flagged"]


def test_a_flag_change_held_back_for_a_pending_action_is_not_lost(any_box, alice, sync):
    """GIVEN another client marked a message read and flagged WHEN alice marks it read during the sync (a
    STORE that changes nothing on the server, so its MODSEQ stays) THEN the \\Flagged held back for her
    pending action still arrives with the next sync."""
    mailbox, server, user = any_box.mailbox, any_box.mailbox.server, any_box.mailbox.username
    first = {
        folder: mailbox.append(folder, [message_bytes(i) for i in range(3)])[0]
        for folder in ("INBOX", "Archive")
    }
    sync(mailbox)
    for folder, uid in first.items():
        server.flags_set(user, folder, [uid], [b"\\Seen", b"\\Flagged"])
        mailbox.append(folder, [message_bytes(40)])  # new mail: a progress event while the folder syncs
    acted: dict[str, Any] = {}

    def progress(event: str, data: dict[str, Any]) -> None:
        if event != "sync.progress" or acted:
            return
        later = "Archive" if data["folder"] == "INBOX" else "INBOX"
        message = Message.objects.get(account=mailbox.account, folder__raw_name=later, uid=first[later])
        acted.update(later=later, message_id=message.pk)
        acted["operation"] = message_action(user=alice, message_id=message.pk, action="mark_read")

    sync(mailbox, progress=progress)
    assert acted["operation"] is not None
    target = Message.objects.get(pk=acted["message_id"])
    assert target.is_seen
    assert not target.is_flagged  # held back while her action was pending

    sync(mailbox)

    target.refresh_from_db()
    assert sorted(target.flags) == ["\\Flagged", "\\Seen"]
    assert_in_step(mailbox)


def test_a_uidvalidity_change_resets_the_folder_despite_qresync(qresync_box, sync):
    """GIVEN a folder synced with QRESYNC state WHEN it is recreated (new UIDVALIDITY) THEN the QRESYNC SELECT
    carries the old state, the folder is fetched again once with the same logical messages, and the next
    sync uses the new state."""
    mailbox, server, user = qresync_box.mailbox, qresync_box.mailbox.server, qresync_box.mailbox.username
    mailbox.append("Archive", [message_bytes(i) for i in range(8)], flags=(b"\\Seen",))
    sync(mailbox)
    logical_before = set(LogicalMessage.objects.values_list("id", flat=True))
    old, new = server.folder_recreate(user, "Archive")
    assert old != new
    qresync_box.forget()

    sync(mailbox)

    assert [c for c in qresync_box.qresync_selects("Archive") if f"(QRESYNC ({old} " in c]
    assert qresync_box.full_scans()  # fetched again from scratch
    assert MailFolder.objects.get(account=mailbox.account, raw_name="Archive").uidvalidity == new
    assert set(LogicalMessage.objects.values_list("id", flat=True)) == logical_before
    assert set(Message.objects.filter(folder__raw_name="Archive").values_list("uidvalidity", flat=True)) == {
        new
    }
    assert _local_uids(mailbox, "Archive") == server.uids(user, "Archive")
    assert_in_step(mailbox)

    server.flags_set(user, "Archive", server.uids(user, "Archive")[:1], [b"\\Flagged"])
    qresync_box.forget()
    assert sync(mailbox).updated == 1
    assert [c for c in qresync_box.qresync_selects("Archive") if f"(QRESYNC ({new} " in c]
    assert qresync_box.full_scans() == [], qresync_box.commands()
    assert_in_step(mailbox)
