"""The mail-account page carries each account's live progress bar, for its owner only."""

import pytest
from django.urls import reverse

from accounts.models import MailAccount

pytestmark = pytest.mark.django_db


def _account(owner, name: str) -> MailAccount:
    account = MailAccount(owner=owner, name=name, imap_host="imap.example.org", username=name)
    account.password_set("secret-password")
    account.save()
    return account


def test_account_page_shows_a_progress_bar_per_own_account(verified_client, alice, charlie):
    """GIVEN alice's and charlie's accounts WHEN alice opens the account page THEN it has the live
    progress element for her account (the websocket's sync.progress events fill it) and none for charlie's."""
    mine = _account(alice, "Work")
    theirs = _account(charlie, "Private")
    html = verified_client(alice).get(reverse("mailaccounts:list")).content.decode()
    assert f'class="sync-item" data-account-id="{mine.pk}"' in html
    assert f'id="sync-progress-{mine.pk}"' in html
    assert f'data-account-id="{theirs.pk}"' not in html
    assert "Private" not in html
