"""Mail-account pages: add/edit/re-auth with a live connection test, delete, sync now, test, isolation."""
# ruff: noqa: F811 (pytest fixtures imported from accounts.mail_testing are redefined as arguments)

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.mail_testing import (  # noqa: F401 (fixtures)
    ImapServer,
    closed_port,
    mail_account_make,
    pymap_server,
)
from accounts.models import MailAccount, Security

SECRET = "Sup3r-Secret-Passw0rd-xyz"


def _form_data(server: ImapServer, **overrides: object) -> dict:
    data = {
        "name": "Work",
        "email_address": "me@example.org",
        "imap_host": server.host,
        "imap_port": server.port,
        "imap_security": Security.NONE,
        "username": server.username,
        "password": server.password,
        "sync_interval_minutes": 5,
        "folder_include": "",
        "folder_exclude": "Trash\n",
        "sync_since": "",
        "enabled": "on",
        "smtp_host": "",
        "smtp_port": "",
        "smtp_security": Security.STARTTLS,
        "smtp_username": "",
        "smtp_password": "",
    }
    data.update(overrides)
    return data


# --- list ---------------------------------------------------------------------------------------------


def test_list_shows_only_the_users_own_accounts(verified_client, alice, bob) -> None:
    """GIVEN accounts of alice and bob WHEN alice opens the list THEN she sees hers and not bob's."""
    mail_account_make(owner=alice, name="alice-work")
    mail_account_make(owner=bob, name="bob-private")
    response = verified_client(alice).get(reverse("mailaccounts:list"))
    assert response.status_code == 200
    assert b"alice-work" in response.content
    assert b"bob-private" not in response.content


def test_list_shows_status_and_reauth_link(verified_client, alice) -> None:
    """GIVEN an account that needs re-authentication WHEN listed THEN status, error and the link show."""
    account = mail_account_make(
        owner=alice, name="work", needs_reauth=True, last_error="LOGIN rejected", consecutive_failures=3
    )
    html = verified_client(alice).get(reverse("mailaccounts:list")).content.decode()
    assert "Password rejected" in html
    assert "LOGIN rejected" in html
    assert reverse("mailaccounts:reauth", args=[account.pk]) in html


def test_accounts_being_deleted_are_hidden(verified_client, alice) -> None:
    """GIVEN an account marked deleting WHEN alice lists or edits it THEN it is gone (404 on edit)."""
    account = mail_account_make(owner=alice, name="going-away", deleting=True)
    client = verified_client(alice)
    assert b"going-away" not in client.get(reverse("mailaccounts:list")).content
    assert client.get(reverse("mailaccounts:edit", args=[account.pk])).status_code == 404


def test_list_requires_login(client) -> None:
    """GIVEN no session WHEN the list is requested THEN the visitor is sent to log in."""
    response = client.get(reverse("mailaccounts:list"))
    assert response.status_code == 302


# --- add ----------------------------------------------------------------------------------------------


def test_add_with_working_settings_saves_an_encrypted_password(verified_client, alice, pymap_server) -> None:
    """GIVEN pymap's correct credentials WHEN alice adds the account THEN it is saved, password encrypted."""
    response = verified_client(alice).post(reverse("mailaccounts:add"), _form_data(pymap_server))
    assert response.status_code == 302
    account = MailAccount.objects.get(owner=alice, name="Work")
    assert account.password == pymap_server.password
    assert pymap_server.password not in account.password_encrypted
    assert account.folder_exclude == "Trash"


def test_add_with_wrong_password_shows_why_and_saves_nothing(verified_client, alice, pymap_server) -> None:
    """GIVEN a wrong password WHEN alice adds the account THEN the page says so and nothing is stored."""
    response = verified_client(alice).post(
        reverse("mailaccounts:add"), _form_data(pymap_server, password=SECRET)
    )
    assert response.status_code == 200
    assert "rejected the user name or password" in response.content.decode()
    assert SECRET not in response.content.decode()
    assert not MailAccount.objects.filter(owner=alice).exists()


def test_add_with_refused_port_names_the_cause(verified_client, alice, pymap_server, closed_port) -> None:
    """GIVEN a port nobody listens on WHEN alice adds the account THEN the page says the connection was refused."""
    response = verified_client(alice).post(
        reverse("mailaccounts:add"), _form_data(pymap_server, imap_port=closed_port)
    )
    assert "refused the connection" in response.content.decode()
    assert not MailAccount.objects.filter(owner=alice).exists()


