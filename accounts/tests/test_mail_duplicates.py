"""One IMAP mailbox (host, port, user name) is connected at most once per user: twice would list every
message twice and make the dashboard totals disagree."""
# ruff: noqa: F811 (pytest fixtures imported from accounts.mail_testing are redefined as arguments)

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.mail_forms import MailAccountForm
from accounts.mail_testing import mail_account_make, pymap_server  # noqa: F401 (fixture)
from accounts.models import MailAccount, Security
from accounts.services.mail_accounts import mail_account_create
from accounts.tests.test_mail_views import _form_data

pytestmark = pytest.mark.django_db

DUPLICATE = "This mailbox is already connected as “Work”."


def _data(**overrides: object) -> dict:
    data = {
        "name": "Second",
        "email_address": "me@example.org",
        "imap_host": "imap.example.org",
        "imap_port": 993,
        "imap_security": Security.SSL,
        "username": "me@example.org",
        "password": "pw",
        "sync_interval_minutes": 5,
        "smtp_security": Security.STARTTLS,
        "enabled": "on",
    }
    data.update(overrides)
    return data


def _work(owner, **fields: str):
    values: dict[str, Any] = {
        "name": "Work",
        "imap_host": "IMAP.Example.ORG",
        "imap_port": 993,
        "username": "me@example.org",
    }
    values.update(fields)
    return mail_account_make(owner=owner, **values)


def _errors(form: MailAccountForm) -> list[str]:
    form.is_valid()
    return [str(e) for errors in form.errors.values() for e in errors]


def test_adding_the_same_mailbox_again_names_the_existing_account(alice) -> None:
    """GIVEN alice's "Work" WHEN she adds the same host (other case), port and user name THEN refused."""
    _work(alice)
    assert DUPLICATE in _errors(MailAccountForm(_data(), owner=alice))


@pytest.mark.parametrize(
    "change",
    [
        {"imap_port": 143},
        {"username": "ME@example.org"},
        {"username": "other@example.org"},
        {"imap_host": "x.org"},
    ],
)
def test_another_port_or_user_name_is_another_mailbox(alice, change) -> None:
    """GIVEN alice's "Work" WHEN the port, the user name (compared exactly) or the host differs THEN fine."""
    _work(alice)
    assert DUPLICATE not in _errors(MailAccountForm(_data(**change), owner=alice))


def test_another_user_may_connect_the_same_mailbox(alice, bob) -> None:
    """GIVEN bob's "Work" WHEN alice connects the same mailbox THEN allowed (her data is separate)."""
    _work(bob)
    assert _errors(MailAccountForm(_data(), owner=alice)) == []


def test_editing_an_account_does_not_collide_with_itself(alice) -> None:
    """GIVEN alice's "Work" WHEN she saves it unchanged THEN no duplicate error."""
    account = _work(alice)
    form = MailAccountForm(_data(name="Work", password=""), owner=alice, instance=account)
    assert _errors(form) == []


def test_editing_an_account_onto_another_ones_mailbox_is_refused(alice) -> None:
    """GIVEN alice's "Work" and "Home" WHEN "Home" is pointed at Work's mailbox THEN refused."""
    _work(alice)
    home = _work(alice, name="Home", username="home@example.org")
    form = MailAccountForm(_data(name="Home", password=""), owner=alice, instance=home)
    assert DUPLICATE in _errors(form)


def test_the_service_refuses_a_duplicate_too(alice) -> None:
    """GIVEN alice's "Work" WHEN code creates the same mailbox without the form THEN a ValidationError."""
    _work(alice)
    fields = {
        "name": "Second",
        "imap_host": "imap.example.org",
        "imap_port": 993,
        "username": "me@example.org",
    }
    with pytest.raises(ValidationError, match="already connected"):
        mail_account_create(owner=alice, fields=fields, password="pw")
    assert MailAccount.objects.filter(owner=alice).count() == 1


def test_add_page_shows_the_duplicate_error_and_saves_nothing(verified_client, alice, pymap_server) -> None:
    """GIVEN alice's "Work" on a server WHEN she adds it again under another name THEN the page says so."""
    mail_account_make(owner=alice, server=pymap_server, name="Work")
    response = verified_client(alice).post(
        reverse("mailaccounts:add"), _form_data(pymap_server, name="Again")
    )
    assert response.status_code == 200
    assert DUPLICATE in response.content.decode()
    assert MailAccount.objects.filter(owner=alice).count() == 1
