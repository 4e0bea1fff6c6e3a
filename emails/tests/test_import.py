"""Importing mbox and Maildir exports into local accounts, and what local accounts do without a server."""

from __future__ import annotations

import imaplib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models.mail_account import AccountKind, MailAccount
from emails.models import MailFolder, Message, OperationStatus, PendingOperation
from emails.selectors import messages_for_user
from emails.services.importing import mbox_import
from emails.services.operations import message_action, operation_undo, operations_apply
from emails.services.scheduling import accounts_due, sync_enqueue
from emails.services.sync import account_sync

pytestmark = pytest.mark.django_db(transaction=True)


def _mail(n: int, *, body: str = "", newline: str = "\n", extra: str = "") -> str:
    lines = [
        f"From: Sender {n} <sender{n}@example.org>",
        "To: alice@example.com",
        f"Subject: Import test {n}",
        f"Date: Mon, 1 Jan 2024 10:{n:02d}:00 +0000",
        f"Message-ID: <import{n}@example.org>",
        *([extra] if extra else []),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body or f"Body of message {n}.",
    ]
    return newline.join(lines) + newline


def _mbox(messages: list[str], newline: str = "\n") -> bytes:
    out = []
    for i, message in enumerate(messages):
        out.append(f"From sender{i}@example.org Mon Jan  1 10:{i:02d}:00 2024{newline}")
        out.append(message)
        out.append(newline)
    return "".join(out).encode()


@pytest.fixture
def mbox_file(tmp_path: Path) -> Path:
    quoted = _mail(2, body="Line one.\n\n>From here on it is quoted.\n>>From twice quoted.\nEnd.")
    # No blank line between header and body: the parser keeps what it can and warns.
    broken = "From: Broken <broken@example.org>\nSubject: no separator\nthis line is not a header\n"
    path = tmp_path / "export.mbox"
    path.write_bytes(_mbox([_mail(1, extra="Status: RO"), quoted, broken]))
    return path


def test_mbox_import_stores_every_message_with_unquoted_from_lines(mbox_file, alice):
    """GIVEN an mbox with a quoted "From " line and a broken message WHEN imported THEN all three are stored,
    ">From" loses one ">", the broken one carries a warning, and Status: RO reads as \\Seen."""
    out = StringIO()
    call_command("import_mbox", "--user", "alice", str(mbox_file), stdout=out)
    assert "imported 3, skipped 0 as duplicates, 1 with warnings" in out.getvalue()
    account = MailAccount.objects.get(owner=alice, name="Import")
    assert account.kind == AccountKind.LOCAL
    rows = {m.subject: m for m in Message.objects.filter(account=account, folder__raw_name="INBOX")}
    assert set(rows) == {"Import test 1", "Import test 2", "no separator"}
    assert "\nFrom here on it is quoted." in rows["Import test 2"].text_body
    assert "\n>From twice quoted." in rows["Import test 2"].text_body
    assert "no_header_separator" in rows["no separator"].parse_warnings
    assert rows["Import test 1"].is_seen
    assert not rows["Import test 2"].is_seen
    assert sorted(m.uid for m in rows.values()) == [1, 2, 3]
    assert rows["Import test 1"].received_at.year == 2024


def test_unquoted_from_in_a_body_does_not_split_the_message(tmp_path, alice):
    """GIVEN a body line "From me, greetings" after a blank line WHEN imported THEN it stays in its message."""
    path = tmp_path / "loose.mbox"
    path.write_bytes(_mbox([_mail(1, body="Hello.\n\nFrom me, greetings\nBye."), _mail(2)]))
    report = mbox_import(owner=alice, path=path)
    assert report.imported == 2
    assert (
        "From me, greetings" in Message.objects.get(owner=alice, message_id="import1@example.org").text_body
    )


