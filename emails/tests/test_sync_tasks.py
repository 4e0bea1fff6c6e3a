"""Tasks, scheduling, quotas and the operator command."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models.mail_account import MailAccount
from emails.models import Message, SyncRun
from emails.schedules import default_schedules
from emails.services.scheduling import accounts_due, sync_enqueue, sync_now_request
from emails.tests.conftest import assert_in_step, mailbox_make, message_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.worker
def test_the_sync_task_runs_on_a_real_worker(pymap_mailbox, celery_worker_process):
    """GIVEN a mailbox WHEN account_sync_task is queued THEN the worker syncs it and records a SyncRun."""
    from emails.tasks import account_sync_task

    pymap_mailbox.append("INBOX", [message_bytes(i) for i in range(4)])
    account_sync_task.delay(pymap_mailbox.account.pk)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not SyncRun.objects.filter(status="succeeded").exists():
        time.sleep(0.2)
    assert SyncRun.objects.get().messages_new == 4, celery_worker_process.log_tail()
    assert_in_step(pymap_mailbox)


def test_due_accounts_follow_their_own_interval(alice):
    """GIVEN accounts synced at different times WHEN the fan-out asks THEN only those past their interval are due."""
    fresh = MailAccount.objects.create(
        owner=alice, name="fresh", imap_host="h", username="u", last_sync_started_at=timezone.now()
    )
    stale = MailAccount.objects.create(
        owner=alice,
        name="stale",
        imap_host="h",
        username="u",
        last_sync_started_at=timezone.now() - timedelta(minutes=6),
    )
    never = MailAccount.objects.create(owner=alice, name="never", imap_host="h", username="u")
    disabled = MailAccount.objects.create(owner=alice, name="off", imap_host="h", username="u", enabled=False)
    due = set(accounts_due())
    assert due == {stale, never}
    assert fresh not in due
    assert disabled not in due


def test_sync_now_is_owner_checked_rate_limited_and_deduplicated(alice, charlie):
    """GIVEN alice's account WHEN charlie asks THEN DoesNotExist; WHEN alice asks twice THEN the second is limited."""
    account = MailAccount.objects.create(owner=alice, name="a", imap_host="h", username="u")
    with pytest.raises(MailAccount.DoesNotExist):
        sync_now_request(user=charlie, account_id=account.pk)
    assert sync_now_request(user=alice, account_id=account.pk).queued
    assert sync_now_request(user=alice, account_id=account.pk).reason == "rate_limited"


def test_per_user_quota_on_queued_syncs(alice, bob, settings):
    """GIVEN alice's quota of 2 is used WHEN a third is queued THEN it is refused; bob is unaffected."""
    settings.SYNC_USER_QUEUE_LIMIT = 2
    accounts = [
        MailAccount.objects.create(owner=alice, name=f"a{i}", imap_host="h", username="u") for i in range(3)
    ]
    assert sync_enqueue(account=accounts[0]).queued
    assert sync_enqueue(account=accounts[0]).reason == "already_queued"
    assert sync_enqueue(account=accounts[1]).queued
    assert sync_enqueue(account=accounts[2]).reason == "quota"
    bobs = MailAccount.objects.create(owner=bob, name="b", imap_host="h", username="u")
    assert sync_enqueue(account=bobs).queued


def test_the_task_skips_accounts_needing_reauth(pymap_mailbox):
    """GIVEN an account marked needs_reauth WHEN its task runs THEN nothing is synced."""
    from emails.tasks import account_sync_task

    pymap_mailbox.append("INBOX", [message_bytes(1)])
    MailAccount.objects.filter(pk=pymap_mailbox.account.pk).update(needs_reauth=True)
    assert account_sync_task.apply(args=(pymap_mailbox.account.pk,)).get() == "gone"
    assert not Message.objects.exists()
    MailAccount.objects.filter(pk=pymap_mailbox.account.pk).update(needs_reauth=False)
    assert account_sync_task.apply(args=(pymap_mailbox.account.pk,)).get() == "succeeded"


def test_sync_account_command_by_user(pymap_server, alice, capsys):
    """GIVEN two accounts of alice WHEN the operator syncs --user alice THEN both are synced."""
    boxes = [mailbox_make(pymap_server, alice) for _ in range(2)]
    for box in boxes:
        box.append("INBOX", [message_bytes(1), message_bytes(2)])
    call_command("sync_account", user="alice")
    assert "new=2" in capsys.readouterr().out
    for box in boxes:
        assert_in_step(box)


def test_the_fan_out_schedule_is_declared():
    """GIVEN the schedules THEN the fan-out runs every minute on the sync queue."""
    (entry,) = default_schedules()
    assert entry["task"] == "emails.tasks.accounts_due_fan_out_task"
    assert (entry["interval"], entry["queue"]) == (60, "sync")
