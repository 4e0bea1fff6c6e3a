"""Deleting an account: our rows go in the background, the server's mail stays, other users are untouched."""
# ruff: noqa: F811 (pytest fixtures imported from accounts.mail_testing are redefined as arguments)

from __future__ import annotations

import time

import pytest
from imapclient import IMAPClient

from accounts.mail_testing import mail_account_make, pymap_server  # noqa: F401 (fixtures)
from accounts.models import MailAccount
from accounts.services.mail_accounts import mail_account_delete_request, mail_account_local_data_delete
from accounts.tasks import mail_account_delete_task


def test_delete_task_removes_only_accounts_marked_deleting(alice) -> None:
    """GIVEN an account not marked deleting WHEN the task runs for it THEN nothing is deleted."""
    account = mail_account_make(owner=alice)
    assert mail_account_delete_task(account.pk) == 0
    assert MailAccount.objects.filter(pk=account.pk).exists()


def test_delete_task_removes_the_account_and_leaves_others(alice, bob) -> None:
    """GIVEN alice's account marked deleting and bob's WHEN the task runs THEN only alice's row is gone."""
    account = mail_account_make(owner=alice)
    other = mail_account_make(owner=bob)
    mail_account_delete_request(account=account)
    assert mail_account_delete_task(account.pk) >= 1
    assert not MailAccount.objects.filter(pk=account.pk).exists()
    assert MailAccount.objects.filter(pk=other.pk).exists()


def test_delete_task_removes_synced_rows_in_batches(alice, bob) -> None:
    """GIVEN sync runs of alice's and bob's accounts WHEN alice's is deleted THEN only hers go, batch by batch."""
    sync = pytest.importorskip("emails.models")
    account = mail_account_make(owner=alice)
    other = mail_account_make(owner=bob)
    for _ in range(5):
        sync.SyncRun.objects.create(owner=alice, account=account)
    sync.SyncRun.objects.create(owner=bob, account=other)
    mail_account_delete_request(account=account)
    mail_account_local_data_delete(account_id=account.pk, batch_size=2)
    assert not sync.SyncRun.objects.filter(account_id=account.pk).exists()
    assert sync.SyncRun.objects.filter(account=other).count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_deleting_through_the_worker_keeps_mail_on_the_server(
    celery_worker_process, pymap_server, alice
) -> None:
    """GIVEN an account on pymap WHEN its deletion runs on a real worker THEN our row goes, the server's mail stays."""
    with IMAPClient(pymap_server.host, port=pymap_server.port, ssl=False, timeout=5) as imap:
        imap.login(pymap_server.username, pymap_server.password)
        before = imap.select_folder("INBOX", readonly=True)[b"EXISTS"]
    account = mail_account_make(owner=alice, server=pymap_server)
    mail_account_delete_request(account=account)
    deadline = time.monotonic() + 30
    while MailAccount.objects.filter(pk=account.pk).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not MailAccount.objects.filter(pk=account.pk).exists()
    with IMAPClient(pymap_server.host, port=pymap_server.port, ssl=False, timeout=5) as imap:
        imap.login(pymap_server.username, pymap_server.password)
        assert imap.select_folder("INBOX", readonly=True)[b"EXISTS"] == before