def test_add_rejects_a_duplicate_name(verified_client, alice, pymap_server) -> None:
    """GIVEN alice has "Work" WHEN she adds another "work" THEN the form says the name is taken."""
    mail_account_make(owner=alice, name="Work")
    response = verified_client(alice).post(reverse("mailaccounts:add"), _form_data(pymap_server, name="work"))
    assert "already have an account with this name" in response.content.decode()


def test_same_name_is_fine_for_another_user(verified_client, alice, bob, pymap_server) -> None:
    """GIVEN bob has "Work" WHEN alice adds "Work" THEN it is saved (names are unique per owner)."""
    mail_account_make(owner=bob, name="Work")
    response = verified_client(alice).post(reverse("mailaccounts:add"), _form_data(pymap_server))
    assert response.status_code == 302


def test_add_rejects_a_url_as_host(verified_client, alice, pymap_server) -> None:
    """GIVEN "imaps://host/" as host WHEN submitted THEN the form asks for the server name only."""
    response = verified_client(alice).post(
        reverse("mailaccounts:add"), _form_data(pymap_server, imap_host="imaps://mail.example.org/")
    )
    assert "Enter only the server name" in response.content.decode()


# --- edit ---------------------------------------------------------------------------------------------


def test_edit_page_never_renders_the_password(verified_client, alice, pymap_server) -> None:
    """GIVEN a stored password WHEN alice opens the edit page THEN neither it nor its ciphertext is in the HTML."""
    account = mail_account_make(
        owner=alice, server=pymap_server, password=SECRET, smtp_host="smtp.example.org"
    )
    account.smtp_password_set(SECRET + "-smtp")
    account.save()
    html = verified_client(alice).get(reverse("mailaccounts:edit", args=[account.pk])).content.decode()
    assert 'name="password"' in html  # the field is there...
    assert SECRET not in html  # ...but empty
    assert account.password_encrypted not in html
    assert account.smtp_password_encrypted not in html


def test_edit_with_empty_password_keeps_the_stored_one(verified_client, alice, pymap_server) -> None:
    """GIVEN a working account WHEN alice changes the interval and leaves the password empty THEN it is kept."""
    account = mail_account_make(owner=alice, server=pymap_server, name="Work")
    data = _form_data(pymap_server, password="", sync_interval_minutes=30)
    response = verified_client(alice).post(reverse("mailaccounts:edit", args=[account.pk]), data)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.sync_interval_minutes == 30
    assert account.password == pymap_server.password


def test_edit_that_breaks_the_connection_is_not_saved(
    verified_client, alice, pymap_server, closed_port
) -> None:
    """GIVEN a working account WHEN alice changes the port to a closed one THEN nothing is saved."""
    account = mail_account_make(owner=alice, server=pymap_server, name="Work")
    data = _form_data(pymap_server, password="", imap_port=closed_port)
    response = verified_client(alice).post(reverse("mailaccounts:edit", args=[account.pk]), data)
    assert "refused the connection" in response.content.decode()
    account.refresh_from_db()
    assert account.imap_port == pymap_server.port


def test_edit_with_working_password_clears_reauth_state(verified_client, alice, pymap_server) -> None:
    """GIVEN an account needing re-auth WHEN alice saves the right password THEN the error state is cleared."""
    account = mail_account_make(
        owner=alice,
        server=pymap_server,
        name="Work",
        password="old",
        needs_reauth=True,
        consecutive_failures=4,
    )
    response = verified_client(alice).post(
        reverse("mailaccounts:edit", args=[account.pk]), _form_data(pymap_server)
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.needs_reauth, account.consecutive_failures, account.last_error) == (False, 0, "")


# --- re-auth ------------------------------------------------------------------------------------------


def test_reauth_with_the_right_password_resumes_syncing(verified_client, alice, pymap_server) -> None:
    """GIVEN needs_reauth WHEN alice re-enters the working password THEN it is stored and the flags reset."""
    account = mail_account_make(
        owner=alice,
        server=pymap_server,
        password="old",
        needs_reauth=True,
        consecutive_failures=2,
        last_error="x",
    )
    url = reverse("mailaccounts:reauth", args=[account.pk])
    response = verified_client(alice).post(url, {"password": pymap_server.password})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.password == pymap_server.password
    assert (account.needs_reauth, account.consecutive_failures, account.last_error) == (False, 0, "")