def test_crlf_mbox_is_read_like_lf(tmp_path, alice):
    """GIVEN an mbox with CRLF line ends WHEN imported THEN the messages and their bodies come out whole."""
    path = tmp_path / "crlf.mbox"
    path.write_bytes(_mbox([_mail(i, newline="\r\n") for i in range(1, 4)], newline="\r\n"))
    report = mbox_import(owner=alice, path=path, folder_name="Old mail")
    assert (report.imported, report.with_warnings) == (3, 0)
    folder = MailFolder.objects.get(owner=alice, raw_name="Old mail")
    bodies = sorted(Message.objects.filter(folder=folder).values_list("text_body", flat=True))
    assert [b.strip() for b in bodies] == [f"Body of message {i}." for i in range(1, 4)]


def test_importing_the_same_file_twice_adds_nothing(mbox_file, alice):
    """GIVEN an imported mbox WHEN imported again THEN every message is skipped as a duplicate."""
    first = mbox_import(owner=alice, path=mbox_file)
    assert first.imported == 3
    out = StringIO()
    call_command("import_mbox", "--user", "alice", str(mbox_file), stdout=out)
    assert "imported 0, skipped 3 as duplicates" in out.getvalue()
    assert Message.objects.filter(owner=alice).count() == 3


def test_import_queues_the_triage_pipeline(mbox_file, alice, monkeypatch):
    """GIVEN an mbox WHEN imported THEN the stored rows are handed to the pipeline hook after commit."""
    handed: list[int] = []
    monkeypatch.setattr("emails.hooks.messages_stored", lambda ids: handed.extend(ids))
    mbox_import(owner=alice, path=mbox_file)
    assert sorted(handed) == sorted(Message.objects.filter(owner=alice).values_list("pk", flat=True))
    assert len(handed) == 3


def test_imports_stay_with_their_owner(mbox_file, alice, bob):
    """GIVEN alice's import WHEN bob looks THEN he sees none of it; alice sees all of it."""
    mbox_import(owner=alice, path=mbox_file)
    assert messages_for_user(user=alice).count() == 3
    assert messages_for_user(user=bob).count() == 0
    bob_report = mbox_import(owner=bob, path=mbox_file)  # the same file is new to bob
    assert bob_report.imported == 3
    assert MailAccount.objects.get(owner=bob, name="Import").pk == bob_report.account_id
    assert set(messages_for_user(user=bob).values_list("account__owner", flat=True)) == {bob.pk}
    assert messages_for_user(user=alice).count() == 3


def test_import_refuses_an_imap_account_name(mbox_file, alice):
    """GIVEN alice's IMAP account "Work" WHEN importing into --account-name Work THEN the command refuses."""
    MailAccount.objects.create(owner=alice, name="Work", imap_host="imap.example.org", username="a")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="IMAP account"):
        call_command("import_mbox", "--user", "alice", "--account-name", "Work", str(mbox_file))
    assert not Message.objects.filter(owner=alice).exists()


def _maildir(root: Path) -> Path:
    box = root / "Maildir"
    for sub in ("", ".Archive", ".Lists.Python"):
        for part in ("cur", "new", "tmp"):
            (box / sub / part).mkdir(parents=True, exist_ok=True)
    (box / "new" / "1700000001.a.host").write_text(_mail(1))
    (box / "cur" / "1700000002.b.host:2,FS").write_text(_mail(2))
    (box / ".Archive" / "cur" / "1700000003.c.host:2,RS").write_text(_mail(3))
    (box / ".Lists.Python" / "cur" / "1700000004.d.host:2,").write_text(_mail(4))
    (box / ".Lists.Python" / "cur" / "1700000005.e.host:2,S").write_bytes(b"Subject: headers only\n")
    return box


def test_maildir_import_turns_subfolders_into_folders(tmp_path, alice):
    """GIVEN a Maildir++ with .Archive and .Lists.Python WHEN imported THEN each is a folder with its mail and
    flags; importing again adds nothing."""
    box = _maildir(tmp_path)
    out = StringIO()
    call_command("import_maildir", "--user", "alice", str(box), stdout=out)
    assert "imported 5, skipped 0 as duplicates" in out.getvalue()
    by_folder = {
        f.raw_name: sorted(Message.objects.filter(folder=f).values_list("subject", flat=True))
        for f in MailFolder.objects.filter(owner=alice)
    }
    assert by_folder == {
        "INBOX": ["Import test 1", "Import test 2"],
        "Archive": ["Import test 3"],
        "Trash": [],
        "Lists/Python": ["Import test 4", "headers only"],
    }
    second = Message.objects.get(owner=alice, subject="Import test 2")
    assert (second.is_seen, second.is_flagged) == (True, True)
    assert MailFolder.objects.get(owner=alice, raw_name="Archive").role == "archive"
    out = StringIO()
    call_command("import_maildir", "--user", "alice", str(box), stdout=out)
    assert "imported 0, skipped 5 as duplicates" in out.getvalue()


