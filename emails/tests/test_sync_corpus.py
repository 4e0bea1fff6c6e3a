"""Real-world messages through APPEND and sync: none lost, none doubled, no crash, warnings kept."""

from __future__ import annotations

import imaplib
from pathlib import Path

import pytest

from emails.models import Message
from mailhelper.testing.corpus import corpus_or_skip

pytestmark = pytest.mark.django_db(transaction=True)

SUBSET_SIZE = 120


def _corpus_files() -> list[Path]:
    files = []
    for part in ("mime", "spam_ham"):
        files.extend(sorted(corpus_or_skip(part).rglob("*.eml")))
    return files


def _sync_and_check(mailbox, sync, files: list[Path]) -> None:
    refused = []
    with mailbox.server.client(mailbox.username) as client:
        for path in files:
            try:
                client.append("INBOX", path.read_bytes())
            except imaplib.IMAP4.error as exc:  # the server's choice, not ours: reported below
                refused.append((path.name, str(exc)[:100]))
    assert len(refused) <= len(files) // 100, refused
    server_uids = mailbox.server.uids(mailbox.username, "INBOX")
    report = sync(mailbox, time_budget=3600)
    assert report.status == "succeeded"
    stored = list(Message.objects.filter(account=mailbox.account).values_list("uid", flat=True))
    assert sorted(stored) == server_uids  # none lost, none doubled
    unparsed = Message.objects.filter(account=mailbox.account, is_structure_parsed=False)
    assert all(m.parse_warnings for m in unparsed)
    assert sync(mailbox).new == 0


def test_corpus_subset_syncs_completely(pymap_mailbox, sync):
    """GIVEN a fixed subset of the shared corpus APPENDed WHEN synced THEN every message is stored once."""
    files = _corpus_files()
    step = max(1, len(files) // SUBSET_SIZE)
    _sync_and_check(pymap_mailbox, sync, files[::step][:SUBSET_SIZE])


@pytest.mark.corpus_full
@pytest.mark.dovecot
@pytest.mark.slow
def test_full_corpus_syncs_completely(dovecot_mailbox, sync):
    """GIVEN every corpus message APPENDed to Dovecot WHEN synced THEN every message is stored once."""
    from mailhelper.testing.requirements import running_in_ci

    if not running_in_ci():
        pytest.skip("the full corpus runs under CI=true")
    _sync_and_check(dovecot_mailbox, sync, _corpus_files())