def test_reauth_with_a_wrong_password_keeps_the_account_stopped(verified_client, alice, pymap_server) -> None:
    """GIVEN needs_reauth WHEN alice enters another wrong password THEN she is told and nothing changes."""
    account = mail_account_make(owner=alice, server=pymap_server, password="old", needs_reauth=True)
    url = reverse("mailaccounts:reauth", args=[account.pk])
    response = verified_client(alice).post(url, {"password": SECRET})
    assert "rejected the user name or password" in response.content.decode()
    assert SECRET not in response.content.decode()
    account.refresh_from_db()
    assert account.needs_reauth
    assert account.password == "old"


# --- connection test (htmx partial) -------------------------------------------------------------------


def test_test_button_reports_success_for_stored_settings(verified_client, alice, pymap_server) -> None:
    """GIVEN a working account WHEN alice presses "Test connection" THEN the partial says it connected."""
    account = mail_account_make(owner=alice, server=pymap_server)
    response = verified_client(alice).post(
        reverse("mailaccounts:test", args=[account.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Connected and logged in" in response.content.decode()
    assert "<html" not in response.content.decode()  # a fragment, not a page


def test_test_button_on_the_add_form_uses_the_typed_settings(verified_client, alice, pymap_server) -> None:
    """GIVEN unsaved settings with a wrong password WHEN tested THEN the partial names the cause; nothing is saved."""
    response = verified_client(alice).post(
        reverse("mailaccounts:test_new"), _form_data(pymap_server, password=SECRET)
    )
    assert "rejected the user name or password" in response.content.decode()
    assert SECRET not in response.content.decode()
    assert not MailAccount.objects.exists()


# --- delete -------------------------------------------------------------------------------------------


def test_delete_confirm_page_says_server_mail_is_kept(verified_client, alice) -> None:
    """GIVEN an account WHEN alice opens delete THEN the confirm page says the server's mail stays."""
    account = mail_account_make(owner=alice, name="Work")
    response = verified_client(alice).get(reverse("mailaccounts:delete", args=[account.pk]))
    assert "Mail on the server is not touched" in response.content.decode()
    assert MailAccount.objects.filter(pk=account.pk, deleting=False).exists()


def test_delete_hides_the_account_and_queues_background_removal(
    verified_client, alice, django_capture_on_commit_callbacks
) -> None:
    """GIVEN an account WHEN alice confirms delete THEN it is marked deleting and the task is queued on commit."""
    account = mail_account_make(owner=alice, name="Work")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = verified_client(alice).post(reverse("mailaccounts:delete", args=[account.pk]))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.deleting
    assert not account.enabled
    assert len(callbacks) == 1


# --- sync now -----------------------------------------------------------------------------------------


def test_sync_now_marks_the_account_queued(
    verified_client, alice, django_capture_on_commit_callbacks
) -> None:
    """GIVEN an enabled account WHEN alice presses sync now THEN it is recorded as requested and enqueued on commit."""
    account = mail_account_make(owner=alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = verified_client(alice).post(reverse("mailaccounts:sync", args=[account.pk]), follow=True)
    account.refresh_from_db()
    assert account.sync_requested_at is not None
    assert len(callbacks) == 1
    assert "queued" in response.content.decode()


def test_sync_now_twice_queues_once(verified_client, alice, django_capture_on_commit_callbacks) -> None:
    """GIVEN a queued sync WHEN alice presses sync now again THEN nothing more is queued and she is told."""
    account = mail_account_make(owner=alice)
    client = verified_client(alice)
    url = reverse("mailaccounts:sync", args=[account.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url)
        response = client.post(url, follow=True)
    assert len(callbacks) == 1
    assert "already queued" in response.content.decode()


def test_sync_now_respects_the_per_user_quota(
    verified_client, alice, bob, settings, django_capture_on_commit_callbacks
) -> None:
    """GIVEN a quota of 2 WHEN alice queues three accounts THEN the third is refused; bob is unaffected."""
    settings.SYNC_USER_QUEUE_LIMIT = 2
    accounts = [mail_account_make(owner=alice, name=f"a{i}") for i in range(3)]
    bobs = mail_account_make(owner=bob, name="b")
    client = verified_client(alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for account in accounts[:2]:
            client.post(reverse("mailaccounts:sync", args=[account.pk]))
        response = client.post(reverse("mailaccounts:sync", args=[accounts[2].pk]), follow=True)
        verified_client(bob).post(reverse("mailaccounts:sync", args=[bobs.pk]))
    assert "several syncs queued or running" in response.content.decode()
    assert len(callbacks) == 3  # alice's two and bob's one


def test_sync_now_is_refused_for_an_account_needing_its_password(verified_client, alice) -> None:
    """GIVEN needs_reauth WHEN alice presses sync now THEN nothing is queued and she is told why."""
    account = mail_account_make(owner=alice, needs_reauth=True)
    response = verified_client(alice).post(reverse("mailaccounts:sync", args=[account.pk]), follow=True)
    account.refresh_from_db()
    assert account.sync_requested_at is None
    assert "needs its password re-entered" in response.content.decode()


def test_sync_now_is_rate_limited(verified_client, alice, settings) -> None:
    """GIVEN many sync-now presses in a minute WHEN the rate is exceeded THEN the answer is 429."""
    account = mail_account_make(owner=alice)
    client = verified_client(alice)
    url = reverse("mailaccounts:sync", args=[account.pk])
    statuses = [client.post(url).status_code for _ in range(8)]
    assert statuses[0] == 302
    assert statuses[-1] == 429


def test_sync_now_needs_post(verified_client, alice) -> None:
    """GIVEN an account WHEN sync is requested with GET THEN it is refused (405) and nothing is queued."""
    account = mail_account_make(owner=alice)
    assert verified_client(alice).get(reverse("mailaccounts:sync", args=[account.pk])).status_code == 405


# --- isolation ----------------------------------------------------------------------------------------

OWNER_ONLY = [
    ("get", "mailaccounts:edit"),
    ("post", "mailaccounts:edit"),
    ("get", "mailaccounts:reauth"),
    ("post", "mailaccounts:reauth"),
    ("get", "mailaccounts:delete"),
    ("post", "mailaccounts:delete"),
    ("post", "mailaccounts:sync"),
    ("post", "mailaccounts:test"),
]


@pytest.mark.parametrize(("method", "name"), [m for m in OWNER_ONLY if m[0] == "get"])
def test_owner_can_open_her_account_pages(verified_client, alice, method: str, name: str) -> None:
    """GIVEN alice's account WHEN alice opens its pages THEN she gets 200 (the positive control)."""
    account = mail_account_make(owner=alice, name="alice-secret-account")
    response = getattr(verified_client(alice), method)(reverse(name, args=[account.pk]))
    assert response.status_code == 200
    assert b"alice-secret-account" in response.content


def test_owner_can_sync_and_test_her_account(verified_client, alice, closed_port) -> None:
    """GIVEN alice's account WHEN alice posts sync and test THEN they work (the positive control)."""
    account = mail_account_make(owner=alice, imap_port=closed_port)
    client = verified_client(alice)
    assert client.post(reverse("mailaccounts:sync", args=[account.pk])).status_code == 302
    assert client.post(reverse("mailaccounts:test", args=[account.pk])).status_code == 200


@pytest.mark.parametrize(("method", "name"), OWNER_ONLY)
def test_other_users_get_404_for_someone_elses_account(
    verified_client, alice, charlie, method: str, name: str
) -> None:
    """GIVEN alice's account WHEN charlie uses any of its URLs THEN 404, nothing of it shown, nothing changed."""
    account = mail_account_make(owner=alice, name="alice-secret-account", password=SECRET)
    response = getattr(verified_client(charlie), method)(
        reverse(name, args=[account.pk]), {"password": "x", "name": "stolen"} if method == "post" else None
    )
    assert response.status_code == 404
    assert b"alice-secret-account" not in response.content
    account.refresh_from_db()
    assert (account.name, account.deleting, account.sync_requested_at) == (
        "alice-secret-account",
        False,
        None,
    )
    assert account.password == SECRET


# --- the password stays secret ------------------------------------------------------------------------


def test_no_page_contains_the_password(verified_client, alice, pymap_server) -> None:
    """GIVEN a stored password WHEN alice visits list, edit, re-auth, delete and test THEN it appears nowhere."""
    account = mail_account_make(owner=alice, server=pymap_server, password=SECRET, needs_reauth=True)
    client = verified_client(alice)
    pages = [
        client.get(reverse("mailaccounts:list")),
        client.get(reverse("mailaccounts:edit", args=[account.pk])),
        client.get(reverse("mailaccounts:reauth", args=[account.pk])),
        client.get(reverse("mailaccounts:delete", args=[account.pk])),
        client.post(reverse("mailaccounts:test", args=[account.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert SECRET not in page.content.decode()
        assert account.password_encrypted not in page.content.decode()


def test_repr_and_str_never_contain_the_password(alice) -> None:
    """GIVEN an account WHEN printed THEN neither repr nor str shows the password or its ciphertext."""
    account = mail_account_make(owner=alice, password=SECRET)
    for text in (repr(account), str(account)):
        assert SECRET not in text
        assert account.password_encrypted not in text


def test_no_log_line_contains_the_password(verified_client, alice, pymap_server, caplog) -> None:
    """GIVEN debug logging WHEN alice adds an account (wrong, then right password) THEN no log line has either."""
    import logging

    caplog.set_level(logging.DEBUG)
    client = verified_client(alice)
    client.post(reverse("mailaccounts:add"), _form_data(pymap_server, password=SECRET))
    client.post(reverse("mailaccounts:add"), _form_data(pymap_server))
    assert MailAccount.objects.filter(owner=alice).exists()
    assert SECRET not in caplog.text
    assert pymap_server.password not in caplog.text


def test_tasks_get_ids_never_secrets(verified_client, alice, django_capture_on_commit_callbacks) -> None:
    """GIVEN delete and sync requests WHEN their tasks are enqueued THEN the broker message holds only the id."""
    from unittest import mock

    account = mail_account_make(owner=alice, password=SECRET)
    client = verified_client(alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("mailaccounts:sync", args=[account.pk]))
        client.post(reverse("mailaccounts:delete", args=[account.pk]))
    sent: list[tuple] = []
    with mock.patch(
        "celery.app.task.Task.apply_async",
        lambda self, args=None, kwargs=None, **kw: sent.append((args, kwargs)),
    ):
        for callback in callbacks:
            callback()
    assert len(sent) == 2
    for args, kwargs in sent:
        assert account.pk in (args or ())
        assert SECRET not in repr((args, kwargs))
        assert account.password_encrypted not in repr((args, kwargs))


def test_edit_page_lists_the_accounts_recent_syncs_to_its_owner_only(
    verified_client, alice, bob, pymap_server
):
    """GIVEN two syncs of alice's account (one failed) and one of bob's WHEN alice opens her account THEN she sees
    both runs with their counts and the failure's reason, newest first, and nothing of bob's; bob gets 404."""
    from emails.models import SyncRun, SyncRunStatus, SyncTrigger

    account = mail_account_make(owner=alice, server=pymap_server)
    other = mail_account_make(owner=bob, server=pymap_server)
    SyncRun.objects.create(
        owner=alice, account=account, status=SyncRunStatus.SUCCEEDED, messages_new=215, messages_deleted=3
    )
    SyncRun.objects.create(
        owner=alice,
        account=account,
        status=SyncRunStatus.FAILED,
        trigger=SyncTrigger.MANUAL,
        error="connection lost: TimeoutError: timed out",
    )
    SyncRun.objects.create(
        owner=bob, account=other, status=SyncRunStatus.FAILED, error="bob-only secret error"
    )

    page = verified_client(alice).get(reverse("mailaccounts:edit", args=[account.pk])).content.decode()
    history = page.split('id="sync-history-title"', 1)[1]
    assert history.index('data-status="failed"') < history.index('data-status="succeeded"')  # newest first
    assert "215" in history
    assert "timed out" in history
    assert "Sync now" in history  # the failed run's trigger
    assert "bob-only" not in page
    assert verified_client(bob).get(reverse("mailaccounts:edit", args=[account.pk])).status_code == 404


def test_a_new_account_page_has_no_sync_history(verified_client, alice):
    """GIVEN the add page WHEN rendered THEN there is no history section (positive control for the one above)."""
    page = verified_client(alice).get(reverse("mailaccounts:add")).content.decode()
    assert "sync-history-title" not in page
