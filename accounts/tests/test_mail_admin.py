"""The operators' admin for mail accounts: status and last error visible, passwords never, sync now works."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.mail_testing import mail_account_make
from accounts.models import MailAccount
from mailhelper.testing.auth import user_create

SECRET = "Admin-Must-Never-See-This-42"


@pytest.fixture
def operator(db):
    return user_create(username="operator", is_staff=True, is_superuser=True)


def test_changelist_shows_status_and_last_error(verified_client, operator, alice) -> None:
    """GIVEN a failing account WHEN the operator opens the list THEN status, owner and last error show."""
    mail_account_make(
        owner=alice, name="alice-work", needs_reauth=True, last_error="AUTHENTICATIONFAILED here"
    )
    response = verified_client(operator).get(reverse("admin:accounts_mailaccount_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "alice-work" in html
    assert "needs password" in html
    assert "AUTHENTICATIONFAILED here" in html


def test_admin_pages_never_show_the_password(verified_client, operator, alice) -> None:
    """GIVEN stored IMAP and SMTP passwords WHEN the operator opens list and change page THEN neither appears."""
    account = mail_account_make(owner=alice, password=SECRET)
    account.smtp_password_set(SECRET + "-smtp")
    account.save()
    client = verified_client(operator)
    for url in (
        reverse("admin:accounts_mailaccount_changelist"),
        reverse("admin:accounts_mailaccount_change", args=[account.pk]),
        reverse("admin:accounts_mailaccount_delete", args=[account.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert SECRET not in html
        assert account.password_encrypted not in html
        assert account.smtp_password_encrypted not in html
        assert "password_encrypted" not in html


def test_sync_now_action_queues_the_selected_accounts(
    verified_client, operator, alice, bob, django_capture_on_commit_callbacks
) -> None:
    """GIVEN accounts of two users WHEN the operator runs "Sync now" on both THEN both are queued."""
    accounts = [mail_account_make(owner=alice), mail_account_make(owner=bob)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = verified_client(operator).post(
            reverse("admin:accounts_mailaccount_changelist"),
            {"action": "sync_now", "_selected_action": [a.pk for a in accounts]},
            follow=True,
        )
    assert "2 syncs queued" in response.content.decode()
    assert len(callbacks) == 2
    assert all(MailAccount.objects.get(pk=a.pk).sync_requested_at for a in accounts)


def test_admin_delete_removes_in_the_background(
    verified_client, operator, alice, django_capture_on_commit_callbacks
) -> None:
    """GIVEN an account WHEN the operator deletes it in the admin THEN it is marked deleting and the task is queued."""
    account = mail_account_make(owner=alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        verified_client(operator).post(
            reverse("admin:accounts_mailaccount_delete", args=[account.pk]), {"post": "yes"}
        )
    account.refresh_from_db()
    assert account.deleting
    assert len(callbacks) == 1


def test_non_staff_users_cannot_open_the_admin(verified_client, alice) -> None:
    """GIVEN a normal user WHEN she opens the mail-account admin THEN she is sent to the admin login."""
    response = verified_client(alice).get(reverse("admin:accounts_mailaccount_changelist"))
    assert response.status_code == 302