# --- local accounts have no server ----------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open an IMAP connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a local account tried to connect to a server")

    monkeypatch.setattr(imaplib.IMAP4, "__init__", refuse)
    monkeypatch.setattr("accounts.services.mail_connection.imap_connect", refuse)
    monkeypatch.setattr("emails.services.imap_session.imap_session", refuse)


def test_local_accounts_are_never_synced(mbox_file, alice, no_network):
    """GIVEN a local account WHEN the fan-out, a sync request or a sync runs THEN nothing is queued or
    connected; an IMAP account next to it is due (positive control)."""
    report = mbox_import(owner=alice, path=mbox_file)
    local = MailAccount.objects.get(pk=report.account_id)
    imap = MailAccount.objects.create(owner=alice, name="Work", imap_host="imap.example.org", username="a")
    assert list(accounts_due().values_list("pk", flat=True)) == [imap.pk]
    assert sync_enqueue(account=local).reason == "local"
    assert account_sync(account=local).status == "skipped"
    assert not local.is_due


def test_actions_on_imported_mail_complete_locally(mbox_file, alice, no_network):
    """GIVEN imported messages WHEN alice flags, archives, undoes, trashes, moves and deletes THEN every
    change is done at once, every journal entry is applied, and no connection is ever opened."""
    report = mbox_import(owner=alice, path=mbox_file)
    inbox = MailFolder.objects.get(account_id=report.account_id, raw_name="INBOX")
    first, second, third = Message.objects.filter(folder=inbox).order_by("uid")

    message_action(user=alice, message_id=first.pk, action="flag")
    archived = message_action(user=alice, message_id=first.pk, action="archive")
    first.refresh_from_db()
    assert first.folder.raw_name == "Archive"
    assert first.uid > 0
    assert first.uidvalidity == first.folder.uidvalidity
    assert first.is_flagged

    assert archived is not None
    operation_undo(user=alice, operation_id=archived.pk)
    first.refresh_from_db()
    assert first.folder.raw_name == "INBOX"
    assert first.uid > 3  # a fresh UID in its old folder, no clash with the others

    message_action(user=alice, message_id=second.pk, action="trash")
    target = MailFolder.objects.create(
        owner=alice, account_id=report.account_id, name="Kept", raw_name="Kept", uidvalidity=7
    )
    message_action(user=alice, message_id=third.pk, action="move", target_folder_id=target.pk)
    message_action(user=alice, message_id=first.pk, action="delete")

    assert not Message.objects.filter(pk=first.pk).exists()
    assert Message.objects.get(pk=second.pk).folder.raw_name == "Trash"
    assert Message.objects.get(pk=third.pk).folder_id == target.pk
    assert not Message.objects.filter(owner=alice, uid__lt=0).exists()
    statuses = set(PendingOperation.objects.filter(owner=alice).values_list("status", flat=True))
    assert statuses == {OperationStatus.APPLIED}
    assert PendingOperation.objects.filter(owner=alice).count() == 6
    assert operations_apply(account=MailAccount.objects.get(pk=report.account_id)) == 0


def test_other_users_cannot_act_on_imported_mail(mbox_file, alice, charlie):
    """GIVEN alice's imported message WHEN charlie tries to archive it THEN it does not exist for him."""
    mbox_import(owner=alice, path=mbox_file)
    message = Message.objects.filter(owner=alice).first()
    assert message is not None
    with pytest.raises(Message.DoesNotExist):
        message_action(user=charlie, message_id=message.pk, action="archive")
    assert message_action(user=alice, message_id=message.pk, action="archive") is not None
