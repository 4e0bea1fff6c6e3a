"""Dovecot (CONDSTORE/QRESYNC) and the fault cases: dropped connections, killed workers, UIDVALIDITY, races."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection

from accounts.models.mail_account import MailAccount
from emails.models import FolderRole, LogicalMessage, MailFolder, Message, SyncRun
from emails.services.imap_session import AuthenticationFailed, ServerUnavailable
from emails.services.sync import account_sync
from emails.tests.conftest import assert_in_step, mailbox_make, message_bytes
from mailhelper.typing import locking_cache

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.dovecot]


def test_initial_and_incremental_sync_with_condstore(dovecot_mailbox, sync):
    """GIVEN Dovecot with CONDSTORE WHEN synced, changed by another client, synced THEN local equals server."""
    uids = dovecot_mailbox.append("INBOX", [message_bytes(i) for i in range(20)])
    dovecot_mailbox.append("Archive", [message_bytes(i) for i in range(20, 30)], flags=(b"\\Seen",))
    first = sync(dovecot_mailbox)
    assert first.new == 30
    assert MailFolder.objects.get(account=dovecot_mailbox.account, raw_name="INBOX").highestmodseq
    assert_in_step(dovecot_mailbox)

    server = dovecot_mailbox.server
    server.flags_set(dovecot_mailbox.username, "INBOX", uids[:3], [b"\\Flagged", b"\\Seen"])
    server.expunge(dovecot_mailbox.username, "INBOX", uids[3:5])
    server.move(dovecot_mailbox.username, "INBOX", uids[5:7], "Archive")
    dovecot_mailbox.append("INBOX", [message_bytes(99)])
    second = sync(dovecot_mailbox)
    assert (second.new, second.updated, second.deleted) == (3, 3, 4)
    assert_in_step(dovecot_mailbox)


def test_a_no_change_resync_does_nothing(dovecot_mailbox, sync):
    """GIVEN a synced mailbox WHEN nothing changed THEN a re-sync writes nothing."""
    dovecot_mailbox.append("INBOX", [message_bytes(i) for i in range(10)])
    sync(dovecot_mailbox)
    report = sync(dovecot_mailbox)
    assert (report.new, report.updated, report.deleted) == (0, 0, 0)
    assert_in_step(dovecot_mailbox)


def test_folders_roles_utf7_names_renames_and_removals(dovecot_mailbox, sync):
    """GIVEN special-use and UTF-7 folders WHEN synced, renamed, removed THEN folder rows follow the server."""
    server, user = dovecot_mailbox.server, dovecot_mailbox.username
    for name in ("Sent", "Entwürfe", "Projects", "Old"):
        server.folder_create(user, name)
    dovecot_mailbox.append("Projects", [message_bytes(1)])
    dovecot_mailbox.append("Old", [message_bytes(2)])
    sync(dovecot_mailbox)
    folders = {f.name: f for f in MailFolder.objects.filter(account=dovecot_mailbox.account)}
    assert folders["Sent"].role == FolderRole.SENT
    assert folders["INBOX"].role == FolderRole.INBOX
    assert folders["Entwürfe"].role == FolderRole.DRAFTS
    assert folders["Entwürfe"].raw_name == "Entw&APw-rfe"
    projects_pk = folders["Projects"].pk

    server.folder_rename(user, "Projects", "Projekte")
    server.folder_delete(user, "Old")
    sync(dovecot_mailbox)

    renamed = MailFolder.objects.get(account=dovecot_mailbox.account, name="Projekte")
    assert renamed.pk == projects_pk
    assert renamed.messages.count() == 1
    assert not MailFolder.objects.filter(account=dovecot_mailbox.account, name="Old").exists()
    assert_in_step(dovecot_mailbox)


def test_uidvalidity_change_resyncs_the_folder_without_duplicates(dovecot_mailbox, sync):
    """GIVEN a synced folder WHEN it is recreated (new UIDVALIDITY) THEN it is fetched again, once, same history."""
    dovecot_mailbox.append("Archive", [message_bytes(i) for i in range(8)])
    sync(dovecot_mailbox)
    logical_before = set(LogicalMessage.objects.values_list("id", flat=True))
    old, new = dovecot_mailbox.server.folder_recreate(dovecot_mailbox.username, "Archive")
    assert old != new

    sync(dovecot_mailbox)

    assert MailFolder.objects.get(account=dovecot_mailbox.account, raw_name="Archive").uidvalidity == new
    assert set(LogicalMessage.objects.values_list("id", flat=True)) == logical_before
    assert_in_step(dovecot_mailbox)


def test_ten_concurrent_syncs_of_one_account(dovecot_mailbox):
    """GIVEN 10 simultaneous syncs of one account THEN one runs, the others skip, nothing is doubled."""
    dovecot_mailbox.append("INBOX", [message_bytes(i) for i in range(300)])
    results: list[str] = []
    barrier = threading.Barrier(10)

    def run() -> None:
        try:
            account = MailAccount.objects.get(pk=dovecot_mailbox.account.pk)
            barrier.wait()
            results.append(account_sync(account=account).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 10
    assert results.count("succeeded") >= 1
    assert "skipped" in results
    assert_in_step(dovecot_mailbox)


def test_connection_dropped_mid_batch_then_resumed(dovecot_server, dropping_proxy, alice, settings):
    """GIVEN the connection drops mid-FETCH WHEN synced again THEN committed batches are kept and nothing doubles."""
    settings.SYNC_BATCH_SIZE = 20
    mailbox = mailbox_make(dovecot_server, alice, port=dropping_proxy.port)
    mailbox.append("INBOX", [message_bytes(i, body="x" * 2000) for i in range(120)])
    dropping_proxy.drop_after(120_000)

    with pytest.raises(ServerUnavailable):
        account_sync(account=mailbox.account)

    assert dropping_proxy.drops == 1
    stored = Message.objects.filter(account=mailbox.account).count()
    assert 0 < stored < 120
    run = SyncRun.objects.filter(account=mailbox.account).get()
    assert run.status == "failed"
    mailbox.account.refresh_from_db()
    assert mailbox.account.consecutive_failures == 1
    assert not mailbox.account.needs_reauth

    dropping_proxy.disarm()
    report = account_sync(account=mailbox.account)
    assert report.new == 120 - stored  # nothing stored before was fetched again
    assert_in_step(mailbox)
    mailbox.account.refresh_from_db()
    assert mailbox.account.consecutive_failures == 0


def test_a_sync_process_killed_mid_sync_resumes_after_the_lock_expires(dovecot_mailbox, process_log_dir):
    """GIVEN a sync process SIGKILLed mid-sync WHEN its lock expires and a sync runs THEN nothing is lost or doubled."""
    from mailhelper.testing.processes import test_database_env

    dovecot_mailbox.append("INBOX", [message_bytes(i, body="y" * 3000) for i in range(800)])
    env = test_database_env(SYNC_LOCK_SECONDS="3", SYNC_BATCH_SIZE="25")
    log = (process_log_dir / f"killed-sync-{dovecot_mailbox.account.pk}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sync_account", "--account", str(dovecot_mailbox.account.pk)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline and Message.objects.filter(account=dovecot_mailbox.account).count() < 100
    ):
        assert process.poll() is None, "the sync finished before it could be killed"
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    stored = Message.objects.filter(account=dovecot_mailbox.account).count()
    assert 0 < stored < 800

    assert account_sync(account=dovecot_mailbox.account).status == "skipped"  # the dead process's lock
    time.sleep(3.5)
    report = account_sync(account=dovecot_mailbox.account)
    assert report.status == "succeeded"
    assert (
        report.new
        == 800 - Message.objects.filter(account=dovecot_mailbox.account, pk__lte=0).count() - stored
    )
    assert_in_step(dovecot_mailbox)


def test_wrong_password_marks_needs_reauth_and_stops_scheduling(dovecot_mailbox, sync):
    """GIVEN a wrong password WHEN synced THEN the account needs re-auth and is no longer due; a good one is."""
    from emails.services.scheduling import accounts_due

    account = dovecot_mailbox.account
    assert account in accounts_due()  # positive control
    account.password_set("wrong")
    account.save()
    with pytest.raises(AuthenticationFailed):
        sync(dovecot_mailbox)
    account.refresh_from_db()
    assert account.needs_reauth
    assert "AUTHENTICATIONFAILED" in account.last_error.upper()
    assert account not in accounts_due()


def test_an_unreachable_server_is_transient(dovecot_mailbox, sync):
    """GIVEN a closed port WHEN synced THEN it is a retryable failure, not a re-auth."""
    from mailhelper.embedded import free_port

    account = dovecot_mailbox.account
    account.imap_port = free_port()
    account.save()
    with pytest.raises(ServerUnavailable):
        sync(dovecot_mailbox)
    account.refresh_from_db()
    assert not account.needs_reauth
    assert account.consecutive_failures == 1
    lock = locking_cache(cache).lock(f"sync:{account.pk}", timeout=5)
    assert lock.acquire(blocking=False)  # the lock was released
